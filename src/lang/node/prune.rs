//! Dropping dev dependencies: the prune after the build, where the install
//! ran, or why they stay.

use super::*;

/// Where dev dependencies stay for the start command (a dev dependency it
/// runs, or a yarn berry before 4, which cannot prune without a plugin), with
/// a warning.
pub(super) fn dev_dependencies_kept(
    facts: &StageFacts,
    dev_installed: bool,
    start: &mut StartCommand,
    pm: Option<&PackageManager>,
    manifest: &Manifest,
    installs: &[PmRun],
    warnings: &mut Vec<Warning>,
) {
    if let (true, None, Some((line, added, why))) =
        (dev_installed, &start.dev_dependency, added_then_lost(facts))
    {
        warnings.push(Warning::new(
            Code::DevDependenciesKept,
            Some(line),
            format!(
                "`{added}` installs packages that package.json does not list {why}, so a prune would remove or re-resolve them: dev dependencies are kept"
            ),
        ));
        start.dev_dependency = Some(added);
        return;
    }
    let berry_cannot_prune = pm.is_some_and(|p| {
        p.name == "yarn" && manifest.yarn_berry && berry_prune(p, manifest).is_none()
    });
    let berry_scripts = pm
        .filter(|p| p.name == "yarn" && manifest.yarn_berry)
        .and_then(|p| berry_prune(p, manifest))
        .is_some()
        && install_scripts(manifest).is_some();
    if dev_installed && start.dev_dependency.is_none() && berry_scripts {
        warnings.push(Warning::new(
            Code::DevDependenciesKept,
            installs.first().map(|r| r.instruction.start_line),
            format!(
                "yarn berry's `workspaces focus --production` runs the project's `{}` script, \
                 which may need the dev dependencies it removes (and berry cannot skip it): dev \
                 dependencies are kept",
                install_scripts(manifest).unwrap_or_default()
            ),
        ));
        start.dev_dependency = Some("yarn berry".into());
    } else if dev_installed && start.dev_dependency.is_none() && berry_cannot_prune {
        warnings.push(Warning::new(
            Code::DevDependenciesKept,
            installs.first().map(|r| r.instruction.start_line),
            "yarn berry prunes only with `yarn workspaces focus --production`, which needs its workspace-tools plugin before yarn 4 (and package.json names no yarn 4 in `packageManager`): dev dependencies are kept",
        ));
        start.dev_dependency = Some("yarn berry".into());
    } else if let (true, Some(dep)) = (dev_installed, &start.dev_dependency) {
        let why = match &start.build_at_start {
            Some(build) if dep.starts_with("the build") => format!(
                "the start command runs the build again (`{build}`), which uses dev dependencies: they are kept"
            ),
            _ => format!(
                "the start command needs `{dep}`, a dev dependency: dev dependencies are kept"
            ),
        };
        warnings.push(Warning::new(
            Code::DevDependenciesKept,
            Some(start.line),
            why,
        ));
    }
}

/// The install lifecycle script the project has (`postinstall`: husky), if any.
fn install_scripts(manifest: &Manifest) -> Option<&'static str> {
    ["preinstall", "install", "postinstall"]
        .into_iter()
        .find(|s| manifest.scripts.contains_key(*s))
}

/// yarn berry's prune where the pinned yarn has it built in.
fn berry_prune<'a>(pm: &'a PackageManager, manifest: &Manifest) -> Option<&'a str> {
    let prune = pm.berry_prune.as_ref()?;
    (manifest.yarn_major? >= prune.from_major).then_some(prune.command.as_str())
}

