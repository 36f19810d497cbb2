//! Turns a plan into the new file: the builder edits spliced into the
//! original text, so untouched lines keep their bytes, and the final stage
//! appended after it.

use crate::edit::{EditError, Edits};
use crate::parse::Dockerfile;
use crate::plan::Plan;

/// The rewritten file, and the byte offset where the appended final stage
/// begins in it.
pub fn render(file: &Dockerfile, plan: &Plan) -> Result<(String, usize), EditError> {
    let source = file.source();
    let eol = file.line_ending();
    let mut edits = Edits::new();
    for e in &plan.builder_edits {
        edits.replace(e.range.clone(), e.text.clone());
    }
    let mut tail = String::new();
    if !source.is_empty() && !source.ends_with('\n') {
        tail.push_str(eol);
    }
    let ends_blank = source.ends_with("\n\n") || source.ends_with("\r\n\r\n");
    if !ends_blank {
        tail.push_str(eol);
    }
    for line in &plan.final_stage {
        tail.push_str(&line.text);
        tail.push_str(eol);
    }
    let tail_len = tail.len();
    edits.insert(source.len(), tail);
    let text = edits.apply(source)?;
    let tail_start = text.len() - tail_len;
    Ok((text, tail_start))
}
