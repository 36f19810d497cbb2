//! What the lock files say: the programs the project's packages install
//! (npm's `bin` map, yarn 2+'s `bin:` entries) and which packages hold
//! native or platform-specific code.

use std::collections::{BTreeMap, BTreeSet};

use super::*;

/// The programs of the project's direct packages, program → (package, is
/// a dev dependency), and whether a lock file listed them all (npm's, or
/// yarn 2+'s: an unknown program is then none of theirs).
pub(super) fn lock_bins(
    ctx: &Context,
    deps: &BTreeSet<String>,
    dev_deps: &BTreeSet<String>,
) -> (BTreeMap<String, (String, bool)>, bool) {
    let mut bins = read_bins(ctx);
    let berry = ctx.read("yarn.lock").and_then(|l| yarn_berry_bins(&l));
    if let Some(berry) = &berry {
        for (bin, package) in berry {
            let dev = !deps.contains(package) && dev_deps.contains(package);
            if deps.contains(package) || dev {
                bins.entry(bin.clone()).or_insert((package.clone(), dev));
            }
        }
    }
    let listed = !bins.is_empty() || berry.is_some();
    (bins, listed)
}

/// The top-level packages' programs, from npm's lock file (v2 and v3 list
/// each package's `bin` and whether it is `dev`).
fn read_bins(ctx: &Context) -> std::collections::BTreeMap<String, (String, bool)> {
    let mut out = std::collections::BTreeMap::new();
    let lock = ["package-lock.json", "npm-shrinkwrap.json"]
        .iter()
        .find_map(|f| ctx.read_json(f));
    let Some(packages) = lock
        .as_ref()
        .and_then(|l| l.get("packages"))
        .and_then(|p| p.as_object())
    else {
        return out;
    };
    for (key, entry) in packages {
        let Some(name) = key.strip_prefix("node_modules/") else {
            continue;
        };
        if name.contains("/node_modules/") {
            continue;
        }
        let dev = entry.get("dev").and_then(|d| d.as_bool()).unwrap_or(false);
        match entry.get("bin") {
            Some(serde_json::Value::Object(bins)) => {
                for bin in bins.keys() {
                    out.insert(bin.clone(), (name.to_string(), dev));
                }
            }
            Some(serde_json::Value::String(_)) => {
                let bin = name.rsplit('/').next().unwrap_or(name);
                out.insert(bin.to_string(), (name.to_string(), dev));
            }
            _ => {}
        }
    }
    out
}

/// Every package's programs from a yarn 2+ lock file, program → package
/// (`bin:` under each entry; yarn 1's lock file has none, and is `None`).
/// Read by hand: the file is YAML, but only this two-level shape matters
/// here, and a YAML crate would be a dependency for one table.
fn yarn_berry_bins(lock: &str) -> Option<std::collections::BTreeMap<String, String>> {
    if !lock.lines().any(|l| l == "__metadata:") {
        return None;
    }
    let mut out = std::collections::BTreeMap::new();
    let mut package: Option<String> = None;
    let mut in_bin = false;
    for line in lock.lines() {
        if !line.starts_with(' ') {
            in_bin = false;
            // `"@scope/name@npm:^1.0.0, @scope/name@npm:^1.2.0":`: the
            // name runs to the `@` that is not its first character.
            package = line.strip_suffix(':').and_then(|key| {
                let first = key.trim_matches('"').split(", ").next()?;
                let at = first.get(1..)?.find('@')? + 1;
                Some(first[..at].to_string())
            });
        } else if line == "  bin:" {
            in_bin = true;
        } else if in_bin && line.starts_with("    ") && !line.starts_with("     ") {
            if let (Some(package), Some((bin, _))) = (&package, line.trim().split_once(':')) {
                out.insert(bin.trim_matches('"').to_string(), package.clone());
            }
        } else {
            in_bin = false;
        }
    }
    Some(out)
}

/// What the lock file says about native code.
#[derive(Debug, Default)]
pub(super) struct Native {
    /// Packages with native code or platform-specific builds.
    pub(super) packages: Vec<String>,
    /// No lock file could tell: assume native.
    pub(super) unknown: bool,
}

impl Native {
    pub(super) fn any(&self) -> bool {
        self.unknown || !self.packages.is_empty()
    }

    pub(super) fn describe(&self) -> String {
        if self.packages.is_empty() {
            "no lock file tells which dependencies carry native code, so they are assumed to".into()
        } else {
            let shown: Vec<&str> = self.packages.iter().take(3).map(String::as_str).collect();
            format!("the lock file lists native code ({})", shown.join(", "))
        }
    }
}

pub(super) fn platform_specific(name: &str) -> bool {
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

pub(super) fn read_native(ctx: &Context, pm: Option<&PackageManager>) -> Native {
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

#[cfg(test)]
mod tests {
    use super::yarn_berry_bins;

    #[test]
    fn yarn_berry_bins_are_read_per_package_and_yarn_1_has_none() {
        let lock = "__metadata:\n  version: 8\n\n\"@scope/tool@npm:^1.0.0, @scope/tool@npm:^1.1.0\":\n  version: 1.1.0\n  dependencies:\n    left: \"npm:^1\"\n  bin:\n    tool: ./cli.js\n    \"tool-extra\": ./extra.js\n  checksum: 10c0/00\n\n\"typescript@patch:typescript@npm%3A^5.5.4#optional!builtin<compat/typescript>\":\n  version: 5.9.3\n  bin:\n    tsc: bin/tsc\n";
        let bins = yarn_berry_bins(lock).unwrap();
        assert_eq!(bins.get("tool").map(String::as_str), Some("@scope/tool"));
        assert_eq!(
            bins.get("tool-extra").map(String::as_str),
            Some("@scope/tool")
        );
        assert_eq!(bins.get("tsc").map(String::as_str), Some("typescript"));
        assert!(!bins.contains_key("left"));
        assert!(yarn_berry_bins("# yarn lockfile v1\n\nleft@^1:\n  version \"1.0.0\"\n").is_none());
    }
}