/// The prune of dev dependencies after the stage's last `RUN`, in each folder
/// where one of `installs` (those that brought dev dependencies) ran, as the
/// user who ran it; or a warning where they stay.
#[allow(clippy::too_many_arguments)]
pub(super) fn prune_edit(
    file: &Dockerfile,
    facts: &StageFacts,
    pm: Option<&PackageManager>,
    installs: &[PmRun],
    tag: &NodeTag,
    manifest: &Manifest,
    app_dir: &str,
    warnings: &mut Vec<Warning>,
) -> Result<Vec<BuilderEdit>, Stop> {
    let line = facts.from.start_line;
    let pm = pm.ok_or_else(|| {
        refused(
            Code::UnknownPackageManager,
            line,
            "cannot tell which package manager installed the dependencies",
        )
    })?;
    let berry = manifest
        .yarn_berry
        .then(|| berry_prune(pm, manifest))
        .flatten();
    let prune = match (berry, &pm.prune_before_node_15, tag.major) {
        (Some(berry), _, _) => berry.to_string(),
        (None, Some(old), Some(m)) if m < 15 => old.clone(),
        _ => pm.prune.clone(),
    };
    // A prune already there (this one, or the project's own) is kept.
    let pruned = facts.run_commands().any(|(_, c)| {
        let words = c.words();
        // A prune on a branch (`if [ "$CI" ]; then npm prune; fi`) may not run.
        c.condition == shell::Condition::Always
            && c.name() == pm.name
            && (words.get(1).map(String::as_str) == Some("prune")
                || (pm.name == "yarn" && words.iter().any(|w| w == "--production")))
    });
    // The prune runs after the stage's last RUN (any step may be a build
    // that uses dev dependencies: `tsc`, `webpack`, `./node_modules/.bin/x`),
    // in every folder where an install with dev dependencies ran (its
    // WORKDIR, a `cd`, or `--prefix`), with that install's mounts.
    if pruned {
        return Ok(Vec::new());
    }
    let after = facts
        .runs()
        .last()
        .copied()
        .expect("dev dependencies were installed by some RUN");
    // One prune a folder, and a workspace within it (`npm ci -w api`).
    let mut folders: Vec<(String, Vec<String>, &PmRun)> = Vec::new();
    for run in installs {
        // `pnpm prune` takes no filter: it would reinstall the whole workspace;
        // and at a workspace's root it removes nothing.
        // pnpm before 8.15.6 runs the project's own install scripts again on
        // `prune` (pnpm/pnpm#5030), with the dev dependencies they may need
        // already gone.
        if pm.name == "pnpm" && install_scripts(manifest).is_some() && old_pnpm(facts, manifest) {
            warnings.push(Warning::new(
                Code::DevDependenciesKept,
                Some(run.instruction.start_line),
                format!(
                    "this pnpm is older than 8.15.6, whose `pnpm prune` runs the project's `{}` script again after removing the dev dependencies it may need: dev dependencies are kept",
                    install_scripts(manifest).unwrap_or_default()
                ),
            ));
            continue;
        }
        if pnpm_filtered(run) || (pm.name == "pnpm" && manifest.pnpm_workspace) {
            warnings.push(Warning::new(
                Code::DevDependenciesKept,
                Some(run.instruction.start_line),
                "`pnpm prune` cannot prune a pnpm workspace (nor an install that selects \
                 projects with --filter): dev dependencies are kept",
            ));
            continue;
        }
        match install_folder(run) {
            Some(dir) if is_within(&dir, app_dir) => {
                let workspaces = npm_workspaces(run);
                folders.retain(|(d, w, _)| !(*d == dir && *w == workspaces));
                folders.push((dir, workspaces, run));
            }
            other => warnings.push(Warning::new(
                Code::DevDependenciesKept,
                Some(run.instruction.start_line),
                format!(
                    "dependencies were installed in {}, not in the application directory {app_dir}: dev dependencies are kept",
                    other.as_deref().unwrap_or("a folder slimfile cannot tell")
                ),
            )),
        }
    }
    let eol = file.line_ending();
    let mut edits: Vec<BuilderEdit> = Vec::new();
    for (dir, workspaces, run) in &folders {
        let Some(at) = prune_point(facts, run, after) else {
            warnings.push(Warning::new(
                Code::DevDependenciesKept,
                Some(run.instruction.start_line),
                format!(
                    "the install ran as {}, and a later step that may use dev dependencies runs as \
                     another user, who cannot prune what the install owns: dev dependencies are kept",
                    run.command.user.as_deref().unwrap_or("root")
                ),
            ));
            continue;
        };
        let mut command = prune.clone();
        for w in workspaces {
            command.push_str(&format!(" --workspace {}", shell::quote(w)));
        }
        // yarn 1's lock-file flags; berry's `workspaces focus` takes none.
        for flag in run
            .words
            .iter()
            .filter(|w| berry.is_none() && pm.keep_install_flags.contains(w))
        {
            command.push(' ');
            command.push_str(flag);
        }
        if facts.workdir_of(at) != Some(dir.as_str()) {
            command = format!("cd {} && {command}", shell::quote(dir));
        }
        // The install's mounts (a secret with registry credentials, a
        // cache) come with its prune, which may install again (yarn classic).
        let mounts = carry::mount_flags(file, run.instruction);
        let text = format!("{eol}RUN {mounts}{command}");
        match edits.iter_mut().find(|e| e.range.start == at.text_span.end) {
            Some(e) => e.text.push_str(&text),
            None => edits.push(BuilderEdit {
                range: at.text_span.end..at.text_span.end,
                text,
                why: "dev dependencies are dropped after the build".into(),
            }),
        }
    }
    Ok(edits)
}

