//! The real binary, run as a user runs it: exit codes, output and messages.

use std::fs;
use std::process::{Command, Output};

mod common;

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

/// Standard error, which must be UTF-8 (unlike `common::stderr`, which
/// reads any bytes for a failure message).
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
        stderr(&o).contains("no/such/Dockerfile: error: cannot read"),
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
        err.contains(&format!("{}:2: error: not UTF-8", path.display())),
        "{err}"
    );
    assert!(err.contains("offset 21"), "{err}");
    assert!(stdout(&o).is_empty());
}

/// `--dump-syntax` walks folders and reads `-` like every other mode; a
/// folder without a Dockerfile is an error.
#[test]
fn dump_syntax_takes_folders_and_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let o = slimfile(&["--dump-syntax", dir.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("no Dockerfiles found"),
        "{}",
        stderr(&o)
    );
    let o = slimfile(&[
        "--dump-syntax",
        "examples/node-classic",
        "examples/node-alpine",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("{\"file\":\"examples/node-alpine/Dockerfile\"}"),
        "{out}"
    );
    assert!(
        out.contains("{\"file\":\"examples/node-classic/Dockerfile\"}"),
        "{out}"
    );
    let o = slimfile_stdin(&["--dump-syntax", "-"], b"FROM node:20\nCMD [\"node\"]\n");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o).lines().count(), 2, "{}", stdout(&o));
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

// ---- The rewrite, run as a user runs it ----

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// A copy of an example in a temporary folder (the Dockerfile and its context).
fn example_copy(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    common::copy_dir(&Path::new("examples").join(name), dir.path());
    dir
}

fn slimfile_stdin(args: &[&str], input: &[u8]) -> Output {
    use std::io::Write as _;
    let mut child = Command::new(env!("CARGO_BIN_EXE_slimfile"))
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The child may exit before reading all of it (a usage error): a
    // closed pipe here is not the test's failure.
    let _ = child.stdin.take().unwrap().write_all(input);
    child.wait_with_output().unwrap()
}

