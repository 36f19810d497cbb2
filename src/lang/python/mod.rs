//! The Python logic that the template's data cannot express, and the plan
//! it leads to. `image` reads python tags and picks the runtime image, `pip`
//! reads the installs, `tools` poetry's, pipenv's and uv's commands, `user`
//! user installs, `venv` the virtual environment, `start` what the final
//! stage starts, `checks` what is refused; this module decides where the
//! packages go and assembles the plan. Every refusal says why and where.

use crate::assemble::{refused, LanguagePlan, Payload, Stop};
use crate::carry;
use crate::codes::{Code, Reason};
use crate::context::Context;
use crate::facts::{variables, StageFacts};
use crate::lang::{Input, Registration, Rules};
use crate::parse::{Dockerfile, Form, ImageRef, Instruction, Stage};
use crate::paths::is_within;
use crate::plan::{BuilderEdit, Flavor};
use crate::shell::{self, Command};
use crate::template::{check_section, typed};

mod checks;
mod image;
mod pip;
mod rules;
mod start;
mod tools;
mod user;
mod venv;

pub use rules::{PythonRules, PythonTemplate};

use checks::*;
use image::*;
use pip::*;
use start::*;
use tools::*;
use user::*;
use venv::*;

/// A Python tool whose installs slimfile does not rewrite yet.
const TOOL_NOT_YET: Code = Code::Language {
    name: "python-tool-not-yet",
    description: "a Python tool, or a tool's command or setting, slimfile does not rewrite yet",
};

/// A pip install that puts the packages where no virtual environment holds them.
const PIP_OUTSIDE_VENV: Code = Code::Language {
    name: "pip-outside-venv",
    description: "pip installs outside the virtual environment the final stage copies",
};

/// The original's own virtual environment, which its installs do not use.
const OWN_VIRTUALENV: Code = Code::Language {
    name: "own-virtualenv",
    description:
        "the Dockerfile's own virtual environment cannot be told or is not the one its installs use",
};

/// A pip install into a user's `~/.local`.
const INSTALL_AS_USER: Code = Code::Language {
    name: "install-as-user",
    description: "pip installs into a user's ~/.local (--user, or as a user other than root) that cannot be copied whole",
};

/// An editable install of a folder the final stage does not receive.
const EDITABLE_OUTSIDE_APP: Code = Code::Language {
    name: "editable-outside-app",
    description: "an editable install points at a folder outside the application",
};

/// A start command run directly, without the tool it ran through.
const COMMAND_WITHOUT_TOOL: Code = Code::Language {
    name: "command-without-tool",
    description: "the start command runs directly, without the poetry, pipenv or uv it ran through, which the final stage lacks",
};

/// A later `ENV PATH` that drops the virtual environment's `bin`.
const PATH_DROPS_VENV: Code = Code::Language {
    name: "path-drops-venv",
    description: "an ENV PATH after the installs leaves out the virtual environment's bin",
};

/// A start command that runs the image's interpreter or a program by its
/// path in /usr/local/bin, where the environment's packages are not.
const IMAGE_INTERPRETER: Code = Code::Language {
    name: "image-interpreter",
    description: "the start command runs the image's own interpreter or a program by its /usr/local path, which does not see the virtual environment",
};

/// Python in the registry: its template, its rules, and the check of a
/// user's override with the rules' own types.
pub fn registration() -> Registration {
    Registration {
        id: "python",
        template: include_str!("../../../templates/python.toml"),
        load: Some(|table| {
            Ok(Box::new(Python {
                t: typed::<PythonRules>(table)?,
            }))
        }),
        check: check_section::<PythonTemplate>,
        codes: &[
            TOOL_NOT_YET,
            PIP_OUTSIDE_VENV,
            OWN_VIRTUALENV,
            INSTALL_AS_USER,
            EDITABLE_OUTSIDE_APP,
            COMMAND_WITHOUT_TOOL,
            PATH_DROPS_VENV,
            IMAGE_INTERPRETER,
        ],
    }
}

/// The Python rules with their template.
struct Python {
    t: PythonTemplate,
}

