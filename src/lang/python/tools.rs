//! poetry, pipenv and uv: which of their commands slimfile follows, where
//! `uv sync` puts the project's environment, the clean-up that drops the dev
//! groups after the build, and a start command run through one of them
//! (`poetry run gunicorn …`), which the final stage, without the tool, runs
//! directly. Where each tool puts packages was found by running it: poetry
//! and pipenv install into the environment `VIRTUAL_ENV` names, whatever
//! their settings, unless told to make one in the project; `uv pip
//! install` uses it too, but `--system` ignores it; `uv sync` makes the
//! project's `.venv` (or `UV_PROJECT_ENVIRONMENT`) and ignores it.

use super::*;

/// The subcommands of each tool whose effects slimfile follows: installs,
/// and commands that only read or write files in the project.
const POETRY_FOLLOWED: &[&str] = &[
    "install",
    "sync",
    "config",
    "export",
    "lock",
    "check",
    "build",
    "show",
    "env",
    "run",
    "self",
    "about",
    "version",
    "debug",
    "--version",
    "-V",
];
const PIPENV_FOLLOWED: &[&str] = &[
    "install",
    "sync",
    "lock",
    "requirements",
    "run",
    "graph",
    "check",
    "verify",
    "--version",
];
const UV_FOLLOWED: &[&str] = &[
    "pip",
    "sync",
    "lock",
    "export",
    "venv",
    "run",
    "version",
    "cache",
    "--version",
    "-V",
];

/// A true value (`1`, `true`, `yes`, `on`), as the tools read their variables.
pub(super) fn is_true(value: Option<&str>) -> bool {
    value.is_some_and(|v| matches!(v.to_ascii_lowercase().as_str(), "1" | "true" | "yes" | "on"))
}

/// A false value (`0`, `false`, `no`, `off`).
fn is_false(value: Option<&str>) -> bool {
    value.is_some_and(|v| {
        matches!(
            v.to_ascii_lowercase().as_str(),
            "0" | "false" | "no" | "off"
        )
    })
}

/// Whether a variable is set to a true value for a command.
fn truthy(facts: &StageFacts, c: &Command, name: &str) -> bool {
    is_true(facts.variable(&c.env, name).as_deref())
}

