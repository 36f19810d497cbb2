//! `--dump-syntax` output for every parser fixture and example, as insta
//! snapshots a reviewer can read (`tests/snapshots/`). A change in how any
//! instruction is read shows up as a snapshot diff.

use std::fs;
use std::path::{Path, PathBuf};

use slimfile::dump::dump_syntax;
use slimfile::parse::Dockerfile;

fn inputs() -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    for entry in fs::read_dir("tests/fixtures/parser").unwrap() {
        let path = entry.unwrap().path();
        let stem = path.file_stem().unwrap().to_string_lossy().to_string();
        out.push((format!("parser-{stem}"), path));
    }
    for entry in fs::read_dir("examples").unwrap() {
        let dir = entry.unwrap().path();
        let file = dir.join("Dockerfile");
        if file.is_file() {
            let name = dir.file_name().unwrap().to_string_lossy().to_string();
            out.push((format!("example-{name}"), file));
        }
    }
    out.sort();
    out
}

/// The dump, each JSON line under the first source line of its instruction,
/// so that a reviewer sees what was read next to how.
fn annotated(file: &Dockerfile) -> String {
    let dump = dump_syntax(file);
    let mut out = String::new();
    for (instruction, json) in file.instructions().zip(dump.lines()) {
        let text = file.text(instruction.text_span.clone());
        let first = text.lines().next().unwrap_or("").trim_end_matches('\r');
        out.push_str(&format!("# {first}\n{json}\n"));
    }
    out
}

#[test]
fn dump_syntax_snapshots() {
    let inputs = inputs();
    assert!(inputs.len() >= 9, "fixtures are missing");
    for (name, path) in inputs {
        let file = Dockerfile::parse_bytes(&fs::read(&path).unwrap()).unwrap();
        assert!(file.problems().is_empty(), "{name}: {:?}", file.problems());
        insta::with_settings!({
            snapshot_path => Path::new("snapshots/dump"),
            prepend_module_to_snapshot => false,
            description => path.display().to_string(),
            omit_expression => true,
        }, {
            insta::assert_snapshot!(name, annotated(&file));
        });
    }
}
