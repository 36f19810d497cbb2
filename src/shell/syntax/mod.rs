//! The shell's grammar, as POSIX `sh` (and the bash forms Dockerfiles use)
//! reads it: words with their quoting and expansions, redirections and
//! heredocs, pipelines, `&&`/`||` lists, and the compound commands. It only
//! builds a tree; [`super::walk`] decides what the tree runs.
//!
//! Our own, because no crate fits: the shell parsers on crates.io either run
//! what they parse, stop at the first construct they do not model, or drop
//! the quoting we need to tell `$PM` from `'$PM'`.

mod grammar;
mod tree;
mod words;

pub(crate) use tree::*;
use words::is_meta;
pub(crate) use words::is_name;

/// Parses a script.
pub(crate) fn parse(text: &str) -> Result<Script, SyntaxError> {
    let mut p = Parser {
        s: text.chars().collect(),
        at: 0,
        heredocs: Vec::new(),
        pending: Vec::new(),
        depth: 0,
    };
    let list = p.list(&[])?;
    p.blanks_and_newlines();
    if p.at < p.s.len() {
        return Err(p.error("unexpected text"));
    }
    if !p.pending.is_empty() {
        p.read_pending_heredocs();
    }
    Ok(Script {
        list,
        heredocs: p.heredocs,
    })
}

/// How deep compound commands and substitutions may nest before the reader
/// gives up (a guard against stack exhaustion, not a shell limit).
const MAX_DEPTH: usize = 64;

/// A heredoc whose body comes after the current line.
struct Pending {
    index: usize,
    delimiter: String,
    strip_tabs: bool,
}

struct Parser {
    s: Vec<char>,
    at: usize,
    heredocs: Vec<HeredocBody>,
    pending: Vec<Pending>,
    depth: usize,
}

/// Operators the reader tells apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    AndIf,
    OrIf,
    Semi,
    DSemi,
    Amp,
    Pipe,
    Open,
    Close,
    Newline,
}

const RESERVED_STOPS: &[&str] = &[
    "then", "else", "elif", "fi", "do", "done", "esac", "}", "in",
];

impl Parser {
    fn error(&self, what: &str) -> SyntaxError {
        let line = self.s[..self.at.min(self.s.len())]
            .iter()
            .filter(|c| **c == '\n')
            .count()
            + 1;
        SyntaxError(format!("{what} (script line {line})"))
    }

    fn peek(&self) -> Option<char> {
        self.s.get(self.at).copied()
    }

    fn peek_at(&self, n: usize) -> Option<char> {
        self.s.get(self.at + n).copied()
    }

    fn starts(&self, text: &str) -> bool {
        text.chars()
            .enumerate()
            .all(|(i, c)| self.peek_at(i) == Some(c))
    }

    /// Skips blanks, line continuations and comments (not newlines).
    fn blanks(&mut self) {
        loop {
            match self.peek() {
                Some(' ' | '\t' | '\r') => self.at += 1,
                Some('\\') if self.peek_at(1) == Some('\n') => self.at += 2,
                Some('#') => {
                    while self.peek().is_some_and(|c| c != '\n') {
                        self.at += 1;
                    }
                }
                _ => break,
            }
        }
    }

    /// Skips blanks and newlines (reading heredoc bodies at each newline).
    fn blanks_and_newlines(&mut self) {
        loop {
            self.blanks();
            if self.peek() == Some('\n') {
                self.newline();
            } else {
                break;
            }
        }
    }

    /// Consumes a newline, then the bodies of the heredocs opened on its line.
    fn newline(&mut self) {
        self.at += 1;
        if !self.pending.is_empty() {
            self.read_pending_heredocs();
        }
    }

    fn read_pending_heredocs(&mut self) {
        for h in std::mem::take(&mut self.pending) {
            let mut body = String::new();
            loop {
                if self.at >= self.s.len() {
                    break;
                }
                let start = self.at;
                while self.peek().is_some_and(|c| c != '\n') {
                    self.at += 1;
                }
                let mut line: String = self.s[start..self.at].iter().collect();
                if line.ends_with('\r') {
                    line.pop();
                }
                if self.peek() == Some('\n') {
                    self.at += 1;
                }
                let content = if h.strip_tabs {
                    line.trim_start_matches('\t')
                } else {
                    &line
                };
                if content == h.delimiter {
                    break;
                }
                body.push_str(content);
                body.push('\n');
            }
            self.heredocs[h.index].text = body;
        }
    }

