//! `--verify` for real: buildah builds the original and the rewrite of an
//! example (Node.js and Python) on stand-in base images
//! (`tests/verify/standins.sh`), and the comparison passes; a broken rewrite
//! and a lost `HEALTHCHECK` fail it, naming what is wrong.
//!
//! These tests run an engine, which no default `cargo test` may do, so they
//! are `#[ignore]`d; `.ci/run` makes the stand-ins and runs them with
//! `cargo test --test verify_builds -- --ignored`, the environment naming the
//! storage (`CONTAINERS_STORAGE_CONF`) and the isolation
//! (`BUILDAH_ISOLATION=chroot`). Without buildah or the stand-ins they fail
//! (they are only run when asked for).

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use slimfile::context::Context;
use slimfile::plan::Decision;
use slimfile::process::{process_path, Options};
use slimfile::verify::engine::find;
use slimfile::verify::watch::Watch;
use slimfile::verify::{verify, Job, Outcome, Verification, VerifyOptions};

fn ready() {
    let storage = std::env::var("CONTAINERS_STORAGE_CONF")
        .expect("CONTAINERS_STORAGE_CONF names the stand-ins' storage (tests/verify/standins.sh)");
    assert!(
        Path::new(&storage).is_file(),
        "{storage}: run tests/verify/standins.sh first"
    );
    for image in [
        "docker.io/library/node:20-slim",
        "docker.io/library/node:20",
        "docker.io/library/python:3.11-slim-bookworm",
        "docker.io/library/python:3.11-bookworm",
        "docker.io/library/golang:1.19-bookworm",
    ] {
        let have = Command::new("buildah")
            .args(["inspect", "--type", "image", image])
            .output()
            .expect("buildah is installed (apt-get install buildah)");
        assert!(
            have.status.success(),
            "the {image} stand-in is missing: run tests/verify/standins.sh"
        );
    }
}

fn options() -> VerifyOptions {
    VerifyOptions {
        engine: Some("buildah".into()),
        build_args: Vec::new(),
        secrets: Vec::new(),
        timeout: Duration::from_secs(900),
        keep_images: false,
        verbose: false,
        run_seconds: None,
        port: None,
    }
}

/// Verifies `dockerfile` (in `context`) against `rewritten`, or its own
/// rewrite with `tamper` applied.
fn verify_with(dockerfile: &Path, tamper: impl Fn(&str) -> String) -> Verification {
    verify_opts(dockerfile, tamper, &options())
}

/// [`verify_with`], with `--verify-run` for this many seconds.
fn verify_running(
    dockerfile: &Path,
    tamper: impl Fn(&str) -> String,
    seconds: u64,
) -> Verification {
    let opts = VerifyOptions {
        run_seconds: Some(seconds),
        ..options()
    };
    verify_opts(dockerfile, tamper, &opts)
}

fn verify_opts(
    dockerfile: &Path,
    tamper: impl Fn(&str) -> String,
    opts: &VerifyOptions,
) -> Verification {
    let context = dockerfile.parent().unwrap();
    let p = process_path(
        dockerfile,
        "Dockerfile",
        &Context::at(context),
        Options::default(),
    );
    let Some(Decision::Rewrite(plan)) = p.planned.map(|p| p.decision) else {
        panic!("{} is rewritten", dockerfile.display());
    };
    let rewritten = tamper(p.rewritten.as_deref().unwrap());
    let engine = find(Some("buildah")).unwrap();
    let watch = Watch {
        verbose: std::env::var_os("SLIMFILE_VERIFY_VERBOSE").is_some(),
        spinner: indicatif::ProgressBar::hidden(),
        timeout: Duration::from_secs(900),
    };
    let job = Job {
        dockerfile,
        context,
        rewritten: &rewritten,
        plan: &plan,
    };
    verify(engine.as_ref(), &job, opts, &watch)
}

/// `slimfile --verify --engine buildah --format json` on one file, with
/// more options: what it printed, its error output and its JSON report.
fn cli_verify(
    dockerfile: &Path,
    options: &[&str],
) -> (std::process::Output, String, serde_json::Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_slimfile"))
        .args(["--verify", "--engine", "buildah", "--format", "json"])
        .args(options)
        .arg(dockerfile)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let report: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {stderr}"));
    (out, stderr, report)
}

/// A copy of an example in a temporary folder, its Dockerfile changed.
fn example_copy(name: &str, change: impl Fn(&str) -> String) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let from = Path::new("examples").join(name);
    let status = Command::new("cp")
        .arg("-a")
        .arg(format!("{}/.", from.display()))
        .arg(dir.path())
        .status()
        .unwrap();
    assert!(status.success());
    let file = dir.path().join("Dockerfile");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, change(&text)).unwrap();
    dir
}

