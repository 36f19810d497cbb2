//! The `RUN` commands no rule models: not followed by the shell reader, not
//! the language's own tools, not a system program the data names. Design.md
//! ("What RUN steps do") never lets one pass unseen: such a command is taken
//! to write inside the folder it works on, and is refused where its words or
//! the `ENV`s in force point somewhere else the final stage would not have
//! (`STATIC_ROOT=/static` for `python manage.py collectstatic`). Each one the
//! rewrite rests on is said in `--explain`.

use super::{refused, Stop};
use crate::carry::SCRATCH_PATHS;
use crate::codes::Code;
use crate::facts::StageFacts;
use crate::paths::is_within;
use crate::shell::Command;
use crate::system_programs::{effect, Effect};

/// Roots a program reads rather than writes when its words name them (a
/// `--config /etc/app.ini`, a `find /usr/local`), and the search-path and
/// session variables that name folders to read.
const READ_ROOTS: &[&str] = &[
    "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/proc", "/sys",
    "/dev", "/run", "/var/run",
];
const READ_VARIABLES: &[&str] = &["HOME", "PWD", "OLDPWD", "SHELL", "TMPDIR", "USER"];
const SEARCH_PATHS: &[&str] = &[
    "PATH",
    "LD_LIBRARY_PATH",
    "LIBRARY_PATH",
    "PYTHONPATH",
    "NODE_PATH",
    "CLASSPATH",
    "MANPATH",
    "PKG_CONFIG_PATH",
    "CPATH",
    "C_INCLUDE_PATH",
    "CPLUS_INCLUDE_PATH",
    "PERL5LIB",
    "GEM_PATH",
];

/// Where the final stage has what a command wrote: the application, the
/// paths it copies from the builder, and what no one needs (scratch places,
/// the tools' caches).
pub struct Kept<'a> {
    pub app_dir: Option<&'a str>,
    pub copied: &'a [String],
    pub cache_dirs: &'a [String],
}

impl Kept<'_> {
    fn keeps(&self, path: &str) -> bool {
        path == "/"
            || self.app_dir.is_some_and(|d| is_within(path, d))
            || self.copied.iter().any(|c| is_within(path, c))
            || self.cache_dirs.iter().any(|c| is_within(path, c))
            || SCRATCH_PATHS.iter().any(|s| is_within(path, s))
            || READ_ROOTS.iter().any(|r| is_within(path, r))
    }
}

/// Judges every command the language does not model (`own`, by its `RUN`'s
/// line and its words): a system program that changes what no copy carries
/// is refused; with an application directory, so is any other program whose
/// words or `ENV`s name a folder outside what the final stage keeps. Returns
/// what the rewrite assumes of the others, by line, for `--explain`.
pub fn check(
    facts: &StageFacts,
    kept: &Kept,
    own: &[(usize, Vec<String>)],
    tool_variables: &[String],
) -> Result<Vec<(usize, String)>, Stop> {
    let mut assumed = Vec::new();
    for (run, c) in facts.run_commands() {
        let line = run.start_line;
        let words = c.words();
        if crate::carry::FOLLOWED.contains(&c.name())
            || own.iter().any(|(l, w)| *l == line && *w == words)
            || only_asks(c)
        {
            continue;
        }
        match effect(c) {
            Some(Effect::Quiet | Effect::Writes(_)) => continue,
            Some(Effect::Refused { reason, hint }) => {
                return Err(refused(
                    Code::WriteOutsideApp,
                    line,
                    format!("this RUN runs `{}`, which {reason}", words.join(" ")),
                )
                .hint(hint))
            }
            // Moved into a folder: the application's, or one the final
            // stage copies (system folders are not read here).
            Some(Effect::InstallsInto(to)) => {
                let to = crate::paths::resolve(c.dir.as_deref().unwrap_or("/"), &to);
                let kept_here = kept.app_dir.is_some_and(|d| is_within(&to, d))
                    || kept.copied.iter().any(|k| is_within(&to, k));
                if !kept_here {
                    return Err(refused(
                        Code::WriteOutsideApp,
                        line,
                        format!(
                            "this RUN runs `{}`, which installs into {to}, outside the \
                             application directory",
                            words.join(" ")
                        ),
                    )
                    .hint(
                        "install into the application directory, or write the final stage by hand",
                    ));
                }
                continue;
            }
            None => {}
        }
        // With no application directory the language names what each
        // command wrote (the replay), or refuses.
        let Some(app_dir) = kept.app_dir else {
            continue;
        };
        let shown = words.join(" ");
        if let Some(path) = named_paths(c).into_iter().find(|p| !kept.keeps(p)) {
            return Err(refused(
                Code::WriteOutsideApp,
                line,
                format!(
                    "this RUN runs `{shown}`, which slimfile does not model, and it names {path}, \
                     outside the application directory {app_dir}: what it writes there would \
                     not reach the final stage"
                ),
            )
            .hint(format!(
                "make it write inside {app_dir}, or write the final stage by hand"
            )));
        }
        if let Some((name, value, at)) = env_folder(facts, c, line, tool_variables, kept) {
            let set = at.map_or(String::new(), |l| format!(" (line {l})"));
            return Err(refused(
                Code::WriteOutsideApp,
                line,
                format!(
                    "this RUN runs `{shown}`, which slimfile does not model, while {name}={value}{set} \
                     names a folder outside the application directory {app_dir}: what it writes \
                     there would not reach the final stage"
                ),
            )
            .hint(format!(
                "set {name} to a folder inside {app_dir}, or write the final stage by hand"
            )));
        }
        let folder = c.dir.as_deref().unwrap_or("an unknown folder");
        assumed.push((
            line,
            format!(
                "`{shown}` (in {folder}) is not a step slimfile models: taken to write only \
                 inside {app_dir} or folders the final stage copies, as no word of it and no \
                 ENV names another"
            ),
        ));
    }
    Ok(assumed)
}

