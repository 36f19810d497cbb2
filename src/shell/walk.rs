//! Walks a parsed script as the shell would run it, without running
//! anything: which commands run, in which folder, as which user, with which
//! variables, under which condition. Scope follows the shell's rules: `cd`
//! and variables persist in the same shell and not past a subshell, a
//! pipeline's commands or a background job; a branch that may not run makes
//! what it changes unknown afterwards unless every way through agrees.

use std::collections::{BTreeMap, HashMap};

use super::syntax::{
    self, AndOr, Cmd, Compound, HeredocBody, List, ParamOp, Part, Pipeline, RedirOp, Word,
};
use super::wrappers::{self, Unwrapped};
use super::writes::{self, WriteKind};
use super::{Arg, Command, Condition, Scope, Scripts, Step, Unknown};
use crate::paths::resolve;

/// How deeply scripts may call scripts, functions and `sh -c` before the
/// reader says it cannot follow.
const MAX_NESTING: usize = 16;

/// A loop over at most this many known words is followed once per word.
const MAX_LOOP_WORDS: usize = 16;

/// How many commands one script may make the reader walk, all loops and
/// calls counted, before it says it cannot follow: nested loops and
/// functions calling functions grow exponentially within small inputs.
const MAX_WORK: usize = 20_000;

/// The shell's state at a point of the script.
#[derive(Debug, Clone, PartialEq)]
struct State {
    dir: Option<String>,
    user: Option<String>,
    vars: BTreeMap<String, Option<String>>,
    /// Variables exported by this script (`export`, `A=b` before a wrapper).
    env: Vec<(String, Option<String>)>,
    /// `pushd`'s stack.
    stack: Vec<Option<String>>,
    condition: Condition,
    via: Vec<String>,
}

impl State {
    fn from_scope(scope: &Scope, via: Vec<String>) -> State {
        State {
            dir: scope.dir.clone(),
            user: scope.user.clone(),
            vars: scope.vars.clone(),
            env: Vec::new(),
            stack: Vec::new(),
            condition: Condition::Always,
            via,
        }
    }

    fn set_var(&mut self, name: &str, value: Option<String>) {
        self.vars.insert(name.to_string(), value);
    }

    fn export(&mut self, name: &str, value: Option<String>) {
        self.env.retain(|(k, _)| k != name);
        self.env.push((name.to_string(), value.clone()));
        self.set_var(name, value);
    }

    /// What is certain after either `self` or `other` ran: values the two
    /// agree on stay, the others become unknown.
    fn merge(&mut self, other: &State) {
        if self.dir != other.dir {
            self.dir = None;
        }
        if self.user != other.user {
            self.user = None;
        }
        if self.stack != other.stack {
            self.stack = vec![None; self.stack.len().max(other.stack.len())];
        }
        for (k, v) in &other.vars {
            if self.vars.get(k) != Some(v) {
                self.vars.insert(k.clone(), None);
            }
        }
        let mine: Vec<String> = self.vars.keys().cloned().collect();
        for k in mine {
            if !other.vars.contains_key(&k) {
                self.vars.insert(k, None);
            }
        }
        for (k, v) in &other.env {
            match self.env.iter_mut().find(|(n, _)| n == k) {
                Some(e) if e.1 != *v => e.1 = None,
                Some(_) => {}
                None => self.env.push((k.clone(), None)),
            }
        }
        for e in &mut self.env {
            if !other.env.iter().any(|(n, _)| *n == e.0) {
                e.1 = None;
            }
        }
    }

    /// The same state with a narrower condition.
    fn under(&self, condition: Condition) -> State {
        let mut s = self.clone();
        s.condition = s.condition.within(condition);
        s
    }

    /// Keeps the scope of `self` but the condition of `outer`.
    fn restore_condition(&mut self, outer: &State) {
        self.condition = outer.condition;
        self.via.clone_from(&outer.via);
    }
}

/// Reads `text` as a new shell would.
pub(super) fn read_script(
    text: &str,
    scope: &Scope,
    scripts: &dyn Scripts,
    via: Vec<String>,
) -> Vec<Step> {
    let mut w = Walker {
        out: Vec::new(),
        functions: HashMap::new(),
        scripts,
        nesting: 0,
        work: 0,
    };
    let mut st = State::from_scope(scope, via);
    w.script(text, &mut st);
    w.out
}

