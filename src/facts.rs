//! The single stage read as a whole, the same way for every language: its
//! working directories, users, copies, `ARG` and `ENV` values, runtime
//! configuration and what each `RUN` does (through the shell reader).

use std::collections::BTreeMap;

use crate::parse::{Dockerfile, Form, Instruction, Keyword, Stage};
use crate::paths::{is_within, normalize};
use crate::shell::{self, Command, Scope, Step, Unknown};

/// A `COPY`/`ADD` into the stage, its destination made absolute.
#[derive(Debug, Clone)]
pub struct CopyFact<'a> {
    pub instruction: &'a Instruction,
    pub sources: Vec<String>,
    /// Absolute destination as written (a trailing `/` kept).
    pub dest: String,
    /// The flag values that matter for the copied files.
    pub chown: Option<String>,
    pub from: Option<String>,
}

/// The single stage read as a whole: where things are and what the image's
/// configuration ends up being.
#[derive(Debug)]
pub struct StageFacts<'a> {
    pub from: &'a Instruction,
    pub instructions: Vec<&'a Instruction>,
    /// The working directory at the end, absolute; `None` when a variable in a
    /// `WORKDIR` cannot be resolved.
    pub workdir: Option<String>,
    /// Whether any `WORKDIR` was set.
    pub has_workdir: bool,
    /// Every working directory set, absolute, in order (`None` where unknown).
    pub workdirs: Vec<Option<String>>,
    /// The working directory each instruction runs in (parallel to
    /// `instructions`).
    pub workdir_at: Vec<Option<String>>,
    /// The last `USER`.
    pub user: Option<&'a Instruction>,
    pub entrypoint: Option<&'a Instruction>,
    pub cmd: Option<&'a Instruction>,
    /// Whether an `ENTRYPOINT` without a later `CMD` in the stage reset the
    /// base image's `CMD`.
    pub cmd_reset: bool,
    pub healthcheck: Option<&'a Instruction>,
    pub copies: Vec<CopyFact<'a>>,
    /// `ARG` defaults in scope at the end of the stage: the stage's own
    /// declarations, which take their default from a global `ARG` when they
    /// have none.
    /// Their values have quotes removed (`ARG APP="/app"` is `/app`).
    pub args: BTreeMap<String, Option<String>>,
    /// The same defaults as written (`"/app"`), to declare them again.
    pub arg_text: BTreeMap<String, Option<String>>,
    /// Global `ARG` defaults, quotes removed.
    pub global_args: BTreeMap<String, Option<String>>,
    /// `ENV` values as set, in order (later ones win), expanded where the
    /// variables they use are known (`None` where not).
    pub env: Vec<(String, Option<String>, usize)>,
    /// The variables the base image sets that the stage's paths may use.
    pub image_env: BTreeMap<String, String>,
    /// Programs whose scripts the `RUN`s' reading does not walk into.
    pub opaque_programs: Vec<String>,
    /// What each `RUN` does, as the shell reader reads it, in order.
    pub run_steps: Vec<RunSteps<'a>>,
}

/// Where the base image starts a stage: its working folder (`/` where
/// none) and the variables it sets.
#[derive(Debug, Clone, Default)]
pub struct ImageStart {
    pub workdir: Option<String>,
    pub env: BTreeMap<String, String>,
    /// The language's tools whose scripts (`./mvnw`) stand for the tool
    /// and are not read.
    pub opaque_programs: Vec<String>,
}

/// One `RUN` and what the shell would do for it.
#[derive(Debug)]
pub struct RunSteps<'a> {
    pub instruction: &'a Instruction,
    /// Its index in [`StageFacts::instructions`].
    pub at: usize,
    pub steps: Vec<Step>,
}

impl<'a> StageFacts<'a> {
    /// Reads the stage with no build context: scripts that `RUN` steps run
    /// are unknown.
    pub fn read(file: &'a Dockerfile, stage: &Stage) -> StageFacts<'a> {
        StageFacts::read_in(file, stage, &crate::context::Context::none())
    }

    /// Reads the stage; the scripts `RUN` steps run are read from `ctx`
    /// where a `COPY` put them in the image.
    pub fn read_in(
        file: &'a Dockerfile,
        stage: &Stage,
        ctx: &crate::context::Context,
    ) -> StageFacts<'a> {
        StageFacts::read_from(file, stage, ctx, &ImageStart::default())
    }