/// Refuses the commands of poetry, pipenv and uv slimfile does not follow,
/// and the settings that put the packages where it does not look.
pub(super) fn check_tool_commands(facts: &StageFacts) -> Result<(), Stop> {
    for (run, c) in facts.run_commands() {
        let words = c.words();
        if c.name() == "pip-sync" {
            return Err(refused(
                PIP_OUTSIDE_VENV,
                run.start_line,
                "pip-sync installs into the interpreter pip-tools was installed with, outside the virtual environment",
            )
            .hint("install with pip install -r, or write the final stage by hand"));
        }
        let sub = words.get(1).map(String::as_str).unwrap_or("");
        let line = run.start_line;
        let text = words.join(" ");
        let not_followed = |tool: &str| {
            refused(
                TOOL_NOT_YET,
                line,
                format!("`{text}`: slimfile does not follow this {tool} command yet"),
            )
            .hint("write the final stage by hand")
        };
        match c.name() {
            "poetry" if !POETRY_FOLLOWED.contains(&sub) => return Err(not_followed("poetry")),
            "uv" if !UV_FOLLOWED.contains(&sub) => return Err(not_followed("uv")),
            "pipenv" => {
                if !PIPENV_FOLLOWED.contains(&sub) {
                    return Err(not_followed("pipenv"));
                }
                // Without an environment in the project it makes one in
                // ~/.local/share/virtualenvs, whatever VIRTUAL_ENV says.
                if matches!(sub, "install" | "sync")
                    && !words.iter().any(|w| w == "--system")
                    && truthy(facts, c, "PIPENV_IGNORE_VIRTUALENVS")
                    && !truthy(facts, c, "PIPENV_VENV_IN_PROJECT")
                {
                    return Err(refused(
                        TOOL_NOT_YET,
                        line,
                        "PIPENV_IGNORE_VIRTUALENVS makes pipenv create an environment of its own in ~/.local/share/virtualenvs: slimfile does not rewrite that yet",
                    )
                    .hint("install with `pipenv install --system --deploy`, or set PIPENV_VENV_IN_PROJECT=1"));
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// The environment poetry or pipenv makes inside the project, `.venv` in
/// the folder the install runs in, where the original asks for one; `None`
/// where the install goes into the active environment instead. Found by
/// running both (poetry 2.1.3, pipenv 2024.4.1; tests/pip_behaviour.rs): an
/// active `VIRTUAL_ENV` wins over poetry's `virtualenvs.in-project` and
/// pipenv's `PIPENV_VENV_IN_PROJECT`, unless `PIPENV_IGNORE_VIRTUALENVS`;
/// poetry's `virtualenvs.create false` and pipenv's `--system` make none.
pub(super) fn in_project_env(
    facts: &StageFacts,
    ctx: &Context,
    i: &PipInstall,
) -> Result<Option<String>, Stop> {
    let line = i.run.start_line;
    let inline = |name: &str| facts.variable(&i.env, name);
    let on = |v: Option<String>| is_true(v.as_deref());
    let off = |v: Option<String>| is_false(v.as_deref());
    let active = inline("VIRTUAL_ENV").is_some();
    let in_project = match i.installer {
        Installer::Poetry => {
            let local = poetry_local_settings(facts, ctx, i);
            let setting = |key: &str, env: &str| -> Option<bool> {
                let mut value = local.get(key).copied();
                for (run, c) in facts.run_commands() {
                    let words = c.words();
                    if run.start_line > line
                        || c.name() != "poetry"
                        || words.get(1).map(String::as_str) != Some("config")
                    {
                        continue;
                    }
                    if let Some(at) = words.iter().position(|w| w == key) {
                        if words.iter().any(|w| w == "--unset") {
                            value = None;
                        } else if let Some(v) = words.get(at + 1) {
                            value = Some(matches!(v.as_str(), "true" | "1"));
                        }
                    }
                }
                let from_env = inline(env);
                if on(from_env.clone()) {
                    value = Some(true);
                } else if off(from_env) {
                    value = Some(false);
                }
                value
            };
            let creates = setting("virtualenvs.create", "POETRY_VIRTUALENVS_CREATE") != Some(false);
            creates
                && !active
                && setting("virtualenvs.in-project", "POETRY_VIRTUALENVS_IN_PROJECT") == Some(true)
        }
        Installer::Pipenv => {
            let system = i.words.iter().any(|w| w == "--system");
            !system
                && on(inline("PIPENV_VENV_IN_PROJECT"))
                && (!active || on(inline("PIPENV_IGNORE_VIRTUALENVS")))
        }
        _ => false,
    };
    if !in_project {
        return Ok(None);
    }
    let Some(cwd) = i.dir.as_deref() else {
        return Err(refused(
            OWN_VIRTUALENV,
            line,
            format!(
                "{} makes its environment in the project's .venv, and slimfile cannot tell the folder this install runs in",
                i.installer.name()
            ),
        ));
    };
    // pipenv's project is the folder of the Pipfile it is given.
    let project = match inline("PIPENV_PIPFILE").filter(|_| i.installer == Installer::Pipenv) {
        Some(file) if file.contains('$') => {
            return Err(refused(
                OWN_VIRTUALENV,
                line,
                "PIPENV_PIPFILE names a file slimfile cannot tell",
            ))
        }
        Some(file) => {
            let file = crate::paths::resolve(cwd, &file);
            file.rsplit_once('/').map_or("/".to_string(), |(d, _)| {
                if d.is_empty() {
                    "/".into()
                } else {
                    d.into()
                }
            })
        }
        None => cwd.to_string(),
    };
    Ok(Some(crate::paths::resolve(&project, ".venv")))
}

/// The `[virtualenvs]` settings of a `poetry.toml` copied into the folder
/// of the install before it runs (`create`, `in-project`).
fn poetry_local_settings(
    facts: &StageFacts,
    ctx: &Context,
    i: &PipInstall,
) -> std::collections::BTreeMap<&'static str, bool> {
    let mut out = std::collections::BTreeMap::new();
    let Some(dir) = i.dir.as_deref() else {
        return out;
    };
    let copies = facts
        .copies
        .iter()
        .filter(|c| c.from.is_none() && c.instruction.start_line < i.run.start_line)
        .map(|c| (c.sources.as_slice(), c.dest.as_str()));
    let copied = crate::scripts::CopiedScripts::new(ctx, copies);
    let path = crate::paths::resolve(dir, "poetry.toml");
    let Some(text) = crate::shell::Scripts::script(&copied, &path) else {
        return out;
    };
    let Ok(table) = text.parse::<toml::Table>() else {
        return out;
    };
    let venvs = table.get("virtualenvs").and_then(|v| v.as_table());
    for key in ["create", "in-project"] {
        if let Some(b) = venvs.and_then(|t| t.get(key)).and_then(|v| v.as_bool()) {
            out.insert(
                if key == "create" {
                    "virtualenvs.create"
                } else {
                    "virtualenvs.in-project"
                },
                b,
            );
        }
    }
    out
}

/// A `uv sync`: the project's environment it makes, by path.
#[derive(Debug, Clone)]
pub(super) struct UvSync<'a> {
    pub(super) run: &'a Instruction,
    pub(super) words: Vec<String>,
    /// Where the environment is, absolute.
    pub(super) env: String,
    /// `--active`: into `VIRTUAL_ENV` instead.
    pub(super) active: bool,
    /// It installs the dev group (uv's default).
    pub(super) dev: bool,
}

/// The `uv sync`s of the stage; a refusal where the environment's folder
/// or its interpreter cannot be told.
pub(super) fn uv_syncs<'a>(
    facts: &StageFacts<'a>,
    ctx: &Context,
    tag: &PythonTag,
) -> Result<Vec<UvSync<'a>>, Stop> {
    let mut out = Vec::new();
    for (run, c) in facts.run_commands() {
        let words = c.words();
        if c.name() != "uv" || words.get(1).map(String::as_str) != Some("sync") {
            continue;
        }
        let line = run.start_line;
        let cwd = c.dir.clone().ok_or_else(|| {
            refused(
                OWN_VIRTUALENV,
                line,
                "cannot tell the folder this uv sync runs in",
            )
        })?;
        let named = c
            .env
            .iter()
            .find(|(k, _)| k == "UV_PROJECT_ENVIRONMENT")
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| facts.lookup("UV_PROJECT_ENVIRONMENT"));
        let env = match named {
            Some(p) if p.contains('$') => {
                return Err(refused(
                    OWN_VIRTUALENV,
                    line,
                    "UV_PROJECT_ENVIRONMENT names a folder slimfile cannot tell",
                ))
            }
            Some(p) => crate::paths::resolve(&cwd, &p),
            None => crate::paths::resolve(&cwd, ".venv"),
        };
        check_uv_python(facts, ctx, tag, line)?;
        let has = |o: &str| words.iter().any(|w| w == o);
        out.push(UvSync {
            run,
            env,
            active: has("--active"),
            dev: !(has("--no-dev") || has("--only-group") || has("--no-default-groups")),
            words,
        });
    }
    Ok(out)
}

