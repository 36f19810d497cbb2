//! Parser directives (`# syntax=`, `# escape=`, `# check=`) at the top of a file.
//!
//! BuildKit reads directives only until the first line that is not one: a blank
//! line, an ordinary comment, an unknown `# key=value` or an instruction ends
//! them, and a later `# escape=` is just a comment.

/// The directives current BuildKit knows. `check` is newer than some BuildKit
/// releases, which read it as a comment; we follow current BuildKit.
const KNOWN: [&str; 3] = ["syntax", "escape", "check"];

/// A `# key=value` line recognised as a directive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DirectiveLine {
    /// The key, lowercased.
    pub name: String,
    /// The value with surrounding blanks removed.
    pub value: String,
}

/// Matches BuildKit's directive form on a line whose leading white space is
/// already stripped: `#`, white space, then `^([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$`
/// (RE2's `\s` is `[\t\n\f\r ]`). Returns `None` for anything else, including an
/// unknown key.
pub(crate) fn match_directive(line: &str) -> Option<DirectiveLine> {
    let rest = line.strip_prefix('#')?;
    let rest = super::lines::trim_leading_space(rest);
    let key_len = rest
        .char_indices()
        .find(|&(i, c)| !(c.is_ascii_alphabetic() || (i > 0 && c.is_ascii_digit())))
        .map_or(rest.len(), |(i, _)| i);
    if key_len == 0 {
        return None;
    }
    let (key, rest) = rest.split_at(key_len);
    let rest = rest.trim_start_matches(is_re2_space).strip_prefix('=')?;
    if rest.is_empty() {
        return None;
    }
    let mut value = rest.trim_matches(is_re2_space);
    if value.is_empty() {
        // `(.+?)` must take one character: RE2 gives it the last blank.
        value = &rest[rest.len() - 1..];
    }
    let name = key.to_ascii_lowercase();
    if !KNOWN.contains(&name.as_str()) {
        return None;
    }
    Some(DirectiveLine {
        name,
        value: value.to_string(),
    })
}

fn is_re2_space(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\u{0C}' | '\r' | ' ')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(s: &str) -> Option<(String, String)> {
        match_directive(s).map(|d| (d.name, d.value))
    }

    #[test]
    fn recognises_the_three_directives() {
        assert_eq!(m("# escape=`"), Some(("escape".into(), "`".into())));
        assert_eq!(
            m("#syntax = docker/dockerfile:1 "),
            Some(("syntax".into(), "docker/dockerfile:1".into()))
        );
        assert_eq!(
            m("# CHECK=skip=all"),
            Some(("check".into(), "skip=all".into()))
        );
    }

    #[test]
    fn rejects_other_comments() {
        assert_eq!(m("# a comment"), None);
        assert_eq!(m("# platform=linux"), None);
        assert_eq!(m("# escape="), None);
        // BuildKit reads this as `escape` set to a blank, then rejects the value.
        assert_eq!(m("# escape=  "), Some(("escape".into(), " ".into())));
        assert_eq!(m("# 1x=y"), None);
        assert_eq!(m("FROM x"), None);
    }
}