impl Rules for Python {
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

/// The Python plan: the decisions that are Python's own, in neutral terms.
fn plan_rewrite<'a>(
    file: &Dockerfile,
    stage: &Stage,
    facts: &'a StageFacts<'a>,
    ctx: &Context,
    t: &PythonTemplate,
    asked: Option<Flavor>,
) -> Result<LanguagePlan<'a>, Stop> {
    let line = facts.from.start_line;
    let mut warnings = Vec::new();
    let (image, platform, tag) = builder(stage, facts, t)?;

    // No CMD and no ENTRYPOINT: a base image.
    crate::lang::stage::check_starts(facts, "packages and tools")?;
    let app_dir = crate::lang::stage::app_dir(facts)?;

    check_tools(facts, t)?;
    check_tool_commands(facts)?;
    let downloads = nltk_folder_given(facts, t, &app_dir)?;
    let downloaded = crate::runtime::check_downloads(facts, &downloads, |_| false, &app_dir)?;
    let dev_server = dev_server(facts, t);
    let keep_dev = dev_server.is_some();
    warnings.extend(dev_server);
    let installs = pip_installs(facts);
    let project: Vec<&PipInstall> = installs.iter().filter(|i| !i.only_tools(t)).collect();
    for i in &project {
        check_install(i, &app_dir)?;
    }
    // pip --user, or pip as another user (which falls back to a user
    // install): the packages are in that user's ~/.local, copied whole.
    // poetry's or pipenv's environment in the project's .venv, which the
    // tool makes itself: no environment is made for those installs.
    let mut in_project: Vec<(&PipInstall, String)> = Vec::new();
    let mut into_venv: Vec<&PipInstall> = Vec::new();
    for i in &project {
        match in_project_env(facts, ctx, i)? {
            Some(env) => in_project.push((i, env)),
            None => into_venv.push(i),
        }
    }
    if let (Some((tool, env)), Some(other)) = (in_project.first(), into_venv.first()) {
        return Err(refused(
            OWN_VIRTUALENV,
            other.run.start_line,
            format!(
                "{} makes its environment in {env} (line {}), and this {} install needs the virtual environment the rewrite makes, which {} would then use instead",
                tool.installer.name(),
                tool.run.start_line,
                other.installer.name(),
                tool.installer.name()
            ),
        )
        .hint("install everything with one tool, or write the final stage by hand"));
    }
    // `uv pip install --system`: into the interpreter's own site-packages.
    let system = system_site(facts, &tag, &project)?;
    let user_base = user_base(facts, &into_venv)?;
    let venv = if user_base.is_some() || system.is_some() {
        Venv::None
    } else {
        venv(facts, t, &into_venv)?
    };
    // `uv sync`: the project's own environment, which it makes itself.
    let syncs = uv_syncs(facts, ctx, &tag)?;
    if let Some(s) = syncs.iter().find(|s| s.active && venv.path().is_none()) {
        return Err(refused(
            OWN_VIRTUALENV,
            s.run.start_line,
            "uv sync --active installs into VIRTUAL_ENV, and no virtual environment is made before it",
        )
        .hint("make one first (uv venv /opt/venv, ENV VIRTUAL_ENV=/opt/venv), or drop --active"));
    }
    // The environments the tools make in the project, in order.
    let mut sync_envs: Vec<String> = Vec::new();
    let made = syncs
        .iter()
        .filter(|s| !s.active)
        .map(|s| (s.run.start_line, &s.env))
        .chain(in_project.iter().map(|(i, env)| (i.run.start_line, env)));
    let mut made: Vec<(usize, &String)> = made.collect();
    made.sort();
    for (_, env) in made {
        if !sync_envs.contains(env) {
            sync_envs.push(env.clone());
        }
    }

    // The flavour and its image.
    let flavor = asked.unwrap_or(if tag.variant == Variant::Alpine {
        Flavor::Alpine
    } else {
        Flavor::Slim
    });
    let runtime_image = runtime_image(&tag, image, flavor, t, line)?;
    let lean = matches!(tag.variant, Variant::Slim { .. } | Variant::Alpine);
    if lean && asked.is_none() && !carry::installs_build_tools(facts, t) {
        return Err(Stop::Unchanged(Reason::at(
            Code::NothingToGain,
            line,
            format!(
                "the base `{}` is already lean and installs no build tool to drop",
                image.raw
            ),
        )));
    }
    let same_image = runtime_image == image.raw;

    // What the start command runs matters where the builder's full image
    // has programs the runtime lacks; elsewhere a command slimfile cannot
    // read runs on the same image as before.
    let full = matches!(tag.variant, Variant::Full { .. });
    let start_programs = match start_programs(facts, ctx, &app_dir) {
        Ok(p) => p,
        // The scripts an install into the image's interpreter put in
        // /usr/local/bin are copied by name: they must be known.
        Err(e) if full || system.is_some() => return Err(e),
        Err(_) => Vec::new(),
    };
    let mut packages = final_packages(facts, t, flavor, &start_programs);
    let rename = |lib: &str| {
        Some(if flavor == Flavor::Alpine {
            t.package_names
                .get(lib)
                .cloned()
                .unwrap_or_else(|| lib.to_string())
        } else {
            lib.to_string()
        })
    };
    carry::add_dev_libraries(
        facts,
        t,
        |p| t.build_only_packages.iter().any(|b| b == p),
        rename,
        &mut packages,
        &mut warnings,
    );
    // A full builder has the libraries some distributions link or load;
    // slim does not.
    if full && flavor == Flavor::Slim {
        for dist in installed_distributions(ctx, &project) {
            for lib in t
                .rules
                .full_image_libraries
                .get(&dist)
                .into_iter()
                .flatten()
            {
                if !packages.contains(lib) {
                    warnings.push(crate::codes::Warning::new(
                        Code::RuntimePackageAdded,
                        None,
                        format!("{dist} needs {lib} at run time, which the full python image has and slim lacks: installed in the final stage"),
                    ));
                    packages.push(lib.clone());
                }
            }
        }
    }
    // C++ extensions built on alpine (g++, build-base) link libstdc++, which
    // python's alpine image does not carry.
    if flavor == Flavor::Alpine
        && carry::runtime_packages(facts, |_| false)
            .iter()
            .any(|p| p == "build-base" || p == "g++")
        && !packages.iter().any(|p| p == "libstdc++")
    {
        warnings.push(crate::codes::Warning::new(
            Code::RuntimePackageAdded,
            None,
            "g++ was installed to build extensions, which may link libstdc++ at run time: installed in the final stage",
        ));
        packages.push("libstdc++".into());
    }
    // Its console scripts the start runs, from /usr/local/bin.
    let scripts = match &system {
        Some(_) => system_scripts(t, flavor, &start_programs, &packages),
        None => Vec::new(),
    };
    let copied = carry::copied_files(facts);
    // What the application's installs put on PATH (their console scripts
    // are in the virtual environment's bin, by distribution name at least).
    let installed: Vec<String> = project
        .iter()
        .flat_map(|i| i.packages.iter().map(|p| distribution_name(p)))
        .collect();
    let mut own: Vec<&str> = vec!["python", "python3"];
    own.extend(installed.iter().map(String::as_str));
    let tools = crate::runtime::healthcheck_tools(
        facts,
        ctx,
        flavor,
        t,
        &own,
        &copied,
        same_image,
        &mut warnings,
    )?;
    if full {
        check_start_programs(facts, t, flavor, &start_programs, &packages, &copied)?;
    }
    crate::runtime::check_archived_release(
        &crate::runtime::Release {
            flavor,
            runtime_image: &runtime_image,
            codename: tag.codename(),
            frozen: false,
            archived: &t.rules.images.archived_codenames,
        },
        &packages,
        &tools,
        line,
        "build on a supported release (python:<v>-bookworm), or write the final stage by hand",
    )?;

    // The virtual environment, made by root right before the first install
    // of the application's packages (after any install of tools).
    let mut builder_edits = Vec::new();
    // `--no-build-isolation` builds with the tools installed before: they
    // go into the environment too, which is then made before them.
    let no_isolation = project
        .iter()
        .any(|i| i.words.iter().any(|w| w == "--no-build-isolation"))
        || facts.lookup("PIP_NO_BUILD_ISOLATION").is_some();
    let first = if no_isolation {
        installs.first()
    } else {
        into_venv.first().copied()
    };
    if let (Venv::Made(path), Some(first)) = (&venv, first) {
        builder_edits.push(venv_edit(file, facts, first.run, path));
        check_path_keeps(facts, first.run.start_line, path)?;
        check_image_interpreter(facts, &start_programs)?;
    }
    builder_edits.extend(dev_prune(
        file,
        facts,
        &project,
        &syncs,
        keep_dev,
        &mut warnings,
    ));
    let mut env = Vec::new();
    if let Venv::Made(path) = &venv {
        env.push(("VIRTUAL_ENV".to_string(), path.clone()));
        env.push(("PATH".to_string(), format!("{path}/bin:$PATH")));
    }
    let cmd = start_without_tool(facts, &venv, &sync_envs, &mut env, &mut warnings)?;
    // A tool the start runs some other way (`sh -c "poetry run …"`, `poetry
    // run a & poetry run b`): the final stage does not have it.
    if cmd.is_none() {
        let copied_tools = carry::copied_files(facts);
        if let Some(tool) = start_programs.iter().find(|p| {
            let name = p.rsplit('/').next().unwrap_or(p);
            t.tool_programs.iter().any(|t| t == name)
                && !copied_tools
                    .iter()
                    .any(|c| c.ends_with(&format!("/{name}")))
        }) {
            let i = facts
                .entrypoint
                .or(facts.cmd)
                .expect("a start command ran it");
            return Err(refused(
                TOOL_NOT_YET,
                i.start_line,
                format!("the start command runs {tool}, which the final stage does not have, and slimfile cannot run its command directly here"),
            )
            .hint(format!("run the program itself (CMD [\"python\", \"main.py\"]), or `{tool} run X` alone in exec form")));
        }
    }
    let outside: Vec<String> = venv
        .path()
        .or(user_base.as_deref())
        .or(system.as_deref())
        .map(String::from)
        .into_iter()
        .chain(scripts)
        .chain(sync_envs.iter().cloned())
        .collect();
    let (payload, builder_paths) = if app_dir == "/" {
        check_replayable(facts, t, &project)?;
        let known_users = t.flavors.get(flavor).users.as_deref();
        crate::replay::check_replayable(facts, known_users)?;
        (Payload::Replay(outside), Vec::new())
    } else {
        let outside = outside
            .into_iter()
            .filter(|p| !is_within(p, &app_dir))
            .chain(downloaded)
            .collect();
        (Payload::AppDir(app_dir.clone()), outside)
    };
    let payload_why = match (venv.path(), &user_base, &system) {
        (Some(p), _, _) => {
            format!("the application; its packages are in the virtual environment {p}")
        }
        (None, Some(base), _) => {
            format!("the application; its packages are in {base}, where pip --user put them")
        }
        (None, None, Some(site)) => format!(
            "the application; its packages are in the interpreter's own {site}, where uv pip install --system put them"
        ),
        (None, None, None) => match sync_envs
            .iter()
            .filter(|e| is_within(e, &app_dir))
            .collect::<Vec<_>>()
            .as_slice()
        {
            [] => "the application".to_string(),
            envs => format!(
                "the application, with the environment its tool made in it ({})",
                envs.iter().map(|e| e.as_str()).collect::<Vec<_>>().join(", ")
            ),
        },
    };
    Ok(LanguagePlan {
        language: t.language.clone(),
        flavor,
        runtime_image,
        shell: t.flavors.get(flavor).has_shell(),
        known_users: t.flavors.get(flavor).users.clone(),
        user_ids: t.base_config.user_ids.clone(),
        program_paths: Default::default(),
        builder_image: image.raw.clone(),
        platform,
        glibc_to_musl: false,
        builder_edits,
        payload,
        payload_why,
        packages,
        tools,
        reinstall: Vec::new(),
        cache_dirs: t.cache_dirs.clone(),
        builder_only: tool_installer_steps(facts, t),
        // pip, virtual environments, and the downloads judged above.
        own_commands: crate::lang::stage::own_commands(facts, t, |c| {
            let text = c.words().join(" ");
            pip_args(c).is_some()
                || is_venv(c)
                || t.rules
                    .downloads
                    .values()
                    .any(|d| d.commands.iter().any(|k| text.contains(k.as_str())))
        }),
        tool_variables: t.tool_variables.clone(),
        tool_copies: tool_copies(facts, t, &start_programs),
        builder_paths,
        builder_files: Vec::new(),
        env_line: first
            .map(|i| i.run.start_line)
            .filter(|_| matches!(venv, Venv::Made(_))),
        env,
        cmd,
        entrypoint: None,
        warnings,
    })
}

