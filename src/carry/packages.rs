//! System packages the builder installs with apt or apk: their words read
//! with the subcommand second, which of them the final stage installs again,
//! the `-dev` ones, those from a file or another source, and fetchers no
//! build step uses.

use crate::facts::StageFacts;

/// Fetchers (`curl`, `wget`) the builder installs and no later `RUN` runs:
/// installed for run time (an orchestrator's health check, `docker exec`),
/// not for the build, so they are carried like any run-time package. Other
/// build-only packages may be used without being named (a compiler by
/// node-gyp or pip, git by npm), so only these are judged by use.
pub fn unused_fetchers(facts: &StageFacts) -> Vec<String> {
    const FETCHERS: &[&str] = &["curl", "wget"];
    let mut out: Vec<String> = Vec::new();
    for (run, c) in facts.run_commands() {
        let w = package_words(c);
        if !installs_system_packages(c.name(), &w) {
            continue;
        }
        for f in FETCHERS {
            let installed = w[2..].iter().any(|p| p.split(['=', ':']).next() == Some(f));
            let used_later = facts.run_commands().any(|(later, d)| {
                later.start_line >= run.start_line
                    && (d.name() == *f || d.via.iter().any(|v| v.split(' ').next() == Some(f)))
            });
            if installed && !used_later && !out.iter().any(|o| o == f) {
                out.push(f.to_string());
            }
        }
    }
    out
}

/// A system package manager's words with its subcommand second, where
/// options came before it (`apt-get -y install x`, `apt-get -qq -o
/// Dpkg::Options::=--force-confold install x`, `apk --no-cache add x`), so
/// the readers below see `apt-get install -y x`. Other commands' words as
/// they are.
pub fn package_words(c: &crate::shell::Command) -> Vec<String> {
    // Options of apt-get and apk before the subcommand that take a value.
    const VALUED: &[&str] = &[
        "-o",
        "--option",
        "-c",
        "--config-file",
        "-t",
        "--target-release",
        "-X",
        "--repository",
        "-p",
        "--root",
    ];
    let mut w = c.words();
    if !matches!(c.name(), "apt-get" | "apt" | "apk" | "aptitude") {
        return w;
    }
    let mut i = 1;
    while i < w.len() && w[i].starts_with('-') {
        i += if VALUED.contains(&w[i].as_str()) {
            2
        } else {
            1
        };
    }
    if i > 1 && i < w.len() {
        let sub = w.remove(i);
        w.insert(1, sub);
    }
    w
}

pub(super) fn installs_system_packages(name: &str, words: &[String]) -> bool {
    matches!(
        (name, words.get(1).map(String::as_str)),
        ("apt-get" | "apt", Some("install")) | ("apk", Some("add"))
    )
}

/// A system package installed from a file (`dpkg -i x.deb`, `apt-get install
/// ./x.deb`, `apk add x.apk`): the final stage cannot install it again from
/// the package name, and its files are not followed. The line and the
/// command, where there is one.
pub fn local_package_install(facts: &StageFacts) -> Option<(usize, String)> {
    facts.run_commands().find_map(|(i, c)| {
        let w = package_words(c);
        let installs = installs_system_packages(c.name(), &w);
        let from_file = (c.name() == "dpkg" && w.iter().any(|x| x == "-i" || x == "--install"))
            || (installs
                && w.iter()
                    .skip(2)
                    .any(|x| x.ends_with(".deb") || x.ends_with(".apk")));
        from_file.then(|| (i.start_line, w.join(" ")))
    })
}

/// An install of system packages from a source the final stage's plain
/// install would not use (`apk add --repository …`, `apt-get install -t
/// bookworm-backports …`): the line and the option.
pub fn package_source_option(facts: &StageFacts) -> Option<(usize, String)> {
    // (apk's `-t` is `--virtual`, a group name, not a source.)
    const APK: &[&str] = &[
        "-X",
        "--repository",
        "--repositories-file",
        "--allow-untrusted",
    ];
    const APT: &[&str] = &["-t", "--target-release", "--default-release"];
    facts.run_commands().find_map(|(i, c)| {
        let w = package_words(c);
        let source = match (c.name(), w.get(1).map(String::as_str)) {
            ("apt-get" | "apt", Some("install")) => APT,
            ("apk", Some("add")) => APK,
            _ => return None,
        };
        let option = w.iter().skip(2).find(|x| {
            let name = x.split('=').next().unwrap_or(x);
            source.contains(&name)
        })?;
        Some((i.start_line, option.clone()))
    })
}

/// The `-dev` packages `apt-get install` or `apk add` installed (build-only
/// by name), in order.
pub fn dev_packages(facts: &StageFacts) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (_, c) in facts.run_commands() {
        let w = package_words(c);
        if !installs_system_packages(c.name(), &w) {
            continue;
        }
        for p in w.iter().skip(2).filter(|p| !p.starts_with('-')) {
            let name = p.split(['=', ':']).next().unwrap_or(p);
            if (name.ends_with("-dev") || name.ends_with("-devel"))
                && !out.iter().any(|o| o == name)
            {
                out.push(name.to_string());
            }
        }
    }
    out
}

/// The packages `apt-get install` or `apk add` installed that are not
/// build-only (by the template's `build_only_packages`): the final stage
/// needs them too.
pub fn runtime_packages(facts: &StageFacts, build_only: impl Fn(&str) -> bool) -> Vec<String> {
    // Options of apt-get and apk that take a value, which is no package.
    const VALUED: &[&str] = &[
        "-o",
        "--option",
        "-t",
        "--target-release",
        "-c",
        "--config-file",
        "--virtual",
        "-X",
        "--repository",
        "--repositories-file",
        "-p",
        "--root",
    ];
    let mut out: Vec<String> = Vec::new();
    // apk's virtual packages (`apk add --virtual .gyp python3 make`), by name.
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for (_, c) in facts.run_commands() {
        let w = package_words(c);
        let (manager, sub) = (c.name(), w.get(1).map(String::as_str));
        let installs = installs_system_packages(manager, &w);
        let removes = matches!(
            (manager, sub),
            ("apt-get" | "apt", Some("purge" | "remove")) | ("apk", Some("del"))
        );
        let mut names = Vec::new();
        let mut virtual_group = None;
        let mut i = 2;
        while i < w.len() {
            let x = &w[i];
            if x == "--virtual" || (manager == "apk" && x == "-t") {
                virtual_group = w.get(i + 1).cloned();
                i += 2;
                continue;
            }
            if VALUED.contains(&x.as_str()) {
                i += 2;
                continue;
            }
            if !x.starts_with('-') {
                names.push(x.clone());
            }
            i += 1;
        }
        if installs {
            if let Some(g) = virtual_group {
                groups.push((g, names.clone()));
            }
            for p in names {
                if !build_only(&p) && !out.contains(&p) {
                    out.push(p);
                }
            }
        } else if removes {
            for p in names {
                let members = groups
                    .iter()
                    .find(|(g, _)| *g == p)
                    .map(|(_, m)| m.clone())
                    .unwrap_or_else(|| vec![p.clone()]);
                out.retain(|o| !members.contains(o));
            }
        }
    }
    out
}
