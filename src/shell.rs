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

/// Programs that run another program given after their own options:
/// `dumb-init -- node x.js`, `tini -s -- node`, `gosu app node`, with how
/// many words their options may take as values.
const WRAPPERS: &[(&str, &[&str])] = &[
    ("dumb-init", &["-r", "--rewrite"]),
    ("tini", &["-p", "-e", "-l"]),
    ("tini-static", &["-p", "-e", "-l"]),
    (
        "xvfb-run",
        &[
            "-n",
            "--server-num",
            "-s",
            "--server-args",
            "-e",
            "--error-file",
            "-f",
            "--auth-file",
            "-p",
            "--xauth-protocol",
            "-w",
            "--wait",
        ],
    ),
    ("gosu", &[]),
    ("su-exec", &[]),
    ("nice", &["-n"]),
    ("nohup", &[]),
    ("timeout", &["-s", "--signal", "-k", "--kill-after"]),
];

/// Skips wrapper programs (recording each in `seen`) and returns the words
/// of the program they run. `gosu` and `su-exec` take a user first.
pub fn unwrap_wrappers<'a>(mut words: &'a [String], seen: &mut Vec<String>) -> &'a [String] {
    while let Some(first) = words.first() {
        let name = first.rsplit('/').next().unwrap_or(first);
        let Some((_, valued)) = WRAPPERS.iter().find(|(w, _)| *w == name) else {
            break;
        };
        seen.push(first.clone());
        let mut i = 1;
        if matches!(name, "gosu" | "su-exec") {
            i += 1;
        }
        if name == "timeout" {
            // timeout [options] DURATION COMMAND
            while i < words.len() && words[i].starts_with('-') {
                i += if valued.contains(&words[i].as_str()) {
                    2
                } else {
                    1
                };
            }
            i += 1;
        }
        while i < words.len() && words[i].starts_with('-') {
            if words[i] == "--" {
                i += 1;
                break;
            }
            i += if valued.contains(&words[i].as_str()) {
                2
            } else {
                1
            };
        }
        words = &words[i.min(words.len())..];
    }
    words
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
    fn wrappers_are_seen_through() {
        let c =
            &commands("/usr/bin/dumb-init -- xvfb-run --server-args '-screen 0' editly --help")[0];
        let mut seen = Vec::new();
        assert_eq!(unwrap_wrappers(c, &mut seen), ["editly", "--help"]);
        assert_eq!(seen, ["/usr/bin/dumb-init", "xvfb-run"]);
        let c = &commands("tini -s -- gosu node node server.js")[0];
        assert_eq!(unwrap_wrappers(c, &mut Vec::new()), ["node", "server.js"]);
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
