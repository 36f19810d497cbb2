//! What a final stage carries over from the builder, whatever the language:
//! the runtime configuration, the `ARG`s it uses, files copied outside the
//! application directory, the users the builder created, and the system
//! packages it needs at run time. The language planners decide the image and
//! the application; these helpers decide the rest the same way for all.

use crate::codes::{Code, Warning};
use crate::context::Context;
use crate::facts::{variables, CopyFact, StageFacts};
use crate::parse::{Dockerfile, Instruction, Keyword};
use crate::paths::is_within;
use crate::shell::{self, WriteKind};

mod app_files;
mod packages;
mod system_install;
mod users;
pub use app_files::{app_files, matches};
use packages::installs_system_packages;
pub use packages::{
    dev_packages, local_package_install, package_source_option, package_words, runtime_packages,
    unused_fetchers,
};
pub use system_install::{install_command, system_install, SystemInstall, PACKAGE_SOURCES};
pub use users::{
    app_owner, created_users, dir_owner, user_before_workdir, user_commands, user_runs,
};

/// The instructions that configure the image, in their original order: every
/// `ENV`, `LABEL`, `EXPOSE`, `VOLUME`, `ONBUILD`, `SHELL` and `MAINTAINER`,
/// and the last (the effective) `USER`, `HEALTHCHECK`, `STOPSIGNAL`,
/// `ENTRYPOINT` and `CMD`. (A planner may place `USER` earlier, see
/// [`user_before_workdir`] and [`dir_owner`].)
pub fn runtime_configuration<'a>(facts: &StageFacts<'a>) -> Vec<&'a Instruction> {
    let last = |k: Keyword| {
        facts
            .instructions
            .iter()
            .rev()
            .find(|i| i.keyword == k)
            .copied()
    };
    let effective = [
        last(Keyword::User),
        last(Keyword::Healthcheck),
        last(Keyword::Stopsignal),
        last(Keyword::Entrypoint),
        last(Keyword::Cmd),
    ];
    facts
        .instructions
        .iter()
        .copied()
        .filter(|i| match i.keyword {
            Keyword::Env
            | Keyword::Label
            | Keyword::Expose
            | Keyword::Volume
            | Keyword::Onbuild
            | Keyword::Shell
            | Keyword::Maintainer => true,
            _ => effective.iter().flatten().any(|e| std::ptr::eq(*e, *i)),
        })
        .collect()
}

/// The `ARG`s (name and default as written) the carried instructions use: an `ARG`
/// does not cross a `FROM`. Only the stage's own declarations count; a
/// global `ARG` is not visible inside a stage that does not declare it again.
pub fn args_used(
    file: &Dockerfile,
    facts: &StageFacts,
    carried: &[&Instruction],
) -> Vec<(String, Option<String>)> {
    let mut out: Vec<(String, Option<String>)> = Vec::new();
    for i in carried {
        for v in variables(file.text(i.text_span.clone())) {
            if out.iter().any(|(n, _)| *n == v) {
                continue;
            }
            let Some(default) = facts.arg_text.get(&v) else {
                continue;
            };
            out.push((v, default.clone()));
        }
    }
    out
}

/// A `RUN`'s `--mount` flags, as written (quotes and all; as read where one
/// spans a continuation), each followed by a space: for a clean-up step that
/// must see what the install saw (a bind of the lock file, a cache, a secret).
pub fn mount_flags(file: &Dockerfile, run: &Instruction) -> String {
    run.flags
        .iter()
        .filter(|f| f.name() == "mount")
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
}

/// Whether the stage installs system packages only a build needs
/// (`apk add build-base python3`): on a lean base too, the final stage
/// leaves them behind.
pub fn installs_build_tools<R>(facts: &StageFacts, t: &crate::template::Template<R>) -> bool {
    runtime_packages(facts, |_| false)
        .iter()
        .any(|p| t.build_only(p))
}

/// Adds to `packages` the run-time library of each `-dev` package the build
/// linked against (`libpq-dev` → `libpq5`), from the template's
/// `dev_libraries`, as `rename` names it on the runtime image (`None`: it has
/// no such package there); one the template does not know is warned about
/// (design.md, "The runtime contract"). `skip` are the toolchain's own.
pub fn add_dev_libraries<R>(
    facts: &StageFacts,
    t: &crate::template::Template<R>,
    skip: impl Fn(&str) -> bool,
    rename: impl Fn(&str) -> Option<String>,
    packages: &mut Vec<String>,
    warnings: &mut Vec<Warning>,
) {
    for dev in dev_packages(facts).into_iter().filter(|p| !skip(p)) {
        let Some(libraries) = t.dev_libraries.get(&dev) else {
            warnings.push(Warning::new(
                Code::DevPackageDropped,
                None,
                format!("{dev} is build-only and is not installed in the final stage; a module built against it may need its run-time library there"),
            ));
            continue;
        };
        for lib in libraries.iter().filter_map(|l| rename(l)) {
            if !packages.contains(&lib) {
                warnings.push(Warning::new(
                    Code::RuntimePackageAdded,
                    None,
                    format!("{dev} was installed to build against {lib}, which is needed at run time: installed in the final stage"),
                ));
                packages.push(lib);
            }
        }
    }
}

