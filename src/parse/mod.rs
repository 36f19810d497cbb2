//! The lossless Dockerfile parser.
//!
//! A file becomes a sequence of [`Node`]s — a byte-order mark, parser
//! directives, comments, blank lines and instructions — whose spans tile the
//! input, so concatenating them gives back every byte. Lines are read by
//! BuildKit's rules (`moby/buildkit`, `frontend/dockerfile/parser`): where a
//! directive ends, which lines continue, which are heredoc bodies, and how an
//! instruction splits into keyword, flags and arguments.
//!
//! It is ours rather than the `dockerfile-parser` crate, which is deprecated,
//! rejects heredocs, `# escape=`, empty continuation lines and `ARG A B`, and
//! reads `COPY --link` as a source path; a codemod that must keep every byte
//! cannot stand on that.

mod directive;
mod heredoc;
mod instruction;
mod lines;
mod views;
mod words;

use std::ops::Range;

pub use instruction::{Flag, Form, Heredoc, Instruction, Keyword};
pub use views::{ArgDecl, CopyArgs, FromArgs, HealthcheckArgs, ImageRef, KeyValue, Stage};

use instruction::{parse_line, LineParse, LogicalLine};
use lines::{is_comment, split_lines, strip_continuation, trim_leading_space, Line};

const BOM: &str = "\u{FEFF}";

/// A parser directive at the top of the file (`# escape=\``).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    /// `syntax`, `escape` or `check`, lowercased.
    pub name: String,
    /// The value, trimmed.
    pub value: String,
    /// The whole line, line ending included.
    pub span: Range<usize>,
    /// 1-based line number.
    pub line: usize,
}

/// One piece of the file. Every byte belongs to exactly one node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    /// A UTF-8 byte-order mark at the very start.
    Bom(Range<usize>),
    /// A parser directive line.
    Directive(Directive),
    /// A comment line outside any instruction.
    Comment(Range<usize>),
    /// A line that is empty or only white space, outside any instruction.
    Blank(Range<usize>),
    /// An instruction, with its continuation lines and heredoc bodies.
    Instruction(Instruction),
}

impl Node {
    /// The bytes this node covers.
    pub fn span(&self) -> Range<usize> {
        match self {
            Node::Bom(s) | Node::Comment(s) | Node::Blank(s) => s.clone(),
            Node::Directive(d) => d.span.clone(),
            Node::Instruction(i) => i.span.clone(),
        }
    }
}

/// Something BuildKit would reject, found while parsing. The file still
/// round-trips; a caller that rewrites must not go on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// 1-based line where it applies.
    pub line: usize,
    /// What is wrong, in BuildKit's terms where it has them.
    pub message: String,
}

/// A parsed Dockerfile: the source text and the nodes that tile it.
#[derive(Debug, Clone)]
pub struct Dockerfile {
    source: String,
    nodes: Vec<Node>,
    escape: char,
    problems: Vec<Problem>,
    version_notes: Vec<Problem>,
}

impl Dockerfile {
    /// Parses UTF-8 text. Parsing never fails: what BuildKit would reject is
    /// listed by [`Dockerfile::problems`], and the text always round-trips.
    pub fn parse(text: &str) -> Dockerfile {
        Parser::new(text).run()
    }

    /// Parses bytes, which must be UTF-8.
    pub fn parse_bytes(bytes: &[u8]) -> Result<Dockerfile, NotUtf8> {
        let text = std::str::from_utf8(bytes).map_err(|e| {
            let offset = e.valid_up_to();
            NotUtf8 {
                offset,
                line: 1 + bytes[..offset].iter().filter(|&&b| b == b'\n').count(),
            }
        })?;
        Ok(Dockerfile::parse(text))
    }

    /// The text that was parsed.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// All nodes, in file order.
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// The instructions, in file order.
    pub fn instructions(&self) -> impl Iterator<Item = &Instruction> {
        self.nodes.iter().filter_map(|n| match n {
            Node::Instruction(i) => Some(i),
            _ => None,
        })
    }

    /// The parser directives at the top of the file.
    pub fn directives(&self) -> impl Iterator<Item = &Directive> {
        self.nodes.iter().filter_map(|n| match n {
            Node::Directive(d) => Some(d),
            _ => None,
        })
    }

    /// The escape character in force (`\` unless `# escape=` says otherwise).
    pub fn escape(&self) -> char {
        self.escape
    }

    /// What BuildKit would reject in this file, in line order.
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }

    /// Lines that BuildKit releases read differently, in line order. The
    /// parser follows current BuildKit; a rewrite should not build on a line
    /// whose meaning depends on the user's Docker version.
    pub fn version_dependent(&self) -> &[Problem] {
        &self.version_notes
    }

    /// The text of a node or of any range of the source.
    pub fn text(&self, span: Range<usize>) -> &str {
        &self.source[span]
    }

    /// The nodes' texts joined: always equal to the source.
    pub fn to_text(&self) -> String {
        self.nodes.iter().map(|n| &self.source[n.span()]).collect()
    }

    /// Whether the file starts with a UTF-8 byte-order mark.
    pub fn has_bom(&self) -> bool {
        self.source.starts_with(BOM)
    }

    /// The dominant line ending, for text the caller inserts: `"\r\n"` when most
    /// lines end so, else `"\n"`.
    pub fn line_ending(&self) -> &'static str {
        let crlf = self.source.matches("\r\n").count();
        let lf = self.source.matches('\n').count();
        if crlf * 2 > lf {
            "\r\n"
        } else {
            "\n"
        }
    }
}