/// The builder's image, its constant `--platform` and its tag, or why the
/// rewrite cannot start from it.
fn builder<'s>(
    stage: &'s Stage,
    facts: &StageFacts,
    t: &PythonTemplate,
) -> Result<(&'s ImageRef, Option<String>, PythonTag), Stop> {
    let from = facts.from;
    let line = from.start_line;
    let (image, platform) = crate::lang::stage::builder_image(stage, facts)?;
    if image.official_name() == "pypy" {
        return Err(refused(
            Code::UnofficialImage,
            line,
            format!("`{}` is the official PyPy image, which slimfile does not map to a runtime image yet", image.raw),
        )
        .hint("write the final stage by hand"));
    }
    if image.official_name() != "python" {
        let apt_python = facts.run_commands().any(|(_, c)| {
            matches!(c.name(), "apt-get" | "apt" | "apk" | "yum" | "dnf")
                && c.words().iter().any(|w| w.starts_with("python"))
        });
        let why = if apt_python {
            format!(
                "the base image `{}` is not the official python image: it installs Python with its system package manager, and slimfile maps only python images to their runtime counterparts",
                image.raw
            )
        } else {
            format!(
                "the base image `{}` is not the official python image; slimfile maps only python images to their runtime counterparts",
                image.raw
            )
        };
        return Err(refused(Code::UnofficialImage, line, why)
            .hint("build FROM python:<version>, or write the final stage by hand"));
    }
    let tag = read_tag(image, facts, t).map_err(|e| refused(Code::UnknownTag, line, e))?;
    Ok((image, platform, tag))
}