/// Reads an exec-form command.
pub(super) fn read_argv(argv: &[String], scope: &Scope, scripts: &dyn Scripts) -> Vec<Step> {
    let mut w = Walker {
        out: Vec::new(),
        functions: HashMap::new(),
        scripts,
        nesting: 0,
        work: 0,
    };
    let mut st = State::from_scope(scope, Vec::new());
    let args: Vec<Arg> = argv.iter().map(|a| Arg::known(a)).collect();
    let text = argv.join(" ");
    w.run_argv(args, &mut st, Vec::new(), Stdin::Terminal, &text);
    w.out
}

/// Where a command's standard input comes from, as far as it matters.
#[derive(Debug, Clone)]
enum Stdin {
    /// Nothing the reader knows of.
    Terminal,
    /// A heredoc body (`sh <<EOF`).
    Heredoc(String),
    /// The previous command of a pipeline (`curl … | sh`): the pipeline's text.
    Pipe(String),
    /// A file (`sh < setup.sh`).
    File,
}

struct Walker<'a> {
    out: Vec<Step>,
    functions: HashMap<String, Cmd>,
    scripts: &'a dyn Scripts,
    nesting: usize,
    /// Commands walked so far (see [`MAX_WORK`]).
    work: usize,
}

impl Walker<'_> {
    fn unknown(
        &mut self,
        st: &State,
        text: &str,
        reason: impl Into<String>,
        program: Option<String>,
    ) {
        self.out.push(Step::Unknown(Unknown {
            text: text.trim().to_string(),
            reason: reason.into(),
            program,
            dir: st.dir.clone(),
            user: st.user.clone(),
            condition: st.condition,
            via: st.via.clone(),
        }));
    }

    /// Parses and walks a script in the current shell.
    fn script(&mut self, text: &str, st: &mut State) {
        if self.nesting >= MAX_NESTING {
            self.unknown(
                st,
                text,
                "scripts call each other too deeply to follow",
                None,
            );
            return;
        }
        match syntax::parse(text) {
            Ok(script) => {
                self.nesting += 1;
                self.list(&script.list, st, &script.heredocs);
                self.nesting -= 1;
            }
            Err(e) => self.unknown(
                st,
                text,
                format!("the shell text cannot be read: {}", e.0),
                None,
            ),
        }
    }

    /// A script in a new shell (`sh -c`, a script file): nothing it changes
    /// reaches the caller, and its functions are its own.
    fn child_script(&mut self, text: &str, st: &State, via: &str, user: Option<Option<String>>) {
        let mut child = st.clone();
        child.via.push(via.to_string());
        child.stack.clear();
        if let Some(u) = user {
            child.user = u;
        }
        let saved = std::mem::take(&mut self.functions);
        self.script(text, &mut child);
        self.functions = saved;
    }

    fn list(&mut self, list: &List, st: &mut State, hd: &[HeredocBody]) {
        for (and_or, background) in &list.items {
            if *background {
                let mut job = st.clone();
                self.and_or(and_or, &mut job, hd);
            } else {
                self.and_or(and_or, st, hd);
            }
        }
    }

    /// `a && b || c && d`, read left to right as the shell groups it:
    /// `((a && b) || c) && d`.
    fn and_or(&mut self, a: &AndOr, st: &mut State, hd: &[HeredocBody]) {
        self.pipeline(&a.first, st, hd);
        let mut previous = &a.first;
        let mut i = 0;
        while let Some((and, p)) = a.rest.get(i) {
            if !*and {
                // `x || c`: c runs only when x failed.
                let mut taken = st.under(Condition::Branch);
                self.pipeline(p, &mut taken, hd);
                taken.restore_condition(st);
                st.merge(&taken);
                previous = p;
                i += 1;
            } else if is_test(previous) {
                // `test && b && c`: b and c run only when the test passes,
                // until a `||` takes the other way.
                let mut taken = st.under(Condition::Branch);
                while let Some((true, p)) = a.rest.get(i) {
                    self.pipeline(p, &mut taken, hd);
                    previous = p;
                    i += 1;
                }
                taken.restore_condition(st);
                st.merge(&taken);
            } else {
                // `a && b` runs b whenever the RUN succeeds.
                self.pipeline(p, st, hd);
                previous = p;
                i += 1;
            }
        }
    }

    fn pipeline(&mut self, p: &Pipeline, st: &mut State, hd: &[HeredocBody]) {
        if p.cmds.len() == 1 {
            self.command(&p.cmds[0], st, hd, Stdin::Terminal);
            return;
        }
        // Each command of a pipeline runs in a subshell.
        let text = p.cmds.iter().map(cmd_text).collect::<Vec<_>>().join(" | ");
        for (i, c) in p.cmds.iter().enumerate() {
            let mut sub = st.clone();
            let stdin = if i == 0 {
                Stdin::Terminal
            } else {
                Stdin::Pipe(text.clone())
            };
            self.command(c, &mut sub, hd, stdin);
        }
    }

    fn command(&mut self, c: &Cmd, st: &mut State, hd: &[HeredocBody], stdin: Stdin) {
        self.work += 1;
        if self.work > MAX_WORK {
            if self.work == MAX_WORK + 1 {
                self.unknown(
                    st,
                    "…",
                    "the script's loops and functions run more commands than slimfile follows",
                    None,
                );
            }
            return;
        }
        match c {
            Cmd::Simple {
                assigns,
                words,
                redirects,
            } => self.simple(assigns, words, redirects, st, hd, stdin),
            Cmd::Function { name, body } => {
                self.functions.insert(name.clone(), (**body).clone());
            }
            Cmd::Compound { body, redirects } => {
                let writes = self.redirect_writes(redirects, st, hd);
                if !writes.is_empty() {
                    self.emit(":".into(), Vec::new(), writes, st);
                }
                self.compound(body, st, hd);
            }
        }
    }

    fn compound(&mut self, body: &Compound, st: &mut State, hd: &[HeredocBody]) {
        match body {
            Compound::Group(list) => self.list(list, st, hd),
            Compound::Subshell(list) => {
                let mut sub = st.clone();
                self.list(list, &mut sub, hd);
            }
            Compound::Test(words) => {
                for w in words {
                    let _ = self.expand(w, st);
                }
            }
            Compound::Arith(text) => {
                if text.contains("$(") || text.contains('`') {
                    self.unknown(
                        st,
                        text,
                        "an arithmetic expression runs a command substitution slimfile does not read",
                        None,
                    );
                }
            }
            Compound::If { arms, otherwise } => {
                // The first condition always runs; what follows depends on it.
                let mut after: Option<State> = None;
                let mut cond_state = st.clone();
                for (i, (cond, then)) in arms.iter().enumerate() {
                    if i > 0 {
                        cond_state = cond_state.under(Condition::Branch);
                    }
                    self.list(cond, &mut cond_state, hd);
                    let mut taken = cond_state.under(Condition::Branch);
                    self.list(then, &mut taken, hd);
                    taken.restore_condition(st);
                    match &mut after {
                        Some(a) => a.merge(&taken),
                        None => after = Some(taken),
                    }
                }
                let mut rest = cond_state.under(Condition::Branch);
                if let Some(list) = otherwise {
                    self.list(list, &mut rest, hd);
                }
                rest.restore_condition(st);
                match &mut after {
                    Some(a) => a.merge(&rest),
                    None => after = Some(rest),
                }
                if let Some(a) = after {
                    *st = a;
                }
            }
            Compound::For { var, items, body } => {
                let words: Option<Vec<Arg>> = items.as_ref().map(|items| {
                    let mut all = Vec::new();
                    for w in items {
                        all.extend(self.expand(w, st));
                    }
                    all
                });
                match words {
                    Some(words)
                        if !words.is_empty()
                            && words.len() <= MAX_LOOP_WORDS
                            && words.iter().all(|w| w.value.is_some()) =>
                    {
                        // A known list: the body runs once per word.
                        for w in words {
                            st.set_var(var, w.value);
                            self.list(body, st, hd);
                        }
                    }
                    _ => {
                        let mut round = st.under(Condition::Loop);
                        if !var.is_empty() {
                            round.set_var(var, None);
                        }
                        self.list(body, &mut round, hd);
                        round.restore_condition(st);
                        st.merge(&round);
                    }
                }
            }
            Compound::While { cond, body } => {
                self.list(cond, st, hd);
                let mut round = st.under(Condition::Loop);
                self.list(body, &mut round, hd);
                self.list(cond, &mut round, hd);
                round.restore_condition(st);
                st.merge(&round);
            }
            Compound::Case { word, arms } => {
                let _ = self.expand(word, st);
                let mut after = st.clone();
                for arm in arms {
                    let mut taken = st.under(Condition::Branch);
                    self.list(arm, &mut taken, hd);
                    taken.restore_condition(st);
                    after.merge(&taken);
                }
                *st = after;
            }
        }
    }

    fn simple(
        &mut self,
        assigns: &[(String, Word)],
        words: &[Word],
        redirects: &[syntax::Redirect],
        st: &mut State,
        hd: &[HeredocBody],
        stdin: Stdin,
    ) {
        let mut values: Vec<(String, Option<String>)> = Vec::new();
        for (name, w) in assigns {
            values.push((name.clone(), self.expand_one(w, st)));
        }
        let mut argv: Vec<Arg> = Vec::new();
        for w in words {
            argv.extend(self.expand(w, st));
        }
        let writes = self.redirect_writes(redirects, st, hd);
        let substituting = redirects.iter().filter_map(|r| r.heredoc).any(|i| {
            hd.get(i)
                .is_some_and(|h| !h.quoted && (h.text.contains("$(") || h.text.contains('`')))
        });
        if substituting {
            let text = words
                .iter()
                .map(|w| w.raw.as_str())
                .collect::<Vec<_>>()
                .join(" ");
            self.unknown(
                st,
                &text,
                "a heredoc body runs command substitutions slimfile does not read",
                None,
            );
        }
        let stdin = redirects
            .iter()
            .rev()
            .find(|r| {
                matches!(r.op, RedirOp::Heredoc | RedirOp::HereString | RedirOp::In)
                    && r.fd.is_none_or(|f| f == 0)
            })
            .map(|r| match (r.op, r.heredoc) {
                (RedirOp::Heredoc, Some(i)) => {
                    Stdin::Heredoc(hd.get(i).map(|h| h.text.clone()).unwrap_or_default())
                }
                (RedirOp::HereString, _) => Stdin::Heredoc(r.target.literal().unwrap_or_default()),
                _ => Stdin::File,
            })
            .unwrap_or(stdin);
        if argv.is_empty() {
            // Assignments alone set shell variables for what follows.
            for (k, v) in values {
                if st.env.iter().any(|(n, _)| *n == k) {
                    st.export(&k, v);
                } else {
                    st.set_var(&k, v);
                }
            }
            if !writes.is_empty() {
                self.emit(":".into(), Vec::new(), writes, st);
            }
            return;
        }
        let text = words
            .iter()
            .map(|w| w.raw.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        // `A=b cmd`: for this command only.
        let mut prefix_st;
        let run_st: &mut State = if values.is_empty() {
            st
        } else {
            prefix_st = st.clone();
            for (k, v) in &values {
                prefix_st.export(k, v.clone());
            }
            &mut prefix_st
        };
        if let Some(handled) = self.builtin(&argv, run_st, &text, &writes) {
            if handled && !values.is_empty() {
                // A builtin's prefix assignments do not outlive it; its own
                // effects (cd, export) do, on the shell it ran in.
                let after = run_st.clone();
                st.dir = after.dir;
                st.stack = after.stack;
                for (k, v) in after.vars {
                    if !values.iter().any(|(n, _)| *n == k) {
                        st.vars.insert(k, v);
                    }
                }
            }
            return;
        }
        if let Some(program) = argv[0].value.clone() {
            if let Some(body) = self.functions.get(&program).cloned() {
                if self.nesting >= MAX_NESTING {
                    self.unknown(
                        run_st,
                        &text,
                        "functions call each other too deeply to follow",
                        None,
                    );
                    return;
                }
                self.nesting += 1;
                self.command(&body, run_st, hd, stdin);
                self.nesting -= 1;
                return;
            }
        }
        self.run_argv(argv, run_st, writes, stdin, &text);
    }

    /// The shell builtins that change the shell (`cd`, `export`, `eval`, …):
    /// `Some(true)` when `argv` was one and is done with, `None` otherwise.
    fn builtin(
        &mut self,
        argv: &[Arg],
        st: &mut State,
        text: &str,
        writes: &[super::Write],
    ) -> Option<bool> {
        let name = argv[0].value.as_deref()?;
        let emit_self = |w: &mut Self, st: &State| {
            w.emit(name.to_string(), argv[1..].to_vec(), writes.to_vec(), st);
        };
        match name {
            "cd" => {
                emit_self(self, st);
                let target = argv[1..]
                    .iter()
                    .find(|a| !matches!(a.text(), "-L" | "-P" | "-e" | "-@" | "--"));
                st.dir = match target {
                    None => st.vars.get("HOME").cloned().flatten(),
                    Some(a) if a.text() == "-" => None,
                    Some(a) => match (&a.value, &st.dir) {
                        (Some(v), _) if v.starts_with('/') => Some(resolve("/", v)),
                        (Some(v), Some(d)) => Some(resolve(d, v)),
                        _ => None,
                    },
                };
                Some(true)
            }
            "pushd" => {
                emit_self(self, st);
                let target = argv[1..].iter().find(|a| !a.text().starts_with('-'));
                let before = st.dir.clone();
                st.dir = match target.map(|a| (&a.value, &st.dir)) {
                    Some((Some(v), _)) if v.starts_with('/') => Some(resolve("/", v)),
                    Some((Some(v), Some(d))) => Some(resolve(d, v)),
                    _ => None,
                };
                st.stack.push(before);
                Some(true)
            }
            "popd" => {
                emit_self(self, st);
                st.dir = st.stack.pop().flatten();
                Some(true)
            }
            "export" | "readonly" | "declare" | "typeset" | "local" => {
                emit_self(self, st);
                let exported = name == "export" || argv.iter().any(|a| a.text() == "-x");
                for a in &argv[1..] {
                    let t = a.text();
                    if t.starts_with('-') {
                        continue;
                    }
                    let (k, v) = match t.split_once('=') {
                        Some((k, v)) => (k, a.value.as_ref().map(|_| v.to_string())),
                        None => (t, st.vars.get(t).cloned().flatten()),
                    };
                    if !syntax::is_name(k) {
                        continue;
                    }
                    if exported {
                        st.export(k, v);
                    } else {
                        st.set_var(k, v);
                    }
                }
                Some(true)
            }
            "unset" => {
                emit_self(self, st);
                for a in &argv[1..] {
                    st.vars.remove(a.text());
                    st.env.retain(|(k, _)| k != a.text());
                    self.functions.remove(a.text());
                }
                Some(true)
            }
            "read" | "getopts" | "mapfile" | "readarray" => {
                emit_self(self, st);
                for a in argv[1..].iter().filter(|a| syntax::is_name(a.text())) {
                    st.set_var(a.text(), None);
                }
                Some(true)
            }
            "eval" => {
                match argv[1..]
                    .iter()
                    .map(|a| a.value.clone())
                    .collect::<Option<Vec<_>>>()
                {
                    // `eval` of known words is a script like any other.
                    Some(words)
                        if !words.is_empty()
                            && !words.iter().any(|w| w.contains("$(") || w.contains('`')) =>
                    {
                        let script = words.join(" ");
                        self.script(&script, st);
                    }
                    _ => self.unknown(
                        st,
                        text,
                        "`eval` runs text that is only known when the build runs",
                        None,
                    ),
                }
                Some(true)
            }
            "source" | "." => {
                let Some(path) = argv.get(1) else {
                    emit_self(self, st);
                    return Some(true);
                };
                match self.script_text(path, st) {
                    Some(script) => {
                        let before = st.via.len();
                        st.via.push(path.text().to_string());
                        self.script(&script, st);
                        st.via.truncate(before);
                    }
                    None => {
                        self.unknown(
                            st,
                            text,
                            format!("`{name} {}` reads a script slimfile cannot see, which may change anything", path.text()),
                            None,
                        );
                        // What it sets is unknown from here on.
                        for v in st.vars.values_mut() {
                            *v = None;
                        }
                    }
                }
                Some(true)
            }
            _ => None,
        }
    }

    /// Runs a command given as words: through its wrappers to the program.
    fn run_argv(
        &mut self,
        mut argv: Vec<Arg>,
        st: &mut State,
        writes: Vec<super::Write>,
        stdin: Stdin,
        text: &str,
    ) {
        let mut cmd_st = st.clone();
        for _ in 0..MAX_NESTING {
            let Some(program) = argv.first().cloned() else {
                return;
            };
            let Some(name) = program.value.clone() else {
                self.unknown(
                    &cmd_st,
                    text,
                    format!(
                        "the program `{}` is only known when the build runs",
                        program.raw
                    ),
                    None,
                );
                return;
            };
            match wrappers::unwrap(&argv) {
                Unwrapped::Plain => {}
                Unwrapped::Runs {
                    skip,
                    user,
                    env,
                    dir,
                    more_args,
                } => {
                    cmd_st.via.push(name);
                    if let Some(u) = user {
                        cmd_st.user = u;
                    }
                    for (k, v) in env {
                        cmd_st.export(&k, v);
                    }
                    if let Some(d) = dir {
                        cmd_st.dir = match (&d.value, &cmd_st.dir) {
                            (Some(v), Some(base)) => Some(resolve(base, v)),
                            (Some(v), None) if v.starts_with('/') => Some(resolve("/", v)),
                            _ => None,
                        };
                    }
                    argv.drain(..skip);
                    if more_args {
                        argv.push(Arg {
                            value: None,
                            raw: "(arguments from xargs)".into(),
                        });
                    }
                    continue;
                }
                Unwrapped::ShellString {
                    shell,
                    script,
                    user,
                    login,
                } => {
                    let via = if shell == "sh" && name != "sh" {
                        name
                    } else {
                        shell
                    };
                    if login {
                        // A login shell starts in the user's home.
                        cmd_st.dir = None;
                    }
                    match &script.value {
                        Some(s) => self.child_script(s, &cmd_st, &via, user),
                        None => self.unknown(
                            &cmd_st,
                            text,
                            format!(
                                "`{via} -c` runs a script that is only known when the build runs"
                            ),
                            None,
                        ),
                    }
                    return;
                }
                Unwrapped::ShellFile { shell, path } => {
                    match self.script_text(&path, &cmd_st) {
                        Some(s) => {
                            let via = format!("{shell} {}", path.text());
                            self.child_script(&s, &cmd_st, &via, None)
                        }
                        None => self.unknown(
                            &cmd_st,
                            text,
                            format!(
                                "`{shell}` runs `{}`, a script slimfile cannot see",
                                path.text()
                            ),
                            Some(path.text().to_string()),
                        ),
                    }
                    return;
                }
                Unwrapped::ShellStdin { shell } => {
                    match &stdin {
                        Stdin::Heredoc(body) => self.child_script(&body.clone(), &cmd_st, &shell, None),
                        Stdin::Pipe(pipeline) => self.unknown(
                            &cmd_st,
                            pipeline,
                            format!("`{shell}` runs the script piped to it, which is only known when the build runs"),
                            None,
                        ),
                        Stdin::File => self.unknown(
                            &cmd_st,
                            text,
                            format!("`{shell}` runs a script from a file slimfile cannot see"),
                            None,
                        ),
                        Stdin::Terminal => self.unknown(
                            &cmd_st,
                            text,
                            format!("`{shell}` reads its script from standard input, which slimfile cannot see"),
                            None,
                        ),
                    }
                    return;
                }
                Unwrapped::Items { skip, placeholder } => {
                    cmd_st.via.push(name);
                    argv.drain(..skip);
                    for a in argv.iter_mut().filter(|a| a.raw.contains(&placeholder)) {
                        a.value = None;
                    }
                    continue;
                }
                Unwrapped::FindExec { find_args, inner } => {
                    let find_argv = argv[..find_args].to_vec();
                    self.emit_argv(find_argv, writes.clone(), &cmd_st);
                    for command in inner {
                        let mut sub = cmd_st.clone();
                        sub.via.push(name.clone());
                        self.run_argv(command, &mut sub, Vec::new(), Stdin::Terminal, text);
                    }
                    return;
                }
            }
            // A file the build made or copied: read it if it is a shell
            // script slimfile can see.
            if is_script_path(&name) {
                match self.script_text(&program, &cmd_st) {
                    Some(s) => {
                        match interpreter(&s) {
                            None => {
                                self.child_script(&s, &cmd_st, &name, None);
                                return;
                            }
                            Some(other) => {
                                self.unknown(
                                &cmd_st,
                                text,
                                format!("`{name}` is a `{other}` script, which slimfile does not read"),
                                Some(name),
                            );
                                return;
                            }
                        }
                    }
                    None if is_system_path(&name) => {}
                    None => {
                        self.unknown(
                            &cmd_st,
                            text,
                            format!("`{name}` is a script or program slimfile cannot see"),
                            Some(name),
                        );
                        return;
                    }
                }
            }
            self.emit_argv(argv, writes, &cmd_st);
            return;
        }
        self.unknown(&cmd_st, text, "wrappers nest too deeply to follow", None);
    }

    fn emit_argv(&mut self, argv: Vec<Arg>, writes: Vec<super::Write>, st: &State) {
        let mut it = argv.into_iter();
        let Some(program) = it.next() else { return };
        let program = program.value.unwrap_or(program.raw);
        let args: Vec<Arg> = it.collect();
        self.emit(program, args, writes, st);
    }

    fn emit(&mut self, program: String, args: Vec<Arg>, mut writes: Vec<super::Write>, st: &State) {
        writes.extend(writes::of_program(&program, &args, st.dir.as_deref()));
        self.out.push(Step::Run(Command {
            program,
            args,
            dir: st.dir.clone(),
            user: st.user.clone(),
            env: st.env.clone(),
            condition: st.condition,
            writes,
            via: st.via.clone(),
        }));
    }

    /// The text of a script at `path` (read from the command's folder).
    fn script_text(&self, path: &Arg, st: &State) -> Option<String> {
        let p = path.value.as_deref()?;
        let absolute = if p.starts_with('/') {
            resolve("/", p)
        } else {
            resolve(st.dir.as_deref()?, p)
        };
        self.scripts.script(&absolute)
    }

    fn redirect_writes(
        &mut self,
        redirects: &[syntax::Redirect],
        st: &mut State,
        _hd: &[HeredocBody],
    ) -> Vec<super::Write> {
        let mut out = Vec::new();
        for r in redirects {
            let kind = match r.op {
                RedirOp::Out
                | RedirOp::Append
                | RedirOp::OutErr
                | RedirOp::AppendErr
                | RedirOp::ReadWrite => WriteKind::Content,
                RedirOp::Dup
                    if r.target
                        .literal()
                        .is_some_and(|t| t.parse::<u32>().is_err() && t != "-") =>
                {
                    WriteKind::Content
                }
                _ => {
                    if !matches!(r.op, RedirOp::Heredoc) {
                        let _ = self.expand(&r.target, st);
                    }
                    continue;
                }
            };
            let target = self.expand(&r.target, st);
            let arg = match target.as_slice() {
                [one] => one.clone(),
                _ => Arg {
                    value: None,
                    raw: r.target.raw.clone(),
                },
            };
            out.extend(writes::at(st.dir.as_deref(), &arg, kind));
        }
        out
    }

    /// A word expanded to one value (an assignment's, a case word's).
    fn expand_one(&mut self, w: &Word, st: &mut State) -> Option<String> {
        let mut value = Some(String::new());
        // Every part is read, so that each command substitution is walked.
        for p in &w.parts {
            match (self.part_value(p, st), &mut value) {
                (Some(v), Some(acc)) => acc.push_str(&v),
                _ => value = None,
            }
        }
        value
    }

    /// The value of one part; `None` where unknown. Command substitutions
    /// are walked, since their commands run.
    fn part_value(&mut self, p: &Part, st: &mut State) -> Option<String> {
        match p {
            Part::Lit { text, .. } => Some(text.clone()),
            Part::Param { name, op, .. } => self.param(name, op, st),
            Part::Subst { script, .. } => {
                let mut sub = st.clone();
                self.script(script, &mut sub);
                None
            }
            Part::Arith { .. } => None,
        }
    }

    fn param(&mut self, name: &str, op: &ParamOp, st: &mut State) -> Option<String> {
        // `None`: not known; `Some(None)`: known to be set, value unknown.
        let current: Option<Option<String>> = if syntax::is_name(name) {
            st.vars.get(name).cloned()
        } else {
            None
        };
        let known = current.clone().flatten();
        match op {
            ParamOp::Value | ParamOp::Error => known,
            ParamOp::Default { colon, word } | ParamOp::Assign { colon, word } => {
                let Some(v) = known else {
                    // The default may run: its command substitutions too.
                    let _ = self.expand_one(word, st);
                    return None;
                };
                if v.is_empty() && *colon {
                    let d = self.expand_one(word, st);
                    if matches!(op, ParamOp::Assign { .. }) {
                        st.set_var(name, d.clone());
                    }
                    d
                } else {
                    Some(v)
                }
            }
            ParamOp::Alternative { colon, word } => {
                let Some(v) = known else {
                    let _ = self.expand_one(word, st);
                    return None;
                };
                if v.is_empty() && *colon {
                    Some(String::new())
                } else {
                    self.expand_one(word, st)
                }
            }
            ParamOp::Other => None,
        }
    }

    /// A word expanded to its fields: unquoted expansions of known values
    /// split at blanks; an unquoted empty expansion disappears; a leading
    /// `~` is `$HOME`.
    fn expand(&mut self, w: &Word, st: &mut State) -> Vec<Arg> {
        let mut fields: Vec<Arg> = Vec::new();
        let mut current = String::new();
        let mut known = true;
        let mut started = false;
        for (i, p) in w.parts.iter().enumerate() {
            match p {
                Part::Lit { text, quoted } => {
                    let tilde = i == 0 && !quoted && (text == "~" || text.starts_with("~/"));
                    if tilde {
                        match st.vars.get("HOME").cloned().flatten() {
                            Some(home) => current.push_str(&home),
                            None => known = false,
                        }
                        current.push_str(&text[1..]);
                    } else {
                        current.push_str(text);
                    }
                    // A pattern (`packages/*`, bash's `{a,b}`) names files
                    // only the build knows.
                    if !quoted && is_pattern(text) {
                        known = false;
                    }
                    started = true;
                }
                Part::Param { quoted: false, .. } => match self.part_value(p, st) {
                    Some(v) => {
                        for (j, piece) in v.split([' ', '\t', '\n']).enumerate() {
                            if j > 0 && started {
                                fields.push(Arg {
                                    value: known.then(|| std::mem::take(&mut current)),
                                    raw: w.raw.clone(),
                                });
                                current.clear();
                                known = true;
                                started = false;
                            }
                            if !piece.is_empty() {
                                current.push_str(piece);
                                started = true;
                            }
                        }
                    }
                    None => {
                        known = false;
                        started = true;
                    }
                },
                _ => {
                    match self.part_value(p, st) {
                        Some(v) => current.push_str(&v),
                        None => known = false,
                    }
                    started = true;
                }
            }
        }
        if started {
            fields.push(Arg {
                value: known.then_some(current),
                raw: w.raw.clone(),
            });
        }
        fields
    }
}

