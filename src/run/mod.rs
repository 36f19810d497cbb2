//! A run over the given paths, clap-free: the modes (dry run, `--write`,
//! `--check`, `--explain`, stdin), what each prints, the summary and the
//! exit code. The command line (`crate::cli`) only fills [`Settings`].

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use crate::codes::{Code, Reason};
use crate::context::Context;
use crate::discover::{discover, Filters, Found};
use crate::plan::Flavor;
use crate::process::{process_path, Options};
use crate::report::{FileReport, Status};

mod modes;
mod output;
mod verifying;
use modes::{run_dump_syntax, run_stdin};
use output::{print_report, use_color, Output};
use verifying::{Pending, Verifier};

/// When to colour the diff.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Color {
    /// On a terminal, unless `NO_COLOR` is set.
    Auto,
    Always,
    Never,
}

/// The report format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Diffs and a summary.
    Text,
    /// One JSON document on stdout.
    Json,
}

/// What a run is asked to do (the command line's flags; see `slimfile --help`).
#[derive(Debug, Clone)]
pub struct Settings {
    /// Dockerfiles or directories; `-` for stdin.
    pub paths: Vec<PathBuf>,
    /// Apply each rewrite in place.
    pub write: bool,
    /// Change nothing; exit 1 if any file would be rewritten.
    pub check: bool,
    /// Print the detection evidence and the plan for each file.
    pub explain: bool,
    pub format: Format,
    /// A language id to use instead of detecting one.
    pub lang: Option<String>,
    pub flavor: Option<Flavor>,
    /// A `slimfile.toml`.
    pub config: Option<PathBuf>,
    /// The build context, for a single Dockerfile.
    pub context: Option<PathBuf>,
    pub color: Color,
    /// No diffs and no summary.
    pub quiet: bool,
    /// Globs that walked files must match, or must not.
    pub include: Vec<String>,
    pub exclude: Vec<String>,
    /// Files processed at once.
    pub jobs: Option<usize>,
    /// Print the parser's reading of each path instead.
    pub dump_syntax: bool,
    /// Build both files and compare the images (`--verify`).
    pub verify: Option<crate::verify::VerifyOptions>,
}

