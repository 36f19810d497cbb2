//! The Node.js logic that the template's data cannot express, and the plan
//! it leads to. `image` reads node tags and picks the runtime image,
//! `project` reads `package.json`, the lock files and the installs, `start`
//! reads what the start command runs; this module decides the builder edits
//! and the final stage. Every refusal says why and where.

use std::collections::BTreeSet;

use crate::assemble::{assemble, refused, LanguagePlan, Payload, Stop};
use crate::carry;
use crate::codes::Code;
use crate::codes::{Reason, Warning};
use crate::context::Context;
use crate::facts::{variables, StageFacts};
use crate::lang::{Input, Registration, Rules};
use crate::parse::{Dockerfile, Form, ImageRef, Instruction, Stage};
use crate::paths::is_within;
use crate::plan::{BuilderEdit, Decision, Flavor, Plan};
use crate::shell::{self, Command, NoScripts, Scope, Step};
use crate::template::{check_section, typed};

/// What `--flavor` and friends ask of the Node planner.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    pub flavor: Option<Flavor>,
}

mod image;
mod project;
mod rules;
mod start;

pub use rules::{NodeRules, NodeTemplate, PackageManager};

use image::*;
use project::*;
use start::*;

/// Node.js in the registry: its template, its rules, and the check of a
/// user's override with the rules' own types.
pub fn registration() -> Registration {
    Registration {
        id: "node",
        template: include_str!("../../../templates/node.toml"),
        load: Some(|table| {
            Ok(Box::new(Node {
                t: typed::<NodeRules>(table)?,
            }))
        }),
        check: check_section::<NodeTemplate>,
    }
}

/// The Node.js rules with their template.
struct Node {
    t: NodeTemplate,
}

impl Rules for Node {
    fn plan(&self, input: &Input) -> Decision {
        plan(
            input.file,
            input.stage,
            input.facts,
            input.ctx,
            &self.t,
            Options {
                flavor: input.flavor,
            },
        )
    }
}

/// The Node.js planner: a rewrite, or why not.
pub fn plan(
    file: &Dockerfile,
    stage: &Stage,
    facts: &StageFacts,
    ctx: &Context,
    t: &NodeTemplate,
    opts: Options,
) -> Decision {
    match plan_rewrite(file, stage, facts, ctx, t, opts) {
        Ok(plan) => Decision::Rewrite(plan),
        Err(Stop::Unchanged(reason)) => Decision::Unchanged(reason),
        Err(Stop::Refused(reason)) => Decision::Refused(reason),
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
            Code::ShellFormNoShell,
            h.start_line,
            "HEALTHCHECK is in shell form and distroless has no shell",
        )
        .hint("use the slim flavour"));
    }
    let mut lines = Vec::new();
    for p in programs_run(&form, h.start_line)? {
        let on_image = match flavor {
            Flavor::Slim => t.base_config.programs.slim.contains(&p),
            Flavor::Alpine => t.base_config.programs.alpine.contains(&p),
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
                Code::HealthcheckToolMissing,
                h.start_line,
                format!(
                    "HEALTHCHECK runs `{p}`, which the {} image does not have",
                    flavor.name()
                ),
            )
            .hint("use the slim flavour or check with node"));
        };
        let line = install.to_string();
        if !lines.contains(&line) {
            lines.push(line);
            warnings.push(Warning::new(
                Code::HealthcheckToolInstalled,
                Some(h.start_line),
                format!(
                    "HEALTHCHECK runs {p}, which the {} image lacks: installed in the final stage",
                    flavor.name()
                ),
            ));
        }
    }
    Ok(lines)
}

