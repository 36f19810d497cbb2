//! The Node.js logic that the template's data cannot express: reading node
//! image tags, `package.json` scripts and lock files, and deciding the final
//! stage. Every refusal says why and where.

use std::collections::BTreeSet;

use crate::carry;
use crate::context::Context;
use crate::detect::Language;
use crate::parse::{Dockerfile, Form, ImageRef, Instruction, Keyword, Stage};
use crate::plan::{
    form_text, is_within, variables, BuilderEdit, Decision, FinalLine, Flavor, Plan, Reason,
    StageFacts, Warning,
};
use crate::shell;
use crate::template::{self, NodeTemplate, PackageManager};

/// What `--flavor` and friends ask of the Node planner.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    pub flavor: Option<Flavor>,
}

/// The C library and release a node tag stands on.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Variant {
    /// `node:20`, `node:20-bookworm`: the full Debian image.
    Full { codename: Option<String> },
    /// `node:20-slim`, `node:20-bookworm-slim`.
    Slim,
    /// `node:20-alpine`, `node:20-alpine3.20` (musl).
    Alpine,
}

/// A node image reference read for the rewrite.
#[derive(Debug, Clone)]
struct NodeTag {
    /// Everything before the tag (`docker.io/library/node`).
    name: String,
    /// The tag as written (`20`, `${NODE_VERSION}`), `None` for no tag.
    tag: Option<String>,
    /// The tag with an `ARG` default substituted, for reading.
    known_tag: String,
    /// `20`, `lts`, `latest`: the part before the variant.
    version: String,
    variant: Variant,
    major: Option<u32>,
    digest: Option<String>,
    /// Whether the tag comes from an `ARG`.
    from_arg: bool,
}

fn read_tag(image: &ImageRef, facts: &StageFacts, t: &NodeTemplate) -> Result<NodeTag, String> {
    let tag = image.tag.clone();
    let raw_tag = tag.clone().unwrap_or_else(|| "latest".into());
    let from_arg = raw_tag.contains('$');
    let known_tag = if from_arg {
        let names = variables(&raw_tag);
        let mut known = raw_tag.clone();
        for name in &names {
            let Some(Some(default)) = facts.global_args.get(name) else {
                return Err(format!(
                    "the image tag uses ${name}, which has no default before the first FROM; \
                     give `ARG {name}=<version>` a default"
                ));
            };
            if default.contains('-') {
                return Err(format!(
                    "the image tag comes from ARG {name}={default}, which names a variant; \
                     slimfile composes a runtime tag only from a plain version such as `20`"
                ));
            }
            known = known
                .replace(&format!("${{{name}}}"), default)
                .replace(&format!("${name}"), default);
        }
        if known.contains('$') {
            return Err(format!("cannot read the image tag `{raw_tag}`"));
        }
        known
    } else {
        raw_tag
    };
    let parts: Vec<&str> = known_tag.split('-').collect();
    let (version, rest) = match parts[0] {
        "alpine" | "slim" => ("latest".to_string(), &parts[..]),
        p if t.images.debian_codenames.iter().any(|c| c == p) => ("latest".to_string(), &parts[..]),
        p => (p.to_string(), &parts[1..]),
    };
    let variant = if rest.iter().any(|p| p.starts_with("alpine")) {
        Variant::Alpine
    } else if rest.contains(&"slim") {
        Variant::Slim
    } else {
        match rest {
            [] => Variant::Full { codename: None },
            [c] if t.images.debian_codenames.iter().any(|k| k == c) => Variant::Full {
                codename: Some(c.to_string()),
            },
            _ => return Err(format!("unknown node image variant `{known_tag}`")),
        }
    };
    let major = version.split('.').next().and_then(|m| m.parse().ok());
    let name = match image.raw.find('@') {
        Some(at) => &image.raw[..at],
        None => &image.raw[..],
    };
    let name = match &tag {
        Some(t) => name[..name.len() - t.len() - 1].to_string(),
        None => name.to_string(),
    };
    Ok(NodeTag {
        name,
        tag,
        known_tag,
        version,
        variant,
        major,
        digest: image.digest.clone(),
        from_arg,
    })
}

impl NodeTag {
    /// The written tag with a suffix added (`20` → `20-slim`,
    /// `${V}` → `${V}-slim`), or a floating name mapped.
    fn with_suffix(
        &self,
        suffix: &str,
        floating: &std::collections::BTreeMap<String, String>,
    ) -> String {
        let written = self.tag.clone().unwrap_or_else(|| "latest".into());
        if !self.from_arg {
            if let Some(mapped) = floating.get(&self.known_tag) {
                return mapped.clone();
            }
            if self.version == "latest" {
                // `node:bookworm` → `node:bookworm-slim`.
                return format!("{written}-{suffix}");
            }
        }
        format!("{written}-{suffix}")
    }

    fn image(&self, tag: &str) -> String {
        format!("{}:{tag}", self.name)
    }
}

