//! The grammar above words: lists, `&&`/`||`, pipelines, simple and
//! compound commands, function definitions, redirections and heredocs.

use super::words::{assignment, is_meta, is_name};
use super::*;

impl Parser {
    /// A list up to one of the reserved words in `stops`, a `)`, a `;;` or
    /// the end.
    pub(super) fn list(&mut self, stops: &[&str]) -> Result<List, SyntaxError> {
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

    pub(super) fn and_or(&mut self) -> Result<AndOr, SyntaxError> {
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

    pub(super) fn pipeline(&mut self) -> Result<Pipeline, SyntaxError> {
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

    pub(super) fn command(&mut self) -> Result<Cmd, SyntaxError> {
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

    pub(super) fn if_body(&mut self) -> Result<Compound, SyntaxError> {
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

    pub(super) fn for_body(&mut self) -> Result<Compound, SyntaxError> {
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

    pub(super) fn case_body(&mut self) -> Result<Compound, SyntaxError> {
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
    pub(super) fn test_words(&mut self) -> Result<Vec<Word>, SyntaxError> {
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
    pub(super) fn skip_balanced(&mut self, open: &str, close: &str) -> Result<(), SyntaxError> {
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

    pub(super) fn skip_quoted(&mut self, q: char) -> Result<(), SyntaxError> {
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

    pub(super) fn simple(&mut self) -> Result<Cmd, SyntaxError> {
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

    pub(super) fn redirects(&mut self) -> Result<Vec<Redirect>, SyntaxError> {
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
    pub(super) fn redirect(&mut self) -> Result<Option<Redirect>, SyntaxError> {
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
}
