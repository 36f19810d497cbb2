//! Words: quoting, escapes, parameter expansions, command substitutions.

use super::*;

impl Parser {
    /// A word at the cursor, or `None` at an operator or the end.
    pub(super) fn word(&mut self) -> Result<Option<Word>, SyntaxError> {
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

    pub(super) fn double_quoted(&mut self, parts: &mut Vec<Part>) -> Result<(), SyntaxError> {
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
    pub(super) fn ansi_c(&mut self) -> Result<String, SyntaxError> {
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

    pub(super) fn backticks(&mut self) -> Result<String, SyntaxError> {
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
    pub(super) fn dollar(&mut self, quoted: bool) -> Result<Option<Part>, SyntaxError> {
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
    pub(super) fn braced(&mut self, quoted: bool) -> Result<Part, SyntaxError> {
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

    pub(super) fn param_name(&mut self) -> String {
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
    pub(super) fn brace_word(&mut self) -> Result<Word, SyntaxError> {
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
pub(super) fn is_meta(c: char) -> bool {
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
pub(super) fn assignment(w: &Word) -> Option<(String, Word)> {
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
