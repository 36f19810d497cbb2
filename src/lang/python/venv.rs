//! The virtual environment the application's packages go into: the
//! Dockerfile's own where its installs use it, or the one the rewrite makes
//! before the first install (the builder edit), and the `PATH` that must
//! keep it first.

use super::*;

/// Where the application's packages live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Venv {
    /// No pip install of the application's: nothing outside the app.
    None,
    /// The virtual environment the rewrite makes before the first install.
    Made(String),
    /// The one the original makes and installs into.
    Own(String),
}

impl Venv {
    pub(super) fn path(&self) -> Option<&str> {
        match self {
            Venv::None => None,
            Venv::Made(p) | Venv::Own(p) => Some(p),
        }
    }
}

/// Where the application's packages go: the original's own virtual
/// environment, where its installs use it; or one the rewrite makes.
pub(super) fn venv(
    facts: &StageFacts,
    t: &PythonTemplate,
    project: &[&PipInstall],
) -> Result<Venv, Stop> {
    let Some((run, path)) = own_venv(facts) else {
        return Ok(if project.is_empty() {
            Venv::None
        } else {
            Venv::Made(t.rules.venv.clone())
        });
    };
    let Some(path) = path else {
        return Err(refused(
            OWN_VIRTUALENV,
            run.start_line,
            "this RUN makes a virtual environment whose path slimfile cannot tell",
        )
        .hint("give it an absolute path"));
    };
    let bin = format!("{path}/bin");
    for i in project {
        let on_path = path_before(facts, i.run.start_line)
            .is_some_and(|v| v.split(':').any(|d| d.trim_end_matches('/') == bin));
        let activated = facts.commands_of(i.run).iter().any(|c| {
            (c.name() == "." || c.name() == "source")
                && c.words()
                    .get(1)
                    .is_some_and(|w| w.ends_with("/bin/activate"))
        });
        // poetry, pipenv and uv use the environment VIRTUAL_ENV names; uv
        // also finds a `.venv` in the folder it runs in.
        let named = facts.env_before("VIRTUAL_ENV", &path, i.run.start_line)
            || i.env
                .iter()
                .any(|(k, v)| k == "VIRTUAL_ENV" && v.as_deref() == Some(&path));
        // `venv/bin/pip` under the WORKDIR names the environment's pip too.
        let program = match &i.dir {
            Some(d) if i.program.contains('/') => crate::paths::resolve(d, &i.program),
            _ => i.program.clone(),
        };
        let uses = match i.installer {
            Installer::Pip => program.starts_with(&format!("{bin}/")) || on_path || activated,
            Installer::UvPip => {
                named
                    || activated
                    || i.dir
                        .as_deref()
                        .is_some_and(|d| crate::paths::resolve(d, ".venv") == path)
            }
            Installer::Poetry | Installer::Pipenv => named || activated,
        };
        if !uses {
            return Err(refused(
                OWN_VIRTUALENV,
                i.run.start_line,
                format!("this {} install does not run in the virtual environment {path} the Dockerfile makes at line {}, so its packages go elsewhere", i.installer.name(), run.start_line),
            )
            .hint(format!("put {bin} first on PATH before the install (ENV PATH=\"{bin}:$PATH\")")));
        }
    }
    Ok(Venv::Own(path))
}

/// An `ENV PATH` after the environment is made that does not build on
/// `$PATH` and leaves out its `bin` would hide it, in the builder's later
/// steps and in the final stage.
pub(super) fn check_path_keeps(facts: &StageFacts, from: usize, venv: &str) -> Result<(), Stop> {
    let bin = format!("{venv}/bin");
    for i in facts
        .instructions
        .iter()
        .filter(|i| i.keyword == crate::parse::Keyword::Env && i.start_line >= from)
    {
        for kv in i.key_values().into_iter().filter(|kv| kv.key == "PATH") {
            let value = crate::facts::unquote(&kv.value);
            let builds_on = value.contains("$PATH") || value.contains("${PATH}");
            if !builds_on && !value.split(':').any(|d| d.trim_end_matches('/') == bin) {
                return Err(refused(
                    PATH_DROPS_VENV,
                    i.start_line,
                    format!("ENV PATH={value} replaces PATH after the installs, so the virtual environment's {bin} the rewrite puts first would be dropped"),
                )
                .hint("write it as ENV PATH=<folders>:$PATH, or write the final stage by hand"));
            }
        }
    }
    Ok(())
}

/// The `PATH` the `ENV`s before `line` set, each `$PATH` in one standing for
/// the value before it (`$PATH` at the start: the image's own), with the
/// other variables expanded where known.
pub(super) fn path_before(facts: &StageFacts, line: usize) -> Option<String> {
    let mut path: Option<String> = None;
    for i in facts
        .instructions
        .iter()
        .filter(|i| i.keyword == crate::parse::Keyword::Env && i.start_line < line)
    {
        for kv in i.key_values().into_iter().filter(|kv| kv.key == "PATH") {
            let value = crate::facts::unquote(&kv.value);
            let marked = value.replace("${PATH}", "\u{0}").replace("$PATH", "\u{0}");
            let expanded = facts.expand(&marked).unwrap_or(marked);
            let before = path.clone().unwrap_or_else(|| "$PATH".into());
            path = Some(expanded.replace('\u{0}', &before));
        }
    }
    path
}

