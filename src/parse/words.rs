//! Word splitting as BuildKit does it for one instruction's logical line:
//! builder flags (`--from=build`), `ARG`/`ENV`/`LABEL` words and JSON arrays
//! (the heredoc markers are `heredoc`'s).
//!
//! Each function mirrors one BuildKit routine (named in its comment), because a
//! file must split the same way here as in `docker build`. Offsets are byte
//! offsets into the string passed in.

use std::ops::Range;

use super::lines::is_space;

/// A word with the byte range it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Word {
    pub text: String,
    pub span: Range<usize>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Phase {
    Spaces,
    Word,
    Quote,
}

/// BuildKit's `extractBuilderFlags`: the leading words that start with `--`,
/// with quotes removed and escapes applied, and the offset where the rest of
/// the line begins. A lone `--` ends the flags.
///
/// BuildKit walks this loop byte by byte, turning each byte into a character
/// on its own, and so do we: a non-ASCII flag value comes out as BuildKit
/// reports it (`--label=é` as `--label=Ã©`). Where BuildKit would split inside
/// a character (a UTF-8 byte 0x85 or 0xA0 counts as a space there), we split
/// at the character's edges, so no offset lands inside a character.
pub(crate) fn extract_flags(line: &str, escape: char) -> (Vec<Word>, usize) {
    let bytes = line.as_bytes();
    let is_space = |b: u8| matches!(b, b'\t' | b'\n' | 0x0B | 0x0C | b'\r' | b' ' | 0x85 | 0xA0);
    let escape = u8::try_from(escape).unwrap_or(b'\\');
    // The char boundary at or before / after a byte offset.
    let back = |mut i: usize| {
        while !line.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let forward = |mut i: usize| {
        while !line.is_char_boundary(i) {
            i += 1;
        }
        i
    };
    let mut words = Vec::new();
    let mut phase = Phase::Spaces;
    let mut buf = String::new();
    let mut quote = 0u8;
    let mut blank_ok = false;
    let mut word_start = 0;
    let mut pos = 0;
    while pos < bytes.len() {
        let b = bytes[pos];
        if phase == Phase::Spaces {
            if is_space(b) && line.is_char_boundary(pos) {
                pos += 1;
                continue;
            }
            if b != b'-' || bytes.get(pos + 1) != Some(&b'-') {
                return (words, forward(pos));
            }
            phase = Phase::Word;
            word_start = pos;
        }
        if phase == Phase::Word {
            if is_space(b) {
                phase = Phase::Spaces;
                let word_end = back(pos);
                if buf == "--" {
                    return (words, forward(pos));
                }
                if blank_ok || !buf.is_empty() {
                    words.push(Word {
                        text: std::mem::take(&mut buf),
                        span: word_start..word_end,
                    });
                }
                buf.clear();
                blank_ok = false;
                pos = forward(pos + 1);
                continue;
            }
            if b == b'\'' || b == b'"' {
                quote = b;
                blank_ok = true;
                phase = Phase::Quote;
                pos += 1;
                continue;
            }
            let mut b = b;
            if b == escape {
                if pos + 1 == bytes.len() {
                    pos += 1;
                    continue;
                }
                pos += 1;
                b = bytes[pos];
            }
            buf.push(char::from(b));
            pos += 1;
            continue;
        }
        // Phase::Quote
        if b == quote {
            phase = Phase::Word;
            pos += 1;
            continue;
        }
        let mut b = b;
        if b == escape {
            if pos + 1 == bytes.len() {
                phase = Phase::Word;
                pos += 1;
                continue;
            }
            pos += 1;
            b = bytes[pos];
        }
        buf.push(char::from(b));
        pos += 1;
    }
    if phase != Phase::Spaces && buf != "--" && (blank_ok || !buf.is_empty()) {
        words.push(Word {
            text: buf,
            span: word_start..line.len(),
        });
    }
    (words, line.len())
}

/// BuildKit's `parseWords`, used for `ARG`, `ENV` and `LABEL`: words split on
/// white space outside quotes, with quotes and escapes kept in the text.
pub(crate) fn parse_words(rest: &str, escape: char) -> Vec<Word> {
    let mut words = Vec::new();
    let mut phase = Phase::Spaces;
    let mut quote = '\0';
    let mut blank_ok = false;
    let mut buf = String::new();
    let mut word_start = 0;
    let mut chars = rest.char_indices().peekable();

    while let Some((pos, ch)) = chars.next() {
        let at_last = chars.peek().is_none();
        if phase == Phase::Spaces {
            if is_space(ch) {
                continue;
            }
            phase = Phase::Word;
            word_start = pos;
        }
        if phase == Phase::Word {
            if is_space(ch) {
                phase = Phase::Spaces;
                if blank_ok || !buf.is_empty() {
                    words.push(Word {
                        text: std::mem::take(&mut buf),
                        span: word_start..pos,
                    });
                }
                blank_ok = false;
                continue;
            }
            if ch == '\'' || ch == '"' {
                quote = ch;
                blank_ok = true;
                phase = Phase::Quote;
            }
            let mut ch = ch;
            if ch == escape {
                if at_last {
                    continue;
                }
                // Outside quotes the escape and the character after it are
                // both kept, even when that character is a quote.
                buf.push(ch);
                if let Some((_, next)) = chars.next() {
                    ch = next;
                }
            }
            buf.push(ch);
            continue;
        }
        // Phase::Quote
        if ch == quote {
            phase = Phase::Word;
        }
        let mut ch = ch;
        if ch == escape && quote != '\'' {
            if at_last {
                phase = Phase::Word;
                continue;
            }
            buf.push(ch);
            if let Some((_, next)) = chars.next() {
                ch = next;
            }
        }
        buf.push(ch);
    }
    if phase != Phase::Spaces && (blank_ok || !buf.is_empty()) {
        words.push(Word {
            text: buf,
            span: word_start..rest.len(),
        });
    }
    words
}

/// Splits on runs of `[\t\v\f\r ]` as BuildKit's `reWhitespace.Split` does,
/// keeping each piece's offsets (empty pieces at either end included, as Go
/// returns them).
pub(crate) fn split_whitespace_delimited(rest: &str) -> Vec<Word> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut iter = rest.char_indices().peekable();
    while let Some((i, c)) = iter.next() {
        if super::lines::is_split_space(c) {
            let mut end = i + c.len_utf8();
            while let Some(&(j, d)) = iter.peek() {
                if !super::lines::is_split_space(d) {
                    break;
                }
                end = j + d.len_utf8();
                iter.next();
            }
            out.push(Word {
                text: rest[start..i].to_string(),
                span: start..i,
            });
            start = end;
        }
    }
    out.push(Word {
        text: rest[start..].to_string(),
        span: start..rest.len(),
    });
    out
}

