//! The command line: flags, modes, and what each prints. The binary is a thin
//! wrapper around [`run`].

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

use clap::{Parser, ValueEnum};

use crate::codes::Code;
use crate::codes::Reason;
use crate::context::Context;
use crate::discover::{discover, Filters, Found};
use crate::dump::dump_syntax;
use crate::plan::Flavor;
use crate::process::Options;
use crate::process::{process_bytes, process_path};
use crate::read::read_dockerfile;
use crate::report::{json, FileReport, Status, Summary};

const EXAMPLES: &str = "\
Examples:
  slimfile examples/node-classic/Dockerfile
      Show the rewrite as a diff; change nothing.
  slimfile --write examples/node-classic/Dockerfile
      Apply it in place.
  slimfile --check .
      Exit 1 if any Dockerfile under . would be rewritten (for CI).
  slimfile --explain examples/node-classic/Dockerfile
      Say what was detected and why the plan is what it is.
  slimfile - < Dockerfile > Dockerfile.new
      Read stdin, write the rewritten file to stdout.
  slimfile --format json services/ > report.json
      One JSON report for tools and bulk runs.
  slimfile --config slimfile.toml --write services/
      With a team's defaults and template overrides.
  slimfile --dump-syntax Dockerfile
      Print how slimfile reads each instruction (a debugging aid).

Limits: files over 16 MiB are refused; input must be UTF-8.
Exit codes: 0 success; 1 with --check when a file would be rewritten;
2 when a file could not be read or parsed, or a flag is bad.";

/// When to colour the diff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

/// The report format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

/// `--flavor`'s values: the library's `Flavor` carries no clap derive.
fn flavor_parser() -> impl clap::builder::TypedValueParser<Value = Flavor> {
    use clap::builder::TypedValueParser as _;
    clap::builder::PossibleValuesParser::new(Flavor::ALL.map(Flavor::name))
        .map(|name| Flavor::from_name(&name).expect("a possible value is a flavour"))
}

/// Rewrites single-stage Dockerfiles into lean multi-stage builds.
///
/// By default a dry run: the rewrite of each Dockerfile is shown as a unified
/// diff and nothing is changed.
#[derive(Debug, Parser)]
#[command(name = "slimfile", version, about, long_about, after_help = EXAMPLES)]
pub struct Cli {
    /// Dockerfiles, or directories to search for them; `-` reads stdin and
    /// writes the rewritten file to stdout.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Apply each rewrite in place (atomically, keeping permissions and owner).
    #[arg(long, conflicts_with_all = ["check", "explain", "dump_syntax"])]
    pub write: bool,

    /// Change nothing; exit 1 if any file would be rewritten (for CI).
    #[arg(long, conflicts_with_all = ["explain", "dump_syntax"])]
    pub check: bool,

    /// Print the detection evidence and the plan for each file, in words.
    #[arg(long, conflicts_with = "dump_syntax")]
    pub explain: bool,

    /// Report format: diffs and a summary, or one JSON document on stdout.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,

    /// Use this language's template instead of detecting it.
    #[arg(long, value_name = "LANG", value_parser = clap::builder::PossibleValuesParser::new(crate::lang::ids()))]
    pub lang: Option<String>,

    /// The final stage's base: slim (glibc), alpine (musl), distroless or
    /// scratch. Default: alpine for an alpine builder, slim otherwise.
    #[arg(long, value_name = "FLAVOR", value_parser = flavor_parser())]
    pub flavor: Option<Flavor>,

    /// A slimfile.toml with defaults (flavor, include, exclude) and template
    /// overrides ([templates.node], [templates.node.rules]); see the README.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// The build context used for detection (default: each Dockerfile's own
    /// folder; the current folder for stdin). Only with a single Dockerfile.
    #[arg(long, value_name = "DIR")]
    pub context: Option<PathBuf>,

    /// Colour the diff: auto (on a terminal, unless NO_COLOR is set), always, never.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,

    /// No diffs and no summary on a terminal (never suppresses --format json).
    #[arg(long, short)]
    pub quiet: bool,

    /// In walked directories, only files whose path or name matches this glob
    /// (repeatable).
    #[arg(long, value_name = "GLOB")]
    pub include: Vec<String>,

    /// In walked directories, leave out files whose path or name matches this
    /// glob (repeatable), e.g. `--exclude 'legacy/**'`.
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,

    /// Files processed at once (default: one per CPU). Output is in path
    /// order whatever the number.
    #[arg(long, short, value_name = "N")]
    pub jobs: Option<usize>,

    /// Debugging aid for maintainers and bug reports: print the parser's
    /// reading of each PATH, one JSON object per instruction (keyword, first
    /// and last line, exec or shell form, flags, heredoc count, byte range),
    /// and change nothing.
    #[arg(long)]
    pub dump_syntax: bool,
}

