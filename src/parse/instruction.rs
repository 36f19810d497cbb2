//! One instruction: its keyword, flags, arguments and form, read from the
//! logical line (continuations joined) the way BuildKit's `newNodeFromLine`
//! does, with every part's byte range in the original file.

use std::ops::Range;

use serde::Serialize;

use super::lines::{is_space, is_split_space};
use super::words::{self, JsonError};

/// The instruction keywords BuildKit knows; anything else is `Unknown` and is
/// kept verbatim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Keyword {
    Add,
    Arg,
    Cmd,
    Copy,
    Entrypoint,
    Env,
    Expose,
    From,
    Healthcheck,
    Label,
    Maintainer,
    Onbuild,
    Run,
    Shell,
    Stopsignal,
    User,
    Volume,
    Workdir,
    /// A keyword BuildKit's parser keeps but `docker build` rejects.
    Unknown,
}

impl Keyword {
    /// Reads a keyword case-insensitively, as BuildKit does.
    pub fn from_word(word: &str) -> Keyword {
        const TABLE: [(&str, Keyword); 18] = [
            ("ADD", Keyword::Add),
            ("ARG", Keyword::Arg),
            ("CMD", Keyword::Cmd),
            ("COPY", Keyword::Copy),
            ("ENTRYPOINT", Keyword::Entrypoint),
            ("ENV", Keyword::Env),
            ("EXPOSE", Keyword::Expose),
            ("FROM", Keyword::From),
            ("HEALTHCHECK", Keyword::Healthcheck),
            ("LABEL", Keyword::Label),
            ("MAINTAINER", Keyword::Maintainer),
            ("ONBUILD", Keyword::Onbuild),
            ("RUN", Keyword::Run),
            ("SHELL", Keyword::Shell),
            ("STOPSIGNAL", Keyword::Stopsignal),
            ("USER", Keyword::User),
            ("VOLUME", Keyword::Volume),
            ("WORKDIR", Keyword::Workdir),
        ];
        TABLE
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(word))
            .map_or(Keyword::Unknown, |&(_, k)| k)
    }

    /// The keyword in capitals (`"UNKNOWN"` for an unknown one).
    pub fn as_str(self) -> &'static str {
        match self {
            Keyword::Add => "ADD",
            Keyword::Arg => "ARG",
            Keyword::Cmd => "CMD",
            Keyword::Copy => "COPY",
            Keyword::Entrypoint => "ENTRYPOINT",
            Keyword::Env => "ENV",
            Keyword::Expose => "EXPOSE",
            Keyword::From => "FROM",
            Keyword::Healthcheck => "HEALTHCHECK",
            Keyword::Label => "LABEL",
            Keyword::Maintainer => "MAINTAINER",
            Keyword::Onbuild => "ONBUILD",
            Keyword::Run => "RUN",
            Keyword::Shell => "SHELL",
            Keyword::Stopsignal => "STOPSIGNAL",
            Keyword::User => "USER",
            Keyword::Volume => "VOLUME",
            Keyword::Workdir => "WORKDIR",
            Keyword::Unknown => "UNKNOWN",
        }
    }

    /// Instructions whose arguments may be a JSON array (exec form).
    pub fn takes_json(self) -> bool {
        matches!(
            self,
            Keyword::Add
                | Keyword::Copy
                | Keyword::Volume
                | Keyword::Cmd
                | Keyword::Entrypoint
                | Keyword::Run
                | Keyword::Shell
                | Keyword::Healthcheck
        )
    }

    /// Instructions that may carry heredocs (BuildKit's `heredocDirectives`).
    pub fn takes_heredocs(self) -> bool {
        matches!(self, Keyword::Add | Keyword::Copy | Keyword::Run)
    }
}

/// A builder flag such as `--from=build` or `--link`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flag {
    /// The flag as BuildKit reads it: quotes removed, escapes applied.
    pub text: String,
    /// Where it is written in the file.
    pub span: Range<usize>,
}

impl Flag {
    /// The name without the leading `--` (`from` for `--from=build`).
    pub fn name(&self) -> &str {
        let body = self.text.strip_prefix("--").unwrap_or(&self.text);
        body.split_once('=').map_or(body, |(name, _)| name)
    }

    /// The value after `=`, or `None` for a bare flag (`--link`).
    pub fn value(&self) -> Option<&str> {
        self.text
            .strip_prefix("--")
            .unwrap_or(&self.text)
            .split_once('=')
            .map(|(_, value)| value)
    }
}

/// How an instruction's command is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Form {
    /// A JSON array of strings (`CMD ["node", "server.js"]`): no shell runs it.
    Exec(Vec<String>),
    /// Plain text (`CMD node server.js`), run by the image's shell. A JSON-like
    /// array that is not valid JSON (`['a']`) is shell form, as in BuildKit.
    Shell(String),
}

