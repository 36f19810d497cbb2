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
    /// That package manager is yarn berry, which the image's yarn 1 cannot run.
    pub(super) yarn_berry: bool,
    /// And it resolves packages with Plug'n'Play, which plain `node` cannot.
    pub(super) yarn_pnp: bool,
    /// And its release is a file of the project (`yarnPath`), which the
    /// images' yarn 1 runs.
    pub(super) yarn_release_in_project: bool,
    /// The `node …` arguments the script runs, when it is that simple.
    pub(super) node_args: Option<Vec<String>>,
    /// A dev dependency it needs, which keeps dev dependencies.
    pub(super) dev_dependency: Option<String>,
    /// The packages it runs through `npx` or `npm exec`, which download
    /// them when the image does not have them.
    pub(super) runner_packages: Vec<String>,
    /// The programs run inside package-manager scripts, where the
    /// dependencies' programs are on `PATH`.
    pub(super) script_programs: Vec<String>,
    /// The files `node` runs, by their path in the image.
    pub(super) node_files: Vec<String>,
    /// The scripts the Dockerfile's `RUN`s run (`npm run build`).
    build_scripts: Vec<String>,
    /// A build the start command runs again (`npm run build && npm start`,
    /// `next build`): it needs the dev dependencies a build uses.
    pub(super) build_at_start: Option<String>,
    /// The working folder at the end, where package scripts run.
    workdir: String,
}

