//! What the Python rewrite relies on, checked by running the real tools:
//! `python3 -m venv` and pip (pinned below, from PyPI). Each fact is one the
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
//!   (why the application directory must come along at the same path).
//!
//! It needs python3 with venv and PyPI. Without them it says so and passes,
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