/// Runs the command line and returns the process exit code.
pub fn run(cli: Cli) -> i32 {
    if cli.dump_syntax {
        return run_dump_syntax(&cli.paths);
    }
    if cli.paths.is_empty() {
        eprintln!("slimfile: no PATH given: name Dockerfiles or directories, or `-` for stdin (see --help)");
        return 2;
    }
    let mut cli = cli;
    let opts = match options(&mut cli) {
        Ok(opts) => opts,
        Err(e) => {
            eprintln!("slimfile: {e}");
            return 2;
        }
    };
    if cli.paths.len() == 1 && cli.paths[0] == Path::new("-") {
        if cli.write {
            eprintln!("slimfile: --write needs a file to write; with `-` the rewritten file goes to stdout");
            return 2;
        }
        return run_stdin(&cli, opts);
    }
    if cli.paths.iter().any(|p| p == Path::new("-")) {
        eprintln!("slimfile: `-` (stdin) cannot be combined with other paths");
        return 2;
    }
    let filters = match Filters::new(&cli.include, &cli.exclude) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("slimfile: bad --include/--exclude glob: {e}");
            return 2;
        }
    };
    let found = discover(&cli.paths, &filters);
    for dir in cli.paths.iter().filter(|p| p.is_dir()) {
        let any = found.iter().any(|f| match f {
            Found::File { path, .. } | Found::Skipped { path, .. } => path.starts_with(dir),
        });
        if !any {
            eprintln!(
                "slimfile: {}: no Dockerfiles found in this directory",
                dir.display()
            );
        }
    }
    let files = found
        .iter()
        .filter(|f| matches!(f, Found::File { .. }))
        .count();
    if cli.context.is_some() && files > 1 {
        eprintln!(
            "slimfile: --context applies to a single Dockerfile, and {files} were given or found"
        );
        return 2;
    }
    let color = match cli.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    let jobs = cli
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
    let progress = progress_bar(&cli, found.len());
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut reports = Vec::with_capacity(found.len());
    // Files are processed in parallel a chunk at a time and printed in path
    // order; only one chunk's texts are held at once, so memory stays flat.
    for chunk in found.chunks(CHUNK) {
        let done: Vec<Done> = pool.install(|| {
            use rayon::prelude::*;
            chunk
                .par_iter()
                .map(|f| handle(&cli, f, &opts, color))
                .collect()
        });
        for d in done {
            if let Some(text) = d.print {
                let _ = out.write_all(text.as_bytes());
            }
            progress.inc(1);
            reports.push(d.report);
        }
    }
    progress.finish_and_clear();
    print_report(&cli, &reports, &mut out);
    exit_code(&reports, cli.check)
}

/// The run's options: the command line over the config file's defaults,
/// and the templates with the file's overrides.
fn options(cli: &mut Cli) -> Result<Options, crate::config::ConfigError> {
    let mut default_flavor = None;
    let mut templates = crate::lang::Registry::builtin();
    if let Some(path) = &cli.config {
        let config = crate::config::load(path)?;
        default_flavor = config.flavor;
        cli.include.extend(config.include);
        cli.exclude.extend(config.exclude);
        templates = config.registry;
    }
    Ok(Options {
        lang: cli.lang.clone(),
        flavor: cli.flavor.or(default_flavor),
        templates,
    })
}

/// The report at the end of a run: JSON on stdout, or the reasons, the
/// warnings and the summary on stderr.
fn print_report(cli: &Cli, reports: &[FileReport], out: &mut impl Write) {
    if cli.format == Format::Json {
        let _ = writeln!(out, "{}", json(reports));
    } else if !cli.quiet {
        let summary = Summary::of(reports);
        // Failures are always listed; in a bulk run the other statuses are
        // grouped in the summary and warnings are left to --format json.
        let few = reports.len() <= PER_FILE_DETAIL;
        for r in reports {
            let Some(reason) = &r.reason else { continue };
            let at = reason.line.map(|l| format!(":{l}")).unwrap_or_default();
            if r.status == Status::Error || (few && r.status != Status::Rewritten) {
                eprintln!(
                    "slimfile: {}{at}: {}: {}",
                    r.path,
                    r.status.name(),
                    reason.display()
                );
            }
        }
        if few {
            for r in reports {
                for w in &r.warnings {
                    let at = w.line.map(|l| format!(":{l}")).unwrap_or_default();
                    eprintln!("slimfile: {}{at}: warning: {}", r.path, w.display());
                }
            }
        } else {
            let warned = reports.iter().filter(|r| !r.warnings.is_empty()).count();
            if warned > 0 {
                eprintln!(
                    "slimfile: {warned} files have warnings (see --format json or --explain)"
                );
            }
        }
        eprint!("{}", summary.text());
    }
}

