//! How the final stage installs the run-time system packages the way the
//! original did: from the package sources the original added (a vendor's
//! apt repository and its key), with the variables its installs saw
//! (`ACCEPT_EULA=Y`, a proxy), and with or without recommended packages.

use super::{copied_targets, installs_system_packages};
use crate::context::Context;
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
    /// The package source files the original wrote or copied, to copy from
    /// the builder first.
    pub sources: Vec<String>,
    /// Variables the original set on its install commands
    /// (`ACCEPT_EULA=Y apt-get install …`), set on the final one too.
    pub env: Vec<(String, String)>,
    /// Whether an original install of one of the packages took apt's
    /// recommended packages (no `--no-install-recommends`): the application
    /// may use what came with them (fonts, certificates).
    pub recommends: bool,
    /// The last line of an original `RUN` that installs one of them: the
    /// `ENV`s before it are set before the final install as well.
    pub last_line: Option<usize>,
}

/// How the final stage installs `packages`, read from the original's installs.
pub fn system_install(facts: &StageFacts, ctx: &Context, packages: &[String]) -> SystemInstall {
    let mut out = SystemInstall::default();
    for (run, c) in facts.run_commands() {
        let words = c.words();
        for w in &c.writes {
            let Some(path) = w.path.as_deref() else {
                continue;
            };
            if w.kind == WriteKind::Removed {
                out.sources.retain(|s| !is_within(s, path));
            } else if PACKAGE_SOURCES.iter().any(|d| is_within(path, d))
                && !out.sources.iter().any(|s| is_within(path, s))
            {
                out.sources.push(path.to_string());
            }
        }
        let installs = installs_system_packages(c.name(), &words);
        if !installs || !words.iter().skip(2).any(|x| packages.contains(x)) {
            continue;
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
    for c in facts.copies.iter().filter(|c| c.from.is_none()) {
        if PACKAGE_SOURCES.iter().any(|d| is_within(&c.dest, d)) {
            for p in copied_targets(c, ctx).unwrap_or_default() {
                if !out.sources.contains(&p) {
                    out.sources.push(p);
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
