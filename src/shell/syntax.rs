//! The shell's grammar, as POSIX `sh` (and the bash forms Dockerfiles use)
//! reads it: words with their quoting and expansions, redirections and
//! heredocs, pipelines, `&&`/`||` lists, and the compound commands. It only
//! builds a tree; [`super::walk`] decides what the tree runs.
//!
//! Our own, because no crate fits: the shell parsers on crates.io either run
//! what they parse, stop at the first construct they do not model, or drop
//! the quoting we need to tell `$PM` from `'$PM'`.

/// One word as written: literal pieces and expansions, in order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Word {
    pub(crate) parts: Vec<Part>,
    /// The word's text as written (for messages and unknown arguments).
    pub(crate) raw: String,
}

impl Word {
    /// The word's text when it is made of literal pieces only.
    pub(crate) fn literal(&self) -> Option<String> {
        let mut out = String::new();
        for p in &self.parts {
            match p {
                Part::Lit { text, .. } => out.push_str(text),
                _ => return None,
            }
        }
        Some(out)
    }

    /// Whether the word is one unquoted literal (how reserved words and
    /// function names are written).
    pub(crate) fn plain(&self) -> Option<&str> {
        match self.parts.as_slice() {
            [Part::Lit {
                text,
                quoted: false,
            }] => Some(text),
            _ => None,
        }
    }
}

/// A piece of a word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Part {
    /// Text; `quoted` text is neither split nor globbed.
    Lit { text: String, quoted: bool },
    /// `$NAME`, `${NAME}`, `${NAME:-word}` and friends.
    Param {
        name: String,
        /// The operator and its word (`:-`, `-`, `:=`, `=`, `:+`, `+`, `:?`,
        /// `?`), or another modifier slimfile does not evaluate (`#`, `%`,
        /// `/`, a length), kept as `Other`.
        op: ParamOp,
        quoted: bool,
    },
    /// `$(…)` or `` `…` ``: its script, run in a subshell; the value is unknown.
    Subst { script: String, quoted: bool },
    /// `$((…))`: its value is not computed.
    Arith { quoted: bool },
}

/// What a parameter expansion does with its variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ParamOp {
    /// The value itself.
    Value,
    /// `${NAME:-word}` (`colon`) or `${NAME-word}`: the word where unset (or empty).
    Default { colon: bool, word: Word },
    /// `${NAME:=word}`: as `Default`, and assigns it.
    Assign { colon: bool, word: Word },
    /// `${NAME:+word}`: the word where set.
    Alternative { colon: bool, word: Word },
    /// `${NAME:?word}`: the value, or the shell stops.
    Error,
    /// `${#NAME}`, `${NAME%x}`, `${NAME/a/b}`…: not evaluated.
    Other,
}

/// A redirection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Redirect {
    pub(crate) fd: Option<u32>,
    pub(crate) op: RedirOp,
    /// The file (or fd, or heredoc delimiter) it names.
    pub(crate) target: Word,
    /// For a heredoc, its index in [`Script::heredocs`].
    pub(crate) heredoc: Option<usize>,
}

/// The kinds of redirection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RedirOp {
    /// `<`
    In,
    /// `>`, `>|`
    Out,
    /// `>>`
    Append,
    /// `<>`
    ReadWrite,
    /// `>&`, `<&` (a file descriptor, or with bash a file)
    Dup,
    /// `&>`, `>&file`
    OutErr,
    /// `&>>`
    AppendErr,
    /// `<<`, `<<-`
    Heredoc,
    /// `<<<`
    HereString,
}

/// A heredoc body, read after the line that opened it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct HeredocBody {
    pub(crate) text: String,
    /// A quoted delimiter: the body is not expanded.
    pub(crate) quoted: bool,
}

/// A command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Cmd {
    Simple {
        assigns: Vec<(String, Word)>,
        words: Vec<Word>,
        redirects: Vec<Redirect>,
    },
    Compound {
        body: Compound,
        redirects: Vec<Redirect>,
    },
    /// `name() { …; }`: the body runs where the function is called.
    Function { name: String, body: Box<Cmd> },
}