/// A heredoc attached to an instruction (`RUN <<EOF` … `EOF`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heredoc {
    /// The terminator word, quotes removed.
    pub name: String,
    /// The file descriptor written before `<<` (`3<<EOF`), if any.
    pub fd: Option<u32>,
    /// `<<-`: leading tabs are stripped from the body and the terminator.
    pub chomp: bool,
    /// Variables in the body are expanded (the marker is not quoted).
    pub expand: bool,
    /// The body lines, terminators included.
    pub body: Range<usize>,
    /// The terminator line, line ending included; `None` when the file ended
    /// before it.
    pub terminator: Option<Range<usize>>,
}

/// One instruction with the byte ranges of its parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instruction {
    /// Which instruction this is.
    pub keyword: Keyword,
    /// The keyword as written (`from`, `Run`), and where.
    pub keyword_text: String,
    pub keyword_span: Range<usize>,
    /// Whole lines: from the start of the first line (indentation included) to
    /// the end of the last (line ending included), heredoc bodies included.
    pub span: Range<usize>,
    /// The instruction's own text: from the keyword to the last non-blank
    /// character of its last line, heredoc terminator included.
    pub text_span: Range<usize>,
    /// First and last line, 1-based, as BuildKit counts them.
    pub start_line: usize,
    pub end_line: usize,
    /// Builder flags, in order.
    pub flags: Vec<Flag>,
    /// The arguments after the flags on the logical line (continuations
    /// joined, comment lines inside them dropped), as BuildKit sees them.
    pub args: String,
    /// Where the arguments are written, from their first to their last
    /// character (this may cover continuation and comment lines).
    pub args_span: Range<usize>,
    /// Exec or shell form, for the instructions that have one and arguments.
    pub form: Option<Form>,
    /// Heredocs, in order.
    pub heredocs: Vec<Heredoc>,
    /// For `ONBUILD`, the instruction it wraps.
    pub onbuild: Option<Box<Instruction>>,
    /// Where each piece of the logical line starts: `(offset in the logical
    /// line, offset in the file)`.
    pub(crate) pieces: Vec<(usize, usize)>,
    /// Where `args` starts in the logical line.
    pub(crate) args_offset: usize,
    /// The last line ends with a line continuation and the file ends before
    /// the instruction does: text appended after it would join it.
    pub(crate) open_at_eof: bool,
}

impl Instruction {
    /// Whether the arguments are a JSON array.
    pub fn is_exec_form(&self) -> bool {
        matches!(self.form, Some(Form::Exec(_)))
    }

    /// The flag with this name (`from` for `--from=…`), the last if repeated.
    pub fn flag(&self, name: &str) -> Option<&Flag> {
        self.flags.iter().rev().find(|f| f.name() == name)
    }

    /// Whether the instruction's last line continues (ends with the escape
    /// character) into the end of the file.
    pub fn continues_to_end_of_file(&self) -> bool {
        self.open_at_eof
    }

    /// Where a byte range of [`Instruction::args`] is written in the file,
    /// across continuation lines.
    pub fn args_range_in_file(&self, range: Range<usize>) -> Range<usize> {
        let shifted = range.start + self.args_offset..range.end + self.args_offset;
        range_in_file(&self.pieces, shifted)
    }
}

fn start_in_file(pieces: &[(usize, usize)], pos: usize) -> usize {
    let i = pieces.partition_point(|&(t, _)| t <= pos);
    match i.checked_sub(1).map(|i| pieces[i]) {
        Some((t, f)) => f + (pos - t),
        None => pieces.first().map_or(0, |&(_, f)| f),
    }
}

fn end_in_file(pieces: &[(usize, usize)], pos: usize) -> usize {
    let i = pieces.partition_point(|&(t, _)| t < pos);
    match i.checked_sub(1).map(|i| pieces[i]) {
        Some((t, f)) => f + (pos - t),
        None => start_in_file(pieces, 0),
    }
}

fn range_in_file(pieces: &[(usize, usize)], range: Range<usize>) -> Range<usize> {
    let start = start_in_file(pieces, range.start);
    if range.is_empty() {
        return start..start;
    }
    start..end_in_file(pieces, range.end)
}

/// A logical line: the pieces of the physical lines BuildKit joins, with a map
/// from each byte of the joined text back to the file.
#[derive(Debug, Default)]
pub(crate) struct LogicalLine {
    pub text: String,
    /// `(offset in text, offset in file)` where each piece starts.
    pieces: Vec<(usize, usize)>,
}

