//! Word splitting as BuildKit does it for one instruction's logical line:
//! builder flags (`--from=build`), `ARG`/`ENV`/`LABEL` words, JSON arrays, and
//! the shell words in which heredoc markers (`<<EOF`) are found.
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

/// A heredoc marker found on an instruction line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HeredocMarker {
    pub name: String,
    /// Blanks stand between `<<` and the word (`<< EOF`), which BuildKit reads
    /// as a heredoc only since Dockerfile frontend 1.16.
    pub spaced: bool,
    pub fd: Option<u32>,
    pub chomp: bool,
    pub expand: bool,
}

/// BuildKit's `heredocsFromLine`: the heredoc markers among the shell words of
/// the whole instruction line. A line its lexer cannot split (an unmatched
/// quote) has no heredocs; a marker whose word it cannot read is an error.
pub(crate) fn heredocs_from_line(line: &str) -> Result<Vec<HeredocMarker>, String> {
    let words = ShellLex::new(line, true, true)
        .process(None)
        .map(|(_, words)| words)
        .unwrap_or_default();
    let mut out = Vec::new();
    for word in &words {
        if let Some(marker) = parse_heredoc_word(word)? {
            out.push(marker);
        }
    }
    Ok(out)
}

/// BuildKit's `ParseHeredoc`: `^(\d*)<<(-?)\s*([^<]*)$` and a single word after
/// the `<<`, whose quotes decide whether the body expands variables.
pub(crate) fn parse_heredoc_word(word: &str) -> Result<Option<HeredocMarker>, String> {
    let digits = word.len() - word.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let Some(after) = word[digits..].strip_prefix("<<") else {
        return Ok(None);
    };
    let (chomp, after) = match after.strip_prefix('-') {
        Some(a) => (true, a),
        None => (false, after),
    };
    let rest = after.trim_start_matches(['\t', '\n', '\u{0C}', '\r', ' ']);
    let spaced = rest.len() != after.len();
    if rest.contains('<') || rest.is_empty() {
        return Ok(None);
    }
    // Go's ParseUint failing (overflow) leaves the descriptor at 0.
    let fd = if digits == 0 {
        None
    } else {
        Some(word[..digits].parse().unwrap_or(0))
    };
    let (_, words) = ShellLex::new(rest, false, false)
        .process(None)
        .map_err(|e| format!("cannot read heredoc marker {word:?}: {e}"))?;
    if words.len() != 1 {
        return Ok(None);
    }
    let (_, raw_words) = ShellLex::new(rest, true, false)
        .process(None)
        .map_err(|e| format!("cannot read heredoc marker {word:?}: {e}"))?;
    if raw_words.len() != 1 {
        return Err(format!("cannot read heredoc marker {word:?}"));
    }
    let quotes = |s: &str| s.chars().filter(|&c| c == '\'' || c == '"').count();
    Ok(Some(HeredocMarker {
        expand: quotes(&words[0]) == quotes(&raw_words[0]),
        name: words[0].clone(),
        spaced,
        fd,
        chomp,
    }))
}

/// The subset of BuildKit's shell lexer (`shell.Lex` with an empty environment
/// and `SkipUnsetEnv`) that heredoc detection goes through: quotes, escapes,
/// `$name` and `${name…}` kept as written, and `<<` glued to the blanks after
/// it. The escape character is always the backslash here, whatever the
/// `# escape=` directive says, as in BuildKit.
///
/// Like BuildKit, nested `${…}` processing shares one word buffer with the
/// enclosing word, so `a${x:-y}` comes out as one word `${x:-y}`.
struct ShellLex {
    chars: Vec<char>,
    pos: usize,
    /// How deep `${…}` nesting goes; bounded so no input overflows the stack.
    depth: usize,
    raw_quotes: bool,
    raw_escapes: bool,
    buf: String,
}

const SHELL_ESCAPE: char = '\\';

struct Words {
    words: Vec<String>,
    in_word: bool,
}

impl ShellLex {
    fn new(s: &str, raw_quotes: bool, raw_escapes: bool) -> Self {
        ShellLex {
            chars: s.chars().collect(),
            pos: 0,
            depth: 0,
            raw_quotes,
            raw_escapes,
            buf: String::new(),
        }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek();
        if c.is_some() {
            self.pos += 1;
        }
        c
    }

    fn process(&mut self, stop: Option<char>) -> Result<(String, Vec<String>), String> {
        let raw = self.raw_escapes;
        self.process_stop_on(stop, raw)
    }

    fn add_char(&mut self, w: &mut Words, ch: char) {
        if is_space(ch) && w.in_word {
            if !self.buf.is_empty() {
                w.words.push(std::mem::take(&mut self.buf));
                w.in_word = false;
            }
        } else if !is_space(ch) {
            self.buf.push(ch);
            w.in_word = true;
        }
    }

