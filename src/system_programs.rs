//! What the system programs a `RUN` may call change outside the folder they
//! run in: nothing that stays (`grep`), system files at fixed paths
//! (`update-ca-certificates`, which the final stage copies), or changes no
//! copy of named paths can carry (`make install`, `update-alternatives`).
//! The data is `data/system-programs.toml`, with its sources, compiled in.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

use crate::shell::Command;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SystemPrograms {
    quiet: Vec<String>,
    link_data: Vec<String>,
    writes: BTreeMap<String, Writes>,
    refuse: BTreeMap<String, Refusal>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Writes {
    paths: Vec<String>,
    #[serde(default)]
    when: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Refusal {
    when: Vec<String>,
    #[serde(default)]
    unless: Vec<Vec<String>>,
    #[serde(default)]
    moved_by: Vec<String>,
    reason: String,
    hint: String,
}

fn data() -> &'static SystemPrograms {
    static DATA: OnceLock<SystemPrograms> = OnceLock::new();
    DATA.get_or_init(|| {
        toml::from_str(include_str!("../data/system-programs.toml"))
            .expect("data/system-programs.toml is valid (a unit test reads it)")
    })
}

/// What a system program does, as far as the final stage is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// It writes nothing that stays beyond what the reader follows.
    Quiet,
    /// It writes these system paths, which the final stage copies.
    Writes(&'static [String]),
    /// It installs into the folder its words or variables name
    /// (`make install PREFIX=/app/local`), which must be one the final
    /// stage has.
    InstallsInto(String),
    /// It changes the system in a way no copy carries: why, and what to do.
    Refused {
        reason: &'static str,
        hint: &'static str,
    },
}

/// What `c` does, where its program is one the data names; `None` for any
/// other program (and for a listed one called only to read, `crontab -l`).
pub fn effect(c: &Command) -> Option<Effect> {
    let d = data();
    let name = c.name();
    if d.quiet.iter().any(|q| q == name) {
        return Some(Effect::Quiet);
    }
    let args: Vec<&str> = c.args.iter().map(|a| a.text()).collect();
    if let Some(w) = d.writes.get(name) {
        let writes = w.when.is_empty() || args.iter().any(|a| w.when.iter().any(|x| x == a));
        return Some(if writes {
            Effect::Writes(&w.paths)
        } else {
            Effect::Quiet
        });
    }
    let r = d.refuse.get(name)?;
    if r.unless
        .iter()
        .any(|u| u.iter().map(String::as_str).eq(args.iter().copied()))
    {
        return Some(Effect::Quiet);
    }
    // `PREFIX=/app/local`, `--prefix /app/local`, `--prefix=…`, or the
    // variable set for the command.
    let moved = r.moved_by.iter().find_map(|m| {
        let in_words = args
            .iter()
            .enumerate()
            .find_map(|(i, a)| match a.split_once('=') {
                Some((k, v)) if k == m => Some(v.to_string()),
                None if a == m && m.starts_with("--") => args.get(i + 1).map(|v| v.to_string()),
                _ => None,
            });
        in_words.or_else(|| {
            c.env
                .iter()
                .find(|(k, _)| k == m)
                .and_then(|(_, v)| v.clone())
        })
    });
    if let Some(to) = moved {
        return Some(Effect::InstallsInto(to));
    }
    let changes = r.when.is_empty() || args.iter().any(|a| r.when.iter().any(|w| w == a));
    // A program named in the refusals but called another way (`make`,
    // `npm run build`) is judged by the general rule.
    changes.then_some(Effect::Refused {
        reason: &r.reason,
        hint: &r.hint,
    })
}

/// The data file `ln` links to where a copy may follow the link (its
/// target in `/usr/share/zoneinfo`): the copied file reads the same.
pub fn link_data_target(c: &Command) -> Option<String> {
    if c.name() != "ln" {
        return None;
    }
    let target = c.args.iter().find(|a| !a.text().starts_with('-'))?;
    let t = crate::paths::normalize(target.value.as_deref()?);
    data()
        .link_data
        .iter()
        .any(|d| crate::paths::is_within(&t, d))
        .then_some(t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shell::Arg;

    fn command(words: &[&str]) -> Command {
        Command {
            program: words[0].to_string(),
            args: words[1..].iter().map(|w| Arg::known(w)).collect(),
            dir: Some("/app".into()),
            user: Some("root".into()),
            env: Vec::new(),
            condition: crate::shell::Condition::Always,
            writes: Vec::new(),
            via: Vec::new(),
        }
    }

    #[test]
    fn the_data_reads_and_says_what_each_program_changes() {
        assert_eq!(
            effect(&command(&["grep", "-q", "x", "f"])),
            Some(Effect::Quiet)
        );
        assert!(matches!(
            effect(&command(&["/usr/sbin/update-ca-certificates"])),
            Some(Effect::Writes(p)) if p == ["/etc/ssl/certs"]
        ));
        assert!(matches!(
            effect(&command(&["make", "-j4", "install"])),
            Some(Effect::Refused { .. })
        ));
        assert_eq!(effect(&command(&["make", "-j4"])), None);
        // Moved into a folder of the caller's: judged by that folder.
        assert_eq!(
            effect(&command(&["make", "install", "PREFIX=/app/local"])),
            Some(Effect::InstallsInto("/app/local".into()))
        );
        assert_eq!(
            effect(&command(&[
                "cmake",
                "--install",
                "build",
                "--prefix",
                "/app/native"
            ])),
            Some(Effect::InstallsInto("/app/native".into()))
        );
        assert_eq!(effect(&command(&["crontab", "-l"])), Some(Effect::Quiet));
        assert!(matches!(
            effect(&command(&["crontab", "/etc/app.cron"])),
            Some(Effect::Refused { .. })
        ));
        assert!(matches!(
            effect(&command(&["dpkg-reconfigure", "tzdata"])),
            Some(Effect::Refused { .. })
        ));
        assert_eq!(
            effect(&command(&["dpkg", "--print-architecture"])),
            Some(Effect::Quiet)
        );
        assert_eq!(effect(&command(&["python", "manage.py"])), None);
        assert_eq!(
            link_data_target(&command(&[
                "ln",
                "-snf",
                "/usr/share/zoneinfo/Europe/Berlin",
                "/etc/localtime"
            ])),
            Some("/usr/share/zoneinfo/Europe/Berlin".into())
        );
        assert_eq!(
            link_data_target(&command(&[
                "ln",
                "-s",
                "/app/node_modules/.bin/tsc",
                "/usr/local/bin/tsc"
            ])),
            None
        );
    }
}
