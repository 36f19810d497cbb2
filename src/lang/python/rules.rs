//! The Python template's own `[rules]`: the virtual environment, the tools
//! that are not the application's, and how python tags are read.

use serde::Deserialize;

use std::collections::BTreeMap;

use crate::template::{InstallDownload, Template};

/// The Python template, with its rules typed.
pub type PythonTemplate = Template<PythonRules>;

/// The `[rules]` of `templates/python.toml`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PythonRules {
    /// Where the rewrite makes the virtual environment (`/opt/venv`).
    pub venv: String,
    /// Distributions that are build tools: an install of only these runs
    /// before the virtual environment is made.
    pub tool_packages: Vec<String>,
    /// Tools whose installs slimfile does not rewrite yet.
    pub tools_not_yet: Vec<String>,
    /// The URLs of build tools' installers piped to a shell or python.
    pub tool_installers: Vec<String>,
    /// Images of build tools and the programs copied from them.
    pub tool_images: BTreeMap<String, Vec<String>>,
    /// Programs the full python images have (from buildpack-deps) and the
    /// slim ones lack: a start command that runs one needs it installed.
    pub full_image_programs: Vec<String>,
    /// The packages that bring each of those programs.
    pub program_packages: BTreeMap<String, Vec<String>>,
    /// Debian packages a distribution needs at run time that the full
    /// python images have and slim lacks (`psycopg2` links `libpq5`).
    pub full_image_libraries: BTreeMap<String, Vec<String>>,
    /// Start commands that are development servers (`manage.py runserver`).
    pub dev_servers: Vec<String>,
    /// Build steps that download outside the application (NLTK's data,
    /// Hugging Face models), and the variables that move them.
    pub downloads: BTreeMap<String, InstallDownload>,
    pub images: PythonImages,
}

/// How python tags are read.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PythonImages {
    pub debian_codenames: Vec<String>,
    /// Releases whose packages moved to archive.debian.org.
    pub archived_codenames: Vec<String>,
}
