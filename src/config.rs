//! A user's `slimfile.toml` (`--config FILE`): defaults for the command line
//! and overrides of the compiled-in templates, for teams whose registries,
//! image choices or install commands differ from the defaults.
//!
//! ```toml
//! flavor = "slim"                 # the default for --flavor
//! exclude = ["legacy/**"]         # added to --exclude
//!
//! [templates.node.flavors.distroless]
//! image = "mirror.example.com/distroless/nodejs{major}-debian13"
//!
//! [templates.node.rules.images.distroless]
//! majors = [22, 24]               # merged into templates/node.toml
//! ```
//!
//! Every key is checked, at any depth, with the template's own types: an
//! unknown or ill-typed key is an error naming the file, the line and the key.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::lang::Registration;
use crate::lang::{Registry, TemplateError};
use crate::plan::Flavor;

/// The settings a config file may hold.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    flavor: Option<Flavor>,
    #[serde(default)]
    include: Vec<String>,
    #[serde(default)]
    exclude: Vec<String>,
    /// Overrides of the templates, by language id: tables merged key by key
    /// into `templates/<id>.toml`.
    #[serde(default)]
    templates: BTreeMap<String, toml::Table>,
}

/// A loaded config file.
#[derive(Debug)]
pub struct Config {
    /// The default flavour, where `--flavor` is not given.
    pub flavor: Option<Flavor>,
    /// Globs added to `--include` and `--exclude`.
    pub include: Vec<String>,
    pub exclude: Vec<String>,
    /// The compiled-in templates with the file's overrides merged in.
    pub registry: Registry,
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

/// Reads a config file and builds the run's templates from it.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    parse(&text, &crate::lang::registrations()).map_err(|message| ConfigError::Invalid {
        path: path.to_path_buf(),
        message,
    })
}

/// Whether an unknown key is one a language keeps under `[rules]` (as Node's
/// `images`, `files` and `package_managers` were before they moved there).
fn moved_to_rules(e: &toml::de::Error) -> bool {
    let m = e.message();
    m.starts_with("unknown field")
        && [
            "`images`",
            "`files`",
            "`package_managers`",
            "`run_hints`",
            "`dependency_packages`",
        ]
        .iter()
        .any(|k| m.contains(k))
}

/// Reads a config text against `registrations`.
pub fn parse(text: &str, registrations: &[Registration]) -> Result<Config, String> {
    let file: File = toml::from_str(text).map_err(|e| e.to_string().trim().to_string())?;
    for r in registrations {
        if file.templates.contains_key(r.id) {
            (r.check)(text, &["templates", r.id]).map_err(|e| {
                let mut message = format!("[templates.{}]: {}", r.id, e.to_string().trim());
                if moved_to_rules(&e) {
                    message.push_str(&format!(
                        "\n  hint: a language's own data is under [templates.{}.rules] (for example [templates.{}.rules.images])",
                        r.id, r.id
                    ));
                }
                message
            })?;
        }
    }
    let registry = Registry::build(registrations, &file.templates).map_err(|TemplateError(e)| e)?;
    Ok(Config {
        flavor: file.flavor,
        include: file.include,
        exclude: file.exclude,
        registry,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(text: &str) -> String {
        parse(text, &crate::lang::registrations()).unwrap_err()
    }

    #[test]
    fn unknown_and_ill_typed_keys_are_errors_with_their_line() {
        let e = error("flavor = \"slim\"\n\n[templates.node.tools.curl]\nslimm = \"x\"\n");
        assert!(e.contains("line 4") && e.contains("slimm"), "{e}");
        let e = error("[templates.node.rules.images.distroless]\nmajors = \"22\"\n");
        assert!(e.contains("line 2") && e.contains("majors"), "{e}");
        let e = error(
            "[templates.node.rules]\nyarn_bundled_below = 26\n[templates.node.rules.imagez]\n",
        );
        assert!(e.contains("line 3") && e.contains("imagez"), "{e}");
        let e = error("[templates.pyhton]\n");
        assert!(
            e.contains("no such language") && e.contains("pyhton"),
            "{e}"
        );
        let e = error("flavour = \"slim\"\n");
        assert!(e.contains("line 1") && e.contains("flavour"), "{e}");
        // Node's own data moved under [rules]: the error says where.
        let e = error("[templates.node.images.distroless]\nmajors = [22]\n");
        assert!(e.contains("[templates.node.rules"), "{e}");
        // A language slimfile only detects has no rules to override.
        let e = error("[templates.python.rules]\nx = 1\n");
        assert!(e.contains("line 2") && e.contains('x'), "{e}");
        // A flavour's refusal names a reason code.
        let e = error("[templates.node.flavors.scratch.refuse]\ncode = \"nope\"\n");
        assert!(e.contains("nope") && e.contains("no reason code"), "{e}");
        // A package manager replaced must be whole.
        let e = error("[[templates.node.rules.package_managers]]\nname = \"npm\"\n");
        assert!(e.contains("line 1") && e.contains("lock_files"), "{e}");
    }

    #[test]
    fn two_configurations_live_in_one_process() {
        let regs = crate::lang::registrations();
        let a = parse(
            "[templates.node.rules.images.distroless]\nmajors = [22]\n",
            &regs,
        )
        .unwrap();
        let b = parse(
            "[templates.node.rules.images.distroless]\nmajors = [24]\n",
            &regs,
        )
        .unwrap();
        let majors = |c: &Config| {
            crate::template::typed::<crate::lang::node::NodeRules>(
                &c.registry.get("node").unwrap().table,
            )
            .unwrap()
            .rules
            .images
            .distroless
            .majors
        };
        assert_eq!(majors(&a), [22]);
        assert_eq!(majors(&b), [24]);
    }
}
