//! Running slimfile on a small inline Dockerfile and a context of files, and
//! reading the result: the helpers of the rewrite-case tests.

use std::fs;

use slimfile::context::Context;
use slimfile::plan::{Decision, Flavor};
use slimfile::process::{process_bytes, Options, Processed};

/// Runs `dockerfile` against a context holding `files` (paths may name
/// folders), with the given flavour.
pub fn rewrite_in(files: &[(&str, &str)], dockerfile: &str, flavor: Option<Flavor>) -> Processed {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let path = dir.path().join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
    let opts = Options {
        flavor,
        ..Options::default()
    };
    process_bytes(
        dockerfile.as_bytes(),
        "Dockerfile",
        &Context::at(dir.path()),
        opts,
    )
}

/// The rewritten file; a panic with the reason where there is none.
pub fn output(p: &Processed) -> &str {
    p.rewritten
        .as_deref()
        .unwrap_or_else(|| panic!("not rewritten: {:?} {:?}", p.report.status, p.report.reason))
}

/// The appended final stage.
pub fn final_stage(p: &Processed) -> &str {
    output(p)[p.tail_start..].trim_start_matches(['\r', '\n'])
}

/// The refusal's (or the unchanged file's) code and text.
pub fn refusal(p: &Processed) -> (String, String) {
    assert!(p.rewritten.is_none(), "rewritten:\n{}", output(p));
    let r = p.report.reason.as_ref().expect("a reason");
    (r.code.as_str().to_string(), r.text())
}

/// What the rewrite's plan takes on trust, by line.
pub fn assumptions(p: &Processed) -> Vec<(usize, String)> {
    match p.planned.as_ref().map(|planned| &planned.decision) {
        Some(Decision::Rewrite(plan)) => plan.assumptions.clone(),
        _ => panic!("no rewrite: {:?}", p.report.reason),
    }
}
