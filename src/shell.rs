//! A rough reading of the shell commands in `RUN`, `CMD` and the like: enough
//! to see which programs run with which words (`npm ci`, `useradd app`). It
//! never runs anything, and it gives up (returns `None`) on what it cannot
//! read with certainty, so callers can refuse rather than guess.

/// One simple command: its words with quotes removed.
pub type Command = Vec<String>;

/// Splits shell text into simple commands at `&&`, `||`, `;`, `|` and line
/// breaks. Words are split on blanks outside quotes; quotes are removed and
/// backslash escapes applied.
pub fn commands(text: &str) -> Vec<Command> {
    let mut out = Vec::new();
    let mut words: Command = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = text.chars().peekable();
    let mut quote: Option<char> = None;
    let end_word = |words: &mut Command, word: &mut String, in_word: &mut bool| {
        if *in_word {
            words.push(std::mem::take(word));
            *in_word = false;
        }
    };
    while let Some(c) = chars.next() {
        if let Some(q) = quote {
            if c == q {
                quote = None;
            } else if c == '\\' && q == '"' {
                if let Some(n) = chars.next() {
                    word.push(n);
                }
            } else {
                word.push(c);
            }
            continue;
        }
        match c {
            '\'' | '"' => {
                quote = Some(c);
                in_word = true;
            }
            '\\' => match chars.next() {
                Some('\n') | None => {}
                Some(n) => {
                    word.push(n);
                    in_word = true;
                }
            },
            '&' | '|' | ';' | '\n' => {
                end_word(&mut words, &mut word, &mut in_word);
                if chars.peek() == Some(&c) {
                    chars.next();
                }
                if !words.is_empty() {
                    out.push(std::mem::take(&mut words));
                }
            }
            c if c.is_whitespace() => end_word(&mut words, &mut word, &mut in_word),
            _ => {
                word.push(c);
                in_word = true;
            }
        }
    }
    end_word(&mut words, &mut word, &mut in_word);
    if !words.is_empty() {
        out.push(words);
    }
    out
}

/// The command's words after leading `VAR=value` assignments and wrappers
/// that only change the environment (`env`, `exec`, `sudo`).
pub fn program_words(command: &[String]) -> &[String] {
    let mut i = 0;
    while i < command.len() {
        let w = &command[i];
        let assignment = w.split_once('=').is_some_and(|(k, _)| {
            !k.is_empty() && k.chars().all(|c| c.is_alphanumeric() || c == '_')
        });
        if assignment || matches!(w.as_str(), "env" | "exec" | "sudo" | "command") {
            i += 1;
        } else {
            break;
        }
    }
    &command[i..]
}

/// Whether shell text uses anything beyond plain words: expansions,
/// redirections, globs, subshells, several commands. Such a command cannot be
/// turned into exec form without changing what it does.
pub fn needs_a_shell(text: &str) -> bool {
    text.chars().any(|c| {
        matches!(
            c,
            '$' | '`'
                | '\''
                | '"'
                | '\\'
                | '|'
                | '&'
                | ';'
                | '<'
                | '>'
                | '('
                | ')'
                | '*'
                | '?'
                | '['
                | ']'
                | '{'
                | '}'
                | '~'
                | '#'
                | '\n'
        )
    })
}

/// A word quoted for `sh` where it needs it.
pub fn quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:@%+,".contains(c));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_command_lists() {
        assert_eq!(
            commands("npm ci && npm run build; echo 'a b' | tee x"),
            vec![
                vec!["npm", "ci"],
                vec!["npm", "run", "build"],
                vec!["echo", "a b"],
                vec!["tee", "x"]
            ]
        );
    }

    #[test]
    fn skips_assignments_and_wrappers() {
        let c = &commands("NODE_ENV=production exec node server.js")[0];
        assert_eq!(program_words(c), ["node", "server.js"]);
    }

    #[test]
    fn quotes_only_what_needs_it() {
        assert_eq!(quote("--create-home"), "--create-home");
        assert_eq!(quote("a b"), "'a b'");
        assert_eq!(quote("it's"), "'it'\\''s'");
    }

    #[test]
    fn knows_when_a_shell_is_needed() {
        assert!(!needs_a_shell("node dist/server.js --port 3000"));
        assert!(needs_a_shell("node $ENTRY"));
        assert!(needs_a_shell("npm run migrate && node server.js"));
    }
}