/// Programs whose writes the shell reader follows (`cp`, `mkdir`, a
/// redirection), that write nothing that stays (`echo`, `ls`), or whose
/// effects the shared rules carry (system packages, users).
/// (`mv`, `git` and `dpkg` are not here: the reader sees only part of what
/// they do; a removal is judged by itself, below.)
pub const FOLLOWED: &[&str] = &[
    "cp", "install", "ln", "mkdir", "touch", "tee", "chmod", "chown", "chgrp", "rm", "rmdir",
    "sed", "curl", "wget", "tar", "unzip", "echo", "printf", "cat", "ls", "true", "false", "test",
    "[", "sleep", "env", "id", "whoami", "pwd", "which", "apt-get", "apt", "apk", "useradd",
    "adduser", "groupadd", "addgroup", "usermod", "rimraf", "cd", "pushd", "popd", "export", "set",
    "umask", "exit", ":",
];

/// Places any build may write without the final stage needing the result:
/// temporary files and the system package managers' lists and caches (a
/// language's own caches are its template's `cache_dirs`).
pub const SCRATCH_PATHS: &[&str] = &[
    "/tmp",
    "/var/tmp",
    "/dev",
    "/proc",
    "/var/cache",
    "/var/lib/apt",
    "/etc/apt",
    "/etc/apk",
];

/// What the `RUN` steps wrote outside the application directory, the copied
/// files and the scratch places, as the shell reader sees the writes
/// (redirections, `cp`, `mv`, `install`, `mkdir`, `touch`, `tee`, `chmod`,
/// `chown`, `sed -i`, `curl -o`, `wget -O`, `tar -C`, `unzip -d`,
/// `git clone`, `ln`), each from the folder it ran in. Returns the paths the
/// final stage copies from the builder — a copy keeps their content, mode
/// and owner — or the first thing it cannot carry, with its line and what
/// to say: a whole system folder, a symlink, a path it cannot resolve, or a
/// step the reader could not follow, which may write anywhere.
/// With no application directory (`None`: the context copies are replayed),
/// every write is outside it.
pub fn outside_writes(
    facts: &StageFacts,
    app_dir: Option<&str>,
    copied: &[String],
    cache_dirs: &[String],
    builder_only: &[(usize, String)],
) -> Result<Vec<OutsideWrite>, Uncarried> {
    // Every write outside, in order; a later `rm` takes back what it removes.
    let mut targets: Vec<(OutsideWrite, WriteKind)> = Vec::new();
    for run in &facts.run_steps {
        let line = run.instruction.start_line;
        for step in &run.steps {
            let c = match step {
                shell::Step::Run(c) => c,
                // A step the language knows installs only a build tool
                // (poetry's installer piped to python): what it writes
                // stays in the builder.
                shell::Step::Unknown(u)
                    if builder_only.iter().any(|(l, t)| *l == line && *t == u.text) =>
                {
                    continue
                }
                shell::Step::Unknown(u) => {
                    return Err(Uncarried::Unknown {
                        line,
                        text: u.text.clone(),
                        reason: u.reason.clone(),
                    })
                }
            };
            // The system files a program writes at fixed paths
            // (`update-ca-certificates`), as if it named them.
            // The zone file a time-zone link names comes too, for glibc
            // reads it by `TZ` where that is set.
            let linked = crate::system_programs::link_data_target(c);
            let fixed: Vec<shell::Write> = match crate::system_programs::effect(c) {
                Some(crate::system_programs::Effect::Writes(paths)) => paths.to_vec(),
                _ => Vec::new(),
            }
            .into_iter()
            .chain(linked.clone())
            .map(|p| shell::Write {
                path: Some(p.clone()),
                raw: p,
                kind: WriteKind::Content,
            })
            .collect();
            for w in c.writes.iter().chain(&fixed) {
                let Some(absolute) = w.path.clone() else {
                    if w.kind == WriteKind::Removed {
                        continue;
                    }
                    return Err(Uncarried::Write {
                        line,
                        what: format!(
                            "{} (a pattern, a variable or a folder slimfile cannot resolve)",
                            w.raw
                        ),
                    });
                };
                if w.kind == WriteKind::Removed {
                    targets.retain(|(t, _)| !is_within(&t.path, &absolute));
                    continue;
                }
                // A link to a data file is carried as the file.
                let kind = if w.kind == WriteKind::Link && linked.is_some() {
                    WriteKind::Content
                } else {
                    w.kind
                };
                let folder = kind == WriteKind::Folder;
                if let Some((target, was)) = targets
                    .iter_mut()
                    .find(|(t, _)| is_within(&absolute, &t.path))
                {
                    target.folder_only &= folder;
                    if kind == WriteKind::Link && target.path == absolute {
                        *was = WriteKind::Link;
                    }
                    continue;
                }
                let carried = app_dir.is_some_and(|d| is_within(&absolute, d))
                    || SCRATCH_PATHS.iter().any(|s| is_within(&absolute, s))
                    || cache_dirs.iter().any(|s| is_within(&absolute, s))
                    || copied
                        .iter()
                        .any(|c| is_within(&absolute, c.trim_end_matches('/')));
                if carried {
                    continue;
                }
                // Written on one branch only (`if [ arm ]; then … > /etc/x;
                // fi`): where it was not, the final stage's copy would fail.
                if c.condition == shell::Condition::Branch {
                    return Err(Uncarried::Write {
                        line,
                        what: format!(
                            "{absolute} on one branch only (an `if`, `case`, `&&` after a test or `||`; a copy of it fails where it was not written)"
                        ),
                    });
                }
                targets.push((
                    OutsideWrite {
                        path: absolute,
                        line,
                        folder_only: folder,
                    },
                    kind,
                ));
            }
        }
    }
    let mut out = Vec::new();
    for (t, kind) in targets {
        let stop = |what: String| Uncarried::Write { line: t.line, what };
        if kind == WriteKind::Link {
            return Err(stop(format!("a symlink ({})", t.path)));
        }
        if SYSTEM_DIRS.contains(&t.path.as_str()) {
            if t.folder_only {
                // `mkdir -p /usr/local/bin`: there already.
                continue;
            }
            return Err(stop(format!("{}/ (a whole system folder)", t.path)));
        }
        out.push(t);
    }
    Ok(out)
}

