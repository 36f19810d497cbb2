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
use super::{Arg, Command, Condition, Scope, Scripts, Step, Unknown, Write};
use crate::paths::resolve;

mod builtins;
mod expand;
mod package_scripts;
mod run;

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
    /// `exec cmd` or `exit` ended this shell: nothing after runs in it.
    ended: bool,
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
            ended: false,
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
        self.ended &= other.ended;
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
            if st.ended {
                break;
            }
            if *background {
                self.in_subshell(st, |w, job| w.and_or(and_or, job, hd));
            } else {
                self.and_or(and_or, st, hd);
            }
        }
    }

    /// Walks `f` in a subshell: nothing it changes — the folder, variables,
    /// functions it defines, an `exit` — reaches this shell.
    pub(super) fn in_subshell(&mut self, st: &State, f: impl FnOnce(&mut Self, &mut State)) {
        let mut sub = st.clone();
        let functions = self.functions.clone();
        f(self, &mut sub);
        self.functions = functions;
    }

    /// `a && b || c && d`, read left to right as the shell groups it:
    /// `((a && b) || c) && d`.
    fn and_or(&mut self, a: &AndOr, st: &mut State, hd: &[HeredocBody]) {
        self.pipeline(&a.first, st, hd);
        let mut previous = &a.first;
        let mut i = 0;
        while let Some((and, p)) = a.rest.get(i) {
            if st.ended {
                break;
            }
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
            let stdin = if i == 0 {
                Stdin::Terminal
            } else {
                Stdin::Pipe(text.clone())
            };
            self.in_subshell(st, |w, sub| w.command(c, sub, hd, stdin));
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
            Compound::Subshell(list) => self.in_subshell(st, |w, sub| w.list(list, sub, hd)),
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
