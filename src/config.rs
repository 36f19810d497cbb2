//! A user's `slimfile.toml` (`--config FILE`): defaults for the command line
//! and overrides of the compiled-in templates, for teams whose registries,
//! image choices or install commands differ from the defaults.
//!
//! ```toml
//! flavor = "slim"                 # the default for --flavor
//! exclude = ["legacy/**"]         # added to --exclude
//!
//! [templates.node.images.distroless]
//! majors = [22, 24]               # merged into templates/node.toml
//! ```

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::plan::Flavor;

/// The settings a config file may hold.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The default flavour, where `--flavor` is not given.
    pub flavor: Option<Flavor>,
    /// Globs added to `--include` and `--exclude`.
    #[serde(default)]
    pub include: Vec<String>,
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Overrides of the templates, by language: tables merged key by key
    /// into `templates/<lang>.toml`.
    #[serde(default)]
    pub templates: Templates,
}

/// Template overrides.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Templates {
    pub node: Option<toml::Table>,
}

/// Why a config file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{}: cannot read: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: {message}", path.display())]
    Invalid { path: PathBuf, message: String },
}

/// Reads a config file and applies its template overrides; the templates
/// are then fixed for the rest of the run.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let invalid = |message: String| ConfigError::Invalid {
        path: path.to_path_buf(),
        message,
    };
    let config: Config =
        toml::from_str(&text).map_err(|e| invalid(e.to_string().trim().to_string()))?;
    if let Some(node) = &config.templates.node {
        crate::template::configure_node(node)
            .map_err(|e| invalid(format!("[templates.node]: {e}")))?;
    }
    Ok(config)
}