/// The compound commands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Compound {
    /// `{ …; }`
    Group(List),
    /// `( … )`
    Subshell(List),
    /// `if c; then …; elif c; then …; else …; fi`
    If {
        arms: Vec<(List, List)>,
        otherwise: Option<List>,
    },
    /// `for NAME in words; do …; done` (`items` is `None` for `"$@"`).
    For {
        var: String,
        items: Option<Vec<Word>>,
        body: List,
    },
    /// `while c; do …; done`, `until c; do …; done`
    While { cond: List, body: List },
    /// `case word in pattern) …;; esac`
    Case { word: Word, arms: Vec<List> },
    /// `[[ … ]]`: a test that runs no program, with its words (whose
    /// command substitutions run).
    Test(Vec<Word>),
    /// `(( … ))` and `for ((…))`: arithmetic, as written.
    Arith(String),
}

/// Commands joined by `|`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pipeline {
    pub(crate) negated: bool,
    pub(crate) cmds: Vec<Cmd>,
}

/// Pipelines joined by `&&` (`true`) and `||` (`false`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AndOr {
    pub(crate) first: Pipeline,
    pub(crate) rest: Vec<(bool, Pipeline)>,
}

/// And-or lists separated by `;`, `&` (background: `true`) or newlines.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct List {
    pub(crate) items: Vec<(AndOr, bool)>,
}

/// A parsed script and its heredoc bodies.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Script {
    pub(crate) list: List,
    pub(crate) heredocs: Vec<HeredocBody>,
}