/// `uv sync` makes its environment with the image's interpreter where that
/// one satisfies `.python-version`; otherwise it downloads one into
/// `~/.local/share/uv/python`, outside the application, which the
/// environment then points at.
fn check_uv_python(
    facts: &StageFacts,
    ctx: &Context,
    tag: &PythonTag,
    line: usize,
) -> Result<(), Stop> {
    if facts.lookup("UV_PYTHON").is_some()
        || facts.run_commands().any(|(_, c)| {
            c.name() == "uv" && c.words().get(1).map(String::as_str) == Some("python")
        })
    {
        return Err(refused(
            OWN_VIRTUALENV,
            line,
            "uv is asked for an interpreter of its own (UV_PYTHON or `uv python`), which it keeps outside the application",
        )
        .hint("let uv use the image's python, or write the final stage by hand"));
    }
    let Some(wanted) = ctx.read(".python-version") else {
        return Ok(());
    };
    let wanted = wanted.lines().next().unwrap_or("").trim().to_string();
    let version = tag.known_tag.split('-').next().unwrap_or("");
    let same = !wanted.is_empty()
        && (version == wanted
            || version.starts_with(&format!("{wanted}."))
            || wanted.starts_with(&format!("{version}.")));
    if !same {
        return Err(refused(
            OWN_VIRTUALENV,
            line,
            format!(
                ".python-version asks for Python {wanted} and the image tag `{}` does not say it is that version: uv would download an interpreter into ~/.local/share/uv, outside the application",
                tag.known_tag
            ),
        )
        .hint("build FROM the python version .python-version names"));
    }
    Ok(())
}