/// The builder edit that makes the virtual environment: two instructions
/// after the one before the first install of the application's packages,
/// each on a line of its own.
pub(super) fn venv_edit(
    file: &Dockerfile,
    facts: &StageFacts,
    first: &Instruction,
    path: &str,
) -> BuilderEdit {
    let eol = file.line_ending();
    // The instruction before it (its FROM, when the install comes first).
    let before = facts
        .instructions
        .iter()
        .position(|i| std::ptr::eq(*i, first))
        .and_then(|at| at.checked_sub(1))
        .map_or(facts.from, |at| facts.instructions[at]);
    let end = before.text_span.end;
    BuilderEdit {
        range: end..end,
        text: format!(
            "{eol}RUN python -m venv {path}{eol}ENV VIRTUAL_ENV={path}{eol}ENV PATH={path}/bin:$PATH"
        ),
        why: format!(
            "a virtual environment for the application's packages, before their first install; the final stage copies {path} whole"
        ),
    }
}

/// Where `uv pip install --system` (or `UV_SYSTEM_PYTHON`) puts the
/// application's packages: the image's own interpreter's site-packages,
/// `/usr/local/lib/python3.X/site-packages` on the official images, with
/// their console scripts in `/usr/local/bin` (uv ignores virtual
/// environments there: checked with uv 0.5.31, tests/pip_behaviour.rs).
/// The final stage's interpreter is the same release at the same path, so
/// the folder is copied over its own. Every other install of the
/// application's must go there too, as root's plain pip does: a virtual
/// environment would not see those packages.
pub(super) fn system_site(
    facts: &StageFacts,
    tag: &PythonTag,
    project: &[&PipInstall],
) -> Result<Option<String>, Stop> {
    let is_system = |i: &PipInstall| i.elsewhere.as_deref() == Some("--system");
    let Some(first) = project.iter().find(|i| is_system(i)) else {
        return Ok(None);
    };
    for i in project {
        let plain_pip =
            i.installer == Installer::Pip && i.elsewhere.is_none() && !i.goes_to_user_site();
        if !(is_system(i) || plain_pip) {
            return Err(refused(
                PIP_OUTSIDE_VENV,
                i.run.start_line,
                format!(
                    "uv pip install --system (line {}) puts the packages in the interpreter's own site-packages, and this {} install puts them elsewhere",
                    first.run.start_line,
                    i.installer.name()
                ),
            )
            .hint("install everything the same way, or write the final stage by hand"));
        }
    }
    if let Some((run, _)) = own_venv(facts) {
        return Err(refused(
            OWN_VIRTUALENV,
            run.start_line,
            "the Dockerfile makes a virtual environment, and uv pip install --system installs outside it",
        )
        .hint("install into the environment (drop --system), or write the final stage by hand"));
    }
    let release = tag.known_tag.split('-').next().unwrap_or("");
    let mut parts = release.split('.');
    let minor = match (parts.next(), parts.next()) {
        (Some(major), Some(minor))
            if !major.is_empty()
                && major.chars().all(|c| c.is_ascii_digit())
                && !minor.is_empty()
                && minor.chars().all(|c| c.is_ascii_digit()) =>
        {
            format!("{major}.{minor}")
        }
        _ => {
            return Err(refused(
                PIP_OUTSIDE_VENV,
                first.run.start_line,
                format!(
                    "uv pip install --system installs into /usr/local/lib/python3.X/site-packages, and the tag `{}` does not say which 3.X that is",
                    tag.known_tag
                ),
            )
            .hint("name the Python release in the tag (python:3.12), or install into a virtual environment"))
        }
    };
    Ok(Some(format!("/usr/local/lib/python{minor}/site-packages")))
}

/// The console scripts the start command runs that an install into the
/// image's own interpreter put in `/usr/local/bin`: each program called by
/// name (or by that path) that neither the runtime image nor a package the
/// final stage installs has.
pub(super) fn system_scripts(
    t: &PythonTemplate,
    flavor: Flavor,
    programs: &[String],
    packages: &[String],
) -> Vec<String> {
    let mut out = Vec::new();
    for p in programs {
        let name = p.strip_prefix("/usr/local/bin/").unwrap_or(p);
        if name.contains('/')
            || is_python(name)
            || crate::base_images::os_has(flavor, name)
            || t.base_config.programs.get(flavor).iter().any(|b| b == name)
            || packages.iter().any(|q| q == name)
        {
            continue;
        }
        let path = format!("/usr/local/bin/{name}");
        if !out.contains(&path) {
            out.push(path);
        }
    }
    out
}