/// Why a `RUN` step's effects cannot be carried to the final stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Uncarried {
    /// It writes something outside the application that cannot be copied.
    Write { line: usize, what: String },
    /// The shell reader could not follow it, so it may write anywhere.
    Unknown {
        line: usize,
        text: String,
        reason: String,
    },
}

impl Uncarried {
    /// The line of the `RUN`.
    pub fn line(&self) -> usize {
        match self {
            Uncarried::Write { line, .. } | Uncarried::Unknown { line, .. } => *line,
        }
    }
}

/// A path a `RUN` step wrote outside the application directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutsideWrite {
    /// Absolute and normalised.
    pub path: String,
    /// The first line of the `RUN` that first wrote it.
    pub line: usize,
    /// Only made or re-owned (`mkdir`, `chown`), never filled: no program
    /// or library built for the builder's C library can be inside.
    pub folder_only: bool,
}

/// Whether a command (its program's name and its words) is `apt-get
/// install`, `apt install` or `apk add`.
/// The paths the `RUN`s after `line` remove (`rm -rf /tmp`), where known.
pub fn removed_after(facts: &StageFacts, line: usize) -> Vec<String> {
    facts
        .run_steps
        .iter()
        .filter(|r| r.instruction.start_line > line)
        .flat_map(|r| &r.steps)
        .filter_map(|s| match s {
            shell::Step::Run(c) if c.condition == shell::Condition::Always => Some(c),
            _ => None,
        })
        .flat_map(|c| &c.writes)
        .filter(|w| w.kind == WriteKind::Removed)
        .filter_map(|w| w.path.clone())
        .collect()
}

/// The line of a `RUN` that removes files it does not name (`ls | xargs rm
/// -rf`, `rm -rf $DIR/*`), where one does.
pub fn unnamed_removal(facts: &StageFacts) -> Option<usize> {
    facts.run_steps.iter().find_map(|r| {
        r.steps
            .iter()
            .any(|s| match s {
                shell::Step::Run(c) => {
                    c.writes
                        .iter()
                        .any(|w| w.kind == WriteKind::Removed && w.path.is_none())
                        || (c.name() == "xargs" && c.words().iter().any(|w| w == "rm"))
                }
                _ => false,
            })
            .then_some(r.instruction.start_line)
    })
}