/// Where an install's prune goes: after the stage's last `RUN`, where that
/// runs as the install's user; else after the install user's last `RUN` when
/// every step after it, run by another user, runs only the image's
/// utilities (none that could use dev dependencies, which a prune before
/// them would remove); else nowhere (the other user cannot prune what the
/// install wrote).
fn prune_point<'a>(
    facts: &StageFacts<'a>,
    run: &PmRun<'a>,
    after: &'a Instruction,
) -> Option<&'a Instruction> {
    // A user slimfile cannot tell (a variable) is taken to be the same.
    let user_of = |i: &Instruction| facts.commands_of(i).first().and_then(|c| c.user.clone());
    let install_user = run.command.user.clone();
    let last_user = user_of(after);
    // root may prune anyone's files.
    let root = last_user.as_deref().is_some_and(crate::facts::is_root);
    if install_user.is_none() || last_user.is_none() || last_user == install_user || root {
        return Some(after);
    }
    // `chown -R node /app` after the install gives the later user its files.
    let folder = install_folder(run).unwrap_or_default();
    let handed_over = facts.run_commands().any(|(i, c)| {
        let words = c.words();
        i.start_line >= run.instruction.start_line
            && c.name() == "chown"
            && words.iter().any(|w| w == "-R" || w == "--recursive")
            && words
                .iter()
                .skip(1)
                .find(|w| !w.starts_with('-'))
                .is_some_and(|owner| owner.split(':').next() == last_user.as_deref())
            && words
                .iter()
                .skip(2)
                .filter(|w| !w.starts_with('-'))
                .any(|p| {
                    is_within(
                        &folder,
                        &crate::paths::resolve(c.dir.as_deref().unwrap_or("/"), p),
                    )
                })
    });
    if handed_over {
        return Some(after);
    }
    let own_last = facts
        .runs()
        .filter(|r| r.start_line >= run.instruction.start_line && user_of(r) == install_user)
        .last()
        .copied()?;
    let later = |i: &Instruction| i.start_line > own_last.start_line;
    let only_utilities = facts.run_unknowns().all(|(i, _)| !later(i))
        && facts
            .run_commands()
            .filter(|(i, _)| later(i))
            .all(|(_, c)| {
                c.via.is_empty()
                    && crate::base_images::os_has(Flavor::Slim, c.name())
                    && crate::base_images::os_has(Flavor::Alpine, c.name())
            });
    only_utilities.then_some(own_last)
}

/// An install of named packages the manifest the prune reads does not list:
/// `npm install --no-save x`, or `npm install x` / `yarn add x` / `pnpm add
/// x` followed by a copy of package.json from the context over the one it
/// changed. npm's prune removes them as extraneous, yarn's re-resolves the
/// tree. The line, the command and why.
fn added_then_lost(facts: &StageFacts) -> Option<(usize, String, &'static str)> {
    for (run, c) in facts.run_commands() {
        let words = c.words();
        let sub = words.get(1).map(String::as_str);
        let adds = match c.name() {
            "npm" => matches!(sub, Some("install" | "i" | "add")),
            "yarn" | "pnpm" => sub == Some("add"),
            _ => false,
        };
        let global = words
            .iter()
            .any(|w| matches!(w.as_str(), "-g" | "--global" | "--location=global"));
        let named = words
            .get(2..)
            .unwrap_or_default()
            .iter()
            .any(|w| !w.starts_with('-') && !w.starts_with('.') && !w.starts_with('/'));
        if !adds || global || !named {
            continue;
        }
        let text = words.join(" ");
        if words.iter().any(|w| w == "--no-save") {
            return Some((run.start_line, text, "(--no-save)"));
        }
        let Some(dir) = c.dir.as_deref() else {
            continue;
        };
        let overwritten = facts.copies.iter().any(|copy| {
            copy.from.is_none()
                && copy.instruction.start_line > run.start_line
                && crate::paths::normalize(&copy.dest) == dir
                && copy.sources.iter().any(|s| {
                    let s = s.trim_start_matches("./").trim_end_matches('/');
                    s.is_empty()
                        || s == "."
                        || s == "package.json"
                        || (s.starts_with("package") && s.contains('*'))
                })
        });
        if overwritten {
            return Some((
                run.start_line,
                text,
                "once a later COPY brings the project's own package.json back",
            ));
        }
    }
    None
}

/// Whether the pnpm the build uses is older than 8.15.6, from package.json's
/// `packageManager` or a `pnpm@X` the Dockerfile installs or prepares.
fn old_pnpm(facts: &StageFacts, manifest: &Manifest) -> bool {
    let named = manifest
        .package_manager
        .iter()
        .cloned()
        .chain(facts.run_commands().flat_map(|(_, c)| c.words()))
        .filter_map(|w| w.strip_prefix("pnpm@").map(String::from))
        .last();
    let Some(version) = named else {
        return false;
    };
    let parts: Vec<u32> = version
        .split(['.', '+', '-'])
        .take(3)
        .map_while(|p| p.parse().ok())
        .collect();
    match parts.as_slice() {
        [major, minor, patch] => (*major, *minor, *patch) < (8, 15, 6),
        [major, minor] => (*major, *minor) < (8, 15),
        [major] => *major < 8,
        _ => false,
    }
}
