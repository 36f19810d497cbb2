//! The project as the build context shows it: `package.json`, the package
//! manager and its installs (`lock` reads what the lock files say).

use super::*;
use crate::shell::Scripts;

/// `package.json`, as far as the rewrite needs it.
#[derive(Debug, Default)]
pub(super) struct Manifest {
    pub(super) found: bool,
    pub(super) scripts: std::collections::BTreeMap<String, String>,
    pub(super) dependencies: BTreeSet<String>,
    pub(super) dev_dependencies: BTreeSet<String>,
    /// The programs the installed packages put in `node_modules/.bin`, with
    /// their package and whether it is a dev dependency, where the lock file
    /// says (npm's `package-lock.json`: `tsc` → `typescript`, dev).
    /// Where the lock file has no such map (yarn, pnpm), the template's
    /// table of well-known programs (`nest` → `@nestjs/cli`) for the
    /// packages the manifest lists.
    pub(super) bins: std::collections::BTreeMap<String, (String, bool)>,
    /// The lock file listed the programs (npm): `bins` is complete.
    pub(super) bins_from_lock: bool,
    /// Yarn 2 or later ("berry"), which runs through corepack, not the
    /// yarn 1 the official images ship.
    pub(super) yarn_berry: bool,
    /// Berry with Plug'n'Play (its default linker): there is no
    /// `node_modules`, and plain `node` cannot resolve the dependencies.
    pub(super) yarn_pnp: bool,
    /// The yarn major that `packageManager` pins (`yarn@4.5.3` → 4).
    pub(super) yarn_major: Option<u32>,
    /// `.yarnrc.yml`'s `yarnPath` names a release the build context holds
    /// (`.yarn/releases/yarn-3.6.4.cjs`): the images' yarn 1 runs it.
    pub(super) yarn_release_in_project: bool,
    /// `packageManager` as written (`pnpm@9.12.0`).
    pub(super) package_manager: Option<String>,
    /// A pnpm workspace (`pnpm-workspace.yaml`), whose root `pnpm prune`
    /// leaves as it is.
    pub(super) pnpm_workspace: bool,
}

/// `package.json`: the one the copies put in the working directory, where
/// the start command's scripts are looked up (`WORKDIR /app/packages/api`
/// in a monorepo), else the build context's own.
pub(super) fn read_manifest(facts: &StageFacts, ctx: &Context, t: &NodeTemplate) -> Manifest {
    // A berry lock file starts with `__metadata:`; `.yarnrc.yml` is berry's
    // configuration (yarn 1 reads `.yarnrc`).
    let berry_files = ctx.has(".yarnrc.yml")
        || ctx
            .read("yarn.lock")
            .is_some_and(|l| l.contains("__metadata:"));
    let linker_makes_node_modules = ctx.read(".yarnrc.yml").is_some_and(|y| {
        y.lines().any(|l| {
            let l = l.trim().replace(['"', '\''], "");
            l == "nodeLinker: node-modules" || l == "nodeLinker: pnpm"
        })
    });
    let yarn_release_in_project = ctx.read(".yarnrc.yml").is_some_and(|y| {
        y.lines().any(|l| {
            l.trim()
                .strip_prefix("yarnPath:")
                .map(|p| p.trim().trim_matches(['"', '\'']))
                .is_some_and(|p| !p.is_empty() && !p.starts_with('/') && ctx.has(p))
        })
    });
    let workdir = facts.workdir.clone().unwrap_or_else(|| "/".into());
    let at_workdir = facts
        .context_files(ctx)
        .script(&crate::paths::resolve(&workdir, &t.rules.files.manifest))
        .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok());
    let Some(json) = at_workdir.or_else(|| ctx.read_json(&t.rules.files.manifest)) else {
        return Manifest {
            yarn_berry: berry_files,
            yarn_pnp: berry_files && !linker_makes_node_modules,
            ..Manifest::default()
        };
    };
    let yarn_major = json
        .get("packageManager")
        .and_then(|v| v.as_str())
        .and_then(|v| v.strip_prefix("yarn@"))
        .and_then(|v| v.split('.').next()?.parse::<u32>().ok());
    let berry_field = yarn_major.is_some_and(|major| major >= 2);
    let names = |key: &str| -> BTreeSet<String> {
        json.get(key)
            .and_then(|v| v.as_object())
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default()
    };
    let (lock_bins, bins_from_lock) =
        lock_bins(ctx, &names("dependencies"), &names("devDependencies"));
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
        bins_from_lock,
        bins: {
            let mut bins = lock_bins;
            let (deps, dev_deps) = (names("dependencies"), names("devDependencies"));
            for (bin, package) in &t.rules.package_bins {
                let dev = !deps.contains(package) && dev_deps.contains(package);
                if deps.contains(package) || dev {
                    bins.entry(bin.clone()).or_insert((package.clone(), dev));
                }
            }
            bins
        },
        yarn_berry: berry_files || berry_field,
        yarn_pnp: (berry_files || berry_field) && !linker_makes_node_modules,
        yarn_major,
        yarn_release_in_project,
        package_manager: json
            .get("packageManager")
            .and_then(|v| v.as_str())
            .map(|v| v.split('+').next().unwrap_or(v).to_string()),
        pnpm_workspace: ctx.has("pnpm-workspace.yaml"),
    }
}