impl LogicalLine {
    pub fn push(&mut self, piece: &str, file_offset: usize) {
        // The first piece is kept even when empty (a line holding only an
        // escape), so every offset has a place in the file.
        if piece.is_empty() && !self.pieces.is_empty() {
            return;
        }
        self.pieces.push((self.text.len(), file_offset));
        self.text.push_str(piece);
    }

    /// The file offset of the byte at `pos` (a start position).
    pub fn start_in_file(&self, pos: usize) -> usize {
        start_in_file(&self.pieces, pos)
    }

    /// The file offset just after the byte before `pos` (an end position).
    #[cfg(test)]
    pub fn end_in_file(&self, pos: usize) -> usize {
        end_in_file(&self.pieces, pos)
    }

    pub fn range_in_file(&self, range: Range<usize>) -> Range<usize> {
        range_in_file(&self.pieces, range)
    }

    pub fn pieces(&self) -> &[(usize, usize)] {
        &self.pieces
    }

    /// Empties the line, keeping its buffers for the next instruction.
    pub fn clear(&mut self) {
        self.text.clear();
        self.pieces.clear();
    }
}

/// The result of reading one logical line (BuildKit's `newNodeFromLine`).
pub(crate) struct LineParse {
    pub keyword: Keyword,
    pub keyword_text: String,
    pub keyword_span: Range<usize>,
    pub flags: Vec<words::Word>,
    pub args: String,
    pub args_span: Range<usize>,
    pub form: Option<Form>,
    pub onbuild: Option<Box<LineParse>>,
    /// Why BuildKit would reject this line, if it would.
    pub error: Option<String>,
    /// Why BuildKit releases would read this line differently, if they would.
    pub version_note: Option<String>,
}

impl LineParse {
    /// The instruction that decides heredocs: the wrapped one for `ONBUILD`.
    pub fn heredoc_owner(&self) -> &LineParse {
        match &self.onbuild {
            Some(inner) if self.keyword == Keyword::Onbuild => inner,
            _ => self,
        }
    }

    pub fn first_error(&self) -> Option<&str> {
        self.error
            .as_deref()
            .or_else(|| self.onbuild.as_ref().and_then(|i| i.first_error()))
    }

    pub fn first_version_note(&self) -> Option<&str> {
        self.version_note
            .as_deref()
            .or_else(|| self.onbuild.as_ref().and_then(|i| i.first_version_note()))
    }
}

/// Reads `line[offset..]` as one instruction; offsets in the result are
/// offsets into `line`.
pub(crate) fn parse_line(line: &str, offset: usize, escape: char) -> LineParse {
    let body = &line[offset..];
    let trimmed_start = offset + (body.len() - body.trim_start_matches(is_space).len());
    let trimmed_end = offset + body.trim_end_matches(is_space).len();
    let trimmed = &line[trimmed_start..trimmed_end.max(trimmed_start)];
    let (keyword_text, rest_start) = match trimmed.find(is_split_space) {
        Some(i) => {
            let after = &trimmed[i..];
            let gap = after.len() - after.trim_start_matches(is_split_space).len();
            (&trimmed[..i], trimmed_start + i + gap)
        }
        None => (trimmed, trimmed_end.max(trimmed_start)),
    };
    let keyword = Keyword::from_word(keyword_text);
    let rest_end = trimmed_end.max(rest_start);
    let rest = &line[rest_start..rest_end];
    let (mut flags, args_offset) = words::extract_flags(rest, escape);
    for flag in &mut flags {
        flag.span = flag.span.start + rest_start..flag.span.end + rest_start;
    }
    let args_raw = &rest[args_offset..];
    let args_start =
        rest_start + args_offset + (args_raw.len() - args_raw.trim_start_matches(is_space).len());
    let args_end =
        (rest_start + args_offset + args_raw.trim_end_matches(is_space).len()).max(args_start);
    let args = line[args_start..args_end].to_string();

    let mut error = None;
    let mut version_note = None;
    if escape != '\\'
        && flags
            .iter()
            .any(|f| line[f.span.clone()].contains(['\\', escape]))
    {
        version_note = Some(
            "a flag with an escape character under `# escape=`: BuildKit before v0.21 \
             applies the backslash in flags, later BuildKit the escape directive's character"
                .to_string(),
        );
    }
    let mut form = None;
    let mut onbuild = None;
    match keyword {
        Keyword::Add | Keyword::Copy | Keyword::Volume => {
            form = Some(read_form(&args, &mut error, &mut version_note));
        }
        Keyword::Cmd | Keyword::Entrypoint | Keyword::Run | Keyword::Shell if !args.is_empty() => {
            form = Some(read_form(&args, &mut error, &mut version_note));
        }
        Keyword::Healthcheck => {
            // BuildKit's parseHealthConfig: a type word (CMD or NONE), then a
            // command that may be JSON.
            let type_end = args.find(is_space).unwrap_or(args.len());
            if type_end > 0 {
                let command = args[type_end..].trim_start_matches(is_space);
                if !command.is_empty() {
                    form = Some(read_form(command, &mut error, &mut version_note));
                }
            }
        }
        Keyword::Env | Keyword::Label => {
            error = check_name_values(&args, keyword, escape);
        }
        Keyword::Onbuild if !args.is_empty() => {
            onbuild = Some(Box::new(parse_line(line, args_start, escape)));
        }
        _ => {}
    }
    LineParse {
        keyword,
        keyword_text: keyword_text.to_string(),
        keyword_span: trimmed_start..trimmed_start + keyword_text.len(),
        flags,
        args,
        args_span: args_start..args_end,
        form,
        onbuild,
        error,
        version_note,
    }
}

