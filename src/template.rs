//! Language templates: the data behind each rewrite, one schema for every
//! language, kept in `templates/<lang>.toml` and compiled in. A template has
//! the sections every language shares — detection, the base images' own
//! configuration, tools per flavour, build-only packages, cache folders,
//! Debian↔alpine package names — and a `[rules]` section that its language's
//! module reads into its own type. Templates live in the run's registry
//! ([`crate::lang::Registry`]).

use std::collections::BTreeMap;

use serde::de::{DeserializeOwned, DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;

use crate::flavor::Flavor;

/// A language template. `R` is the language's own `[rules]` section: a raw
/// table in the registry, the language's typed rules where its module reads
/// them. Every section has a default, so a user's partial override reads
/// with the same type (an unknown key is an error at any depth).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Template<R = toml::Table> {
    /// The language's id (`node`): `--lang`, the JSON report, `[templates.<id>]`.
    pub language: String,
    /// The name a person reads (`Node.js`).
    pub display_name: String,
    pub detect: Detect,
    /// The four flavours of the final stage: each an image or a refusal.
    pub flavors: Flavors,
    pub base_config: BaseConfig,
    /// Programs a `HEALTHCHECK` may call, and how to install them per flavour.
    pub tools: BTreeMap<String, ToolInstall>,
    /// System packages only a build needs (compilers, headers, fetchers).
    pub build_only_packages: Vec<String>,
    /// Folders a build may write without the final stage needing them.
    pub cache_dirs: Vec<String>,
    /// Programs whose writes the language's rules model (its package
    /// managers): other programs are judged by the shared rule of what they
    /// may write (src/assemble/unmodelled.rs).
    pub tool_programs: Vec<String>,
    /// Prefixes of the variables that configure the language's tools
    /// (`PIP_`, `PNPM_HOME`): their folders are the tools' own.
    pub tool_variables: Vec<String>,
    /// Debian package names and their alpine counterparts.
    pub package_names: BTreeMap<String, String>,
    /// The run-time libraries a build-only `-dev` package stands for
    /// (`libcairo2-dev` → `libcairo2`), by package manager: what a module
    /// compiled against it loads at run time.
    pub dev_libraries: BTreeMap<String, Vec<String>>,
    /// Programs whose path differs on alpine (`/usr/bin/tini` → `/sbin/tini`).
    pub alpine_paths: BTreeMap<String, String>,
    /// The language's own data, read by its module.
    pub rules: R,
}

/// The table of the four flavours (design.md, "Flavours").
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Flavors {
    pub slim: FlavorEntry,
    pub alpine: FlavorEntry,
    pub distroless: FlavorEntry,
    pub scratch: FlavorEntry,
}

impl Flavors {
    /// The entry of a flavour.
    pub fn get(&self, flavor: Flavor) -> &FlavorEntry {
        match flavor {
            Flavor::Slim => &self.slim,
            Flavor::Alpine => &self.alpine,
            Flavor::Distroless => &self.distroless,
            Flavor::Scratch => &self.scratch,
        }
    }
}

/// One flavour of a language: its runtime image, or why there is none.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FlavorEntry {
    /// The runtime image, with the language's placeholders (`{major}`);
    /// empty where the language composes it from the builder's tag
    /// (`node:20` → `node:20-slim`).
    pub image: String,
    /// Whether the image has `/bin/sh` (default: yes).
    pub shell: Option<bool>,
    /// The users the image knows, where it knows only some (distroless:
    /// `root`, `nonroot`, `nobody`); any where not given.
    pub users: Option<Vec<String>>,
    /// A refusal instead of an image.
    pub refuse: Option<FlavorRefusal>,
}

impl FlavorEntry {
    /// Whether the image has a shell.
    pub fn has_shell(&self) -> bool {
        self.shell.unwrap_or(true)
    }
}

/// Why a flavour has no image for a language.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FlavorRefusal {
    /// A reason code (`no-runtime-image`).
    pub code: String,
    pub message: String,
    pub hint: Option<String>,
}

/// What points at the language, and how strongly.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Detect {
    /// Official image repositories, after a registry and `library/` are stripped.
    pub images: Vec<String>,
    /// Programs a `RUN` runs that hint at the language.
    pub programs: Vec<ProgramHint>,
    /// Files in the build context that hint at it, in the order evidence lists them.
    pub context_files: Vec<FileHint>,
}

/// A file in the build context that hints at a language.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FileHint {
    pub name: String,
    pub weight: u32,
}

/// A program that hints at a language.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProgramHint {
    pub name: String,
    pub weight: u32,
    /// Counted only with one of these subcommands (`go build`); any when empty.
    pub subcommands: Vec<String>,
}

/// What the language's official images set before a Dockerfile's own
/// instructions, and what they hold besides the language.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BaseConfig {
    pub entrypoint: Vec<String>,
    pub cmd: Vec<String>,
    pub user: String,
    /// The working folder the images start in (`/go` on golang's).
    pub workdir: Option<String>,
    /// The same, by image, where the language's images differ (gradle's
    /// `/home/gradle`).
    pub workdirs: BTreeMap<String, String>,
    /// The variables the images set that a Dockerfile's paths use
    /// (`GOPATH=/go`): known to its instructions as they are in a build.
    pub env: BTreeMap<String, String>,
    /// Scripts of the project that stand for a tool (`mvnw`, `gradlew`):
    /// modelled as that tool, not read.
    pub wrappers: Vec<String>,
    /// The users the language's official images create, with their numeric
    /// ids (`node = "1000:1000"`): what a final stage without them can use.
    pub user_ids: BTreeMap<String, String>,
    /// Programs on the runtime images, by flavour.
    pub programs: FlavorLists,
}

