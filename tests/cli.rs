//! The real binary, run as a user runs it: exit codes, output and messages.

use std::fs;
use std::process::{Command, Output};

fn slimfile(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_slimfile"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

#[test]
fn help_documents_dump_syntax_as_a_debugging_aid() {
    let o = slimfile(&["--help"]);
    assert_eq!(o.status.code(), Some(0));
    let help = stdout(&o);
    assert!(help.contains("--dump-syntax"), "{help}");
    assert!(help.contains("Debugging aid"), "{help}");
    assert!(help.contains("16 MiB"), "{help}");
    assert!(help.contains("Examples:"), "{help}");
}

#[test]
fn version_prints_the_crate_version() {
    let o = slimfile(&["--version"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        stdout(&o).trim(),
        format!("slimfile {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn dump_syntax_prints_one_json_object_per_instruction() {
    let o = slimfile(&["--dump-syntax", "examples/node-classic/Dockerfile"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let lines: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 8);
    assert_eq!(lines[0]["keyword"], "FROM");
    assert_eq!(lines[7]["keyword"], "CMD");
    assert_eq!(lines[7]["form"], "exec");
    assert_eq!(lines[7]["start_line"], 8);
    for key in ["end_line", "flags", "heredocs", "byte_range", "known"] {
        assert!(lines[0].get(key).is_some(), "missing {key}");
    }
    assert!(stderr(&o).is_empty());
}

#[test]
fn several_files_are_told_apart() {
    let o = slimfile(&[
        "--dump-syntax",
        "examples/node-classic/Dockerfile",
        "tests/fixtures/syntax-cases/bom.Dockerfile",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    assert!(out.contains(r#"{"file":"examples/node-classic/Dockerfile"}"#));
    assert!(out.contains(r#"{"file":"tests/fixtures/syntax-cases/bom.Dockerfile"}"#));
}

#[test]
fn a_missing_file_is_an_error_naming_it_and_the_rest_still_run() {
    let o = slimfile(&[
        "--dump-syntax",
        "no/such/Dockerfile",
        "examples/node-classic/Dockerfile",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("no/such/Dockerfile: cannot read"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        stdout(&o).lines().filter(|l| l.contains("keyword")).count(),
        8
    );
}

#[test]
fn non_utf8_input_names_the_file_line_and_offset() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("Dockerfile");
    fs::write(&path, b"FROM alpine\nRUN echo \xe9t\xe9\n").unwrap();
    let o = slimfile(&["--dump-syntax", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains(&format!("{}:2: not UTF-8", path.display())),
        "{err}"
    );
    assert!(err.contains("offset 21"), "{err}");
    assert!(stdout(&o).is_empty());
}

#[test]
fn a_directory_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let o = slimfile(&["--dump-syntax", dir.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("is a directory"), "{}", stderr(&o));
}

#[test]
fn parse_problems_are_errors_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("Dockerfile");
    fs::write(&path, "FROM alpine\nRUN <<EOF\necho never closed\n").unwrap();
    let o = slimfile(&["--dump-syntax", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains(&format!(
            "{}:2: error: unterminated heredoc",
            path.display()
        )),
        "{err}"
    );
}

#[test]
fn build_problems_are_warnings() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("Dockerfile");
    fs::write(&path, "FROM alpine\nFROBNICATE now\n").unwrap();
    let o = slimfile(&["--dump-syntax", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stderr(&o)
        .contains(":2: warning: docker build would reject this: unknown instruction: FROBNICATE"));
    assert!(stdout(&o).contains(r#""known":false"#));
}

#[test]
fn empty_and_comment_only_files_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in [("empty", ""), ("comments", "# nothing here\n")] {
        let path = dir.path().join(name);
        fs::write(&path, text).unwrap();
        let o = slimfile(&["--dump-syntax", path.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(2), "{name}");
        assert!(stderr(&o).contains("file with no instructions"), "{name}");
    }
}

#[test]
fn a_bad_flag_exits_2() {
    let o = slimfile(&["--no-such-flag"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn a_file_over_the_size_limit_is_refused_without_reading_it_all() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("Dockerfile");
    let mut text = String::from("FROM alpine\n");
    text.push_str(&"RUN true\n".repeat(2 * 1024 * 1024));
    fs::write(&path, &text).unwrap();
    let o = slimfile(&["--dump-syntax", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("over the 16777216-byte limit"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn readings_that_differ_between_buildkit_releases_are_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("Dockerfile");
    fs::write(&path, "FROM alpine\nCMD [\"sh\"] # trailing\n").unwrap();
    let o = slimfile(&["--dump-syntax", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0));
    let err = stderr(&o);
    assert!(
        err.contains(":2: warning: BuildKit versions differ here: a JSON array followed"),
        "{err}"
    );
    assert!(stdout(&o).contains(r#""form":"shell""#));
}
