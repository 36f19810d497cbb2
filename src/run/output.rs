//! What a run prints: the report at the end (JSON, or the reasons, the
//! warnings and the summary), whether diffs are coloured, and standard
//! output as the report goes to it.

use std::io::{IsTerminal, Write};

use super::{Color, Format, Settings};
use crate::report::{json, FileReport, Status, Summary};

/// Runs over at most this many files list each file's reason and warnings.
const PER_FILE_DETAIL: usize = 20;

/// The report at the end of a run: JSON on stdout, or the reasons, the
/// warnings and the summary on stderr.
pub(super) fn print_report<W: Write>(
    settings: &Settings,
    reports: &[FileReport],
    out: &mut Output<W>,
) {
    // Errors always print, whatever --quiet and --format say.
    for r in reports.iter().filter(|r| r.status == Status::Error) {
        if let Some(reason) = &r.reason {
            let at = reason.line.map(|l| format!(":{l}")).unwrap_or_default();
            eprintln!("slimfile: {}{at}: error: {}", r.path, reason.display());
        }
    }
    if settings.format == Format::Json {
        out.put(format!("{}\n", json(reports)).as_bytes());
        return;
    }
    if settings.quiet {
        return;
    }
    let summary = Summary::of(reports);
    // Every refused file is named, however many there are; in a bulk run the
    // unchanged and skipped ones are grouped in the summary and warnings are
    // counted (their lines are in --format json and --explain).
    let few = reports.len() <= PER_FILE_DETAIL;
    for r in reports {
        let named = match r.status {
            Status::Refused => true,
            Status::Unchanged | Status::Skipped => few,
            // `--check` names each file it would rewrite, as `prettier --check` does.
            Status::WouldRewrite => settings.check,
            Status::Rewritten | Status::Error => false,
        };
        if !named {
            continue;
        }
        match &r.reason {
            Some(reason) => {
                let at = reason.line.map(|l| format!(":{l}")).unwrap_or_default();
                eprintln!(
                    "slimfile: {}{at}: {}: {}",
                    r.path,
                    r.status.words(1),
                    reason.display()
                );
            }
            None => eprintln!("slimfile: {}: {}", r.path, r.status.words(1)),
        }
    }
    if few {
        // A file that ended in an error was not rewritten: its plan's warnings
        // do not apply.
        for r in reports.iter().filter(|r| r.status != Status::Error) {
            for w in &r.warnings {
                let at = w.line.map(|l| format!(":{l}")).unwrap_or_default();
                eprintln!("slimfile: {}{at}: warning: {}", r.path, w.display());
            }
        }
    } else {
        let warned = reports.iter().filter(|r| !r.warnings.is_empty()).count();
        if warned > 0 {
            eprintln!("slimfile: {warned} files have warnings (see --format json or --explain)");
        }
    }
    eprint!("{}", summary.text());
}

/// Whether the diff is coloured: `--color` wins; then `NO_COLOR` (set and
/// not empty) turns colour off; then `CLICOLOR_FORCE` (set and not `0`)
/// forces it; otherwise only on a terminal whose `TERM` is not `dumb`.
pub(super) fn use_color(asked: Color) -> bool {
    let set = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    match asked {
        Color::Always => true,
        Color::Never => false,
        Color::Auto if set("NO_COLOR").is_some() => false,
        Color::Auto if set("CLICOLOR_FORCE").is_some_and(|v| v != "0") => true,
        Color::Auto => {
            std::io::stdout().is_terminal() && std::env::var_os("TERM").is_none_or(|t| t != "dumb")
        }
    }
}

/// Standard output as the report goes to it: a closed pipe (`| head -1`)
/// ends the printing quietly; any other failure (a full disk) is kept, said
/// once at the end, and fails the run.
pub(super) struct Output<W: Write> {
    inner: W,
    closed: bool,
    failed: Option<std::io::Error>,
}

impl<W: Write> Output<W> {
    pub(super) fn new(inner: W) -> Output<W> {
        Output {
            inner,
            closed: false,
            failed: None,
        }
    }

    pub(super) fn put(&mut self, bytes: &[u8]) {
        if self.closed || self.failed.is_some() {
            return;
        }
        if let Err(e) = self.inner.write_all(bytes) {
            self.fail(e);
        }
    }

    pub(super) fn fail(&mut self, e: std::io::Error) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            self.closed = true;
        } else {
            self.failed = Some(e);
        }
    }

    /// Flushes, and turns a failure into the run's exit code (2, said).
    pub(super) fn finish(mut self, code: i32) -> i32 {
        if !self.closed && self.failed.is_none() {
            if let Err(e) = self.inner.flush() {
                self.fail(e);
            }
        }
        match self.failed {
            Some(e) => {
                eprintln!("slimfile: cannot write to standard output: {e}");
                2
            }
            None => code,
        }
    }
}
