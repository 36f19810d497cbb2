//! What a final stage carries over from the builder, whatever the language:
//! the runtime configuration, the `ARG`s it uses, files copied outside the
//! application directory, the users the builder created, and the system
//! packages it needs at run time. The language planners decide the image and
//! the application; these helpers decide the rest the same way for all.

use crate::context::Context;
use crate::parse::{Dockerfile, Instruction, Keyword};
use crate::plan::{form_text, is_within, unquote, variables, CopyFact, StageFacts};
use crate::shell;

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

/// `ARG` lines for the variables the carried instructions use: an `ARG` does
/// not cross a `FROM`. Only the stage's own declarations count; a global
/// `ARG` is not visible inside a stage that does not declare it again.
pub fn arg_lines(file: &Dockerfile, facts: &StageFacts, carried: &[&Instruction]) -> Vec<String> {
    let mut declared: Vec<String> = Vec::new();
    let mut lines = Vec::new();
    for i in carried {
        for v in variables(file.text(i.text_span.clone())) {
            if declared.contains(&v) {
                continue;
            }
            let Some(default) = facts.args.get(&v) else {
                continue;
            };
            declared.push(v.clone());
            lines.push(match default {
                Some(d) => format!("ARG {v}={}", quote_value(d)),
                None => format!("ARG {v}"),
            });
        }
    }
    lines
}

/// A value for `ARG NAME=value`, quoted where blanks or quotes need it.
fn quote_value(value: &str) -> String {
    if value.is_empty() || value.contains(char::is_whitespace) || value.contains('"') {
        format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
    } else {
        value.to_string()
    }
}

