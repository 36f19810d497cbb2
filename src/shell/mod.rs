//! What shell commands do, read without running them: the reader behind
//! every `RUN`, `CMD`, `ENTRYPOINT`, `HEALTHCHECK` and `package.json` script
//! slimfile looks at. It follows the shell as Docker runs it — lists and
//! pipelines, `if`/`for`/`while`/`case`, subshells and groups, functions,
//! `cd`, `sh -c`, `env`, `sudo`, `xargs`, `find -exec`, heredocs — and says
//! for each command it would run: the program and its arguments, the folder,
//! the user, the environment, the condition it runs under and the files it
//! writes. Where it cannot tell (`eval`, a script it cannot see, a program
//! named by a variable) it returns an explicit [`Unknown`], never nothing.

mod syntax;
mod walk;
mod wrappers;
mod writes;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::parse::{Dockerfile, Form, Instruction};

pub use writes::{Write, WriteKind};

/// yarn's (1 and 2+) and pnpm's own commands: any other first word
/// (`yarn build`, `pnpm lint`) runs the project's script of that name.
pub const PACKAGE_MANAGER_COMMANDS: &[&str] = &[
    "add",
    "audit",
    "autoclean",
    "bin",
    "cache",
    "check",
    "config",
    "constraints",
    "create",
    "dedupe",
    "deploy",
    "dlx",
    "doctor",
    "env",
    "exec",
    "explain",
    "fetch",
    "generate-lock-entry",
    "global",
    "help",
    "i",
    "import",
    "info",
    "init",
    "install",
    "install-test",
    "licenses",
    "link",
    "list",
    "login",
    "logout",
    "ls",
    "node",
    "npm",
    "outdated",
    "owner",
    "pack",
    "patch",
    "patch-commit",
    "plugin",
    "policy",
    "prune",
    "publish",
    "rebuild",
    "remove",
    "rm",
    "root",
    "search",
    "server",
    "set",
    "setup",
    "stage",
    "store",
    "tag",
    "team",
    "unlink",
    "unplug",
    "up",
    "update",
    "upgrade",
    "upgrade-interactive",
    "version",
    "versions",
    "why",
    "workspace",
    "workspaces",
];

/// What is known where a script starts: the folder, the user and the
/// variables (`ENV` and `ARG` values).
#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// The working folder, absolute; `None` where unknown.
    pub dir: Option<String>,
    /// The user commands run as (`root` before any `USER`); `None` where unknown.
    pub user: Option<String>,
    /// Variables with a known value (`Some`) or known to be set to an
    /// unknown one (`None`). A variable not listed is unknown too.
    pub vars: BTreeMap<String, Option<String>>,
}

impl Scope {
    /// A scope in folder `dir` as `user`, with no variables known.
    pub fn at(dir: &str, user: &str) -> Scope {
        Scope {
            dir: Some(dir.to_string()),
            user: Some(user.to_string()),
            vars: BTreeMap::new(),
        }
    }
}

/// Where the reader finds the text of a script a command runs
/// (`./build.sh`, `sh scripts/setup.sh`): the build context, for a file the
/// Dockerfile copied into the image.
pub trait Scripts {
    /// The text of the file at this absolute path in the image, if known.
    fn script(&self, path: &str) -> Option<String>;
    /// Whether the `package.json` scripts a package manager runs (`npm run
    /// build`, an install's `postinstall`) are walked too: for a build's
    /// `RUN`s, whose every write counts; not for a start command, which the
    /// language reads through its scripts itself.
    fn package_scripts(&self) -> bool {
        false
    }
    /// Whether the file at `path` is a project's wrapper of a tool
    /// (`./mvnw`), run as that tool rather than read.
    fn stands_for_a_tool(&self, _path: &str) -> bool {
        false
    }
}

/// No script is known.
pub struct NoScripts;

impl Scripts for NoScripts {
    fn script(&self, _path: &str) -> Option<String> {
        None
    }
}

/// One thing the shell would do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Step {
    /// A command whose program is known.
    Run(Command),
    /// Something the reader cannot follow.
    Unknown(Unknown),
}

