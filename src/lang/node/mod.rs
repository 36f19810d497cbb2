//! The Node.js logic that the template's data cannot express, and the plan
//! it leads to. `image` reads node tags and picks the runtime image,
//! `project` reads `package.json`, the lock files and the installs, `start`
//! reads what the start command runs; this module decides the builder edits
//! and the final stage. Every refusal says why and where.

use std::collections::BTreeSet;

use crate::assemble::{refused, LanguagePlan, Payload, Stop};
use crate::carry;
use crate::codes::Code;
use crate::codes::{Reason, Warning};
use crate::context::Context;
use crate::facts::{variables, StageFacts};
use crate::lang::{Input, Registration, Rules};
use crate::parse::{Dockerfile, Form, ImageRef, Instruction, Stage};
use crate::paths::is_within;
use crate::plan::{BuilderEdit, Flavor};
use crate::shell::{self, Command, NoScripts, Scope, Step};
use crate::template::{check_section, typed};

mod image;
mod lock;
mod needs;
mod project;
mod prune;
mod replay;
mod requires;
mod rules;
mod start;

pub use rules::{NodeRules, NodeTemplate, PackageManager};

use image::*;
use lock::*;
use needs::*;
use project::*;
use prune::*;
use replay::*;
use start::*;

/// A Bun project, which runs on oven/bun images, not node.
const BUN_PROJECT: Code = Code::Language {
    name: "bun-project",
    description: "a Bun project, which runs on oven/bun images",
};

/// The command does not start with `node`, as distroless node needs.
const NOT_A_NODE_COMMAND: Code = Code::Language {
    name: "not-a-node-command",
    description: "the command does not start with node, as distroless node requires",
};

/// The start command runs as the `node …` its script runs.
const COMMAND_AS_NODE: Code = Code::Language {
    name: "command-as-node",
    description: "the start command runs as the node command its script runs",
};

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
        codes: &[BUN_PROJECT, NOT_A_NODE_COMMAND, COMMAND_AS_NODE],
    }
}

/// The Node.js rules with their template.
struct Node {
    t: NodeTemplate,
}

impl Rules for Node {
    fn plan<'a>(&self, input: &Input<'a>) -> Result<LanguagePlan<'a>, Stop> {
        plan_rewrite(
            input.file,
            input.stage,
            input.facts,
            input.ctx,
            &self.t,
            input.flavor,
        )
    }
}