/// The input was not UTF-8.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not UTF-8: invalid byte at offset {offset} (line {line})")]
pub struct NotUtf8 {
    /// Byte offset of the first invalid byte.
    pub offset: usize,
    /// 1-based line of that byte.
    pub line: usize,
}

struct Parser<'a> {
    text: &'a str,
    lines: Vec<Line>,
    /// Index of the next line to read.
    next: usize,
    escape: char,
    directives_done: bool,
    seen_directives: Vec<String>,
    nodes: Vec<Node>,
    problems: Vec<Problem>,
    version_notes: Vec<Problem>,
    /// Reused from one instruction to the next to save allocations.
    logical: LogicalLine,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str) -> Self {
        let start = if text.starts_with(BOM) { BOM.len() } else { 0 };
        let mut nodes = Vec::with_capacity(text.len() / 40 + 2);
        if start > 0 {
            nodes.push(Node::Bom(0..start));
        }
        Parser {
            text,
            lines: split_lines(text, start),
            next: 0,
            escape: '\\',
            directives_done: false,
            seen_directives: Vec::new(),
            nodes,
            problems: Vec::new(),
            version_notes: Vec::new(),
            logical: LogicalLine::default(),
        }
    }

    fn content(&self, index: usize) -> &'a str {
        let line = self.lines[index];
        &self.text[line.start..line.content_end]
    }

    fn problem(&mut self, line: usize, message: impl Into<String>) {
        self.problems.push(Problem {
            line,
            message: message.into(),
        });
    }

    fn run(mut self) -> Dockerfile {
        while self.next < self.lines.len() {
            let index = self.next;
            self.next += 1;
            let line = self.lines[index];
            let content = self.content(index);
            let stripped = trim_leading_space(content);
            if self.try_directive(index, stripped) {
                continue;
            }
            if is_comment(stripped) {
                self.nodes.push(Node::Comment(line.span()));
            } else if stripped.is_empty() {
                self.nodes.push(Node::Blank(line.span()));
            } else {
                self.instruction(index, content.len() - stripped.len());
            }
        }
        let has_instruction = self.nodes.iter().any(|n| matches!(n, Node::Instruction(_)));
        if !has_instruction {
            let last = self.lines.len().max(1);
            self.problem(last, "file with no instructions");
        }
        self.problems.sort_by_key(|p| p.line);
        Dockerfile {
            source: self.text.to_string(),
            nodes: self.nodes,
            escape: self.escape,
            problems: self.problems,
            version_notes: self.version_notes,
        }
    }

    /// Reads a directive line while directives are still allowed; any other
    /// line ends them.
    fn try_directive(&mut self, index: usize, stripped: &str) -> bool {
        if self.directives_done {
            return false;
        }
        let Some(found) = directive::match_directive(stripped) else {
            self.directives_done = true;
            return false;
        };
        let line_no = index + 1;
        if self.seen_directives.contains(&found.name) {
            self.problem(
                line_no,
                format!("only one {} parser directive can be used", found.name),
            );
        } else if found.name == "escape" {
            if self.seen_directives.iter().any(|d| d == "check") {
                self.version_notes.push(Problem {
                    line: line_no,
                    message: "`# escape=` after `# check=`: BuildKit before v0.14 (Dockerfile \
                              frontend 1.8) takes `# check=` for a comment and ignores this \
                              escape; put `# escape=` first"
                        .into(),
                });
            }
            match found.value.as_str() {
                "\\" => self.escape = '\\',
                "`" => self.escape = '`',
                other => self.problem(
                    line_no,
                    format!("invalid escape token '{other}' does not match ` or \\"),
                ),
            }
        }
        self.seen_directives.push(found.name.clone());
        self.nodes.push(Node::Directive(Directive {
            name: found.name,
            value: found.value,
            span: self.lines[index].span(),
            line: line_no,
        }));
        true
    }

    /// Reads an instruction starting at line `first`, whose content starts
    /// `indent` bytes into the line: its continuation lines, then its heredoc
    /// bodies.
    fn instruction(&mut self, first: usize, indent: usize) {
        let first_line = self.lines[first];
        let mut logical = std::mem::take(&mut self.logical);
        logical.clear();
        let start = first_line.start + indent;
        let content = &self.text[start..first_line.content_end];
        let mut last = first;
        let mut continues = match strip_continuation(content, self.escape) {
            Some(kept) => {
                logical.push(kept, start);
                true
            }
            None => {
                logical.push(content, start);
                false
            }
        };
        // Continuation lines: comment lines and empty lines are skipped (and
        // do not end the instruction); the first line without a trailing
        // escape ends it.
        while continues && self.next < self.lines.len() {
            let index = self.next;
            self.next += 1;
            last = index;
            let line = self.lines[index];
            let content = self.content(index);
            if is_comment(content) || trim_leading_space(content).is_empty() {
                continue;
            }
            match strip_continuation(content, self.escape) {
                Some(kept) => logical.push(kept, line.start),
                None => {
                    logical.push(content, line.start);
                    continues = false;
                }
            }
        }

        let parsed = parse_line(&logical.text, 0, self.escape);
        if let Some(error) = parsed.first_error() {
            let message = error.to_string();
            self.problem(first + 1, message);
        }
        if let Some(note) = parsed.first_version_note() {
            self.version_notes.push(Problem {
                line: first + 1,
                message: note.to_string(),
            });
        }

        let mut heredocs = Vec::new();
        let owner = parsed.heredoc_owner();
        let heredoc_capable = owner.keyword.takes_heredocs()
            && !matches!(owner.form, Some(Form::Exec(_)))
            && logical.text.contains("<<");
        if heredoc_capable {
            match heredoc::heredocs_from_line(&logical.text) {
                Ok(markers) => {
                    if markers.iter().any(|m| m.spaced) {
                        self.version_notes.push(Problem {
                            line: first + 1,
                            message: "a heredoc marker with blanks after `<<`: BuildKit reads \
                                      it as a heredoc only since Dockerfile frontend 1.16; \
                                      write `<<EOF`"
                                .into(),
                        });
                    }
                    for marker in markers {
                        let (heredoc, end) = self.heredoc_body(marker);
                        last = end.unwrap_or(last);
                        let unterminated = heredoc.terminator.is_none();
                        heredocs.push(heredoc);
                        if unterminated {
                            self.problem(first + 1, "unterminated heredoc");
                            break;
                        }
                    }
                }
                Err(message) => self.problem(first + 1, message),
            }
        }

        let last_line = self.lines[last];
        let span = first_line.start..last_line.end;
        let text_end = start
            + self.text[start..last_line.content_end]
                .trim_end_matches(lines::is_space)
                .len();
        let open_at_eof = continues && heredocs.is_empty();
        let mut instruction = build_instruction(
            parsed,
            &logical,
            heredocs,
            span,
            start..text_end.max(start),
            first + 1,
            last + 1,
        );
        instruction.open_at_eof = open_at_eof;
        self.nodes.push(Node::Instruction(instruction));
        self.logical = logical;
    }

    /// Reads a heredoc body up to its terminator line. Returns the heredoc and
    /// the index of the last line it used, if it used any.
    fn heredoc_body(&mut self, marker: heredoc::HeredocMarker) -> (Heredoc, Option<usize>) {
        let body_start = self
            .lines
            .get(self.next)
            .map_or(self.text.len(), |l| l.start);
        let mut last = None;
        let mut terminator = None;
        while self.next < self.lines.len() {
            let index = self.next;
            self.next += 1;
            last = Some(index);
            let mut candidate = self.content(index);
            if marker.chomp {
                candidate = candidate.trim_start_matches('\t');
            }
            if candidate == marker.name {
                terminator = Some(self.lines[index].span());
                break;
            }
        }
        let body_end = match (&terminator, last) {
            (Some(t), _) => t.start,
            (None, Some(l)) => self.lines[l].end,
            (None, None) => body_start,
        };
        let heredoc = Heredoc {
            name: marker.name,
            fd: marker.fd,
            chomp: marker.chomp,
            expand: marker.expand,
            body: body_start..body_end,
            terminator,
        };
        (heredoc, last)
    }
}

