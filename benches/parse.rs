//! Parse throughput over a fixed set: the syntax cases, the parser fixtures
//! and the examples' Dockerfiles, each parsed as its own file.
//!
//! `cargo bench --bench parse` prints MB/s (10^6 bytes a second) and files a
//! second: the median of many timed rounds over the whole set, after a warm-up.
//! See benches/README.md for how to read and compare the figures.

use std::fs;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use slimfile::context::Context;
use slimfile::parse::{Dockerfile, Keyword};
use slimfile::process::process_bytes;
use slimfile::process::Options;
use slimfile::shell::{self, NoScripts, Scope};

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        if path.is_dir() {
            collect(&path, out);
        } else if name == "Dockerfile" || name.ends_with(".Dockerfile") {
            out.push(path);
        }
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Times `round` repeatedly for about `budget`, returning the median round.
fn measure(budget: Duration, mut round: impl FnMut()) -> (Duration, usize) {
    let warm = Instant::now();
    while warm.elapsed() < budget / 5 {
        round();
    }
    let mut times = Vec::new();
    let start = Instant::now();
    while start.elapsed() < budget || times.len() < 10 {
        let t = Instant::now();
        round();
        times.push(t.elapsed());
    }
    let n = times.len();
    (median(times), n)
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut paths = Vec::new();
    for dir in [
        "tests/fixtures/syntax-cases",
        "tests/fixtures/parser",
        "examples",
    ] {
        collect(&root.join(dir), &mut paths);
    }
    paths.sort();
    let texts: Vec<String> = paths
        .iter()
        .map(|p| fs::read_to_string(p).expect("fixtures are UTF-8"))
        .collect();
    let bytes: usize = texts.iter().map(String::len).sum();
    let files = texts.len();
    let budget = Duration::from_secs(3);

    println!("parse benchmark: {files} files, {bytes} bytes in all");
    let (t, rounds) = measure(budget, || {
        for text in &texts {
            black_box(Dockerfile::parse(black_box(text)));
        }
    });
    report("parse", t, rounds, bytes, files);

    let (t, rounds) = measure(budget, || {
        for text in &texts {
            let file = Dockerfile::parse(black_box(text));
            for i in file.instructions() {
                black_box((i.from_args(), i.key_values(), i.copy_args(), i.list_args()));
            }
            black_box(file.stages());
        }
    });
    report("parse + typed views + stages", t, rounds, bytes, files);

    // The shell reader over every RUN of the set (parsing not timed).
    let parsed: Vec<Dockerfile> = texts.iter().map(|t| Dockerfile::parse(t)).collect();
    let runs: Vec<(&Dockerfile, &slimfile::parse::Instruction)> = parsed
        .iter()
        .flat_map(|f| {
            f.instructions()
                .filter(|i| i.keyword == Keyword::Run)
                .map(move |i| (f, i))
        })
        .collect();
    let run_bytes: usize = runs.iter().map(|(_, i)| i.args.len()).sum();
    let scope = Scope::at("/app", "root");
    let (t, rounds) = measure(budget, || {
        for (file, run) in &runs {
            black_box(shell::read_instruction(file, run, None, &scope, &NoScripts));
        }
    });
    report("shell reader (RUNs)", t, rounds, run_bytes, runs.len());

    // The whole rewrite of each example with its build context: parse,
    // detect, plan, render, diff-ready text.
    let examples: Vec<(PathBuf, Vec<u8>)> = paths
        .iter()
        .filter(|p| p.starts_with(root.join("examples")))
        .map(|p| (p.clone(), fs::read(p).expect("examples are readable")))
        .collect();
    let example_bytes = examples.iter().map(|(_, b)| b.len()).sum();
    // The options (and the templates in them) are made once a run, as the
    // command line makes them.
    let opts = Options::default();
    let (t, rounds) = measure(budget, || {
        for (path, bytes) in &examples {
            let ctx = Context::at(path.parent().unwrap_or(root));
            black_box(process_bytes(bytes, "Dockerfile", &ctx, opts.clone()));
        }
    });
    report(
        "whole rewrite (examples)",
        t,
        rounds,
        example_bytes,
        examples.len(),
    );

    // For scale: the `parse-dockerfile` crate (a dev-dependency) over the
    // same files, skipping the one it rejects.
    let accepted: Vec<&String> = texts
        .iter()
        .filter(|t| parse_dockerfile::parse(t).is_ok())
        .collect();
    let accepted_bytes = accepted.iter().map(|t| t.len()).sum();
    let (t, rounds) = measure(budget, || {
        for text in &accepted {
            let _ = black_box(parse_dockerfile::parse(black_box(text)));
        }
    });
    report(
        "parse-dockerfile (reference)",
        t,
        rounds,
        accepted_bytes,
        accepted.len(),
    );
}

fn report(name: &str, t: Duration, rounds: usize, bytes: usize, files: usize) {
    let secs = t.as_secs_f64();
    println!(
        "{name:<30} {:>8.1} MB/s {:>10.0} files/s   (median of {rounds} rounds, {:.1} µs a round)",
        bytes as f64 / secs / 1e6,
        files as f64 / secs,
        secs * 1e6
    );
}
