//! What each flavour's operating system ships, whatever the language:
//! Debian slim's minbase utilities, alpine's busybox, nothing on distroless
//! and scratch. The data is `data/base-images.toml`, with its sources,
//! compiled in.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use serde::Deserialize;

use crate::flavor::Flavor;

/// The programs of each flavour's operating system.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct BaseImages {
    slim: OsPrograms,
    alpine: OsPrograms,
    distroless: OsPrograms,
    scratch: OsPrograms,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct OsPrograms {
    programs: BTreeSet<String>,
}

/// Whether the operating system of a flavour's runtime image ships this
/// program (by name: `rm`, `/bin/rm`).
pub fn os_has(flavor: Flavor, program: &str) -> bool {
    static DATA: OnceLock<BaseImages> = OnceLock::new();
    let data = DATA.get_or_init(|| {
        toml::from_str(include_str!("../data/base-images.toml"))
            .expect("data/base-images.toml is valid (a unit test reads it)")
    });
    let name = program.rsplit('/').next().unwrap_or(program);
    let os = match flavor {
        Flavor::Slim => &data.slim,
        Flavor::Alpine => &data.alpine,
        Flavor::Distroless => &data.distroless,
        Flavor::Scratch => &data.scratch,
    };
    os.programs.contains(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_base_image_data_reads_and_says_what_each_os_ships() {
        assert!(os_has(Flavor::Slim, "rm") && os_has(Flavor::Slim, "/bin/bash"));
        assert!(os_has(Flavor::Alpine, "nc") && os_has(Flavor::Alpine, "wget"));
        assert!(!os_has(Flavor::Alpine, "bash") && !os_has(Flavor::Slim, "curl"));
        assert!(!os_has(Flavor::Distroless, "sh") && !os_has(Flavor::Scratch, "sh"));
    }
}
