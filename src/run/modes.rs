//! The two modes that print something other than diffs: `slimfile -` (the
//! rewritten file on stdout) and `--dump-syntax` (the parser's reading).

use std::io::Read;
use std::path::{Path, PathBuf};

use super::{exit_code, filters_of, Format, Output, Settings};
use crate::context::Context;
use crate::discover::{discover, Found};
use crate::dump::dump_syntax;
use crate::process::{process_bytes, Options};
use crate::read::read_dockerfile;
use crate::report::json;

/// `slimfile -`: the rewritten file (or the input, unchanged) on stdout.
pub(super) fn run_stdin(settings: &Settings, opts: Options) -> i32 {
    let mut bytes = Vec::new();
    let limit = crate::read::MAX_FILE_BYTES;
    if let Err(e) = std::io::stdin().take(limit + 1).read_to_end(&mut bytes) {
        eprintln!("slimfile: <stdin>: cannot read: {e}");
        return 2;
    }
    if bytes.len() as u64 > limit {
        eprintln!("slimfile: <stdin>: over the {limit}-byte limit for a Dockerfile");
        return 2;
    }
    let ctx = Context::at(settings.context.as_deref().unwrap_or(Path::new(".")));
    let p = process_bytes(&bytes, "<stdin>", &ctx, opts.clone());
    let mut out = Output::new(std::io::stdout().lock());
    let report = p.report.clone();
    if settings.explain {
        let original = std::str::from_utf8(&bytes).ok();
        let text = crate::explain::explain(&report, p.planned.as_ref(), original, &opts.templates);
        out.put(text.as_bytes());
    } else if settings.format == Format::Json {
        out.put(format!("{}\n", json(std::slice::from_ref(&report))).as_bytes());
    } else {
        match &p.rewritten {
            Some(text) => out.put(text.as_bytes()),
            None => out.put(&bytes),
        }
    }
    if let Some(reason) = &report.reason {
        let at = reason.line.map(|l| format!(":{l}")).unwrap_or_default();
        eprintln!(
            "slimfile: <stdin>{at}: {}: {}",
            report.status.name(),
            reason.display()
        );
    }
    for w in &report.warnings {
        let at = w.line.map(|l| format!(":{l}")).unwrap_or_default();
        eprintln!("slimfile: <stdin>{at}: warning: {}", w.display());
    }
    out.finish(exit_code(&[report], settings.check))
}

/// `--dump-syntax`: the parser's reading of each file, of stdin (`-`) and of
/// the Dockerfiles in folders (walked as in every mode).
pub(super) fn run_dump_syntax(settings: &Settings) -> i32 {
    let paths = &settings.paths;
    if paths.is_empty() {
        eprintln!("slimfile: --dump-syntax needs at least one PATH");
        return 2;
    }
    let Some(filters) = filters_of(settings) else {
        return 2;
    };
    // `-` stays where it was named; folders give their Dockerfiles.
    let mut files: Vec<PathBuf> = Vec::new();
    let mut code = 0;
    for path in paths {
        if path.is_dir() {
            let found: Vec<PathBuf> = discover(std::slice::from_ref(path), &filters)
                .into_iter()
                .filter_map(|f| match f {
                    Found::File { path, .. } => Some(path),
                    Found::Skipped { .. } => None,
                })
                .collect();
            if found.is_empty() {
                eprintln!(
                    "slimfile: {}: error: no Dockerfiles found in this directory",
                    path.display()
                );
                code = 2;
            }
            files.extend(found);
        } else {
            files.push(path.clone());
        }
    }
    let mut out = Output::new(std::io::stdout().lock());
    for path in &files {
        let read = if path == Path::new("-") {
            let mut bytes = Vec::new();
            std::io::stdin()
                .take(crate::read::MAX_FILE_BYTES + 1)
                .read_to_end(&mut bytes)
                .map_err(crate::read::ReadError::from)
                .and_then(|_| {
                    crate::parse::Dockerfile::parse_bytes(&bytes)
                        .map_err(crate::read::ReadError::from)
                })
        } else {
            read_dockerfile(path)
        };
        let file = match read {
            Ok(file) => file,
            Err(e) => {
                let at = e.line().map(|l| format!(":{l}")).unwrap_or_default();
                eprintln!("slimfile: {}{at}: error: {e}", path.display());
                code = 2;
                continue;
            }
        };
        if files.len() > 1 {
            let header = serde_json::json!({ "file": path.display().to_string() });
            out.put(format!("{header}\n").as_bytes());
        }
        out.put(dump_syntax(&file).as_bytes());
        for p in file.problems() {
            eprintln!(
                "slimfile: {}:{}: error: {}",
                path.display(),
                p.line,
                p.message
            );
            code = 2;
        }
        for p in file.version_dependent() {
            eprintln!(
                "slimfile: {}:{}: warning: BuildKit versions differ here: {}",
                path.display(),
                p.line,
                p.message
            );
        }
        for p in file.build_problems() {
            eprintln!(
                "slimfile: {}:{}: warning: docker build would reject this: {}",
                path.display(),
                p.line,
                p.message
            );
        }
    }
    out.finish(code)
}
