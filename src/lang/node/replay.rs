//! A project with no `WORKDIR`, whose application directory would be `/`
//! (the whole builder): the final stage replays the original's copies from
//! the build context, and copies from the builder, by path, what its `RUN`
//! steps wrote — each install's `node_modules`, each build's output where the
//! project's configuration names it, the folder of the file the start
//! command runs (design.md, "The runtime contract"). A step whose output
//! slimfile cannot name is refused, saying where.

use super::*;
use crate::paths::{normalize, resolve};
use crate::scripts::CopiedScripts;
use crate::shell::Scripts;

/// `node` options that take a value (`-r dotenv/config`): not the script.
const NODE_VALUE_OPTIONS: &[&str] = &[
    "-r",
    "--require",
    "--import",
    "--loader",
    "--experimental-loader",
    "-e",
    "--eval",
    "-p",
    "--print",
    "--env-file",
    "--title",
    "--conditions",
    "-C",
    "--inspect-port",
];

/// Where a project with no `WORKDIR` lives: the folder that holds every
/// install and every copy of `package.json` (or of the whole context), as
/// each was resolved where it ran; `None` where that is `/` or nothing says.
pub(super) fn project_dir(facts: &StageFacts, installs: &[PmRun]) -> Option<String> {
    let mut places: Vec<String> = installs.iter().filter_map(install_folder).collect();
    for c in facts.copies.iter().filter(|c| c.from.is_none()) {
        let brings_manifest = c.sources.iter().any(|s| {
            let s = s.trim_start_matches("./").trim_end_matches('/');
            s.is_empty() || s == "." || s == "package.json" || s.starts_with("package")
        });
        if !brings_manifest {
            continue;
        }
        let cwd = facts.workdir_of(c.instruction).unwrap_or("/");
        if c.dest.contains('$') {
            return None;
        }
        places.push(resolve(cwd, c.dest.trim_end_matches('/')));
    }
    let first = places.first()?.clone();
    let common = places.iter().fold(first, |acc, p| common_folder(&acc, p));
    (common != "/").then_some(common)
}

/// The deepest folder that holds both paths.
fn common_folder(a: &str, b: &str) -> String {
    let shared: Vec<&str> = a
        .split('/')
        .zip(b.split('/'))
        .take_while(|(x, y)| x == y)
        .map(|(x, _)| x)
        .collect();
    normalize(&format!("/{}", shared.join("/")))
}

/// The paths the final stage copies from the builder after the replay.
pub(super) fn replay_paths(
    facts: &StageFacts,
    ctx: &Context,
    manifest: &Manifest,
    pm: Option<&PackageManager>,
    start: &StartCommand,
    known_users: Option<&[String]>,
    cache_dirs: &[String],
) -> Result<Vec<String>, Stop> {
    crate::replay::check_replayable(facts, known_users)?;
    let mut paths: Vec<String> = Vec::new();
    let mut add = |p: String| {
        if !paths.iter().any(|q| is_within(&p, q)) {
            paths.retain(|q| !is_within(q, &p));
            paths.push(p);
        }
    };
    let files = facts.context_files(ctx);
    for (run, c) in facts.run_commands() {
        let words = c.words();
        let folder = c.dir.clone().unwrap_or_else(|| "/".into());
        let pm_run = PmRun {
            instruction: run,
            words: words.clone(),
            command: c.clone(),
        };
        crate::replay::check_removal(run, c, cache_dirs)?;
        if pm.is_some_and(|pm| is_project_install(pm, &words)) {
            let dir = install_folder(&pm_run).ok_or_else(|| unnamed(run, &words.join(" ")))?;
            // A project with no dependencies gets no node_modules to copy.
            let none = manifest.found
                && manifest.dependencies.is_empty()
                && manifest.dev_dependencies.is_empty();
            if !none {
                add(resolve(&dir, "node_modules"));
            }
            continue;
        }
        for out in outputs(manifest, &files, &folder, &words, run)? {
            add(out);
        }
    }
    // The start command's file, by its folder.
    let script = start.node_args.as_ref().and_then(|args| {
        let mut words = args.iter();
        while let Some(w) = words.next() {
            if NODE_VALUE_OPTIONS.contains(&w.as_str()) {
                words.next();
            } else if !w.starts_with('-') {
                return Some(w);
            }
        }
        None
    });
    if let Some(script) = script {
        let file = resolve("/", script);
        let folder = file.rsplit_once('/').map_or("/", |(d, _)| d);
        if !folder.is_empty() && folder != "/" {
            add(normalize(folder));
        }
    }
    Ok(paths)
}

