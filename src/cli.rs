//! The command line: flags, and what each mode prints. The binary is a thin
//! wrapper around [`run`].

use std::io::Write;
use std::path::PathBuf;

use clap::Parser;

use crate::dump::dump_syntax;
use crate::read::{read_dockerfile, MAX_FILE_BYTES};

const EXAMPLES: &str = "\
Examples:
  slimfile --dump-syntax examples/node-classic/Dockerfile
      Print how slimfile reads each instruction (a debugging aid).

Limits: files over 16 MiB are refused; input must be UTF-8.
Exit codes: 0 success; 2 a file could not be read or parsed, or a flag is bad.";

/// Rewrites single-stage Dockerfiles into lean multi-stage builds.
#[derive(Debug, Parser)]
#[command(name = "slimfile", version, about, after_help = EXAMPLES)]
pub struct Cli {
    /// Dockerfiles to read.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Debugging aid for maintainers and bug reports: print the parser's
    /// reading of each PATH, one JSON object per instruction (keyword, first
    /// and last line, exec or shell form, flags, heredoc count, byte range),
    /// and change nothing.
    #[arg(long)]
    pub dump_syntax: bool,
}

/// Runs the command line and returns the process exit code.
pub fn run(cli: Cli) -> i32 {
    debug_assert_eq!(MAX_FILE_BYTES, 16 * 1024 * 1024, "keep the help text true");
    if !cli.dump_syntax {
        eprintln!(
            "slimfile: this version can only read Dockerfiles: use --dump-syntax PATH \
             (rewriting comes in a later version)"
        );
        return 2;
    }
    if cli.paths.is_empty() {
        eprintln!("slimfile: --dump-syntax needs at least one PATH");
        return 2;
    }
    let mut code = 0;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for path in &cli.paths {
        let file = match read_dockerfile(path) {
            Ok(file) => file,
            Err(e) => {
                eprintln!("slimfile: {e}");
                code = 2;
                continue;
            }
        };
        if cli.paths.len() > 1 {
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