/// The programs a command runs (`HEALTHCHECK CMD curl … || exit 1` runs
/// `curl` and `exit`; `sh -c "…"` runs `sh` and what the script runs), as
/// written; a refusal where the reader cannot tell.
fn programs_run(form: &Form, line: usize) -> Result<Vec<String>, Stop> {
    let scope = Scope::at("/", "root");
    let steps = match form {
        Form::Exec(argv) => shell::read_argv(argv, &scope, &NoScripts),
        Form::Shell(s) => shell::read(s, &scope, &NoScripts),
    };
    let mut programs: Vec<String> = Vec::new();
    let mut add = |p: &str| {
        // Shell keywords that are not programs on the image.
        if !matches!(p, "exec" | "command" | "builtin" | "time") && !programs.iter().any(|x| x == p)
        {
            programs.push(p.to_string());
        }
    };
    for step in &steps {
        match step {
            Step::Run(c) => {
                c.via
                    .iter()
                    .for_each(|v| add(v.split(' ').next().unwrap_or(v)));
                add(&c.program);
            }
            Step::Unknown(u) => match &u.program {
                Some(p) => {
                    u.via
                        .iter()
                        .for_each(|v| add(v.split(' ').next().unwrap_or(v)));
                    add(p)
                }
                None => {
                    return Err(refused(
                        Code::UnknownCommand,
                        line,
                        format!("cannot tell what `{}` runs: {}", u.text, u.reason),
                    ))
                }
            },
        }
    }
    Ok(programs)
}

fn plan_rewrite(
    file: &Dockerfile,
    stage: &Stage,
    facts: &StageFacts,
    ctx: &Context,
    t: &NodeTemplate,
    opts: Options,
) -> Result<Plan, Stop> {
    let from = facts.from;
    let line = from.start_line;
    let mut warnings = Vec::new();

    // The builder image.
    let (image, platform, tag) = builder(stage, facts, ctx, t)?;

    // The application directory: the WORKDIR in force at the end.
    let app_dir = facts.app_dir().ok_or_else(|| {
        refused(
            Code::VariableWorkdir,
            line,
            "a WORKDIR uses a variable whose value is not known here",
        )
        .hint("write the path")
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
    dev_dependencies_kept(dev_installed, &mut start, pm, ctx, &installs, &mut warnings);

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
            Code::NothingToGain,
            line,
            format!("the base `{}` is already lean and there is no build step or dev dependency to drop", image.raw),
        )));
    }

    // Past here there is something to gain, and it needs an application folder.
    if !facts.has_workdir || app_dir == "/" {
        return Err(Stop::Refused(
            Reason::file(
                Code::NoWorkdir,
                "no WORKDIR: the application directory would be / (the whole builder image)",
            )
            .hint("add a WORKDIR for the application and copy it there"),
        ));
    }

    let cmd_as_node = starts_on_image(facts, t, &tag, flavor, &global_runs, &globals, &start)?;
    let copied = carry::copied_files(facts);
    let tools = healthcheck_tools(facts, flavor, t, &copied, &mut warnings)?;
    let packages = final_packages(facts, t, flavor, &manifest, &mut warnings)?;
    let provided = Provided {
        app_dir: &app_dir,
        copied: &copied,
        manifest: &manifest,
        globals: &globals,
        packages: &packages,
    };
    check_start_programs(t, flavor, &start, &provided)?;
    // What RUN steps wrote outside the application directory is copied too.
    let glibc_to_musl = flavor == Flavor::Alpine && tag.variant != Variant::Alpine;
    let written_outside =
        crate::assemble::written_outside(facts, &app_dir, &copied, &t.cache_dirs, glibc_to_musl)?;
    crate::assemble::warn_root(facts, &mut warnings);

    // Edits in the builder: the prune after the build.
    let mut builder_edits = Vec::new();
    if dev_installed && start.dev_dependency.is_none() {
        builder_edits.extend(prune_edit(
            file,
            facts,
            t,
            pm,
            &installs,
            &tag,
            &app_dir,
            &mut warnings,
        )?);
    }

    // The CMD the final stage runs: the script's node command, or without
    // `node` for distroless, whose entrypoint is node.
    let cmd = match facts.cmd {
        Some(i) if distroless || cmd_as_node => Some(final_cmd(
            file,
            i,
            &start,
            flavor,
            cmd_as_node,
            &mut warnings,
        )?),
        _ => None,
    };
    if distroless && facts.cmd.is_none() {
        warnings.push(Warning::new(
            Code::NoCmd,
            None,
            "no CMD: distroless node starts node with no script, as node images do",
        ));
    }
    assemble(
        file,
        facts,
        ctx,
        LanguagePlan {
            language: t.language.clone(),
            flavor,
            runtime_image,
            builder_image: image.raw.clone(),
            platform,
            glibc_to_musl: flavor == Flavor::Alpine && tag.variant != Variant::Alpine,
            builder_edits,
            payload: Payload::AppDir(app_dir),
            packages,
            tools,
            reinstall: global_runs
                .iter()
                .map(|(run, _)| *run)
                .zip(globals)
                .map(|(run, g)| (g, run))
                .collect(),
            written_outside,
            cmd,
            warnings,
        },
    )
}