/// A package-manager command seen in a `RUN`.
#[derive(Debug)]
pub(super) struct PmRun<'a> {
    pub(super) instruction: &'a Instruction,
    /// The command as the shell reader read it: its folder, user, variables.
    pub(super) command: Command,
    pub(super) words: Vec<String>,
}

/// The global installs (`npm install -g`, `yarn global add`, `pnpm add -g`)
/// the builder ran, with their lines. What they install lives outside the
/// application directory and may be run by the application or its scripts, so
/// the final stage installs them again.
pub(super) fn global_installs<'a>(facts: &StageFacts<'a>) -> Vec<(&'a Instruction, Vec<String>)> {
    facts
        .run_commands()
        .map(|(i, c)| (i, c.words()))
        .filter(|(_, w)| {
            let sub = w.get(1).map(String::as_str);
            match w.first().map(String::as_str) {
                Some("npm" | "pnpm") => {
                    matches!(sub, Some("install" | "i" | "add"))
                        && w.iter().any(|x| x == "-g" || x == "--global")
                }
                Some("yarn") => {
                    sub == Some("global") && w.get(2).map(String::as_str) == Some("add")
                }
                _ => false,
            }
        })
        .collect()
}

/// The package manager corepack gave the builder (`corepack enable`, then
/// `corepack prepare pnpm@9.12.0 --activate` or the release `packageManager`
/// pins), as a command that activates the same release in the final stage:
/// the `RUN` with `corepack enable`, and the words. `None` without a pinned
/// release (`@latest` may be another one by the time the final stage builds).
pub(super) fn corepack_activation<'a>(
    facts: &StageFacts<'a>,
    manifest: &Manifest,
    pm: &str,
) -> Option<(&'a Instruction, Vec<String>)> {
    let enable = facts
        .run_commands()
        .find(|(_, c)| {
            c.name() == "corepack" && c.words().get(1).map(String::as_str) == Some("enable")
        })
        .map(|(i, _)| i)?;
    let prepared = facts.run_commands().find_map(|(_, c)| {
        let w = c.words();
        (c.name() == "corepack"
            && matches!(w.get(1).map(String::as_str), Some("prepare" | "install")))
        .then(|| w.iter().skip(2).find(|x| !x.starts_with('-')).cloned())
        .flatten()
    });
    // In the project's folder corepack runs the release `packageManager`
    // names, whatever was prepared.
    let spec = manifest
        .package_manager
        .clone()
        .filter(|s| s.starts_with(&format!("{pm}@")))
        .or(prepared)?;
    let (name, version) = spec.split_once('@')?;
    let pinned = version.chars().next().is_some_and(|c| c.is_ascii_digit());
    (name == pm && pinned).then(|| {
        (
            enable,
            vec![
                "corepack".into(),
                "prepare".into(),
                spec.clone(),
                "--activate".into(),
            ],
        )
    })
}

/// Whether a command installs the project's dependencies: the package
/// manager's install command followed by options only (`npm ci`, `yarn`,
/// `yarn install --frozen-lockfile`, `pnpm i --prod`), and not a global install.
pub(super) fn is_project_install(pm: &PackageManager, words: &[String]) -> bool {
    if words.first() != Some(&pm.name) {
        return false;
    }
    // `pnpm --filter api install`: the filter may come before the command.
    let unfiltered: Vec<String>;
    let words = if pm.name == "pnpm" {
        unfiltered = without_pnpm_filters(words);
        &unfiltered[..]
    } else {
        words
    };
    pm.install_commands.iter().any(|ic| {
        let command: Vec<&str> = ic.split(' ').collect();
        words.len() >= command.len()
            && words.iter().zip(&command).all(|(w, c)| w == c)
            && only_options(&pm.name, &words[command.len()..])
            && !words.iter().any(|w| w == "-g" || w == "--global")
    })
}

/// Options that name the project's folder (`npm ci --prefix app`,
/// `yarn --cwd app`, `pnpm -C app install`) and take it as their value.
const FOLDER_OPTIONS: &[&str] = &["--prefix", "--cwd", "--dir", "-C"];

/// npm's options that name a workspace to install (`npm ci --workspace api`).
const NPM_WORKSPACE_OPTIONS: &[&str] = &["--workspace", "-w"];

