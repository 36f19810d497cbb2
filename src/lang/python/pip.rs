//! pip commands as the `RUN` steps run them: which are installs, what each
//! installs, and where the packages go.

use super::*;

/// `pip install` options that take a value (`-r requirements.txt`), so the
/// value is not read as a package.
const VALUED: &[&str] = &[
    "-r",
    "--requirement",
    "-c",
    "--constraint",
    "-e",
    "--editable",
    "-t",
    "--target",
    "--prefix",
    "--root",
    "-i",
    "--index-url",
    "--extra-index-url",
    "-f",
    "--find-links",
    "--trusted-host",
    "--no-binary",
    "--only-binary",
    "--platform",
    "--python-version",
    "--implementation",
    "--abi",
    "--progress-bar",
    "--src",
    "--upgrade-strategy",
    "--config-settings",
    "-C",
    "--global-option",
    "--log",
    "--cache-dir",
    "--timeout",
    "--retries",
    "--proxy",
    "--cert",
    "--client-cert",
    "--exists-action",
    "--report",
    "--python",
    "--root-user-action",
    "--use-feature",
    "--use-deprecated",
    "--keyring-provider",
    "--group",
    "--build-option",
    "--install-option",
];

/// pip's options before the subcommand that take a value.
const GLOBAL_VALUED: &[&str] = &[
    "--python",
    "--log",
    "--proxy",
    "--retries",
    "--timeout",
    "--exists-action",
    "--trusted-host",
    "--cert",
    "--client-cert",
    "--cache-dir",
    "--use-feature",
    "--use-deprecated",
    "--keyring-provider",
];

/// The tool an install of packages is made with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Installer {
    Pip,
    /// `uv pip install`, pip's interface in uv.
    UvPip,
    /// `poetry install` (or `sync`).
    Poetry,
    /// `pipenv install` (or `sync`).
    Pipenv,
}

impl Installer {
    pub(super) fn name(self) -> &'static str {
        match self {
            Installer::Pip => "pip",
            Installer::UvPip => "uv pip",
            Installer::Poetry => "poetry",
            Installer::Pipenv => "pipenv",
        }
    }
}

/// One install of packages a `RUN` runs: `pip install`, `uv pip install`,
/// `poetry install`, `pipenv install`.
#[derive(Debug, Clone)]
pub(super) struct PipInstall<'a> {
    pub(super) run: &'a Instruction,
    pub(super) installer: Installer,
    /// The command's words, as written.
    pub(super) words: Vec<String>,
    /// It installs the project's dev dependencies too (poetry without
    /// `--only main`, pipenv `--dev`).
    pub(super) dev: bool,
    /// The program as written (`pip`, `/usr/local/bin/pip3`, `python3`).
    pub(super) program: String,
    /// The folder and user it runs in and as.
    pub(super) dir: Option<String>,
    pub(super) user: Option<String>,
    /// The variables the `RUN` set for it (`PYTHONUSERBASE=/x pip …`).
    pub(super) env: Vec<(String, Option<String>)>,
    /// The positional arguments: requirement specifiers and paths.
    pub(super) packages: Vec<String>,
    /// The `-r` files.
    pub(super) requirements: Vec<String>,
    /// The `-e` targets.
    pub(super) editable: Vec<String>,
    /// `--user`, and the option that puts the packages elsewhere
    /// (`--target /deps`), as written.
    pub(super) user_install: bool,
    pub(super) elsewhere: Option<String>,
}

impl PipInstall<'_> {
    /// An install of build tools only (`pip install --upgrade pip poetry`),
    /// which does not belong in the application's environment.
    pub(super) fn only_tools(&self, t: &PythonTemplate) -> bool {
        matches!(self.installer, Installer::Pip | Installer::UvPip)
            && self.requirements.is_empty()
            && self.editable.is_empty()
            && !self.packages.is_empty()
            && self.packages.iter().all(|p| {
                let name = distribution_name(p);
                t.rules.tool_packages.contains(&name)
            })
    }

    /// Whether it installs into a user's `~/.local`: with `--user`, or as a
    /// user other than root (pip falls back to a user install where it
    /// cannot write the interpreter's site-packages).
    pub(super) fn goes_to_user_site(&self) -> bool {
        self.user_install || !self.user.as_deref().is_some_and(crate::facts::is_root)
    }
}