/// The builder's image, its constant `--platform` and its tag, or why the
/// rewrite cannot start from it.
fn builder<'s>(
    stage: &'s Stage,
    facts: &StageFacts,
    ctx: &Context,
    t: &NodeTemplate,
) -> Result<(&'s ImageRef, Option<String>, NodeTag), Stop> {
    let from = facts.from;
    let line = from.start_line;
    if let Some(lock) = t.rules.files.bun_lock_files.iter().find(|l| ctx.has(l)) {
        return Err(Stop::Refused(Reason::file(
            Code::BunProject,
            format!(
                "{lock} in the build context: this is a Bun project, which runs on oven/bun images; slimfile does not rewrite Bun projects yet"
            ),
        )));
    }
    let image = stage.base.as_ref().ok_or_else(|| {
        refused(
            Code::UnreadableFrom,
            line,
            "cannot read the FROM instruction",
        )
    })?;
    if !t.detect.images.iter().any(|r| r == image.official_name()) {
        return Err(refused(
            Code::UnofficialImage,
            line,
            format!("the base image `{}` is not the official node image; slimfile only maps node images to their runtime counterparts", image.raw),
        ));
    }
    let platform = from.from_args().and_then(|a| a.platform);
    if let Some(p) = platform.as_ref().filter(|p| p.contains("BUILDPLATFORM")) {
        return Err(refused(
            Code::BuildPlatform,
            line,
            format!("FROM --platform={p}: dependencies installed on the build platform are for the wrong platform at run time"),
        )
        .hint("drop --platform or use $TARGETPLATFORM"));
    }
    let tag = read_tag(image, facts, t).map_err(|e| refused(Code::UnknownTag, line, e))?;

    Ok((image, platform, tag))
}

/// Where dev dependencies stay for the start command (a dev dependency it
/// runs, or yarn berry, which cannot prune without a plugin), with a warning.
fn dev_dependencies_kept(
    dev_installed: bool,
    start: &mut StartCommand,
    pm: Option<&PackageManager>,
    ctx: &Context,
    installs: &[PmRun],
    warnings: &mut Vec<Warning>,
) {
    let berry = pm.is_some_and(|p| p.name == "yarn")
        && ctx
            .read("yarn.lock")
            .is_some_and(|l| l.contains("__metadata:"));
    if dev_installed && start.dev_dependency.is_none() && berry {
        warnings.push(Warning::new(
            Code::DevDependenciesKept,
            installs.first().map(|r| r.instruction.start_line),
            "yarn berry prunes only with `yarn workspaces focus --production`, which needs its workspace-tools plugin before yarn 4: dev dependencies are kept",
        ));
        start.dev_dependency = Some("yarn berry".into());
    } else if let (true, Some(dep)) = (dev_installed, &start.dev_dependency) {
        warnings.push(Warning::new(
            Code::DevDependenciesKept,
            Some(start.line),
            format!("the start command needs `{dep}`, a dev dependency: dev dependencies are kept"),
        ));
    }
}