/// What the `RUN`s wrote inside `dir` (`cp -R templates /app`), by the
/// top-level path under it (`/app/templates`; `dir` itself where a write
/// names it), on every branch; removals taken back in order. Paths `skip`
/// says are the build's own are left out.
pub fn written_inside(facts: &StageFacts, dir: &str, skip: impl Fn(&str) -> bool) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for c in facts
        .run_steps
        .iter()
        .flat_map(|r| &r.steps)
        .filter_map(|s| match s {
            shell::Step::Run(c) => Some(c),
            _ => None,
        })
    {
        for w in &c.writes {
            let Some(path) = w.path.as_deref() else {
                continue;
            };
            // `mkdir -p /app` makes the folder itself, nothing in it.
            if !is_within(path, dir) || skip(path) || (path == dir && w.kind == WriteKind::Folder) {
                continue;
            }
            // `cp -R templates static /app`: what lands is each source's
            // name inside the folder.
            if path == dir
                && matches!(c.name(), "cp" | "mv" | "rsync")
                && w.kind != WriteKind::Removed
            {
                let args: Vec<String> = c.words()[1..]
                    .iter()
                    .filter(|a| !a.starts_with('-'))
                    .cloned()
                    .collect();
                if let Some((_, sources)) = args.split_last() {
                    for src in sources {
                        let name = src.trim_end_matches('/').rsplit('/').next().unwrap_or(src);
                        let top = crate::paths::normalize(&format!("{dir}/{name}"));
                        if !name.is_empty() && !skip(&top) && !out.contains(&top) {
                            out.push(top);
                        }
                    }
                    continue;
                }
            }
            let top = if path == dir {
                dir.to_string()
            } else {
                let rest = path[dir.len()..].trim_start_matches('/');
                let first = rest.split('/').next().unwrap_or(rest);
                crate::paths::normalize(&format!("{dir}/{first}"))
            };
            if w.kind == WriteKind::Removed {
                out.retain(|o| !is_within(o, path));
            } else if !out.contains(&top) {
                out.push(top);
            }
        }
    }
    out
}

/// Folders a copy must not be widened to: copying them whole from the builder
/// would bring the builder's own files.
const SYSTEM_DIRS: &[&str] = &[
    "/",
    "/usr",
    "/usr/local",
    "/usr/local/bin",
    "/usr/bin",
    "/bin",
    "/sbin",
    "/etc",
    "/lib",
    "/usr/lib",
    "/usr/local/lib",
    "/opt",
    "/var",
    "/tmp",
    "/home",
    "/root",
];

/// The absolute paths a copy created, or `None` when they cannot be told (a
/// glob or a directory's contents landing in a system folder, a heredoc).
pub fn copied_targets(c: &CopyFact, ctx: &Context) -> Option<Vec<String>> {
    let dest = c.dest.trim_end_matches('/');
    let dest = if dest.is_empty() { "/" } else { dest };
    let into_dir = c.dest.ends_with('/') || c.sources.len() > 1;
    if !into_dir {
        return Some(vec![dest.to_string()]);
    }
    let mut out = Vec::new();
    for s in &c.sources {
        if s.starts_with("<<") {
            return None;
        }
        // A directory's contents go into the destination; a file keeps its name.
        let is_file = c.from.is_none() && ctx.dir().is_some_and(|d| d.join(s).is_file());
        let plain =
            !s.contains(['*', '?', '[']) && !s.ends_with('/') && s != "." && !s.contains("://");
        let url_file = s.contains("://") && !s.ends_with('/');
        if url_file {
            let name = s.rsplit('/').next().unwrap_or(s);
            out.push(format!("{dest}/{name}").replace("//", "/"));
            continue;
        }
        if !plain || !is_file {
            if SYSTEM_DIRS.contains(&dest) {
                return None;
            }
            return Some(vec![dest.to_string()]);
        }
        let base = s.trim_end_matches('/').rsplit('/').next().unwrap_or(s);
        out.push(format!("{}/{base}", dest.trim_end_matches('/')));
    }
    Some(out)
}

/// A copy from an image (`COPY --from=ghcr.io/astral-sh/uv /uv /uvx /bin/`)
/// whose files cannot be told by name: the final stage makes it again, as
/// written, from the same image, instead of copying the files from the
/// builder.
pub fn copy_from_image_again(c: &CopyFact, ctx: &Context) -> bool {
    let from_image = c
        .from
        .as_deref()
        .is_some_and(|f| !f.chars().all(|d| d.is_ascii_digit()) && !f.contains('$'));
    from_image && copied_targets(c, ctx).is_none()
}

/// The files the copies created, as far as their names show (for finding a
/// program the start command runs).
pub fn copied_files(facts: &StageFacts) -> Vec<String> {
    facts
        .copies
        .iter()
        .flat_map(|c| {
            if c.dest.ends_with('/') {
                c.sources
                    .iter()
                    .map(|src| {
                        let name = src.trim_end_matches('/').rsplit('/').next().unwrap_or(src);
                        format!("{}{name}", c.dest)
                    })
                    .collect::<Vec<_>>()
            } else {
                vec![c.dest.clone()]
            }
        })
        .collect()
}

#[cfg(test)]
mod tests;
