//! Physical lines and BuildKit's per-line rules: what a comment is, what counts
//! as white space, and when a line continues onto the next.
//!
//! BuildKit reads a Dockerfile line by line (`bufio.Scanner` splitting on `\n`),
//! so a lone `\r` is not a line break and every rule here works on one line.

use std::ops::Range;

/// One physical line of the source: `start..end` includes the line terminator,
/// `start..content_end` excludes every trailing `\r` and `\n` (BuildKit's
/// `trimNewline` strips all of them, so `a\r\r\n` has the content `a`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Line {
    pub start: usize,
    pub content_end: usize,
    pub end: usize,
}

impl Line {
    pub fn span(&self) -> Range<usize> {
        self.start..self.end
    }
}

/// Splits `text[from..]` into physical lines.
pub(crate) fn split_lines(text: &str, from: usize) -> Vec<Line> {
    let bytes = text.as_bytes();
    let mut lines = Vec::with_capacity(bytes.len() / 32 + 1);
    let mut start = from;
    while start < bytes.len() {
        let end = match memchr_newline(&bytes[start..]) {
            Some(i) => start + i + 1,
            None => bytes.len(),
        };
        let mut content_end = end;
        while content_end > start && matches!(bytes[content_end - 1], b'\n' | b'\r') {
            content_end -= 1;
        }
        lines.push(Line {
            start,
            content_end,
            end,
        });
        start = end;
    }
    lines
}

fn memchr_newline(haystack: &[u8]) -> Option<usize> {
    haystack.iter().position(|&b| b == b'\n')
}

/// Go's `unicode.IsSpace`, which is the Unicode White_Space property, as is
/// Rust's `char::is_whitespace`.
pub(crate) fn is_space(c: char) -> bool {
    c.is_whitespace()
}

/// The character class of BuildKit's `reWhitespace`, `[\t\v\f\r ]`, used to
/// split a keyword from its arguments and whitespace-delimited values.
pub(crate) fn is_split_space(c: char) -> bool {
    matches!(c, '\t' | '\u{0B}' | '\u{0C}' | '\r' | ' ')
}

/// Strips leading Unicode white space (BuildKit's `trimLeadingWhitespace`).
pub(crate) fn trim_leading_space(s: &str) -> &str {
    s.trim_start_matches(is_space)
}

/// A comment line: its first non-blank character is `#`.
pub(crate) fn is_comment(s: &str) -> bool {
    trim_leading_space(s).starts_with('#')
}

/// If the line continues onto the next one, returns the line with the escape
/// character and the blanks after it removed.
///
/// BuildKit's rule, for escape character `E`: `([^E])E[ \t]*$|^E[ \t]*$`. The
/// line continues when, after trailing spaces and tabs, its last character is
/// `E` and the character before it is not `E` (so `\\` at the end of a line is
/// an escaped backslash, not a continuation). The replacement keeps the
/// character before `E` and drops everything from `E` on.
pub(crate) fn strip_continuation(s: &str, escape: char) -> Option<&str> {
    let trimmed = s.trim_end_matches([' ', '\t']);
    let before = trimmed.strip_suffix(escape)?;
    if before.ends_with(escape) {
        None
    } else {
        Some(before)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_keep_their_terminators() {
        let text = "a\r\nb\n\nc";
        let lines = split_lines(text, 0);
        let spans: Vec<_> = lines.iter().map(|l| &text[l.span()]).collect();
        assert_eq!(spans, ["a\r\n", "b\n", "\n", "c"]);
        assert_eq!(&text[lines[0].start..lines[0].content_end], "a");
    }

    #[test]
    fn a_lone_carriage_return_is_not_a_line_break() {
        let lines = split_lines("a\rb\n", 0);
        assert_eq!(lines.len(), 1);
    }

    #[test]
    fn continuation_follows_buildkit() {
        assert_eq!(strip_continuation("RUN a \\", '\\'), Some("RUN a "));
        assert_eq!(strip_continuation("RUN a \\ \t", '\\'), Some("RUN a "));
        assert_eq!(strip_continuation("\\", '\\'), Some(""));
        assert_eq!(strip_continuation("ENV C x\\\\", '\\'), None);
        assert_eq!(strip_continuation("ENV A=x\\\\\\", '\\'), None);
        assert_eq!(strip_continuation("RUN a `", '`'), Some("RUN a "));
        assert_eq!(strip_continuation("COPY app C:\\app\\", '`'), None);
        assert_eq!(strip_continuation("RUN a", '\\'), None);
        // A vertical tab after the escape is not one of BuildKit's blanks.
        assert_eq!(strip_continuation("RUN a \\\u{0B}", '\\'), None);
    }
}