fn read_form(args: &str, error: &mut Option<String>, note: &mut Option<String>) -> Form {
    match words::parse_json_array(args) {
        Ok(items) => Form::Exec(items),
        Err(JsonError::NotJson) => {
            if words::starts_with_json_array(args) {
                *note = Some(
                    "a JSON array followed by more text: BuildKit before v0.15 (Dockerfile \
                     frontend 1.10) runs it in exec form, later BuildKit in shell form; \
                     remove the text after the closing bracket"
                        .into(),
                );
            }
            Form::Shell(args.to_string())
        }
        Err(JsonError::NotStrings) => {
            *error = Some(
                "when using JSON array syntax, arrays must be comprised of strings only".into(),
            );
            Form::Shell(args.to_string())
        }
    }
}

/// BuildKit's `parseNameVal` checks: `KEY value` (legacy) needs a value, and in
/// the `key=value` form every word needs an `=`.
fn check_name_values(args: &str, keyword: Keyword, escape: char) -> Option<String> {
    let words = words::parse_words(args, escape);
    let first = words.first()?;
    if !first.text.contains('=') {
        if !args.contains(is_split_space) {
            return Some(format!("{} must have two arguments", keyword.as_str()));
        }
        return None;
    }
    words.iter().find(|w| !w.text.contains('=')).map(|w| {
        format!(
            "Syntax error - can't find = in {:?}. Must be of the form: name=value",
            w.text
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_keyword_flags_and_arguments() {
        let p = parse_line("  COPY --from=build /a /b  ", 0, '\\');
        assert_eq!(p.keyword, Keyword::Copy);
        assert_eq!(p.keyword_span, 2..6);
        assert_eq!(p.flags.len(), 1);
        assert_eq!(p.args, "/a /b");
        assert_eq!(p.form, Some(Form::Shell("/a /b".into())));
    }

    #[test]
    fn exec_form_is_a_json_array_of_strings() {
        let p = parse_line("CMD [\"a\", \"b\"]", 0, '\\');
        assert_eq!(p.form, Some(Form::Exec(vec!["a".into(), "b".into()])));
        let p = parse_line("CMD ['a']", 0, '\\');
        assert_eq!(p.form, Some(Form::Shell("['a']".into())));
        let p = parse_line("CMD [1]", 0, '\\');
        assert!(p.error.is_some());
    }

    #[test]
    fn onbuild_wraps_an_instruction() {
        let p = parse_line("ONBUILD RUN [\"x\"]", 0, '\\');
        let inner = p.onbuild.as_deref().unwrap();
        assert_eq!(inner.keyword, Keyword::Run);
        assert_eq!(inner.keyword_span, 8..11);
        assert!(matches!(inner.form, Some(Form::Exec(_))));
    }

    #[test]
    fn healthcheck_form_is_the_command_s() {
        let p = parse_line("HEALTHCHECK --interval=5s CMD [\"curl\", \"x\"]", 0, '\\');
        assert_eq!(p.flags.len(), 1);
        assert!(matches!(p.form, Some(Form::Exec(_))));
        let p = parse_line("HEALTHCHECK NONE", 0, '\\');
        assert_eq!(p.form, None);
    }

    #[test]
    fn env_checks() {
        assert!(parse_line("ENV A", 0, '\\').error.is_some());
        assert!(parse_line("ENV A=1 B", 0, '\\').error.is_some());
        assert!(parse_line("ENV A 1 2", 0, '\\').error.is_none());
        assert!(parse_line("ENV A=", 0, '\\').error.is_none());
    }

    #[test]
    fn logical_line_maps_back_to_the_file() {
        let mut l = LogicalLine::default();
        l.push("RUN a ", 10);
        l.push("  && b", 30);
        assert_eq!(l.text, "RUN a   && b");
        assert_eq!(l.start_in_file(0), 10);
        assert_eq!(l.start_in_file(6), 30);
        assert_eq!(l.end_in_file(6), 16);
        assert_eq!(l.range_in_file(4..12), 14..36);
    }
}