/// Runs the command line and returns the process exit code.
pub fn run(settings: Settings) -> i32 {
    if settings.dump_syntax {
        return run_dump_syntax(&settings);
    }
    if settings.paths.is_empty() {
        eprintln!("slimfile: no PATH given: name Dockerfiles or directories, or `-` for stdin (see --help)");
        return 2;
    }
    let mut settings = settings;
    if let Some(c) = settings.context.as_ref().filter(|c| !c.is_dir()) {
        eprintln!(
            "slimfile: --context {}: not a directory (give the folder the image is built from)",
            c.display()
        );
        return 2;
    }
    let opts = match options(&mut settings) {
        Ok(opts) => opts,
        Err(e) => {
            eprintln!("slimfile: {e}");
            return 2;
        }
    };
    if settings.paths.len() == 1 && settings.paths[0] == Path::new("-") {
        if settings.verify.is_some() {
            eprintln!(
                "slimfile: --verify needs a Dockerfile on disk and its build context, not stdin"
            );
            return 2;
        }
        if settings.write {
            eprintln!("slimfile: --write needs a file to write; with `-` the rewritten file goes to stdout");
            return 2;
        }
        return run_stdin(&settings, opts);
    }
    if settings.paths.iter().any(|p| p == Path::new("-")) {
        eprintln!("slimfile: `-` (stdin) cannot be combined with other paths");
        return 2;
    }
    let Some(filters) = filters_of(&settings) else {
        return 2;
    };
    let found = discover(&settings.paths, &filters);
    for dir in settings.paths.iter().filter(|p| p.is_dir()) {
        let any = found.iter().any(|f| match f {
            Found::File { path, .. } | Found::Skipped { path, .. } => path.starts_with(dir),
        });
        if !any {
            // Say what was looked at, and what hid the files there are.
            let (hidden, excluded) = crate::discover::left_out(dir, &filters);
            let mut why = Vec::new();
            if hidden > 0 {
                why.push(format!(
                    "{hidden} ignored by .gitignore or in a hidden or skipped folder"
                ));
            }
            if excluded > 0 {
                why.push(format!("{excluded} left out by --include/--exclude"));
            }
            let why = if why.is_empty() {
                String::new()
            } else {
                format!(" ({})", why.join(", "))
            };
            eprintln!(
                "slimfile: {}: no Dockerfiles found in this directory{why}",
                dir.display()
            );
        }
    }
    let files = found
        .iter()
        .filter(|f| matches!(f, Found::File { .. }))
        .count();
    if settings.context.is_some() && files > 1 {
        eprintln!(
            "slimfile: --context applies to a single Dockerfile, and {files} were given or found"
        );
        return 2;
    }
    let color = use_color(settings.color);
    let jobs = settings
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let pool = match rayon::ThreadPoolBuilder::new()
        .num_threads(jobs.max(1))
        .build()
    {
        Ok(pool) => pool,
        Err(e) => {
            eprintln!("slimfile: cannot start {jobs} threads: {e}");
            return 2;
        }
    };
    let mut verifier = match &settings.verify {
        Some(opts) => match Verifier::new(opts, &settings) {
            Ok(v) => Some(v),
            Err(e) => {
                eprintln!("slimfile: error: {e}");
                return 2;
            }
        },
        None => None,
    };
    let progress = progress_bar(&settings, found.len());
    let mut out = Output::new(std::io::stdout().lock());
    let mut reports = Vec::with_capacity(found.len());
    // Files are processed in parallel a chunk at a time and printed in path
    // order; only one chunk's texts are held at once, so memory stays flat.
    for chunk in found.chunks(CHUNK) {
        let done: Vec<Done> = pool.install(|| {
            use rayon::prelude::*;
            chunk
                .par_iter()
                .map(|f| handle(&settings, f, &opts, color))
                .collect()
        });
        for mut d in done {
            if let Some(text) = d.print {
                out.put(text.as_bytes());
            }
            if let (Some(pending), Some(verifier)) = (d.pending.take(), verifier.as_mut()) {
                verifier.verify(&settings, pending, &mut d.report);
                if crate::verify::watch::interrupted() {
                    verifier.spinner.finish_and_clear();
                    eprintln!("slimfile: stopped by Ctrl-C; the images of this run were removed");
                    return 130;
                }
            }
            progress.inc(1);
            reports.push(d.report);
        }
    }
    progress.finish_and_clear();
    if let Some(v) = &verifier {
        v.spinner.finish_and_clear();
    }
    print_report(&settings, &reports, &mut out);
    out.finish(exit_code(&reports, settings.check))
}

/// The run's options: the command line over the config file's defaults,
/// and the templates with the file's overrides.
fn options(settings: &mut Settings) -> Result<Options, crate::config::ConfigError> {
    let mut default_flavor = None;
    let mut templates = crate::lang::Registry::builtin();
    if let Some(path) = &settings.config {
        let config = crate::config::load(path)?;
        default_flavor = config.flavor;
        settings.include.extend(config.include);
        settings.exclude.extend(config.exclude);
        templates = config.registry;
    }
    Ok(Options {
        lang: settings.lang.clone(),
        flavor: settings.flavor.or(default_flavor),
        templates,
    })
}

/// How many files are processed between two prints: the bound on the texts
/// held at once.
const CHUNK: usize = 256;

/// Runs over this many files show a progress bar on a terminal.
const PROGRESS_FROM: usize = 300;

/// One file's outcome: its report, what to print on stdout, and under
/// `--verify` the rewrite still to verify (and write).
struct Done {
    report: FileReport,
    print: Option<String>,
    pending: Option<Pending>,
}