/// A command the shell would run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Command {
    /// The program as written after expansion (`npm`, `./node_modules/.bin/tsc`,
    /// `/usr/bin/apt-get`); `:` for a bare redirection (`> file`).
    pub program: String,
    /// Its arguments (redirections are not arguments).
    pub args: Vec<Arg>,
    /// The folder it runs in, absolute; `None` where unknown.
    pub dir: Option<String>,
    /// The user it runs as; `None` where unknown.
    pub user: Option<String>,
    /// The variables this `RUN` set for it (`export`, `A=b cmd`, `env A=b`),
    /// not the Dockerfile's `ENV`.
    pub env: Vec<(String, Option<String>)>,
    /// Whether it always runs.
    pub condition: Condition,
    /// The files it writes, as far as they can be seen.
    pub writes: Vec<Write>,
    /// The programs it was run through (`sudo`, `sh`, `./build.sh`), outermost first.
    pub via: Vec<String>,
}

impl Command {
    /// The program's name without its folder (`tsc` for `./node_modules/.bin/tsc`).
    pub fn name(&self) -> &str {
        self.program.rsplit('/').next().unwrap_or(&self.program)
    }

    /// The program and its arguments as words: each argument's value, or its
    /// text as written where the value is unknown.
    pub fn words(&self) -> Vec<String> {
        std::iter::once(self.program.clone())
            .chain(self.args.iter().map(|a| a.text().to_string()))
            .collect()
    }

    /// Whether every argument's value is known.
    pub fn args_known(&self) -> bool {
        self.args.iter().all(|a| a.value.is_some())
    }
}

/// An argument: its value where known, and how it was written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Arg {
    pub value: Option<String>,
    pub raw: String,
}

impl Arg {
    /// A known argument.
    pub fn known(value: &str) -> Arg {
        Arg {
            value: Some(value.to_string()),
            raw: value.to_string(),
        }
    }

    /// The value, or the text as written.
    pub fn text(&self) -> &str {
        self.value.as_deref().unwrap_or(&self.raw)
    }
}

/// When a command runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    /// Whenever the `RUN` succeeds.
    Always,
    /// On one branch of an `if`, `case`, `&&` after a test, or `||`.
    Branch,
    /// In a loop body, which may run any number of times.
    Loop,
}

impl Condition {
    /// This condition inside `inner`: the first that is not `Always` wins.
    fn within(self, inner: Condition) -> Condition {
        if self == Condition::Always {
            inner
        } else {
            self
        }
    }
}

/// Something the reader cannot follow, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unknown {
    /// The text it concerns, as written.
    pub text: String,
    /// Why it cannot be followed, in words.
    pub reason: String,
    /// The program, where it is a file that could not be read (`./build.sh`).
    pub program: Option<String>,
    pub dir: Option<String>,
    pub user: Option<String>,
    pub condition: Condition,
    pub via: Vec<String>,
}

/// Reads a shell script.
pub fn read(text: &str, scope: &Scope, scripts: &dyn Scripts) -> Vec<Step> {
    walk::read_script(text, scope, scripts, Vec::new())
}

/// Reads a command given as words, with no shell (an exec-form `RUN`).
pub fn read_argv(argv: &[String], scope: &Scope, scripts: &dyn Scripts) -> Vec<Step> {
    walk::read_argv(argv, scope, scripts)
}