    fn add_raw(&mut self, w: &mut Words, s: &str) {
        self.buf.push_str(s);
        w.in_word = true;
    }

    fn process_stop_on(
        &mut self,
        stop: Option<char>,
        raw_escapes: bool,
    ) -> Result<(String, Vec<String>), String> {
        // Go's stacks grow; ours do not. No real file nests `${…}` this deep.
        const MAX_DEPTH: usize = 64;
        if self.depth >= MAX_DEPTH {
            return Err(format!("variables nested more than {MAX_DEPTH} deep"));
        }
        self.depth += 1;
        let saved = std::mem::replace(&mut self.raw_escapes, raw_escapes);
        let out = self.stop_on_inner(stop);
        self.raw_escapes = saved;
        self.depth -= 1;
        out
    }

    fn stop_on_inner(&mut self, stop: Option<char>) -> Result<(String, Vec<String>), String> {
        let mut result = String::new();
        self.buf.clear();
        let mut w = Words {
            words: Vec::new(),
            in_word: false,
        };
        while let Some(ch) = self.peek() {
            if stop == Some(ch) {
                self.next();
                return Ok((result, self.finish(w)));
            }
            match ch {
                '$' => {
                    let tmp = self.dollar()?;
                    result.push_str(&tmp);
                    for c in tmp.chars() {
                        self.add_char(&mut w, c);
                    }
                }
                '<' => {
                    let tmp = self.possible_heredoc();
                    result.push_str(&tmp);
                    self.add_raw(&mut w, &tmp);
                }
                '\'' => {
                    let tmp = self.single_quote()?;
                    result.push_str(&tmp);
                    self.add_raw(&mut w, &tmp);
                }
                '"' => {
                    let tmp = self.double_quote()?;
                    result.push_str(&tmp);
                    self.add_raw(&mut w, &tmp);
                }
                _ => {
                    self.next();
                    if ch == SHELL_ESCAPE {
                        if self.raw_escapes {
                            self.add_raw(&mut w, "\\");
                            result.push(ch);
                        }
                        let Some(escaped) = self.next() else { break };
                        let mut tmp = [0u8; 4];
                        self.add_raw(&mut w, escaped.encode_utf8(&mut tmp));
                        result.push(escaped);
                    } else {
                        self.add_char(&mut w, ch);
                        result.push(ch);
                    }
                }
            }
        }
        if let Some(stop) = stop {
            return Err(format!(
                "unexpected end of statement while looking for matching {stop}"
            ));
        }
        Ok((result, self.finish(w)))
    }

    fn finish(&mut self, mut w: Words) -> Vec<String> {
        if !self.buf.is_empty() {
            w.words.push(std::mem::take(&mut self.buf));
        }
        w.words
    }

    fn single_quote(&mut self) -> Result<String, String> {
        let mut out = String::new();
        let open = self.next();
        if self.raw_quotes {
            out.extend(open);
        }
        loop {
            match self.next() {
                None => {
                    return Err(
                        "unexpected end of statement while looking for matching single-quote"
                            .into(),
                    )
                }
                Some('\'') => {
                    if self.raw_quotes {
                        out.push('\'');
                    }
                    return Ok(out);
                }
                Some(c) => out.push(c),
            }
        }
    }

    fn double_quote(&mut self) -> Result<String, String> {
        let mut out = String::new();
        let open = self.next();
        if self.raw_quotes {
            out.extend(open);
        }
        loop {
            match self.peek() {
                None => {
                    return Err(
                        "unexpected end of statement while looking for matching double-quote"
                            .into(),
                    )
                }
                Some('"') => {
                    self.next();
                    if self.raw_quotes {
                        out.push('"');
                    }
                    return Ok(out);
                }
                Some('$') => {
                    let v = self.dollar()?;
                    out.push_str(&v);
                }
                Some(_) => {
                    let mut ch = self.next().unwrap_or_default();
                    if ch == SHELL_ESCAPE {
                        if self.raw_escapes {
                            out.push(ch);
                        }
                        match self.peek() {
                            None => continue,
                            Some('"' | '$' | SHELL_ESCAPE) => ch = self.next().unwrap_or_default(),
                            Some(_) => {}
                        }
                    }
                    out.push(ch);
                }
            }
        }
    }

    fn name(&mut self) -> String {
        let mut name = String::new();
        while let Some(ch) = self.peek() {
            // Go's unicode.IsDigit and IsLetter; Rust's is_numeric and
            // is_alphabetic differ only on a few rare Unicode categories.
            if name.is_empty() && ch.is_numeric() {
                while let Some(d) = self.peek().filter(|c| c.is_numeric()) {
                    self.next();
                    name.push(d);
                }
                return name;
            }
            if name.is_empty() && matches!(ch, '@' | '*' | '#' | '?' | '-' | '$' | '!' | '0') {
                self.next();
                return ch.to_string();
            }
            if !ch.is_alphabetic() && !ch.is_numeric() && ch != '_' {
                break;
            }
            self.next();
            name.push(ch);
        }
        name
    }

