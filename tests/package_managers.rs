//! The rewrite's builder run for real. For the npm, yarn classic, yarn berry and
//! pnpm examples, this test rewrites the example, then plays the rewritten
//! builder stage in a temporary folder — its `WORKDIR`, `ENV`, `COPY` from the
//! build context and `RUN` lines, in their new order, with the real package
//! managers — and then the final stage: its copies from the builder, its `RUN`
//! lines and its command. It checks that every line succeeds, what is left in
//! `node_modules` (the production dependencies, and no dev dependency where
//! slimfile prunes), and that the app then answers HTTP on its port.
//!
//! A container's `/` is a folder per stage here: absolute paths that the
//! stages name (their `WORKDIR`s) are mapped into it, in `RUN` and `ENV`
//! text too. `npm install -g` installs under the stage's folder
//! (`npm_config_prefix`), and `yarn`/`pnpm` are corepack's shims, as
//! `corepack enable` makes them on the images; corepack itself is the one
//! `.ci/run` pins (`SLIMFILE_COREPACK`), or the one on `PATH`.
//!
//! Commands inherit the test's environment (a machine's CA certificates and
//! proxy settings), with HOME, PATH and the package managers' settings
//! replaced. It needs node, npm and corepack, and the npm registry. Without them it
//! says so and passes, except under `CI`, where it fails.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use slimfile::context::Context;
use slimfile::parse::{Dockerfile, Form, Instruction, Keyword};
use slimfile::process::{process_bytes, Options};

/// The cases run one at a time: they share the package managers' caches and
/// the machine's two cores, and two apps may listen on one port.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// The yarn that corepack runs where a project does not pin its own with
/// `packageManager`: the one the official node images ship.
const DEFAULT_YARN: &str = "yarn@1.22.22";

/// What one example must leave behind.
struct Expect {
    example: &'static str,
    /// The file the build writes, relative to the app's folder.
    built: &'static str,
    /// Packages `node_modules` must hold after the builder stage.
    kept: &'static [&'static str],
    /// Packages it must not hold (dev dependencies that are pruned).
    pruned: &'static [&'static str],
}

#[test]
fn npm_install_build_and_prune() {
    run_case(Expect {
        example: "node-classic",
        built: "dist/server.js",
        kept: &["express"],
        pruned: &["typescript", "@types/node", "@types/express"],
    });
}

#[test]
fn npm_install_in_a_subfolder_is_pruned_there() {
    run_case(Expect {
        example: "node-cd-subproject",
        built: "web/dist/server.js",
        kept: &["web/express"],
        pruned: &["web/typescript"],
    });
}

#[test]
fn an_app_in_the_root_folder_is_replayed() {
    run_case(Expect {
        example: "node-app-in-root",
        built: "dist/server.js",
        kept: &["express"],
        pruned: &["typescript", "@types/node"],
    });
}

#[test]
fn yarn_classic_install_build_and_prune() {
    run_case(Expect {
        example: "node-yarn-build",
        built: "build/index.js",
        kept: &["fastify"],
        pruned: &["typescript"],
    });
}

#[test]
fn yarn_berry_through_corepack() {
    run_case(Expect {
        example: "node-yarn-berry",
        built: "build/index.js",
        kept: &["fastify"],
        pruned: &["typescript", "@types/node"],
    });
}

#[test]
fn pnpm_from_corepack_in_both_stages() {
    run_case(Expect {
        example: "node-pnpm-corepack",
        built: "dist/main.js",
        kept: &["hono", "@hono/node-server"],
        pruned: &["typescript"],
    });
}

#[test]
fn pnpm_install_build_and_prune() {
    run_case(Expect {
        example: "node-pnpm",
        built: "dist/main.js",
        kept: &["hono", "@hono/node-server"],
        pruned: &["typescript"],
    });
}

/// The programs the test runs, or `None` (after saying why) when this
/// machine lacks them outside CI.
struct Tools {
    /// Where corepack's `yarn` and `pnpm` shims are.
    shims: PathBuf,
    /// HOME for every command: the package managers' caches, kept between
    /// runs under the target folder.
    home: PathBuf,
}

