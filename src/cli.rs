//! The command line's flags, as clap reads them, and their translation into
//! the library's clap-free [`Settings`]; the binary parses and calls
//! [`crate::run::run`].

use std::path::PathBuf;

use clap::{Parser, ValueEnum};

use crate::plan::Flavor;
use crate::run::{Color, Format, Settings};

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
  slimfile --verify --engine buildah examples/node-classic/Dockerfile
      Build the original and the rewrite, and compare the images.
  slimfile --dump-syntax Dockerfile
      Print how slimfile reads each instruction (a debugging aid).

Limits: files over 16 MiB are refused; input must be UTF-8.
Exit codes: 0 success; 1 with --check when a file would be rewritten, or
with --verify when a verification did not pass; 130 after Ctrl-C;
2 when a file could not be read or parsed, or a flag is bad.";

/// `--color`'s values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorArg {
    Auto,
    Always,
    Never,
}

/// `--format`'s values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
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

    /// Change nothing and print no diff: name each file that would be
    /// rewritten; exit 1 if any would (for CI).
    #[arg(long, conflicts_with_all = ["explain", "dump_syntax"])]
    pub check: bool,

    /// Print the detection evidence and the plan for each file, in words.
    #[arg(long, conflicts_with = "dump_syntax")]
    pub explain: bool,

    /// Report format: diffs and a summary, or one JSON document on stdout.
    #[arg(long, value_enum, default_value_t = FormatArg::Text)]
    pub format: FormatArg,

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

    /// Colour the diff: auto (not with NO_COLOR set; always with
    /// CLICOLOR_FORCE set and not 0; else on a terminal not TERM=dumb),
    /// always, never.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,

    /// No diffs and no summary on a terminal (never suppresses --format json).
    #[arg(long, short)]
    pub quiet: bool,

    /// In walked directories, only files whose path (relative to the folder
    /// walked, e.g. `services/*/Dockerfile`) or name (`*.prod`) matches this
    /// glob (repeatable).
    #[arg(long, value_name = "GLOB")]
    pub include: Vec<String>,

    /// In walked directories, leave out files whose path (relative to the
    /// folder walked) or name matches this glob, and everything in a folder
    /// it names (`--exclude legacy`, `--exclude 'services/old*'`); repeatable.
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,

    /// Files processed at once, 1 to 256 (default: one per CPU). Output is in
    /// path order whatever the number.
    #[arg(long, short, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
    pub jobs: Option<u16>,

    /// Build the original and the rewrite with a container engine, one after
    /// the other, and compare sizes and image configurations; with --write,
    /// only a file that passes is written. The one mode that runs anything.
    #[arg(long, conflicts_with_all = ["explain", "dump_syntax", "check"])]
    pub verify: bool,

    /// The container engine for --verify (default: the first of docker,
    /// podman, buildah on PATH).
    #[arg(long, value_name = "ENGINE", requires = "verify", value_parser = clap::builder::PossibleValuesParser::new(crate::verify::engine::NAMES))]
    pub engine: Option<String>,

    /// A build argument (KEY=VALUE) passed to both builds of --verify
    /// (repeatable).
    #[arg(long, value_name = "KEY=VALUE", requires = "verify")]
    pub build_arg: Vec<String>,

    /// A build secret (id=…,src=…) passed to both builds of --verify
    /// (repeatable).
    #[arg(long, value_name = "SPEC", requires = "verify")]
    pub secret: Vec<String>,

    /// The longest one build (or one run of --verify-run) of --verify may
    /// take, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 1800, requires = "verify", value_parser = clap::value_parser!(u64).range(1..))]
    pub verify_timeout: u64,

    /// After the builds pass, run a container from each image, one after
    /// the other, for this many seconds, and compare how they ran: both
    /// still running (and answering alike on --verify-port) passes.
    #[arg(long, value_name = "SECONDS", requires = "verify", value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub verify_run: Option<u64>,

    /// The port --verify-run probes over HTTP (GET /) at the end of each
    /// run (default: the first EXPOSE).
    #[arg(long, value_name = "PORT", requires = "verify_run", value_parser = clap::value_parser!(u16).range(1..))]
    pub verify_port: Option<u16>,

    /// Keep the images --verify builds (they are removed by default) and
    /// print their names; the containers of --verify-run are removed
    /// whatever this says.
    #[arg(long, requires = "verify")]
    pub keep_images: bool,

    /// Stream the container engine's output while --verify builds.
    #[arg(long, short, requires = "verify")]
    pub verbose: bool,

    /// Debugging aid for maintainers and bug reports: print the parser's
    /// reading of each PATH, one JSON object per instruction (keyword, first
    /// and last line, exec or shell form, flags, heredoc count, byte range),
    /// and change nothing.
    #[arg(long)]
    pub dump_syntax: bool,
}

impl From<Cli> for Settings {
    fn from(cli: Cli) -> Settings {
        Settings {
            paths: cli.paths,
            write: cli.write,
            check: cli.check,
            explain: cli.explain,
            format: match cli.format {
                FormatArg::Text => Format::Text,
                FormatArg::Json => Format::Json,
            },
            lang: cli.lang,
            flavor: cli.flavor,
            config: cli.config,
            context: cli.context,
            color: match cli.color {
                ColorArg::Auto => Color::Auto,
                ColorArg::Always => Color::Always,
                ColorArg::Never => Color::Never,
            },
            quiet: cli.quiet,
            include: cli.include,
            exclude: cli.exclude,
            jobs: cli.jobs.map(usize::from),
            dump_syntax: cli.dump_syntax,
            verify: cli.verify.then(|| crate::verify::VerifyOptions {
                engine: cli.engine,
                build_args: cli.build_arg,
                secrets: cli.secret,
                timeout: std::time::Duration::from_secs(cli.verify_timeout),
                keep_images: cli.keep_images,
                verbose: cli.verbose,
                run_seconds: cli.verify_run,
                port: cli.verify_port,
            }),
        }
    }
}
