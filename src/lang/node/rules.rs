//! The Node.js template's own `[rules]`: image tags, package managers, the
//! hints that mark a build, and what some dependencies need at run time.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::template::{InstallDownload, Template};

/// The Node.js template, with its rules typed.
pub type NodeTemplate = Template<NodeRules>;

/// The `[rules]` of `templates/node.toml`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NodeRules {
    /// yarn 1 ships in node images below this major.
    pub yarn_bundled_below: u32,
    /// corepack ships in node images below this major.
    pub corepack_bundled_below: u32,
    pub images: NodeImages,
    pub files: NodeFiles,
    pub package_managers: Vec<PackageManager>,
    pub run_hints: RunHints,
    /// System packages a dependency needs at run time, per flavour.
    pub dependency_packages: BTreeMap<String, FlavorPackages>,
    /// Packages a start tool needs at run time besides itself (`ts-node`
    /// compiles with `typescript`).
    pub runtime_peers: BTreeMap<String, Vec<String>>,
    /// Dependencies whose install downloads files outside the application
    /// (puppeteer's browser into `~/.cache/puppeteer`), and the variables
    /// that move or skip the download.
    pub install_downloads: BTreeMap<String, InstallDownload>,
    /// Well-known programs and the packages that install them (`tsc` →
    /// `typescript`), for lock files that do not say (yarn, pnpm).
    pub package_bins: BTreeMap<String, String>,
    /// A configuration file that makes a start tool need a package:
    /// `next.config.ts` = [`next`, `typescript`].
    pub config_peers: BTreeMap<String, (String, String)>,
}

/// Packages per flavour.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FlavorPackages {
    pub slim: Vec<String>,
    pub alpine: Vec<String>,
}

/// How node tags are read and mapped.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NodeImages {
    pub debian_codenames: Vec<String>,
    /// Releases whose packages moved to archive.debian.org.
    pub archived_codenames: Vec<String>,
    /// The release an end-of-life major's bare tag is frozen on, by major.
    pub frozen_codenames: BTreeMap<String, String>,
    pub floating_slim: BTreeMap<String, String>,
    pub floating_alpine: BTreeMap<String, String>,
    pub distroless: Distroless,
}

/// The distroless node images.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Distroless {
    pub majors: Vec<u32>,
    pub entrypoint: Vec<String>,
}

/// The files of a Node.js project.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NodeFiles {
    pub manifest: String,
    pub version_files: Vec<String>,
    pub bun_lock_files: Vec<String>,
}

/// A package manager: how it installs, and how it drops dev dependencies.
/// An override replaces the whole list, so every field is required.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackageManager {
    pub name: String,
    pub lock_files: Vec<String>,
    pub install_commands: Vec<String>,
    pub production_flags: Vec<String>,
    pub prune: String,
    #[serde(default)]
    pub prune_before_node_15: Option<String>,
    /// Flags of the original install the prune repeats (yarn's lock-file flags).
    #[serde(default)]
    pub keep_install_flags: Vec<String>,
    /// yarn berry's prune, and the first major that has it built in
    /// (earlier majors need a plugin the image may not have).
    #[serde(default)]
    pub berry_prune: Option<BerryPrune>,
}

/// How yarn berry drops dev dependencies.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BerryPrune {
    pub command: String,
    pub from_major: u32,
}

/// What marks a Node.js build in `RUN` steps.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RunHints {
    pub build_scripts: Vec<String>,
    pub dev_scripts: Vec<String>,
    /// Global packages that are build tools (`typescript`, whose program is
    /// `tsc`): not installed again where nothing in the final stage runs them.
    pub build_only_globals: Vec<String>,
    /// Commands that start a development server (`react-scripts start`,
    /// `vite`): the tool, and the subcommand where it takes one.
    pub dev_commands: Vec<String>,
}

impl NodeRules {
    /// The package manager with this name.
    pub fn package_manager(&self, name: &str) -> Option<&PackageManager> {
        self.package_managers.iter().find(|p| p.name == name)
    }
}