/// The words after the program that are pip's (`-m pip install x` → `install x`),
/// if the command runs pip.
pub(super) fn pip_args(c: &Command) -> Option<Vec<String>> {
    let words = c.words();
    let name = c.name();
    let is_pip = name == "pip"
        || name
            .strip_prefix("pip")
            .is_some_and(|v| !v.is_empty() && v.chars().all(|ch| ch.is_ascii_digit() || ch == '.'));
    if is_pip {
        return Some(words[1..].to_vec());
    }
    if is_python(name) {
        // `python -m pip …`, with the interpreter's own options first.
        let mut rest = words[1..]
            .iter()
            .skip_while(|w| w.starts_with('-') && *w != "-m");
        if rest.next().map(String::as_str) == Some("-m")
            && rest.next().map(String::as_str) == Some("pip")
        {
            return Some(rest.cloned().collect());
        }
    }
    None
}

/// `python`, `python3`, `python3.12`.
pub(super) fn is_python(name: &str) -> bool {
    name.strip_prefix("python")
        .is_some_and(|v| v.is_empty() || v.chars().all(|ch| ch.is_ascii_digit() || ch == '.'))
}

/// The installs of packages of the stage, in order: pip's, `uv pip`'s,
/// poetry's and pipenv's.
pub(super) fn pip_installs<'a>(facts: &StageFacts<'a>) -> Vec<PipInstall<'a>> {
    let mut out = Vec::new();
    for (run, c) in facts.run_commands() {
        if let Some(install) = tool_install(run, c).or_else(|| legacy_install(run, c)) {
            out.push(install);
            continue;
        }
        let uv = (c.name() == "uv" && c.words().get(1).map(String::as_str) == Some("pip"))
            .then(|| c.words()[2..].to_vec());
        let installer = if uv.is_some() {
            Installer::UvPip
        } else {
            Installer::Pip
        };
        let Some(args) = uv.or_else(|| pip_args(c)) else {
            continue;
        };
        let mut words = args.iter();
        // The subcommand, after pip's own options.
        let mut sub = None;
        while let Some(w) = words.next() {
            if GLOBAL_VALUED.contains(&w.as_str()) {
                words.next();
            } else if !w.starts_with('-') {
                sub = Some(w.as_str());
                break;
            }
        }
        if sub != Some("install") && !(installer == Installer::UvPip && sub == Some("sync")) {
            continue;
        }
        let mut install = PipInstall {
            run,
            installer,
            words: c.words(),
            dev: false,
            program: c.program.clone(),
            dir: c.dir.clone(),
            user: c.user.clone(),
            env: c.env.clone(),
            packages: Vec::new(),
            requirements: Vec::new(),
            editable: Vec::new(),
            user_install: false,
            elsewhere: None,
        };
        while let Some(w) = words.next() {
            let (option, inline) = match w.split_once('=') {
                Some((o, v)) if o.starts_with("--") => (o, Some(v.to_string())),
                _ => (w.as_str(), None),
            };
            if option == "--user" {
                install.user_install = true;
                continue;
            }
            if option == "--system" {
                install.elsewhere = Some("--system".into());
                continue;
            }
            if !option.starts_with('-') {
                install.packages.push(w.clone());
                continue;
            }
            // `-rrequirements.txt`: a short option with its value attached.
            let (option, inline) = match (option, inline) {
                (o, None) if o.len() > 2 && !o.starts_with("--") && VALUED.contains(&&o[..2]) => {
                    (&o[..2], Some(o[2..].to_string()))
                }
                (o, v) => (o, v),
            };
            if !VALUED.contains(&option) {
                continue;
            }
            let Some(value) = inline.or_else(|| words.next().cloned()) else {
                break;
            };
            match option {
                "-r" | "--requirement" => install.requirements.push(value),
                // `-e /src[database]`: the extras are no part of the path.
                "-e" | "--editable" => {
                    install
                        .editable
                        .push(match value.find('[').filter(|_| value.ends_with(']')) {
                            Some(at) => value[..at].to_string(),
                            None => value,
                        })
                }
                "-t" | "--target" | "--prefix" | "--root" => {
                    install.elsewhere = Some(format!("{option} {value}"))
                }
                _ => {}
            }
        }
        if installer == Installer::UvPip
            && install.elsewhere.is_none()
            && is_true(facts.variable(&c.env, "UV_SYSTEM_PYTHON").as_deref())
        {
            install.elsewhere = Some("--system".into());
        }
        if installer == Installer::Pip {
            // pip's own variables (`ENV PIP_USER=1`, `PIP_TARGET=/deps`) act as
            // its options do.
            let var = |name: &str| facts.variable(&c.env, name);
            let on = |v: Option<String>| is_true(v.as_deref());
            if on(var("PIP_USER")) {
                install.user_install = true;
            }
            for (name, option) in [
                ("PIP_TARGET", "--target"),
                ("PIP_PREFIX", "--prefix"),
                ("PIP_ROOT", "--root"),
            ] {
                if let Some(v) = var(name).filter(|_| install.elsewhere.is_none()) {
                    install.elsewhere = Some(format!("{option} {v}"));
                }
            }
        }
        out.push(install);
    }
    out
}

