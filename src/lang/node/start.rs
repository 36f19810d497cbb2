//! What the start command runs, read as Docker runs it and through the
//! `package.json` scripts.

use super::*;

/// What the start command (`ENTRYPOINT` + `CMD`, with the base image's
/// defaults) runs, read through `package.json` scripts.
#[derive(Debug, Default)]
pub(super) struct StartCommand {
    /// The command as one line of text, and the line it is written on.
    pub(super) text: String,
    pub(super) line: usize,
    /// The `CMD` in force, with the base image's default when the file sets none.
    pub(super) cmd: Option<Form>,
    /// Every program it runs (scripts and their pre/post hooks included).
    pub(super) programs: Vec<String>,
    /// `npm`, `yarn` or `pnpm`, when it runs a script through one.
    pub(super) package_manager: Option<String>,
    /// The `node …` arguments the script runs, when it is that simple.
    pub(super) node_args: Option<Vec<String>>,
    /// A dev dependency it needs, which keeps dev dependencies.
    pub(super) dev_dependency: Option<String>,
}

impl StartCommand {
    pub(super) fn read(
        facts: &StageFacts,
        manifest: &Manifest,
        t: &NodeTemplate,
        warnings: &mut Vec<Warning>,
    ) -> Result<StartCommand, Stop> {
        let cmd = match facts.cmd {
            Some(i) => i.form.clone(),
            None if facts.cmd_reset => None,
            None => Some(Form::Exec(t.base_config.cmd.clone())),
        };
        let entry = facts.entrypoint.and_then(|i| i.form.clone());
        let line = facts
            .entrypoint
            .or(facts.cmd)
            .map_or(facts.from.start_line, |i| i.start_line);
        // What Docker runs: an exec-form ENTRYPOINT gets the CMD as arguments
        // (a shell-form CMD as `/bin/sh -c …`); a shell-form one ignores CMD.
        // A shell-form command with no shell syntax runs its words (that is
        // how a final stage without a shell writes it).
        let cmd_argv = |c: &Form| match c {
            Form::Exec(items) => items.clone(),
            Form::Shell(s) if !shell::needs_a_shell(s) => {
                shell::commands(s).into_iter().next().unwrap_or_default()
            }
            Form::Shell(s) => vec!["/bin/sh".into(), "-c".into(), s.clone()],
        };
        let mut runs: Vec<Vec<String>> = Vec::new();
        match (&entry, &cmd) {
            (Some(Form::Exec(e)), c) => {
                let mut argv = e.clone();
                argv.extend(c.as_ref().map(cmd_argv).unwrap_or_default());
                runs.push(argv);
                // An entrypoint script usually ends with `exec "$@"`: what the
                // CMD names runs too.
                if let Some(c) = &cmd {
                    runs.push(cmd_argv(c));
                }
            }
            (Some(e @ Form::Shell(_)), _) => runs.push(cmd_argv(e)),
            (None, Some(c)) => runs.push(cmd_argv(c)),
            (None, None) => {}
        }
        let text = runs.first().map(|r| r.join(" ")).unwrap_or_default();
        let mut start = StartCommand {
            text,
            line,
            cmd,
            ..StartCommand::default()
        };
        for argv in runs {
            // `sh -c "…"`: the shell is a program, and so is what it runs.
            let commands = match argv.as_slice() {
                [sh, flag, script, ..] if flag == "-c" && is_shell(sh) => {
                    start.programs.push(sh.clone());
                    shell::commands(script)
                }
                _ => vec![argv],
            };
            for command in commands {
                let words =
                    shell::unwrap_wrappers(shell::program_words(&command), &mut start.programs);
                let Some(program) = words.first() else {
                    continue;
                };
                if let [sh, flag, script, ..] = words {
                    if flag == "-c" && is_shell(sh) {
                        start.programs.push(sh.clone());
                        for inner in shell::commands(script) {
                            let w = shell::program_words(&inner);
                            start.programs.extend(w.first().cloned());
                            let pm = w.first().map_or("", |p| p.rsplit('/').next().unwrap_or(p));
                            if matches!(pm, "npm" | "yarn" | "pnpm") {
                                start.read_script(pm, w, manifest, t, warnings)?;
                            }
                        }
                        continue;
                    }
                }
                start.programs.push(program.clone());
                let pm = program.rsplit('/').next().unwrap_or(program);
                if matches!(pm, "npm" | "yarn" | "pnpm") {
                    start.read_script(pm, words, manifest, t, warnings)?;
                }
            }
        }
        start.programs.dedup();
        start.dev_dependency = start
            .programs
            .iter()
            .map(|p| p.rsplit('/').next().unwrap_or(p))
            .find(|p| manifest.dev_dependencies.contains(*p) && !manifest.dependencies.contains(*p))
            .map(str::to_string);
        Ok(start)
    }

    /// Follows `npm start`, `yarn build`, `pnpm run x` into `package.json`.
    pub(super) fn read_script(
        &mut self,
        pm: &str,
        words: &[String],
        manifest: &Manifest,
        t: &NodeTemplate,
        warnings: &mut Vec<Warning>,
    ) -> Result<(), Stop> {
        let said = words.join(" ");
        let script = match words.get(1).map(String::as_str) {
            Some("start") => Some("start".to_string()),
            Some("run" | "run-script") => words.get(2).cloned(),
            Some(other) if pm != "npm" && !other.starts_with('-') => Some(other.to_string()),
            _ => None,
        };
        let Some(script) = script else {
            return Err(refused(
                self.line,
                format!("cannot tell which script `{said}` runs"),
            ));
        };
        if t.run_hints.dev_scripts.iter().any(|d| d == &script) {
            return Err(refused(
                self.line,
                format!("`{said}` starts a development server, not a production image; build the app and start it with node"),
            ));
        }
        self.package_manager = Some(pm.to_string());
        if !manifest.found {
            warnings.push(Warning {
                line: Some(self.line),
                message: format!("no package.json in the build context: assumed that `{said}` needs only production dependencies"),
            });
            return Ok(());
        }
        let Some(body) = manifest.scripts.get(&script) else {
            return Err(refused(
                self.line,
                format!("package.json has no `{script}` script"),
            ));
        };
        for hook in [format!("pre{script}"), format!("post{script}")] {
            for c in manifest
                .scripts
                .get(&hook)
                .map(|b| shell::commands(b))
                .unwrap_or_default()
            {
                self.programs
                    .extend(shell::program_words(&c).first().cloned());
            }
        }
        let commands = shell::commands(body);
        for c in &commands {
            self.programs
                .extend(shell::program_words(c).first().cloned());
        }
        if commands.len() == 1 && !shell::needs_a_shell(body) && words.len() <= 3 {
            let w = shell::program_words(&commands[0]);
            if w.first().map(String::as_str) == Some("node") {
                self.node_args = Some(w[1..].to_vec());
            }
        }
        Ok(())
    }
}

/// `sh`, `bash` and friends, by path or name.
pub(super) fn is_shell(program: &str) -> bool {
    matches!(
        program.rsplit('/').next().unwrap_or(program),
        "sh" | "bash" | "ash" | "dash"
    )
}
