//! One file through the pipeline: read, parse, plan, render, and the report
//! of what happened. Writing and printing are the caller's.

use std::path::Path;

use crate::codes::Code;
use crate::context::Context;
use crate::parse::Dockerfile;
use crate::plan::{plan_file, Decision, Options, Planned, Reason};
use crate::read::{read_bytes, ReadError};
use crate::render::render;
use crate::report::{FileReport, Status};

/// A processed file: its report and, for a rewrite, the new text.
#[derive(Debug)]
pub struct Processed {
    pub report: FileReport,
    pub original: Option<Vec<u8>>,
    pub rewritten: Option<String>,
    /// Where the appended final stage starts in `rewritten`.
    pub tail_start: usize,
    pub planned: Option<Planned>,
}

/// Reads the file at `path` and processes it.
pub fn process_path(path: &Path, display: &str, ctx: &Context, opts: Options) -> Processed {
    let bytes = match read_bytes(path) {
        Ok(b) => b,
        Err(e) => {
            return Processed {
                report: FileReport::bare(display, Status::Error, Some(read_reason(&e))),
                original: None,
                rewritten: None,
                tail_start: 0,
                planned: None,
            };
        }
    };
    let mut p = process_bytes(&bytes, display, ctx, opts);
    p.original = Some(bytes);
    p
}

/// A read error as a report's reason, on its line where it has one.
fn read_reason(e: &ReadError) -> Reason {
    Reason {
        code: match e {
            ReadError::Io(_) | ReadError::Directory => Code::ReadFailed,
            ReadError::TooLarge { .. } => Code::TooLarge,
            ReadError::NotUtf8 { .. } => Code::NotUtf8,
        },
        line: e.line(),
        message: e.to_string(),
        hint: None,
    }
}

/// Processes a file's bytes (from disk or stdin).
pub fn process_bytes(bytes: &[u8], display: &str, ctx: &Context, opts: Options) -> Processed {
    let error = |reason: Reason| Processed {
        report: FileReport::bare(display, Status::Error, Some(reason)),
        original: None,
        rewritten: None,
        tail_start: 0,
        planned: None,
    };
    if let Some(at) = bytes.iter().position(|&b| b == 0) {
        let line = 1 + bytes[..at].iter().filter(|&&b| b == b'\n').count();
        return error(Reason::at(
            Code::BinaryFile,
            line,
            format!("a binary file (a NUL byte at offset {at}), not a Dockerfile"),
        ));
    }
    let file = match Dockerfile::parse_bytes(bytes) {
        Ok(f) => f,
        Err(e) => return error(read_reason(&ReadError::from(e))),
    };
    if let Some(p) = file.problems().first() {
        let (code, hint) = if file.instructions().next().is_none() {
            (
                Code::NotADockerfile,
                "empty or only comments: not a Dockerfile",
            )
        } else {
            (
                Code::ParseError,
                "docker build would reject this file too; fix it first",
            )
        };
        return error(Reason::at(code, p.line, format!("{}: {hint}", p.message)));
    }
    if let Some(p) = file.build_problems().first() {
        return error(Reason::at(
            Code::BuildError,
            p.line,
            format!(
                "{}: docker build would reject this file; fix it first",
                p.message
            ),
        ));
    }
    let planned = plan_file(&file, ctx, &opts);
    let dangling = file
        .instructions()
        .last()
        .filter(|i| i.continues_to_end_of_file());
    let mut report = FileReport::bare(display, Status::Unchanged, None);
    report.language = planned.detection.as_ref().and_then(|d| d.language.clone());
    report.builder_image = planned.builder_image.clone();
    report.flavor = planned.flavor.map(|f| f.name().to_string());
    let mut rewritten = None;
    let mut tail_start = 0;
    match &planned.decision {
        Decision::Unchanged(reason) => report.reason = Some(reason.clone()),
        // A line whose meaning depends on the BuildKit release is the more
        // basic reason: it may be why planning refused, too.
        Decision::Refused(reason) => {
            report.status = Status::Refused;
            report.reason = Some(match file.version_dependent().first() {
                Some(note) => version_reason(note),
                None => reason.clone(),
            });
        }
        Decision::Rewrite(plan) => {
            if let Some(note) = file.version_dependent().first() {
                report.status = Status::Refused;
                report.reason = Some(version_reason(note));
            } else if let Some(i) = dangling {
                report.status = Status::Refused;
                report.reason = Some(
                    Reason::at(
                        Code::OpenContinuation,
                        i.end_line,
                        "the last line ends with a line continuation that runs to the end of the file: \
                         a stage added after it would join it",
                    )
                    .hint("remove the trailing escape"),
                );
            } else {
                match render(&file, plan) {
                    Ok((text, _)) if !reads_as_planned(&file, &text, plan) => {
                        report.status = Status::Refused;
                        report.reason = Some(Reason::file(
                            Code::ReadBackFailed,
                            "internal check failed: the rewritten file does not read back as planned; \
                             the file is left as it was (please report it with --dump-syntax output)",
                        ));
                    }
                    Ok((text, tail)) => {
                        tail_start = tail;
                        report.status = Status::WouldRewrite;
                        report.runtime_image = Some(plan.runtime_image.clone());
                        report.warnings = plan.warnings.clone();
                        report.estimated_saving_bytes =
                            crate::sizes::saving_bytes(&plan.builder_image, &plan.runtime_image);
                        rewritten = Some(text);
                    }
                    Err(e) => {
                        report.status = Status::Refused;
                        report.reason = Some(Reason::file(
                            Code::RenderFailed,
                            format!("internal error rendering the plan ({e}); please report it"),
                        ));
                    }
                }
            }
        }
    }
    Processed {
        report,
        original: Some(bytes.to_vec()),
        rewritten,
        tail_start,
        planned: Some(planned),
    }
}

fn version_reason(note: &crate::parse::Problem) -> Reason {
    Reason::at(
        Code::VersionDependent,
        note.line,
        format!(
            "BuildKit releases read this line differently ({})",
            note.message
        ),
    )
    .hint("fix it first")
}

/// The safety net under every rewrite: the new text parses cleanly into the
/// original's instructions plus the planned ones, in two stages.
fn reads_as_planned(original: &Dockerfile, text: &str, plan: &crate::plan::Plan) -> bool {
    let new = Dockerfile::parse(text);
    let inserted = plan
        .builder_edits
        .iter()
        .filter(|e| e.text.trim_start().starts_with("RUN "))
        .count();
    new.problems().is_empty()
        && new.build_problems().is_empty()
        && new.stages().len() == 2
        && new.instructions().count()
            == original.instructions().count() + inserted + plan.final_stage.len()
}