#[test]
fn a_dry_run_shows_a_diff_and_changes_nothing() {
    let dir = example_copy("node-classic");
    let path = dir.path().join("Dockerfile");
    let before = fs::read(&path).unwrap();
    let o = slimfile(&[path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("-FROM node:20\n+FROM node:20 AS builder\n"),
        "{out}"
    );
    assert!(out.contains("+FROM node:20-slim\n"), "{out}");
    assert!(!out.contains("\x1b["), "no colour on a pipe");
    assert!(
        stderr(&o).contains("1 file: 1 would be rewritten"),
        "{}",
        stderr(&o)
    );
    assert!(
        stderr(&o).contains(
            "estimated saving on base images: 850 MB, over the 1 file that would be rewritten"
        ),
        "{}",
        stderr(&o)
    );
    assert_eq!(fs::read(&path).unwrap(), before);
}

#[test]
fn the_diff_applies_with_git_apply() {
    let dir = example_copy("node-healthcheck-curl");
    let path = dir.path().join("Dockerfile");
    let o = slimfile(&[path.to_str().unwrap()]);
    let diff = stdout(&o);
    let expected = slimfile_stdin(
        &["-", "--context", dir.path().to_str().unwrap()],
        &fs::read(dir.path().join("Dockerfile")).unwrap(),
    );
    // Re-root the diff's paths at the temporary folder and apply it there.
    let rel = dir
        .path()
        .join("Dockerfile")
        .to_str()
        .unwrap()
        .trim_start_matches('/')
        .to_string();
    let patch = diff
        .replace(
            &format!("a/{}", dir.path().join("Dockerfile").display()),
            &format!("a/{rel}"),
        )
        .replace(
            &format!("b/{}", dir.path().join("Dockerfile").display()),
            &format!("b/{rel}"),
        );
    let patch_file = dir.path().join("change.diff");
    fs::write(&patch_file, patch).unwrap();
    let applied = Command::new("git")
        .args([
            "apply",
            "--unsafe-paths",
            "--directory=/",
            patch_file.to_str().unwrap(),
        ])
        .current_dir("/")
        .output()
        .unwrap();
    assert!(
        applied.status.success(),
        "{}",
        String::from_utf8_lossy(&applied.stderr)
    );
    assert_eq!(
        fs::read(dir.path().join("Dockerfile")).unwrap(),
        expected.stdout
    );
}

#[test]
fn check_exits_1_with_work_to_do_and_0_on_its_own_output() {
    let dir = example_copy("node-classic");
    let path = dir.path().join("Dockerfile");
    let o = slimfile(&["--check", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).is_empty() || stdout(&o).contains("+FROM"));
    let w = slimfile(&["--write", path.to_str().unwrap()]);
    assert_eq!(w.status.code(), Some(0), "{}", stderr(&w));
    let again = slimfile(&["--check", path.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    assert!(stderr(&again).contains("unchanged: already a multi-stage build"));
}

#[test]
fn write_applies_the_rewrite_and_keeps_permissions() {
    let dir = example_copy("node-pnpm");
    let path = dir.path().join("Dockerfile");
    fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
    let expected = slimfile_stdin(
        &["-", "--context", dir.path().to_str().unwrap()],
        &fs::read(&path).unwrap(),
    );
    let o = slimfile(&["--write", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).is_empty(), "--write prints no diff");
    assert!(stderr(&o).contains("1 rewritten"), "{}", stderr(&o));
    assert_eq!(fs::read(&path).unwrap(), expected.stdout);
    assert_eq!(
        fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o640
    );
    let leftovers: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(".slimfile"))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn stdin_mode_writes_the_rewritten_file_to_stdout() {
    let input = fs::read("examples/node-classic/Dockerfile").unwrap();
    let o = slimfile_stdin(&["-", "--context", "examples/node-classic"], &input);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.starts_with("FROM node:20 AS builder\n"));
    assert!(out.contains("\nFROM node:20-slim\n"));
    // A file it leaves alone comes back as it was.
    let nginx = fs::read("examples/nginx-static/Dockerfile").unwrap();
    let o = slimfile_stdin(&["-"], &nginx);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(o.stdout, nginx);
    assert!(stderr(&o).contains("unchanged"));
}

#[test]
fn json_report_has_the_documented_fields_and_quiet_keeps_it() {
    let o = slimfile(&[
        "--format",
        "json",
        "--quiet",
        "examples/node-healthcheck-curl/Dockerfile",
        "examples/node-no-workdir-script/Dockerfile",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let files = doc["files"].as_array().unwrap();
    assert_eq!(files.len(), 2);
    let f = &files[0];
    for key in [
        "path",
        "status",
        "language",
        "flavor",
        "builder_image",
        "runtime_image",
        "warnings",
        "estimated_saving_bytes",
    ] {
        assert!(f.get(key).is_some(), "missing {key}");
    }
    assert_eq!(f["status"], "would_rewrite");
    assert_eq!(f["runtime_image"], "node:20-slim");
    assert_eq!(f["warnings"][0]["line"], 7);
    assert_eq!(files[1]["status"], "refused");
    assert!(files[1]["reason"]["message"]
        .as_str()
        .unwrap()
        .contains("no WORKDIR"));
    assert_eq!(doc["summary"]["by_status"]["would_rewrite"], 1);
    assert!(stderr(&o).is_empty(), "{}", stderr(&o));
}

#[test]
fn an_error_exits_2_after_processing_every_file() {
    let o = slimfile(&[
        "--format",
        "json",
        "no/such/Dockerfile",
        "examples/node-classic/Dockerfile",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    // Files are reported in path order.
    assert_eq!(doc["files"][0]["status"], "would_rewrite");
    assert_eq!(doc["files"][1]["status"], "error");
    // The entry names the file; its message says what went wrong.
    assert_eq!(doc["files"][1]["path"], "no/such/Dockerfile");
    assert!(doc["files"][1]["reason"]["message"]
        .as_str()
        .unwrap()
        .starts_with("cannot read: "));
}

#[test]
fn a_symlinked_path_writes_its_target_and_keeps_the_link() {
    let dir = example_copy("node-classic");
    let link = dir.path().join("Dockerfile.link");
    std::os::unix::fs::symlink("Dockerfile", &link).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_slimfile"))
        .args(["--write", "--context", ".", "Dockerfile.link"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(fs::read_to_string(dir.path().join("Dockerfile"))
        .unwrap()
        .contains("FROM node:20-slim"));
}

#[test]
fn a_file_without_write_permission_is_refused_and_left_intact() {
    let dir = example_copy("node-classic");
    let path = dir.path().join("Dockerfile");
    let before = fs::read(&path).unwrap();
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout == b"0\n")
        .unwrap_or(false);
    let o = if is_root {
        // Root passes every permission check: run as nobody, in a folder
        // nobody may write to (so a rename would succeed), on a file it may
        // read but not write.
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o777)).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        common::output_retrying(|| {
            let mut c = Command::new("setpriv");
            c.args(["--reuid=nobody", "--regid=nogroup", "--clear-groups"])
                .arg(common::binary_for_anyone())
                .arg("--write")
                .arg(&path);
            c
        })
    } else {
        fs::set_permissions(&path, fs::Permissions::from_mode(0o444)).unwrap();
        slimfile(&["--write", path.to_str().unwrap()])
    };
    // A write that did not happen is an error, and fails the run.
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("Dockerfile: error: no write permission"),
        "{}",
        stderr(&o)
    );
    let line = stderr(&o)
        .lines()
        .find(|l| l.contains("error:"))
        .unwrap_or("")
        .to_string();
    assert_eq!(line.matches("Dockerfile").count(), 1, "{line}");
    assert_eq!(fs::read(&path).unwrap(), before);
}

#[test]
fn colour_on_request_and_never_under_no_color() {
    let o = slimfile(&["--color", "always", "examples/node-classic/Dockerfile"]);
    assert!(
        stdout(&o).contains("\x1b[32m+FROM node:20-slim"),
        "{}",
        stdout(&o)
    );
    let o = slimfile(&["--color", "auto", "examples/node-classic/Dockerfile"]);
    assert!(!stdout(&o).contains("\x1b["));
}

#[test]
fn a_directory_is_walked_and_summarised() {
    let o = slimfile(&["--quiet", "examples"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).is_empty());
    let o = slimfile(&["examples"]);
    let err = stderr(&o);
    assert!(err.contains("85 files"), "{err}");
    assert!(
        err.contains("unchanged ×2") || err.contains("unchanged"),
        "{err}"
    );
    let o = slimfile(&["--context", "examples/node-classic", "examples"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--context applies to a single Dockerfile"));
}

#[test]
fn explain_says_why() {
    let o = slimfile(&["--explain", "examples/node-ts-node-start/Dockerfile"]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    assert!(
        out.contains("language: Node.js (confidence: high)"),
        "{out}"
    );
    assert!(out.contains("needs `ts-node`, a dev dependency"), "{out}");
}

/// The JSON report shown in the README is what the binary prints.
#[test]
fn the_readme_json_example_is_true() {
    let readme = fs::read_to_string("README.md").unwrap();
    let marker = "For `examples/node-healthcheck-curl/Dockerfile`:";
    let after = &readme[readme.find(marker).expect("README example") + marker.len()..];
    let start = after.find("```json\n").unwrap() + "```json\n".len();
    let end = start + after[start..].find("```").unwrap();
    let shown: serde_json::Value = serde_json::from_str(&after[start..end]).unwrap();
    let o = slimfile(&[
        "--format",
        "json",
        "examples/node-healthcheck-curl/Dockerfile",
    ]);
    let actual: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(shown, actual, "update the README's JSON example");
}

/// Reasons and warnings carry their codes: in the JSON report, with the hint
/// apart, and in the text, where the summary groups files by code.
#[test]
fn reasons_and_warnings_carry_codes() {
    let o = slimfile(&[
        "--format",
        "json",
        "examples/node-no-workdir-script/Dockerfile",
    ]);
    let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let reason = &doc["files"][0]["reason"];
    assert_eq!(reason["code"], "no-workdir", "{doc}");
    assert_eq!(
        reason["hint"], "add a WORKDIR for the application and copy it there",
        "{doc}"
    );
    assert!(!reason["message"]
        .as_str()
        .unwrap()
        .contains("add a WORKDIR"));
    let o = slimfile(&["--format", "json", "examples/node-classic/Dockerfile"]);
    let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(
        doc["files"][0]["warnings"][0]["code"], "runs-as-root",
        "{doc}"
    );
    let o = slimfile(&["--format", "json", "examples"]);
    let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let reasons = doc["summary"]["reasons"].as_array().unwrap();
    assert!(reasons.iter().any(|r| r["code"] == "run-not-followed"
        && r["reason"] == "a RUN step slimfile cannot follow, which may write anything"));
    let o = slimfile(&["examples/node-no-workdir-script/Dockerfile"]);
    assert!(
        stderr(&o).contains("copy it there [no-workdir]"),
        "{}",
        stderr(&o)
    );
}

/// Every reason and warning code is in the README's table, with its meaning.
#[test]
fn the_readme_lists_every_code() {
    let readme = fs::read_to_string("README.md").unwrap();
    let own = slimfile::lang::registrations()
        .into_iter()
        .flat_map(|r| r.codes.iter().copied());
    for code in slimfile::codes::Code::ALL.iter().copied().chain(own) {
        let row = format!("| `{}` | ", code.as_str());
        let at = readme
            .find(&row)
            .unwrap_or_else(|| panic!("README lacks the code {code}"));
        let line = readme[at..].lines().next().unwrap_or("");
        assert!(line.contains(code.description()), "README: {line}");
    }
}

#[test]
fn a_config_file_sets_defaults_and_overrides_templates() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("slimfile.toml");
    fs::write(
        &config,
        "flavor = \"distroless\"\n\n[templates.node.rules.images.distroless]\nmajors = [20]\n\n[templates.node.flavors.distroless]\nimage = \"mirror.example.com/distroless/nodejs{major}-debian13\"\n",
    )
    .unwrap();
    let o = slimfile(&[
        "--config",
        config.to_str().unwrap(),
        "examples/node-classic/Dockerfile",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("+FROM mirror.example.com/distroless/nodejs20-debian13\n"),
        "{}",
        stdout(&o)
    );
    // --flavor on the command line wins over the file's default.
    let o = slimfile(&[
        "--config",
        config.to_str().unwrap(),
        "--flavor",
        "slim",
        "examples/node-classic/Dockerfile",
    ]);
    assert!(
        stdout(&o).contains("+FROM node:20-slim\n"),
        "{}",
        stdout(&o)
    );
    // A mistake names the file and the key.
    fs::write(&config, "flavr = \"slim\"\n").unwrap();
    let o = slimfile(&[
        "--config",
        config.to_str().unwrap(),
        "examples/node-classic/Dockerfile",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("slimfile.toml") && stderr(&o).contains("unknown field `flavr`"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn write_with_stdin_is_a_usage_error() {
    let o = slimfile_stdin(&["--write", "-"], b"FROM node:20\n");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--write needs a file"));
    let o = slimfile(&[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no PATH given"));
}

/// Errors print whatever `--quiet` says, and fail the run.
#[test]
fn quiet_never_hides_an_error() {
    let o = slimfile(&["--quiet", "/nonexistent/Dockerfile"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("/nonexistent/Dockerfile: error:"),
        "{}",
        stderr(&o)
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("Dockerfile");
    fs::write(&path, "FROM node:20\nRUN <<EOF\necho\n").unwrap();
    let o = slimfile(&["-q", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("error:"), "{}", stderr(&o));
    assert!(stderr(&o).contains(":2:"), "{}", stderr(&o));
    let o = slimfile(&["--quiet", "--format", "json", "/nonexistent/Dockerfile"]);
    assert!(stderr(&o).contains("error:"), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("\"status\": \"error\""),
        "{}",
        stdout(&o)
    );
}

/// A report that cannot be written fails loudly; a closed pipe ends quietly.
#[test]
fn writing_the_report_fails_loudly_but_a_closed_pipe_is_quiet() {
    let full = fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_slimfile"))
        .args(["--format", "json", "examples/node-classic/Dockerfile"])
        .stdout(full)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("cannot write to standard output"),
        "{}",
        stderr(&o)
    );
    // The reader goes away after the first line: no message about it.
    for args in [
        &["examples"][..],
        &["--format", "json", "examples"][..],
        &["--explain", "examples/node-classic/Dockerfile"][..],
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_slimfile"))
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let o = child.wait_with_output().unwrap();
        assert!(
            !stderr(&o).contains("standard output") && !stderr(&o).contains("panicked"),
            "{args:?}: {}",
            stderr(&o)
        );
    }
}

/// A file named twice, or with its folder, is processed once.
#[test]
fn the_same_file_named_twice_is_processed_once() {
    let dir = example_copy("node-classic");
    let o = Command::new(env!("CARGO_BIN_EXE_slimfile"))
        .args(["--write", "Dockerfile", "./Dockerfile", "."])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("1 file: 1 rewritten"), "{}", stderr(&o));
}

/// `--context` is an existing folder; `--jobs` is 1 to 256.
#[test]
fn context_and_jobs_are_checked() {
    let o = slimfile(&[
        "--context",
        "/nonexistent",
        "examples/node-classic/Dockerfile",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not a directory"), "{}", stderr(&o));
    for bad in ["0", "100000"] {
        let o = slimfile(&["--jobs", bad, "examples"]);
        assert_eq!(o.status.code(), Some(2), "{bad}");
        assert!(
            stderr(&o).contains("1..=256") || stderr(&o).contains("256"),
            "{}",
            stderr(&o)
        );
    }
    let o = slimfile(&["--quiet", "--jobs", "256", "examples"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

/// `--check` names each file it would rewrite and prints no diff;
/// `--check --quiet` prints only errors.
#[test]
fn check_names_files_and_prints_no_diff() {
    let o = slimfile(&[
        "--check",
        "examples/node-classic",
        "examples/node-no-workdir-script",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).is_empty(), "{}", stdout(&o));
    let err = stderr(&o);
    assert!(
        err.contains("examples/node-classic/Dockerfile: would be rewritten\n"),
        "{err}"
    );
    assert!(
        err.contains("node-no-workdir-script/Dockerfile:3: refused: there is no WORKDIR"),
        "{err}"
    );
    assert!(
        err.contains("2 files: 1 would be rewritten, 1 refused"),
        "{err}"
    );
    let o = slimfile(&[
        "--check",
        "--quiet",
        "examples/node-classic",
        "/nope/Dockerfile",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stdout(&o).is_empty());
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("/nope/Dockerfile: error:"), "{err}");
}

/// Prose says words, every refused file is named however many files there
/// are, and the saving says what it sums.
#[test]
fn the_summary_speaks_words_and_names_every_refusal() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..25 {
        common::copy_dir(
            Path::new("examples/node-classic"),
            &dir.path().join(format!("s{i:02}")),
        );
    }
    common::copy_dir(
        Path::new("examples/node-no-workdir-script"),
        &dir.path().join("z"),
    );
    let o = slimfile(&[dir.path().to_str().unwrap()]);
    let err = stderr(&o);
    assert!(
        err.contains("26 files: 25 would be rewritten, 1 refused"),
        "{err}"
    );
    assert!(!err.contains("would_rewrite"), "{err}");
    assert!(
        err.contains("z/Dockerfile:3: refused: there is no WORKDIR"),
        "{err}"
    );
    assert!(err.contains("1 refused [no-workdir]"), "{err}");
    assert!(
        err.contains("over the 25 files that would be rewritten"),
        "{err}"
    );
}

/// Colour: `--color` wins; then NO_COLOR; then CLICOLOR_FORCE; then a
/// terminal whose TERM is not dumb (a pipe here: no colour).
#[test]
fn colour_follows_the_flag_then_the_environment() {
    let run = |args: &[&str], env: &[(&str, &str)]| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_slimfile"));
        c.args(args)
            .env_remove("NO_COLOR")
            .env_remove("CLICOLOR_FORCE");
        for (k, v) in env {
            c.env(k, v);
        }
        stdout(&c.output().unwrap()).contains("\x1b[")
    };
    let file = "examples/node-classic/Dockerfile";
    assert!(!run(&[file], &[]));
    assert!(run(&[file], &[("CLICOLOR_FORCE", "1")]));
    assert!(!run(&[file], &[("CLICOLOR_FORCE", "0")]));
    assert!(!run(&[file], &[("NO_COLOR", "1"), ("CLICOLOR_FORCE", "1")]));
    assert!(run(&[file], &[("NO_COLOR", "")]) == run(&[file], &[]));
    assert!(run(&["--color", "always", file], &[("NO_COLOR", "1")]));
    assert!(!run(
        &["--color", "never", file],
        &[("CLICOLOR_FORCE", "1")]
    ));
}

/// Names that say they are not Dockerfiles are skipped with the reason,
/// walked or named; a folder an exclude names is left out whole.
#[test]
fn discovery_skips_what_is_not_a_dockerfile_and_excluded_folders() {
    let dir = tempfile::tempdir().unwrap();
    for name in [
        "Dockerfile.md",
        "Dockerfile~",
        "Dockerfile.sh",
        "api.Dockerfile.orig",
    ] {
        fs::write(dir.path().join(name), "FROM node:20\n").unwrap();
    }
    common::copy_dir(
        Path::new("examples/node-classic"),
        &dir.path().join("legacy/app"),
    );
    common::copy_dir(Path::new("examples/node-classic"), &dir.path().join("web"));
    let o = slimfile(&[
        "--format",
        "json",
        "--exclude",
        "legacy",
        dir.path().to_str().unwrap(),
    ]);
    let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let files = doc["files"].as_array().unwrap();
    let status = |suffix: &str| {
        files
            .iter()
            .find(|f| f["path"].as_str().unwrap().ends_with(suffix))
            .map(|f| f["status"].as_str().unwrap().to_string())
    };
    for name in [
        "Dockerfile.md",
        "Dockerfile~",
        "Dockerfile.sh",
        "api.Dockerfile.orig",
    ] {
        assert_eq!(status(name).as_deref(), Some("skipped"), "{name}: {doc}");
    }
    assert_eq!(status("web/Dockerfile").as_deref(), Some("would_rewrite"));
    assert_eq!(status("legacy/app/Dockerfile"), None, "{doc}");
    // Named on the command line: skipped by the same rule, read otherwise.
    let md = dir.path().join("Dockerfile.md");
    let o = slimfile(&[md.to_str().unwrap()]);
    assert!(stderr(&o).contains("skipped"), "{}", stderr(&o));
    let plain = dir.path().join("web/Dockerfile");
    let renamed = dir.path().join("web/build-image");
    fs::copy(&plain, &renamed).unwrap();
    let o = slimfile(&[renamed.to_str().unwrap()]);
    assert!(
        stderr(&o).contains("would be rewritten") || stdout(&o).contains("+FROM"),
        "{}",
        stderr(&o)
    );
}

/// `--explain --format json` puts the explanation in the JSON report.
#[test]
fn explain_in_json_carries_the_evidence_and_the_plan() {
    let o = slimfile(&[
        "--explain",
        "--format",
        "json",
        "examples/node-classic/Dockerfile",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let e = &doc["files"][0]["explanation"];
    assert_eq!(e["detection"]["language"], "node", "{e}");
    assert!(
        e["detection"]["evidence"].as_array().unwrap().len() >= 2,
        "{e}"
    );
    assert_eq!(e["builder"]["edits"][0]["add"], " AS builder", "{e}");
    assert_eq!(
        e["final_stage"][0]["instruction"], "FROM node:20-slim",
        "{e}"
    );
    assert_eq!(e["final_stage"][0]["why"], "the runtime image", "{e}");
    // Without --explain, no explanation.
    let o = slimfile(&["--format", "json", "examples/node-classic/Dockerfile"]);
    assert!(!stdout(&o).contains("explanation"));
}

/// A run that finds nothing says what it looked at.
#[test]
fn an_empty_run_says_what_it_looked_at() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::write(root.join(".gitignore"), "old/\n").unwrap();
    fs::create_dir_all(root.join("old")).unwrap();
    fs::write(root.join("old/Dockerfile"), "FROM node:20\n").unwrap();
    fs::create_dir_all(root.join("node_modules/x")).unwrap();
    fs::write(root.join("node_modules/x/Dockerfile"), "FROM node:20\n").unwrap();
    fs::create_dir_all(root.join("legacy")).unwrap();
    fs::write(root.join("legacy/Dockerfile"), "FROM node:20\n").unwrap();
    let o = slimfile(&["--exclude", "legacy", root.to_str().unwrap()]);
    let err = stderr(&o);
    assert!(err.contains("no Dockerfiles found in this directory (2 ignored by .gitignore or in a hidden or skipped folder, 1 left out by --include/--exclude)"), "{err}");
}

#[test]
fn verify_without_an_engine_is_an_error_naming_what_to_install() {
    // A PATH with no container engine on it: nothing is built or run.
    let empty = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_slimfile"))
        .args(["--verify", "examples/node-classic/Dockerfile"])
        .env("PATH", empty.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("docker, podman or buildah"), "{err}");
    assert!(err.contains("apt-get install buildah"), "{err}");
    let out = Command::new(env!("CARGO_BIN_EXE_slimfile"))
        .args([
            "--verify",
            "--engine",
            "podman",
            "examples/node-classic/Dockerfile",
        ])
        .env("PATH", empty.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--engine podman: `podman` is not on PATH"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn verify_flags_need_verify_and_verify_needs_files() {
    for args in [
        &["--engine", "buildah", "examples/node-classic/Dockerfile"][..],
        &["--keep-images", "examples/node-classic/Dockerfile"][..],
        &["--build-arg", "A=1", "examples/node-classic/Dockerfile"][..],
        &["--verify", "--check", "examples/node-classic/Dockerfile"][..],
        &[
            "--verify",
            "--engine",
            "rocket",
            "examples/node-classic/Dockerfile",
        ][..],
    ] {
        let out = slimfile(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
    }
    let out = slimfile_stdin(&["--verify", "-"], b"FROM node:20\nCMD [\"node\"]\n");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("not stdin"), "{}", stderr(&out));
    let help = stdout(&slimfile(&["--help"]));
    for flag in [
        "--verify",
        "--engine",
        "--build-arg",
        "--secret",
        "--verify-timeout",
        "--keep-images",
        "--verbose",
    ] {
        assert!(help.contains(flag), "{flag} in --help");
    }
}