/// Why BuildKit's `parseJSON` did not return an array.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum JsonError {
    /// Not a JSON array: BuildKit falls back to shell form.
    NotJson,
    /// A JSON array with an element that is not a string: BuildKit fails.
    NotStrings,
}

/// BuildKit's `parseJSON`: a JSON array of strings, or why not.
pub(crate) fn parse_json_array(rest: &str) -> Result<Vec<String>, JsonError> {
    let rest = rest.trim_start_matches(is_space);
    if !rest.starts_with('[') {
        return Err(JsonError::NotJson);
    }
    let values: Vec<serde_json::Value> =
        serde_json::from_str(rest).map_err(|_| JsonError::NotJson)?;
    values
        .into_iter()
        .map(|v| match v {
            serde_json::Value::String(s) => Ok(s),
            _ => Err(JsonError::NotStrings),
        })
        .collect()
}

/// Whether the text opens with a complete JSON array (of anything), as the
/// `json.Decoder` that BuildKit used before v0.15 accepted, ignoring what follows.
pub(crate) fn starts_with_json_array(rest: &str) -> bool {
    let rest = rest.trim_start_matches(is_space);
    rest.starts_with('[')
        && matches!(
            serde_json::Deserializer::from_str(rest)
                .into_iter::<Vec<serde_json::Value>>()
                .next(),
            Some(Ok(_))
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(words: &[Word]) -> Vec<&str> {
        words.iter().map(|w| w.text.as_str()).collect()
    }

    #[test]
    fn flags_are_leading_double_dash_words() {
        let line = "--from=build --chown=\"a b\" /src /dst";
        let (flags, rest) = extract_flags(line, '\\');
        assert_eq!(texts(&flags), ["--from=build", "--chown=a b"]);
        assert_eq!(&line[flags[1].span.clone()], "--chown=\"a b\"");
        assert_eq!(&line[rest..], "/src /dst");
    }

    #[test]
    fn a_lone_double_dash_ends_the_flags() {
        let line = "--network=none -- --not-a-flag";
        let (flags, rest) = extract_flags(line, '\\');
        assert_eq!(texts(&flags), ["--network=none"]);
        assert_eq!(line[rest..].trim(), "--not-a-flag");
    }

    #[test]
    fn flags_are_read_byte_by_byte_as_buildkit_does() {
        // A no-break space is two bytes, neither of which starts a flag.
        let (flags, rest) = extract_flags("\u{a0} --link x", '\\');
        assert!(flags.is_empty());
        assert_eq!(rest, 0);
        let (flags, _) = extract_flags("--label=é x", '\\');
        assert_eq!(flags[0].text, "--label=\u{c3}\u{a9}");
        // 'à' is C3 A0: BuildKit splits at the A0; we split around 'à'.
        let line = "--a=xàb --c y";
        let (flags, rest) = extract_flags(line, '\\');
        assert_eq!(&line[flags[0].span.clone()], "--a=x");
        assert_eq!(&line[rest..], "b --c y");
    }

    #[test]
    fn a_single_dash_is_not_a_flag() {
        let (flags, rest) = extract_flags("-x y", '\\');
        assert!(flags.is_empty());
        assert_eq!(rest, 0);
    }

    #[test]
    fn words_keep_quotes_and_escapes() {
        assert_eq!(
            texts(&parse_words(r#"A=1 B="two words" C='x' D=a\ b"#, '\\')),
            ["A=1", "B=\"two words\"", "C='x'", "D=a\\ b"]
        );
    }

    #[test]
    fn whitespace_split_matches_go_regexp_split() {
        assert_eq!(
            texts(&split_whitespace_delimited("a  b\tc")),
            ["a", "b", "c"]
        );
        assert_eq!(texts(&split_whitespace_delimited("")), [""]);
    }

    #[test]
    fn json_arrays() {
        assert_eq!(
            parse_json_array(r#"["a", "b\/c"]"#),
            Ok(vec!["a".into(), "b/c".into()])
        );
        assert_eq!(parse_json_array("['a']"), Err(JsonError::NotJson));
        assert_eq!(parse_json_array("[1]"), Err(JsonError::NotStrings));
        assert_eq!(parse_json_array(r#"["a"] x"#), Err(JsonError::NotJson));
        assert_eq!(parse_json_array("[]"), Ok(vec![]));
    }
}