    /// Reads the stage as it runs on an image that starts in `start`'s
    /// folder with its variables (`WORKDIR /go`, `GOPATH=/go`).
    pub fn read_from(
        file: &'a Dockerfile,
        stage: &Stage,
        ctx: &crate::context::Context,
        start: &ImageStart,
    ) -> StageFacts<'a> {
        let all: Vec<&Instruction> = file.instructions().collect();
        let mut global_args = BTreeMap::new();
        let mut global_text = BTreeMap::new();
        for i in file.global_args() {
            for a in i.arg_decls() {
                global_args.insert(a.name.clone(), a.default.as_deref().map(unquote));
                global_text.insert(a.name, a.default);
            }
        }
        let mut facts = StageFacts {
            from: all[stage.from],
            instructions: all[stage.instructions.clone()].to_vec(),
            workdir: Some(start.workdir.clone().unwrap_or_else(|| "/".into())),
            has_workdir: false,
            workdirs: Vec::new(),
            workdir_at: Vec::new(),
            user: None,
            entrypoint: None,
            cmd: None,
            cmd_reset: false,
            healthcheck: None,
            copies: Vec::new(),
            args: BTreeMap::new(),
            arg_text: BTreeMap::new(),
            global_args,
            env: Vec::new(),
            image_env: start.env.clone(),
            opaque_programs: start.opaque_programs.clone(),
            run_steps: Vec::new(),
        };
        for &i in &all[stage.instructions.clone()] {
            facts.workdir_at.push(facts.workdir.clone());
            match i.keyword {
                Keyword::Arg => {
                    for a in i.arg_decls() {
                        let text = a
                            .default
                            .or_else(|| global_text.get(&a.name).cloned().flatten());
                        facts
                            .args
                            .insert(a.name.clone(), text.as_deref().map(unquote));
                        facts.arg_text.insert(a.name, text);
                    }
                }
                Keyword::Env => {
                    for kv in i.key_values() {
                        let value = facts.expand(&unquote(&kv.value));
                        facts.env.push((kv.key, value, i.start_line));
                    }
                }
                Keyword::Workdir => {
                    facts.has_workdir = true;
                    let raw = i.value().unwrap_or("/");
                    let resolved = facts.expand(&unquote(raw));
                    facts.workdir = match (facts.workdir.take(), resolved) {
                        (_, Some(p)) if p.starts_with('/') => Some(normalize(&p)),
                        (Some(base), Some(p)) => Some(normalize(&format!("{base}/{p}"))),
                        _ => None,
                    };
                    facts.workdirs.push(facts.workdir.clone());
                }
                Keyword::User => facts.user = Some(i),
                Keyword::Entrypoint => {
                    facts.entrypoint = Some(i);
                    // BuildKit resets an inherited CMD unless this stage set one.
                    if facts.cmd.is_none() {
                        facts.cmd_reset = true;
                    }
                }
                Keyword::Cmd => facts.cmd = Some(i),
                Keyword::Healthcheck => facts.healthcheck = Some(i),
                Keyword::Copy | Keyword::Add => {
                    if let Some(args) = i.copy_args() {
                        // `COPY . "$GOPATH/src/app/"`: the quotes are not the path's.
                        let dest = facts.expand(&unquote(&args.dest)).map(|d| {
                            if d.starts_with('/') {
                                d
                            } else {
                                let base = facts.workdir.clone().unwrap_or_default();
                                let joined = normalize(&format!("{base}/{d}"));
                                if d.ends_with('/') || d == "." || d == "./" {
                                    format!("{}/", joined.trim_end_matches('/'))
                                } else {
                                    joined
                                }
                            }
                        });
                        facts.copies.push(CopyFact {
                            instruction: i,
                            sources: args.sources,
                            dest: dest.unwrap_or_else(|| args.dest.clone()),
                            chown: i.flag("chown").and_then(|f| f.value()).map(str::to_string),
                            from: i.flag("from").and_then(|f| f.value()).map(str::to_string),
                        });
                    }
                }
                _ => {}
            }
        }
        facts.run_steps = facts.read_runs(file, ctx);
        facts
    }

    /// Reads every `RUN` with the folder, user, variables and `SHELL` in
    /// force where it runs, and the scripts copied before it.
    fn read_runs(&self, file: &Dockerfile, ctx: &crate::context::Context) -> Vec<RunSteps<'a>> {
        let mut out = Vec::new();
        let mut user = String::from("root");
        let mut shell_form: Option<Vec<String>> = None;
        let mut args: BTreeMap<String, Option<String>> = BTreeMap::new();
        for (at, &i) in self.instructions.iter().enumerate() {
            match i.keyword {
                Keyword::User => {
                    let u = unquote(i.value().unwrap_or("root"));
                    user = self.expand(&u).unwrap_or(u);
                    user = user.split(':').next().unwrap_or("").to_string();
                }
                Keyword::Shell => {
                    if let Some(Form::Exec(items)) = &i.form {
                        shell_form = Some(items.clone());
                    }
                }
                Keyword::Arg => {
                    for a in i.arg_decls() {
                        let default = self.args.get(&a.name).cloned().flatten();
                        args.insert(a.name, default);
                    }
                }
                Keyword::Run => {
                    let mut vars = args.clone();
                    // Docker sets HOME from the user; root's is known.
                    if is_root(&user) {
                        vars.insert("HOME".into(), Some("/root".into()));
                    }
                    for (k, v, line) in &self.env {
                        if *line < i.start_line {
                            vars.insert(k.clone(), v.clone());
                        }
                    }
                    let scope = Scope {
                        dir: Some(self.cwd_at(at)),
                        user: Some(user.clone()),
                        vars,
                    };
                    let copies = self
                        .copies
                        .iter()
                        .filter(|c| c.instruction.start_line < i.start_line && c.from.is_none())
                        .map(|c| (c.sources.as_slice(), c.dest.as_str()));
                    let scripts = crate::scripts::CopiedScripts::new(ctx, copies)
                        .with_package_scripts()
                        .without(&self.opaque_programs);
                    let steps =
                        shell::read_instruction(file, i, shell_form.as_deref(), &scope, &scripts);
                    out.push(RunSteps {
                        instruction: i,
                        at,
                        steps,
                    });
                }
                _ => {}
            }
        }
        out
    }

    /// Expands `$NAME` and `${NAME}` from `ENV` and `ARG` values known so far;
    /// `None` if a variable has no known value or uses a modifier.
    pub fn expand(&self, text: &str) -> Option<String> {
        let mut out = String::new();
        let mut rest = text;
        while let Some(i) = rest.find('$') {
            out.push_str(&rest[..i]);
            let after = &rest[i + 1..];
            let (name, len) = if let Some(inner) = after.strip_prefix('{') {
                let end = inner.find('}')?;
                (&inner[..end], end + 2)
            } else {
                let end = after
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(after.len());
                (&after[..end], end)
            };
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return None;
            }
            out.push_str(&self.lookup(name)?);
            rest = &after[len..];
        }
        out.push_str(rest);
        Some(out)
    }

    /// The files the stage copied from the build context, found by their
    /// path in the image (what a final stage has of them at the end).
    pub fn context_files<'c>(
        &self,
        ctx: &'c crate::context::Context,
    ) -> crate::scripts::CopiedScripts<'c> {
        let copies = self
            .copies
            .iter()
            .filter(|c| c.from.is_none())
            .map(|c| (c.sources.as_slice(), c.dest.as_str()));
        crate::scripts::CopiedScripts::new(ctx, copies)
    }

    /// The value of a variable: the last `ENV`, else an `ARG` default.
    pub fn lookup(&self, name: &str) -> Option<String> {
        if let Some((_, v, _)) = self.env.iter().rev().find(|(k, _, _)| k == name) {
            return v.clone();
        }
        if let Some(v) = self.args.get(name) {
            return v.clone();
        }
        self.image_env.get(name).cloned()
    }

    /// The value of a variable as a command sees it: set on its own line
    /// (`inline`: `CGO_ENABLED=0 go build`, `export`), else by the stage's
    /// `ENV`s and `ARG`s.
    pub fn variable(&self, inline: &[(String, Option<String>)], name: &str) -> Option<String> {
        inline
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| self.lookup(name))
    }

    /// Whether `ENV` sets `name` to `value` before `line`.
    pub fn env_before(&self, name: &str, value: &str, line: usize) -> bool {
        self.env
            .iter()
            .rev()
            .find(|(k, _, l)| k == name && *l < line)
            .is_some_and(|(_, v, _)| v.as_deref() == Some(value))
    }

    /// The application directory: the working directory in force at the end,
    /// or the shallowest `WORKDIR` above it (`WORKDIR /app` then
    /// `WORKDIR /app/src` keeps `/app`, where the dependencies are).
    pub fn app_dir(&self) -> Option<String> {
        let last = self.workdir.clone()?;
        let shallowest = self
            .workdirs
            .iter()
            .flatten()
            .filter(|w| is_within(&last, w) && w.as_str() != "/")
            .min_by_key(|w| w.len())
            .cloned();
        Some(shallowest.unwrap_or(last))
    }

    /// The working directory `i` runs in.
    pub fn workdir_of(&self, i: &Instruction) -> Option<&str> {
        let at = self.instructions.iter().position(|x| std::ptr::eq(*x, i))?;
        self.workdir_at.get(at)?.as_deref()
    }

    /// The working folder the instruction at `at` runs in (`/` before any
    /// `WORKDIR`, as Docker does).
    pub fn cwd_at(&self, at: usize) -> String {
        self.workdir_at
            .get(at)
            .cloned()
            .flatten()
            .unwrap_or_else(|| "/".into())
    }

    /// The `RUN` instructions, in order.
    pub fn runs(&self) -> impl Iterator<Item = &&'a Instruction> {
        self.instructions
            .iter()
            .filter(|i| i.keyword == Keyword::Run)
    }

    /// Every command the `RUN`s run, in order, each with its `RUN`.
    pub fn run_commands(&self) -> impl Iterator<Item = (&'a Instruction, &Command)> + '_ {
        self.run_steps
            .iter()
            .flat_map(|r| shell::commands(&r.steps).map(move |c| (r.instruction, c)))
    }

    /// What the reader could not follow in the `RUN`s, each with its `RUN`.
    pub fn run_unknowns(&self) -> impl Iterator<Item = (&'a Instruction, &Unknown)> + '_ {
        self.run_steps.iter().flat_map(|r| {
            r.steps.iter().filter_map(move |s| match s {
                Step::Unknown(u) => Some((r.instruction, u)),
                Step::Run(_) => None,
            })
        })
    }

    /// The commands one `RUN` runs.
    pub fn commands_of(&self, run: &Instruction) -> Vec<&Command> {
        self.run_steps
            .iter()
            .filter(|r| std::ptr::eq(r.instruction, run))
            .flat_map(|r| shell::commands(&r.steps))
            .collect()
    }

    /// The user name or id of the last `USER` (before any `:group`).
    pub fn user_name(&self) -> Option<String> {
        let raw = self.user?.value()?;
        let user = unquote(raw);
        Some(user.split(':').next().unwrap_or("").to_string())
    }
}

/// Whether a `USER` value (`name`, `uid`, `name:group`) is root.
pub fn is_root(user: &str) -> bool {
    matches!(user.split(':').next().unwrap_or(""), "root" | "0")
}

/// The text of a `RUN`/`CMD`-like form as one shell line.
pub fn form_text(form: &Form) -> String {
    match form {
        Form::Shell(s) => s.clone(),
        Form::Exec(items) => items.join(" "),
    }
}

/// Removes one level of matching quotes.
pub fn unquote(s: &str) -> String {
    let t = s.trim();
    for q in ['"', '\''] {
        if t.len() >= 2 && t.starts_with(q) && t.ends_with(q) {
            return t[1..t.len() - 1].to_string();
        }
    }
    t.to_string()
}

/// The variables (`$NAME`, `${NAME…}`) a text uses.
pub fn variables(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find('$') {
        let after = &rest[i + 1..];
        let name: String = after
            .strip_prefix('{')
            .unwrap_or(after)
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() && !out.contains(&name) {
            out.push(name);
        }
        rest = after;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_are_found_by_name() {
        assert_eq!(variables("a $B ${C:-x} $$"), ["B", "C"]);
    }

    #[test]
    fn stage_facts_follow_workdir_env_and_args() {
        let file = Dockerfile::parse(
            "ARG APP=/srv\nFROM node:20\nARG APP\nENV HOME_DIR=$APP\nWORKDIR ${HOME_DIR}\nWORKDIR web\n\
             COPY package.json ./\nCOPY run.sh /usr/local/bin/\nUSER node:node\nENTRYPOINT [\"run.sh\"]\n",
        );
        let stage = &file.stages()[0];
        let facts = StageFacts::read(&file, stage);
        assert_eq!(facts.workdir.as_deref(), Some("/srv/web"));
        assert_eq!(facts.copies[0].dest, "/srv/web/");
        assert_eq!(facts.copies[1].dest, "/usr/local/bin/");
        assert_eq!(facts.user_name().as_deref(), Some("node"));
        assert!(facts.cmd_reset);
    }
}