/// The clean-up that drops the dev groups after the build: one command per
/// install that brought them, after the stage's last `RUN`, in its folder;
/// `None` where they stay (with a warning saying so).
pub(super) fn dev_prune(
    file: &Dockerfile,
    facts: &StageFacts,
    installs: &[&PipInstall],
    syncs: &[UvSync],
    keep_dev: bool,
    warnings: &mut Vec<crate::codes::Warning>,
) -> Option<BuilderEdit> {
    let eol = file.line_ending();
    let last = facts.runs().last()?;
    let at_last = |dir: &Option<String>| facts.workdir_of(last) == dir.as_deref();
    let mut commands: Vec<String> = Vec::new();
    let mut kept = |why: String| {
        warnings.push(crate::codes::Warning::new(
            Code::DevDependenciesKept,
            None,
            why,
        ))
    };
    // A development server at start may use them (debug toolbars).
    let root_at_end = !keep_dev
        && facts
            .user_name()
            .as_deref()
            .is_none_or(crate::facts::is_root);
    for (n, i) in installs.iter().enumerate().filter(|(_, i)| i.dev) {
        // A later one of the same project drops the dev groups for both.
        let superseded = installs[n + 1..]
            .iter()
            .any(|l| l.dev && l.installer == i.installer && l.dir == i.dir);
        if superseded || pruned_later(facts, i.run, i.installer) {
            continue;
        }
        let command = match i.installer {
            Installer::Poetry => poetry_prune(facts, i),
            _ => None,
        };
        match command {
            Some(c) if root_at_end => {
                let c = if at_last(&i.dir) {
                    c
                } else {
                    format!(
                        "cd {} && {c}",
                        shell::quote(i.dir.as_deref().unwrap_or("/"))
                    )
                };
                commands.push(c);
            }
            _ => kept(format!(
                "`{}` installs the dev dependencies too, and they stay in the final stage",
                i.words.join(" ")
            )),
        }
    }
    // The last sync of each environment is the one to repeat without dev.
    let last_syncs = syncs
        .iter()
        .enumerate()
        .filter(|(n, s)| !syncs[n + 1..].iter().any(|later| later.env == s.env))
        .map(|(_, s)| s);
    for s in last_syncs.filter(|s| s.dev) {
        if pruned_later_uv(facts, s.run) {
            continue;
        }
        if !root_at_end {
            kept(format!(
                "`{}` installs the dev group too, and it stays in the final stage",
                s.words.join(" ")
            ));
            continue;
        }
        let mut words = s.words.clone();
        words.push("--no-dev".into());
        let c = words
            .iter()
            .map(|w| shell::quote(w))
            .collect::<Vec<_>>()
            .join(" ");
        let dir = facts.workdir_of(s.run).map(String::from);
        let c = if at_last(&dir) {
            c
        } else {
            format!("cd {} && {c}", shell::quote(dir.as_deref().unwrap_or("/")))
        };
        commands.push(format!("{}{c}", carry::mount_flags(file, s.run)));
    }
    if commands.is_empty() {
        return None;
    }
    let end = last.text_span.end;
    Some(BuilderEdit {
        range: end..end,
        text: commands.iter().map(|c| format!("{eol}RUN {c}")).collect(),
        why: "the dev dependencies are dropped after the build".into(),
    })
}

/// poetry's command that leaves only the main group: `poetry sync --only
/// main` from poetry 2, `poetry install --sync --only main` before (poetry
/// 1.8 has no `sync`; 2.x warns that `--sync` goes away). The release is the
/// one `POETRY_VERSION` (the official installer's) or a pip requirement
/// (`poetry==1.8.3`, `poetry<2`) names, else the newest (2.x).
fn poetry_prune(facts: &StageFacts, i: &PipInstall) -> Option<String> {
    let no_root = i.words.iter().any(|w| w == "--no-root");
    let mut c = if poetry_1(facts) {
        "poetry install --sync --only main --no-interaction".to_string()
    } else {
        "poetry sync --only main --no-interaction".to_string()
    };
    if no_root {
        c.push_str(" --no-root");
    }
    // The install's own settings (`POETRY_VIRTUALENVS_IN_PROJECT=1 poetry
    // install`) choose the environment the clean-up must find again.
    let settings: Vec<String> = i
        .env
        .iter()
        .filter(|(k, _)| k.starts_with("POETRY_"))
        .map(|(k, v)| v.as_ref().map(|v| format!("{k}={}", shell::quote(v))))
        .collect::<Option<_>>()?;
    if !settings.is_empty() {
        c = format!("{} {c}", settings.join(" "));
    }
    Some(c)
}