/// The Node.js plan: the decisions that are Node's own, in neutral terms.
fn plan_rewrite<'a>(
    file: &Dockerfile,
    stage: &Stage,
    facts: &'a StageFacts<'a>,
    ctx: &Context,
    t: &NodeTemplate,
    asked: Option<Flavor>,
) -> Result<LanguagePlan<'a>, Stop> {
    let from = facts.from;
    let line = from.start_line;
    let mut warnings = Vec::new();

    // The builder image.
    let (image, platform, tag) = builder(stage, facts, ctx, t)?;

    // No CMD and no ENTRYPOINT: a base image.
    crate::lang::stage::check_starts(facts, "dev dependencies and tools")?;

    // The application directory: the WORKDIR in force at the end.
    let app_dir = crate::lang::stage::app_dir(facts)?;

    // Dependencies and what starts the application.
    let manifest = read_manifest(facts, ctx, t);
    let downloads = check_downloads(facts, t, &manifest, &app_dir)?;
    let pm = detect_pm(facts, ctx, t);
    let installs = install_runs(facts, pm);
    // No WORKDIR (or `/`): the folder the project was copied to and
    // installed in is the application directory; only a project in `/`
    // itself is replayed.
    let app_dir = if app_dir == "/" {
        project_dir(facts, &installs).unwrap_or(app_dir)
    } else {
        app_dir
    };
    let mut start = StartCommand::read(facts, ctx, &manifest, t, &mut warnings)?;
    let mut global_runs = global_installs(facts);
    // A start through pnpm or yarn berry that corepack gave the builder:
    // the same release is activated in the final stage, for root (corepack
    // keeps it in root's home) on an image that bundles corepack.
    let corepack_bundled = tag
        .major
        .is_some_and(|m| m < t.rules.corepack_bundled_below);
    let runs_as_root = facts
        .user_name()
        .as_deref()
        .is_none_or(crate::facts::is_root);
    if let Some(pm_name) = start.package_manager.as_deref() {
        // (Plug'n'Play keeps the packages in yarn's global cache, in the
        // builder's home: not there.)
        let needs_corepack =
            pm_name == "pnpm" || (pm_name == "yarn" && start.yarn_berry && !start.yarn_pnp);
        let has_it = global_runs
            .iter()
            .any(|(_, w)| w.iter().any(|x| x.starts_with(pm_name)));
        // A script that is a plain `node …` runs as that instead (smaller).
        let plain = start.node_args.is_some() && !start.yarn_pnp;
        if needs_corepack && !plain && !has_it && corepack_bundled && runs_as_root {
            global_runs.extend(corepack_activation(facts, &manifest, pm_name));
        }
    }
    let globals = reinstall_commands(&global_runs);
    let dev_installed = installs
        .iter()
        .any(|r| installs_dev(r, facts, pm, &manifest));
    dev_dependencies_kept(
        facts,
        dev_installed,
        &mut start,
        pm,
        &manifest,
        &installs,
        &mut warnings,
    );

    // The flavour and its image.
    let (flavor, runtime_image) =
        choose_runtime(facts, ctx, t, image, &tag, pm, dev_installed, asked)?;

    // On the builder's own lean image, with no dev dependency pruned and no
    // build tool left behind, the final stage drops only what the build left
    // outside the application: the package manager's cache, say. Say so.
    let pruned = dev_installed && start.dev_dependency.is_none();
    let same_image = runtime_image.split('@').next() == image.raw.split('@').next();
    // yarn 1 comes with the official images below a major; on the builder's
    // own image (a floating `node:alpine` too) the runtime has whatever yarn
    // the original ran with.
    let yarn_bundled = same_image || tag.major.is_some_and(|m| m < t.rules.yarn_bundled_below);
    warnings.extend(small_gain(
        facts,
        t,
        &tag,
        same_image && !pruned,
        &runtime_image,
        &app_dir,
    ));

    let copied = carry::copied_files(facts);
    let glibc_to_musl = flavor == Flavor::Alpine && tag.variant != Variant::Alpine;
    // Whether the dev dependencies stay is settled only by the prune below
    // (a pnpm workspace keeps them): a dev dependency's run-time package is
    // installed wherever they were installed, which costs at worst a
    // package, where a missing one breaks the app.
    let packages = final_packages(
        facts,
        t,
        flavor,
        glibc_to_musl,
        &manifest,
        dev_installed,
        &mut warnings,
    )?;
    // A global install only the build uses (`npm install -g typescript`) is
    // not made again.
    let (global_runs, globals) = {
        let healthcheck = healthcheck_programs(facts);
        let without_globals = Provided {
            app_dir: &app_dir,
            copied: &copied,
            manifest: &manifest,
            globals: &[],
            packages: &packages,
        };
        let needed = healthcheck.as_ref().is_none_or(|h| {
            uses_globals(t, facts, flavor, &start, h, &without_globals, yarn_bundled)
        });
        let mut kept = (Vec::new(), Vec::new());
        for ((run, words), command) in global_runs.into_iter().zip(globals) {
            if needed || !build_only_global(t, facts, run, &words) {
                kept.0.push((run, words));
                kept.1.push(command);
            } else {
                warnings.push(Warning::new(
                    Code::GlobalOnlyForBuild,
                    Some(run.start_line),
                    format!(
                        "`{}` installs build tools and is not made again in the final stage: nothing the final stage runs uses them",
                        words.join(" ")
                    ),
                ));
            }
        }
        kept
    };
    let cmd_as_node = starts_on_image(facts, yarn_bundled, flavor, &global_runs, &globals, &start)?;
    let tools = crate::runtime::healthcheck_tools(
        facts,
        ctx,
        flavor,
        t,
        node_on_path(flavor),
        &copied,
        same_image,
        &mut warnings,
    )?;
    check_archived_release(t, flavor, &runtime_image, &tag, &packages, &tools, line)?;
    let provided = Provided {
        app_dir: &app_dir,
        copied: &copied,
        manifest: &manifest,
        globals: &globals,
        packages: &packages,
    };
    check_start_programs(t, flavor, &start, &provided)?;

    // Edits in the builder: the prune after the build.
    let mut builder_edits = Vec::new();
    if dev_installed && start.dev_dependency.is_none() {
        let dev_installs: Vec<PmRun> = installs
            .into_iter()
            .filter(|r| installs_dev(r, facts, pm, &manifest))
            .collect();
        builder_edits.extend(prune_edit(
            file,
            facts,
            pm,
            &dev_installs,
            &tag,
            &manifest,
            &app_dir,
            &mut warnings,
        )?);
    }

    let cmd = command_for(file, facts, &start, flavor, cmd_as_node, &mut warnings)?;
    Ok(LanguagePlan {
        language: t.language.clone(),
        flavor,
        runtime_image,
        shell: t.flavors.get(flavor).has_shell(),
        known_users: t.flavors.get(flavor).users.clone(),
        user_ids: t.base_config.user_ids.clone(),
        program_paths: if glibc_to_musl {
            t.alpine_paths.clone()
        } else {
            Default::default()
        },
        builder_image: image.raw.clone(),
        platform,
        glibc_to_musl,
        builder_edits,
        // No WORKDIR: the application directory would be `/`, the whole
        // builder; the copies are replayed instead.
        payload: if app_dir == "/" {
            let known_users = t.flavors.get(flavor).users.as_deref();
            Payload::Replay(replay_paths(
                facts,
                ctx,
                &manifest,
                pm,
                &start,
                known_users,
                &t.cache_dirs,
            )?)
        } else {
            Payload::AppDir(app_dir)
        },
        // Say what really happens: dev dependencies stay where a warning says so.
        payload_why: if warnings.iter().any(|w| w.code == Code::DevDependenciesKept) {
            "the application, with its dev dependencies (kept: see the warnings)".into()
        } else {
            "the application, with production dependencies only".into()
        },
        packages,
        tools,
        reinstall: global_runs
            .iter()
            .map(|(run, _)| *run)
            .zip(globals)
            .map(|(run, g)| (g, run))
            .collect(),
        cache_dirs: t.cache_dirs.clone(),
        builder_only: Vec::new(),
        // The package managers, and the bins of the packages they install,
        // which write in the project they build.
        own_commands: crate::lang::stage::own_commands(facts, t, |c| {
            t.rules.package_bins.contains_key(c.name())
        }),
        tool_variables: t.tool_variables.clone(),
        tool_copies: Vec::new(),
        builder_paths: downloads,
        builder_files: Vec::new(),
        env: Vec::new(),
        env_line: None,
        cmd,
        entrypoint: None,
        warnings,
    })
}

