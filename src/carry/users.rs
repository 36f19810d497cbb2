//! The users a final stage needs as the builder had them: the `USER` that
//! comes before `WORKDIR`, the application folder's owner, and the users and
//! groups the builder created.

use crate::facts::{is_root, unquote, variables, StageFacts};
use crate::parse::{Instruction, Keyword};
use crate::paths::{is_within, resolve};
use crate::shell;

/// The last non-root `USER`, when it comes before the last `WORKDIR`. A
/// `WORKDIR` after `USER` creates the directory owned by that user, so the
/// final stage keeps that order and the application may write to its own
/// directory as before.
pub fn user_before_workdir<'a>(facts: &StageFacts<'a>) -> Option<&'a Instruction> {
    let user = facts.user?;
    let name = facts.user_name()?;
    if is_root(&name) {
        return None;
    }
    let last_workdir = facts
        .instructions
        .iter()
        .rposition(|i| i.keyword == Keyword::Workdir)?;
    let user_at = facts
        .instructions
        .iter()
        .position(|i| std::ptr::eq(*i, user))?;
    (user_at < last_workdir).then_some(user)
}

/// The owner to give the copied application directory: the `--chown` of a
/// copy into it, or the non-root user whose `RUN`s wrote into it.
pub fn app_owner(facts: &StageFacts, app_dir: &str) -> Option<String> {
    if let Some(c) = facts
        .copies
        .iter()
        .rev()
        .find(|c| is_within(&c.dest, app_dir) && c.chown.is_some())
    {
        return c.chown.clone();
    }
    let mut user: Option<String> = None;
    let mut owner = None;
    for i in &facts.instructions {
        match i.keyword {
            Keyword::User => user = i.value().map(unquote),
            Keyword::Run => {
                if let Some(u) = user.as_ref().filter(|u| !is_root(u)) {
                    owner = Some(u.clone());
                }
            }
            _ => {}
        }
    }
    // A recursive chown of the application folder owns all of it.
    if let Some(o) = dir_owner(facts, app_dir) {
        owner = Some(o);
    }
    owner
}

/// Who owns the application directory itself in the builder, when it is not
/// root: a `RUN chown` of it (or, with `-R`, of a folder above it), a
/// `RUN mkdir` of it, or the `WORKDIR` that created it, run as a non-root
/// `USER`. The final stage's copy sets the owner of the files, not of the
/// folder, so the folder's owner is set apart.
pub fn dir_owner(facts: &StageFacts, app_dir: &str) -> Option<String> {
    let mut user = String::from("root");
    let mut owner: Option<String> = None;
    let non_root = |u: &str| !u.is_empty() && !is_root(u);
    for (at, i) in facts.instructions.iter().enumerate() {
        match i.keyword {
            Keyword::User => user = i.value().map(unquote).unwrap_or_default(),
            Keyword::Workdir => {
                let made = match facts.workdir_at.get(at + 1) {
                    Some(next) => next.clone(),
                    None => facts.workdir.clone(),
                };
                let existed = facts.workdir_at[..=at]
                    .iter()
                    .flatten()
                    .any(|w| is_within(w, app_dir));
                if made.as_deref() == Some(app_dir) && !existed && non_root(&user) {
                    owner = Some(user.clone());
                }
            }
            Keyword::Run => {
                for c in facts.commands_of(i) {
                    let Some(cwd) = c.dir.as_deref() else {
                        continue;
                    };
                    let absolute = |p: &str| resolve(cwd, p);
                    let w = c.words();
                    let runner = c.user.clone().unwrap_or_default();
                    match c.name() {
                        "chown" => {
                            let args: Vec<&String> =
                                w[1..].iter().filter(|a| !a.starts_with('-')).collect();
                            let recursive = w.iter().any(|a| a == "-R" || a == "--recursive");
                            if let Some((who, paths)) = args.split_first() {
                                let hit = paths.iter().any(|p| {
                                    let p = absolute(p);
                                    p == app_dir || (recursive && is_within(app_dir, &p))
                                });
                                if hit {
                                    owner = non_root(who).then(|| who.to_string());
                                }
                            }
                        }
                        "mkdir"
                            if non_root(&runner)
                                && w[1..]
                                    .iter()
                                    .any(|p| !p.starts_with('-') && absolute(p) == app_dir) =>
                        {
                            owner = Some(runner.clone());
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    owner
}

/// The user and group commands (`useradd`, `adduser`, `groupadd`,
/// `addgroup`) the builder ran, quoted again for a `RUN`. A word that names
/// only build arguments (`-u $UID`) is kept as written, for the final stage
/// declares those `ARG`s too ([`user_runs`]) and a `--build-arg` reaches
/// both stages; any other word is its value.
pub fn user_commands(facts: &StageFacts) -> Vec<String> {
    facts
        .run_commands()
        .filter(|(_, c)| is_user_command(c))
        .map(|(_, c)| {
            std::iter::once(shell::quote(&c.program))
                .chain(c.args.iter().map(|a| {
                    if names_only_args(facts, &a.raw) {
                        a.raw.clone()
                    } else {
                        shell::quote(a.text())
                    }
                }))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

/// The `RUN`s whose user commands name build arguments: the final stage
/// declares the `ARG`s they use.
pub fn user_runs<'a>(facts: &StageFacts<'a>) -> Vec<&'a Instruction> {
    let mut out: Vec<&'a Instruction> = Vec::new();
    for (run, c) in facts.run_commands() {
        let named = is_user_command(c) && c.args.iter().any(|a| names_only_args(facts, &a.raw));
        if named && !out.iter().any(|r| std::ptr::eq(*r, run)) {
            out.push(run);
        }
    }
    out
}

fn is_user_command(c: &shell::Command) -> bool {
    matches!(c.name(), "useradd" | "adduser" | "groupadd" | "addgroup")
}

/// Whether `raw` uses variables, all of them build arguments no `ENV` sets.
fn names_only_args(facts: &StageFacts, raw: &str) -> bool {
    let vars = variables(raw);
    !vars.is_empty()
        && vars
            .iter()
            .all(|v| facts.args.contains_key(v) && !facts.env.iter().any(|(k, _, _)| k == v))
}

/// The names of the users the builder created (`useradd … NAME`,
/// `adduser … NAME`): the last word of each command that is not an option.
pub fn created_users(facts: &StageFacts) -> Vec<String> {
    facts
        .run_commands()
        .filter(|(_, c)| !c.args.is_empty() && matches!(c.name(), "useradd" | "adduser"))
        .filter_map(|(_, c)| c.words().into_iter().rev().find(|x| !x.starts_with('-')))
        .collect()
}
