//! The Node.js logic that the template's data cannot express: reading node
//! image tags, `package.json` scripts and lock files, and deciding the final
//! stage. Every refusal says why and where.

use std::collections::BTreeSet;

use crate::context::Context;
use crate::detect::Language;
use crate::parse::{Dockerfile, Form, ImageRef, Instruction, Keyword, Stage};
use crate::plan::{
    form_text, is_within, unquote, variables, BuilderEdit, Decision, FinalLine, Flavor, Plan,
    Reason, StageFacts, Warning,
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

/// System packages that only a build needs (compilers, headers, VCS).
fn build_only(pkg: &str) -> bool {
    let name = pkg.split(['=', ':']).next().unwrap_or(pkg);
    matches!(
        name,
        "build-essential"
            | "gcc"
            | "g++"
            | "make"
            | "cmake"
            | "python3"
            | "python"
            | "git"
            | "pkg-config"
            | "pkgconf"
            | "autoconf"
            | "automake"
            | "libtool"
            | "linux-headers"
            | "musl-dev"
            | "libc-dev"
            | "libc6-dev"
            | "build-base"
            | "node-gyp"
            | "openssh-client"
            | "python-is-python3"
            | "py3-pip"
            | "python3-pip"
    ) || name.ends_with("-dev")
        || name.ends_with("-devel")
}

/// The Node.js planner.
pub fn plan(
    file: &Dockerfile,
    stage: &Stage,
    facts: &StageFacts,
    ctx: &Context,
    opts: Options,
) -> Decision {
    let t = template::node();
    let from = facts.from;
    let line = from.start_line;
    let refuse = |l: usize, m: String| Decision::Refused(Reason::at(l, m));

    for lock in &t.files.bun_lock_files {
        if ctx.has(lock) {
            return Decision::Refused(Reason::file(format!(
                "{lock} in the build context: this is a Bun project, which runs on oven/bun \
                 images; slimfile does not rewrite Bun projects yet"
            )));
        }
    }
    let Some(image) = stage.base.as_ref() else {
        return refuse(line, "cannot read the FROM instruction".into());
    };
    let repo = crate::detect::official_name(&image.repository);
    if !t.images.repositories.iter().any(|r| r == repo) {
        return refuse(
            line,
            format!(
                "the base image `{}` is not the official node image; slimfile only maps node images \
                 to their runtime counterparts",
                image.raw
            ),
        );
    }
    let platform = from.from_args().and_then(|a| a.platform);
    if let Some(p) = &platform {
        if p.contains("BUILDPLATFORM") {
            return refuse(
                line,
                format!(
                    "FROM --platform={p}: dependencies installed on the build platform are for the \
                     wrong platform at run time; drop --platform or use $TARGETPLATFORM"
                ),
            );
        }
    }
    let tag = match read_tag(image, facts, t) {
        Ok(tag) => tag,
        Err(e) => return refuse(line, e),
    };

    let manifest = read_manifest(ctx, t);
    let pm = detect_pm(facts, ctx, t);
    let installs = install_runs(facts, pm);

    // The application directory.
    let Some(app_dir) = facts.workdir.clone() else {
        return refuse(
            line,
            "a WORKDIR uses a variable whose value is not known here; write the path".into(),
        );
    };
    if !facts.has_workdir || app_dir == "/" {
        return Decision::Refused(Reason::file(
            "no WORKDIR: the application directory would be / (the whole builder image); add a \
             WORKDIR for the application and copy it there",
        ));
    }

    // What runs at start, and what it needs.
    let base_entry = facts.entrypoint.is_none();
    let entry_form = facts.entrypoint.and_then(|i| i.form.clone());
    let cmd_form: Option<Form> = match facts.cmd {
        Some(i) => i.form.clone(),
        None if facts.cmd_reset => None,
        None => Some(Form::Exec(t.base_config.cmd.clone())),
    };
    let mut warnings = Vec::new();
    let mut keep_dev = None;
    // Scripts run by the start command, with the instruction line.
    let mut programs: Vec<(String, usize)> = Vec::new();
    let mut uses_pm: Option<String> = None;
    let mut resolved_node_args: Option<Vec<String>> = None;
    let cmd_line = facts.cmd.map_or(line, |i| i.start_line);
    let start_text = match (&entry_form, &cmd_form) {
        (Some(e), _) => form_text(e),
        (None, Some(c)) => form_text(c),
        (None, None) => String::new(),
    };
    let start_line = facts
        .entrypoint
        .or(facts.cmd)
        .map_or(line, |i| i.start_line);
    for command in shell::commands(&start_text) {
        let words = shell::program_words(&command).to_vec();
        let Some(program) = words.first() else {
            continue;
        };
        programs.push((program.clone(), start_line));
        let pm_name = program.rsplit('/').next().unwrap_or(program);
        if matches!(pm_name, "npm" | "yarn" | "pnpm") {
            let script = match words.get(1).map(String::as_str) {
                Some("start") => Some("start".to_string()),
                Some("run") | Some("run-script") => words.get(2).cloned(),
                Some(other) if pm_name != "npm" && !other.starts_with('-') => {
                    Some(other.to_string())
                }
                _ => None,
            };
            let Some(script) = script else {
                return refuse(
                    start_line,
                    format!("cannot tell which script `{}` runs", words.join(" ")),
                );
            };
            if t.run_hints.dev_scripts.iter().any(|d| d == &script) {
                return refuse(
                    start_line,
                    format!(
                        "`{}` starts a development server, not a production image; build the app \
                         and start it with node",
                        words.join(" ")
                    ),
                );
            }
            uses_pm = Some(pm_name.to_string());
            if manifest.found {
                let Some(body) = manifest.scripts.get(&script) else {
                    return refuse(start_line, format!("package.json has no `{script}` script"));
                };
                for hook in [format!("pre{script}"), format!("post{script}")] {
                    if let Some(b) = manifest.scripts.get(&hook) {
                        for c in shell::commands(b) {
                            if let Some(p) = shell::program_words(&c).first() {
                                programs.push((p.clone(), start_line));
                            }
                        }
                    }
                }
                let cmds = shell::commands(body);
                for c in &cmds {
                    if let Some(p) = shell::program_words(c).first() {
                        programs.push((p.clone(), start_line));
                    }
                }
                if cmds.len() == 1 && !shell::needs_a_shell(body) {
                    let w = shell::program_words(&cmds[0]);
                    if w.first().map(String::as_str) == Some("node") && words.len() <= 3 {
                        resolved_node_args = Some(w[1..].to_vec());
                    }
                }
            } else {
                warnings.push(Warning {
                    line: Some(start_line),
                    message: format!(
                        "no package.json in the build context: assumed that `{}` needs only production dependencies",
                        words.join(" ")
                    ),
                });
            }
        }
    }
    // A program from a dev dependency keeps dev dependencies.
    for (program, l) in &programs {
        let name = program.rsplit('/').next().unwrap_or(program);
        if manifest.dev_dependencies.contains(name) && !manifest.dependencies.contains(name) {
            keep_dev = Some((name.to_string(), *l));
        }
    }

    // Global installs the command uses.
    let mut global_installs: Vec<String> = Vec::new();
    for run in facts.runs() {
        let text = run.form.as_ref().map(form_text).unwrap_or_default();
        for c in shell::commands(&text) {
            let w = shell::program_words(&c);
            let global = matches!(w.first().map(String::as_str), Some("npm"))
                && matches!(w.get(1).map(String::as_str), Some("install" | "i" | "add"))
                && w.iter().any(|x| x == "-g" || x == "--global");
            if !global {
                continue;
            }
            let pkgs: Vec<&String> = w[2..].iter().filter(|x| !x.starts_with('-')).collect();
            let used = pkgs.iter().any(|p| {
                let name = p.rsplit_once('@').map_or(p.as_str(), |(n, _)| {
                    if n.is_empty() {
                        p.as_str()
                    } else {
                        n
                    }
                });
                programs.iter().any(|(prog, _)| {
                    let prog = prog.rsplit('/').next().unwrap_or(prog);
                    prog == name
                        || prog.starts_with(&format!("{name}-"))
                        || uses_pm.as_deref() == Some(name)
                })
            });
            if used {
                global_installs.push(w.join(" "));
            }
        }
    }

    // The flavour.
    let flavor = opts.flavor.unwrap_or(if tag.variant == Variant::Alpine {
        Flavor::Alpine
    } else {
        Flavor::Slim
    });
    let native = read_native(ctx, pm);
    let runtime_image = match flavor {
        Flavor::Scratch => {
            return refuse(line, "scratch has no Node.js runtime; use --flavor slim, alpine or distroless".into())
        }
        Flavor::Slim => match &tag.variant {
            Variant::Alpine => {
                return refuse(
                    line,
                    "the builder is alpine (musl): dependencies built there do not run on a glibc slim \
                     image; use the default alpine flavour"
                        .into(),
                )
            }
            Variant::Slim => tag.image(&tag.tag.clone().unwrap_or_else(|| "slim".into())),
            Variant::Full { .. } => tag.image(&tag.with_suffix("slim", &t.images.floating_slim)),
        },
        Flavor::Alpine => match &tag.variant {
            Variant::Alpine => tag.image(tag.tag.as_deref().unwrap_or("alpine")),
            _ if native.any() => {
                return refuse(
                    line,
                    format!(
                        "--flavor alpine from a glibc builder: {}, and modules built on glibc fail on \
                         musl; use the slim flavour",
                        native.describe()
                    ),
                )
            }
            Variant::Slim => {
                let base = tag.tag.clone().unwrap_or_default().replace("-slim", "");
                let base = if base == "slim" { "latest".into() } else { base };
                tag.image(&NodeTag { tag: Some(base.clone()), known_tag: base, ..tag.clone() }.with_suffix("alpine", &t.images.floating_alpine))
            }
            Variant::Full { codename } => {
                let mut plain = tag.clone();
                if let (Some(c), Some(written)) = (codename, &tag.tag) {
                    let stripped = written.replace(&format!("-{c}"), "");
                    plain.tag = Some(stripped.clone());
                    plain.known_tag = stripped;
                }
                tag.image(&plain.with_suffix("alpine", &t.images.floating_alpine))
            }
        },
        Flavor::Distroless => {
            let Some(major) = tag.major.filter(|m| t.images.distroless.majors.contains(m)) else {
                return refuse(
                    line,
                    format!(
                        "no supported distroless image for node `{}`: gcr.io/distroless/nodejs is published \
                         for majors {:?} only",
                        tag.known_tag, t.images.distroless.majors
                    ),
                );
            };
            if tag.variant == Variant::Alpine {
                return refuse(line, "the builder is alpine (musl) and distroless is glibc; use the alpine flavour".into());
            }
            if let Variant::Full { codename: Some(c) } = &tag.variant {
                if c == "forky" {
                    return refuse(line, "the builder's Debian (forky) is newer than distroless debian13".into());
                }
            }
            t.images.distroless.image.replace("{major}", &major.to_string())
        }
    };
    let distroless = flavor == Flavor::Distroless;
    let has_shell = !distroless;

    // Nothing to gain?
    let build_step = has_build_step(facts, t);
    let dev_installed = installs
        .iter()
        .any(|r| installs_dev(r, facts, pm, &manifest));
    if matches!(tag.variant, Variant::Slim | Variant::Alpine)
        && !build_step
        && !dev_installed
        && opts.flavor.is_none()
    {
        return Decision::Unchanged(Reason::at(
            line,
            format!(
                "the base `{}` is already lean and there is no build step or dev dependency to drop",
                image.raw
            ),
        ));
    }

    // Programs at start must exist in the final image.
    let copied_paths: Vec<String> = facts.copies.iter().map(|c| c.dest.clone()).collect();
    let yarn_bundled = tag
        .major
        .is_some_and(|m| m < t.base_config.yarn_bundled_below);
    let mut rewrite_cmd_to_node = false;
    if let Some(p) = &uses_pm {
        let available = match p.as_str() {
            "npm" => !distroless,
            "yarn" => !distroless && yarn_bundled,
            _ => !distroless && global_installs.iter().any(|g| g.contains(p.as_str())),
        };
        if !available {
            match (&resolved_node_args, facts.entrypoint) {
                (Some(_), None) => rewrite_cmd_to_node = true,
                _ => {
                    return refuse(
                        cmd_line,
                        format!(
                            "`{start_text}` needs {p} at run time, which the {} image lacks, and its script \
                             is not a plain `node …` command slimfile could run instead",
                            flavor.name()
                        ),
                    )
                }
            }
        }
    }
    if distroless {
        if !base_entry {
            return refuse(start_line, "ENTRYPOINT is set: distroless node's entrypoint is node itself, and it has no shell for scripts; use the slim flavour".into());
        }
        if let Some(Form::Shell(s)) = &cmd_form {
            if shell::needs_a_shell(s) {
                return refuse(cmd_line, format!("CMD `{s}` is in shell form and needs a shell, which distroless lacks; write CMD as a JSON array or use the slim flavour"));
            }
        }
    }
    let mut tools_needed: Vec<String> = Vec::new();
    if let Some(h) = facts.healthcheck {
        if let Some(crate::parse::HealthcheckArgs::Cmd(form)) = h.healthcheck() {
            if distroless && matches!(form, Form::Shell(_)) {
                return refuse(h.start_line, "HEALTHCHECK is in shell form and distroless has no shell; use the slim flavour".into());
            }
            for c in shell::commands(&form_text(&form)) {
                let Some(p) = shell::program_words(&c).first().cloned() else {
                    continue;
                };
                let has = match flavor {
                    Flavor::Slim => t.base_config.programs_slim.contains(&p),
                    Flavor::Alpine => t.base_config.programs_alpine.contains(&p),
                    _ => false,
                } || p == "node"
                    || (p == "exit" && has_shell);
                if has
                    || copied_paths
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
                match install {
                    Some(cmd) => {
                        if !tools_needed.contains(&cmd) {
                            tools_needed.push(cmd);
                            warnings.push(Warning {
                                line: Some(h.start_line),
                                message: format!("HEALTHCHECK runs {p}, which the {} image lacks: installed in the final stage", flavor.name()),
                            });
                        }
                    }
                    None => {
                        return refuse(
                            h.start_line,
                            format!("HEALTHCHECK runs `{p}`, which the {} image does not have; use the slim flavour or check with node", flavor.name()),
                        )
                    }
                }
            }
        }
    }

    // System packages: run-time ones are installed again; build-only ones stay behind.
    let mut runtime_packages: Vec<String> = Vec::new();
    for run in facts.runs() {
        let text = run.form.as_ref().map(form_text).unwrap_or_default();
        for c in shell::commands(&text) {
            let w = shell::program_words(&c);
            let pkgs: Vec<&String> =
                match (w.first().map(String::as_str), w.get(1).map(String::as_str)) {
                    (Some("apt-get" | "apt"), Some("install")) => {
                        w[2..].iter().filter(|x| !x.starts_with('-')).collect()
                    }
                    (Some("apk"), Some("add")) => {
                        w[2..].iter().filter(|x| !x.starts_with('-')).collect()
                    }
                    _ => continue,
                };
            for p in pkgs {
                if !build_only(p) && !runtime_packages.contains(p) {
                    runtime_packages.push(p.clone());
                }
            }
        }
    }
    if !runtime_packages.is_empty() {
        if distroless {
            return refuse(line, format!("the image installs system packages ({}) that distroless cannot install; use the slim flavour", runtime_packages.join(", ")));
        }
        warnings.push(Warning {
            line: None,
            message: format!("system packages {} are taken to be needed at run time and installed in the final stage", runtime_packages.join(", ")),
        });
    }

    // Every program the start command runs must be in the final image.
    let copied_files: Vec<String> = facts
        .copies
        .iter()
        .flat_map(|c| {
            if c.dest.ends_with('/') {
                c.sources
                    .iter()
                    .map(|src| {
                        format!(
                            "{}{}",
                            c.dest,
                            src.trim_end_matches('/').rsplit('/').next().unwrap_or(src)
                        )
                    })
                    .collect::<Vec<_>>()
            } else {
                vec![c.dest.clone()]
            }
        })
        .collect();
    let on_image: &[String] = match flavor {
        Flavor::Slim => &t.base_config.programs_slim,
        Flavor::Alpine => &t.base_config.programs_alpine,
        _ => &t.base_config.programs_distroless,
    };
    for (program, l) in &programs {
        let name = program.rsplit('/').next().unwrap_or(program);
        let provided = matches!(name, "node" | "npm" | "npx" | "yarn" | "pnpm" | "corepack")
            || on_image.iter().any(|p| p == name)
            || (!program.starts_with('/') && program.contains('/'))
            || (program.starts_with('/') && is_within(program, &app_dir))
            || copied_files.iter().any(|f| f == program || f.ends_with(&format!("/{name}")))
            // npm, yarn and pnpm put the dependencies' bins on the PATH of scripts.
            || manifest.dependencies.contains(name)
            || (keep_dev.is_some() && manifest.dev_dependencies.contains(name))
            || global_installs.iter().any(|g| g.contains(name.split('-').next().unwrap_or(name)))
            || runtime_packages.iter().any(|p| p == name)
            || matches!(name, "exec" | "set" | "cd" | "export" | "true" | "exit" | "echo" | "test" | "[");
        if !provided {
            if distroless {
                return refuse(*l, format!("the start command runs `{program}`, which distroless node does not have; use the slim flavour"));
            }
            warnings.push(Warning {
                line: Some(*l),
                message: format!("assumed that `{program}` is in the {} image, as slimfile cannot see where it comes from", flavor.name()),
            });
        }
    }

    // Users the builder created: created again (same commands), or, where
    // there is no shell to run them, /etc/passwd and /etc/group copied.
    let mut user_commands: Vec<String> = Vec::new();
    for r in facts.runs() {
        let text = r.form.as_ref().map(form_text).unwrap_or_default();
        for c in shell::commands(&text) {
            let w = shell::program_words(&c);
            if matches!(
                w.first().map(String::as_str),
                Some("useradd" | "adduser" | "groupadd" | "addgroup")
            ) {
                user_commands.push(
                    w.iter()
                        .map(|x| shell::quote(x))
                        .collect::<Vec<_>>()
                        .join(" "),
                );
            }
        }
    }
    let creates_users = !user_commands.is_empty();
    let user = facts.user_name();
    match user.as_deref() {
        None | Some("root") | Some("0") => warnings.push(Warning {
            line: facts.user.map(|u| u.start_line),
            message: "the image runs as root, as the original did; consider a USER".into(),
        }),
        _ => {}
    }

    // Pruning dev dependencies after the build.
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
    let prune_command = pm.map(|p| match (&p.prune_before_node_15, tag.major) {
        (Some(old), Some(m)) if m < 15 => old.clone(),
        _ => p.prune.clone(),
    });
    if let (true, Some((dep, l))) = (dev_installed, &keep_dev) {
        warnings.push(Warning {
            line: Some(*l),
            message: format!(
                "the start command needs `{dep}`, a dev dependency: dev dependencies are kept"
            ),
        });
    }
    let berry = pm.is_some_and(|p| p.name == "yarn")
        && ctx
            .read("yarn.lock")
            .is_some_and(|l| l.contains("__metadata:"));
    if dev_installed && keep_dev.is_none() && berry {
        warnings.push(Warning {
            line: installs.first().map(|r| r.instruction.start_line),
            message:
                "yarn berry prunes only with `yarn workspaces focus --production`, which needs \
                      its workspace-tools plugin before yarn 4: dev dependencies are kept"
                    .into(),
        });
        keep_dev = Some(("yarn berry".into(), line));
    }
    if dev_installed && keep_dev.is_none() {
        let Some(prune) = prune_command else {
            return refuse(
                line,
                "cannot tell which package manager installed the dependencies".into(),
            );
        };
        let already = facts.runs().any(|r| {
            form_text(r.form.as_ref().unwrap_or(&Form::Shell(String::new()))).contains(&prune)
        });
        if !already {
            let after = last_node_run(facts, t).unwrap_or(installs[0].instruction);
            let eol = file.line_ending();
            builder_edits.push(BuilderEdit {
                range: after.text_span.end..after.text_span.end,
                text: format!("{eol}RUN {prune}"),
                why: "dev dependencies are dropped after the build".into(),
            });
        }
    }

    // The final stage.
    let mut final_stage = Vec::new();
    let push = |v: &mut Vec<FinalLine>, text: String, why: &str| {
        v.push(FinalLine {
            text,
            why: why.into(),
        })
    };
    let from_text = match &platform {
        Some(p) => format!("FROM --platform={p} {runtime_image}"),
        None => format!("FROM {runtime_image}"),
    };
    push(&mut final_stage, from_text, "the runtime image");
    if let Some(d) = &tag.digest {
        warnings.push(Warning {
            line: Some(line),
            message: format!("the builder's digest @{d} pins the builder only: pin {runtime_image} with its own digest"),
        });
    }

    // Instructions carried to the final stage, in their original order.
    let carried: Vec<&Instruction> = facts
        .instructions
        .iter()
        .copied()
        .filter(|i| match i.keyword {
            Keyword::Env
            | Keyword::Label
            | Keyword::Expose
            | Keyword::Volume
            | Keyword::Onbuild
            | Keyword::Maintainer => true,
            Keyword::User => {
                facts.user.is_some_and(|u| std::ptr::eq(u, *i))
                    && user_before_workdir(facts).is_none()
            }
            Keyword::Healthcheck => facts.healthcheck.is_some_and(|u| std::ptr::eq(u, *i)),
            Keyword::Entrypoint => facts.entrypoint.is_some_and(|u| std::ptr::eq(u, *i)),
            Keyword::Cmd => facts.cmd.is_some_and(|u| std::ptr::eq(u, *i)),
            Keyword::Stopsignal => facts
                .instructions
                .iter()
                .rev()
                .find(|x| x.keyword == Keyword::Stopsignal)
                .is_some_and(|u| std::ptr::eq(*u, *i)),
            Keyword::Shell => true,
            _ => false,
        })
        .collect();
    if distroless && carried.iter().any(|i| i.keyword == Keyword::Shell) {
        return refuse(
            line,
            "SHELL is set and distroless has no shell; use the slim flavour".into(),
        );
    }
    if flavor == Flavor::Alpine {
        if let Some(s) = carried.iter().find(|i| i.keyword == Keyword::Shell) {
            if s.args.contains("bash") && tag.variant != Variant::Alpine {
                return refuse(
                    s.start_line,
                    "SHELL uses bash, which alpine images lack".into(),
                );
            }
        }
    }
    // ARGs the carried instructions use, declared again with their defaults.
    let mut declared = Vec::new();
    for i in &carried {
        for v in variables(file.text(i.text_span.clone())) {
            if declared.contains(&v) {
                continue;
            }
            // Only ARGs the stage declared: a global ARG is not visible
            // inside a stage that does not declare it again.
            let Some(default) = facts.args.get(&v) else {
                continue;
            };
            declared.push(v.clone());
            let text = match default {
                Some(d) => format!("ARG {v}={}", quote_if_needed(d)),
                None => format!("ARG {v}"),
            };
            push(
                &mut final_stage,
                text,
                "an ARG a carried instruction uses (ARGs do not cross FROM)",
            );
        }
    }
    if !runtime_packages.is_empty() {
        let cmd = match flavor {
            Flavor::Alpine => format!("RUN apk add --no-cache {}", runtime_packages.join(" ")),
            _ => format!(
                "RUN apt-get update && apt-get install -y --no-install-recommends {} && rm -rf /var/lib/apt/lists/*",
                runtime_packages.join(" ")
            ),
        };
        push(
            &mut final_stage,
            cmd,
            "run-time system packages the builder installed",
        );
    }
    for tool in &tools_needed {
        push(
            &mut final_stage,
            format!("RUN {tool}"),
            "a program the HEALTHCHECK runs",
        );
    }
    for g in &global_installs {
        push(
            &mut final_stage,
            format!("RUN {g}"),
            "a global package the start command uses",
        );
    }
    if creates_users && has_shell {
        push(
            &mut final_stage,
            format!("RUN {}", user_commands.join(" && ")),
            "the users and groups the builder created, created again",
        );
    } else if creates_users {
        push(
            &mut final_stage,
            format!("COPY --from={builder_name} /etc/passwd /etc/passwd"),
            "users the builder created",
        );
        push(
            &mut final_stage,
            format!("COPY --from={builder_name} /etc/group /etc/group"),
            "groups the builder created",
        );
    }
    // A WORKDIR after USER creates the directory owned by that user: keep
    // that order, so the application may write to its own directory as before.
    let user_first = user_before_workdir(facts);
    if let Some(u) = user_first {
        push(
            &mut final_stage,
            file.text(u.text_span.clone()).to_string(),
            "the original's USER, set before its WORKDIR as there",
        );
    }
    push(
        &mut final_stage,
        format!("WORKDIR {app_dir}"),
        "the application directory, at the same path",
    );
    let owner = app_owner(facts, &app_dir);
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
    push(
        &mut final_stage,
        format!("COPY --from={builder_name}{chown} {app_dir} {app_dir}"),
        "the application, with production dependencies only",
    );
    let mut extra: Vec<String> = Vec::new();
    for c in &facts.copies {
        if is_within(&c.dest, &app_dir) {
            continue;
        }
        let paths = copied_targets(c, ctx);
        let Some(paths) = paths else {
            return refuse(
                c.instruction.start_line,
                format!(
                    "cannot tell which files `{}` puts outside the application directory",
                    file.text(c.instruction.text_span.clone())
                        .lines()
                        .next()
                        .unwrap_or("")
                ),
            );
        };
        for p in paths {
            if !extra.contains(&p) {
                extra.push(p);
            }
        }
    }
    for p in &extra {
        push(
            &mut final_stage,
            format!("COPY --from={builder_name} {p} {p}"),
            "a file the original copied outside the application directory",
        );
    }
    if creates_users && distroless {
        warnings.push(Warning {
            line: None,
            message: "distroless: /etc/passwd and /etc/group come from the builder".into(),
        });
    }
    let _ = user;
    for i in &carried {
        let text = file.text(i.text_span.clone()).to_string();
        let is_cmd = facts.cmd.is_some_and(|c| std::ptr::eq(c, *i));
        if is_cmd && (distroless || rewrite_cmd_to_node) {
            let args = if rewrite_cmd_to_node {
                let mut a = resolved_node_args.clone().unwrap_or_default();
                if !distroless {
                    a.insert(0, "node".into());
                }
                warnings.push(Warning {
                    line: Some(i.start_line),
                    message: format!("`{start_text}` is run as the node command its script runs, since the {} image lacks {}", flavor.name(), uses_pm.clone().unwrap_or_default()),
                });
                a
            } else {
                let words = match &i.form {
                    Some(Form::Exec(items)) => items.clone(),
                    Some(Form::Shell(s)) => {
                        shell::commands(s).into_iter().next().unwrap_or_default()
                    }
                    None => Vec::new(),
                };
                match words.first().map(String::as_str) {
                    Some("node") => words[1..].to_vec(),
                    Some(p) if p.starts_with('-') => words,
                    _ => {
                        return refuse(i.start_line, format!("distroless node runs node itself: `{text}` does not start with node; use the slim flavour"));
                    }
                }
            };
            let json = serde_json::to_string(&args).unwrap_or_default();
            let json = json.replace("\",\"", "\", \"");
            push(
                &mut final_stage,
                format!("CMD {json}"),
                if distroless {
                    "distroless node's entrypoint is node: the same argv runs"
                } else {
                    "the script's node command"
                },
            );
            continue;
        }
        push(
            &mut final_stage,
            text,
            "the original's runtime configuration",
        );
    }
    if distroless && facts.cmd.is_none() {
        warnings.push(Warning {
            line: None,
            message: "no CMD: distroless node starts node with no script, as node images do".into(),
        });
    }

    Decision::Rewrite(Plan {
        language: Language::Node,
        flavor,
        builder_name,
        builder_image: image.raw.clone(),
        runtime_image,
        builder_edits,
        final_stage,
        warnings,
    })
}

fn quote_if_needed(value: &str) -> String {
    if value.is_empty() || value.contains(char::is_whitespace) || value.contains('"') {
        format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
    } else {
        value.to_string()
    }
}

/// The package manager: the lock file first, else the commands used.
fn detect_pm<'t>(
    facts: &StageFacts,
    ctx: &Context,
    t: &'t NodeTemplate,
) -> Option<&'t PackageManager> {
    for pm in &t.package_managers {
        if pm.lock_files.iter().any(|l| ctx.has(l)) {
            return Some(pm);
        }
    }
    for run in facts.runs() {
        let text = run.form.as_ref().map(form_text).unwrap_or_default();
        for c in shell::commands(&text) {
            let w = shell::program_words(&c);
            for pm in &t.package_managers {
                if w.first() == Some(&pm.name) {
                    let joined = w.join(" ");
                    if pm
                        .install_commands
                        .iter()
                        .any(|ic| joined == *ic || joined.starts_with(&format!("{ic} ")))
                    {
                        return Some(pm);
                    }
                }
            }
        }
    }
    None
}