    /// The operator at the cursor, if any (not consumed).
    fn op(&self) -> Option<(Op, usize)> {
        let c = self.peek()?;
        let n = self.peek_at(1);
        Some(match (c, n) {
            ('&', Some('&')) => (Op::AndIf, 2),
            ('|', Some('|')) => (Op::OrIf, 2),
            (';', Some(';')) => (Op::DSemi, 2),
            (';', Some('&')) => (Op::DSemi, 2),
            (';', _) => (Op::Semi, 1),
            ('&', Some('>')) => return None,
            ('&', _) => (Op::Amp, 1),
            ('|', Some('&')) => (Op::Pipe, 2),
            ('|', _) => (Op::Pipe, 1),
            ('(', _) => (Op::Open, 1),
            (')', _) => (Op::Close, 1),
            ('\n', _) => (Op::Newline, 1),
            _ => return None,
        })
    }

    /// The next word, if it is a plain reserved word from `stops` (not consumed).
    fn at_reserved(&mut self, stops: &[&str]) -> Option<&'static str> {
        let save = self.at;
        self.blanks();
        let found = RESERVED_STOPS
            .iter()
            .chain(["if", "for", "while", "until", "case", "{", "!", "function"].iter())
            .find(|w| {
                self.starts(w)
                    && self
                        .peek_at(w.len())
                        .is_none_or(|c| is_meta(c) || c == '\r' || (**w == "}" && c == '}'))
            })
            .copied();
        self.at = save;
        found.filter(|w| stops.contains(w))
    }

    fn expect_reserved(&mut self, word: &str) -> Result<(), SyntaxError> {
        self.blanks_and_newlines();
        if self.at_reserved(&[word]).is_some() {
            self.blanks();
            self.at += word.len();
            Ok(())
        } else {
            Err(self.error(&format!("`{word}` expected")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words_of(cmd: &Cmd) -> Vec<String> {
        match cmd {
            Cmd::Simple { words, .. } => words.iter().map(|w| w.raw.clone()).collect(),
            _ => Vec::new(),
        }
    }

    #[test]
    fn lists_and_pipelines() {
        let s = parse("a && b || c; d | e & f\ng").unwrap();
        assert_eq!(s.list.items.len(), 4);
        assert_eq!(s.list.items[0].0.rest.len(), 2);
        assert!(s.list.items[1].1, "d | e runs in the background");
        assert_eq!(s.list.items[1].0.first.cmds.len(), 2);
    }

    #[test]
    fn quoting_and_expansions() {
        let s = parse(r#"echo 'a b' "c $D ${E:-f}" \$g $(h i) `j`"#).unwrap();
        let Cmd::Simple { words, .. } = &s.list.items[0].0.first.cmds[0] else {
            panic!()
        };
        assert_eq!(words.len(), 6);
        assert_eq!(words[1].literal().as_deref(), Some("a b"));
        assert_eq!(words[3].literal().as_deref(), Some("$g"));
        assert!(matches!(words[4].parts[0], Part::Subst { .. }));
        assert!(matches!(words[5].parts[0], Part::Subst { .. }));
    }

    #[test]
    fn compound_commands() {
        let s = parse(
            "if [ -f a ]; then npm ci; elif x; then y; else npm install; fi\n\
             for d in a b; do (cd $d && make); done\n\
             while read l; do echo $l; done < f\n\
             case $X in a|b) one;; *) two;; esac\n\
             { x; y; } > log\n\
             f() { npm ci; }\n\
             function g { true; }\n\
             [[ -f a && -f b ]] && c\n",
        )
        .unwrap();
        assert_eq!(s.list.items.len(), 8);
        let Cmd::Compound {
            body: Compound::If { arms, otherwise },
            ..
        } = &s.list.items[0].0.first.cmds[0]
        else {
            panic!()
        };
        assert_eq!(arms.len(), 2);
        assert!(otherwise.is_some());
        assert!(matches!(
            s.list.items[5].0.first.cmds[0],
            Cmd::Function { .. }
        ));
    }

    #[test]
    fn heredocs_are_read_after_their_line() {
        let s =
            parse("cat <<EOF > /etc/x && cat <<-'B'\nhello $X\nEOF\n\tbody\n\tB\nnext\n").unwrap();
        assert_eq!(s.heredocs[0].text, "hello $X\n");
        assert!(!s.heredocs[0].quoted);
        assert_eq!(s.heredocs[1].text, "body\n");
        assert!(s.heredocs[1].quoted);
        assert_eq!(s.list.items.len(), 2);
        assert_eq!(words_of(&s.list.items[1].0.first.cmds[0]), ["next"]);
    }

    #[test]
    fn reserved_words_only_in_command_position() {
        let s = parse("echo if then fi").unwrap();
        assert_eq!(
            words_of(&s.list.items[0].0.first.cmds[0]),
            ["echo", "if", "then", "fi"]
        );
    }

    #[test]
    fn errors_are_reported_not_panicked() {
        for bad in [
            "if a; then b",
            "echo 'open",
            "echo \"open",
            "( a",
            "case x in",
            "a &&",
            "$(",
            "${",
            "fi",
            "for",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
