//! What the Python rewrite relies on, checked by running the real tools:
//! `python3 -m venv`, pip, poetry, pipenv and uv. Each fact is one the
//! rewrite's output stands on (design.md, "The runtime contract"):
//!
//! - a virtual environment holds `python`, `python3`, `python3.X`, `pip`,
//!   `pip3` and `pip3.X` in its `bin` (the shell reader takes those as the
//!   environment's own programs), and `activate` sets `VIRTUAL_ENV` and puts
//!   that `bin` first on `PATH`;
//! - with the environment's `bin` first on `PATH`, a plain `pip install -r`
//!   and `python -m pip` install into it, and a package's console scripts
//!   (the command a `CMD` runs: `gunicorn`) land in that `bin`, not in the
//!   interpreter's;
//! - `pip install --user` is refused inside an environment (why the rewrite
//!   does not put one under a user install);
//! - `pip install -e .` leaves the environment pointing at the source folder
//!   (why the application directory must come along at the same path);
//! - poetry (default settings) and `pipenv install --system --deploy` install
//!   into the environment `VIRTUAL_ENV` names, and `poetry sync --only main`
//!   drops the dev group after the build;
//! - `uv pip install` uses that environment, while `uv sync` makes the
//!   project's `.venv` (dev group and scripts too), and `uv sync --no-dev`
//!   drops the dev group;
//! - poetry's `virtualenvs.in-project` and pipenv's `PIPENV_VENV_IN_PROJECT`
//!   make the project's `.venv` only where no `VIRTUAL_ENV` is active (pipenv
//!   also under `PIPENV_IGNORE_VIRTUALENVS`), and poetry's clean-up finds it;
//! - `uv pip install --system` (and `UV_SYSTEM_PYTHON`) ignores the active
//!   environment and installs into the interpreter's own prefix.
//!
//! The tools are pinned below and come from PyPI. It needs python3 with venv and PyPI. Without them it says so and passes,
//! except under `CI`, where it fails.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The pip every environment is brought to, so the behaviour checked is one
/// release's, whatever python3 the machine has.
const PIP: &str = "pip==24.3.1";

fn python() -> Option<&'static str> {
    let ok = Command::new("python3")
        .args(["-c", "import venv, ensurepip"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        let what = "the pip test needs python3 with venv and ensurepip (apt-get install python3 python3-venv)";
        assert!(std::env::var_os("CI").is_none(), "{what}");
        eprintln!("skipped: {what}");
        return None;
    }
    Some("python3")
}

fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("the command runs")
}

