//! How the final stage installs the run-time system packages the way the
//! original did: from the package sources the original added (a vendor's
//! apt repository and its key), with the variables its installs saw
//! (`ACCEPT_EULA=Y`, a proxy), and with or without recommended packages.

use super::installs_system_packages;
use crate::facts::StageFacts;
use crate::paths::is_within;
use crate::shell::WriteKind;

/// Where apt and apk read their package sources and the keys that sign
/// them. A file the original puts here is copied to the final stage before
/// its install, so that the install finds the same packages.
pub const PACKAGE_SOURCES: &[&str] = &[
    "/etc/apt/sources.list",
    "/etc/apt/sources.list.d",
    "/etc/apt/keyrings",
    "/etc/apt/trusted.gpg",
    "/etc/apt/trusted.gpg.d",
    "/etc/apt/preferences",
    "/etc/apt/preferences.d",
    "/etc/apt/auth.conf.d",
    "/usr/share/keyrings",
    "/etc/apk/repositories",
    "/etc/apk/keys",
];

/// How the final stage's install of `packages` repeats the original's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SystemInstall {
    /// The package source files the original's commands wrote before its
    /// install (a later removal does not take them back), to copy from the
    /// builder first; copied ones come with the copies before the install.
    pub sources: Vec<String>,
    /// Variables the original set on its install commands
    /// (`ACCEPT_EULA=Y apt-get install …`), set on the final one too.
    pub env: Vec<(String, String)>,
    /// Whether an original install of one of the packages took apt's
    /// recommended packages (no `--no-install-recommends`): the application
    /// may use what came with them (fonts, certificates).
    pub recommends: bool,
    /// The last line of an original `RUN` that installs one of them: the
    /// `ENV`s and the copies before it come before the final install too.
    pub last_line: Option<usize>,
    /// The other paths the commands before that install wrote (a key in
    /// `/usr/share/postgresql-common`), in the same `RUN` or before it.
    pub written_before: Vec<String>,
}

/// How the final stage installs `packages`, read from the original's installs.
pub fn system_install(facts: &StageFacts, packages: &[String]) -> SystemInstall {
    let mut out = SystemInstall::default();
    // What the commands so far wrote: the state each install saw.
    let (mut sources, mut written): (Vec<String>, Vec<String>) = (Vec::new(), Vec::new());
    for (run, c) in facts.run_commands() {
        let words = super::package_words(c);
        let fixed = match crate::system_programs::effect(c) {
            Some(crate::system_programs::Effect::Writes(paths)) => paths.to_vec(),
            _ => Vec::new(),
        };
        let writes = c
            .writes
            .iter()
            .filter_map(|w| Some((w.path.clone()?, w.kind == WriteKind::Removed)))
            .chain(fixed.into_iter().map(|p| (p, false)));
        for (path, removed) in writes {
            let list = if PACKAGE_SOURCES.iter().any(|d| is_within(&path, d)) {
                &mut sources
            } else {
                &mut written
            };
            if removed {
                list.retain(|s| !is_within(s, &path));
            } else if !list.iter().any(|s| is_within(&path, s)) {
                list.push(path);
            }
        }
        let installs = installs_system_packages(c.name(), &words);
        if !installs || !words.iter().skip(2).any(|x| packages.contains(x)) {
            continue;
        }
        for (from, to) in [
            (&sources, &mut out.sources),
            (&written, &mut out.written_before),
        ] {
            for p in from {
                if !to.contains(p) {
                    to.push(p.clone());
                }
            }
        }
        out.last_line = Some(run.start_line);
        let apt = matches!(c.name(), "apt-get" | "apt");
        let lean = words.iter().any(|x| {
            x == "--no-install-recommends"
                || x.starts_with("APT::Install-Recommends=")
                || x.starts_with("--option=APT::Install-Recommends=")
        });
        out.recommends |= apt && !lean;
        for (name, value) in &c.env {
            if let Some(value) = value {
                if !out.env.iter().any(|(n, _)| n == name) {
                    out.env.push((name.clone(), value.clone()));
                }
            }
        }
    }
    out
}

/// The command that installs system packages on a Debian (`apt`) or
/// Alpine (`apk`) image, as `how` says the original did.
pub fn install_command(alpine: bool, packages: &[String], how: &SystemInstall) -> String {
    // `nodejs>=18` is one word for the package manager, a redirection for sh.
    let names: Vec<String> = packages.iter().map(|p| crate::shell::quote(p)).collect();
    let env: String = how
        .env
        .iter()
        .map(|(k, v)| format!("{k}={} ", crate::shell::quote(v)))
        .collect();
    if alpine {
        format!("{env}apk add --no-cache {}", names.join(" "))
    } else {
        format!(
            "apt-get update && {env}apt-get install -y {}{} && rm -rf /var/lib/apt/lists/*",
            if how.recommends {
                ""
            } else {
                "--no-install-recommends "
            },
            names.join(" ")
        )
    }
}