/// Whether the poetry installed is a 1.x release.
fn poetry_1(facts: &StageFacts) -> bool {
    let major_1 = |v: &str| v.trim_matches(|c| c == '"' || c == '\'').starts_with("1.");
    if facts.lookup("POETRY_VERSION").is_some_and(|v| major_1(&v)) {
        return true;
    }
    facts.run_commands().any(|(_, c)| {
        let inline = c
            .env
            .iter()
            .any(|(k, v)| k == "POETRY_VERSION" && v.as_deref().is_some_and(major_1));
        let pinned = pip_args(c).is_some()
            && c.words().iter().any(|w| {
                let w = w.trim_matches(|c| c == '"' || c == '\'');
                let Some(spec) = w.strip_prefix("poetry") else {
                    return false;
                };
                // `==1.8.3`, `~=1.8`, or an upper bound below 2 (`<2`, `<1.9`).
                spec.split(',').any(|part| {
                    let part = part.trim();
                    ["==", "~=", "==="]
                        .iter()
                        .any(|op| part.strip_prefix(op).is_some_and(major_1))
                        || part.strip_prefix('<').is_some_and(|v| {
                            let v = v.trim_start_matches('=');
                            major_1(v) || v == "2" || v.starts_with("2.0")
                        })
                })
            });
        inline || pinned
    })
}

/// A later poetry or pipenv command that leaves only the main group (this
/// rewrite's, on a second run, or the project's own).
fn pruned_later(facts: &StageFacts, after: &Instruction, installer: Installer) -> bool {
    facts.run_commands().any(|(run, c)| {
        let words = c.words();
        run.start_line > after.start_line
            && c.condition == shell::Condition::Always
            && match installer {
                Installer::Poetry => {
                    c.name() == "poetry"
                        && (words.get(1).map(String::as_str) == Some("sync")
                            || words.iter().any(|w| w == "--sync"))
                        && words.windows(2).any(|w| w[0] == "--only" && w[1] == "main")
                }
                _ => false,
            }
    })
}

/// A later `uv sync --no-dev`.
fn pruned_later_uv(facts: &StageFacts, after: &Instruction) -> bool {
    facts.run_commands().any(|(run, c)| {
        let words = c.words();
        run.start_line > after.start_line
            && c.condition == shell::Condition::Always
            && c.name() == "uv"
            && words.get(1).map(String::as_str) == Some("sync")
            && words.iter().any(|w| w == "--no-dev")
    })
}

/// A start command run through a tool the final stage lacks (`poetry run
/// gunicorn app:app`, `uv run --frozen python main.py`, `pipenv run
/// celery …`): the words it runs, without the tool, and the tool's name.
pub(super) fn through_tool(i: &Instruction) -> Option<(Vec<String>, &'static str)> {
    let words = match &i.form {
        Some(Form::Exec(items)) => items.clone(),
        Some(Form::Shell(s)) => shell::plain_words(s)?,
        None => return None,
    };
    let tool = match (words.first()?.as_str(), words.get(1)?.as_str()) {
        ("poetry", "run") => "poetry",
        ("pipenv", "run") => "pipenv",
        ("uv", "run") => "uv",
        _ => return None,
    };
    let mut rest = words[2..].iter().peekable();
    // uv run's flags that change nothing once the environment is made.
    while let Some(w) = rest.peek() {
        match w.as_str() {
            "--frozen" | "--locked" | "--no-sync" | "--offline" | "--no-dev" | "--" => {
                rest.next();
            }
            w if w.starts_with('-') => return None,
            _ => break,
        }
    }
    let rest: Vec<String> = rest.cloned().collect();
    (!rest.is_empty()).then_some((rest, tool))
}