/// Whether what the start command needs can run on the runtime image: the
/// global installs made again, the package manager it runs through (else the
/// `node …` its script runs: `true`), no shell where distroless has none.
fn starts_on_image(
    facts: &StageFacts,
    t: &NodeTemplate,
    tag: &NodeTag,
    flavor: Flavor,
    global_runs: &[(&Instruction, Vec<String>)],
    globals: &[String],
    start: &StartCommand,
) -> Result<bool, Stop> {
    let distroless = flavor == Flavor::Distroless;
    // Global installs are made again in the final stage, with the same tool.
    for (run, words) in global_runs {
        let tool = words[0].as_str();
        let yarn_bundled = tag.major.is_some_and(|m| m < t.rules.yarn_bundled_below);
        let possible = !distroless && (tool == "npm" || (tool == "yarn" && yarn_bundled));
        if !possible {
            return Err(refused(
                Code::GlobalInstallImpossible,
                run.start_line,
                format!(
                    "`{}` installs outside the application directory, and the {} image cannot run it again",
                    words.join(" "),
                    flavor.name(),
                ),
            )
            .hint(format!(
                "use --flavor slim{}",
                if tool == "npm" { "" } else { " or npm install -g" }
            )));
        }
    }

    // The start command must run the same on the runtime image.
    let mut cmd_as_node = false;
    if let Some(p) = start.package_manager.clone() {
        let yarn_bundled = tag.major.is_some_and(|m| m < t.rules.yarn_bundled_below);
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
                    Code::PackageManagerMissing,
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
        return Err(refused(Code::EntrypointOnDistroless, start.line, "ENTRYPOINT is set: distroless node's entrypoint is node itself, and it has no shell for scripts").hint("use the slim flavour"));
    }
    if let (true, Some(Form::Shell(s))) = (distroless, &start.cmd) {
        if shell::needs_a_shell(s) {
            return Err(refused(
                Code::ShellFormNoShell,
                start.line,
                format!("CMD `{s}` is in shell form and needs a shell, which distroless lacks"),
            )
            .hint("write CMD as a JSON array or use the slim flavour"));
        }
    }
    Ok(cmd_as_node)
}

/// The system packages the final stage installs: the run-time ones the
/// builder installed and those its dependencies need, or why the flavour
/// cannot have them.
fn final_packages(
    facts: &StageFacts,
    t: &NodeTemplate,
    flavor: Flavor,
    manifest: &Manifest,
    warnings: &mut Vec<Warning>,
) -> Result<Vec<String>, Stop> {
    let line = facts.from.start_line;
    let distroless = flavor == Flavor::Distroless;
    let mut packages = carry::runtime_packages(facts, |p| t.build_only(p));
    for (dependency, needs) in &t.rules.dependency_packages {
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
            warnings.push(Warning::new(
                Code::RuntimePackageAdded,
                None,
                format!("{dependency} needs {p} at run time: installed in the final stage"),
            ));
        }
    }
    if !packages.is_empty() {
        if distroless {
            return Err(refused(
                Code::SystemPackagesImpossible,
                line,
                format!(
                    "the image installs system packages ({}) that distroless cannot install",
                    packages.join(", ")
                ),
            )
            .hint("use the slim flavour"));
        }
        warnings.push(Warning::new(
            Code::SystemPackagesCarried,
            None,
            format!("system packages {} are taken to be needed at run time and installed in the final stage", packages.join(", ")),
        ));
    }
    Ok(packages)
}

/// What the final stage has besides the image's own programs.
struct Provided<'a> {
    app_dir: &'a str,
    copied: &'a [String],
    manifest: &'a Manifest,
    globals: &'a [String],
    packages: &'a [String],
}

/// Every program the start command runs is on the runtime image, or the
/// rewrite is refused.
fn check_start_programs(
    t: &NodeTemplate,
    flavor: Flavor,
    start: &StartCommand,
    p: &Provided,
) -> Result<(), Stop> {
    let on_image: &[String] = match flavor {
        Flavor::Slim => &t.base_config.programs.slim,
        Flavor::Alpine => &t.base_config.programs.alpine,
        _ => &t.base_config.programs.distroless,
    };
    for program in &start.programs {
        let name = program.rsplit('/').next().unwrap_or(program);
        let provided = matches!(name, "node" | "npm" | "npx" | "yarn" | "pnpm" | "corepack")
            || on_image.iter().any(|p| p == name)
            || (!program.starts_with('/') && program.contains('/'))
            || (program.starts_with('/') && is_within(program, p.app_dir))
            || p.copied.iter().any(|f| f == program || f.ends_with(&format!("/{name}")))
            // npm, yarn and pnpm put the dependencies' bins on the PATH of scripts.
            || p.manifest.dependencies.contains(name)
            || (start.dev_dependency.is_some() && p.manifest.dev_dependencies.contains(name))
            || p.globals.iter().any(|g| g.contains(name.split('-').next().unwrap_or(name)))
            || p.packages.iter().any(|p| p == name)
            || matches!(name, "exec" | "set" | "cd" | "export" | "true" | "exit" | "echo" | "test" | "[");
        if provided {
            continue;
        }
        return Err(refused(
            Code::UnknownProgram,
            start.line,
            format!(
                "the start command runs `{program}`, and slimfile cannot tell where it comes from, so \
                 cannot make sure the {} image has it",
                flavor.name()
            ),
        ));
    }
    Ok(())
}

