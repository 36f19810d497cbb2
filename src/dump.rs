//! `--dump-syntax`: the parser's reading of a file, one JSON object per
//! instruction, for maintainers and bug reports. The fields mirror what
//! BuildKit's parser reports, so a disagreement is easy to see.

use serde::Serialize;

use crate::parse::{Dockerfile, Form, Instruction};

/// One instruction as `--dump-syntax` prints it.
#[derive(Debug, Serialize)]
pub struct InstructionDump {
    /// The keyword in capitals, as written for an unknown one.
    pub keyword: String,
    /// Whether BuildKit knows the keyword.
    pub known: bool,
    /// First and last line, 1-based, as BuildKit counts them.
    pub start_line: usize,
    pub end_line: usize,
    /// `"exec"` (JSON array), `"shell"`, or null for instructions without a
    /// form. For `ONBUILD`, the form of the instruction it wraps, as BuildKit's
    /// tooling reports it.
    pub form: Option<&'static str>,
    /// Builder flags as BuildKit reads them.
    pub flags: Vec<String>,
    /// How many heredocs the instruction carries.
    pub heredocs: usize,
    /// Byte range `[start, end)` from the keyword to the end of the
    /// instruction's text.
    pub byte_range: [usize; 2],
    /// For `ONBUILD`, the instruction it wraps.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wraps: Option<Box<InstructionDump>>,
}

impl InstructionDump {
    /// The dump of one instruction.
    pub fn new(i: &Instruction) -> InstructionDump {
        let wraps = i
            .onbuild
            .as_deref()
            .map(|inner| Box::new(InstructionDump::new(inner)));
        InstructionDump {
            keyword: i.keyword_text.to_uppercase(),
            known: i.keyword != crate::parse::Keyword::Unknown,
            start_line: i.start_line,
            end_line: i.end_line,
            form: match (&i.form, &wraps) {
                (_, Some(inner)) => inner.form,
                (Some(Form::Exec(_)), _) => Some("exec"),
                (Some(Form::Shell(_)), _) => Some("shell"),
                (None, _) if i.keyword.takes_json() => Some("shell"),
                (None, _) => None,
            },
            flags: i.flags.iter().map(|f| f.text.clone()).collect(),
            heredocs: i.heredocs.len(),
            byte_range: [i.text_span.start, i.text_span.end],
            wraps: i
                .onbuild
                .as_deref()
                .map(|inner| Box::new(InstructionDump::new(inner))),
        }
    }
}

/// The dump of a whole file: one JSON line per instruction.
pub fn dump_syntax(file: &Dockerfile) -> String {
    let mut out = String::new();
    for i in file.instructions() {
        let line = serde_json::to_string(&InstructionDump::new(i))
            .expect("a dump holds only strings and numbers, which always serialise");
        out.push_str(&line);
        out.push('\n');
    }
    out
}