fn build_instruction(
    parsed: LineParse,
    logical: &LogicalLine,
    heredocs: Vec<Heredoc>,
    span: Range<usize>,
    text_span: Range<usize>,
    start_line: usize,
    end_line: usize,
) -> Instruction {
    let onbuild = parsed.onbuild.map(|inner| {
        let inner_span = logical.start_in_file(inner.keyword_span.start)..text_span.end;
        Box::new(build_instruction(
            *inner,
            logical,
            Vec::new(),
            inner_span.clone(),
            inner_span,
            start_line,
            end_line,
        ))
    });
    let (onbuild, heredocs) = match onbuild {
        // ONBUILD's heredocs belong to the instruction it wraps.
        Some(mut inner) => {
            inner.heredocs = heredocs;
            (Some(inner), Vec::new())
        }
        None => (None, heredocs),
    };
    Instruction {
        keyword: parsed.keyword,
        keyword_text: parsed.keyword_text,
        keyword_span: logical.range_in_file(parsed.keyword_span),
        span,
        text_span,
        start_line,
        end_line,
        flags: parsed
            .flags
            .into_iter()
            .map(|w| Flag {
                text: w.text,
                span: logical.range_in_file(w.span),
            })
            .collect(),
        args: parsed.args,
        args_span: logical.range_in_file(parsed.args_span.clone()),
        form: parsed.form,
        heredocs,
        onbuild,
        pieces: logical.pieces().to_vec(),
        args_offset: parsed.args_span.start,
        open_at_eof: false,
    }
}

#[cfg(test)]
mod tests;