/// A requirement's distribution name, normalised as pip compares them
/// (`Flask[async]>=2` → `flask`, `Django_Redis` → `django-redis`).
pub(super) fn distribution_name(spec: &str) -> String {
    let spec = spec.trim_matches(|c| c == '"' || c == '\'');
    let end = spec
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.'))
        .unwrap_or(spec.len());
    spec[..end].to_ascii_lowercase().replace(['_', '.'], "-")
}

/// The programs of the Python tools slimfile does not rewrite yet that the
/// `RUN`s run (`poetry install`, `uv sync`, `conda env create`), with the line.
pub(super) fn tool_not_yet<'a>(
    facts: &StageFacts<'a>,
    t: &PythonTemplate,
) -> Option<(&'a Instruction, String)> {
    facts.run_commands().find_map(|(run, c)| {
        let name = c.name();
        let via_python = pip_args(c).is_none()
            && is_python(name)
            && c.words()
                .windows(2)
                .any(|w| w[0] == "-m" && t.rules.tools_not_yet.contains(&w[1]));
        (t.rules.tools_not_yet.iter().any(|x| x == name) || via_python)
            .then(|| (run, c.words().join(" ")))
    })
}

/// A virtual environment the original makes itself (`python -m venv /venv`,
/// `virtualenv .venv`), as an absolute path, with its `RUN`.
pub(super) fn own_venv<'a>(facts: &StageFacts<'a>) -> Option<(&'a Instruction, Option<String>)> {
    facts.run_commands().find_map(|(run, c)| {
        let words = c.words();
        let name = c.name();
        // `uv venv` makes `.venv` where no path is given.
        let uv_default = [".venv".to_string()];
        let args: Vec<&String> = if name == "uv" && words.get(1).map(String::as_str) == Some("venv")
        {
            // Options with a value (`--python 3.12`) are not the path.
            let mut rest: Vec<&String> = Vec::new();
            let mut args = words[2..].iter();
            while let Some(a) = args.next() {
                if matches!(
                    a.as_str(),
                    "--python" | "-p" | "--prompt" | "--index-url" | "--cache-dir"
                ) {
                    args.next();
                } else if !a.starts_with('-') {
                    rest.push(a);
                }
            }
            if rest.is_empty() {
                uv_default.iter().collect()
            } else {
                rest
            }
        } else if is_python(name) {
            let at = words
                .windows(2)
                .position(|w| w[0] == "-m" && (w[1] == "venv" || w[1] == "virtualenv"))?;
            words[at + 2..].iter().collect()
        } else if name == "virtualenv" {
            words[1..].iter().collect()
        } else {
            return None;
        };
        let dir = args.into_iter().find(|a| !a.starts_with('-'))?;
        let path = match (&c.dir, dir.starts_with('/')) {
            (_, true) => Some(crate::paths::normalize(dir)),
            (Some(cwd), false) => Some(crate::paths::resolve(cwd, dir)),
            (None, false) => None,
        };
        Some((run, path.filter(|p| !p.contains('$'))))
    })
}

/// `poetry install`/`sync` and `pipenv install`/`sync`, as installs: where
/// the packages go is where the active environment is (checked with the
/// real tools: both use `VIRTUAL_ENV` when it is set).
fn tool_install<'a>(run: &'a Instruction, c: &Command) -> Option<PipInstall<'a>> {
    let words = c.words();
    let sub = words.get(1).map(String::as_str);
    let installer = match (c.name(), sub) {
        ("poetry", Some("install" | "sync")) => Installer::Poetry,
        ("pipenv", Some("install" | "sync")) => Installer::Pipenv,
        _ => return None,
    };
    let has = |o: &str| words.iter().any(|w| w == o);
    let option_value = |o: &str| {
        words
            .windows(2)
            .find(|w| w[0] == o)
            .map(|w| w[1].clone())
            .or_else(|| {
                words
                    .iter()
                    .find_map(|w| w.strip_prefix(&format!("{o}=")).map(String::from))
            })
    };
    let dev = match installer {
        // Dev groups come unless only main is asked for, or dev left out.
        Installer::Poetry => {
            let only = option_value("--only");
            let without = option_value("--without");
            !(has("--no-dev")
                || has("--only-root")
                || only.is_some_and(|g| !g.split(',').any(|g| g.trim() == "dev"))
                || without.is_some_and(|g| g.split(',').any(|g| g.trim() == "dev")))
        }
        _ => has("--dev") || has("-d"),
    };
    // poetry installs the project itself, editable, unless --no-root.
    let editable = if installer == Installer::Poetry && !has("--no-root") && !has("--only-root") {
        vec![".".to_string()]
    } else {
        Vec::new()
    };
    Some(PipInstall {
        run,
        installer,
        words: words.clone(),
        dev,
        program: c.program.clone(),
        dir: c.dir.clone(),
        user: c.user.clone(),
        env: c.env.clone(),
        packages: Vec::new(),
        requirements: Vec::new(),
        editable,
        user_install: false,
        elsewhere: None,
    })
}

