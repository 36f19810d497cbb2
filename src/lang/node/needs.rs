//! What the start command and the dependencies need on the runtime image:
//! the package manager, global installs made again, system packages, every
//! program the command runs.

use super::*;

/// Whether what the start command needs can run on the runtime image: the
/// global installs made again, the package manager it runs through (else the
/// `node …` its script runs: `true`), no shell where distroless has none.
/// `yarn_bundled`: the runtime image has yarn 1 of its own.
pub(super) fn starts_on_image(
    facts: &StageFacts,
    yarn_bundled: bool,
    flavor: Flavor,
    global_runs: &[(&Instruction, Vec<String>)],
    globals: &[String],
    start: &StartCommand,
) -> Result<bool, Stop> {
    let distroless = flavor == Flavor::Distroless;
    // Global installs are made again in the final stage, with the same tool.
    for (run, words) in global_runs {
        let tool = words[0].as_str();
        // corepack is only asked for where the image bundles it.
        let possible = !distroless
            && (tool == "npm" || tool == "corepack" || (tool == "yarn" && yarn_bundled));
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
        let available = !distroless
            && match p.as_str() {
                "npm" => true,
                // The image's yarn is yarn 1; berry needs corepack and its
                // release, which the builder fetched and the runtime lacks.
                // yarn 1 hands over to a release the project holds (`yarnPath`).
                "yarn" => {
                    (yarn_bundled && (!start.yarn_berry || start.yarn_release_in_project))
                        || globals.iter().any(|g| g.contains("corepack prepare yarn@"))
                }
                _ => globals.iter().any(|g| g.contains(p.as_str())),
            };
        match (available, &start.node_args, facts.entrypoint) {
            (true, _, _) => {}
            (false, Some(_), None) if !start.yarn_pnp => cmd_as_node = true,
            (false, _, _) if start.yarn_pnp => {
                return Err(refused(
                    Code::PackageManagerMissing,
                    start.line,
                    format!(
                        "`{}` needs yarn berry at run time, which the {} image lacks, and the project uses Plug'n'Play, so plain `node` cannot find its dependencies",
                        start.text,
                        flavor.name()
                    ),
                )
                .hint("set `nodeLinker: node-modules` in .yarnrc.yml"))
            }
            _ if start.yarn_berry && !distroless => {
                return Err(refused(
                    Code::PackageManagerMissing,
                    start.line,
                    format!(
                        "`{}` needs yarn berry at run time, which the {} image has only through corepack and a download of yarn, and its script is not a plain `node …` command slimfile could run instead",
                        start.text,
                        flavor.name()
                    ),
                )
                .hint("start the app with `node …` in CMD"))
            }
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
pub(super) fn final_packages(
    facts: &StageFacts,
    t: &NodeTemplate,
    flavor: Flavor,
    glibc_to_musl: bool,
    manifest: &Manifest,
    dev_installed: bool,
    warnings: &mut Vec<Warning>,
) -> Result<Vec<String>, Stop> {
    let line = facts.from.start_line;
    let distroless = flavor == Flavor::Distroless;
    let unused = carry::unused_fetchers(facts);
    let mut packages =
        carry::runtime_packages(facts, |p| t.build_only(p) && !unused.iter().any(|u| u == p));
    // apt's names on a Debian builder; apk needs alpine's.
    if glibc_to_musl {
        packages = crate::assemble::alpine_packages(&packages, &t.package_names, line)?;
    }
    let carried = packages.clone();
    // A -dev package the build linked a native module against stands for a
    // run-time library the final stage needs (design.md, "The runtime
    // contract").
    if !distroless {
        // The C library's own headers (`musl-dev`) are listed as build-only.
        let toolchain =
            |p: &str| t.build_only_packages.iter().any(|b| b == p) || p.starts_with("python");
        let rename = |lib: &str| {
            if glibc_to_musl {
                t.package_names.get(lib).cloned()
            } else {
                Some(lib.to_string())
            }
        };
        carry::add_dev_libraries(facts, t, toolchain, rename, &mut packages, warnings);
    }
    for (dependency, needs) in &t.rules.dependency_packages {
        let wanted = match flavor {
            Flavor::Slim => &needs.slim,
            Flavor::Alpine => &needs.alpine,
            _ => continue,
        };
        // Every package the final stage may keep: dev dependencies too,
        // where they were installed.
        let kept = manifest.dependencies.contains(dependency)
            || (dev_installed && manifest.dev_dependencies.contains(dependency));
        if !kept {
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
    if !packages.is_empty() && distroless {
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
    if !carried.is_empty() {
        warnings.push(Warning::new(
            Code::SystemPackagesCarried,
            None,
            format!(
                "system packages {} are taken to be needed at run time and installed in the final stage",
                carried.join(", ")
            ),
        ));
    }
    Ok(packages)
}

/// Whether the final stage has `program` without a global install: the
/// image's own programs and its operating system's, the app's files and
/// the files copied, the dependencies' bins (npm, yarn and pnpm put them on
/// the PATH of scripts), the system packages installed, shell builtins.
fn provides(
    on_image: &[String],
    flavor: Flavor,
    start: &StartCommand,
    p: &Provided,
    program: &str,
    deps_on_path: bool,
) -> bool {
    let name = program.rsplit('/').next().unwrap_or(program);
    on_image.iter().any(|p| p == name)
        || crate::base_images::os_has(flavor, name)
        || (!program.starts_with('/') && program.contains('/'))
        || (program.starts_with('/') && p.app_dir != "/" && is_within(program, p.app_dir))
        || p.copied
            .iter()
            .any(|f| f == program || f.ends_with(&format!("/{name}")))
        || (deps_on_path && p.manifest.dependencies.contains(name))
        // A program of an installed package, inside a script: npm's lock file
        // says whose it is; without one, every package stays where dev
        // dependencies are kept.
        || (deps_on_path
            && start.script_programs.iter().any(|s| s == program)
            && (p.manifest.bins.get(name).is_some_and(|(_, dev)| !dev || start.dev_dependency.is_some())
                || (!p.manifest.bins_from_lock
                    && !p.manifest.bins.contains_key(name)
                    && (start.dev_dependency.is_some() || p.manifest.dev_dependencies.is_empty()))))
        || (deps_on_path
            && start.dev_dependency.is_some()
            && p.manifest.dev_dependencies.contains(name))
        || p.packages.iter().any(|p| p == name)
        || matches!(
            name,
            "exec" | "set" | "cd" | "export" | "true" | "exit" | "echo" | "test" | "["
        )
}

/// Whether something the final stage runs may come from a global install:
/// a program nothing else provides (a dependency's program is on `PATH` only
/// inside a package-manager script, so it does not count), a package
/// manager the image does not bundle, a script of the app's wherever it was
/// copied (which slimfile does not read here), or `NODE_PATH`, through
/// which `node` finds global packages.
pub(super) fn uses_globals(
    t: &NodeTemplate,
    facts: &StageFacts,
    flavor: Flavor,
    start: &StartCommand,
    healthcheck: &[String],
    p: &Provided,
    yarn_bundled: bool,
) -> bool {
    let on_image = t.base_config.programs.get(flavor);
    // yarn 1 of the image's own needs no global; the programs its script
    // runs are judged below.
    let image_yarn = |pm: &str| pm == "yarn" && yarn_bundled && !start.yarn_berry;
    facts.env.iter().any(|(k, _, _)| k == "NODE_PATH")
        || start
            .package_manager
            .as_deref()
            .is_some_and(|pm| pm != "npm" && !image_yarn(pm))
        || start.runner_packages.iter().any(|pkg| {
            !p.manifest.dependencies.contains(pkg) && !p.manifest.dev_dependencies.contains(pkg)
        })
        || start.programs.iter().chain(healthcheck).any(|program| {
            let name = program.rsplit('/').next().unwrap_or(program);
            let app_file = (program.contains('/')
                && (!program.starts_with('/') || is_within(program, p.app_dir)))
                || p.copied
                    .iter()
                    .any(|f| f == program || f.ends_with(&format!("/{name}")));
            match name {
                "node" | "npm" | "npx" => false,
                "yarn" if image_yarn("yarn") => false,
                "yarn" | "pnpm" | "pnpx" | "corepack" => true,
                _ => app_file || !provides(on_image, flavor, start, p, program, false),
            }
        })
}

/// Whether a global install is of build tools only: packages the template
/// knows as such, or that a later `RUN` runs by their name (`turbo`).
pub(super) fn build_only_global(
    t: &NodeTemplate,
    facts: &StageFacts,
    run: &Instruction,
    words: &[String],
) -> bool {
    let verbs = if words.get(1).map(String::as_str) == Some("global") {
        3
    } else {
        2
    };
    let packages: Vec<String> = words
        .iter()
        .skip(verbs)
        .filter(|w| !w.starts_with('-'))
        .map(|w| super::start::package_name(w))
        .collect();
    let run_later: Vec<&str> = facts
        .run_commands()
        .filter(|(i, _)| i.start_line > run.start_line)
        .map(|(_, c)| c.name())
        .collect();
    !packages.is_empty()
        && packages.iter().all(|p| {
            t.rules.run_hints.build_only_globals.contains(p) || run_later.contains(&p.as_str())
        })
}

pub(super) fn check_downloads(
    facts: &StageFacts,
    t: &NodeTemplate,
    manifest: &Manifest,
    app_dir: &str,
) -> Result<Vec<String>, Stop> {
    crate::runtime::check_downloads(
        facts,
        &t.rules.install_downloads,
        |p| manifest.dependencies.contains(p),
        app_dir,
    )
}

/// What the final stage has besides the image's own programs.
pub(super) struct Provided<'a> {
    pub(super) app_dir: &'a str,
    pub(super) copied: &'a [String],
    pub(super) manifest: &'a Manifest,
    pub(super) globals: &'a [String],
    pub(super) packages: &'a [String],
}

/// Every program the start command runs is on the runtime image, or the
/// rewrite is refused.
pub(super) fn check_start_programs(
    t: &NodeTemplate,
    flavor: Flavor,
    start: &StartCommand,
    p: &Provided,
) -> Result<(), Stop> {
    let on_image = t.base_config.programs.get(flavor);
    // `npx X` runs the X of node_modules or of a global install, and
    // downloads X at every start when there is none: that needs the network.
    for package in &start.runner_packages {
        let installed = p.manifest.dependencies.contains(package)
            || p.manifest.dev_dependencies.contains(package)
            || p.globals.iter().any(|g| {
                g.split_whitespace()
                    .any(|w| super::start::package_name(w) == *package)
            });
        if !installed {
            return Err(refused(
                Code::NetworkAtStart,
                start.line,
                format!(
                    "the start command runs `{package}` through a package runner, and `{package}` is \
                     neither a dependency in package.json nor installed globally, so it is downloaded \
                     at every start, which needs the network"
                ),
            )
            .hint(format!("add `{package}` to the dependencies in package.json")));
        }
    }
    for program in &start.programs {
        if provides(on_image, flavor, start, p, program, true)
            || matches!(
                program.as_str(),
                "node" | "npm" | "npx" | "yarn" | "pnpm" | "corepack"
            )
            || p.globals.iter().any(|g| {
                let name = program.rsplit('/').next().unwrap_or(program);
                g.contains(name.split('-').next().unwrap_or(name))
            })
        {
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