#[test]
#[ignore = "builds images with buildah: run by .ci/run after tests/verify/standins.sh"]
fn the_cli_verifies_an_example_and_reports_real_sizes() {
    ready();
    let out = Command::new(env!("CARGO_BIN_EXE_slimfile"))
        .args([
            "--verify",
            "--engine",
            "buildah",
            "--format",
            "json",
            "--verify-run",
            "8",
            "examples/node-classic/Dockerfile",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let v = &report["files"][0]["verification"];
    assert_eq!(v["outcome"], "passed", "{v:#}");
    let (before, after) = (
        v["original"]["size_bytes"].as_u64().unwrap(),
        v["rewrite"]["size_bytes"].as_u64().unwrap(),
    );
    assert!(after * 2 < before, "{before} → {after}");
    assert_eq!(
        v["saving_bytes"].as_i64().unwrap(),
        before as i64 - after as i64
    );
    let fields: Vec<&str> = v["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    for field in ["Cmd", "ExposedPorts", "WorkingDir", "Env.PATH"] {
        assert!(fields.contains(&field), "{field} compared: {fields:?}");
    }
    // Both containers ran and answered alike on the EXPOSEd port.
    let run = &v["run"];
    assert_eq!(run["port"], 3000, "{run:#}");
    for which in ["original", "rewrite"] {
        assert_eq!(run[which]["running"], true, "{run:#}");
        let answer = run[which]["answer"].as_str().unwrap_or_default();
        assert!(answer.starts_with("HTTP/1.1 404"), "{which}: {run:#}");
    }
    assert_nothing_left();
}

#[test]
#[ignore = "builds images with buildah: run by .ci/run after tests/verify/standins.sh"]
fn a_rewrite_that_builds_alike_but_crashes_at_start_fails_the_run() {
    ready();
    // The images' configurations are the same; only running tells.
    let v = verify_running(
        Path::new("examples/node-classic/Dockerfile"),
        |text| {
            text.replace(
                "RUN npm prune --omit=dev\n",
                "RUN npm prune --omit=dev && rm -rf node_modules/express\n",
            )
        },
        8,
    );
    assert_eq!(v.outcome, Outcome::Failed, "{v:?}");
    let reason = v.reason.clone().unwrap();
    assert_eq!(reason.code.as_str(), "verify-failed");
    assert!(
        reason.message.contains("the rewrite exited with code 1")
            && reason.message.contains("the original kept running"),
        "{}",
        reason.message
    );
    let run = v.run.as_ref().unwrap();
    assert!(
        run.rewrite
            .first_lines
            .iter()
            .any(|l| l.contains("express")),
        "{:?}",
        run.rewrite.first_lines
    );
    assert!(v.text().contains("first lines of each container's output"));
}

#[test]
#[ignore = "builds images with buildah: run by .ci/run after tests/verify/standins.sh"]
fn an_app_that_exits_alike_in_both_is_inconclusive_with_both_outputs() {
    ready();
    let dir = example_copy("node-classic", |text| text.to_string());
    let server = dir.path().join("src/server.ts");
    let text = std::fs::read_to_string(&server).unwrap();
    std::fs::write(
        &server,
        format!("if (!process.env.DATABASE_URL) {{\n  console.error(\"DATABASE_URL is not set\");\n  process.exit(3);\n}}\n{text}"),
    )
    .unwrap();
    let v = verify_running(&dir.path().join("Dockerfile"), |text| text.to_string(), 8);
    assert_eq!(v.outcome, Outcome::Inconclusive, "{v:?}");
    let reason = v.reason.clone().unwrap();
    assert_eq!(reason.code.as_str(), "verify-inconclusive");
    assert!(
        reason.message.contains("both exited with code 3"),
        "{}",
        reason.message
    );
    let text = v.text();
    let side_by_side = text
        .lines()
        .find(|l| l.contains("DATABASE_URL is not set"))
        .unwrap_or_else(|| panic!("no side-by-side line in {text}"));
    let columns: Vec<&str> = side_by_side.split(" | ").map(str::trim).collect();
    assert_eq!(columns, ["DATABASE_URL is not set"; 2], "{text}");
    // buildah's own report of the exit is not the application's output.
    assert!(!text.contains("subprocess exited"), "{text}");
}

#[test]
#[ignore = "builds images with buildah: run by .ci/run after tests/verify/standins.sh"]
fn a_copy_of_a_path_the_builder_lacks_fails_naming_the_path() {
    ready();
    let v = verify_with(Path::new("examples/node-classic/Dockerfile"), |text| {
        text.replace(
            "COPY --from=builder /app /app",
            "COPY --from=builder /app/missing-dist /app",
        )
    });
    assert_eq!(v.outcome, Outcome::Failed, "{v:?}");
    let reason = v.reason.unwrap();
    assert_eq!(reason.code.as_str(), "verify-failed");
    assert!(
        reason.message.contains("/app/missing-dist"),
        "{}",
        reason.message
    );
}

#[test]
#[ignore = "builds images with buildah: run by .ci/run after tests/verify/standins.sh"]
fn a_rewrite_that_loses_the_healthcheck_fails_naming_the_field() {
    ready();
    let dir = example_copy("node-classic", |text| {
        text.replace(
            "EXPOSE 3000\n",
            "EXPOSE 3000\nHEALTHCHECK --interval=30s CMD [\"node\", \"-e\", \"process.exit(0)\"]\n",
        )
    });
    let v = verify_with(&dir.path().join("Dockerfile"), |text| {
        // Drop the final stage's copy of the HEALTHCHECK.
        let at = text.rfind("HEALTHCHECK").unwrap();
        let end = at + text[at..].find('\n').unwrap() + 1;
        format!("{}{}", &text[..at], &text[end..])
    });
    assert_eq!(v.outcome, Outcome::Failed, "{v:?}");
    let message = v.reason.unwrap().message;
    assert!(message.contains("Healthcheck"), "{message}");
    assert!(message.contains("process.exit(0)"), "{message}");
}

#[test]
#[ignore = "builds images with buildah: run by .ci/run after tests/verify/standins.sh"]
fn ctrl_c_stops_the_build_removes_the_images_and_exits_130() {
    ready();
    let child = Command::new(env!("CARGO_BIN_EXE_slimfile"))
        .args([
            "--verify",
            "--engine",
            "buildah",
            "--quiet",
            "examples/node-classic/Dockerfile",
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Mid-way through the original's build (its npm install).
    std::thread::sleep(Duration::from_secs(8));
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGINT).unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("stopped by Ctrl-C"), "{stderr}");
    assert_nothing_left();
}

#[test]
#[ignore = "builds images with buildah: run by .ci/run after tests/verify/standins.sh"]
fn what_a_postinstall_script_writes_outside_the_app_reaches_the_rewrite() {
    // Found by building a real rewrite: the final stage lacked /opt/assets,
    // which only the install's postinstall script writes.
    ready();
    let dir = tempfile::tempdir().unwrap();
    let files = [
        (
            "Dockerfile",
            "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nEXPOSE 3000\nCMD [\"node\", \"index.js\"]\n",
        ),
        (
            "package.json",
            r#"{"name": "assets", "version": "1.0.0", "private": true, "scripts": {"postinstall": "mkdir -p /opt/assets && cp assets.txt /opt/assets/"}}"#,
        ),
        (
            "package-lock.json",
            r#"{"name": "assets", "version": "1.0.0", "lockfileVersion": 3, "requires": true, "packages": {"": {"name": "assets", "version": "1.0.0", "hasInstallScript": true}}}"#,
        ),
        ("assets.txt", "hello\n"),
        (
            "index.js",
            "const text = require('fs').readFileSync('/opt/assets/assets.txt', 'utf8');\nrequire('http').createServer((_, res) => res.end(text)).listen(3000);\n",
        ),
    ];
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let v = verify_running(&dir.path().join("Dockerfile"), |text| text.to_string(), 8);
    assert_eq!(v.outcome, Outcome::Passed, "{}", v.text());
    let run = serde_json::to_value(v.run.as_ref().unwrap()).unwrap();
    assert_eq!(run["rewrite"]["running"], true, "{run:#}");
    assert!(
        run["rewrite"]["answer"]
            .as_str()
            .is_some_and(|a| a.starts_with("HTTP/1.1 200")),
        "{run:#}"
    );
}

#[test]
#[ignore = "builds images with buildah: run by .ci/run after tests/verify/standins.sh"]
fn a_certificate_update_ca_certificates_adds_is_trusted_in_the_rewrite() {
    // update-ca-certificates writes the bundle in /etc/ssl/certs, outside
    // the application: the final stage must copy it, or the company's root
    // is not trusted there.
    ready();
    let dir = tempfile::tempdir().unwrap();
    let made = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30",
        ])
        .args(["-subj", "/CN=slimfile test root"])
        .arg("-keyout")
        .arg(dir.path().join("root.key"))
        .arg("-out")
        .arg(dir.path().join("corp-root.crt"))
        .output()
        .expect("openssl is installed");
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    std::fs::remove_file(dir.path().join("root.key")).unwrap();
    let files = [
        (
            "Dockerfile",
            "FROM python:3.11-bookworm\nCOPY corp-root.crt /usr/local/share/ca-certificates/corp-root.crt\nRUN update-ca-certificates\nWORKDIR /app\nCOPY server.py .\nEXPOSE 8000\nCMD [\"python\", \"server.py\"]\n",
        ),
        (
            "server.py",
            "import http.server, ssl\nnames = [c['subject'] for c in ssl.create_default_context().get_ca_certs()]\ntrusted = any(('commonName', 'slimfile test root') in n[0] for n in names)\nclass H(http.server.BaseHTTPRequestHandler):\n    def do_GET(self):\n        self.send_response(200 if trusted else 503); self.end_headers()\nhttp.server.HTTPServer(('', 8000), H).serve_forever()\n",
        ),
    ];
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let v = verify_running(&dir.path().join("Dockerfile"), |text| text.to_string(), 8);
    assert_eq!(v.outcome, Outcome::Passed, "{}", v.text());
    let run = serde_json::to_value(v.run.as_ref().unwrap()).unwrap();
    // 200: the root is among the certificates Python trusts (503 if not).
    for image in ["original", "rewrite"] {
        let answer = run[image]["answer"].as_str().unwrap_or("");
        assert!(answer.contains(" 200"), "{run:#}");
    }
}