fn tools() -> Option<&'static Tools> {
    static TOOLS: std::sync::OnceLock<Option<Tools>> = std::sync::OnceLock::new();
    TOOLS.get_or_init(set_up_tools).as_ref()
}

fn set_up_tools() -> Option<Tools> {
    let missing: Vec<&str> = ["node", "npm"]
        .into_iter()
        .filter(|t| !on_path(t))
        .collect();
    let corepack = std::env::var_os("SLIMFILE_COREPACK")
        .map(PathBuf::from)
        .or_else(|| on_path("corepack").then(|| PathBuf::from("corepack")));
    if !missing.is_empty() || corepack.is_none() {
        let what = format!(
            "the package-manager test needs node, npm and corepack on PATH (missing: {})",
            missing
                .iter()
                .copied()
                .chain(corepack.is_none().then_some("corepack"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        assert!(std::env::var_os("CI").is_none(), "{what}");
        eprintln!("skipped: {what}");
        return None;
    }
    let corepack = corepack.unwrap();
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("package-managers");
    let home = root.join("home");
    let shims = root.join("shims");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::create_dir_all(&shims).unwrap();
    let status = Command::new(&corepack)
        .args(["enable", "--install-directory"])
        .arg(&shims)
        .args(["yarn", "pnpm"])
        .envs(corepack_env(&home))
        .status()
        .expect("corepack runs");
    assert!(status.success(), "corepack enable failed");
    // `corepack enable` in a RUN line would write into the machine's node
    // folder: here it only says that the shims above are in place.
    let wrapper = shims.join("corepack");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\nif [ \"$1\" = enable ] && [ \"$#\" -eq 1 ]; then exit 0; fi\nexec '{}' \"$@\"\n",
            which(&corepack).display()
        ),
    )
    .unwrap();
    make_executable(&wrapper);
    // The version a project without `packageManager` gets, as the images'
    // own yarn.
    let status = Command::new(&corepack)
        .args(["install", "--global", DEFAULT_YARN])
        .envs(corepack_env(&home))
        .status()
        .expect("corepack runs");
    assert!(status.success(), "corepack install {DEFAULT_YARN} failed");
    Some(Tools { shims, home })
}

/// corepack's settings: its cache in our HOME, packages from the npm
/// registry (the one this machine and CI reach), and never a write to a
/// project's package.json.
fn corepack_env(home: &Path) -> Vec<(&'static str, String)> {
    vec![
        ("HOME", home.display().to_string()),
        ("COREPACK_HOME", home.join("corepack").display().to_string()),
        ("COREPACK_NPM_REGISTRY", "https://registry.npmjs.org".into()),
        // The registry mirror serves packages without npm's signatures.
        ("COREPACK_INTEGRITY_KEYS", "0".into()),
        ("COREPACK_ENABLE_AUTO_PIN", "0".into()),
        ("COREPACK_ENABLE_DOWNLOAD_PROMPT", "0".into()),
        ("COREPACK_DEFAULT_TO_LATEST", "0".into()),
    ]
}

fn run_case(expect: Expect) {
    let _guard = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let Some(tools) = tools() else { return };
    let context = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(expect.example);
    let original = std::fs::read(context.join("Dockerfile")).unwrap();
    let outcome = process_bytes(
        &original,
        "Dockerfile",
        &Context::at(&context),
        Options::default(),
    );
    let rewritten = outcome.rewritten.unwrap_or_else(|| {
        panic!(
            "{}: slimfile did not rewrite it: {:?}",
            expect.example, outcome.report.reason
        )
    });
    let file = Dockerfile::parse(&rewritten);
    let stages = file.stages();
    assert_eq!(stages.len(), 2, "{}: two stages", expect.example);
    let instructions: Vec<&Instruction> = file.instructions().collect();

    let scratch = tempfile::tempdir().unwrap();
    let mut builder = Stage::new(scratch.path().join("builder"), tools);
    for &i in &instructions[stages[0].instructions.clone()] {
        builder.play(i, &context, None, expect.example);
    }
    let app = builder.path(&builder.workdir);
    assert!(
        app.join(expect.built).is_file(),
        "{}: the build wrote no {}",
        expect.example,
        expect.built
    );
    for package in expect.kept {
        assert!(
            module_dir(&app, package).is_dir(),
            "{}: {package} should be in node_modules after the builder stage",
            expect.example
        );
    }
    for package in expect.pruned {
        assert!(
            !module_dir(&app, package).exists(),
            "{}: the dev dependency {package} should have been pruned",
            expect.example
        );
    }

    let mut final_stage = Stage::new(scratch.path().join("final"), tools);
    let mut command = None;
    let mut port = None;
    for &i in &instructions[stages[1].instructions.clone()] {
        match i.keyword {
            Keyword::Cmd | Keyword::Entrypoint => {
                assert!(
                    i.keyword == Keyword::Cmd || command.is_none(),
                    "{}: an ENTRYPOINT and a CMD: not played here",
                    expect.example
                );
                command = i.command().cloned();
            }
            Keyword::Expose => port = port.or_else(|| i.list_args().first().cloned()),
            _ => final_stage.play(i, &context, Some(&builder), expect.example),
        }
    }
    let command = command.unwrap_or_else(|| panic!("{}: no CMD", expect.example));
    let port: u16 = port
        .and_then(|p| p.split('/').next().and_then(|p| p.parse().ok()))
        .unwrap_or_else(|| panic!("{}: no EXPOSE to probe", expect.example));
    final_stage.serves(&command, port, expect.example);
}

/// The folder of a package in the app's `node_modules` (`web/express` is
/// express in `web/node_modules`).
fn module_dir(app: &Path, package: &str) -> PathBuf {
    match package.split_once('/') {
        Some((folder, name)) if !folder.starts_with('@') => {
            app.join(folder).join("node_modules").join(name)
        }
        _ => app.join("node_modules").join(package),
    }
}

/// One stage being played: its root folder, working directory and
/// environment.
struct Stage {
    root: PathBuf,
    workdir: String,
    env: BTreeMap<String, String>,
    /// The stage's absolute paths, longest first, for mapping into `root`.
    named: Vec<String>,
}

impl Stage {
    fn new(root: PathBuf, tools: &Tools) -> Stage {
        std::fs::create_dir_all(root.join("usr/local/bin")).unwrap();
        let mut env: BTreeMap<String, String> = corepack_env(&tools.home)
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        let system_path = std::env::var("PATH").unwrap_or_default();
        env.insert(
            "PATH".into(),
            format!(
                "{}:{}:{system_path}",
                root.join("usr/local/bin").display(),
                tools.shims.display()
            ),
        );
        env.insert(
            "npm_config_prefix".into(),
            root.join("usr/local").display().to_string(),
        );
        env.insert("npm_config_update_notifier".into(), "false".into());
        env.insert("npm_config_fund".into(), "false".into());
        env.insert("npm_config_audit".into(), "false".into());
        env.insert(
            "XDG_CACHE_HOME".into(),
            tools.home.join(".cache").display().to_string(),
        );
        env.insert(
            "XDG_DATA_HOME".into(),
            tools.home.join(".local/share").display().to_string(),
        );
        if let Some(ci) = std::env::var_os("CI") {
            env.insert("CI".into(), ci.to_string_lossy().into_owned());
        }
        Stage {
            root,
            workdir: "/".into(),
            env,
            named: Vec::new(),
        }
    }

    /// Where a container path is on this machine.
    fn path(&self, container: &str) -> PathBuf {
        let absolute = if container.starts_with('/') {
            container.to_string()
        } else {
            format!("{}/{container}", self.workdir.trim_end_matches('/'))
        };
        self.root.join(absolute.trim_start_matches('/'))
    }

    /// `text` with the stage's absolute paths mapped into its root.
    fn map(&self, text: &str) -> String {
        let mut out = text.to_string();
        for path in &self.named {
            let mapped = self.path(path).display().to_string();
            out = replace_path(&out, path, &mapped);
        }
        out
    }

    fn play(&mut self, i: &Instruction, context: &Path, builder: Option<&Stage>, example: &str) {
        match i.keyword {
            Keyword::Workdir => {
                let dir = i.value().unwrap().to_string();
                self.workdir = if dir.starts_with('/') {
                    dir
                } else {
                    format!("{}/{dir}", self.workdir.trim_end_matches('/'))
                };
                std::fs::create_dir_all(self.path(&self.workdir.clone())).unwrap();
                if self.workdir != "/" && !self.named.contains(&self.workdir) {
                    self.named.push(self.workdir.clone());
                    self.named.sort_by_key(|p| std::cmp::Reverse(p.len()));
                }
            }
            Keyword::Env => {
                for kv in i.key_values() {
                    let value = self.expand(&kv.value);
                    self.env.insert(kv.key, self.map(&value));
                }
            }
            Keyword::Arg => {
                for decl in i.arg_decls() {
                    if let Some(default) = decl.default {
                        self.env.insert(decl.name, default);
                    }
                }
            }
            Keyword::Copy | Keyword::Add => {
                let args = i.copy_args().unwrap();
                let from = i.flag("from").and_then(|f| f.value());
                let dest = self.path(&args.dest);
                let into = args.dest.ends_with('/') || args.sources.len() > 1;
                for source in &args.sources {
                    let found = match (from, builder) {
                        (Some(_), Some(builder)) => vec![builder.path(source)],
                        (Some(other), None) => {
                            panic!("{example}: COPY --from={other} in the builder")
                        }
                        _ => glob_in(context, source),
                    };
                    for path in found {
                        copy_into(&path, &dest, into || path.is_dir());
                    }
                }
            }
            Keyword::Run => {
                let script = match i.command() {
                    Some(Form::Shell(text)) => text.clone(),
                    Some(Form::Exec(argv)) => argv.join(" "),
                    None => panic!("{example}: line {}: an empty RUN", i.start_line),
                };
                assert!(
                    i.heredocs.is_empty(),
                    "{example}: line {}: heredocs are not played here",
                    i.start_line
                );
                let script = self.map(&script);
                let output = Command::new("sh")
                    .arg("-c")
                    .arg(&script)
                    .current_dir(self.path(&self.workdir))
                    .envs(&self.env)
                    .stdin(Stdio::null())
                    .output()
                    .expect("sh runs");
                assert!(
                    output.status.success(),
                    "{example}: line {}: `{script}` failed ({}):\n{}\n{}",
                    i.start_line,
                    output.status,
                    String::from_utf8_lossy(&output.stdout),
                    String::from_utf8_lossy(&output.stderr)
                );
            }
            // One user plays every stage: who owns what is not checked here.
            Keyword::User
            | Keyword::Expose
            | Keyword::Cmd
            | Keyword::Entrypoint
            | Keyword::Label
            | Keyword::Healthcheck => {}
            other => panic!(
                "{example}: line {}: {} is not played here",
                i.start_line,
                other.as_str()
            ),
        }
    }

    /// `$NAME` and `${NAME}` from the stage's environment.
    fn expand(&self, value: &str) -> String {
        let mut out = value.to_string();
        for (key, v) in &self.env {
            out = out.replace(&format!("${{{key}}}"), v);
            out = replace_word(&out, &format!("${key}"), v);
        }
        out
    }

    /// Starts the stage's command and waits for it to answer HTTP on `port`.
    fn serves(&self, command: &Form, port: u16, example: &str) {
        let argv: Vec<String> = match command {
            Form::Exec(argv) => argv.iter().map(|a| self.map(a)).collect(),
            Form::Shell(text) => vec!["/bin/sh".into(), "-c".into(), self.map(text)],
        };
        let log = self.root.join("command.log");
        let mut child = Command::new(&argv[0])
            .args(&argv[1..])
            .current_dir(self.path(&self.workdir))
            .envs(&self.env)
            .env("PORT", port.to_string())
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&log).unwrap())
            .stderr(std::fs::File::create(self.root.join("command.err")).unwrap())
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("{example}: {argv:?} does not start: {e}"));
        let answer = wait_for_http(&mut child, port, Duration::from_secs(60));
        let _ = Command::new("kill")
            .arg("--")
            .arg(format!("-{}", child.id()))
            .status();
        let _ = child.wait();
        let err = std::fs::read_to_string(self.root.join("command.err")).unwrap_or_default();
        match answer {
            Ok(status) => assert!(
                status.starts_with("HTTP/1."),
                "{example}: {argv:?} answered {status:?}"
            ),
            Err(why) => panic!("{example}: {argv:?} {why}:\n{err}"),
        }
    }
}