/// What one command writes that the final stage needs: nothing for a
/// housekeeping command or one the shared rules follow, a build's output
/// folder, or a refusal.
fn outputs(
    manifest: &Manifest,
    files: &CopiedScripts,
    folder: &str,
    words: &[String],
    run: &Instruction,
) -> Result<Vec<String>, Stop> {
    let program = words.first().map(String::as_str).unwrap_or("");
    let name = program.rsplit('/').next().unwrap_or(program);
    let sub = words.get(1).map(String::as_str);
    let global = words.iter().any(|w| w == "-g" || w == "--global") || sub == Some("global");
    match (name, sub) {
        _ if crate::carry::FOLLOWED.contains(&name) => Ok(Vec::new()),
        // `npx tsc`, `npm exec -- next build`: the package's program.
        ("npx", _) | ("npm", Some("exec" | "x")) => {
            let skip = if name == "npx" { 1 } else { 2 };
            let rest: Vec<String> = words
                .iter()
                .skip(skip)
                .skip_while(|w| w.starts_with('-'))
                .cloned()
                .collect();
            outputs(manifest, files, folder, &rest, run)
        }
        ("corepack", _) => Ok(Vec::new()),
        ("npm" | "yarn" | "pnpm", _) if global => Ok(Vec::new()),
        (
            "npm" | "yarn" | "pnpm",
            Some("prune" | "cache" | "config" | "set" | "--version" | "-v" | "version"),
        ) => Ok(Vec::new()),
        ("node", Some("--version" | "-v")) => Ok(Vec::new()),
        ("npm" | "yarn" | "pnpm", Some("run" | "run-script")) | ("yarn" | "pnpm", Some(_)) => {
            let (script, extra) = if matches!(sub, Some("run" | "run-script")) {
                (
                    words.get(2).map(String::as_str).unwrap_or(""),
                    words.len() > 3,
                )
            } else {
                (sub.unwrap_or(""), words.len() > 2)
            };
            // The manifest read is the project's at `/`; arguments added to the
            // script may change where it writes.
            let body = manifest
                .scripts
                .get(script)
                .filter(|_| folder == "/" && !extra);
            let Some(body) = body else {
                return Err(unnamed(run, &words.join(" ")));
            };
            // The script's own commands, from the project's folder.
            let scope = Scope::at(folder, "root");
            let mut out = Vec::new();
            for step in shell::read(body, &scope, &NoScripts) {
                let Step::Run(c) = step else {
                    return Err(unnamed(run, body));
                };
                out.extend(outputs(manifest, files, folder, &c.words(), run)?);
            }
            Ok(out)
        }
        ("tsc", _) => tsc_output(files, folder, words)
            .map_or_else(|| Err(unnamed(run, &words.join(" "))), |o| Ok(vec![o])),
        ("next", Some("build")) => Ok(vec![resolve(folder, ".next")]),
        ("vite", Some("build")) => Ok(vec![match words.iter().position(|w| w == "--outDir") {
            Some(i) => resolve(folder, words.get(i + 1).map_or("dist", |w| w.as_str())),
            None => vite_output(files, folder),
        }]),
        _ => Err(unnamed(run, &words.join(" "))),
    }
}

/// `tsc`'s output folder: `--outDir`, else `compilerOptions.outDir` of the
/// project's `tsconfig.json` (or the one `-p` names) as the build context has it.
fn tsc_output(files: &CopiedScripts, folder: &str, words: &[String]) -> Option<String> {
    let flag = |name: &str| {
        words
            .iter()
            .position(|w| w == name)
            .and_then(|i| words.get(i + 1))
    };
    if let Some(out) = flag("--outDir") {
        return Some(resolve(folder, out));
    }
    let project = flag("-p").or_else(|| flag("--project"));
    let config = match project {
        Some(p) if p.ends_with(".json") => resolve(folder, p),
        Some(p) => resolve(&resolve(folder, p), "tsconfig.json"),
        None => resolve(folder, "tsconfig.json"),
    };
    let text = files.script(&config)?;
    let json: serde_json::Value = serde_json::from_str(&without_comments(&text)).ok()?;
    let out = json.get("compilerOptions")?.get("outDir")?.as_str()?;
    let base = config.rsplit_once('/').map_or("/", |(d, _)| d);
    Some(resolve(if base.is_empty() { "/" } else { base }, out))
}

/// vite's output folder: a literal `outDir` in its configuration, else `dist`.
fn vite_output(files: &CopiedScripts, folder: &str) -> String {
    let configured = [
        "vite.config.ts",
        "vite.config.js",
        "vite.config.mjs",
        "vite.config.mts",
    ]
    .iter()
    .find_map(|name| files.script(&resolve(folder, name)))
    .and_then(|text| {
        let rest = text.split("outDir").nth(1)?;
        let rest = rest.trim_start().strip_prefix(':')?.trim_start();
        let quote = rest
            .chars()
            .next()
            .filter(|q| matches!(q, '"' | '\'' | '`'))?;
        let value = rest[1..].split(quote).next()?;
        (!value.contains("${")).then(|| value.to_string())
    });
    resolve(folder, configured.as_deref().unwrap_or("dist"))
}

/// JSON with `//` and `/* */` comments removed (tsconfig.json allows them),
/// strings left as they are.
fn without_comments(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    let mut in_string = false;
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            if c == '\\' {
                out.extend(chars.next());
            } else if c == '"' {
                in_string = false;
            }
            continue;
        }
        match (c, chars.peek()) {
            ('"', _) => {
                in_string = true;
                out.push(c);
            }
            ('/', Some('/')) => {
                for n in chars.by_ref() {
                    if n == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            ('/', Some('*')) => {
                chars.next();
                let mut last = ' ';
                for n in chars.by_ref() {
                    if last == '*' && n == '/' {
                        break;
                    }
                    last = n;
                }
            }
            _ => out.push(c),
        }
    }
    out
}

/// The refusal for a step whose output slimfile cannot name.
fn unnamed(run: &Instruction, text: &str) -> Stop {
    refused(
        Code::NoWorkdir,
        run.start_line,
        format!(
            "there is no WORKDIR (or it is `/`), so the final stage replays the original's copies and takes from \
             the builder only what slimfile can name; this RUN runs `{text}`, and slimfile cannot \
             tell where it writes"
        ),
    )
    .hint("add a WORKDIR for the application and copy it there")
}
