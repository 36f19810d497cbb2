//! Every example under `examples/` is rewritten (or left alone, with its
//! reason) and snapshotted, with its `--explain` text; the invariants of
//! design.md hold for each rewrite.

use std::fs;
use std::path::{Path, PathBuf};

use slimfile::context::Context;
use slimfile::parse::Dockerfile;
use slimfile::plan::{Decision, Flavor};
use slimfile::process::Options;
use slimfile::process::{process_bytes, Processed};
use slimfile::report::Status;

/// Examples also run with a flavour other than the default.
const EXTRA_FLAVORS: &[(&str, Flavor)] = &[
    ("node-native-bcrypt", Flavor::Alpine),
    ("node-distroless", Flavor::Distroless),
    ("node-express-npm-ci", Flavor::Distroless),
    ("node-classic", Flavor::Alpine),
    ("node-classic", Flavor::Distroless),
    ("node-alpine-system-packages", Flavor::Alpine),
    ("node-distroless-user", Flavor::Distroless),
    ("node-healthcheck-script", Flavor::Alpine),
];

fn examples() -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = fs::read_dir("examples")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("Dockerfile").is_file())
        .collect();
    out.sort();
    assert!(out.len() >= 18, "examples are missing");
    out
}

fn run(dir: &Path, flavor: Option<Flavor>) -> Processed {
    let bytes = fs::read(dir.join("Dockerfile")).unwrap();
    let display = dir.join("Dockerfile").display().to_string();
    let opts = Options {
        flavor,
        ..Options::default()
    };
    process_bytes(&bytes, &display, &Context::at(dir), opts)
}

/// What a reviewer reads: the rewritten file, or the status and reason.
fn outcome(p: &Processed) -> String {
    match &p.rewritten {
        Some(text) => text.clone(),
        None => {
            let r = p.report.reason.as_ref().unwrap();
            let line = r.line.map(|l| format!("line {l}: ")).unwrap_or_default();
            format!("{}: {line}{}\n", p.report.status.name(), r.display())
        }
    }
}

fn snapshot(name: &str, kind: &str, text: &str) {
    insta::with_settings!({
        snapshot_path => Path::new("snapshots/examples"),
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_snapshot!(format!("{name}.{kind}"), text);
    });
}

#[test]
fn examples_rewrite_as_snapshotted() {
    let mut cases: Vec<(PathBuf, Option<Flavor>)> =
        examples().into_iter().map(|d| (d, None)).collect();
    for (name, flavor) in EXTRA_FLAVORS {
        cases.push((Path::new("examples").join(name), Some(*flavor)));
    }
    for (dir, flavor) in cases {
        let p = run(&dir, flavor);
        let mut name = dir.file_name().unwrap().to_string_lossy().to_string();
        if let Some(f) = flavor {
            name.push_str(&format!("--flavor-{}", f.name()));
        }
        snapshot(&name, "rewrite", &outcome(&p));
        let original = fs::read_to_string(dir.join("Dockerfile")).unwrap();
        let explanation = slimfile::explain::explain(
            &p.report,
            p.planned.as_ref(),
            Some(&original),
            &Default::default(),
        );
        snapshot(&name, "explain", &explanation);
    }
}

#[test]
fn the_expected_statuses() {
    let status = |name: &str| run(&Path::new("examples").join(name), None).report.status;
    assert_eq!(status("node-multistage"), Status::Unchanged);
    assert_eq!(status("nginx-static"), Status::Unchanged);
    assert_eq!(status("node-no-workdir-script"), Status::Refused);
    assert_eq!(status("node-no-workdir"), Status::WouldRewrite);
    for name in [
        "node-classic",
        "node-pnpm",
        "node-yarn-build",
        "node-distroless",
        "node-arg-version",
    ] {
        assert_eq!(status(name), Status::WouldRewrite, "{name}");
    }
    let alpine = run(
        Path::new("examples/node-native-bcrypt"),
        Some(Flavor::Alpine),
    );
    assert_eq!(alpine.report.status, Status::Refused);
    assert!(alpine.report.reason.unwrap().message.contains("bcrypt"));
}