/// The prune of dev dependencies, after the last step that may use them,
/// where the install ran; or a warning where they stay.
#[allow(clippy::too_many_arguments)]
fn prune_edit(
    file: &Dockerfile,
    facts: &StageFacts,
    t: &NodeTemplate,
    pm: Option<&PackageManager>,
    installs: &[PmRun],
    tag: &NodeTag,
    app_dir: &str,
    warnings: &mut Vec<Warning>,
) -> Result<Option<BuilderEdit>, Stop> {
    let line = facts.from.start_line;
    let pm = pm.ok_or_else(|| {
        refused(
            Code::UnknownPackageManager,
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
    let pruned = facts.run_commands().any(|(_, c)| {
        let words = c.words();
        // A prune on a branch (`if [ "$CI" ]; then npm prune; fi`) may not run.
        c.condition == shell::Condition::Always
            && c.name() == pm.name
            && (words.get(1).map(String::as_str) == Some("prune")
                || (pm.name == "yarn" && words.iter().any(|w| w == "--production")))
    });
    // The prune runs where the install ran (its WORKDIR, or the folder
    // a `cd` took it to), after the last step there.
    let last_install = installs.last().map(|r| r.instruction);
    let install_dir = installs.last().and_then(|r| r.command.dir.as_deref());
    let in_app = install_dir.is_some_and(|d| is_within(d, app_dir));
    if !pruned && in_app {
        let after = last_node_run(facts, t, install_dir)
            .or(last_install)
            .expect("dev dependencies were installed by some RUN");
        let prune = match install_dir {
            Some(d) if facts.workdir_of(after) != Some(d) => {
                format!("cd {} && {prune}", shell::quote(d))
            }
            _ => prune,
        };
        return Ok(Some(BuilderEdit {
            range: after.text_span.end..after.text_span.end,
            text: format!("{}RUN {prune}", file.line_ending()),
            why: "dev dependencies are dropped after the build".into(),
        }));
    } else if !pruned {
        warnings.push(Warning::new(
            Code::DevDependenciesKept,
            last_install.map(|i| i.start_line),
            format!(
                "dependencies were installed in {}, not in the application directory {app_dir}: dev dependencies are kept",
                install_dir.unwrap_or("a folder slimfile cannot tell")
            ),
        ));
    }
    Ok(None)
}

/// The final stage's `CMD` for distroless node (the same argv without
/// `node`, its entrypoint) or for an image without the package manager the
/// start script runs through (the `node …` the script runs).
fn final_cmd(
    file: &Dockerfile,
    i: &Instruction,
    start: &StartCommand,
    flavor: Flavor,
    cmd_as_node: bool,
    warnings: &mut Vec<Warning>,
) -> Result<(Vec<String>, String), Stop> {
    let distroless = flavor == Flavor::Distroless;
    let args = if cmd_as_node {
        warnings.push(Warning::new(
            Code::CommandAsNode,
            Some(i.start_line),
            format!(
                "`{}` is run as the node command its script runs, since the {} image lacks {}",
                start.text,
                flavor.name(),
                start.package_manager.clone().unwrap_or_default()
            ),
        ));
        let mut a = start.node_args.clone().unwrap_or_default();
        if !distroless {
            a.insert(0, "node".into());
        }
        a
    } else {
        let words = match &i.form {
            Some(Form::Exec(items)) => items.clone(),
            Some(Form::Shell(s)) => shell::plain_words(s).unwrap_or_default(),
            None => Vec::new(),
        };
        match words.first().map(String::as_str) {
            Some("node") => words[1..].to_vec(),
            // docker-entrypoint.sh runs `node` for arguments that start with `-`.
            Some(p) if p.starts_with('-') => words,
            _ => {
                return Err(refused(
                    Code::NotANodeCommand,
                    i.start_line,
                    format!(
                        "distroless node runs node itself: `{}` does not start with node",
                        file.text(i.text_span.clone())
                    ),
                )
                .hint("use the slim flavour"))
            }
        }
    };
    let why = if distroless {
        "distroless node's entrypoint is node: the same argv runs"
    } else {
        "the script's node command"
    };
    Ok((args, why.to_string()))
}
