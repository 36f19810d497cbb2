//! Helpers shared by the integration tests.

// Each test binary uses a part of these helpers.
#![allow(dead_code)]

pub mod cases;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// A copy of the binary that any user may run: the checkout may sit under a
/// folder an unprivileged user cannot enter (such as /root).
pub fn binary_for_anyone() -> &'static Path {
    static COPY: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    let (_, path) = COPY.get_or_init(|| {
        let dir = tempfile::Builder::new()
            .prefix("slimfile-bin")
            .tempdir()
            .unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let path = dir.path().join("slimfile");
        std::fs::copy(env!("CARGO_BIN_EXE_slimfile"), &path).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        (dir, path)
    });
    path
}

/// Runs `command`, again when the kernel says the binary is busy: a test
/// thread that forks while the copy of the binary is still open for writing
/// holds it open until its child execs (ETXTBSY, "Text file busy").
pub fn output_retrying(mut make: impl FnMut() -> std::process::Command) -> std::process::Output {
    for _ in 0..50 {
        let output = make().output().expect("the command runs");
        if !String::from_utf8_lossy(&output.stderr).contains("Text file busy") {
            return output;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    panic!("the binary stayed busy");
}

/// A command's standard error, for assertion messages.
pub fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Copies a folder and everything in it.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}
