//! Language templates: the data behind each rewrite (images, package
//! managers, commands), kept in `templates/<lang>.toml` and compiled in.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

/// The Node.js template.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeTemplate {
    pub language: String,
    pub display_name: String,
    pub images: NodeImages,
    pub base_config: BaseConfig,
    pub files: NodeFiles,
    pub package_managers: Vec<PackageManager>,
    pub run_hints: RunHints,
    pub tools: BTreeMap<String, ToolInstall>,
    /// System packages a dependency needs at run time, per flavour.
    #[serde(default)]
    pub dependency_packages: BTreeMap<String, FlavorPackages>,
}

/// Packages per flavour.
#[derive(Debug, Deserialize)]
pub struct FlavorPackages {
    #[serde(default)]
    pub slim: Vec<String>,
    #[serde(default)]
    pub alpine: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub struct NodeImages {
    pub repositories: Vec<String>,
    pub debian_codenames: Vec<String>,
    pub floating_slim: BTreeMap<String, String>,
    pub floating_alpine: BTreeMap<String, String>,
    pub distroless: Distroless,
}

#[derive(Debug, Deserialize)]
pub struct Distroless {
    pub image: String,
    pub majors: Vec<u32>,
    pub entrypoint: Vec<String>,
}

/// What the official images set before the Dockerfile's own instructions.
#[derive(Debug, Deserialize)]
pub struct BaseConfig {
    pub entrypoint: Vec<String>,
    pub cmd: Vec<String>,
    pub user: String,
    pub programs_slim: Vec<String>,
    pub programs_alpine: Vec<String>,
    pub programs_distroless: Vec<String>,
    pub yarn_bundled_below: u32,
    pub corepack_bundled_below: u32,
}

#[derive(Debug, Deserialize)]
pub struct NodeFiles {
    pub manifest: String,
    pub version_files: Vec<String>,
    pub bun_lock_files: Vec<String>,
}

#[derive(Debug, Deserialize)]
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
}

#[derive(Debug, Deserialize)]
pub struct RunHints {
    pub commands: Vec<String>,
    pub build_scripts: Vec<String>,
    pub dev_scripts: Vec<String>,
}

/// How to install a program in the final stage, per flavour.
#[derive(Debug, Deserialize)]
pub struct ToolInstall {
    pub slim: Option<String>,
    pub alpine: Option<String>,
}

const NODE_TOML: &str = include_str!("../templates/node.toml");

static NODE: OnceLock<NodeTemplate> = OnceLock::new();

/// The Node.js template: the compiled-in one, with a config file's
/// overrides when [`configure_node`] ran first.
pub fn node() -> &'static NodeTemplate {
    NODE.get_or_init(|| {
        toml::from_str(NODE_TOML).expect("templates/node.toml is checked by the template tests")
    })
}

/// Merges `overrides` into the compiled-in Node.js template, key by key
/// (tables merge, other values replace), and fixes the result for the run.
pub fn configure_node(overrides: &toml::Table) -> Result<(), String> {
    let mut base: toml::Table = NODE_TOML
        .parse()
        .map_err(|e: toml::de::Error| e.to_string())?;
    merge(&mut base, overrides);
    let merged: NodeTemplate = toml::Value::Table(base)
        .try_into()
        .map_err(|e: toml::de::Error| e.to_string().trim().to_string())?;
    NODE.set(merged)
        .map_err(|_| "the Node.js template was already in use".to_string())
}

fn merge(base: &mut toml::Table, overrides: &toml::Table) {
    for (key, value) in overrides {
        match (base.get_mut(key), value) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge(b, o),
            _ => {
                base.insert(key.clone(), value.clone());
            }
        }
    }
}

impl NodeTemplate {
    /// The package manager with this name.
    pub fn package_manager(&self, name: &str) -> Option<&PackageManager> {
        self.package_managers.iter().find(|p| p.name == name)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn overrides_merge_key_by_key() {
        let mut base: toml::Table = "[a]\nx = 1\ny = [1]\n[b]\nz = 'k'\n".parse().unwrap();
        let over: toml::Table = "[a]\ny = [2, 3]\n".parse().unwrap();
        super::merge(&mut base, &over);
        assert_eq!(
            base.to_string(),
            "[a]\nx = 1\ny = [2, 3]\n\n[b]\nz = \"k\"\n"
        );
    }

    #[test]
    fn the_node_template_loads() {
        let t = super::node();
        assert_eq!(t.language, "node");
        assert!(t.package_manager("npm").is_some());
        assert!(t.images.distroless.majors.contains(&22));
    }
}