/// Why a script could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SyntaxError(pub(crate) String);

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

    /// A list up to one of the reserved words in `stops`, a `)`, a `;;` or
    /// the end.
    fn list(&mut self, stops: &[&str]) -> Result<List, SyntaxError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error("nested too deeply"));
        }
        let mut list = List::default();
        loop {
            self.blanks_and_newlines();
            if self.at >= self.s.len()
                || self.at_reserved(stops).is_some()
                || matches!(self.op(), Some((Op::Close | Op::DSemi, _)))
            {
                break;
            }
            if let Some(w) = self.at_reserved(RESERVED_STOPS) {
                return Err(self.error(&format!("unexpected `{w}`")));
            }
            let and_or = self.and_or()?;
            self.blanks();
            let background = match self.op() {
                Some((Op::Amp, n)) => {
                    self.at += n;
                    true
                }
                Some((Op::Semi, n)) => {
                    self.at += n;
                    false
                }
                Some((Op::Newline, _)) => {
                    self.newline();
                    false
                }
                _ => false,
            };
            list.items.push((and_or, background));
            self.blanks();
            if !matches!(self.op(), Some((Op::Newline, _)) | None) && self.at < self.s.len() {
                // Another command on the same line needs a separator.
                let last_sep = self.s[..self.at]
                    .iter()
                    .rev()
                    .find(|c| !matches!(c, ' ' | '\t'))
                    .copied();
                if !matches!(last_sep, Some(';' | '&' | '\n'))
                    && self.at_reserved(stops).is_none()
                    && !matches!(self.op(), Some((Op::Close | Op::DSemi, _)))
                {
                    return Err(self.error("unexpected text after a command"));
                }
            }
        }
        self.depth -= 1;
        Ok(list)
    }

    fn and_or(&mut self) -> Result<AndOr, SyntaxError> {
        let first = self.pipeline()?;
        let mut rest = Vec::new();
        loop {
            self.blanks();
            let and = match self.op() {
                Some((Op::AndIf, n)) => {
                    self.at += n;
                    true
                }
                Some((Op::OrIf, n)) => {
                    self.at += n;
                    false
                }
                _ => break,
            };
            self.blanks_and_newlines();
            rest.push((and, self.pipeline()?));
        }
        Ok(AndOr { first, rest })
    }

    fn pipeline(&mut self) -> Result<Pipeline, SyntaxError> {
        self.blanks();
        let mut negated = false;
        while self.at_reserved(&["!"]).is_some() {
            self.blanks();
            self.at += 1;
            negated = !negated;
        }
        let mut cmds = vec![self.command()?];
        loop {
            self.blanks();
            match self.op() {
                Some((Op::Pipe, n)) => {
                    self.at += n;
                    self.blanks_and_newlines();
                    cmds.push(self.command()?);
                }
                _ => break,
            }
        }
        Ok(Pipeline { negated, cmds })
    }

    fn command(&mut self) -> Result<Cmd, SyntaxError> {
        self.blanks();
        let compound = |p: &mut Parser, body: Compound| -> Result<Cmd, SyntaxError> {
            let redirects = p.redirects()?;
            Ok(Cmd::Compound { body, redirects })
        };
        if let Some(w) = self.at_reserved(&["if", "for", "while", "until", "case", "{", "function"])
        {
            self.blanks();
            self.at += w.len();
            return match w {
                "if" => {
                    let b = self.if_body()?;
                    compound(self, b)
                }
                "for" => {
                    let b = self.for_body()?;
                    compound(self, b)
                }
                "while" | "until" => {
                    let cond = self.list(&["do"])?;
                    self.expect_reserved("do")?;
                    let body = self.list(&["done"])?;
                    self.expect_reserved("done")?;
                    compound(self, Compound::While { cond, body })
                }
                "case" => {
                    let b = self.case_body()?;
                    compound(self, b)
                }
                "{" => {
                    let list = self.list(&["}"])?;
                    self.expect_reserved("}")?;
                    compound(self, Compound::Group(list))
                }
                _ => {
                    // `function name [()] body`
                    self.blanks();
                    let name = self
                        .word()?
                        .and_then(|w| w.plain().map(str::to_string))
                        .ok_or_else(|| self.error("a function name expected"))?;
                    self.blanks();
                    if self.starts("()") {
                        self.at += 2;
                    } else if self.peek() == Some('(') {
                        self.at += 1;
                        self.blanks();
                        if self.peek() != Some(')') {
                            return Err(self.error("`)` expected"));
                        }
                        self.at += 1;
                    }
                    self.blanks_and_newlines();
                    let body = self.command()?;
                    Ok(Cmd::Function {
                        name,
                        body: Box::new(body),
                    })
                }
            };
        }
        if self.starts("((") {
            let from = self.at;
            self.skip_balanced("((", "))")?;
            let text: String = self.s[from..self.at].iter().collect();
            return compound(self, Compound::Arith(text));
        }
        if let Some((Op::Open, _)) = self.op() {
            self.at += 1;
            let list = self.list(&[])?;
            self.blanks_and_newlines();
            if !matches!(self.op(), Some((Op::Close, _))) {
                return Err(self.error("`)` expected"));
            }
            self.at += 1;
            return compound(self, Compound::Subshell(list));
        }
        if self.starts("[[") && self.peek_at(2).is_none_or(|c| c == ' ' || c == '\t') {
            let words = self.test_words()?;
            return compound(self, Compound::Test(words));
        }
        self.simple()
    }

    fn if_body(&mut self) -> Result<Compound, SyntaxError> {
        let mut arms = Vec::new();
        let mut otherwise = None;
        loop {
            let cond = self.list(&["then"])?;
            self.expect_reserved("then")?;
            let body = self.list(&["elif", "else", "fi"])?;
            arms.push((cond, body));
            self.blanks_and_newlines();
            match self.at_reserved(&["elif", "else", "fi"]) {
                Some("elif") => {
                    self.blanks();
                    self.at += 4;
                }
                Some("else") => {
                    self.blanks();
                    self.at += 4;
                    otherwise = Some(self.list(&["fi"])?);
                    self.expect_reserved("fi")?;
                    break;
                }
                Some(_) => {
                    self.expect_reserved("fi")?;
                    break;
                }
                None => return Err(self.error("`fi` expected")),
            }
        }
        Ok(Compound::If { arms, otherwise })
    }

    fn for_body(&mut self) -> Result<Compound, SyntaxError> {
        self.blanks();
        if self.starts("((") {
            self.skip_balanced("((", "))")?;
            self.blanks();
            if self.peek() == Some(';') {
                self.at += 1;
            }
            self.expect_reserved("do")?;
            let body = self.list(&["done"])?;
            self.expect_reserved("done")?;
            return Ok(Compound::For {
                var: String::new(),
                items: None,
                body,
            });
        }
        let var = self
            .word()?
            .and_then(|w| w.plain().map(str::to_string))
            .ok_or_else(|| self.error("a loop variable expected"))?;
        self.blanks_and_newlines();
        let mut items = None;
        if self.at_reserved(&["in"]).is_some() {
            self.blanks();
            self.at += 2;
            let mut words = Vec::new();
            loop {
                self.blanks();
                if matches!(self.op(), Some((Op::Semi | Op::Newline, _))) {
                    if self.peek() == Some('\n') {
                        self.newline();
                    } else {
                        self.at += 1;
                    }
                    break;
                }
                match self.word()? {
                    Some(w) => words.push(w),
                    None => return Err(self.error("`do` expected")),
                }
            }
            items = Some(words);
        } else if self.peek() == Some(';') {
            self.at += 1;
        }
        self.expect_reserved("do")?;
        let body = self.list(&["done"])?;
        self.expect_reserved("done")?;
        Ok(Compound::For { var, items, body })
    }

    fn case_body(&mut self) -> Result<Compound, SyntaxError> {
        self.blanks();
        let word = self
            .word()?
            .ok_or_else(|| self.error("a word expected after `case`"))?;
        self.expect_reserved("in")?;
        let mut arms = Vec::new();
        loop {
            self.blanks_and_newlines();
            if self.at_reserved(&["esac"]).is_some() {
                self.blanks();
                self.at += 4;
                break;
            }
            if self.at >= self.s.len() {
                return Err(self.error("`esac` expected"));
            }
            if self.peek() == Some('(') {
                self.at += 1;
            }
            // Patterns, up to the `)`.
            loop {
                self.blanks();
                if self.peek() == Some(')') {
                    self.at += 1;
                    break;
                }
                if self.peek() == Some('|') {
                    self.at += 1;
                    continue;
                }
                if self.word()?.is_none() {
                    return Err(self.error("a case pattern expected"));
                }
            }
            let body = self.list(&["esac"])?;
            arms.push(body);
            self.blanks_and_newlines();
            if let Some((Op::DSemi, n)) = self.op() {
                self.at += n;
                if self.peek() == Some('&') {
                    self.at += 1;
                }
            }
        }
        Ok(Compound::Case { word, arms })
    }

    /// The words of `[[ … ]]`, whose `&&`, `<` and `>` are the test's own.
    fn test_words(&mut self) -> Result<Vec<Word>, SyntaxError> {
        self.at += 2;
        let mut words = Vec::new();
        loop {
            self.blanks();
            if self.at >= self.s.len() {
                return Err(self.error("`]]` expected"));
            }
            if self.starts("]]") && self.peek_at(2).is_none_or(|c| is_meta(c) || c == '\r') {
                self.at += 2;
                return Ok(words);
            }
            match self.word()? {
                Some(w) => words.push(w),
                // An operator inside the test: `&&`, `||`, `(`, `<`.
                None => self.at += 1,
            }
        }
    }

    /// Skips from `open` to the matching `close`, quotes respected.
    fn skip_balanced(&mut self, open: &str, close: &str) -> Result<(), SyntaxError> {
        self.at += open.len();
        let mut depth = 1;
        while self.at < self.s.len() {
            if self.starts(close) {
                depth -= 1;
                self.at += close.len();
                if depth == 0 {
                    return Ok(());
                }
                continue;
            }
            if self.starts(open) {
                depth += 1;
                self.at += open.len();
                continue;
            }
            match self.peek() {
                Some('\'' | '"' | '`') => {
                    let q = self.peek().unwrap_or('\'');
                    self.at += 1;
                    self.skip_quoted(q)?;
                }
                Some('\\') => self.at += 2,
                _ => self.at += 1,
            }
        }
        Err(self.error(&format!("`{close}` expected")))
    }

    fn skip_quoted(&mut self, q: char) -> Result<(), SyntaxError> {
        while let Some(c) = self.peek() {
            self.at += 1;
            if c == q {
                return Ok(());
            }
            if c == '\\' && q != '\'' {
                self.at += 1;
            }
        }
        Err(self.error("unterminated quote"))
    }

    fn simple(&mut self) -> Result<Cmd, SyntaxError> {
        let mut assigns = Vec::new();
        let mut words = Vec::new();
        let mut redirects = Vec::new();
        loop {
            self.blanks();
            if let Some(r) = self.redirect()? {
                redirects.push(r);
                continue;
            }
            if self.op().is_some() || self.at >= self.s.len() {
                break;
            }
            let Some(w) = self.word()? else {
                break;
            };
            if words.is_empty() {
                if let Some((name, value)) = assignment(&w) {
                    assigns.push((name, value));
                    continue;
                }
                // `name() body`: a function definition.
                if let Some(name) = w.plain().filter(|n| is_name(n)) {
                    let save = self.at;
                    self.blanks();
                    if self.peek() == Some('(') {
                        self.at += 1;
                        self.blanks();
                        if self.peek() == Some(')') {
                            self.at += 1;
                            self.blanks_and_newlines();
                            let body = self.command()?;
                            return Ok(Cmd::Function {
                                name: name.to_string(),
                                body: Box::new(body),
                            });
                        }
                    }
                    self.at = save;
                }
            }
            words.push(w);
        }
        if words.is_empty() && assigns.is_empty() && redirects.is_empty() {
            return Err(match self.peek() {
                Some(c) => self.error(&format!("unexpected `{c}`")),
                None => self.error("a command expected"),
            });
        }
        Ok(Cmd::Simple {
            assigns,
            words,
            redirects,
        })
    }

    fn redirects(&mut self) -> Result<Vec<Redirect>, SyntaxError> {
        let mut out = Vec::new();
        loop {
            self.blanks();
            match self.redirect()? {
                Some(r) => out.push(r),
                None => return Ok(out),
            }
        }
    }

    /// A redirection at the cursor, if there is one.
    fn redirect(&mut self) -> Result<Option<Redirect>, SyntaxError> {
        let save = self.at;
        let mut digits = String::new();
        while let Some(c) = self.peek().filter(char::is_ascii_digit) {
            digits.push(c);
            self.at += 1;
        }
        let ops: &[(&str, RedirOp)] = &[
            ("&>>", RedirOp::AppendErr),
            ("&>", RedirOp::OutErr),
            ("<<<", RedirOp::HereString),
            ("<<-", RedirOp::Heredoc),
            ("<<", RedirOp::Heredoc),
            ("<>", RedirOp::ReadWrite),
            ("<&", RedirOp::Dup),
            (">&", RedirOp::Dup),
            (">>", RedirOp::Append),
            (">|", RedirOp::Out),
            ("<", RedirOp::In),
            (">", RedirOp::Out),
        ];
        let Some(&(text, op)) = ops.iter().find(|(t, _)| self.starts(t)) else {
            self.at = save;
            return Ok(None);
        };
        if !digits.is_empty() && text.starts_with('&') {
            self.at = save;
            return Ok(None);
        }
        self.at += text.len();
        self.blanks();
        let target = self
            .word()?
            .ok_or_else(|| self.error(&format!("a word expected after `{text}`")))?;
        let mut op = op;
        // `>&file` (bash): both streams to a file.
        if op == RedirOp::Dup
            && text == ">&"
            && target
                .literal()
                .is_some_and(|t| t != "-" && t.parse::<u32>().is_err())
        {
            op = RedirOp::OutErr;
        }
        let mut heredoc = None;
        if op == RedirOp::Heredoc {
            let quoted = target
                .parts
                .iter()
                .any(|p| matches!(p, Part::Lit { quoted: true, .. }));
            let delimiter = target.raw.replace(['\'', '"', '\\'], "");
            heredoc = Some(self.heredocs.len());
            self.heredocs.push(HeredocBody {
                text: String::new(),
                quoted,
            });
            self.pending.push(Pending {
                index: self.heredocs.len() - 1,
                delimiter,
                strip_tabs: text == "<<-",
            });
        }
        Ok(Some(Redirect {
            fd: digits.parse().ok(),
            op,
            target,
            heredoc,
        }))
    }

    /// A word at the cursor, or `None` at an operator or the end.
    fn word(&mut self) -> Result<Option<Word>, SyntaxError> {
        let start = self.at;
        let mut parts: Vec<Part> = Vec::new();
        let mut lit = String::new();
        let flush = |parts: &mut Vec<Part>, lit: &mut String, quoted: bool| {
            if !lit.is_empty() {
                parts.push(Part::Lit {
                    text: std::mem::take(lit),
                    quoted,
                });
            }
        };
        while let Some(c) = self.peek() {
            if is_meta(c) || c == '\r' {
                break;
            }
            match c {
                '\\' => {
                    self.at += 1;
                    match self.peek() {
                        Some('\n') => self.at += 1,
                        Some(n) => {
                            flush(&mut parts, &mut lit, false);
                            parts.push(Part::Lit {
                                text: n.to_string(),
                                quoted: true,
                            });
                            self.at += 1;
                        }
                        None => {}
                    }
                }
                '\'' => {
                    flush(&mut parts, &mut lit, false);
                    self.at += 1;
                    let from = self.at;
                    while self.peek().is_some_and(|c| c != '\'') {
                        self.at += 1;
                    }
                    if self.peek().is_none() {
                        return Err(self.error("unterminated single quote"));
                    }
                    let text: String = self.s[from..self.at].iter().collect();
                    self.at += 1;
                    parts.push(Part::Lit { text, quoted: true });
                }
                '"' => {
                    flush(&mut parts, &mut lit, false);
                    self.at += 1;
                    self.double_quoted(&mut parts)?;
                }
                '$' => {
                    if self.peek_at(1) == Some('\'') {
                        flush(&mut parts, &mut lit, false);
                        self.at += 2;
                        let text = self.ansi_c()?;
                        parts.push(Part::Lit { text, quoted: true });
                    } else if self.peek_at(1) == Some('"') {
                        flush(&mut parts, &mut lit, false);
                        self.at += 2;
                        self.double_quoted(&mut parts)?;
                    } else if let Some(p) = self.dollar(false)? {
                        flush(&mut parts, &mut lit, false);
                        parts.push(p);
                    } else {
                        lit.push('$');
                        self.at += 1;
                    }
                }
                '`' => {
                    flush(&mut parts, &mut lit, false);
                    self.at += 1;
                    parts.push(Part::Subst {
                        script: self.backticks()?,
                        quoted: false,
                    });
                }
                _ => {
                    lit.push(c);
                    self.at += 1;
                }
            }
        }
        flush(&mut parts, &mut lit, false);
        if self.at == start {
            return Ok(None);
        }
        let raw: String = self.s[start..self.at].iter().collect();
        Ok(Some(Word { parts, raw }))
    }

    fn double_quoted(&mut self, parts: &mut Vec<Part>) -> Result<(), SyntaxError> {
        let mut lit = String::new();
        loop {
            let Some(c) = self.peek() else {
                return Err(self.error("unterminated double quote"));
            };
            match c {
                '"' => {
                    self.at += 1;
                    break;
                }
                '\\' => {
                    self.at += 1;
                    match self.peek() {
                        Some('\n') => self.at += 1,
                        Some(n @ ('$' | '`' | '"' | '\\')) => {
                            lit.push(n);
                            self.at += 1;
                        }
                        _ => lit.push('\\'),
                    }
                }
                '$' => match self.dollar(true)? {
                    Some(p) => {
                        if !lit.is_empty() {
                            parts.push(Part::Lit {
                                text: std::mem::take(&mut lit),
                                quoted: true,
                            });
                        }
                        parts.push(p);
                    }
                    None => {
                        lit.push('$');
                        self.at += 1;
                    }
                },
                '`' => {
                    if !lit.is_empty() {
                        parts.push(Part::Lit {
                            text: std::mem::take(&mut lit),
                            quoted: true,
                        });
                    }
                    self.at += 1;
                    parts.push(Part::Subst {
                        script: self.backticks()?,
                        quoted: true,
                    });
                }
                _ => {
                    lit.push(c);
                    self.at += 1;
                }
            }
        }
        // An empty "" is still a word.
        parts.push(Part::Lit {
            text: lit,
            quoted: true,
        });
        Ok(())
    }

    /// `$'…'`, with its escapes.
    fn ansi_c(&mut self) -> Result<String, SyntaxError> {
        let mut out = String::new();
        loop {
            let Some(c) = self.peek() else {
                return Err(self.error("unterminated $'…'"));
            };
            self.at += 1;
            match c {
                '\'' => return Ok(out),
                '\\' => {
                    let e = self.peek().unwrap_or('\\');
                    self.at += 1;
                    out.push(match e {
                        'n' => '\n',
                        't' => '\t',
                        'r' => '\r',
                        '0' => '\0',
                        other => other,
                    });
                }
                _ => out.push(c),
            }
        }
    }

    fn backticks(&mut self) -> Result<String, SyntaxError> {
        let mut out = String::new();
        loop {
            let Some(c) = self.peek() else {
                return Err(self.error("unterminated backquote"));
            };
            self.at += 1;
            match c {
                '`' => return Ok(out),
                '\\' => {
                    if let Some(n) = self.peek() {
                        self.at += 1;
                        if !matches!(n, '$' | '`' | '\\') {
                            out.push('\\');
                        }
                        out.push(n);
                    }
                }
                _ => out.push(c),
            }
        }
    }

    /// An expansion after `$` (the cursor on the `$`), or `None` when the
    /// `$` is literal.
    fn dollar(&mut self, quoted: bool) -> Result<Option<Part>, SyntaxError> {
        match self.peek_at(1) {
            Some('(') if self.peek_at(2) == Some('(') => {
                self.at += 1;
                self.skip_balanced("((", "))")?;
                Ok(Some(Part::Arith { quoted }))
            }
            Some('(') => {
                self.at += 2;
                let from = self.at;
                // The script runs to the `)` that closes it: parse it to find
                // that `)`, since a `case` pattern or a quote may hold one.
                self.depth += 1;
                if self.depth > MAX_DEPTH {
                    return Err(self.error("nested too deeply"));
                }
                let saved = std::mem::take(&mut self.pending);
                let _ = self.list(&[])?;
                self.pending = saved;
                self.depth -= 1;
                self.blanks_and_newlines();
                if self.peek() != Some(')') {
                    return Err(self.error("`)` expected after `$(`"));
                }
                let script: String = self.s[from..self.at].iter().collect();
                self.at += 1;
                Ok(Some(Part::Subst { script, quoted }))
            }
            Some('{') => {
                self.at += 2;
                self.depth += 1;
                if self.depth > MAX_DEPTH {
                    return Err(self.error("nested too deeply"));
                }
                let part = self.braced(quoted);
                self.depth -= 1;
                part.map(Some)
            }
            Some(c) if c.is_ascii_alphabetic() || c == '_' => {
                self.at += 1;
                let from = self.at;
                while self
                    .peek()
                    .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
                {
                    self.at += 1;
                }
                Ok(Some(Part::Param {
                    name: self.s[from..self.at].iter().collect(),
                    op: ParamOp::Value,
                    quoted,
                }))
            }
            Some(c) if c.is_ascii_digit() || "@*#?$!-".contains(c) => {
                self.at += 2;
                Ok(Some(Part::Param {
                    name: c.to_string(),
                    op: ParamOp::Value,
                    quoted,
                }))
            }
            _ => Ok(None),
        }
    }

    /// `${…}` after the `${`.
    fn braced(&mut self, quoted: bool) -> Result<Part, SyntaxError> {
        let other = |p: &mut Parser, name: String| -> Result<Part, SyntaxError> {
            // Skip to the closing brace, nested braces and quotes respected.
            let mut depth = 1;
            while let Some(c) = p.peek() {
                p.at += 1;
                match c {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            return Ok(Part::Param {
                                name,
                                op: ParamOp::Other,
                                quoted,
                            });
                        }
                    }
                    '\'' | '"' => p.skip_quoted(c)?,
                    '\\' => p.at += 1,
                    _ => {}
                }
            }
            Err(p.error("unterminated ${"))
        };
        if self.peek() == Some('#') && self.peek_at(1) != Some('}') {
            self.at += 1;
            let name = self.param_name();
            return other(self, name);
        }
        let name = self.param_name();
        if name.is_empty() {
            return other(self, name);
        }
        let colon = self.peek() == Some(':');
        let op_char = if colon { self.peek_at(1) } else { self.peek() };
        if self.peek() == Some('}') {
            self.at += 1;
            return Ok(Part::Param {
                name,
                op: ParamOp::Value,
                quoted,
            });
        }
        let Some(op) = op_char.filter(|c| "-=+?".contains(*c)) else {
            return other(self, name);
        };
        self.at += if colon { 2 } else { 1 };
        let word = self.brace_word()?;
        Ok(Part::Param {
            name,
            op: match op {
                '-' => ParamOp::Default { colon, word },
                '=' => ParamOp::Assign { colon, word },
                '+' => ParamOp::Alternative { colon, word },
                _ => ParamOp::Error,
            },
            quoted,
        })
    }

    fn param_name(&mut self) -> String {
        let from = self.at;
        match self.peek() {
            Some(c) if c.is_ascii_digit() || "@*#?$!-".contains(c) => self.at += 1,
            _ => {
                while self
                    .peek()
                    .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
                {
                    self.at += 1;
                }
            }
        }
        self.s[from..self.at].iter().collect()
    }

    /// The word inside `${NAME:-word}`, up to the closing brace.
    fn brace_word(&mut self) -> Result<Word, SyntaxError> {
        let start = self.at;
        let mut parts = Vec::new();
        let mut lit = String::new();
        loop {
            let Some(c) = self.peek() else {
                return Err(self.error("unterminated ${"));
            };
            match c {
                '}' => {
                    let raw: String = self.s[start..self.at].iter().collect();
                    self.at += 1;
                    if !lit.is_empty() {
                        parts.push(Part::Lit {
                            text: lit,
                            quoted: false,
                        });
                    }
                    return Ok(Word { parts, raw });
                }
                '\'' | '"' | '$' | '`' | '\\' => {
                    if !lit.is_empty() {
                        parts.push(Part::Lit {
                            text: std::mem::take(&mut lit),
                            quoted: false,
                        });
                    }
                    match c {
                        '\'' => {
                            self.at += 1;
                            let from = self.at;
                            self.skip_quoted('\'')?;
                            parts.push(Part::Lit {
                                text: self.s[from..self.at - 1].iter().collect(),
                                quoted: true,
                            });
                        }
                        '"' => {
                            self.at += 1;
                            self.double_quoted(&mut parts)?;
                        }
                        '`' => {
                            self.at += 1;
                            parts.push(Part::Subst {
                                script: self.backticks()?,
                                quoted: true,
                            });
                        }
                        '\\' => {
                            self.at += 1;
                            if let Some(n) = self.peek() {
                                self.at += 1;
                                parts.push(Part::Lit {
                                    text: n.to_string(),
                                    quoted: true,
                                });
                            }
                        }
                        _ => match self.dollar(true)? {
                            Some(p) => parts.push(p),
                            None => {
                                lit.push('$');
                                self.at += 1;
                            }
                        },
                    }
                }
                _ => {
                    lit.push(c);
                    self.at += 1;
                }
            }
        }
    }
}

/// Characters that end an unquoted word.
fn is_meta(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t' | '\n' | ';' | '&' | '|' | '(' | ')' | '<' | '>'
    )
}

/// Whether `s` is a shell variable name.
pub(crate) fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `NAME=value` at the start of a simple command: the name and the value's word.
fn assignment(w: &Word) -> Option<(String, Word)> {
    let Some(Part::Lit {
        text,
        quoted: false,
    }) = w.parts.first()
    else {
        return None;
    };
    let (name, rest) = text.split_once('=')?;
    let name = name.strip_suffix('+').unwrap_or(name);
    if !is_name(name) {
        return None;
    }
    let mut parts = Vec::new();
    if !rest.is_empty() {
        parts.push(Part::Lit {
            text: rest.to_string(),
            quoted: false,
        });
    }
    parts.extend(w.parts[1..].iter().cloned());
    let raw = w.raw.split_once('=').map_or("", |(_, r)| r).to_string();
    Some((name.to_string(), Word { parts, raw }))
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