/// `package.json`, as far as the rewrite needs it.
#[derive(Debug, Default)]
struct Manifest {
    found: bool,
    scripts: std::collections::BTreeMap<String, String>,
    dependencies: BTreeSet<String>,
    dev_dependencies: BTreeSet<String>,
}

fn read_manifest(ctx: &Context, t: &NodeTemplate) -> Manifest {
    let Some(json) = ctx.read_json(&t.files.manifest) else {
        return Manifest::default();
    };
    let names = |key: &str| -> BTreeSet<String> {
        json.get(key)
            .and_then(|v| v.as_object())
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default()
    };
    Manifest {
        found: true,
        scripts: json
            .get("scripts")
            .and_then(|v| v.as_object())
            .map(|o| {
                o.iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                    .collect()
            })
            .unwrap_or_default(),
        dependencies: names("dependencies"),
        dev_dependencies: names("devDependencies"),
    }
}

/// What the lock file says about native code.
#[derive(Debug, Default)]
struct Native {
    /// Packages with native code or platform-specific builds.
    packages: Vec<String>,
    /// No lock file could tell: assume native.
    unknown: bool,
}

impl Native {
    fn any(&self) -> bool {
        self.unknown || !self.packages.is_empty()
    }

    fn describe(&self) -> String {
        if self.packages.is_empty() {
            "no lock file tells which dependencies carry native code, so they are assumed to".into()
        } else {
            let shown: Vec<&str> = self.packages.iter().take(3).map(String::as_str).collect();
            format!("the lock file lists native code ({})", shown.join(", "))
        }
    }
}

fn platform_specific(name: &str) -> bool {
    [
        "-gnu",
        "-musl",
        "-linux-x64",
        "-linux-arm64",
        "-linux-arm",
        "-darwin-",
        "-win32-",
    ]
    .iter()
    .any(|p| name.contains(p))
        || name.ends_with("-darwin")
}

fn read_native(ctx: &Context, pm: Option<&PackageManager>) -> Native {
    let mut native = Native::default();
    if ctx.has("binding.gyp") {
        native
            .packages
            .push("binding.gyp (the project itself)".into());
    }
    if let Some(lock) = ctx
        .read_json("package-lock.json")
        .or_else(|| ctx.read_json("npm-shrinkwrap.json"))
    {
        match lock.get("packages").and_then(|p| p.as_object()) {
            Some(packages) => {
                for (path, entry) in packages {
                    let name = path.rsplit("node_modules/").next().unwrap_or(path);
                    if name.is_empty() {
                        continue;
                    }
                    let flagged = ["hasInstallScript", "os", "cpu", "libc"].iter().any(|k| {
                        entry
                            .get(k)
                            .is_some_and(|v| v != &serde_json::Value::Bool(false))
                    });
                    if flagged || platform_specific(name) {
                        native.packages.push(name.to_string());
                    }
                }
            }
            // lockfileVersion 1 records no install scripts.
            None => native.unknown = true,
        }
        return native;
    }
    if let Some(lock) = ctx.read("pnpm-lock.yaml") {
        for line in lock.lines() {
            let l = line.trim();
            if l == "requiresBuild: true"
                || l.starts_with("libc:")
                || l.starts_with("os:")
                || l.starts_with("cpu:")
            {
                native.packages.push(format!("pnpm-lock.yaml: {l}"));
            }
        }
        return native;
    }
    if let Some(lock) = ctx.read("yarn.lock") {
        for line in lock.lines() {
            if !line.starts_with(' ') && line.ends_with(':') {
                let name = line.trim_end_matches(':').trim_matches('"');
                if platform_specific(name) {
                    native.packages.push(
                        name.split('@')
                            .find(|s| !s.is_empty())
                            .unwrap_or(name)
                            .to_string(),
                    );
                }
            }
        }
        // yarn.lock does not record install scripts.
        native.unknown = true;
        return native;
    }
    let _ = pm;
    native.unknown = true;
    native
}

/// A package-manager command seen in a `RUN`.
#[derive(Debug)]
struct PmRun<'a> {
    instruction: &'a Instruction,
    words: Vec<String>,
}

/// Why planning stopped before a rewrite: a small error type for `?`.
#[derive(Debug)]
enum Stop {
    Unchanged(Reason),
    Refused(Reason),
}

/// A refusal at a line, as planning's early return.
fn refused(line: usize, message: impl Into<String>) -> Stop {
    Stop::Refused(Reason::at(line, message))
}

/// The Node.js planner: a rewrite, or why not.
pub fn plan(
    file: &Dockerfile,
    stage: &Stage,
    facts: &StageFacts,
    ctx: &Context,
    opts: Options,
) -> Decision {
    match plan_rewrite(file, stage, facts, ctx, opts) {
        Ok(plan) => Decision::Rewrite(plan),
        Err(Stop::Unchanged(reason)) => Decision::Unchanged(reason),
        Err(Stop::Refused(reason)) => Decision::Refused(reason),
    }
}

