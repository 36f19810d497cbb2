//! The Python checks that refuse what the rewrite cannot carry: tools not
//! rewritten yet, an install that puts packages outside the environment or
//! the application, data downloaded outside it, and a stage with no
//! `WORKDIR` whose `RUN`s are not all followed.

use super::*;

/// Refuses the Python tools slimfile does not rewrite yet, where a `RUN` or
/// the start command uses one.
pub(super) fn check_tools(facts: &StageFacts, t: &PythonTemplate) -> Result<(), Stop> {
    let not_yet = |name: &str| t.rules.tools_not_yet.iter().any(|x| x == name);
    if let Some((run, text)) = tool_not_yet(facts, t) {
        return Err(refused(
            TOOL_NOT_YET,
            run.start_line,
            format!(
                "`{text}`: slimfile does not rewrite installs made with this tool yet, only pip's"
            ),
        )
        .hint(
            "install with pip (pip install -r requirements.txt), or write the final stage by hand",
        ));
    }
    for i in [facts.entrypoint, facts.cmd].into_iter().flatten() {
        let words = match &i.form {
            Some(Form::Exec(items)) => items.clone(),
            Some(Form::Shell(s)) => shell::plain_words(s).unwrap_or_default(),
            None => Vec::new(),
        };
        if let Some(p) = words
            .first()
            .filter(|p| not_yet(p.rsplit('/').next().unwrap_or(p)))
        {
            return Err(refused(
                TOOL_NOT_YET,
                i.start_line,
                format!("the start command runs {p}, a tool slimfile does not rewrite yet"),
            )
            .hint("start the application with python or its own program, or write the final stage by hand"));
        }
    }
    Ok(())
}

/// NLTK's downloader with its folder given (`-d /app/nltk_data`): inside
/// the application it comes along, so that download is not checked; outside,
/// it is refused naming the folder.
pub(super) fn nltk_folder_given(
    facts: &StageFacts,
    t: &PythonTemplate,
    app_dir: &str,
) -> Result<std::collections::BTreeMap<String, crate::template::InstallDownload>, Stop> {
    let mut downloads = t.rules.downloads.clone();
    let runs: Vec<(&Instruction, Vec<String>, Option<String>)> = facts
        .run_commands()
        .filter(|(_, c)| c.words().iter().any(|w| w == "nltk.downloader"))
        .map(|(run, c)| {
            let words = c.words();
            let dir = words
                .windows(2)
                .find(|w| w[0] == "-d" || w[0] == "--dir")
                .map(|w| crate::paths::resolve(c.dir.as_deref().unwrap_or("/"), &w[1]));
            (run, words, dir)
        })
        .collect();
    if runs.is_empty() || runs.iter().any(|(_, _, d)| d.is_none()) {
        return Ok(downloads);
    }
    for (run, _, dir) in &runs {
        let dir = dir.as_deref().unwrap_or("/");
        if app_dir == "/" || !is_within(dir, app_dir) {
            return Err(refused(
                Code::DownloadOutsideApp,
                run.start_line,
                format!("NLTK's data is downloaded into {dir}, outside the application directory, and slimfile does not carry it"),
            )
            .hint(format!("download it into a folder inside {app_dir} (and set NLTK_DATA to it)")));
        }
    }
    // Other NLTK downloads (`nltk.download(…)` in code) are still checked.
    let other = facts.run_commands().any(|(_, c)| {
        let text = c.words().join(" ");
        text.contains("nltk.download(") || text.contains("textblob.download_corpora")
    });
    if !other {
        downloads.remove("nltk");
    }
    Ok(downloads)
}

/// Refuses an install of the application's packages that a virtual
/// environment cannot hold.
pub(super) fn check_install(i: &PipInstall, app_dir: &str) -> Result<(), Stop> {
    let line = i.run.start_line;
    // `--system` is judged with the other installs (venv::system_site).
    if let Some(option) = i.elsewhere.as_ref().filter(|o| *o != "--system") {
        let target = option
            .strip_prefix("--target ")
            .or(option.strip_prefix("-t "));
        let inside = target.is_some_and(|dir| {
            let dir = i.dir.as_deref().map(|cwd| crate::paths::resolve(cwd, dir));
            dir.is_some_and(|d| app_dir != "/" && is_within(&d, app_dir))
        });
        if !inside {
            return Err(refused(
                PIP_OUTSIDE_VENV,
                line,
                format!("pip install {option} puts the packages outside the application and outside a virtual environment"),
            )
            .hint("drop the option (the rewrite installs into a virtual environment), or write the final stage by hand"));
        }
    }
    if i.program.starts_with('/') && !i.program.contains("/venv") && !i.program.contains("/.venv") {
        let program = &i.program;
        let in_system = ["/usr/local/bin/", "/usr/bin/", "/bin/"]
            .iter()
            .any(|d| program.starts_with(d));
        if in_system {
            return Err(refused(
                PIP_OUTSIDE_VENV,
                line,
                format!("{program} is the image's own pip, which installs outside any virtual environment"),
            )
            .hint("call pip by its name, so the virtual environment's is found on PATH"));
        }
    }
    for e in &i.editable {
        let dir = i.dir.as_deref().unwrap_or("/");
        let target = crate::paths::resolve(dir, e);
        let url = e.contains("://") || e.starts_with("git+");
        if !url && (app_dir == "/" || !is_within(&target, app_dir)) {
            return Err(refused(
                EDITABLE_OUTSIDE_APP,
                line,
                format!("pip install -e {e} points the environment at {target}, which the final stage does not receive whole"),
            )
            .hint("install it without -e, or set a WORKDIR that holds it"));
        }
    }
    Ok(())
}

/// With no `WORKDIR` the final stage replays the context's copies and takes
/// the virtual environment from the builder: every other `RUN` must be one
/// whose writes the shared rules follow, since what it writes in `/` would
/// be lost.
pub(super) fn check_replayable(
    facts: &StageFacts,
    t: &PythonTemplate,
    project: &[&PipInstall],
) -> Result<(), Stop> {
    if let Some(i) = project.iter().find(|i| !i.editable.is_empty()) {
        return Err(refused(
            EDITABLE_OUTSIDE_APP,
            i.run.start_line,
            "there is no WORKDIR (or it is `/`): an editable install points at the whole builder",
        )
        .hint("add a WORKDIR for the application"));
    }
    for (run, c) in facts.run_commands() {
        crate::replay::check_removal(run, c, &t.cache_dirs)?;
        let tool = matches!(c.name(), "poetry" | "pipenv" | "uv");
        if crate::carry::FOLLOWED.contains(&c.name()) || pip_args(c).is_some() || is_venv(c) || tool
        {
            continue;
        }
        return Err(refused(
            Code::NoWorkdir,
            run.start_line,
            format!(
                "there is no WORKDIR (or it is `/`), so the final stage replays the original's copies; this RUN runs `{}`, whose output slimfile cannot name",
                c.words().join(" ")
            ),
        )
        .hint("add a WORKDIR for the application and copy it there"));
    }
    Ok(())
}