/// The copies of a build tool from its image (`COPY --from=ghcr.io/astral-sh/uv
/// /uv /uvx /bin/`), by line, where neither the start command nor the
/// health check runs the tool: the final stage does without them.
fn tool_copies(facts: &StageFacts, t: &PythonTemplate, start_programs: &[String]) -> Vec<usize> {
    let health = facts
        .healthcheck
        .map(|h| h.args.clone())
        .unwrap_or_default();
    facts
        .copies
        .iter()
        .filter(|c| {
            let Some(from) = c.from.as_deref() else {
                return false;
            };
            let image = from.split(['@', ':']).next().unwrap_or(from);
            let Some(tools) = t.rules.tool_images.get(image) else {
                return false;
            };
            // A start through `uv run` is rewritten to run the command itself.
            let rewritten =
                facts.entrypoint.is_none() && facts.cmd.is_some_and(|i| through_tool(i).is_some());
            let used = tools.iter().any(|tool| {
                (!rewritten
                    && start_programs
                        .iter()
                        .any(|p| p.rsplit('/').next() == Some(tool.as_str())))
                    || health
                        .split_whitespace()
                        .any(|w| w.rsplit('/').next() == Some(tool.as_str()))
            });
            !used
        })
        .map(|c| c.instruction.start_line)
        .collect()
}

