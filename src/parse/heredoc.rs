//! Heredoc markers on a `RUN`, `COPY` or `ADD` line, found by the word
//! rules BuildKit's shell lexer applies (markers anywhere on the line,
//! `<<-`, quoted, several, `<< EOF`).

use super::lines::is_space;

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