fn ok(cmd: &mut Command) -> String {
    let out = run(cmd);
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A fresh environment at `dir/venv`, its pip pinned, as the rewrite's
/// `RUN python -m venv` makes it.
fn venv(python: &str, dir: &Path) -> PathBuf {
    let venv = dir.join("venv");
    ok(Command::new(python).args(["-m", "venv"]).arg(&venv));
    ok(pip(&venv, dir).args(["install", "--quiet", "--disable-pip-version-check", PIP]));
    venv
}

/// `pip` as a RUN line runs it with the environment's `bin` first on PATH.
fn pip(venv: &Path, cwd: &Path) -> Command {
    let mut c = Command::new("pip");
    c.current_dir(cwd).env("PATH", path_with(venv));
    c.env_remove("PIP_USER").env_remove("PYTHONUSERBASE");
    c
}

fn path_with(venv: &Path) -> String {
    format!(
        "{}:{}",
        venv.join("bin").display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

#[test]
fn an_environment_has_the_programs_the_shell_reader_takes_as_its_own() {
    let Some(python) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let venv = venv(python, dir.path());
    let version = ok(Command::new(python).args([
        "-c",
        "import sys; print(f'{sys.version_info[0]}.{sys.version_info[1]}')",
    ]));
    let version = version.trim();
    for program in ["python", "python3", "pip", "pip3"]
        .into_iter()
        .map(String::from)
        .chain([format!("python{version}"), format!("pip{version}")])
    {
        assert!(venv.join("bin").join(&program).exists(), "{program}");
    }
    // `. venv/bin/activate` sets VIRTUAL_ENV and puts its bin first.
    let out = ok(Command::new("sh").current_dir(dir.path()).args([
        "-c",
        ". venv/bin/activate && echo \"$VIRTUAL_ENV\" && echo \"$PATH\"",
    ]));
    let mut lines = out.lines();
    assert_eq!(Path::new(lines.next().unwrap()), venv);
    assert!(lines
        .next()
        .unwrap()
        .starts_with(&format!("{}:", venv.join("bin").display())));
}

#[test]
fn requirements_and_their_console_scripts_install_into_the_environment() {
    let Some(python) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let venv = venv(python, dir.path());
    // The gunicorn example's own requirements file.
    let app = dir.path().join("app");
    std::fs::create_dir(&app).unwrap();
    for f in ["requirements.txt", "app.py"] {
        std::fs::copy(
            Path::new("examples/python-requirements-gunicorn").join(f),
            app.join(f),
        )
        .unwrap();
    }
    ok(pip(&venv, &app).args([
        "install",
        "--quiet",
        "--no-cache-dir",
        "--disable-pip-version-check",
        "-r",
        "requirements.txt",
    ]));
    // The CMD's program is the environment's, and it loads the app.
    let gunicorn = venv.join("bin/gunicorn");
    assert!(gunicorn.exists(), "gunicorn is in the environment's bin");
    let first = std::fs::read_to_string(&gunicorn).unwrap();
    assert!(
        first.starts_with(&format!("#!{}", venv.join("bin/python").display())),
        "its script runs the environment's python: {}",
        first.lines().next().unwrap_or_default()
    );
    ok(Command::new("gunicorn")
        .current_dir(&app)
        .env("PATH", path_with(&venv))
        .args(["--check-config", "app:app"]));
    // `python -m pip` with the same PATH is the environment's pip too.
    let out = ok(Command::new("python")
        .current_dir(&app)
        .env("PATH", path_with(&venv))
        .args(["-m", "pip", "--version"]));
    assert!(out.contains(&venv.display().to_string()), "{out}");
}

#[test]
fn a_user_install_is_refused_inside_an_environment() {
    let Some(python) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let venv = venv(python, dir.path());
    let out = run(pip(&venv, dir.path()).args([
        "install",
        "--user",
        "--disable-pip-version-check",
        "six",
    ]));
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--user"), "{err}");
}

#[test]
fn an_editable_install_points_the_environment_at_the_source_folder() {
    let Some(python) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let venv = venv(python, dir.path());
    let src = dir.path().join("src-tree");
    std::fs::create_dir_all(src.join("hello")).unwrap();
    std::fs::write(
        src.join("hello/__init__.py"),
        "def main():\n    print('hello')\n",
    )
    .unwrap();
    std::fs::write(
        src.join("pyproject.toml"),
        "[build-system]\nrequires = [\"setuptools>=68\"]\nbuild-backend = \"setuptools.build_meta\"\n\n[project]\nname = \"hello\"\nversion = \"0.1.0\"\n\n[project.scripts]\nhello = \"hello:main\"\n",
    )
    .unwrap();
    ok(pip(&venv, &src).args([
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "-e",
        ".",
    ]));
    // The script runs from the environment, the code from the source folder.
    let out = ok(Command::new("hello").env("PATH", path_with(&venv)));
    assert_eq!(out.trim(), "hello");
    let site =
        ok(Command::new(venv.join("bin/python"))
            .args(["-c", "import hello; print(hello.__file__)"]));
    assert!(
        Path::new(site.trim()).starts_with(&src),
        "{site} is read from {}",
        src.display()
    );
    // Without the source folder the environment cannot import it.
    std::fs::rename(&src, dir.path().join("moved")).unwrap();
    let out = run(Command::new(venv.join("bin/python")).args(["-c", "import hello"]));
    assert!(!out.status.success());
}

/// The tools the rewrite reads, pinned, each in an environment of its own
/// (as `pip install poetry` puts it in the image's /usr/local, outside the
/// application's environment).
const POETRY: &str = "poetry==2.1.3";
const PIPENV: &str = "pipenv==2024.4.1";
const UV: &str = "uv==0.5.31";

/// A tool installed in `dir/tool`, and the path of its program.
fn tool(python: &str, dir: &Path, spec: &str, program: &str) -> PathBuf {
    let tool = dir.join("tool");
    ok(Command::new(python).args(["-m", "venv"]).arg(&tool));
    ok(Command::new(tool.join("bin/pip")).args([
        "install",
        "--quiet",
        "--disable-pip-version-check",
        spec,
    ]));
    tool.join("bin").join(program)
}

/// A command as a RUN line after the rewrite's `ENV VIRTUAL_ENV=… PATH=…`
/// runs it: the environment active, HOME (the tools' caches and settings)
/// in the test's folder, the machine's CA bundle for a proxy that re-signs.
fn active(program: &Path, venv: &Path, cwd: &Path, home: &Path) -> Command {
    let mut c = Command::new(program);
    c.current_dir(cwd)
        .env("VIRTUAL_ENV", venv)
        .env("PATH", path_with(venv))
        .env("HOME", home)
        .env_remove("PIP_USER")
        .env_remove("PYTHONUSERBASE");
    let bundle = Path::new("/etc/ssl/certs/ca-certificates.crt");
    if bundle.is_file() {
        c.env("SSL_CERT_FILE", bundle)
            .env("REQUESTS_CA_BUNDLE", bundle);
    }
    c
}

/// Whether `venv`'s python can import `module`.
fn imports(venv: &Path, module: &str) -> bool {
    run(Command::new(venv.join("bin/python")).args(["-c", &format!("import {module}")]))
        .status
        .success()
}

#[test]
fn poetry_installs_into_the_active_environment_and_sync_drops_the_dev_group() {
    let Some(python) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let project = dir.path().join("project");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::create_dir_all(&project).unwrap();
    std::fs::write(
        project.join("pyproject.toml"),
        "[tool.poetry]\nname = \"demo\"\nversion = \"0.1.0\"\ndescription = \"\"\nauthors = [\"a <a@example.com>\"]\n\n[tool.poetry.dependencies]\npython = \">=3.9\"\nsix = \"*\"\n\n[tool.poetry.group.dev.dependencies]\niniconfig = \"*\"\n",
    )
    .unwrap();
    let poetry = tool(python, dir.path(), POETRY, "poetry");
    let venv = venv(python, dir.path());
    ok(active(&poetry, &venv, &project, &home).args(["lock", "--no-interaction"]));
    // Its default settings: with VIRTUAL_ENV set it makes no environment of its own.
    ok(active(&poetry, &venv, &project, &home).args(["install", "--no-root", "--no-interaction"]));
    assert!(imports(&venv, "six") && imports(&venv, "iniconfig"));
    assert!(!home.join(".cache/pypoetry/virtualenvs").exists());
    // The rewrite's clean-up after the build.
    ok(active(&poetry, &venv, &project, &home).args([
        "sync",
        "--only",
        "main",
        "--no-interaction",
        "--no-root",
    ]));
    assert!(imports(&venv, "six"), "the main group stays");
    assert!(!imports(&venv, "iniconfig"), "the dev group is gone");
}

#[test]
fn pipenv_system_deploy_installs_into_the_active_environment() {
    let Some(python) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let project = dir.path().join("project");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::create_dir_all(&project).unwrap();
    std::fs::write(
        project.join("Pipfile"),
        "[[source]]\nurl = \"https://pypi.org/simple\"\nverify_ssl = true\nname = \"pypi\"\n\n[packages]\nsix = \"*\"\n\n[dev-packages]\niniconfig = \"*\"\n",
    )
    .unwrap();
    let pipenv = tool(python, dir.path(), PIPENV, "pipenv");
    let venv = venv(python, dir.path());
    ok(active(&pipenv, &venv, &project, &home).arg("lock"));
    ok(active(&pipenv, &venv, &project, &home).args(["install", "--system", "--deploy"]));
    assert!(imports(&venv, "six"));
    assert!(!imports(&venv, "iniconfig"), "--dev was not asked for");
}

#[test]
fn uv_pip_uses_the_active_environment_and_uv_sync_the_project_s_own() {
    let Some(python) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let project = dir.path().join("project");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::create_dir_all(project.join("demo")).unwrap();
    std::fs::write(
        project.join("demo/__init__.py"),
        "def main():\n    print('demo')\n",
    )
    .unwrap();
    std::fs::write(
        project.join("pyproject.toml"),
        "[project]\nname = \"demo\"\nversion = \"0.1.0\"\nrequires-python = \">=3.9\"\ndependencies = [\"six\"]\n\n[project.scripts]\ndemo = \"demo:main\"\n\n[dependency-groups]\ndev = [\"iniconfig\"]\n\n[build-system]\nrequires = [\"setuptools>=68\"]\nbuild-backend = \"setuptools.build_meta\"\n",
    )
    .unwrap();
    std::fs::write(project.join("requirements.txt"), "six\n").unwrap();
    let uv = tool(python, dir.path(), UV, "uv");
    let venv = venv(python, dir.path());
    // `uv pip install` installs into the active environment.
    ok(active(&uv, &venv, &project, &home).args(["pip", "install", "-r", "requirements.txt"]));
    assert!(imports(&venv, "six"));
    // `uv sync` ignores it and makes the project's .venv, dev group and all,
    // with the image's interpreter.
    ok(active(&uv, &venv, &project, &home).arg("lock"));
    ok(active(&uv, &venv, &project, &home).args(["sync", "--frozen"]));
    let dot_venv = project.join(".venv");
    assert!(imports(&dot_venv, "six") && imports(&dot_venv, "iniconfig"));
    assert!(
        !imports(&venv, "iniconfig"),
        "VIRTUAL_ENV is not where uv sync installs"
    );
    assert!(
        dot_venv.join("bin/demo").exists(),
        "the project's script is in .venv/bin"
    );
    // The rewrite's clean-up after the build drops the dev group.
    ok(active(&uv, &venv, &project, &home).args(["sync", "--frozen", "--no-dev"]));
    assert!(imports(&dot_venv, "six") && !imports(&dot_venv, "iniconfig"));
}

/// A command as a RUN line with no environment active: PATH without one,
/// no VIRTUAL_ENV.
fn inactive(program: &Path, cwd: &Path, home: &Path) -> Command {
    let mut c = Command::new(program);
    c.current_dir(cwd)
        .env_remove("VIRTUAL_ENV")
        .env("HOME", home)
        .env_remove("PIP_USER")
        .env_remove("PYTHONUSERBASE");
    let bundle = Path::new("/etc/ssl/certs/ca-certificates.crt");
    if bundle.is_file() {
        c.env("SSL_CERT_FILE", bundle)
            .env("REQUESTS_CA_BUNDLE", bundle);
    }
    c
}

/// A project folder with `file` written in it, and a home for the tool.
fn project_with(dir: &Path, file: &str, text: &str) -> (PathBuf, PathBuf) {
    let home = dir.join("home");
    let project = dir.join("project");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::create_dir_all(&project).unwrap();
    std::fs::write(project.join(file), text).unwrap();
    (project, home)
}

#[test]
fn poetry_in_project_makes_the_project_s_venv_unless_an_environment_is_active() {
    let Some(python) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let (project, home) = project_with(
        dir.path(),
        "pyproject.toml",
        "[tool.poetry]\nname = \"demo\"\nversion = \"0.1.0\"\ndescription = \"\"\nauthors = [\"a <a@example.com>\"]\n\n[tool.poetry.dependencies]\npython = \">=3.9\"\nsix = \"*\"\n\n[tool.poetry.group.dev.dependencies]\niniconfig = \"*\"\n",
    );
    let poetry = tool(python, dir.path(), POETRY, "poetry");
    ok(inactive(&poetry, &project, &home).args(["config", "virtualenvs.in-project", "true"]));
    ok(inactive(&poetry, &project, &home).args(["lock", "--no-interaction"]));
    ok(inactive(&poetry, &project, &home).args(["install", "--no-root", "--no-interaction"]));
    let dot_venv = project.join(".venv");
    assert!(imports(&dot_venv, "six") && imports(&dot_venv, "iniconfig"));
    // Its interpreter is the one poetry's python was made from, by path.
    let cfg = std::fs::read_to_string(dot_venv.join("pyvenv.cfg")).unwrap();
    let home_line = cfg.lines().find(|l| l.starts_with("home")).unwrap();
    assert!(
        !home_line.contains(&dir.path().join("tool").display().to_string()),
        "{cfg}"
    );
    // The rewrite's clean-up, run the same way, finds it again.
    ok(inactive(&poetry, &project, &home).args([
        "sync",
        "--only",
        "main",
        "--no-interaction",
        "--no-root",
    ]));
    assert!(imports(&dot_venv, "six") && !imports(&dot_venv, "iniconfig"));
    assert!(!home.join(".cache/pypoetry/virtualenvs").exists());
    // The setting from the variable, given to the install alone, does the same.
    std::fs::remove_dir_all(&dot_venv).unwrap();
    ok(inactive(&poetry, &project, &home).args(["config", "--unset", "virtualenvs.in-project"]));
    ok(inactive(&poetry, &project, &home)
        .env("POETRY_VIRTUALENVS_IN_PROJECT", "true")
        .args(["install", "--no-root", "--no-interaction"]));
    assert!(imports(&dot_venv, "six"));
    // With an environment active, poetry installs into it and makes none.
    std::fs::remove_dir_all(&dot_venv).unwrap();
    let venv = venv(python, dir.path());
    ok(active(&poetry, &venv, &project, &home)
        .env("POETRY_VIRTUALENVS_IN_PROJECT", "true")
        .args(["install", "--no-root", "--no-interaction"]));
    assert!(imports(&venv, "six"));
    assert!(!dot_venv.exists(), "VIRTUAL_ENV wins over in-project");
}

#[test]
fn pipenv_venv_in_project_makes_the_project_s_venv_unless_an_environment_is_active() {
    let Some(python) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let (project, home) = project_with(
        dir.path(),
        "Pipfile",
        "[[source]]\nurl = \"https://pypi.org/simple\"\nverify_ssl = true\nname = \"pypi\"\n\n[packages]\nsix = \"*\"\n\n[dev-packages]\niniconfig = \"*\"\n",
    );
    let pipenv = tool(python, dir.path(), PIPENV, "pipenv");
    ok(inactive(&pipenv, &project, &home).arg("lock"));
    ok(inactive(&pipenv, &project, &home)
        .env("PIPENV_VENV_IN_PROJECT", "1")
        .args(["install", "--deploy"]));
    let dot_venv = project.join(".venv");
    assert!(imports(&dot_venv, "six") && !imports(&dot_venv, "iniconfig"));
    std::fs::remove_dir_all(&dot_venv).unwrap();
    // An active environment wins...
    let venv = venv(python, dir.path());
    ok(active(&pipenv, &venv, &project, &home)
        .env("PIPENV_VENV_IN_PROJECT", "1")
        .args(["install", "--deploy"]));
    assert!(imports(&venv, "six") && !dot_venv.exists());
    // ...unless pipenv is told to ignore it.
    ok(active(&pipenv, &venv, &project, &home)
        .env("PIPENV_VENV_IN_PROJECT", "1")
        .env("PIPENV_IGNORE_VIRTUALENVS", "1")
        .args(["install", "--deploy"]));
    assert!(imports(&dot_venv, "six"));
}

#[test]
fn uv_pip_system_ignores_the_active_environment() {
    let Some(python) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let (project, home) = project_with(dir.path(), "requirements.txt", "six\n");
    let uv = tool(python, dir.path(), UV, "uv");
    let venv = venv(python, dir.path());
    // The interpreter's own prefix: on the official images /usr/local, whose
    // lib/python3.X/site-packages and bin the final stage copies.
    let prefix = ok(Command::new(python).args(["-c", "import sys; print(sys.prefix)"]));
    let prefix = std::fs::canonicalize(prefix.trim()).unwrap();
    // --dry-run: the machine's own interpreter is not written to.
    for by_variable in [false, true] {
        let mut c = active(&uv, &venv, &project, &home);
        c.args(["pip", "install", "--dry-run", "-r", "requirements.txt"]);
        if by_variable {
            c.env("UV_SYSTEM_PYTHON", "1");
        } else {
            c.arg("--system");
        }
        let out = run(&mut c);
        assert!(out.status.success(), "{out:?}");
        let said = String::from_utf8_lossy(&out.stderr).to_string();
        let at = said
            .lines()
            .find_map(|l| {
                l.split_once("environment at: ")
                    .map(|(_, p)| p.trim().to_string())
            })
            .unwrap_or_else(|| panic!("uv names the environment it installs into: {said}"));
        assert_eq!(std::fs::canonicalize(&at).unwrap(), prefix, "{said}");
    }
}