/// A list per flavour.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FlavorLists {
    pub slim: Vec<String>,
    pub alpine: Vec<String>,
    pub distroless: Vec<String>,
    pub scratch: Vec<String>,
}

impl FlavorLists {
    /// The list for a flavour.
    pub fn get(&self, flavor: Flavor) -> &[String] {
        match flavor {
            Flavor::Slim => &self.slim,
            Flavor::Alpine => &self.alpine,
            Flavor::Distroless => &self.distroless,
            Flavor::Scratch => &self.scratch,
        }
    }
}

/// How to install a program in the final stage, per flavour.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ToolInstall {
    pub slim: Option<String>,
    pub alpine: Option<String>,
}

impl ToolInstall {
    /// The install command for a flavour, where it has one.
    pub fn for_flavor(&self, flavor: Flavor) -> Option<&str> {
        match flavor {
            Flavor::Slim => self.slim.as_deref(),
            Flavor::Alpine => self.alpine.as_deref(),
            _ => None,
        }
    }
}

impl<R> Template<R> {
    /// Whether a system package is only needed to build.
    pub fn build_only(&self, pkg: &str) -> bool {
        let name = pkg.split(['=', ':']).next().unwrap_or(pkg);
        self.build_only_packages.iter().any(|p| p == name)
            || name.ends_with("-dev")
            || name.ends_with("-devel")
    }
}

/// Where a dependency's install (or a build step) downloads to, outside the
/// application, and the variables that move or skip it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct InstallDownload {
    pub folder: String,
    /// Variables that skip the download (`…SKIP…`), or move it: a value
    /// inside the application directory (or `0`, playwright's for
    /// node_modules) keeps it with the app.
    pub env: Vec<String>,
    /// Commands that download (`playwright install`); where none are given,
    /// having the dependency does.
    pub commands: Vec<String>,
    /// Words with which such a command also installs system packages itself
    /// (playwright's `--with-deps`, `install-deps`), which slimfile cannot
    /// name for the final stage.
    #[serde(default)]
    pub installs_system: Vec<String>,
}

/// Reads a language's typed template from a merged table.
pub fn typed<R: DeserializeOwned + Default>(table: &toml::Table) -> Result<Template<R>, String> {
    toml::Value::Table(table.clone())
        .try_into()
        .map_err(|e: toml::de::Error| e.message().to_string())
}

/// Merges `overrides` into `base` key by key: tables merge, other values replace.
pub(crate) fn merge(base: &mut toml::Table, overrides: &toml::Table) {
    for (key, value) in overrides {
        match (base.get_mut(key), value) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge(b, o),
            _ => {
                base.insert(key.clone(), value.clone());
            }
        }
    }
}

/// Reads the table at `path` in a TOML text (`templates.node`) as `T`,
/// skipping the rest, so that an unknown or ill-typed key is an error with
/// the text's own line and column. A missing table is fine.
pub fn check_section<T: DeserializeOwned>(
    text: &str,
    path: &[&str],
) -> Result<(), toml::de::Error> {
    let de = toml::Deserializer::new(text);
    At::<T> {
        path,
        _t: std::marker::PhantomData,
    }
    .deserialize(de)
}

/// A seed that descends `path` and reads what is there as `T`.
struct At<'p, T> {
    path: &'p [&'p str],
    _t: std::marker::PhantomData<T>,
}

impl<'de, T: DeserializeOwned> DeserializeSeed<'de> for At<'_, T> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        match self.path.split_first() {
            None => T::deserialize(d).map(|_| ()),
            Some(_) => d.deserialize_map(self),
        }
    }
}

impl<'de, T: DeserializeOwned> Visitor<'de> for At<'_, T> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a table")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let (first, rest) = self.path.split_first().expect("a path to descend");
        while let Some(key) = map.next_key::<String>()? {
            if key == *first {
                map.next_value_seed(At::<T> {
                    path: rest,
                    _t: std::marker::PhantomData,
                })?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_merge_key_by_key() {
        let mut base: toml::Table = "[a]\nx = 1\ny = [1]\n[b]\nz = 'k'\n".parse().unwrap();
        let over: toml::Table = "[a]\ny = [2, 3]\n".parse().unwrap();
        merge(&mut base, &over);
        assert_eq!(
            base.to_string(),
            "[a]\nx = 1\ny = [2, 3]\n\n[b]\nz = \"k\"\n"
        );
    }

    #[test]
    fn a_section_is_checked_with_its_line() {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct T {
            a: u32,
        }
        let text = "x = 1\n[templates.node]\na = 1\n[templates.node.deep]\n";
        let e = check_section::<T>(text, &["templates", "node"]).unwrap_err();
        assert!(e.to_string().contains("line 4"), "{e}");
        assert!(e.to_string().contains("deep"), "{e}");
        assert!(check_section::<T>("[templates.go]\nb = 1\n", &["templates", "node"]).is_ok());
    }
}