/// The flavour (asked for, or the builder's C library) and its runtime
/// image; or why there is nothing to gain.
#[allow(clippy::too_many_arguments)]
fn choose_runtime(
    facts: &StageFacts,
    ctx: &Context,
    t: &NodeTemplate,
    image: &ImageRef,
    tag: &NodeTag,
    pm: Option<&PackageManager>,
    dev_installed: bool,
    asked: Option<Flavor>,
) -> Result<(Flavor, String), Stop> {
    let line = facts.from.start_line;
    let flavor = asked.unwrap_or(if tag.variant == Variant::Alpine {
        Flavor::Alpine
    } else {
        Flavor::Slim
    });
    // The lock file is read for native code only when alpine from glibc asks.
    let needs_native = flavor == Flavor::Alpine && tag.variant != Variant::Alpine;
    let native = if needs_native {
        read_native(ctx, pm)
    } else {
        Native::default()
    };
    let runtime_image = runtime_image(tag, flavor, &native, t, line)?;
    // The builder's own image (alpine to alpine): its reference as written,
    // digest and all.
    let written = image.raw.split('@').next().unwrap_or(&image.raw);
    let runtime_image = if runtime_image == written {
        image.raw.clone()
    } else {
        runtime_image
    };
    if matches!(tag.variant, Variant::Slim | Variant::Alpine)
        && !has_build_step(facts, t)
        && !dev_installed
        && !carry::installs_build_tools(facts, t)
        && asked.is_none()
    {
        return Err(Stop::Unchanged(Reason::at(
            Code::NothingToGain,
            line,
            format!("the base `{}` is already lean and there is no build step or dev dependency to drop", image.raw),
        )));
    }

    Ok((flavor, runtime_image))
}