/// Whether unquoted text is a file pattern or a brace expansion.
fn is_pattern(text: &str) -> bool {
    // A URL's `?` matches no file in a build, and the shell keeps it.
    if text.contains("://") {
        return false;
    }
    text.contains(['*', '?'])
        || text
            .find('[')
            .is_some_and(|open| text[open + 1..].contains(']'))
        || text
            .find('{')
            .is_some_and(|open| text[open..].contains(',') && text[open..].contains('}'))
}

/// A command's text as written, for messages.
fn cmd_text(c: &Cmd) -> String {
    match c {
        Cmd::Simple { assigns, words, .. } => assigns
            .iter()
            .map(|(k, v)| format!("{k}={}", v.raw))
            .chain(words.iter().map(|w| w.raw.clone()))
            .collect::<Vec<_>>()
            .join(" "),
        Cmd::Compound { .. } => "…".into(),
        Cmd::Function { name, .. } => format!("{name}()"),
    }
}

/// Whether a pipeline is a test whose result decides what `&&` runs next.
fn is_test(p: &Pipeline) -> bool {
    if p.negated {
        return true;
    }
    let Some(cmd) = p.cmds.last() else {
        return false;
    };
    match cmd {
        Cmd::Compound {
            body: Compound::Test(_) | Compound::Arith(_),
            ..
        } => true,
        Cmd::Simple { words, .. } => {
            let first = words.first().and_then(|w| w.literal()).unwrap_or_default();
            let second = words.get(1).and_then(|w| w.literal()).unwrap_or_default();
            matches!(first.as_str(), "[" | "test" | "false" | "which" | "type")
                || (first == "command" && second == "-v")
                || (first == "grep"
                    && words.iter().any(|w| {
                        w.literal()
                            .is_some_and(|t| t == "-q" || t == "-qs" || t == "--quiet")
                    }))
        }
        _ => false,
    }
}

/// Whether a program is named by a path (`./build.sh`, `/app/run`): a file
/// the image holds. Dependencies' programs (`node_modules/.bin/tsc`) are
/// programs like any other.
fn is_script_path(program: &str) -> bool {
    program.contains('/') && !program.contains("node_modules/.bin/")
}

/// The system's own program folders: a program there that no copy put there
/// is the image's (`/usr/bin/apt-get`).
fn is_system_path(program: &str) -> bool {
    let dir = program.rsplit_once('/').map_or("", |(d, _)| d);
    matches!(
        dir,
        "/bin" | "/sbin" | "/usr/bin" | "/usr/sbin" | "/usr/local/bin" | "/usr/local/sbin"
    )
}

/// The interpreter a script's `#!` line names, when it is not a shell.
fn interpreter(script: &str) -> Option<String> {
    let first = script.lines().next()?;
    if !first.starts_with("#!") {
        return None;
    }
    let program = super::shebang_program(first);
    let name = program.rsplit('/').next().unwrap_or(&program).to_string();
    (!super::is_posix_shell(&name)).then_some(name)
}
