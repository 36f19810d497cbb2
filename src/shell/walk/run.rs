//! Simple commands: their words and redirections, the wrappers they run
//! through, scripts they run, and the command each comes to.

use super::*;

impl Walker<'_> {
    /// A simple command: its assignments, words and redirections, a
    /// builtin, a function call, or a program through its wrappers.
    pub(super) fn simple(
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
        let stdin = self.stdin_of(words, redirects, st, hd).unwrap_or(stdin);
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
        // `exec cmd` replaces the shell and `exit` ends it: what follows
        // in this shell does not run.
        let ends = match argv[0].value.as_deref() {
            Some("exit") => true,
            Some("exec") => argv[1..].iter().any(|a| !a.text().starts_with('-')),
            _ => false,
        };
        self.run_argv(argv, run_st, writes, stdin, &text);
        if ends {
            st.ended = true;
        }
    }

    /// Where a command's standard input comes from, where its redirections
    /// say: a heredoc (whose command substitutions slimfile does not read),
    /// a here-string or a file.
    fn stdin_of(
        &mut self,
        words: &[Word],
        redirects: &[syntax::Redirect],
        st: &State,
        hd: &[HeredocBody],
    ) -> Option<Stdin> {
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
        redirects
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
    }

    /// Runs a command given as words: through its wrappers to the program.
    pub(super) fn run_argv(
        &mut self,
        mut argv: Vec<Arg>,
        st: &mut State,
        writes: Vec<Write>,
        stdin: Stdin,
        text: &str,
    ) {
        let mut cmd_st = st.clone();
        for _ in 0..MAX_NESTING {
            let Some(program) = argv.first().cloned() else {
                return;
            };
            let Some(name) = program.value.clone() else {
                let why = format!(
                    "the program `{}` is only known when the build runs",
                    program.raw
                );
                self.unknown(&cmd_st, text, why, None);
                return;
            };
            match self.wrapper(&mut argv, &mut cmd_st, &name, &stdin, &writes, text) {
                Some(true) => continue,
                Some(false) => return,
                None => {}
            }
            if is_script_path(&name) && self.program_file(&program, &name, &cmd_st, text) {
                return;
            }
            let runner = argv.clone();
            self.emit_argv(argv, writes, &cmd_st);
            self.package_scripts(&runner, &cmd_st);
            return;
        }
        self.unknown(&cmd_st, text, "wrappers nest too deeply to follow", None);
    }

    /// Follows a wrapper: `Some(true)` when `argv` now holds the command it
    /// runs, `Some(false)` when it was followed to the end (a shell's
    /// script, `find -exec`), `None` when the program is no wrapper.
    fn wrapper(
        &mut self,
        argv: &mut Vec<Arg>,
        st: &mut State,
        name: &str,
        stdin: &Stdin,
        writes: &[Write],
        text: &str,
    ) -> Option<bool> {
        match wrappers::unwrap(argv) {
            Unwrapped::Plain => None,
            Unwrapped::Runs {
                skip,
                user,
                env,
                dir,
                more_args,
            } => {
                st.via.push(name.to_string());
                if let Some(u) = user {
                    st.user = u;
                }
                for (k, v) in env {
                    st.export(&k, v);
                }
                if let Some(d) = dir {
                    st.dir = match (&d.value, &st.dir) {
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
                Some(true)
            }
            Unwrapped::Items { skip, placeholder } => {
                st.via.push(name.to_string());
                argv.drain(..skip);
                for a in argv.iter_mut().filter(|a| a.raw.contains(&placeholder)) {
                    a.value = None;
                }
                Some(true)
            }
            Unwrapped::FindExec { find_args, inner } => {
                self.emit_argv(argv[..find_args].to_vec(), writes.to_vec(), st);
                for command in inner {
                    let mut sub = st.clone();
                    sub.via.push(name.to_string());
                    self.run_argv(command, &mut sub, Vec::new(), Stdin::Terminal, text);
                }
                Some(false)
            }
            shell => {
                self.shell(shell, st, name, stdin, text);
                Some(false)
            }
        }
    }

    /// A shell given its script as a string, a file or its standard input.
    fn shell(&mut self, how: Unwrapped, st: &mut State, name: &str, stdin: &Stdin, text: &str) {
        match how {
            Unwrapped::ShellString {
                shell,
                script,
                user,
                login,
            } => {
                let via = if shell == "sh" && name != "sh" {
                    name.to_string()
                } else {
                    shell
                };
                if login {
                    // A login shell starts in the user's home.
                    st.dir = None;
                }
                match &script.value {
                    Some(s) => self.child_script(s, st, &via, user),
                    None => {
                        let why = format!(
                            "`{via} -c` runs a script that is only known when the build runs"
                        );
                        self.unknown(st, text, why, None)
                    }
                }
            }
            Unwrapped::ShellFile { shell, path } => match self.script_text(&path, st) {
                Some(s) => self.child_script(&s, st, &format!("{shell} {}", path.text()), None),
                None => {
                    let why = format!(
                        "`{shell}` runs `{}`, a script slimfile cannot see",
                        path.text()
                    );
                    self.unknown(st, text, why, Some(path.text().to_string()))
                }
            },
            Unwrapped::ShellStdin { shell } => match stdin {
                Stdin::Heredoc(body) => self.child_script(&body.clone(), st, &shell, None),
                Stdin::Pipe(pipeline) => {
                    let why = format!("`{shell}` runs the script piped to it, which is only known when the build runs");
                    self.unknown(st, pipeline, why, None)
                }
                Stdin::File => {
                    let why = format!("`{shell}` runs a script from a file slimfile cannot see");
                    self.unknown(st, text, why, None)
                }
                Stdin::Terminal => {
                    let why = format!(
                        "`{shell}` reads its script from standard input, which slimfile cannot see"
                    );
                    self.unknown(st, text, why, None)
                }
            },
            _ => {}
        }
    }

    /// A program named by a path (`./build.sh`): a shell script slimfile can
    /// see is read; another file is unknown, unless it is one of the image's
    /// own programs. `true` when the command is done with.
    fn program_file(&mut self, program: &Arg, name: &str, st: &State, text: &str) -> bool {
        match self.script_text(program, st) {
            Some(s) => {
                match interpreter(&s) {
                    None => self.child_script(&s, st, name, None),
                    Some(other) => {
                        let why =
                            format!("`{name}` is a `{other}` script, which slimfile does not read");
                        self.unknown(st, text, why, Some(name.to_string()))
                    }
                }
                true
            }
            None if is_system_path(name)
                || is_venv_program(name)
                || self.scripts.stands_for_a_tool(name) =>
            {
                false
            }
            None => {
                let why = format!("`{name}` is a script or program slimfile cannot see");
                self.unknown(st, text, why, Some(name.to_string()));
                true
            }
        }
    }

    pub(super) fn emit_argv(&mut self, argv: Vec<Arg>, writes: Vec<Write>, st: &State) {
        let mut it = argv.into_iter();
        let Some(program) = it.next() else { return };
        let program = program.value.unwrap_or(program.raw);
        let args: Vec<Arg> = it.collect();
        self.emit(program, args, writes, st);
    }

    pub(super) fn emit(
        &mut self,
        program: String,
        args: Vec<Arg>,
        mut writes: Vec<Write>,
        st: &State,
    ) {
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
    pub(super) fn script_text(&self, path: &Arg, st: &State) -> Option<String> {
        let p = path.value.as_deref()?;
        let absolute = if p.starts_with('/') {
            resolve("/", p)
        } else {
            resolve(st.dir.as_deref()?, p)
        };
        self.scripts.script(&absolute)
    }

    pub(super) fn redirect_writes(
        &mut self,
        redirects: &[syntax::Redirect],
        st: &mut State,
        _hd: &[HeredocBody],
    ) -> Vec<Write> {
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
}

/// Whether a program is named by a path (`./build.sh`, `/app/run`): a file
/// the image holds. Dependencies' programs (`node_modules/.bin/tsc`) are
/// programs like any other.
pub(super) fn is_script_path(program: &str) -> bool {
    program.contains('/') && !program.contains("node_modules/.bin/")
}

/// The system's own program folders: a program there that no copy put there
/// is the image's (`/usr/bin/apt-get`).
pub(super) fn is_system_path(program: &str) -> bool {
    let dir = program.rsplit_once('/').map_or("", |(d, _)| d);
    matches!(
        dir,
        "/bin" | "/sbin" | "/usr/bin" | "/usr/sbin" | "/usr/local/bin" | "/usr/local/sbin"
    )
}

/// A virtual environment's interpreter or pip (`/opt/venv/bin/pip`,
/// `.venv/bin/python3`): programs `python -m venv` makes, which run as the
/// image's own do.
pub(super) fn is_venv_program(program: &str) -> bool {
    let Some((dir, name)) = program.rsplit_once('/') else {
        return false;
    };
    let versioned = |base: &str| {
        name.strip_prefix(base)
            .is_some_and(|v| v.chars().all(|c| c.is_ascii_digit() || c == '.'))
    };
    dir.ends_with("/bin") && (versioned("python") || versioned("pip"))
}

/// The interpreter a script's `#!` line names, when it is not a shell.
pub(super) fn interpreter(script: &str) -> Option<String> {
    let first = script.lines().next()?;
    if !first.starts_with("#!") {
        return None;
    }
    let program = crate::shell::shebang_program(first);
    let name = program.rsplit('/').next().unwrap_or(&program).to_string();
    (!crate::shell::is_posix_shell(&name)).then_some(name)
}
