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
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Refusal {
    when: Vec<String>,
    #[serde(default)]
    unless: Vec<Vec<String>>,
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
    if let Some(w) = d.writes.get(name) {
        return Some(Effect::Writes(&w.paths));
    }
    let r = d.refuse.get(name)?;
    let args: Vec<&str> = c.args.iter().map(|a| a.text()).collect();
    if r.unless
        .iter()
        .any(|u| u.iter().map(String::as_str).eq(args.iter().copied()))
    {
        return Some(Effect::Quiet);
    }
    let changes = r.when.is_empty() || args.iter().any(|a| r.when.iter().any(|w| w == a));
    // A program named in the refusals but called another way (`make`,
    // `npm run build`) is judged by the general rule.
    changes.then_some(Effect::Refused {
        reason: &r.reason,
        hint: &r.hint,
    })
}

/// Whether `ln` makes a link to a data file that a copy may follow (its
/// target in `/usr/share/zoneinfo`): the copied file reads the same.
pub fn links_to_data(c: &Command) -> bool {
    if c.name() != "ln" {
        return false;
    }
    let target = c.args.iter().find(|a| !a.text().starts_with('-'));
    target.and_then(|a| a.value.as_deref()).is_some_and(|t| {
        data()
            .link_data
            .iter()
            .any(|d| crate::paths::is_within(&crate::paths::normalize(t), d))
    })
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
        assert!(links_to_data(&command(&[
            "ln",
            "-snf",
            "/usr/share/zoneinfo/Europe/Berlin",
            "/etc/localtime"
        ])));
        assert!(!links_to_data(&command(&[
            "ln",
            "-s",
            "/app/node_modules/.bin/tsc",
            "/usr/local/bin/tsc"
        ])));
    }
}