    /// `$name` or `${name…}`, kept as written (no variable is ever set here).
    fn dollar(&mut self) -> Result<String, String> {
        self.next();
        if self.peek() != Some('{') {
            let name = self.name();
            return Ok(format!("${name}"));
        }
        self.next();
        match self.peek() {
            None => return Err("syntax error: missing '}'".into()),
            Some('{' | '}' | ':') => return Err("syntax error: bad substitution".into()),
            Some(_) => {}
        }
        let name = self.name();
        let ch = self.next();
        let mut modifier = String::new();
        modifier.extend(ch);
        let mut null_is_unset = false;
        let mut op = ch;
        match ch {
            Some('}') => return Ok(format!("${{{name}}}")),
            Some(':') => {
                null_is_unset = true;
                op = self.next();
                modifier.extend(op);
            }
            Some('+' | '-' | '?' | '#' | '%') => {}
            Some('/') => {
                if self.peek() == Some('/') {
                    self.next();
                }
                let (pattern, _) = self.sub_word('/', true, "syntax error: missing '/' in ${}")?;
                let (replacement, _) = self.sub_word('}', true, "syntax error: missing '}'")?;
                return Ok(format!("${{{name}/{pattern}/{replacement}}}"));
            }
            _ => return Err(format!("unsupported modifier ({modifier}) in substitution")),
        }
        let raw = matches!(op, Some('#' | '%'));
        if null_is_unset && raw {
            return Err(format!("unsupported modifier ({modifier}) in substitution"));
        }
        let (word, _) = self.sub_word('}', raw, "syntax error: missing '}'")?;
        Ok(format!("${{{name}{modifier}{word}}}"))
    }

    fn sub_word(
        &mut self,
        stop: char,
        raw_escapes: bool,
        eof_message: &str,
    ) -> Result<(String, Vec<String>), String> {
        self.process_stop_on(Some(stop), raw_escapes).map_err(|e| {
            if self.peek().is_none() {
                eof_message.to_string()
            } else {
                e
            }
        })
    }

    fn possible_heredoc(&mut self) -> String {
        self.next();
        if self.peek() != Some('<') {
            return "<".into();
        }
        self.next();
        let mut out = String::from("<<");
        while let Some(c) = self.peek().filter(|c| matches!(c, '\t' | '\r' | ' ')) {
            out.push(c);
            self.next();
        }
        out
    }
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

    fn names(line: &str) -> Vec<String> {
        heredocs_from_line(line)
            .unwrap()
            .into_iter()
            .map(|h| h.name)
            .collect()
    }

    #[test]
    fn heredoc_markers_as_buildkit_reads_them() {
        assert_eq!(names("RUN <<EOF"), ["EOF"]);
        assert_eq!(names("RUN <<-EOF"), ["EOF"]);
        assert_eq!(names("RUN <<'EOF'"), ["EOF"]);
        assert_eq!(names("RUN 4<<EOF"), ["EOF"]);
        assert_eq!(names("COPY <<FILE1 <<FILE2 /dest/"), ["FILE1", "FILE2"]);
        assert_eq!(names("RUN <<  EOF  > foo"), ["EOF"]);
        assert_eq!(names("RUN << -EOF"), ["-EOF"]);
        assert_eq!(names("RUN <<eo'f'"), ["eof"]);
        assert_eq!(names(r"RUN <<eo\'f"), ["eo'f"]);
        assert_eq!(names("RUN <<'one two'"), ["one two"]);
        assert_eq!(names("RUN <<$EOF"), ["$EOF"]);
        assert!(names("RUN '<<EOF'").is_empty());
        assert!(names("RUN \"<<EOF\"").is_empty());
        assert!(names("RUN echo \"<<EOF\" && echo after").is_empty());
        assert!(names("RUN cat<<EOF").is_empty());
        assert!(names("RUN <<- EOF").is_empty());
        assert!(names("RUN echo \"unterminated <<EOF").is_empty());
    }

    #[test]
    fn heredoc_expansion_follows_quoting() {
        let m = parse_heredoc_word("<<-'EOT'").unwrap().unwrap();
        assert!(m.chomp && !m.expand);
        let m = parse_heredoc_word("<<EOT").unwrap().unwrap();
        assert!(!m.chomp && m.expand);
        let m = parse_heredoc_word("3<<EOT").unwrap().unwrap();
        assert_eq!(m.fd, Some(3));
        assert_eq!(parse_heredoc_word("<<EOF sh").unwrap(), None);
        assert_eq!(parse_heredoc_word("<<<EOF").unwrap(), None);
        assert!(parse_heredoc_word("<<'EOF").is_err());
    }
}
