//! The diffs a dry run prints apply: `git apply` and `patch -p1` on a copy
//! of the tree give exactly the bytes `--write` writes, for every example and
//! for CRLF files and files without a final newline. Both tools must be
//! installed (CI installs them); without them the test fails when `CI` is
//! set, and is skipped with a message otherwise.

use std::fs;
use std::path::Path;
use std::process::Command;

mod common;

fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// A tree of every example (each in its folder) and two hand-made cases.
fn tree(root: &Path) {
    for entry in fs::read_dir("examples").unwrap() {
        let dir = entry.unwrap().path();
        if dir.join("Dockerfile").is_file() {
            common::copy_dir(&dir, &root.join(dir.file_name().unwrap()));
        }
    }
    let crlf = root.join("crlf");
    common::copy_dir(Path::new("examples/node-classic"), &crlf);
    let text = fs::read_to_string(crlf.join("Dockerfile")).unwrap();
    fs::write(crlf.join("Dockerfile"), text.replace('\n', "\r\n")).unwrap();
    let bare = root.join("no-final-newline");
    common::copy_dir(Path::new("examples/node-classic"), &bare);
    let text = fs::read_to_string(bare.join("Dockerfile")).unwrap();
    fs::write(bare.join("Dockerfile"), text.trim_end()).unwrap();
}

/// Every Dockerfile under `root`, by its path there, with its bytes.
fn dockerfiles(root: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for entry in fs::read_dir(root).unwrap() {
        let path = entry.unwrap().path().join("Dockerfile");
        if path.is_file() {
            let name = path.strip_prefix(root).unwrap().display().to_string();
            out.push((name, fs::read(&path).unwrap()));
        }
    }
    out.sort();
    out
}

#[test]
fn diffs_apply_with_git_and_patch_to_the_bytes_write_writes() {
    if !(have("git") && have("patch")) {
        assert!(
            std::env::var_os("CI").is_none(),
            "git and patch are needed (.ci/run installs them)"
        );
        eprintln!("skipped: git or patch is not installed");
        return;
    }
    let written = tempfile::tempdir().unwrap();
    tree(written.path());
    let pristine = dockerfiles(written.path());
    // The diff of the whole tree, from its root, as a user makes it.
    let o = Command::new(env!("CARGO_BIN_EXE_slimfile"))
        .args(["--color", "never", "."])
        .current_dir(written.path())
        .output()
        .unwrap();
    let patch = o.stdout;
    assert!(!patch.is_empty());
    assert!(
        String::from_utf8_lossy(&patch).contains("--- a/node-classic/Dockerfile\n"),
        "paths are written without ./"
    );
    let o = Command::new(env!("CARGO_BIN_EXE_slimfile"))
        .args(["--write", "--quiet", "."])
        .current_dir(written.path())
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let expected = dockerfiles(written.path());
    assert_ne!(expected, pristine);
    for (tool, args) in [
        ("git", &["apply", "--whitespace=nowarn", "-"][..]),
        ("patch", &["-p1", "--quiet", "--no-backup-if-mismatch"][..]),
    ] {
        let copy = tempfile::tempdir().unwrap();
        tree(copy.path());
        let mut child = Command::new(tool)
            .args(args)
            .current_dir(copy.path())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write as _;
        child.stdin.take().unwrap().write_all(&patch).unwrap();
        let o = child.wait_with_output().unwrap();
        assert!(
            o.status.success(),
            "{tool}: {}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        let applied = dockerfiles(copy.path());
        for ((name, got), (_, want)) in applied.iter().zip(&expected) {
            assert_eq!(
                String::from_utf8_lossy(got),
                String::from_utf8_lossy(want),
                "{tool}: {name}"
            );
        }
    }
}