/// What the start command (`ENTRYPOINT` + `CMD`, with the base image's
/// defaults) runs, read through `package.json` scripts.
#[derive(Debug, Default)]
struct StartCommand {
    /// The command as one line of text, and the line it is written on.
    text: String,
    line: usize,
    /// The `CMD` in force, with the base image's default when the file sets none.
    cmd: Option<Form>,
    /// Every program it runs (scripts and their pre/post hooks included).
    programs: Vec<String>,
    /// `npm`, `yarn` or `pnpm`, when it runs a script through one.
    package_manager: Option<String>,
    /// The `node …` arguments the script runs, when it is that simple.
    node_args: Option<Vec<String>>,
    /// A dev dependency it needs, which keeps dev dependencies.
    dev_dependency: Option<String>,
}

impl StartCommand {
    fn read(
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
    fn read_script(
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

/// The global installs (`npm install -g`, `yarn global add`, `pnpm add -g`)
/// the builder ran, with their lines. What they install lives outside the
/// application directory and may be run by the application or its scripts, so
/// the final stage installs them again.
fn global_installs<'a>(facts: &StageFacts<'a>) -> Vec<(&'a Instruction, Vec<String>)> {
    let mut out = Vec::new();
    for run in facts.runs() {
        let text = run.form.as_ref().map(form_text).unwrap_or_default();
        for c in shell::commands(&text) {
            let w = shell::program_words(&c);
            let sub = w.get(1).map(String::as_str);
            let global = match w.first().map(String::as_str) {
                Some("npm" | "pnpm") => {
                    matches!(sub, Some("install" | "i" | "add"))
                        && w.iter().any(|x| x == "-g" || x == "--global")
                }
                Some("yarn") => {
                    sub == Some("global") && w.get(2).map(String::as_str) == Some("add")
                }
                _ => false,
            };
            if global {
                out.push((*run, w.to_vec()));
            }
        }
    }
    out
}

/// The runtime image for the flavour, or why there is none.
fn runtime_image(
    tag: &NodeTag,
    flavor: Flavor,
    native: &Native,
    t: &NodeTemplate,
    line: usize,
) -> Result<String, Stop> {
    match (flavor, &tag.variant) {
        (Flavor::Scratch, _) => Err(refused(line, "scratch has no Node.js runtime; use --flavor slim, alpine or distroless")),
        (Flavor::Slim, Variant::Alpine) => Err(refused(
            line,
            "the builder is alpine (musl): dependencies built there do not run on a glibc slim image; use the default alpine flavour",
        )),
        (Flavor::Slim, Variant::Slim) => Ok(tag.image(tag.tag.as_deref().unwrap_or("slim"))),
        (Flavor::Slim, Variant::Full { .. }) => Ok(tag.image(&tag.with_suffix("slim", &t.images.floating_slim))),
        (Flavor::Alpine, Variant::Alpine) => Ok(tag.image(tag.tag.as_deref().unwrap_or("alpine"))),
        (Flavor::Alpine, _) if native.any() => Err(refused(
            line,
            format!(
                "--flavor alpine from a glibc builder: {}, and modules built on glibc fail on musl; use the slim flavour",
                native.describe()
            ),
        )),
        (Flavor::Alpine, variant) => {
            // The plain version tag, without the Debian release or `-slim`.
            let mut plain = tag.clone();
            if let Some(written) = &tag.tag {
                let mut stripped = written.replace("-slim", "");
                if let Variant::Full { codename: Some(c) } = variant {
                    stripped = stripped.replace(&format!("-{c}"), "");
                }
                if stripped == "slim" {
                    stripped = "latest".into();
                }
                plain.tag = Some(stripped.clone());
                plain.known_tag = stripped;
            }
            Ok(tag.image(&plain.with_suffix("alpine", &t.images.floating_alpine)))
        }
        (Flavor::Distroless, Variant::Alpine) => Err(refused(line, "the builder is alpine (musl) and distroless is glibc; use the alpine flavour")),
        (Flavor::Distroless, variant) => {
            let Some(major) = tag.major.filter(|m| t.images.distroless.majors.contains(m)) else {
                return Err(refused(
                    line,
                    format!(
                        "no supported distroless image for node `{}`: gcr.io/distroless/nodejs is published for majors {:?} only",
                        tag.known_tag, t.images.distroless.majors
                    ),
                ));
            };
            if matches!(variant, Variant::Full { codename: Some(c) } if c == "forky") {
                return Err(refused(line, "the builder's Debian (forky) is newer than distroless debian13"));
            }
            Ok(t.images.distroless.image.replace("{major}", &major.to_string()))
        }
    }
}

/// `RUN` lines that install the programs a `HEALTHCHECK` runs and the image
/// lacks, or why that flavour cannot have them.
fn healthcheck_tools(
    facts: &StageFacts,
    flavor: Flavor,
    t: &NodeTemplate,
    copied: &[String],
    warnings: &mut Vec<Warning>,
) -> Result<Vec<String>, Stop> {
    let Some(h) = facts.healthcheck else {
        return Ok(Vec::new());
    };
    let Some(crate::parse::HealthcheckArgs::Cmd(form)) = h.healthcheck() else {
        return Ok(Vec::new());
    };
    let distroless = flavor == Flavor::Distroless;
    if distroless && matches!(form, Form::Shell(_)) {
        return Err(refused(
            h.start_line,
            "HEALTHCHECK is in shell form and distroless has no shell; use the slim flavour",
        ));
    }
    let mut lines = Vec::new();
    for c in shell::commands(&form_text(&form)) {
        let Some(p) = shell::program_words(&c).first().cloned() else {
            continue;
        };
        let on_image = match flavor {
            Flavor::Slim => t.base_config.programs_slim.contains(&p),
            Flavor::Alpine => t.base_config.programs_alpine.contains(&p),
            _ => false,
        };
        let shell_builtin = p == "exit" && !distroless;
        if on_image
            || shell_builtin
            || p == "node"
            || copied
                .iter()
                .any(|d| d.ends_with(&format!("/{p}")) || *d == p)
        {
            continue;
        }
        let install = t.tools.get(&p).and_then(|tool| match flavor {
            Flavor::Slim => tool.slim.clone(),
            Flavor::Alpine => tool.alpine.clone(),
            _ => None,
        });
        let Some(install) = install else {
            return Err(refused(
                h.start_line,
                format!("HEALTHCHECK runs `{p}`, which the {} image does not have; use the slim flavour or check with node", flavor.name()),
            ));
        };
        let line = format!("RUN {install}");
        if !lines.contains(&line) {
            lines.push(line);
            warnings.push(Warning {
                line: Some(h.start_line),
                message: format!(
                    "HEALTHCHECK runs {p}, which the {} image lacks: installed in the final stage",
                    flavor.name()
                ),
            });
        }
    }
    Ok(lines)
}

/// `sh`, `bash` and friends, by path or name.
fn is_shell(program: &str) -> bool {
    matches!(
        program.rsplit('/').next().unwrap_or(program),
        "sh" | "bash" | "ash" | "dash"
    )
}

/// A `CMD` in exec form, as the final stage writes it.
fn exec_cmd(args: &[String]) -> String {
    let items: Vec<String> = args
        .iter()
        .map(|a| serde_json::Value::from(a.as_str()).to_string())
        .collect();
    format!("CMD [{}]", items.join(", "))
}

fn plan_rewrite(
    file: &Dockerfile,
    stage: &Stage,
    facts: &StageFacts,
    ctx: &Context,
    opts: Options,
) -> Result<Plan, Stop> {
    let t = template::node();
    let from = facts.from;
    let line = from.start_line;
    let mut warnings = Vec::new();

    // The project and the builder image.
    if let Some(lock) = t.files.bun_lock_files.iter().find(|l| ctx.has(l)) {
        return Err(Stop::Refused(Reason::file(format!(
            "{lock} in the build context: this is a Bun project, which runs on oven/bun images; slimfile does not rewrite Bun projects yet"
        ))));
    }
    let image = stage
        .base
        .as_ref()
        .ok_or_else(|| refused(line, "cannot read the FROM instruction"))?;
    if !t
        .images
        .repositories
        .iter()
        .any(|r| r == crate::detect::official_name(&image.repository))
    {
        return Err(refused(
            line,
            format!("the base image `{}` is not the official node image; slimfile only maps node images to their runtime counterparts", image.raw),
        ));
    }
    let platform = from.from_args().and_then(|a| a.platform);
    if let Some(p) = platform.as_ref().filter(|p| p.contains("BUILDPLATFORM")) {
        return Err(refused(
            line,
            format!("FROM --platform={p}: dependencies installed on the build platform are for the wrong platform at run time; drop --platform or use $TARGETPLATFORM"),
        ));
    }
    let tag = read_tag(image, facts, t).map_err(|e| refused(line, e))?;

    // The application directory: the WORKDIR in force at the end.
    let workdir = facts.workdir.clone().unwrap_or_default();
    let app_dir = facts.app_dir().ok_or_else(|| {
        refused(
            line,
            "a WORKDIR uses a variable whose value is not known here; write the path",
        )
    })?;

    // Dependencies and what starts the application.
    let manifest = read_manifest(ctx, t);
    let pm = detect_pm(facts, ctx, t);
    let installs = install_runs(facts, pm);
    let mut start = StartCommand::read(facts, &manifest, t, &mut warnings)?;
    let global_runs = global_installs(facts);
    let globals: Vec<String> = global_runs
        .iter()
        .map(|(_, w)| {
            w.iter()
                .map(|x| shell::quote(x))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    let dev_installed = installs
        .iter()
        .any(|r| installs_dev(r, facts, pm, &manifest));
    let berry = pm.is_some_and(|p| p.name == "yarn")
        && ctx
            .read("yarn.lock")
            .is_some_and(|l| l.contains("__metadata:"));
    if dev_installed && start.dev_dependency.is_none() && berry {
        warnings.push(Warning {
            line: installs.first().map(|r| r.instruction.start_line),
            message: "yarn berry prunes only with `yarn workspaces focus --production`, which needs its workspace-tools plugin before yarn 4: dev dependencies are kept".into(),
        });
        start.dev_dependency = Some("yarn berry".into());
    } else if let (true, Some(dep)) = (dev_installed, &start.dev_dependency) {
        warnings.push(Warning {
            line: Some(start.line),
            message: format!(
                "the start command needs `{dep}`, a dev dependency: dev dependencies are kept"
            ),
        });
    }

    // The flavour and its image.
    let flavor = opts.flavor.unwrap_or(if tag.variant == Variant::Alpine {
        Flavor::Alpine
    } else {
        Flavor::Slim
    });
    let distroless = flavor == Flavor::Distroless;
    // The lock file is read for native code only when alpine from glibc asks.
    let needs_native = flavor == Flavor::Alpine && tag.variant != Variant::Alpine;
    let native = if needs_native {
        read_native(ctx, pm)
    } else {
        Native::default()
    };
    let runtime_image = runtime_image(&tag, flavor, &native, t, line)?;
    if matches!(tag.variant, Variant::Slim | Variant::Alpine)
        && !has_build_step(facts, t)
        && !dev_installed
        && opts.flavor.is_none()
    {
        return Err(Stop::Unchanged(Reason::at(
            line,
            format!("the base `{}` is already lean and there is no build step or dev dependency to drop", image.raw),
        )));
    }

    // Past here there is something to gain, and it needs an application folder.
    if !facts.has_workdir || app_dir == "/" {
        return Err(Stop::Refused(Reason::file(
            "no WORKDIR: the application directory would be / (the whole builder image); add a WORKDIR for the application and copy it there",
        )));
    }

    // Global installs are made again in the final stage, with the same tool.
    for (run, words) in &global_runs {
        let tool = words[0].as_str();
        let yarn_bundled = tag
            .major
            .is_some_and(|m| m < t.base_config.yarn_bundled_below);
        let possible = !distroless && (tool == "npm" || (tool == "yarn" && yarn_bundled));
        if !possible {
            return Err(refused(
                run.start_line,
                format!(
                    "`{}` installs outside the application directory, and the {} image cannot run it again; use --flavor slim{}",
                    words.join(" "),
                    flavor.name(),
                    if tool == "npm" { "" } else { " or npm install -g" }
                ),
            ));
        }
    }

    // The start command must run the same on the runtime image.
    let mut cmd_as_node = false;
    if let Some(p) = start.package_manager.clone() {
        let yarn_bundled = tag
            .major
            .is_some_and(|m| m < t.base_config.yarn_bundled_below);
        let available = !distroless
            && match p.as_str() {
                "npm" => true,
                "yarn" => yarn_bundled,
                _ => globals.iter().any(|g| g.contains(p.as_str())),
            };
        match (available, &start.node_args, facts.entrypoint) {
            (true, _, _) => {}
            (false, Some(_), None) => cmd_as_node = true,
            _ => {
                return Err(refused(
                    start.line,
                    format!(
                        "`{}` needs {p} at run time, which the {} image lacks, and its script is not a plain `node …` command slimfile could run instead",
                        start.text,
                        flavor.name()
                    ),
                ))
            }
        }
    }
    if distroless && facts.entrypoint.is_some() {
        return Err(refused(start.line, "ENTRYPOINT is set: distroless node's entrypoint is node itself, and it has no shell for scripts; use the slim flavour"));
    }
    if let (true, Some(Form::Shell(s))) = (distroless, &start.cmd) {
        if shell::needs_a_shell(s) {
            return Err(refused(start.line, format!("CMD `{s}` is in shell form and needs a shell, which distroless lacks; write CMD as a JSON array or use the slim flavour")));
        }
    }
    let copied = carry::copied_files(facts);
    let tools = healthcheck_tools(facts, flavor, t, &copied, &mut warnings)?;
    let mut packages = carry::runtime_packages(facts);
    for (dependency, needs) in &t.dependency_packages {
        let wanted = match flavor {
            Flavor::Slim => &needs.slim,
            Flavor::Alpine => &needs.alpine,
            _ => continue,
        };
        if !manifest.dependencies.contains(dependency) {
            continue;
        }
        for p in wanted {
            if packages.contains(p) {
                continue;
            }
            packages.push(p.clone());
            warnings.push(Warning {
                line: None,
                message: format!(
                    "{dependency} needs {p} at run time: installed in the final stage"
                ),
            });
        }
    }
    if !packages.is_empty() {
        if distroless {
            return Err(refused(line, format!("the image installs system packages ({}) that distroless cannot install; use the slim flavour", packages.join(", "))));
        }
        warnings.push(Warning {
            line: None,
            message: format!("system packages {} are taken to be needed at run time and installed in the final stage", packages.join(", ")),
        });
    }
    let on_image: &[String] = match flavor {
        Flavor::Slim => &t.base_config.programs_slim,
        Flavor::Alpine => &t.base_config.programs_alpine,
        _ => &t.base_config.programs_distroless,
    };
    for program in &start.programs {
        let name = program.rsplit('/').next().unwrap_or(program);
        let provided = matches!(name, "node" | "npm" | "npx" | "yarn" | "pnpm" | "corepack")
            || on_image.iter().any(|p| p == name)
            || (!program.starts_with('/') && program.contains('/'))
            || (program.starts_with('/') && is_within(program, &app_dir))
            || copied.iter().any(|f| f == program || f.ends_with(&format!("/{name}")))
            // npm, yarn and pnpm put the dependencies' bins on the PATH of scripts.
            || manifest.dependencies.contains(name)
            || (start.dev_dependency.is_some() && manifest.dev_dependencies.contains(name))
            || globals.iter().any(|g| g.contains(name.split('-').next().unwrap_or(name)))
            || packages.iter().any(|p| p == name)
            || matches!(name, "exec" | "set" | "cd" | "export" | "true" | "exit" | "echo" | "test" | "[");
        if provided {
            continue;
        }
        return Err(refused(
            start.line,
            format!(
                "the start command runs `{program}`, and slimfile cannot tell where it comes from, so \
                 cannot make sure the {} image has it",
                flavor.name()
            ),
        ));
    }
    if let Some((run_line, path)) =
        carry::writes_outside(facts, &app_dir, &carry::copied_files(facts))
    {
        return Err(refused(
            run_line,
            format!(
                "this RUN writes {path}, outside the application directory {app_dir}: slimfile \
                 cannot carry what it builds there to the final stage"
            ),
        ));
    }
    if !matches!(facts.user_name().as_deref(), Some(u) if u != "root" && u != "0") {
        warnings.push(Warning {
            line: facts.user.map(|u| u.start_line),
            message: "the image runs as root, as the original did; consider a USER".into(),
        });
    }

    // Edits in the builder: its name, and the prune after the build.
    let mut builder_edits = Vec::new();
    let builder_name = match from.from_args().and_then(|a| a.alias) {
        Some(alias) => alias,
        None => {
            let at = from
                .from_args()
                .map_or(from.text_span.end, |a| a.image_span.end);
            builder_edits.push(BuilderEdit {
                range: at..at,
                text: " AS builder".into(),
                why: "the original steps become the builder stage".into(),
            });
            "builder".into()
        }
    };
    if dev_installed && start.dev_dependency.is_none() {
        let pm = pm.ok_or_else(|| {
            refused(
                line,
                "cannot tell which package manager installed the dependencies",
            )
        })?;
        let mut prune = match (&pm.prune_before_node_15, tag.major) {
            (Some(old), Some(m)) if m < 15 => old.clone(),
            _ => pm.prune.clone(),
        };
        if let Some(last) = installs.last() {
            for flag in last
                .words
                .iter()
                .filter(|w| pm.keep_install_flags.contains(w))
            {
                prune.push(' ');
                prune.push_str(flag);
            }
        }
        // A prune already there (this one, or the project's own) is kept.
        let pruned = facts.runs().any(|r| {
            r.form.as_ref().is_some_and(|f| {
                let text = form_text(f);
                text.contains(&prune)
                    || text.contains(&format!("{} prune", pm.name))
                    || (pm.name == "yarn" && text.contains("--production"))
            })
        });
        // The prune runs where the install ran, after the last step there.
        let last_install = installs.last().map(|r| r.instruction);
        let install_dir = last_install.and_then(|i| facts.workdir_of(i));
        let in_app = install_dir.is_some_and(|d| is_within(d, &app_dir));
        if !pruned && in_app {
            let after = last_node_run(facts, t, install_dir)
                .or(last_install)
                .expect("dev dependencies were installed by some RUN");
            builder_edits.push(BuilderEdit {
                range: after.text_span.end..after.text_span.end,
                text: format!("{}RUN {prune}", file.line_ending()),
                why: "dev dependencies are dropped after the build".into(),
            });
        } else if !pruned {
            warnings.push(Warning {
                line: last_install.map(|i| i.start_line),
                message: format!(
                    "dependencies were installed in {}, not in the application directory {app_dir}: dev dependencies are kept",
                    install_dir.unwrap_or("a folder slimfile cannot tell")
                ),
            });
        }
    }

    // The final stage.
    // USER goes before WORKDIR where the original set it first, or where the
    // application folder belongs to that user: WORKDIR then creates the folder
    // owned by it, as the builder had it.
    let folder_owner = carry::dir_owner(facts, &app_dir);
    let owner_is_user = folder_owner.as_ref().is_some_and(|o| {
        let user = |s: &str| s.split(':').next().unwrap_or("").to_string();
        facts.user_name().is_some_and(|u| u == user(o))
    });
    let user_early =
        carry::user_before_workdir(facts).or(if owner_is_user { facts.user } else { None });
    let carried: Vec<&Instruction> = carry::runtime_configuration(facts)
        .into_iter()
        .filter(|i| !user_early.is_some_and(|u| std::ptr::eq(u, *i)))
        .collect();
    if let Some(s) = carried.iter().find(|i| i.keyword == Keyword::Shell) {
        if distroless {
            return Err(refused(
                s.start_line,
                "SHELL is set and distroless has no shell; use the slim flavour",
            ));
        }
        if flavor == Flavor::Alpine && tag.variant != Variant::Alpine && s.args.contains("bash") {
            return Err(refused(
                s.start_line,
                "SHELL uses bash, which alpine images lack",
            ));
        }
    }
    let mut stage_lines = Vec::new();
    let mut add = |text: String, why: &str| {
        stage_lines.push(FinalLine {
            text,
            why: why.into(),
        })
    };
    add(
        match &platform {
            Some(p) => format!("FROM --platform={p} {runtime_image}"),
            None => format!("FROM {runtime_image}"),
        },
        "the runtime image",
    );
    if let Some(d) = &tag.digest {
        warnings.push(Warning {
            line: Some(line),
            message: format!("the builder's digest @{d} pins the builder only: pin {runtime_image} with its own digest"),
        });
    }
    // The ARGs the carried instructions and the repeated global installs use.
    let mut arg_users = carried.clone();
    arg_users.extend(global_runs.iter().map(|(run, _)| *run));
    for arg in carry::arg_lines(file, facts, &arg_users) {
        add(
            arg,
            "an ARG a carried instruction uses (ARGs do not cross FROM)",
        );
    }
    if !packages.is_empty() {
        add(
            carry::install_line(flavor == Flavor::Alpine, &packages),
            "run-time system packages the builder installed",
        );
    }
    for tool in tools {
        add(tool, "a program the HEALTHCHECK runs");
    }
    for g in &globals {
        add(
            format!("RUN {g}"),
            "a global package the builder installed, installed again",
        );
    }
    let users = carry::user_commands(facts);
    if !users.is_empty() && !distroless {
        add(
            format!("RUN {}", users.join(" && ")),
            "the users and groups the builder created, created again",
        );
    } else if !users.is_empty() {
        add(
            format!("COPY --from={builder_name} /etc/passwd /etc/passwd"),
            "users the builder created (no shell to create them again)",
        );
        add(
            format!("COPY --from={builder_name} /etc/group /etc/group"),
            "groups the builder created",
        );
    }
    if let Some(u) = user_early {
        add(
            file.text(u.text_span.clone()).to_string(),
            "the original's USER, set before WORKDIR so that the folder is created owned by it, as there",
        );
    }
    add(
        format!("WORKDIR {workdir}"),
        "the working directory, at the same path",
    );
    let owner = carry::app_owner(facts, &app_dir);
    let chown = owner
        .as_ref()
        .map(|o| format!(" --chown={o}"))
        .unwrap_or_default();
    if let Some(o) = &owner {
        warnings.push(Warning {
            line: None,
            message: format!(
                "the application directory is copied with --chown={o}, as the original set it"
            ),
        });
    }
    add(
        format!("COPY --from={builder_name}{chown} {app_dir} {app_dir}"),
        "the application, with production dependencies only",
    );
    // The folder itself belongs to someone the final USER is not.
    if let (Some(o), None) = (&folder_owner, user_early) {
        if distroless {
            warnings.push(Warning {
                line: None,
                message: format!("{app_dir} belonged to {o} in the builder; distroless has no shell to chown it, so it belongs to root"),
            });
        } else {
            add(
                format!("RUN chown {o} {app_dir}"),
                "the application folder belonged to this owner in the builder",
            );
        }
    }
    let mut outside: Vec<String> = Vec::new();
    for c in facts
        .copies
        .iter()
        .filter(|c| !is_within(&c.dest, &app_dir))
    {
        let paths = carry::copied_targets(c, ctx).ok_or_else(|| {
            let written = file
                .text(c.instruction.text_span.clone())
                .lines()
                .next()
                .unwrap_or("")
                .to_string();
            refused(
                c.instruction.start_line,
                format!(
                    "cannot tell which files `{written}` puts outside the application directory"
                ),
            )
        })?;
        for p in paths {
            if !outside.contains(&p) {
                outside.push(p);
            }
        }
    }
    for p in &outside {
        add(
            format!("COPY --from={builder_name} {p} {p}"),
            "a file the original copied outside the application directory",
        );
    }
    for i in &carried {
        let is_cmd = facts.cmd.is_some_and(|c| std::ptr::eq(c, *i));
        if !(is_cmd && (distroless || cmd_as_node)) {
            add(
                file.text(i.text_span.clone()).to_string(),
                "the original's runtime configuration",
            );
            continue;
        }
        // The CMD rewritten: to the script's node command, or without `node`
        // for distroless, whose entrypoint is node.
        let args = if cmd_as_node {
            warnings.push(Warning {
                line: Some(i.start_line),
                message: format!(
                    "`{}` is run as the node command its script runs, since the {} image lacks {}",
                    start.text,
                    flavor.name(),
                    start.package_manager.clone().unwrap_or_default()
                ),
            });
            let mut a = start.node_args.clone().unwrap_or_default();
            if !distroless {
                a.insert(0, "node".into());
            }
            a
        } else {
            let words = match &i.form {
                Some(Form::Exec(items)) => items.clone(),
                Some(Form::Shell(s)) => shell::commands(s).into_iter().next().unwrap_or_default(),
                None => Vec::new(),
            };
            match words.first().map(String::as_str) {
                Some("node") => words[1..].to_vec(),
                // docker-entrypoint.sh runs `node` for arguments that start with `-`.
                Some(p) if p.starts_with('-') => words,
                _ => {
                    return Err(refused(
                        i.start_line,
                        format!("distroless node runs node itself: `{}` does not start with node; use the slim flavour", file.text(i.text_span.clone())),
                    ))
                }
            }
        };
        add(
            exec_cmd(&args),
            if distroless {
                "distroless node's entrypoint is node: the same argv runs"
            } else {
                "the script's node command"
            },
        );
    }
    if distroless && facts.cmd.is_none() {
        warnings.push(Warning {
            line: None,
            message: "no CMD: distroless node starts node with no script, as node images do".into(),
        });
    }

    Ok(Plan {
        language: Language::Node,
        flavor,
        builder_name,
        builder_image: image.raw.clone(),
        runtime_image,
        builder_edits,
        final_stage: stage_lines,
        warnings,
    })
}

/// Whether a command installs the project's dependencies: the package
/// manager's install command followed by options only (`npm ci`, `yarn`,
/// `yarn install --frozen-lockfile`, `pnpm i --prod`), and not a global install.
fn is_project_install(pm: &PackageManager, words: &[String]) -> bool {
    if words.first() != Some(&pm.name) {
        return false;
    }
    pm.install_commands.iter().any(|ic| {
        let command: Vec<&str> = ic.split(' ').collect();
        words.len() >= command.len()
            && words.iter().zip(&command).all(|(w, c)| w == c)
            && words[command.len()..].iter().all(|w| w.starts_with('-'))
            && !words.iter().any(|w| w == "-g" || w == "--global")
    })
}

/// The package manager: the one whose install the `RUN`s run, else the one
/// whose lock file is in the build context.
fn detect_pm<'t>(
    facts: &StageFacts,
    ctx: &Context,
    t: &'t NodeTemplate,
) -> Option<&'t PackageManager> {
    for run in facts.runs() {
        let text = run.form.as_ref().map(form_text).unwrap_or_default();
        for c in shell::commands(&text) {
            let w = shell::program_words(&c);
            if let Some(pm) = t
                .package_managers
                .iter()
                .find(|pm| is_project_install(pm, w))
            {
                return Some(pm);
            }
        }
    }
    t.package_managers
        .iter()
        .find(|pm| pm.lock_files.iter().any(|l| ctx.has(l)))
}

/// The `RUN`s that install dependencies.
fn install_runs<'a>(facts: &StageFacts<'a>, pm: Option<&PackageManager>) -> Vec<PmRun<'a>> {
    let Some(pm) = pm else { return Vec::new() };
    let mut out = Vec::new();
    for run in facts.runs() {
        let text = run.form.as_ref().map(form_text).unwrap_or_default();
        for c in shell::commands(&text) {
            let w = shell::program_words(&c).to_vec();
            if is_project_install(pm, &w) {
                out.push(PmRun {
                    instruction: run,
                    words: w,
                });
            }
        }
    }
    out
}

