//! What the Python final stage starts: the programs the start command
//! runs and whether the runtime image has them, a start through a tool the
//! final stage lacks, the image's own interpreter by its path, and
//! development servers.

use super::*;

/// The programs the start command runs, and those of the app's scripts it
/// runs (read from the build context). With an `ENTRYPOINT`, the `CMD` is
/// its arguments.
pub(super) fn start_programs(
    facts: &StageFacts,
    ctx: &Context,
    app_dir: &str,
) -> Result<Vec<String>, Stop> {
    let scripts = facts.context_files(ctx);
    let scope = shell::Scope::at(app_dir, "root");
    let mut programs: Vec<String> = Vec::new();
    for i in crate::lang::stage::start_instructions(facts) {
        let Some(form) = &i.form else { continue };
        for p in crate::runtime::programs_run(form, i.start_line, &scope, &scripts)? {
            if !programs.contains(&p) {
                programs.push(p);
            }
        }
    }
    Ok(programs)
}

/// A program the start command runs (or a script of the app's that it runs)
/// that the full python image has and slim lacks (`curl`, `git`, `ps`) is
/// refused where no package the final stage installs brings it (by the
/// template's `program_packages`): the original had it from its base
/// image, not from pip. What pip installed is
/// all in the environment, transitive dependencies' console scripts too.
pub(super) fn check_start_programs(
    facts: &StageFacts,
    t: &PythonTemplate,
    flavor: Flavor,
    programs: &[String],
    packages: &[String],
    copied: &[String],
) -> Result<(), Stop> {
    let Some(i) = facts.entrypoint.or(facts.cmd) else {
        return Ok(());
    };
    for p in programs {
        let name = p.rsplit('/').next().unwrap_or(p);
        let copied_here = copied
            .iter()
            .any(|c| c == p || c.ends_with(&format!("/{name}")));
        // A package of its name or one that brings it, or a copy of it.
        let bringers = t.rules.program_packages.get(name);
        let brought = packages.iter().any(|q| {
            let q = q.split(['=', ':']).next().unwrap_or(q);
            q == name || bringers.is_some_and(|b| b.iter().any(|b| b == q))
        }) || copied_here;
        if t.rules.full_image_programs.iter().any(|f| f == name) && !brought {
            return Err(refused(
                Code::UnknownProgram,
                i.start_line,
                format!(
                    "the start command runs {name}, which the builder's full python image has and the {} image lacks",
                    flavor.name()
                ),
            )
            .hint(format!("install {name} with apt-get in the Dockerfile, or write the final stage by hand")));
        }
    }
    Ok(())
}

/// The image's own interpreter or a program by its path in
/// `/usr/local/bin`, run at start, would not see the environment.
pub(super) fn check_image_interpreter(facts: &StageFacts, programs: &[String]) -> Result<(), Stop> {
    let Some(p) = programs.iter().find(|p| p.starts_with("/usr/local/bin/")) else {
        return Ok(());
    };
    let line = facts
        .entrypoint
        .or(facts.cmd)
        .map_or(facts.from.start_line, |i| i.start_line);
    Err(refused(
        IMAGE_INTERPRETER,
        line,
        format!("the start command runs {p}: the packages are in the virtual environment the rewrite makes, not in /usr/local"),
    )
    .hint(format!(
        "call it by name ({}), so PATH finds the environment's",
        p.rsplit('/').next().unwrap_or(p)
    )))
}

/// A `CMD` run through poetry, pipenv or uv, which the final stage lacks:
/// the command it runs, directly, with the environment's `bin` on `PATH`
/// (set here for a `uv sync` environment the original did not put there).
pub(super) fn start_without_tool(
    facts: &StageFacts,
    venv: &Venv,
    sync_envs: &[String],
    env: &mut Vec<(String, String)>,
    warnings: &mut Vec<crate::codes::Warning>,
) -> Result<Option<(Vec<String>, String)>, Stop> {
    if let Some(i) = facts.entrypoint.filter(|i| through_tool(i).is_some()) {
        return Err(refused(
            TOOL_NOT_YET,
            i.start_line,
            "the ENTRYPOINT runs its command through a Python tool the final stage lacks",
        )
        .hint("run the program itself in the ENTRYPOINT, or write the final stage by hand"));
    }
    let Some(i) = facts.cmd else { return Ok(None) };
    let Some((argv, tool)) = through_tool(i) else {
        return Ok(None);
    };
    if facts.entrypoint.is_some() {
        return Ok(None);
    }
    let bin = match (venv.path(), sync_envs.first()) {
        (Some(v), _) => format!("{v}/bin"),
        (None, Some(s)) => format!("{s}/bin"),
        (None, None) => {
            return Err(refused(
                TOOL_NOT_YET,
                i.start_line,
                format!("the start command runs through {tool}, and slimfile cannot tell which environment it would use"),
            )
            .hint("run the program itself, or write the final stage by hand"))
        }
    };
    let end = facts
        .instructions
        .last()
        .map_or(usize::MAX, |i| i.start_line + 1);
    let on_path = path_before(facts, end)
        .is_some_and(|p| p.split(':').any(|d| d.trim_end_matches('/') == bin));
    if !on_path && venv.path().is_none() {
        let dir = bin.trim_end_matches("/bin").to_string();
        env.push(("VIRTUAL_ENV".into(), dir));
        env.push(("PATH".into(), format!("{bin}:$PATH")));
    }
    warnings.push(crate::codes::Warning::new(
        COMMAND_WITHOUT_TOOL,
        Some(i.start_line),
        format!(
            "`{}` runs as `{}`, from the environment's {bin} on PATH: the final stage does not install {tool}",
            crate::facts::form_text(i.form.as_ref().expect("a CMD has a form")),
            argv.join(" ")
        ),
    ));
    Ok(Some((
        argv,
        format!("the command {tool} ran, from the environment on PATH"),
    )))
}

/// A start command that is a development server is kept, with a warning:
/// it needs nothing the final stage drops.
pub(super) fn dev_server(facts: &StageFacts, t: &PythonTemplate) -> Option<crate::codes::Warning> {
    let i = facts.cmd.or(facts.entrypoint)?;
    let text = [facts.entrypoint, facts.cmd]
        .into_iter()
        .flatten()
        .filter_map(|i| i.form.as_ref().map(crate::facts::form_text))
        .collect::<Vec<_>>()
        .join(" ");
    let server = t
        .rules
        .dev_servers
        .iter()
        .find(|d| text.contains(d.as_str()))?;
    Some(crate::codes::Warning::new(
        Code::DevServer,
        Some(i.start_line),
        format!("`{server}` is a development server, kept as the original has it: it needs nothing the final stage drops, but it is not made to serve production"),
    ))
}
