//! Dropping dev dependencies: the prune after the build, where the install
//! ran, or why they stay.

use super::*;

/// Where dev dependencies stay for the start command (a dev dependency it
/// runs, or yarn berry, which cannot prune without a plugin), with a warning.
pub(super) fn dev_dependencies_kept(
    dev_installed: bool,
    start: &mut StartCommand,
    pm: Option<&PackageManager>,
    ctx: &Context,
    installs: &[PmRun],
    warnings: &mut Vec<Warning>,
) {
    let berry = pm.is_some_and(|p| p.name == "yarn")
        && ctx
            .read("yarn.lock")
            .is_some_and(|l| l.contains("__metadata:"));
    if dev_installed && start.dev_dependency.is_none() && berry {
        warnings.push(Warning::new(
            Code::DevDependenciesKept,
            installs.first().map(|r| r.instruction.start_line),
            "yarn berry prunes only with `yarn workspaces focus --production`, which needs its workspace-tools plugin before yarn 4: dev dependencies are kept",
        ));
        start.dev_dependency = Some("yarn berry".into());
    } else if let (true, Some(dep)) = (dev_installed, &start.dev_dependency) {
        warnings.push(Warning::new(
            Code::DevDependenciesKept,
            Some(start.line),
            format!("the start command needs `{dep}`, a dev dependency: dev dependencies are kept"),
        ));
    }
}

/// The prune of dev dependencies, after the last step that may use them,
/// where the install ran; or a warning where they stay.
#[allow(clippy::too_many_arguments)]
pub(super) fn prune_edit(
    file: &Dockerfile,
    facts: &StageFacts,
    pm: Option<&PackageManager>,
    installs: &[PmRun],
    tag: &NodeTag,
    app_dir: &str,
    warnings: &mut Vec<Warning>,
) -> Result<Option<BuilderEdit>, Stop> {
    let line = facts.from.start_line;
    let pm = pm.ok_or_else(|| {
        refused(
            Code::UnknownPackageManager,
            line,
            "cannot tell which package manager installed the dependencies",
        )
    })?;
    let mut prune = match (&pm.prune_before_node_15, tag.major) {
        (Some(old), Some(m)) if m < 15 => old.clone(),
        _ => pm.prune.clone(),
    };
    if let Some(last) = installs.last() {
        for flag in last
            .words
            .iter()
            .filter(|w| pm.keep_install_flags.contains(w))
        {
            prune.push(' ');
            prune.push_str(flag);
        }
    }
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
    // where the install ran (its WORKDIR, or the folder a `cd` took it to).
    let last_install = installs.last().map(|r| r.instruction);
    let install_dir = installs.last().and_then(|r| r.command.dir.as_deref());
    let in_app = install_dir.is_some_and(|d| is_within(d, app_dir));
    if !pruned && in_app {
        let after = facts
            .runs()
            .last()
            .copied()
            .expect("dev dependencies were installed by some RUN");
        let prune = match install_dir {
            Some(d) if facts.workdir_of(after) != Some(d) => {
                format!("cd {} && {prune}", shell::quote(d))
            }
            _ => prune,
        };
        // The install's mounts (a secret with registry credentials, a cache)
        // come with its prune, which may reinstall (yarn classic).
        let mounts: String = last_install
            .map(|i| {
                i.flags
                    .iter()
                    .filter(|f| f.name() == "mount")
                    // As written, quotes and all; as read where it spans a
                    // continuation.
                    .map(|f| {
                        let written = file.text(f.span.clone());
                        let flag = if written.contains('\n') {
                            &f.text
                        } else {
                            written
                        };
                        format!("{flag} ")
                    })
                    .collect()
            })
            .unwrap_or_default();
        return Ok(Some(BuilderEdit {
            range: after.text_span.end..after.text_span.end,
            text: format!("{}RUN {mounts}{prune}", file.line_ending()),
            why: "dev dependencies are dropped after the build".into(),
        }));
    } else if !pruned {
        warnings.push(Warning::new(
            Code::DevDependenciesKept,
            last_install.map(|i| i.start_line),
            format!(
                "dependencies were installed in {}, not in the application directory {app_dir}: dev dependencies are kept",
                install_dir.unwrap_or("a folder slimfile cannot tell")
            ),
        ));
    }
    Ok(None)
}