/// The `RUN`s that install dependencies.
fn install_runs<'a>(facts: &StageFacts<'a>, pm: Option<&PackageManager>) -> Vec<PmRun<'a>> {
    let Some(pm) = pm else { return Vec::new() };
    let mut out = Vec::new();
    for run in facts.runs() {
        let text = run.form.as_ref().map(form_text).unwrap_or_default();
        for c in shell::commands(&text) {
            let w = shell::program_words(&c).to_vec();
            let joined = w.join(" ");
            let global = w.iter().any(|x| x == "-g" || x == "--global");
            if !global
                && pm
                    .install_commands
                    .iter()
                    .any(|ic| joined == *ic || joined.starts_with(&format!("{ic} ")))
            {
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

/// The last `RUN` that runs a Node.js tool: the prune goes after it.
fn last_node_run<'a>(facts: &StageFacts<'a>, t: &NodeTemplate) -> Option<&'a Instruction> {
    facts
        .runs()
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

/// The last `USER`, when it comes before the last `WORKDIR` and is not root.
fn user_before_workdir<'a>(facts: &StageFacts<'a>) -> Option<&'a Instruction> {
    let user = facts.user?;
    let name = facts.user_name()?;
    if name == "root" || name == "0" {
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
/// copy into it, or the non-root user that installed into it.
fn app_owner(facts: &StageFacts, app_dir: &str) -> Option<String> {
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
                if let Some(u) = &user {
                    let name = u.split(':').next().unwrap_or("");
                    if name != "root" && name != "0" {
                        owner = Some(u.clone());
                    }
                }
            }
            _ => {}
        }
    }
    owner
}

/// The absolute paths a copy outside the application directory created, or
/// `None` when they cannot be told (globs, a system directory).
fn copied_targets(c: &crate::plan::CopyFact, ctx: &Context) -> Option<Vec<String>> {
    const SYSTEM: &[&str] = &[
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
        if !plain || !is_file {
            if SYSTEM.contains(&dest) {
                return None;
            }
            return Some(vec![dest.to_string()]);
        }
        let base = s.trim_end_matches('/').rsplit('/').next().unwrap_or(s);
        out.push(format!("{}/{base}", dest.trim_end_matches('/')));
    }
    Some(out)
}