/// `python --version`, `node -v`, `x --help`: asks and writes nothing.
fn only_asks(c: &Command) -> bool {
    !c.args.is_empty()
        && c.args.iter().all(|a| {
            matches!(
                a.text(),
                "--version" | "-V" | "-v" | "version" | "--help" | "-h"
            )
        })
}

/// The absolute paths among the command's words (`/var/www`,
/// `--out=/data`, each part of `/a:/b`).
fn named_paths(c: &Command) -> Vec<String> {
    c.args
        .iter()
        .filter_map(|a| a.value.as_deref())
        .flat_map(|v| {
            let v = v.split_once('=').map_or(v, |(_, rest)| rest);
            v.split(':')
                .filter(|p| p.starts_with('/'))
                .map(crate::paths::normalize)
                .collect::<Vec<_>>()
        })
        .collect()
}

/// An `ENV` in force for the command (or a variable its `RUN` set) whose
/// value is a folder outside what the final stage keeps: its name, value
/// and the `ENV`'s line. Search paths (`PYTHONPATH`, `LD_LIBRARY_PATH`; not
/// any name ending in PATH: `MODEL_PATH=/models` is an output), the
/// session's variables and the language's tools' own (`PIP_`, `PNPM_HOME`)
/// are not places a program writes its output.
fn env_folder(
    facts: &StageFacts,
    c: &Command,
    line: usize,
    tool_variables: &[String],
    kept: &Kept,
) -> Option<(String, String, Option<usize>)> {
    let from_env = facts
        .env
        .iter()
        .filter(|(_, _, l)| *l < line)
        .filter_map(|(k, v, l)| Some((k.clone(), v.clone()?, Some(*l))));
    let from_run = c
        .env
        .iter()
        .filter_map(|(k, v)| Some((k.clone(), v.clone()?, None)));
    // A later setting of a variable wins.
    let mut in_force: Vec<(String, String, Option<usize>)> = Vec::new();
    for (name, value, at) in from_env.chain(from_run) {
        in_force.retain(|(n, _, _)| *n != name);
        in_force.push((name, value, at));
    }
    in_force.into_iter().find_map(|(name, value, at)| {
        let ignored = SEARCH_PATHS.contains(&name.as_str())
            || READ_VARIABLES.contains(&name.as_str())
            || name.starts_with("LC_")
            || tool_variables.iter().any(|p| name.starts_with(p.as_str()));
        let path = value.trim_matches(['"', '\'']);
        let outside = path.starts_with('/') && !path.contains(':') && !kept.keeps(path);
        (!ignored && outside).then(|| (name, crate::paths::normalize(path), at))
    })
}