/// Reads a `RUN` (or `CMD`, `ENTRYPOINT`) as Docker runs it: exec form with
/// no shell; shell form through `shell` (the `SHELL` in force, `/bin/sh -c`
/// by default), heredoc bodies included; a `RUN <<EOF` whose command is the
/// heredoc alone runs its body as a script, through the interpreter its `#!`
/// line names.
pub fn read_instruction(
    file: &Dockerfile,
    run: &Instruction,
    shell: Option<&[String]>,
    scope: &Scope,
    scripts: &dyn Scripts,
) -> Vec<Step> {
    let unknown = |reason: String, text: &str| {
        vec![Step::Unknown(Unknown {
            text: text.to_string(),
            reason,
            program: None,
            dir: scope.dir.clone(),
            user: scope.user.clone(),
            condition: Condition::Always,
            via: Vec::new(),
        })]
    };
    let text = match &run.form {
        Some(Form::Exec(argv)) => return read_argv(argv, scope, scripts),
        Some(Form::Shell(s)) => s.clone(),
        None => return Vec::new(),
    };
    if let Some(sh) = shell.and_then(|s| s.first()) {
        let name = sh.rsplit(['/', '\\']).next().unwrap_or(sh);
        if !is_posix_shell(name) {
            return unknown(
                format!("SHELL runs `{sh}`, which is not a POSIX shell slimfile can read"),
                &text,
            );
        }
    }
    let body = |i: usize| -> String {
        run.heredocs
            .get(i)
            .map(|h| file.text(h.body.clone()).replace("\r\n", "\n"))
            .unwrap_or_default()
    };
    // `RUN <<EOF`: the body is the script.
    let only_heredoc = run.heredocs.len() == 1 && {
        let t = text.trim();
        let marker = t.trim_start_matches("<<").trim_start_matches('-');
        t.starts_with("<<") && marker.trim_matches(['\'', '"']) == run.heredocs[0].name
    };
    if only_heredoc {
        let script = body(0);
        if let Some(first) = script.lines().next().filter(|l| l.starts_with("#!")) {
            let interpreter = shebang_program(first);
            if !is_posix_shell(interpreter.rsplit('/').next().unwrap_or("")) {
                return unknown(
                    format!("the heredoc is a `{interpreter}` script, not shell"),
                    first,
                );
            }
        }
        return read(&script, scope, scripts);
    }
    // Otherwise the shell gets the command with the heredoc bodies after it.
    let mut script = text;
    for (i, h) in run.heredocs.iter().enumerate() {
        script.push('\n');
        script.push_str(&body(i));
        if !script.ends_with('\n') {
            script.push('\n');
        }
        script.push_str(&h.name);
    }
    read(&script, scope, scripts)
}

/// The program a `#!` line runs (`/usr/bin/env python3` → `python3`).
pub fn shebang_program(line: &str) -> String {
    let mut words = line.trim_start_matches("#!").split_whitespace();
    let first = words.next().unwrap_or("");
    if first.rsplit('/').next() == Some("env") {
        words
            .find(|w| !w.starts_with('-'))
            .unwrap_or("")
            .to_string()
    } else {
        first.to_string()
    }
}

/// `sh`, `bash` and the shells that read the same language.
pub fn is_posix_shell(name: &str) -> bool {
    matches!(
        name,
        "sh" | "bash" | "dash" | "ash" | "ksh" | "zsh" | "busybox"
    )
}

/// Whether shell text uses anything beyond plain words: expansions,
/// redirections, globs, subshells, several commands. Such a command cannot be
/// turned into exec form without changing what it does.
pub fn needs_a_shell(text: &str) -> bool {
    text.chars().any(|c| {
        matches!(
            c,
            '$' | '`'
                | '\''
                | '"'
                | '\\'
                | '|'
                | '&'
                | ';'
                | '<'
                | '>'
                | '('
                | ')'
                | '*'
                | '?'
                | '['
                | ']'
                | '{'
                | '}'
                | '~'
                | '#'
                | '\n'
        )
    })
}

/// The words of a command with no shell syntax (`node dist/server.js`), as
/// exec form would write them; `None` where the text needs a shell.
pub fn plain_words(text: &str) -> Option<Vec<String>> {
    if needs_a_shell(text) {
        return None;
    }
    Some(text.split_whitespace().map(str::to_string).collect())
}

/// A word quoted for `sh` where it needs it.
pub fn quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:@%+,".contains(c));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

/// The known commands of the steps, in order.
pub fn commands(steps: &[Step]) -> impl Iterator<Item = &Command> {
    steps.iter().filter_map(|s| match s {
        Step::Run(c) => Some(c),
        Step::Unknown(_) => None,
    })
}

#[cfg(test)]
mod tests;
