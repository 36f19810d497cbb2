//! Bulk runs: a tree of git repositories made by the test, rewritten through
//! the multi-repo step script, then checked for idempotence; and a large
//! generated tree processed with one thread and many, in the same order.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;
use common::stderr;

const BIN: &str = env!("CARGO_BIN_EXE_slimfile");

fn git(dir: &Path, args: &[&str]) -> Output {
    let o = Command::new("git")
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(o.status.success(), "git {args:?}: {}", stderr(&o));
    o
}

/// Repositories made from examples: one service at the top, or nested ones.
fn make_repos(root: &Path) -> Vec<PathBuf> {
    let mut repos = Vec::new();
    for (i, example) in [
        "node-classic",
        "node-pnpm",
        "node-multistage",
        "node-yarn-build",
        "node-no-workdir-script",
    ]
    .iter()
    .enumerate()
    {
        let repo = root.join(format!("repo-{i}"));
        if i % 2 == 0 {
            common::copy_dir(&Path::new("examples").join(example), &repo);
        } else {
            // A monorepo: the service in a subfolder, and a node_modules
            // folder that must never be entered.
            common::copy_dir(
                &Path::new("examples").join(example),
                &repo.join("services/api"),
            );
            fs::create_dir_all(repo.join("node_modules/some-dep")).unwrap();
            fs::write(
                repo.join("node_modules/some-dep/Dockerfile"),
                "FROM node:20\n",
            )
            .unwrap();
        }
        git(&repo, &["init", "-q"]);
        git(&repo, &["add", "-A"]);
        git(&repo, &["commit", "-qm", "initial"]);
        repos.push(repo);
    }
    repos
}

#[test]
fn the_step_script_rewrites_each_repository_once() {
    let root = tempfile::tempdir().unwrap();
    let repos = make_repos(root.path());
    let step = fs::canonicalize("examples/bulk/slimfile-step.sh").unwrap();
    for repo in &repos {
        let o = Command::new(&step)
            .env("SLIMFILE", BIN)
            .current_dir(repo)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}: {}", repo.display(), stderr(&o));
    }
    let changed: Vec<bool> = repos
        .iter()
        .map(|r| !git(r, &["status", "--porcelain"]).stdout.is_empty())
        .collect();
    // classic, pnpm and yarn are rewritten; the multi-stage one and the one
    // without a WORKDIR are left as they were.
    assert_eq!(changed, [true, true, false, true, false]);
    assert!(
        !String::from_utf8(git(&repos[1], &["status", "--porcelain"]).stdout)
            .unwrap()
            .contains("node_modules")
    );
    for (r, changed) in repos.iter().zip(&changed) {
        if *changed {
            git(r, &["commit", "-qam", "slimfile"]);
        }
    }
    // A second run changes nothing, and --check agrees.
    for repo in &repos {
        let o = Command::new(&step)
            .env("SLIMFILE", BIN)
            .current_dir(repo)
            .output()
            .unwrap();
        assert!(o.status.success());
        assert!(
            git(repo, &["status", "--porcelain"]).stdout.is_empty(),
            "{}",
            repo.display()
        );
    }
    let o = Command::new(BIN)
        .args(["--check", "--quiet"])
        .arg(root.path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn the_local_checkouts_script_writes_then_checks() {
    let root = tempfile::tempdir().unwrap();
    make_repos(root.path());
    let o = Command::new("examples/bulk/local-checkouts.sh")
        .arg(root.path())
        .env("SLIMFILE", BIN)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("5 files: 3 rewritten, 1 unchanged, 1 refused"),
        "{err}"
    );
}

/// Copies of the examples, `n` times over.
fn generated_tree(root: &Path, n: usize) {
    for i in 0..n {
        for example in [
            "node-classic",
            "node-healthcheck-curl",
            "node-useradd",
            "nginx-static",
            "node-no-workdir-script",
        ] {
            common::copy_dir(
                &Path::new("examples").join(example),
                &root.join(format!("{i:03}/{example}")),
            );
        }
    }
}

#[test]
fn output_is_the_same_with_one_thread_and_many() {
    let root = tempfile::tempdir().unwrap();
    generated_tree(root.path(), 120);
    let run = |jobs: &str| {
        Command::new(BIN)
            .args(["--format", "json", "--jobs", jobs])
            .arg(root.path())
            .output()
            .unwrap()
    };
    let one = run("1");
    let many = run("4");
    assert_eq!(one.status.code(), Some(0));
    assert_eq!(one.stdout, many.stdout);
    let doc: serde_json::Value = serde_json::from_slice(&one.stdout).unwrap();
    assert_eq!(doc["summary"]["files"], 600);
    assert_eq!(doc["summary"]["by_status"]["would_rewrite"], 360);
    let reasons = doc["summary"]["reasons"].as_array().unwrap();
    assert_eq!(reasons[0]["files"], 120);
    // Diffs come out in path order too.
    let text = |jobs: &str| {
        Command::new(BIN)
            .args(["--jobs", jobs])
            .arg(root.path())
            .output()
            .unwrap()
            .stdout
    };
    assert_eq!(text("1"), text("3"));
}

#[test]
fn include_and_exclude_refine_a_walk() {
    let root = tempfile::tempdir().unwrap();
    generated_tree(root.path(), 2);
    let count = |args: &[&str]| {
        let o = Command::new(BIN)
            .args(["--format", "json"])
            .args(args)
            .arg(root.path())
            .output()
            .unwrap();
        let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        doc["summary"]["files"].as_u64().unwrap()
    };
    assert_eq!(count(&[]), 10);
    assert_eq!(count(&["--exclude", "000/**"]), 5);
    assert_eq!(count(&["--include", "**/node-classic/*"]), 2);
    let o = Command::new(BIN)
        .args(["--include", "[bad"])
        .arg(root.path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
}