#[test]
#[ignore = "builds images with buildah: run by .ci/run after tests/verify/standins.sh"]
fn the_cli_verifies_a_python_rewrite_that_builds_runs_and_answers() {
    // The rewrite makes /opt/venv in the builder, copies it to the slim
    // image and puts its bin first on PATH: gunicorn must be found there.
    ready();
    let dir = example_copy("python-requirements-gunicorn", |text| {
        text.replace("FROM python:3.12\n", "FROM python:3.11-bookworm\n")
    });
    let (out, stderr, report) = cli_verify(&dir.path().join("Dockerfile"), &["--verify-run", "8"]);
    let v = &report["files"][0]["verification"];
    assert_eq!(v["outcome"], "passed", "{v:#}\n{stderr}");
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let (before, after) = (
        v["original"]["size_bytes"].as_u64().unwrap(),
        v["rewrite"]["size_bytes"].as_u64().unwrap(),
    );
    assert!(after * 2 < before, "{before} → {after}");
    let fields: Vec<&str> = v["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    for field in ["Cmd", "ExposedPorts", "WorkingDir", "Env.PATH"] {
        assert!(fields.contains(&field), "{field} compared: {fields:?}");
    }
    let path = v["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["field"] == "Env.PATH")
        .unwrap();
    assert_eq!(path["verdict"], "announced", "{path:#}");
    assert!(
        path["rewrite"]
            .as_str()
            .unwrap()
            .starts_with("/opt/venv/bin:/usr/local/bin:"),
        "{path:#}"
    );
    // gunicorn, from the venv in the rewrite and from /usr/local/bin in the
    // original, serves Flask's JSON in both (gunicorn answers in the
    // request's HTTP version).
    let run = &v["run"];
    assert_eq!(run["port"], 8000, "{run:#}");
    for which in ["original", "rewrite"] {
        assert_eq!(run[which]["running"], true, "{run:#}");
        let answer = run[which]["answer"].as_str().unwrap_or_default();
        assert_eq!(
            answer.split_whitespace().nth(1),
            Some("200"),
            "{which}: {run:#}"
        );
        assert!(
            run[which]["first_lines"]
                .as_array()
                .unwrap()
                .iter()
                .any(|l| l
                    .as_str()
                    .unwrap()
                    .contains("Listening at: http://0.0.0.0:8000")),
            "{which}: {run:#}"
        );
    }
    assert_eq!(run["original"]["answer"], run["rewrite"]["answer"]);
    assert_nothing_left();
}

#[test]
#[ignore = "builds images with buildah: run by .ci/run after tests/verify/standins.sh"]
fn the_cli_verifies_a_go_binary_on_scratch_that_runs_and_answers() {
    // A static binary (CGO_ENABLED=0 on the build's line) on scratch, with
    // the builder's passwd for its user, the CA bundle and the zone
    // database: it starts and answers as the original does.
    ready();
    let dir = example_copy("go-healthcheck", |text| {
        text.replace("FROM golang:1.23\n", "FROM golang:1.19-bookworm\n")
    });
    let go_mod = dir.path().join("go.mod");
    let text = std::fs::read_to_string(&go_mod).unwrap();
    std::fs::write(&go_mod, text.replace("go 1.23", "go 1.19")).unwrap();
    let (out, stderr, report) = cli_verify(
        &dir.path().join("Dockerfile"),
        &["--verify-run", "6", "--verify-port", "8080"],
    );
    let file = &report["files"][0];
    assert_eq!(file["flavor"], "scratch", "{file:#}");
    let v = &file["verification"];
    assert_eq!(v["outcome"], "passed", "{v:#}\n{stderr}");
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let (before, after) = (
        v["original"]["size_bytes"].as_u64().unwrap(),
        v["rewrite"]["size_bytes"].as_u64().unwrap(),
    );
    assert!(after * 20 < before, "{before} → {after}");
    let field = |name: &str| {
        v["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["field"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("{name} compared: {v:#}"))
    };
    for name in ["Cmd", "User", "Healthcheck", "Env.PATH"] {
        assert_ne!(field(name)["verdict"], "differs", "{name}: {v:#}");
    }
    let run = &v["run"];
    for which in ["original", "rewrite"] {
        assert_eq!(run[which]["running"], true, "{run:#}");
    }
    assert_eq!(
        run["original"]["answer"], run["rewrite"]["answer"],
        "{run:#}"
    );
    assert_nothing_left();
}

#[test]
#[ignore = "builds images with buildah: run by .ci/run after tests/verify/standins.sh"]
fn the_cli_verifies_a_jar_on_the_jre_that_runs_and_answers() {
    // The jar javac and jar build in the JDK image, alone on the JRE of the
    // same major: it starts and answers as the original does.
    ready();
    let dir = example_copy("java-javac-jar", |text| text.to_string());
    let (out, stderr, report) = cli_verify(
        &dir.path().join("Dockerfile"),
        &["--verify-run", "8", "--verify-port", "8080"],
    );
    let file = &report["files"][0];
    assert_eq!(file["runtime_image"], "eclipse-temurin:17-jre", "{file:#}");
    let v = &file["verification"];
    assert_eq!(v["outcome"], "passed", "{v:#}\n{stderr}");
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let (before, after) = (
        v["original"]["size_bytes"].as_u64().unwrap(),
        v["rewrite"]["size_bytes"].as_u64().unwrap(),
    );
    assert!(after < before, "{before} → {after}");
    let run = &v["run"];
    for which in ["original", "rewrite"] {
        assert_eq!(run[which]["running"], true, "{run:#}");
    }
    assert_eq!(
        run["original"]["answer"], run["rewrite"]["answer"],
        "{run:#}"
    );
    assert_nothing_left();
}

#[test]
#[ignore = "builds images with buildah: run by .ci/run after tests/verify/standins.sh"]
fn a_python_rewrite_without_the_venv_on_path_fails_the_run() {
    // Without the final stage's PATH the configurations still compare alike
    // (the original's PATH is the base image's); only running tells that
    // gunicorn, in /opt/venv/bin, is not found.
    ready();
    let dir = example_copy("python-requirements-gunicorn", |text| {
        text.replace("FROM python:3.12\n", "FROM python:3.11-bookworm\n")
    });
    let v = verify_running(
        &dir.path().join("Dockerfile"),
        |text| {
            let line = "ENV PATH=/opt/venv/bin:$PATH\n";
            let at = text.rfind(line).unwrap();
            format!("{}{}", &text[..at], &text[at + line.len()..])
        },
        8,
    );
    assert_eq!(v.outcome, Outcome::Failed, "{}", v.text());
    let reason = v.reason.clone().unwrap();
    assert_eq!(reason.code.as_str(), "verify-failed");
    assert!(
        reason.message.contains("the original kept running"),
        "{}",
        reason.message
    );
    // buildah's "exec: \"gunicorn\": executable file not found in $PATH".
    let run = v.run.as_ref().unwrap();
    assert!(
        run.rewrite
            .first_lines
            .iter()
            .any(|l| l.contains("gunicorn")),
        "{}",
        v.text()
    );
    assert_nothing_left();
}

/// The images and working containers a verification made are all gone.
fn assert_nothing_left() {
    let images = Command::new("buildah")
        .args(["images", "--format", "{{.Name}}"])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&images.stdout).contains("slimfile-verify"));
    let working = Command::new("buildah")
        .args(["containers", "--noheading"])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&working.stdout).trim().is_empty(),
        "a working container is left"
    );
}