/// design.md, "What the tool never does": idempotence, not vacuously.
#[test]
fn rewrites_are_idempotent() {
    let mut checked = 0;
    for dir in examples() {
        let p = run(&dir, None);
        let Some(output) = &p.rewritten else { continue };
        let name = dir.display();
        // Its own output is unchanged.
        let again = process_bytes(
            output.as_bytes(),
            "out",
            &Context::at(&dir),
            Options::default(),
        );
        assert_eq!(
            again.report.status,
            Status::Unchanged,
            "{name}: {:?}",
            again.report.reason
        );
        // The output with its final stage removed rewrites to the same bytes.
        let builder = &output[..p.tail_start];
        let redo = process_bytes(
            builder.as_bytes(),
            "builder",
            &Context::at(&dir),
            Options::default(),
        );
        assert_eq!(redo.rewritten.as_deref(), Some(output.as_str()), "{name}");
        checked += 1;
    }
    assert!(checked >= 12, "only {checked} rewrites checked");
}

#[test]
fn rewrites_parse_and_keep_untouched_lines() {
    for dir in examples() {
        let p = run(&dir, None);
        let Some(output) = &p.rewritten else { continue };
        let name = dir.display();
        let parsed = Dockerfile::parse(output);
        assert!(
            parsed.problems().is_empty(),
            "{name}: {:?}",
            parsed.problems()
        );
        assert!(
            parsed.build_problems().is_empty(),
            "{name}: {:?}",
            parsed.build_problems()
        );
        assert_eq!(parsed.stages().len(), 2, "{name}");
        // Every line of the original that no edit touches is in the builder,
        // byte for byte and in order.
        let original = fs::read_to_string(dir.join("Dockerfile")).unwrap();
        let Some(Decision::Rewrite(plan)) = p.planned.as_ref().map(|pl| pl.decision.clone()) else {
            panic!("{name}: no plan")
        };
        let builder_lines: Vec<&str> = output[..p.tail_start].split_inclusive('\n').collect();
        let mut at = 0;
        let mut offset = 0;
        for line in original.split_inclusive('\n') {
            let span = offset..offset + line.len();
            offset += line.len();
            let touched = plan
                .builder_edits
                .iter()
                .any(|e| e.range.start > span.start && e.range.start < span.end);
            if touched {
                continue;
            }
            let found = builder_lines[at..].iter().position(|l| *l == line);
            let Some(i) = found else {
                panic!("{name}: original line {line:?} is not in the builder stage")
            };
            at += i + 1;
        }
    }
}

/// The final stage keeps the original's runtime contract (the instructions
/// that configure the image).
#[test]
fn final_stages_carry_the_runtime_configuration() {
    use slimfile::parse::Keyword::*;
    for dir in examples() {
        let p = run(&dir, None);
        let Some(output) = &p.rewritten else { continue };
        let original = Dockerfile::parse(&fs::read_to_string(dir.join("Dockerfile")).unwrap());
        let rewritten = Dockerfile::parse(output);
        let stage = rewritten.stages()[1].clone();
        let finals: Vec<String> = rewritten
            .instructions()
            .skip(stage.from)
            .map(|i| rewritten.text(i.text_span.clone()).to_string())
            .collect();
        for i in original.instructions() {
            if matches!(
                i.keyword,
                Expose | Env | Label | Volume | Stopsignal | Healthcheck | User | Entrypoint
            ) {
                let text = original.text(i.text_span.clone());
                // A user the runtime image has no name for runs by its id, and says so.
                let by_id = i.keyword == User
                    && p.report
                        .warnings
                        .iter()
                        .any(|w| w.code.as_str() == "user-as-id")
                    && finals.iter().any(|f| {
                        f.strip_prefix("USER ")
                            .is_some_and(|id| id.chars().all(|c| c.is_ascii_digit() || c == ':'))
                    });
                assert!(
                    by_id || finals.iter().any(|f| f == text),
                    "{}: `{text}` is not in the final stage",
                    dir.display()
                );
            }
        }
    }
}
