//! What a final stage carries over from the builder, whatever the language:
//! the runtime configuration, the `ARG`s it uses, files copied outside the
//! application directory, the users the builder created, and the system
//! packages it needs at run time. The language planners decide the image and
//! the application; these helpers decide the rest the same way for all.

use crate::context::Context;
use crate::facts::{is_root, unquote, variables, CopyFact, StageFacts};
use crate::parse::{Dockerfile, Instruction, Keyword};
use crate::paths::{is_within, resolve};
use crate::shell::{self, WriteKind};

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
/// `addgroup`) the builder ran, quoted again for a `RUN`.
pub fn user_commands(facts: &StageFacts) -> Vec<String> {
    facts
        .run_commands()
        .filter(|(_, c)| matches!(c.name(), "useradd" | "adduser" | "groupadd" | "addgroup"))
        .map(|(_, c)| {
            c.words()
                .iter()
                .map(|x| shell::quote(x))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
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

/// Places any build may write without the final stage needing the result:
/// temporary files and the system package managers' lists and caches (a
/// language's own caches are its template's `cache_dirs`).
const SCRATCH_PATHS: &[&str] = &[
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
pub fn outside_writes(
    facts: &StageFacts,
    app_dir: &str,
    copied: &[String],
    cache_dirs: &[String],
) -> Result<Vec<OutsideWrite>, Uncarried> {
    // Every write outside, in order; a later `rm` takes back what it removes.
    let mut targets: Vec<(OutsideWrite, WriteKind)> = Vec::new();
    for run in &facts.run_steps {
        let line = run.instruction.start_line;
        for step in &run.steps {
            let c = match step {
                shell::Step::Run(c) => c,
                shell::Step::Unknown(u) => {
                    return Err(Uncarried::Unknown {
                        line,
                        text: u.text.clone(),
                        reason: u.reason.clone(),
                    })
                }
            };
            for w in &c.writes {
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
                let folder = w.kind == WriteKind::Folder;
                if let Some((target, kind)) = targets
                    .iter_mut()
                    .find(|(t, _)| is_within(&absolute, &t.path))
                {
                    target.folder_only &= folder;
                    if w.kind == WriteKind::Link && target.path == absolute {
                        *kind = WriteKind::Link;
                    }
                    continue;
                }
                let carried = is_within(&absolute, app_dir)
                    || SCRATCH_PATHS.iter().any(|s| is_within(&absolute, s))
                    || cache_dirs.iter().any(|s| is_within(&absolute, s))
                    || copied
                        .iter()
                        .any(|c| is_within(&absolute, c.trim_end_matches('/')));
                if carried {
                    continue;
                }
                targets.push((
                    OutsideWrite {
                        path: absolute,
                        line,
                        folder_only: folder,
                    },
                    w.kind,
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

/// The packages `apt-get install` or `apk add` installed that are not
/// build-only (by the template's `build_only_packages`): the final stage
/// needs them too.
pub fn runtime_packages(facts: &StageFacts, build_only: impl Fn(&str) -> bool) -> Vec<String> {
    // Options of apt-get and apk that take a value, which is no package.
    const VALUED: &[&str] = &[
        "-o",
        "--option",
        "-t",
        "--target-release",
        "-c",
        "--config-file",
        "--virtual",
        "-X",
        "--repository",
        "--repositories-file",
        "-p",
        "--root",
    ];
    let mut out: Vec<String> = Vec::new();
    // apk's virtual packages (`apk add --virtual .gyp python3 make`), by name.
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for (_, c) in facts.run_commands() {
        let w = c.words();
        let (manager, sub) = (c.name(), w.get(1).map(String::as_str));
        let installs = matches!(
            (manager, sub),
            ("apt-get" | "apt", Some("install")) | ("apk", Some("add"))
        );
        let removes = matches!(
            (manager, sub),
            ("apt-get" | "apt", Some("purge" | "remove")) | ("apk", Some("del"))
        );
        let mut names = Vec::new();
        let mut virtual_group = None;
        let mut i = 2;
        while i < w.len() {
            let x = &w[i];
            if x == "--virtual" || (manager == "apk" && x == "-t") {
                virtual_group = w.get(i + 1).cloned();
                i += 2;
                continue;
            }
            if VALUED.contains(&x.as_str()) {
                i += 2;
                continue;
            }
            if !x.starts_with('-') {
                names.push(x.clone());
            }
            i += 1;
        }
        if installs {
            if let Some(g) = virtual_group {
                groups.push((g, names.clone()));
            }
            for p in names {
                if !build_only(&p) && !out.contains(&p) {
                    out.push(p);
                }
            }
        } else if removes {
            for p in names {
                let members = groups
                    .iter()
                    .find(|(g, _)| *g == p)
                    .map(|(_, m)| m.clone())
                    .unwrap_or_else(|| vec![p.clone()]);
                out.retain(|o| !members.contains(o));
            }
        }
    }
    out
}

/// The command that installs system packages on a Debian (`apt`) or
/// Alpine (`apk`) image.
pub fn install_command(alpine: bool, packages: &[String]) -> String {
    // `nodejs>=18` is one word for the package manager, a redirection for sh.
    let names: Vec<String> = packages.iter().map(|p| crate::shell::quote(p)).collect();
    if alpine {
        format!("apk add --no-cache {}", names.join(" "))
    } else {
        format!(
            "apt-get update && apt-get install -y --no-install-recommends {} && rm -rf /var/lib/apt/lists/*",
            names.join(" ")
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
        let node = crate::lang::Registry::builtin();
        let t = &node.get("node").unwrap().template;
        assert_eq!(
            runtime_packages(&facts, |p| t.build_only(p)),
            ["tini", "ffmpeg"]
        );
        let (file, stage) = facts_of(
            "FROM x\nRUN apk add --no-cache --virtual .gyp python3 make g++ vips && npm ci && apk del .gyp\nRUN apt-get install -y -o Dpkg::Options::=--force-confold ffmpeg\n",
        );
        let facts = StageFacts::read(&file, &stage);
        assert_eq!(runtime_packages(&facts, |p| t.build_only(p)), ["ffmpeg"]);
    }

    fn write(line: usize, what: &str) -> Uncarried {
        Uncarried::Write {
            line,
            what: what.into(),
        }
    }

    #[test]
    fn writes_outside_the_application_are_carried_or_refused() {
        let writes = |text: &str| {
            let (file, stage) = facts_of(text);
            let facts = StageFacts::read(&file, &stage);
            outside_writes(&facts, "/app", &[], &[])
                .map(|w| w.into_iter().map(|w| w.path).collect::<Vec<_>>())
        };
        assert_eq!(
            writes("FROM x\nWORKDIR /app\nRUN npm ci > /tmp/log && cp dist/cli /usr/local/bin/cli\nRUN echo hi > /app/x\n"),
            Ok(vec!["/usr/local/bin/cli".to_string()])
        );
        assert_eq!(
            writes("FROM x\nRUN mkdir -p /var/log/app /usr/local/bin && chown node /var/log/app\nWORKDIR /app\n"),
            Ok(vec!["/var/log/app".to_string()])
        );
        assert_eq!(
            writes("FROM x\nRUN curl -sSL https://x/t.tgz | tar xz -C /opt/tool && git clone https://x/y /srv/y\n"),
            Ok(vec!["/opt/tool".to_string(), "/srv/y".to_string()])
        );
        assert_eq!(
            writes("FROM x\nRUN curl -sSL https://x | tar xJC /usr/bin/ f\n")
                .unwrap_err()
                .line(),
            2
        );
        assert_eq!(
            writes("FROM x\nRUN ln -sf /usr/bin/python3 /usr/bin/python\n").unwrap_err(),
            write(2, "a symlink (/usr/bin/python)")
        );
        // Read from the working folder, wherever that is.
        assert_eq!(
            writes("FROM x\nWORKDIR /app\nRUN ln -s /app/bin/cli.js /usr/local/bin/cli\n")
                .unwrap_err(),
            write(3, "a symlink (/usr/local/bin/cli)")
        );
        assert_eq!(
            writes("FROM x\nWORKDIR /usr/local/bin\nRUN ln -s /app/bin/cli.js cli\n").unwrap_err(),
            write(3, "a symlink (/usr/local/bin/cli)")
        );
        // A `cd` moves the folder the writes are read from.
        assert_eq!(
            writes("FROM x\nWORKDIR /app\nRUN cd /usr/local/bin && ln -s /app/bin/cli.js cli\n")
                .unwrap_err(),
            write(3, "a symlink (/usr/local/bin/cli)")
        );
        assert_eq!(
            writes("FROM x\nWORKDIR /app\nRUN (cd /opt && echo x > a) && echo y > b\n"),
            Ok(vec!["/opt/a".to_string()])
        );
        // A step the reader cannot follow may write anywhere.
        assert!(matches!(
            writes("FROM x\nWORKDIR /app\nRUN eval \"$(./configure)\"\n"),
            Err(Uncarried::Unknown { line: 3, .. })
        ));
        // Inside the application, the link comes with the folder's copy.
        assert_eq!(
            writes("FROM x\nWORKDIR /app\nRUN ln -s dist/cli.js cli\n"),
            Ok(vec![])
        );
        assert!(writes("FROM x\nRUN echo x > $NOPE/.rc\n").is_err());
        // What the same build removes is not copied.
        assert_eq!(
            writes("FROM x\nRUN curl -fsSL -o /opt/t.tgz https://x && tar -xzf /opt/t.tgz -C /opt/tool && rm /opt/t.tgz\n"),
            Ok(vec!["/opt/tool".to_string()])
        );
        assert_eq!(
            writes("FROM x\nRUN ln -sf python3 /usr/bin/python && make && rm -f /usr/bin/python\n"),
            Ok(vec![])
        );
        // Patterns are not paths.
        assert!(writes("FROM x\nRUN cp scripts/*.sh /usr/local/bin/\n").is_err());
        assert!(writes("FROM x\nRUN mkdir -p /data/{uploads,logs}\n").is_err());
        // Option values are not paths; `-O -` is the standard output.
        assert_eq!(
            writes(
                "FROM x\nRUN install -m 755 x.sh /usr/local/bin/ && mkdir -p -m 0775 /data/up\n"
            ),
            Ok(vec![
                "/usr/local/bin/x.sh".to_string(),
                "/data/up".to_string()
            ])
        );
        assert_eq!(
            writes("FROM x\nRUN wget -q -O - https://x/k.pub | apt-key add - && curl -fsSLo /etc/ssl/corp.pem https://x/c\n"),
            Ok(vec!["/etc/ssl/corp.pem".to_string()])
        );
        assert_eq!(
            writes("FROM x\nRUN cp a b /usr/local/bin/\n"),
            Ok(vec![
                "/usr/local/bin/a".to_string(),
                "/usr/local/bin/b".to_string()
            ])
        );
    }

    #[test]
    fn a_folder_only_made_holds_nothing_built() {
        let (file, stage) = facts_of(
            "FROM x\nRUN mkdir -p /var/log/app /opt/tool && chown node /var/log/app\nRUN tar xzf t.tgz -C /opt/tool\nRUN touch /etc/app.conf\n",
        );
        let facts = StageFacts::read(&file, &stage);
        let writes = outside_writes(&facts, "/app", &[], &[]).unwrap();
        let seen: Vec<(&str, usize, bool)> = writes
            .iter()
            .map(|w| (w.path.as_str(), w.line, w.folder_only))
            .collect();
        assert_eq!(
            seen,
            [
                ("/var/log/app", 2, true),
                ("/opt/tool", 2, false),
                ("/etc/app.conf", 4, false)
            ]
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
