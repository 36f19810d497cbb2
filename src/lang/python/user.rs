//! User installs (`pip install --user`, or pip as another user): where
//! the packages went, which the final stage copies whole.

use super::*;

/// Where user installs put the packages (`~/.local` of the user pip runs
/// as, or `PYTHONUSERBASE`), where every install of the application's
/// packages is one; `None` where none is; a refusal where only some are or
/// the home folder cannot be told.
pub(super) fn user_base(
    facts: &StageFacts,
    project: &[&PipInstall],
) -> Result<Option<String>, Stop> {
    let user: Vec<&&PipInstall> = project.iter().filter(|i| i.goes_to_user_site()).collect();
    let Some(first) = user.first() else {
        return Ok(None);
    };
    let line = first.run.start_line;
    if user.len() != project.len() {
        let other = project.iter().find(|i| !i.goes_to_user_site()).unwrap();
        return Err(refused(
            INSTALL_AS_USER,
            line,
            format!(
                "this pip install goes to a user's ~/.local and the one at line {} does not: the packages are in two places",
                other.run.start_line
            ),
        )
        .hint("install them all the same way"));
    }
    let who = first.user.clone();
    if let Some(i) = user.iter().find(|i| i.user != who) {
        return Err(refused(
            INSTALL_AS_USER,
            i.run.start_line,
            "pip installs into the ~/.local of two different users",
        )
        .hint("install as one user"));
    }
    // The variable as the install sees it: set on its command line, or by ENV.
    let inline = first.env.iter().find(|(k, _)| k == "PYTHONUSERBASE");
    let from_env = facts.lookup("PYTHONUSERBASE");
    if let Some((_, value)) = inline.filter(|(_, v)| *v != from_env) {
        return Err(refused(
            INSTALL_AS_USER,
            line,
            format!(
                "PYTHONUSERBASE={} is set for this install only: at run time python would not look there",
                value.as_deref().unwrap_or("…")
            ),
        )
        .hint("set it with ENV"));
    }
    let base = from_env;
    if let Some(base) = base.filter(|b| b.starts_with('/')) {
        return Ok(Some(crate::paths::normalize(&base)));
    }
    let home = who.as_deref().and_then(|u| home_of(facts, u));
    match home {
        Some(home) => Ok(Some(format!("{}/.local", home.trim_end_matches('/')))),
        None => Err(refused(
            INSTALL_AS_USER,
            line,
            format!(
                "pip installs into the ~/.local of {}, whose home folder slimfile cannot tell",
                who.as_deref().unwrap_or("a user slimfile cannot tell")
            ),
        )
        .hint("create the user in the Dockerfile (useradd -m), or set PYTHONUSERBASE")),
    }
}

/// A user's home folder: `/root`, a `HOME` the Dockerfile sets, or the one
/// its `useradd`/`adduser` gives (`-d`, `--home-dir`, `--home`; else
/// `/home/<name>`).
pub(super) fn home_of(facts: &StageFacts, user: &str) -> Option<String> {
    if let Some(home) = facts.lookup("HOME") {
        return Some(home);
    }
    if crate::facts::is_root(user) {
        return Some("/root".into());
    }
    facts.run_commands().find_map(|(_, c)| {
        if !matches!(c.name(), "useradd" | "adduser") {
            return None;
        }
        let words = c.words();
        let named = words.last().is_some_and(|w| w == user) || words.iter().any(|w| w == user);
        if !named {
            return None;
        }
        let home = words
            .windows(2)
            .find(|w| matches!(w[0].as_str(), "-d" | "--home-dir" | "--home" | "-h"))
            .map(|w| w[1].clone());
        Some(home.unwrap_or_else(|| format!("/home/{user}")))
    })
}