/// The last non-root `USER`, when it comes before the last `WORKDIR`. A
/// `WORKDIR` after `USER` creates the directory owned by that user, so the
/// final stage keeps that order and the application may write to its own
/// directory as before.
pub fn user_before_workdir<'a>(facts: &StageFacts<'a>) -> Option<&'a Instruction> {
    let user = facts.user?;
    let name = facts.user_name()?;
    if name == "root" || name == "0" {
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
                if let Some(u) = &user {
                    let name = u.split(':').next().unwrap_or("");
                    if name != "root" && name != "0" {
                        owner = Some(u.clone());
                    }
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
    let non_root = |u: &str| !matches!(u.split(':').next().unwrap_or(""), "root" | "0" | "");
    for (at, i) in facts.instructions.iter().enumerate() {
        let cwd = facts
            .workdir_at
            .get(at)
            .cloned()
            .flatten()
            .unwrap_or_else(|| "/".into());
        let absolute = |p: &str| {
            if p.starts_with('/') {
                crate::plan::normalize(p)
            } else {
                crate::plan::normalize(&format!("{cwd}/{p}"))
            }
        };
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
                let text = i.form.as_ref().map(form_text).unwrap_or_default();
                for c in shell::commands(&text) {
                    let w = shell::program_words(&c);
                    match w.first().map(String::as_str) {
                        Some("chown") => {
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
                        Some("mkdir")
                            if non_root(&user)
                                && w[1..]
                                    .iter()
                                    .any(|p| !p.starts_with('-') && absolute(p) == app_dir) =>
                        {
                            owner = Some(user.clone());
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
/// `addgroup`) the builder ran, quoted again for a `RUN`.
pub fn user_commands(facts: &StageFacts) -> Vec<String> {
    let mut out = Vec::new();
    for run in facts.runs() {
        let text = run.form.as_ref().map(form_text).unwrap_or_default();
        for c in shell::commands(&text) {
            let w = shell::program_words(&c);
            if matches!(
                w.first().map(String::as_str),
                Some("useradd" | "adduser" | "groupadd" | "addgroup")
            ) {
                out.push(
                    w.iter()
                        .map(|x| shell::quote(x))
                        .collect::<Vec<_>>()
                        .join(" "),
                );
            }
        }
    }
    out
}

/// The names of the users the builder created (`useradd … NAME`,
/// `adduser … NAME`): the last word of each command that is not an option.
pub fn created_users(facts: &StageFacts) -> Vec<String> {
    let mut out = Vec::new();
    for run in facts.runs() {
        let text = run.form.as_ref().map(form_text).unwrap_or_default();
        for c in shell::commands(&text) {
            let w = shell::program_words(&c);
            if matches!(w.first().map(String::as_str), Some("useradd" | "adduser")) {
                if let Some(name) = w
                    .iter()
                    .rev()
                    .find(|x| !x.starts_with('-'))
                    .filter(|_| w.len() > 1)
                {
                    out.push(name.clone());
                }
            }
        }
    }
    out
}

/// System packages that only a build needs: compilers, headers, version
/// control, and the tools that fetch and unpack sources. (A start command or
/// health check that runs one is checked separately.)
const BUILD_ONLY: &[&str] = &[
    "build-essential",
    "gcc",
    "g++",
    "make",
    "cmake",
    "python3",
    "python",
    "git",
    "pkg-config",
    "pkgconf",
    "autoconf",
    "automake",
    "libtool",
    "linux-headers",
    "musl-dev",
    "libc-dev",
    "libc6-dev",
    "build-base",
    "node-gyp",
    "openssh-client",
    "python-is-python3",
    "py3-pip",
    "python3-pip",
    "curl",
    "wget",
    "tar",
    "unzip",
    "xz-utils",
    "xz",
    "bzip2",
    "gnupg",
    "dirmngr",
    "patch",
];

/// Whether a system package is only needed to build.
pub fn build_only(pkg: &str) -> bool {
    let name = pkg.split(['=', ':']).next().unwrap_or(pkg);
    BUILD_ONLY.contains(&name) || name.ends_with("-dev") || name.ends_with("-devel")
}

/// Places a build may write without the final stage needing the result:
/// caches, temporary files, package lists.
const SCRATCH_PATHS: &[&str] = &[
    "/tmp",
    "/var/tmp",
    "/dev",
    "/proc",
    "/root/.npm",
    "/root/.cache",
    "/root/.yarn",
    "/root/.pnpm-store",
    "/usr/local/share/.cache",
    "/var/cache",
    "/var/lib/apt",
    "/var/log",
    "/etc/apt",
    "/etc/apk",
];

/// Programs that write the paths they are given.
const WRITERS: &[&str] = &[
    "cp", "mv", "ln", "tar", "curl", "wget", "git", "mkdir", "unzip", "install", "touch", "tee",
    "chmod", "chown", "sed",
];

/// The first `RUN` (its line, and the path) that writes a file outside the
/// application directory and the copied files: `cp`, `mv`, `ln`, `tar -C`,
/// `curl -o`, `git clone`, `mkdir`, a redirection. What it builds there would
/// not reach the final stage.
pub fn writes_outside(
    facts: &StageFacts,
    app_dir: &str,
    copied: &[String],
) -> Option<(usize, String)> {
    let allowed = |path: &str| {
        is_within(path, app_dir)
            || SCRATCH_PATHS.iter().any(|s| is_within(path, s))
            || copied
                .iter()
                .any(|c| is_within(path, c.trim_end_matches('/')))
    };
    for run in facts.runs() {
        let text = run.form.as_ref().map(form_text).unwrap_or_default();
        for c in shell::commands(&text) {
            let w = shell::program_words(&c);
            let program = w.first().map_or("", |p| p.rsplit('/').next().unwrap_or(p));
            // `sed` writes only with -i; the others write what they name.
            let writes = WRITERS.contains(&program)
                && (program != "sed" || w.iter().any(|x| x.starts_with("-i")));
            for (i, word) in w.iter().enumerate() {
                // `> /path` or `>/path`, whatever the program.
                let redirected = word.strip_prefix(">>").or_else(|| word.strip_prefix('>'));
                let path = match redirected {
                    Some("") => w.get(i + 1).map(String::as_str),
                    Some(p) => Some(p),
                    None if writes && i > 0 => Some(word.as_str()),
                    None => None,
                };
                let Some(path) = path.filter(|p| p.starts_with('/')) else {
                    continue;
                };
                if !allowed(path) {
                    return Some((run.start_line, path.to_string()));
                }
            }
        }
    }
    None
}

/// The packages `apt-get install` or `apk add` installed that are not
/// build-only: the final stage needs them too.
pub fn runtime_packages(facts: &StageFacts) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for run in facts.runs() {
        let text = run.form.as_ref().map(form_text).unwrap_or_default();
        for c in shell::commands(&text) {
            let w = shell::program_words(&c);
            let installs = matches!(
                (w.first().map(String::as_str), w.get(1).map(String::as_str)),
                (Some("apt-get" | "apt"), Some("install")) | (Some("apk"), Some("add"))
            );
            if !installs {
                continue;
            }
            for p in w[2..].iter().filter(|x| !x.starts_with('-')) {
                if !build_only(p) && !out.contains(p) {
                    out.push(p.clone());
                }
            }
        }
    }
    out
}

/// The `RUN` that installs system packages on a Debian (`apt`) or Alpine
/// (`apk`) image.
pub fn install_line(alpine: bool, packages: &[String]) -> String {
    if alpine {
        format!("RUN apk add --no-cache {}", packages.join(" "))
    } else {
        format!(
            "RUN apt-get update && apt-get install -y --no-install-recommends {} && rm -rf /var/lib/apt/lists/*",
            packages.join(" ")
        )
    }
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
mod tests {
    use super::*;
    use crate::parse::Dockerfile;

    fn facts_of(text: &str) -> (Dockerfile, crate::parse::Stage) {
        let file = Dockerfile::parse(text);
        let stage = file.stages().remove(0);
        (file, stage)
    }

    #[test]
    fn the_effective_configuration_in_order() {
        let (file, stage) = facts_of(
            "FROM x\nCMD a\nENV A=1\nUSER u\nEXPOSE 80\nCMD b\nRUN true\nSTOPSIGNAL INT\nSTOPSIGNAL TERM\n",
        );
        let facts = StageFacts::read(&file, &stage);
        let carried: Vec<&str> = runtime_configuration(&facts)
            .iter()
            .map(|i| file.text(i.text_span.clone()))
            .collect();
        assert_eq!(
            carried,
            ["ENV A=1", "USER u", "EXPOSE 80", "CMD b", "STOPSIGNAL TERM"]
        );
    }

    #[test]
    fn runtime_packages_leave_build_tools_behind() {
        let (file, stage) = facts_of(
            "FROM x\nRUN apt-get update && apt-get install -y --no-install-recommends build-essential libpq-dev tini ffmpeg\n",
        );
        let facts = StageFacts::read(&file, &stage);
        assert_eq!(runtime_packages(&facts), ["tini", "ffmpeg"]);
    }

    #[test]
    fn writes_outside_the_application_are_found() {
        let (file, stage) = facts_of(
            "FROM x\nWORKDIR /app\nRUN npm ci > /tmp/log && cp dist/cli /usr/local/bin/cli\nRUN echo hi > /app/x\n",
        );
        let facts = StageFacts::read(&file, &stage);
        assert_eq!(
            writes_outside(&facts, "/app", &[]),
            Some((3, "/usr/local/bin/cli".into()))
        );
        assert_eq!(
            writes_outside(&facts, "/app", &["/usr/local/bin/cli".into()]),
            None
        );
    }

    #[test]
    fn the_application_folder_s_owner() {
        let owner = |text: &str| {
            let (file, stage) = facts_of(text);
            let facts = StageFacts::read(&file, &stage);
            dir_owner(&facts, "/app")
        };
        assert_eq!(
            owner("FROM x\nRUN mkdir -p /app && chown -R node:node /app\nWORKDIR /app\n"),
            Some("node:node".into())
        );
        assert_eq!(
            owner("FROM x\nUSER node\nWORKDIR /app\n"),
            Some("node".into())
        );
        assert_eq!(owner("FROM x\nWORKDIR /app\nUSER node\n"), None);
        assert_eq!(
            owner("FROM x\nWORKDIR /app\nRUN chown app .\n"),
            Some("app".into())
        );
        assert_eq!(owner("FROM x\nRUN chown -R app /srv\nWORKDIR /app\n"), None);
    }

    #[test]
    fn users_are_created_again_with_the_same_words() {
        let (file, stage) =
            facts_of("FROM x\nRUN apt-get update && useradd -m -c 'App user' app\n");
        let facts = StageFacts::read(&file, &stage);
        assert_eq!(user_commands(&facts), ["useradd -m -c 'App user' app"]);
    }
}