/// Whether an install brings in dev dependencies.
fn installs_dev(
    run: &PmRun,
    facts: &StageFacts,
    pm: Option<&PackageManager>,
    manifest: &Manifest,
) -> bool {
    let Some(pm) = pm else { return false };
    if run.words.iter().any(|w| pm.production_flags.contains(w)) {
        return false;
    }
    if facts.env_before("NODE_ENV", "production", run.instruction.start_line) {
        return false;
    }
    !manifest.found || !manifest.dev_dependencies.is_empty()
}

fn has_build_step(facts: &StageFacts, t: &NodeTemplate) -> bool {
    facts.runs().any(|r| {
        let text = r.form.as_ref().map(form_text).unwrap_or_default();
        shell::commands(&text).iter().any(|c| {
            let w = shell::program_words(c);
            let script = match (w.first().map(String::as_str), w.get(1).map(String::as_str)) {
                (Some("npm" | "pnpm" | "yarn"), Some("run" | "run-script")) => {
                    w.get(2).map(String::as_str)
                }
                (Some("yarn" | "pnpm"), Some(s)) => Some(s),
                (Some("npx"), Some(s)) => Some(s),
                (Some(p), _) => Some(p),
                _ => None,
            };
            script.is_some_and(|s| {
                t.run_hints.build_scripts.iter().any(|b| b == s) || s.starts_with("build")
            })
        })
    })
}

/// The last `RUN` in `dir` that runs a Node.js tool: the prune goes after it.
fn last_node_run<'a>(
    facts: &StageFacts<'a>,
    t: &NodeTemplate,
    dir: Option<&str>,
) -> Option<&'a Instruction> {
    facts
        .runs()
        .filter(|r| facts.workdir_of(r) == dir)
        .filter(|r| {
            let text = r.form.as_ref().map(form_text).unwrap_or_default();
            shell::commands(&text).iter().any(|c| {
                shell::program_words(c)
                    .first()
                    .is_some_and(|p| t.run_hints.commands.iter().any(|h| h == p))
            })
        })
        .last()
        .copied()
}
