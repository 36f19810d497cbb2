//! One file through the pipeline: read, parse, plan, render, and the report
//! of what happened. Writing and printing are the caller's.

use std::path::Path;

use crate::assemble::Stop;
use crate::codes::Code;
use crate::codes::Reason;
use crate::context::Context;
use crate::detect::Detection;
use crate::facts::StageFacts;
use crate::lang::Registry;
use crate::parse::Dockerfile;
use crate::plan::{Decision, Flavor};
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
        Decision::Rewrite(plan) => match offer(&file, plan) {
            Ok((text, tail)) => {
                tail_start = tail;
                report.status = Status::WouldRewrite;
                report.runtime_image = Some(plan.runtime_image.clone());
                report.warnings = plan.warnings.clone();
                report.estimated_saving_bytes =
                    crate::sizes::saving_bytes(&plan.builder_image, &plan.runtime_image);
                rewritten = Some(text);
            }
            Err(reason) => {
                report.status = Status::Refused;
                report.reason = Some(reason);
            }
        },
    }
    Processed {
        report,
        original: Some(bytes.to_vec()),
        rewritten,
        tail_start,
        planned: Some(planned),
    }
}

/// The rewritten text of a plan and where its final stage starts, once it is
/// safe to offer: no line that BuildKit releases read differently, no open
/// continuation at the end, and a text that reads back as planned.
fn offer(file: &Dockerfile, plan: &crate::plan::Plan) -> Result<(String, usize), Reason> {
    if let Some(note) = file.version_dependent().first() {
        return Err(version_reason(note));
    }
    let dangling = file
        .instructions()
        .last()
        .filter(|i| i.continues_to_end_of_file());
    if let Some(i) = dangling {
        return Err(Reason::at(
            Code::OpenContinuation,
            i.end_line,
            "the last line ends with a line continuation that runs to the end of the file: \
             a stage added after it would join it",
        )
        .hint("remove the trailing escape"));
    }
    match render(file, plan) {
        Ok((text, _)) if !reads_as_planned(file, &text, plan) => Err(Reason::file(
            Code::ReadBackFailed,
            "internal check failed: the rewritten file does not read back as planned; \
             the file is left as it was (please report it with --dump-syntax output)",
        )),
        Ok(done) => Ok(done),
        Err(e) => Err(Reason::file(
            Code::RenderFailed,
            format!("internal error rendering the plan ({e}); please report it"),
        )),
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

/// The safety net under every rewrite: the new text parses cleanly, in two
/// stages; the builder is the original's instructions plus the inserted
/// ones; and the final stage reads back, instruction by instruction, as the
/// plan's typed instructions (a path that quoting split in two is caught here).
fn reads_as_planned(original: &Dockerfile, text: &str, plan: &crate::plan::Plan) -> bool {
    let new = Dockerfile::parse(text);
    let stages = new.stages();
    if !new.problems().is_empty() || !new.build_problems().is_empty() || stages.len() != 2 {
        return false;
    }
    // The instructions the builder edits add: those on lines of their own.
    let inserted: usize = plan
        .builder_edits
        .iter()
        .filter(|e| e.text.starts_with('\n') || e.text.starts_with("\r\n"))
        .map(|e| {
            Dockerfile::parse(e.text.trim_start())
                .instructions()
                .count()
        })
        .sum();
    let all: Vec<&crate::parse::Instruction> = new.instructions().collect();
    let tail = &all[stages[1].from..];
    stages[1].from == original.instructions().count() + inserted
        && tail.len() == plan.final_stage.len()
        && tail
            .iter()
            .zip(&plan.final_stage)
            .all(|(i, planned)| reads_as(original, &new, i, &planned.instruction))
}

/// Whether an instruction of the rewritten file says what was planned.
fn reads_as(
    original: &Dockerfile,
    new: &Dockerfile,
    i: &crate::parse::Instruction,
    planned: &crate::plan::Final,
) -> bool {
    use crate::parse::{Form, Keyword};
    use crate::plan::Final;
    match planned {
        Final::From { platform, image } => i.from_args().is_some_and(|a| {
            i.keyword == Keyword::From && a.image.raw == *image && a.platform == *platform
        }),
        Final::Arg { name, default } => {
            i.keyword == Keyword::Arg
                && i.arg_decls().len() == 1
                && i.arg_decls()[0].name == *name
                && i.arg_decls()[0].default == *default
        }
        Final::Run(command) => i.keyword == Keyword::Run && i.args == *command,
        Final::User(user) => i.keyword == Keyword::User && i.value() == Some(user.as_str()),
        Final::Workdir(path) => {
            i.keyword == Keyword::Workdir
                && i.value()
                    .map(|v| crate::render::read_value(v, new.escape()))
                    == Some(path.clone())
        }
        Final::CopyFrom {
            from,
            chown,
            src,
            dest,
        } => {
            i.keyword == Keyword::Copy
                && i.flag("from").and_then(|f| f.value()) == Some(from.as_str())
                && i.flag("chown").and_then(|f| f.value()) == chown.as_deref()
                && i.copy_args().is_some_and(|c| {
                    let literal = |p: &str| crate::render::literal_dollar(p, new.escape());
                    c.sources == [literal(src)] && c.dest == literal(dest)
                })
        }
        Final::Env { name, value } => {
            let kv = i.key_values();
            i.keyword == Keyword::Env
                && kv.len() == 1
                && kv[0].key == *name
                && crate::render::read_value(&kv[0].value, new.escape()) == *value
        }
        Final::Cmd(args) => i.keyword == Keyword::Cmd && i.form == Some(Form::Exec(args.clone())),
        Final::Entrypoint(args) => {
            i.keyword == Keyword::Entrypoint && i.form == Some(Form::Exec(args.clone()))
        }
        Final::Original(span) => {
            new.text(i.text_span.clone()) == original.source().get(span.clone()).unwrap_or("")
        }
        Final::Rewritten(text) => new.text(i.text_span.clone()) == text,
    }
}

/// A plan together with what was known when it was made.
#[derive(Debug, Clone)]
pub struct Planned {
    pub detection: Option<Detection>,
    pub decision: Decision,
    /// The builder's base image as written, when there is a single stage.
    pub builder_image: Option<String>,
    /// The flavour asked for or chosen.
    pub flavor: Option<Flavor>,
}

/// What the command line asks of planning, and the templates of the run.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// A language id from `--lang`.
    pub lang: Option<String>,
    pub flavor: Option<Flavor>,
    pub templates: Registry,
}

/// Decides what to do with a parsed file.
pub fn plan_file(file: &Dockerfile, ctx: &crate::context::Context, opts: &Options) -> Planned {
    let stages = file.stages();
    let mut planned = Planned {
        detection: None,
        decision: Decision::Unchanged(Reason::file(Code::NoStage, "no FROM instruction")),
        builder_image: None,
        flavor: opts.flavor,
    };
    if stages.len() > 1 {
        let second = file
            .instructions()
            .nth(stages[1].from)
            .map(|i| i.start_line);
        planned.decision = Decision::Unchanged(Reason {
            code: Code::AlreadyMultiStage,
            hint: None,
            line: second,
            message: format!(
                "already a multi-stage build ({} FROM instructions)",
                stages.len()
            ),
        });
        return planned;
    }
    let Some(stage) = stages.first() else {
        return planned;
    };
    planned.builder_image = stage.base.as_ref().map(|b| b.raw.clone());
    let facts = StageFacts::read_in(file, stage, ctx);
    let registry = &opts.templates;
    let detection = crate::detect::detect(file, stage, &facts, ctx, opts.lang.as_deref(), registry);
    let line = facts.from.start_line;
    let entry = detection.language.as_deref().and_then(|l| registry.get(l));
    // The stage as it runs on the language's images, which may start it in
    // a folder of their own with variables its paths use.
    let base = entry.map(|e| &e.template.base_config);
    let image_workdir = |b: &crate::template::BaseConfig| {
        let name = stage.base.as_ref().map(|i| i.official_name().to_string());
        name.and_then(|n| b.workdirs.get(&n).cloned())
            .or_else(|| b.workdir.clone())
    };
    let facts = match base
        .filter(|b| image_workdir(b).is_some() || !b.env.is_empty() || !b.wrappers.is_empty())
    {
        Some(b) => StageFacts::read_from(
            file,
            stage,
            ctx,
            &crate::facts::ImageStart {
                workdir: image_workdir(b),
                env: b.env.clone(),
                opaque_programs: b.wrappers.clone(),
            },
        ),
        None => facts,
    };
    planned.decision = match entry {
        Some(e) => match &e.rules {
            Some(rules) => {
                let input = crate::lang::Input {
                    file,
                    stage,
                    facts: &facts,
                    ctx,
                    flavor: opts.flavor,
                };
                // The language decides what is its own; the shared
                // assembler builds the final stage from it.
                let assembled = rules
                    .plan(&input)
                    .and_then(|lp| crate::assemble::assemble(file, &facts, ctx, lp));
                match assembled {
                    Ok(plan) => Decision::Rewrite(plan),
                    Err(Stop::Unchanged(r)) => Decision::Unchanged(r),
                    Err(Stop::Refused(r)) => Decision::Refused(r),
                }
            }
            None => {
                let rewritten: Vec<&str> = registry
                    .entries()
                    .filter(|e| e.rules.is_some())
                    .map(|e| e.template.display_name.as_str())
                    .collect();
                Decision::Unchanged(Reason::at(
                    Code::LanguageNotYet,
                    line,
                    format!(
                        "{} detected: slimfile rewrites only {} so far",
                        e.template.display_name,
                        rewritten.join(", ")
                    ),
                ))
            }
        },
        None => {
            let known: Vec<&str> = registry
                .entries()
                .map(|e| e.template.display_name.as_str())
                .collect();
            Decision::Unchanged(Reason::at(
                Code::UnknownLanguage,
                line,
                format!(
                    "the base image `{}` is not a language slimfile knows ({})",
                    planned.builder_image.clone().unwrap_or_default(),
                    known.join(", ")
                ),
            ))
        }
    };
    if let Decision::Rewrite(p) = &planned.decision {
        planned.flavor = Some(p.flavor);
    }
    planned.detection = Some(detection);
    planned
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{Final, FinalInstruction, Plan};

    fn plan(final_stage: Vec<Final>) -> Plan {
        Plan {
            language: "node".into(),
            flavor: Flavor::Slim,
            builder_name: "builder".into(),
            builder_image: "node:20".into(),
            runtime_image: "node:20-slim".into(),
            builder_edits: Vec::new(),
            final_stage: final_stage
                .into_iter()
                .map(|instruction| FinalInstruction {
                    instruction,
                    why: String::new(),
                })
                .collect(),
            warnings: Vec::new(),
            assumptions: Vec::new(),
        }
    }

    /// The read-back compares each final instruction with the plan's, not
    /// only their number.
    #[test]
    fn the_read_back_compares_instruction_by_instruction() {
        let original = Dockerfile::parse("FROM node:20 AS builder\n");
        let planned = plan(vec![
            Final::From {
                platform: None,
                image: "node:20-slim".into(),
            },
            Final::CopyFrom {
                from: "builder".into(),
                chown: None,
                src: "/srv/my app".into(),
                dest: "/srv/my app".into(),
            },
        ]);
        let split = "FROM node:20 AS builder\n\nFROM node:20-slim\nCOPY --from=builder /srv/my app /srv/my app\n";
        assert!(!reads_as_planned(&original, split, &planned));
        let quoted = "FROM node:20 AS builder\n\nFROM node:20-slim\nCOPY --from=builder [\"/srv/my app\", \"/srv/my app\"]\n";
        assert!(reads_as_planned(&original, quoted, &planned));
        let other_image = "FROM node:20 AS builder\n\nFROM node:20-alpine\nCOPY --from=builder [\"/srv/my app\", \"/srv/my app\"]\n";
        assert!(!reads_as_planned(&original, other_image, &planned));
    }
}
