//! The `package.json` scripts a package manager runs: `npm run build` runs
//! `prebuild`, `build` and `postbuild`; an install of the project (`npm ci`,
//! `yarn`, `pnpm install`) runs its `preinstall`, `install`, `postinstall`
//! and `prepare`. Their commands are the `RUN`'s commands too (they write,
//! install and download as a `RUN` does), so they are walked as `sh -c` in
//! the project's folder after the command itself, where the `package.json`
//! the image has there is one slimfile can see.

use super::*;
use crate::shell::PACKAGE_MANAGER_COMMANDS;

/// The lifecycle scripts an install of the project itself runs, in order.
const INSTALL_SCRIPTS: &[&str] = &["preinstall", "install", "postinstall", "prepare"];

/// npm's own commands that run the script of the same name.
const NPM_SCRIPT_COMMANDS: &[&str] = &["start", "stop", "test", "restart"];

/// The names of the scripts `argv` runs, in order; `None` where it is not a
/// package manager running the project's scripts (or they are turned off,
/// or the project is elsewhere: `--prefix`, `-C`, `--cwd`).
fn scripts_run(argv: &[Arg]) -> Option<Vec<String>> {
    let words: Vec<&str> = argv.iter().map(|a| a.text()).collect();
    let (program, rest) = words.split_first()?;
    let program = program.rsplit('/').next().unwrap_or(program);
    if !matches!(program, "npm" | "yarn" | "pnpm") {
        return None;
    }
    let elsewhere = [
        "--ignore-scripts",
        "--prefix",
        "-C",
        "--dir",
        "--cwd",
        "--workspace",
        "-w",
        "--workspaces",
        "--filter",
        "-F",
        "--global",
        "-g",
    ];
    if rest.iter().any(|w| {
        elsewhere
            .iter()
            .any(|e| *w == *e || w.starts_with(&format!("{e}=")))
    }) {
        return None;
    }
    let operands: Vec<&str> = rest
        .iter()
        .copied()
        .filter(|w| !w.starts_with('-'))
        .collect();
    let install = || Some(INSTALL_SCRIPTS.iter().map(|s| s.to_string()).collect());
    // npm runs `pre<name>` and `post<name>` around a script; yarn 2+ and
    // pnpm 7+ do not, and a script that does not run must not be read
    // (what it writes would be copied from a builder that lacks it).
    let with_hooks = |name: &str| {
        Some(vec![
            format!("pre{name}"),
            name.into(),
            format!("post{name}"),
        ])
    };
    match (program, operands.as_slice()) {
        ("npm", ["ci" | "clean-install" | "install" | "i" | "add" | "isntall"]) => install(),
        ("npm", ["run" | "run-script" | "rum" | "urn", name, ..]) => with_hooks(name),
        ("npm", [name]) if NPM_SCRIPT_COMMANDS.contains(name) => with_hooks(name),
        ("yarn", [] | ["install"]) | ("pnpm", ["install" | "i"]) => install(),
        ("yarn" | "pnpm", ["run", name, ..]) => Some(vec![name.to_string()]),
        ("yarn" | "pnpm", [name, ..]) if !PACKAGE_MANAGER_COMMANDS.contains(name) => {
            Some(vec![name.to_string()])
        }
        _ => None,
    }
}

impl Walker<'_> {
    /// Walks the scripts `argv` runs from the `package.json` in its folder.
    pub(super) fn package_scripts(&mut self, argv: &[Arg], st: &State) {
        if !self.scripts.package_scripts() {
            return;
        }
        let Some(names) = scripts_run(argv) else {
            return;
        };
        let Some(dir) = st.dir.as_deref() else {
            return;
        };
        let manifest = self.scripts.script(&resolve(dir, "package.json"));
        let Some(json) = manifest.and_then(|m| serde_json::from_str::<serde_json::Value>(&m).ok())
        else {
            return;
        };
        let program = argv.first().map(|a| a.text()).unwrap_or("npm");
        for name in names {
            if let Some(text) = json
                .pointer(&format!("/scripts/{name}"))
                .and_then(|s| s.as_str())
            {
                let via = format!("{program} run {name}");
                self.child_script(text, st, &via, None);
            }
        }
    }
}