/// The steps that pipe a build tool's official installer to python or sh,
/// by line and text: what they write stays in the builder.
fn tool_installer_steps(facts: &StageFacts, t: &PythonTemplate) -> Vec<(usize, String)> {
    facts
        .run_unknowns()
        .filter(|(_, u)| {
            t.rules
                .tool_installers
                .iter()
                .any(|url| u.text.contains(url.as_str()))
        })
        .map(|(run, u)| (run.start_line, u.text.clone()))
        .collect()
}

/// The system packages the final stage installs again: those the builder
/// installed that are not build-only.
/// A build-only package that the start command runs (`git`, `curl`) is
/// installed again too.
fn final_packages(
    facts: &StageFacts,
    t: &PythonTemplate,
    flavor: Flavor,
    start_programs: &[String],
) -> Vec<String> {
    if flavor == Flavor::Distroless {
        return Vec::new();
    }
    let run_at_start = |p: &str| {
        start_programs
            .iter()
            .any(|s| s.rsplit('/').next() == Some(p))
    };
    let unused = carry::unused_fetchers(facts);
    carry::runtime_packages(facts, |p| {
        t.build_only(p) && !run_at_start(p) && !unused.iter().any(|u| u == p)
    })
}

/// `python -m venv …` or `virtualenv …`.
fn is_venv(c: &Command) -> bool {
    c.name() == "virtualenv"
        || (is_python(c.name()) && c.words().windows(2).any(|w| w[0] == "-m" && w[1] == "venv"))
}

#[cfg(test)]
mod tests;