/// `python setup.py install` (or `develop`): an install into the
/// interpreter on PATH, as pip's.
fn legacy_install<'a>(run: &'a Instruction, c: &Command) -> Option<PipInstall<'a>> {
    let words = c.words();
    let setup = is_python(c.name())
        && words.get(1).is_some_and(|w| w.ends_with("setup.py"))
        && words.iter().any(|w| w == "install" || w == "develop");
    let sync = false;
    if !setup {
        return None;
    }
    let develop = words.iter().any(|w| w == "develop");
    Some(PipInstall {
        run,
        installer: Installer::Pip,
        words: words.clone(),
        dev: false,
        program: c.program.clone(),
        dir: c.dir.clone(),
        user: c.user.clone(),
        env: c.env.clone(),
        packages: if setup { vec![".".into()] } else { Vec::new() },
        requirements: if sync {
            words[1..]
                .iter()
                .filter(|w| !w.starts_with('-'))
                .cloned()
                .collect()
        } else {
            Vec::new()
        },
        editable: if develop {
            vec![".".into()]
        } else {
            Vec::new()
        },
        user_install: words.iter().any(|w| w == "--user"),
        elsewhere: None,
    })
}

/// The distributions the installs name, as far as the build context shows:
/// the packages on the command line, the requirement files (and those they
/// include with `-r`), a poetry project's or a PEP 621 project's
/// dependencies, a Pipfile's packages; normalised names.
pub(super) fn installed_distributions(ctx: &Context, installs: &[&PipInstall]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut add = |name: String| {
        if !name.is_empty() && !out.contains(&name) {
            out.push(name);
        }
    };
    for i in installs {
        for p in i
            .packages
            .iter()
            .filter(|p| !p.starts_with('.') && !p.contains('/'))
        {
            add(distribution_name(p));
        }
        let mut files: Vec<String> = i.requirements.clone();
        let mut seen = 0;
        while seen < files.len() && seen < 32 {
            let file = files[seen].clone();
            seen += 1;
            let name = file.rsplit('/').next().unwrap_or(&file).to_string();
            let Some(text) = ctx.read(&file).or_else(|| ctx.read(&name)) else {
                continue;
            };
            for line in text.lines() {
                let line = line.split(" #").next().unwrap_or("").trim();
                if let Some(nested) = line
                    .strip_prefix("-r")
                    .or(line.strip_prefix("--requirement"))
                {
                    files.push(nested.trim_start_matches('=').trim().to_string());
                } else if !line.is_empty() && !line.starts_with('#') && !line.starts_with('-') {
                    add(distribution_name(line));
                }
            }
        }
        let manifest = |name: &str| ctx.read(name).and_then(|t| t.parse::<toml::Table>().ok());
        match i.installer {
            Installer::Poetry => {
                if let Some(t) = manifest("pyproject.toml") {
                    let deps = t
                        .get("tool")
                        .and_then(|t| t.get("poetry"))
                        .and_then(|p| p.get("dependencies"))
                        .and_then(|d| d.as_table());
                    for k in deps.into_iter().flat_map(|d| d.keys()) {
                        add(distribution_name(k));
                    }
                }
            }
            Installer::Pipenv => {
                if let Some(t) = manifest("Pipfile") {
                    for k in t
                        .get("packages")
                        .and_then(|p| p.as_table())
                        .into_iter()
                        .flat_map(|d| d.keys())
                    {
                        add(distribution_name(k));
                    }
                }
            }
            _ => {}
        }
        if i.packages.iter().any(|p| p == ".") || i.editable.iter().any(|e| e == ".") {
            if let Some(t) = manifest("pyproject.toml") {
                let deps = t
                    .get("project")
                    .and_then(|p| p.get("dependencies"))
                    .and_then(|d| d.as_array());
                for d in deps.into_iter().flatten().filter_map(|d| d.as_str()) {
                    add(distribution_name(d));
                }
            }
        }
    }
    out.retain(|n| n != "python");
    out
}