/// The CMD the final stage runs instead of the original's: the script's
/// node command, or without `node` for distroless, whose entrypoint is node.
fn command_for(
    file: &Dockerfile,
    facts: &StageFacts,
    start: &StartCommand,
    flavor: Flavor,
    cmd_as_node: bool,
    warnings: &mut Vec<Warning>,
) -> Result<Option<(Vec<String>, String)>, Stop> {
    let distroless = flavor == Flavor::Distroless;
    let cmd = match facts.cmd {
        Some(i) if distroless || cmd_as_node => {
            Some(final_cmd(file, i, start, flavor, cmd_as_node, warnings)?)
        }
        _ => None,
    };
    if distroless && facts.cmd.is_none() {
        warnings.push(Warning::new(
            Code::NoCmd,
            None,
            "no CMD: distroless node starts node with no script, as node images do",
        ));
    }
    Ok(cmd)
}

/// The programs the `HEALTHCHECK` runs, as written (none without one);
/// `None` where the reader cannot tell.
fn healthcheck_programs(facts: &StageFacts) -> Option<Vec<String>> {
    let Some(h) = facts.healthcheck else {
        return Some(Vec::new());
    };
    match h.healthcheck() {
        Some(crate::parse::HealthcheckArgs::Cmd(form)) => crate::runtime::programs_run(
            &form,
            h.start_line,
            &Scope::at("/", "root"),
            &shell::NoScripts,
        )
        .ok(),
        _ => Some(Vec::new()),
    }
}

/// `node` is on the runtime image's `PATH`, but for distroless, whose
/// `node` is `/nodejs/bin/node` (its entrypoint), not on `PATH`.
fn node_on_path(flavor: Flavor) -> &'static [&'static str] {
    if flavor == Flavor::Distroless {
        &[]
    } else {
        &["node"]
    }
}

/// The global installs as commands to run again, each word quoted for sh;
/// a corepack activation with the `corepack enable` its shims need.
fn reinstall_commands(global_runs: &[(&Instruction, Vec<String>)]) -> Vec<String> {
    global_runs
        .iter()
        .map(|(_, w)| {
            let command = w
                .iter()
                .map(|x| shell::quote(x))
                .collect::<Vec<_>>()
                .join(" ");
            if w.first().map(String::as_str) == Some("corepack") {
                format!("corepack enable && {command}")
            } else {
                command
            }
        })
        .collect()
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
            BUN_PROJECT,
            format!(
                "{lock} in the build context: this is a Bun project, which runs on oven/bun images; slimfile does not rewrite Bun projects yet"
            ),
        )));
    }
    let (image, platform) = crate::lang::stage::builder_image(stage, facts)?;
    if !t.detect.images.iter().any(|r| r == image.official_name()) {
        return Err(refused(
            Code::UnofficialImage,
            line,
            format!("the base image `{}` is not the official node image; slimfile only maps node images to their runtime counterparts", image.raw),
        ));
    }
    let tag = read_tag(image, facts, t).map_err(|e| refused(Code::UnknownTag, line, e))?;

    Ok((image, platform, tag))
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
            COMMAND_AS_NODE,
            Some(i.start_line),
            format!(
                "`{}` is run as the node command its script runs, since the {} image lacks {}",
                start.text,
                flavor.name(),
                if start.yarn_berry {
                    "yarn berry (its yarn is yarn 1)".to_string()
                } else {
                    start.package_manager.clone().unwrap_or_default()
                }
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
                    NOT_A_NODE_COMMAND,
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