fn progress_bar(settings: &Settings, files: usize) -> indicatif::ProgressBar {
    // Diffs scrolling past on the same terminal say how far the run is; the
    // bar is for runs that print nothing until the summary.
    let diffs_on_terminal = !settings.write && std::io::stdout().is_terminal();
    let shown = files >= PROGRESS_FROM
        && settings.format == Format::Text
        && !settings.quiet
        && !diffs_on_terminal
        && std::io::stderr().is_terminal();
    if !shown {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(files as u64);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{bar:40} {pos}/{len} files ({per_sec}, {eta} left)",
    ) {
        bar.set_style(style);
    }
    bar
}

/// Processes one discovered file: reads, plans, and writes, diffs or
/// explains it.
fn handle(settings: &Settings, found: &Found, opts: &Options, color: bool) -> Done {
    let (path, root) = match found {
        Found::Skipped { path, reason } => {
            return Done {
                report: FileReport::bare(
                    &path.display().to_string(),
                    Status::Skipped,
                    Some(reason.clone()),
                ),
                print: None,
                pending: None,
            }
        }
        Found::File { path, root } => (path, root),
    };
    let display = path.display().to_string();
    let ctx = match &settings.context {
        Some(c) => Context::at(c),
        None => Context::at(
            path.parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new(".")),
        ),
    };
    let mut p = process_path(path, &display, &ctx, opts.clone());
    if settings.explain {
        let original = p
            .original
            .as_deref()
            .and_then(|b| std::str::from_utf8(b).ok());
        if settings.format == Format::Json {
            p.report.explanation = Some(crate::explain::explanation(p.planned.as_ref(), original));
            return Done {
                report: p.report,
                print: None,
                pending: None,
            };
        }
        let text =
            crate::explain::explain(&p.report, p.planned.as_ref(), original, &opts.templates);
        let print = Some(text);
        return Done {
            report: p.report,
            print,
            pending: None,
        };
    }
    let (Some(new), Some(original)) = (&p.rewritten, &p.original) else {
        return Done {
            report: p.report,
            print: None,
            pending: None,
        };
    };
    let pending = match (&settings.verify, p.planned.as_ref().map(|pl| &pl.decision)) {
        (Some(_), Some(crate::plan::Decision::Rewrite(plan))) => Some(Pending {
            path: path.clone(),
            root: root.clone(),
            context: ctx.dir().unwrap_or(Path::new(".")).to_path_buf(),
            original: original.clone(),
            rewritten: new.clone(),
            plan: plan.clone(),
        }),
        _ => None,
    };
    if settings.write && pending.is_some() {
        // Written once verified, or not at all.
        return Done {
            report: p.report,
            print: None,
            pending,
        };
    }
    if settings.write {
        match crate::write::write_atomic(path, original, new, root) {
            Ok(()) => p.report.status = Status::Rewritten,
            // The user asked for a write that did not happen: an error.
            Err(e) => {
                p.report.status = Status::Error;
                p.report.reason = Some(Reason::file(Code::WriteFailed, e.to_string()));
            }
        }
        return Done {
            report: p.report,
            print: None,
            pending: None,
        };
    }
    let print =
        (settings.format == Format::Text && !settings.quiet && !settings.check).then(|| {
            let old = String::from_utf8_lossy(original);
            crate::diff::unified(&p.report.path, &old, new, p.tail_start, color)
        });
    Done {
        report: p.report,
        print,
        pending,
    }
}

fn exit_code(reports: &[FileReport], check: bool) -> i32 {
    let not_passed = |r: &FileReport| {
        r.verification
            .as_ref()
            .is_some_and(|v| v.outcome != crate::verify::Outcome::Passed)
    };
    if reports.iter().any(|r| r.status == Status::Error) {
        2
    } else if reports.iter().any(not_passed)
        || (check && reports.iter().any(|r| r.status == Status::WouldRewrite))
    {
        1
    } else {
        0
    }
}

/// The `--include`/`--exclude` globs, or `None` after saying which is bad.
fn filters_of(settings: &Settings) -> Option<Filters> {
    Filters::new(&settings.include, &settings.exclude)
        .map_err(|e| eprintln!("slimfile: bad --include/--exclude glob: {e}"))
        .ok()
}