/// How many files are processed between two prints: the bound on the texts
/// held at once.
const CHUNK: usize = 256;

/// Runs over at most this many files list each file's reason and warnings.
const PER_FILE_DETAIL: usize = 20;

/// Runs over this many files show a progress bar on a terminal.
const PROGRESS_FROM: usize = 300;

/// One file's outcome: its report and what to print on stdout.
struct Done {
    report: FileReport,
    print: Option<String>,
}

fn progress_bar(cli: &Cli, files: usize) -> indicatif::ProgressBar {
    // Diffs scrolling past on the same terminal say how far the run is; the
    // bar is for runs that print nothing until the summary.
    let diffs_on_terminal = !cli.write && std::io::stdout().is_terminal();
    let shown = files >= PROGRESS_FROM
        && cli.format == Format::Text
        && !cli.quiet
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
fn handle(cli: &Cli, found: &Found, opts: &Options, color: bool) -> Done {
    let (path, root) = match found {
        Found::Skipped { path, reason } => {
            return Done {
                report: FileReport::bare(
                    &path.display().to_string(),
                    Status::Skipped,
                    Some(reason.clone()),
                ),
                print: None,
            }
        }
        Found::File { path, root } => (path, root),
    };
    let display = path.display().to_string();
    let ctx = match &cli.context {
        Some(c) => Context::at(c),
        None => Context::at(
            path.parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new(".")),
        ),
    };
    let mut p = process_path(path, &display, &ctx, opts.clone());
    if cli.explain {
        let original = p
            .original
            .as_deref()
            .and_then(|b| std::str::from_utf8(b).ok());
        let text =
            crate::explain::explain(&p.report, p.planned.as_ref(), original, &opts.templates);
        let print = (cli.format == Format::Text).then_some(text);
        return Done {
            report: p.report,
            print,
        };
    }
    let (Some(new), Some(original)) = (&p.rewritten, &p.original) else {
        return Done {
            report: p.report,
            print: None,
        };
    };
    if cli.write {
        match crate::write::write_atomic(path, original, new, root) {
            Ok(()) => p.report.status = Status::Rewritten,
            Err(e) => {
                p.report.status = Status::Refused;
                p.report.reason = Some(Reason::file(Code::WriteFailed, e.to_string()));
            }
        }
        return Done {
            report: p.report,
            print: None,
        };
    }
    let print = (cli.format == Format::Text && !cli.quiet).then(|| {
        let old = String::from_utf8_lossy(original);
        crate::diff::unified(&p.report.path, &old, new, p.tail_start, color)
    });
    Done {
        report: p.report,
        print,
    }
}

fn exit_code(reports: &[FileReport], check: bool) -> i32 {
    if reports.iter().any(|r| r.status == Status::Error) {
        2
    } else if check && reports.iter().any(|r| r.status == Status::WouldRewrite) {
        1
    } else {
        0
    }
}

/// `slimfile -`: the rewritten file (or the input, unchanged) on stdout.
fn run_stdin(cli: &Cli, opts: Options) -> i32 {
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
    let ctx = Context::at(cli.context.as_deref().unwrap_or(Path::new(".")));
    let p = process_bytes(&bytes, "<stdin>", &ctx, opts.clone());
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let report = p.report.clone();
    if cli.explain {
        let original = std::str::from_utf8(&bytes).ok();
        let _ = write!(
            out,
            "{}",
            crate::explain::explain(&report, p.planned.as_ref(), original, &opts.templates)
        );
    } else if cli.format == Format::Json {
        let _ = writeln!(out, "{}", json(std::slice::from_ref(&report)));
    } else {
        let _ = match &p.rewritten {
            Some(text) => out.write_all(text.as_bytes()),
            None => out.write_all(&bytes),
        };
    }
    let _ = out.flush();
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
    exit_code(&[report], cli.check)
}

fn run_dump_syntax(paths: &[PathBuf]) -> i32 {
    if paths.is_empty() {
        eprintln!("slimfile: --dump-syntax needs at least one PATH");
        return 2;
    }
    let mut code = 0;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for path in paths {
        let file = match read_dockerfile(path) {
            Ok(file) => file,
            Err(e) => {
                let at = e.line().map(|l| format!(":{l}")).unwrap_or_default();
                eprintln!("slimfile: {}{at}: {e}", path.display());
                code = 2;
                continue;
            }
        };
        if paths.len() > 1 {
            let header = serde_json::json!({ "file": path.display().to_string() });
            let _ = writeln!(out, "{header}");
        }
        if out.write_all(dump_syntax(&file).as_bytes()).is_err() {
            // Stdout closed (a pipe into `head`): nothing more to say.
            return code;
        }
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
    code
}