/// The status line of the first HTTP answer on `port`, or why there was none.
fn wait_for_http(child: &mut Child, port: u16, limit: Duration) -> Result<String, String> {
    let start = Instant::now();
    while start.elapsed() < limit {
        if let Some(status) = child.try_wait().unwrap() {
            return Err(format!("exited ({status}) before answering"));
        }
        if let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) {
            stream
                .set_read_timeout(Some(Duration::from_secs(5)))
                .unwrap();
            let _ = stream.write_all(b"GET / HTTP/1.0\r\nHost: localhost\r\n\r\n");
            let mut answer = String::new();
            let _ = stream.read_to_string(&mut answer);
            return Ok(answer.lines().next().unwrap_or("").to_string());
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    Err(format!("did not answer on port {port} within {limit:?}"))
}

/// `text` with `path` replaced where it is a whole path (not a prefix of a
/// longer name: `/app` in `/app/x` and `/app:`, not in `/apple`).
fn replace_path(text: &str, path: &str, mapped: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find(path) {
        let after = &rest[at + path.len()..];
        let before_ok = at == 0 || !rest[..at].ends_with(|c: char| c.is_alphanumeric() || c == '/');
        let after_ok = !after.starts_with(|c: char| c.is_alphanumeric() || c == '-' || c == '_');
        out.push_str(&rest[..at]);
        out.push_str(if before_ok && after_ok { mapped } else { path });
        rest = after;
    }
    out.push_str(rest);
    out
}

/// `text` with `$NAME` replaced where the name ends there.
fn replace_word(text: &str, word: &str, value: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find(word) {
        let after = &rest[at + word.len()..];
        out.push_str(&rest[..at]);
        if after.starts_with(|c: char| c.is_alphanumeric() || c == '_') {
            out.push_str(word);
        } else {
            out.push_str(value);
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

/// The context's files that a COPY source names: `.`, a path, or a file name
/// pattern with `*` in its last part.
fn glob_in(context: &Path, source: &str) -> Vec<PathBuf> {
    let source = source.trim_start_matches("./");
    if source == "." || source.is_empty() {
        return vec![context.to_path_buf()];
    }
    let (folder, pattern) = match source.rsplit_once('/') {
        Some((folder, pattern)) => (context.join(folder), pattern),
        None => (context.to_path_buf(), source),
    };
    if !pattern.contains('*') {
        let path = folder.join(pattern);
        assert!(path.exists(), "COPY {source}: not in the context");
        return vec![path];
    }
    let matcher = globset::Glob::new(pattern).unwrap().compile_matcher();
    let mut found: Vec<PathBuf> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| matcher.is_match(p.file_name().unwrap()))
        .collect();
    found.sort();
    found
}

/// Copies `from` to `dest`, or into it when `into` (a folder's contents, or
/// a file under its own name), as COPY does.
fn copy_into(from: &Path, dest: &Path, into: bool) {
    if from.is_dir() {
        std::fs::create_dir_all(dest).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            let target = dest.join(entry.file_name());
            let kind = entry.file_type().unwrap();
            if kind.is_dir() {
                copy_into(&entry.path(), &target, true);
            } else if kind.is_symlink() {
                let link = std::fs::read_link(entry.path()).unwrap();
                let _ = std::fs::remove_file(&target);
                std::os::unix::fs::symlink(link, &target).unwrap();
            } else {
                std::fs::copy(entry.path(), &target).unwrap();
            }
        }
    } else {
        let target = if into {
            std::fs::create_dir_all(dest).unwrap();
            dest.join(from.file_name().unwrap())
        } else {
            std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
            dest.to_path_buf()
        };
        std::fs::copy(from, target).unwrap();
    }
}

fn on_path(program: &str) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {program} >/dev/null"))
        .status()
        .is_ok_and(|s| s.success())
}

/// The absolute path of a program named on PATH.
fn which(program: &Path) -> PathBuf {
    if program.is_absolute() {
        return program.to_path_buf();
    }
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {}", program.display()))
        .output()
        .unwrap();
    PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
}

fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}