/// Whether words are options only (a folder or workspace option's value
/// included).
fn only_options(pm: &str, words: &[String]) -> bool {
    let mut i = 0;
    while let Some(w) = words.get(i) {
        if !w.starts_with('-') {
            return false;
        }
        let takes_value = FOLDER_OPTIONS.contains(&w.as_str())
            || (pm == "npm" && NPM_WORKSPACE_OPTIONS.contains(&w.as_str()))
            || (pm == "pnpm" && PNPM_FILTER_OPTIONS.contains(&w.as_str()));
        i += if takes_value { 2 } else { 1 };
    }
    true
}

/// pnpm's options that select workspace projects (`--filter api...`).
const PNPM_FILTER_OPTIONS: &[&str] = &["--filter", "-F"];

/// A pnpm command without its `--filter` options (and their values).
fn without_pnpm_filters(words: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(w) = words.get(i) {
        if PNPM_FILTER_OPTIONS.contains(&w.as_str()) {
            i += 2;
            continue;
        }
        if !w.starts_with("--filter=") {
            out.push(w.clone());
        }
        i += 1;
    }
    out
}

/// Whether a pnpm install selects workspace projects with `--filter`.
pub(super) fn pnpm_filtered(run: &PmRun) -> bool {
    run.words.first().map(String::as_str) == Some("pnpm")
        && without_pnpm_filters(&run.words).len() != run.words.len()
}

/// The workspaces an npm install names, in order: its prune must name them
/// too, since a prune of the whole tree installs the other workspaces'
/// dependencies.
pub(super) fn npm_workspaces(run: &PmRun) -> Vec<String> {
    if run.words.first().map(String::as_str) != Some("npm") {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut words = run.words.iter();
    while let Some(w) = words.next() {
        if NPM_WORKSPACE_OPTIONS.contains(&w.as_str()) {
            out.extend(words.next().cloned());
        } else if let Some(v) = w.strip_prefix("--workspace=").or(w.strip_prefix("-w=")) {
            out.push(v.to_string());
        }
    }
    out
}

/// The folder an install ran in: its command's folder, or the one its
/// folder option names from there.
pub(super) fn install_folder(run: &PmRun) -> Option<String> {
    let dir = run.command.dir.as_deref()?;
    let named = run.words.iter().enumerate().find_map(|(i, w)| {
        if FOLDER_OPTIONS.contains(&w.as_str()) {
            run.words.get(i + 1).cloned()
        } else {
            FOLDER_OPTIONS
                .iter()
                .find_map(|o| w.strip_prefix(&format!("{o}=")).map(str::to_string))
        }
    });
    Some(match named {
        Some(n) => crate::paths::resolve(dir, &n),
        None => dir.to_string(),
    })
}

/// The package manager: the one whose install the `RUN`s run (where
/// branches install with different ones, `if [ -f yarn.lock ]; then yarn;
/// else npm ci; fi`, the one whose lock file is in the build context), else
/// the one whose lock file is in the build context.
pub(super) fn detect_pm<'t>(
    facts: &StageFacts,
    ctx: &Context,
    t: &'t NodeTemplate,
) -> Option<&'t PackageManager> {
    let has_lock = |pm: &PackageManager| pm.lock_files.iter().any(|l| ctx.has(l));
    let mut installing: Vec<&'t PackageManager> = Vec::new();
    for (_, c) in facts.run_commands() {
        let w = c.words();
        if let Some(pm) = t
            .rules
            .package_managers
            .iter()
            .find(|pm| is_project_install(pm, &w))
        {
            if !installing.iter().any(|p| p.name == pm.name) {
                installing.push(pm);
            }
        }
    }
    match installing.as_slice() {
        [] => t.rules.package_managers.iter().find(|pm| has_lock(pm)),
        [one] => Some(*one),
        several => several
            .iter()
            .copied()
            .find(|pm| has_lock(pm))
            .or(several.first().copied()),
    }
}

/// The `RUN`s that install dependencies.
pub(super) fn install_runs<'a>(
    facts: &StageFacts<'a>,
    pm: Option<&PackageManager>,
) -> Vec<PmRun<'a>> {
    let Some(pm) = pm else { return Vec::new() };
    facts
        .run_commands()
        .map(|(instruction, command)| PmRun {
            instruction,
            words: command.words(),
            command: command.clone(),
        })
        .filter(|r| is_project_install(pm, &r.words))
        .collect()
}

/// Whether an install brings in dev dependencies.
pub(super) fn installs_dev(
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
    // `NODE_ENV=production npm ci`, or exported earlier in the same RUN.
    if run
        .command
        .env
        .iter()
        .rev()
        .find(|(k, _)| k == "NODE_ENV")
        .is_some_and(|(_, v)| v.as_deref() == Some("production"))
    {
        return false;
    }
    !manifest.found || !manifest.dev_dependencies.is_empty()
}

pub(super) fn has_build_step(facts: &StageFacts, t: &NodeTemplate) -> bool {
    facts.run_commands().any(|(_, c)| {
        let w = c.words();
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
            t.rules.run_hints.build_scripts.iter().any(|b| b == s) || s.starts_with("build")
        })
    })
}