impl StartCommand {
    pub(super) fn read(
        facts: &StageFacts,
        ctx: &Context,
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
            Form::Shell(s) => shell::plain_words(s)
                .unwrap_or_else(|| vec!["/bin/sh".into(), "-c".into(), s.clone()]),
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
            build_scripts: build_scripts(facts),
            workdir: facts.workdir.clone().unwrap_or_else(|| "/".into()),
            ..StartCommand::default()
        };
        // An entrypoint script copied from the build context is read: what it
        // runs is what the start command runs.
        let scripts = facts.context_files(ctx);
        let workdir = facts.workdir.clone().unwrap_or_else(|| "/".into());
        for argv in runs {
            let steps = shell::read_argv(&argv, &Scope::at(&workdir, "root"), &scripts);
            start.read_steps(&steps, manifest, t, warnings, 0)?;
        }
        start.programs.dedup();
        let dev_only =
            |p: &str| manifest.dev_dependencies.contains(p) && !manifest.dependencies.contains(p);
        start.dev_dependency = start
            .programs
            .iter()
            .chain(&start.runner_packages)
            .flat_map(|p| [p.as_str(), p.rsplit('/').next().unwrap_or(p)])
            .find(|p| dev_only(p))
            .map(str::to_string);
        // A dev dependency's program in a script (`tsc` of typescript), as the
        // lock file names it.
        if start.dev_dependency.is_none() {
            start.dev_dependency = start
                .script_programs
                .iter()
                .filter_map(|p| manifest.bins.get(p))
                .find(|(package, dev)| *dev && dev_only(package))
                .map(|(package, _)| package.clone());
        }
        // A tool the start runs may need a dev dependency of its own: ts-node
        // compiles with typescript; `next start` loads next.config.ts with it.
        if start.dev_dependency.is_none() {
            let names: Vec<&str> = start
                .programs
                .iter()
                .chain(&start.runner_packages)
                .map(|p| p.rsplit('/').next().unwrap_or(p))
                .collect();
            let peers = t
                .rules
                .runtime_peers
                .iter()
                .filter(|(tool, _)| names.contains(&tool.as_str()))
                .flat_map(|(_, peers)| peers);
            let config = t
                .rules
                .config_peers
                .iter()
                .filter(|(file, (tool, _))| names.contains(&tool.as_str()) && ctx.has(file))
                .map(|(_, (_, peer))| peer);
            start.dev_dependency = peers.chain(config).find(|p| dev_only(p)).cloned();
        }
        // What the files node runs require, followed through their relative
        // requires (`require('dotenv')` of a dev dependency).
        let required = super::requires::required_packages(&scripts, &start.node_files);
        if let Some(p) = required
            .iter()
            .find(|p| dev_only(p))
            .filter(|_| start.dev_dependency.is_none())
        {
            start.dev_dependency = Some(p.clone());
        }
        if let (None, Some(build)) = (&start.dev_dependency, &start.build_at_start) {
            start.dev_dependency = Some(format!("the build `{build}` the start command runs"));
        }
        Ok(start)
    }

    /// Records the programs the steps run — the wrappers and shells they run
    /// through, too — and follows package-manager scripts.
    fn read_steps(
        &mut self,
        steps: &[Step],
        manifest: &Manifest,
        t: &NodeTemplate,
        warnings: &mut Vec<Warning>,
        depth: usize,
    ) -> Result<(), Stop> {
        for step in steps {
            let (via, program) = match step {
                Step::Run(c) => (&c.via, c.program.clone()),
                // `exec "$@"` at the end of an entrypoint script runs the CMD,
                // which is read on its own.
                Step::Unknown(u) if u.text.contains("\"$@\"") || u.text.contains("$@") => continue,
                // A file the image holds, or something only known at run time:
                // either way a program whose origin is checked.
                Step::Unknown(u) => (&u.via, u.program.clone().unwrap_or(u.text.clone())),
            };
            for v in via {
                let name = v.split(' ').next().unwrap_or(v);
                if !matches!(name, "exec" | "command" | "builtin" | "time") {
                    self.programs.push(name.to_string());
                }
            }
            // A shell's builtins (`trap`, `wait`, `command -v`) are no programs.
            if !crate::runtime::SHELL_BUILTINS.contains(&program.as_str()) {
                self.programs.push(program.clone());
            }
            if let Step::Run(c) = step {
                let dir = c.dir.clone().unwrap_or_else(|| self.workdir.clone());
                self.read_run_at_start(c, &dir);
            }
            if let Step::Run(c) = step {
                self.read_runner(c)?;
                self.dev_command(c, t)?;
                let words = c.words();
                let runs_a_package = matches!(c.name(), "npx" | "pnpx")
                    || (c.name() == "npm"
                        && matches!(words.get(1).map(String::as_str), Some("exec" | "x")));
                if matches!(c.name(), "npm" | "yarn" | "pnpm") && !runs_a_package {
                    let words = c.words();
                    self.read_script(c.name(), &words, manifest, t, warnings, depth)?;
                }
            }
        }
        Ok(())
    }

    /// What one command the start runs says about what it needs: the file
    /// `node` runs, and a build (`next build`, `tsc`) run again at start.
    fn read_run_at_start(&mut self, c: &crate::shell::Command, dir: &str) {
        let words = c.words();
        let first = words[1..].iter().find(|w| !w.starts_with('-'));
        let builds = match c.name() {
            "next" | "vite" | "nuxt" | "astro" => first.is_some_and(|f| f == "build"),
            "tsc" | "webpack" | "rollup" | "esbuild" | "tsup" => true,
            _ => false,
        };
        if builds && self.build_at_start.is_none() {
            self.build_at_start = Some(words.join(" "));
        }
        self.read_node_file(c, dir);
    }

    /// The file a `node` command runs (`node --enable-source-maps
    /// dist/main.js`), by its path in the image, from the folder it runs in.
    fn read_node_file(&mut self, c: &crate::shell::Command, dir: &str) {
        if c.name() != "node" {
            return;
        }
        let words = c.words();
        let mut rest = words[1..].iter();
        while let Some(w) = rest.next() {
            match w.as_str() {
                "-e" | "--eval" | "-p" | "--print" | "-" => return,
                "-r"
                | "--require"
                | "--loader"
                | "--import"
                | "--experimental-loader"
                | "--env-file"
                | "--title"
                | "-C"
                | "--conditions" => {
                    rest.next();
                }
                w if w.starts_with('-') => {}
                file => {
                    self.node_files.push(crate::paths::resolve(dir, file));
                    return;
                }
            }
        }
    }

    /// A development server run directly (`react-scripts start`, `next
    /// dev`, `vite`): refused, as `npm run dev` is.
    fn dev_command(&self, c: &crate::shell::Command, t: &NodeTemplate) -> Result<(), Stop> {
        let words = c.words();
        let first = words[1..].iter().find(|w| !w.starts_with('-'));
        let dev = t.rules.run_hints.dev_commands.iter().any(|d| {
            let mut parts = d.split(' ');
            let (tool, sub) = (parts.next().unwrap_or(""), parts.next());
            c.name() == tool
                && match sub {
                    Some(s) => first.map(String::as_str) == Some(s),
                    // The tool alone: unless it builds or previews the build.
                    None => !first.is_some_and(|f| matches!(f.as_str(), "build" | "preview")),
                }
        });
        if dev {
            return Err(refused(
                Code::DevServer,
                self.line,
                format!(
                    "`{}` starts a development server, not a production image",
                    words.join(" ")
                ),
            )
            .hint("build the app and start it with node"));
        }
        Ok(())
    }

    /// A package a command runs through a runner is a program it needs:
    /// `npx prisma …`, `npm exec prisma`, `node -r ts-node/register`,
    /// `--loader`, `--import`. `yarn dlx` and `pnpm dlx` download theirs at
    /// every start, which needs the network: refused.
    fn read_runner(&mut self, c: &crate::shell::Command) -> Result<(), Stop> {
        let words = c.words();
        let first_operand = |from: usize| {
            words
                .iter()
                .skip(from)
                .find(|w| !w.starts_with('-'))
                .map(|w| package_name(w))
        };
        match (c.name(), words.get(1).map(String::as_str)) {
            ("yarn" | "pnpm", Some("dlx")) => {
                return Err(refused(
                    Code::NetworkAtStart,
                    self.line,
                    format!(
                        "`{}` downloads {} at every start, which needs the network",
                        words.join(" "),
                        first_operand(2).unwrap_or_default()
                    ),
                )
                .hint("add it to the dependencies and run it from node_modules"))
            }
            ("npx" | "pnpx", _) => self.runner_packages.extend(first_operand(1)),
            ("npm", Some("exec" | "x")) => self.runner_packages.extend(first_operand(2)),
            ("node" | "nodejs", _) => {
                for (i, w) in words.iter().enumerate() {
                    let module = match w.as_str() {
                        "-r" | "--require" | "--loader" | "--experimental-loader" | "--import" => {
                            words.get(i + 1).cloned()
                        }
                        _ => [
                            "--require=",
                            "--loader=",
                            "--experimental-loader=",
                            "--import=",
                        ]
                        .iter()
                        .find_map(|p| w.strip_prefix(p).map(str::to_string)),
                    };
                    if let Some(m) = module.filter(|m| !m.starts_with('.') && !m.starts_with('/')) {
                        self.programs.push(package_name(&m));
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Follows `npm start`, `yarn build`, `pnpm run x` into `package.json`.
    pub(super) fn read_script(
        &mut self,
        pm: &str,
        words: &[String],
        manifest: &Manifest,
        t: &NodeTemplate,
        warnings: &mut Vec<Warning>,
        depth: usize,
    ) -> Result<(), Stop> {
        let said = words.join(" ");
        // `yarn node …` is yarn's own command: node, run through yarn.
        if pm == "yarn" && words.get(1).map(String::as_str) == Some("node") {
            if self.package_manager.is_none() {
                self.package_manager = Some(pm.to_string());
            }
            self.yarn_berry |= manifest.yarn_berry;
            self.yarn_pnp |= manifest.yarn_pnp;
            self.programs.push("node".into());
            if depth == 0 {
                self.node_args = Some(words[2..].to_vec());
            }
            return Ok(());
        }
        // Inside a script: an install at start downloads packages; the
        // package manager's own commands are no scripts.
        if depth > 0 {
            let sub = words.get(1).map(String::as_str);
            if matches!(sub, None | Some("install" | "i" | "ci" | "add")) {
                return Err(refused(
                    Code::NetworkAtStart,
                    self.line,
                    format!(
                        "the start command's scripts run `{said}`, which installs packages at every start"
                    ),
                )
                .hint("install in the image, and start with node"));
            }
            if !matches!(sub, Some("run" | "run-script" | "start"))
                && (pm == "npm" || shell::PACKAGE_MANAGER_COMMANDS.contains(&sub.unwrap_or("")))
            {
                return Ok(());
            }
            if depth > 8 {
                return Ok(());
            }
        }
        let script = match words.get(1).map(String::as_str) {
            Some("start") => Some("start".to_string()),
            Some("run" | "run-script") => words.get(2).cloned(),
            Some(other) if pm != "npm" && !other.starts_with('-') => Some(other.to_string()),
            _ => None,
        };
        let Some(script) = script else {
            return Err(refused(
                Code::UnknownScript,
                self.line,
                format!("cannot tell which script `{said}` runs"),
            ));
        };
        if (script == "build" || self.build_scripts.contains(&script))
            && self.build_at_start.is_none()
        {
            self.build_at_start = Some(said.clone());
        }
        if t.rules.run_hints.dev_scripts.iter().any(|d| d == &script) {
            return Err(refused(
                Code::DevServer,
                self.line,
                format!("`{said}` starts a development server, not a production image"),
            )
            .hint("build the app and start it with node"));
        }
        if self.package_manager.is_none() {
            self.package_manager = Some(pm.to_string());
        }
        self.yarn_berry |= pm == "yarn" && manifest.yarn_berry;
        self.yarn_pnp |= pm == "yarn" && manifest.yarn_pnp;
        self.yarn_release_in_project |= pm == "yarn" && manifest.yarn_release_in_project;
        if !manifest.found {
            warnings.push(Warning::new(
                Code::NoManifest,
                Some(self.line),
                format!("no package.json in the build context: assumed that `{said}` needs only production dependencies"),
            ));
            return Ok(());
        }
        // Inside a script, `yarn vckit` runs a dependency's program.
        if depth > 0 && pm != "npm" && !manifest.scripts.contains_key(&script) {
            self.programs.push(script.clone());
            self.script_programs.push(script);
            return Ok(());
        }
        let Some(body) = manifest.scripts.get(&script) else {
            return Err(refused(
                Code::MissingScript,
                self.line,
                format!("package.json has no `{script}` script"),
            ));
        };
        let scope = Scope::at("/", "root");
        let hooks = [format!("pre{script}"), format!("post{script}")];
        let bodies = hooks.iter().filter_map(|h| manifest.scripts.get(h));
        for b in bodies.chain([body]) {
            let steps = shell::read(b, &scope, &NoScripts);
            self.programs.extend(script_programs(&steps));
            self.script_programs.extend(script_programs(&steps));
            for step in &steps {
                if let Step::Run(c) = step {
                    // Package scripts run in the package's folder.
                    let dir = self.workdir.clone();
                    self.read_run_at_start(c, &dir);
                    self.read_runner(c)?;
                    self.dev_command(c, t)?;
                    // A script that runs another (`prestart`: `npm run build`).
                    if matches!(c.name(), "npm" | "yarn" | "pnpm") {
                        self.read_script(c.name(), &c.words(), manifest, t, warnings, depth + 1)?;
                    }
                }
            }
        }
        if words.len() <= 3 {
            if let Some(w) = shell::plain_words(body) {
                if w.first().map(String::as_str) == Some("node") {
                    self.node_args = Some(w[1..].to_vec());
                }
            }
        }
        Ok(())
    }
}

/// The package a specifier names: `prisma@5` → `prisma`, `@scope/x@1` →
/// `@scope/x`, `ts-node/register` → `ts-node`.
pub(super) fn package_name(spec: &str) -> String {
    let (scope, rest) = match spec.strip_prefix('@') {
        Some(r) => match r.split_once('/') {
            Some((s, rest)) => (Some(s), rest),
            None => (None, r),
        },
        None => (None, spec),
    };
    let name = rest.split('/').next().unwrap_or(rest);
    let name = name.split('@').next().unwrap_or(name);
    match scope {
        Some(s) => format!("@{s}/{name}"),
        None => name.to_string(),
    }
}

/// The programs a `package.json` script runs, as its commands name them
/// (the wrappers they run through are the package manager's business).
fn script_programs(steps: &[Step]) -> Vec<String> {
    steps
        .iter()
        .map(|s| match s {
            Step::Run(c) => c.program.clone(),
            Step::Unknown(u) => u.program.clone().unwrap_or(u.text.clone()),
        })
        .collect()
}

/// The package scripts the stage's `RUN`s run (`npm run build`, `yarn
/// build`, `pnpm run compile`): the build, which a start command running
/// one of them again repeats.
fn build_scripts(facts: &StageFacts) -> Vec<String> {
    let mut out = Vec::new();
    for (_, c) in facts.run_commands() {
        let words = c.words();
        let script = match (c.name(), words.get(1).map(String::as_str)) {
            ("npm" | "pnpm" | "yarn", Some("run" | "run-script")) => words.get(2).cloned(),
            ("yarn" | "pnpm", Some(s))
                if !s.starts_with('-') && !shell::PACKAGE_MANAGER_COMMANDS.contains(&s) =>
            {
                Some(s.to_string())
            }
            _ => None,
        };
        if let Some(s) = script.filter(|s| !out.contains(s)) {
            out.push(s);
        }
    }
    out
}
