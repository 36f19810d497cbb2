//! The languages, registered in one place: each is a template
//! (`templates/<id>.toml`) and, for a language slimfile rewrites, a module
//! with its rules. Adding a language is adding its template, its module and
//! one line in [`registrations`]. The [`Registry`] holds the run's
//! templates (with a user's overrides) as a value passed down: there is no
//! process-wide state, so two configurations can live in one process.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::assemble::{LanguagePlan, Stop};
use crate::context::Context;
use crate::facts::StageFacts;
use crate::parse::{Dockerfile, Stage};
use crate::plan::Flavor;
use crate::template::{check_section, merge, Template};

pub mod go;
pub mod java;
pub mod node;
pub mod python;
pub mod stage;

/// What a language's rules are given to plan a rewrite.
pub struct Input<'a> {
    pub file: &'a Dockerfile,
    pub stage: &'a Stage,
    pub facts: &'a StageFacts<'a>,
    pub ctx: &'a Context,
    /// The flavour asked for, if any.
    pub flavor: Option<Flavor>,
}

/// A language's rules: what its template's data cannot say.
pub trait Rules: Send + Sync {
    /// Plans the rewrite of a stage detected as this language, in neutral
    /// terms the shared assembler turns into the final stage; or why not.
    fn plan<'a>(&self, input: &Input<'a>) -> Result<LanguagePlan<'a>, Stop>;
}

/// Reads a language's rules from its merged template.
pub type LoadRules = fn(&toml::Table) -> Result<Box<dyn Rules>, String>;

/// Checks a user's override of the template, at `path` in the config text,
/// with the language's own types (so errors carry the text's lines).
pub type CheckOverride = fn(&str, &[&str]) -> Result<(), toml::de::Error>;

/// One language.
#[derive(Clone, Copy)]
pub struct Registration {
    /// Its id, as the template names it.
    pub id: &'static str,
    /// Its template's text.
    pub template: &'static str,
    /// Its rules, for a language slimfile rewrites; `None` for one it only detects.
    pub load: Option<LoadRules>,
    pub check: CheckOverride,
    /// The reason and warning codes that are the language's own.
    pub codes: &'static [crate::codes::Code],
}

/// The `[rules]` of a language slimfile only detects: none, so an override
/// of them is an error.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoRules {}

impl Registration {
    /// A language slimfile detects but does not rewrite yet.
    pub const fn detected_only(id: &'static str, template: &'static str) -> Registration {
        Registration {
            id,
            template,
            load: None,
            check: check_section::<Template<NoRules>>,
            codes: &[],
        }
    }
}

/// The refusal a language's template gives for a flavour (`scratch has no
/// Node.js runtime`), if any.
pub fn flavor_refusal(
    flavors: &crate::template::Flavors,
    flavor: Flavor,
    line: usize,
) -> Result<(), Stop> {
    let Some(r) = &flavors.get(flavor).refuse else {
        return Ok(());
    };
    let code = crate::codes::Code::from_name(&r.code).expect("the registry checks refusal codes");
    let stop = crate::assemble::refused(code, line, r.message.clone());
    Err(match &r.hint {
        Some(h) => stop.hint(h.clone()),
        None => stop,
    })
}

/// Every language slimfile knows, in the order detection breaks ties.
pub fn registrations() -> Vec<Registration> {
    vec![
        node::registration(),
        python::registration(),
        go::registration(),
        java::registration(),
        Registration::detected_only("rust", include_str!("../../templates/rust.toml")),
        Registration::detected_only("bun", include_str!("../../templates/bun.toml")),
    ]
}

/// The ids of the compiled-in languages (for `--lang`).
pub fn ids() -> Vec<&'static str> {
    registrations().iter().map(|r| r.id).collect()
}

/// A language as the registry holds it: its template (with overrides
/// merged in) and, for a language slimfile rewrites, its rules.
pub struct Entry {
    pub template: Template,
    /// The merged template as a table, for the language to read its typed rules from.
    pub table: toml::Table,
    pub rules: Option<Box<dyn Rules>>,
}

impl std::fmt::Debug for Entry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Entry")
            .field("language", &self.template.language)
            .field("rewrites", &self.rules.is_some())
            .finish()
    }
}

/// The templates of a run, by language id.
#[derive(Debug, Clone)]
pub struct Registry {
    entries: Arc<Vec<Entry>>,
}

impl Default for Registry {
    fn default() -> Registry {
        Registry::builtin()
    }
}

/// Why a template or an override cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TemplateError(pub String);

impl Registry {
    /// The compiled-in templates of every registered language.
    pub fn builtin() -> Registry {
        Registry::build(&registrations(), &BTreeMap::new())
            .expect("the compiled-in templates are checked by the template tests")
    }

    /// The templates of `registrations`, each with its override (a table
    /// merged key by key into the template: tables merge, other values replace).
    pub fn build(
        registrations: &[Registration],
        overrides: &BTreeMap<String, toml::Table>,
    ) -> Result<Registry, TemplateError> {
        if let Some(unknown) = overrides
            .keys()
            .find(|k| !registrations.iter().any(|r| r.id == k.as_str()))
        {
            return Err(TemplateError(format!(
                "[templates.{unknown}]: no such language (known: {})",
                registrations
                    .iter()
                    .map(|r| r.id)
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        let mut entries = Vec::new();
        for r in registrations {
            let mut table: toml::Table = r.template.parse().map_err(|e: toml::de::Error| {
                TemplateError(format!("templates/{}.toml: {e}", r.id))
            })?;
            if let Some(o) = overrides.get(r.id) {
                merge(&mut table, o);
            }
            let template: Template =
                toml::Value::Table(table.clone())
                    .try_into()
                    .map_err(|e: toml::de::Error| {
                        TemplateError(format!("[templates.{}]: {}", r.id, e.message()))
                    })?;
            for f in crate::flavor::Flavor::ALL {
                if let Some(refuse) = &template.flavors.get(f).refuse {
                    if crate::codes::Code::from_name(&refuse.code).is_none() {
                        return Err(TemplateError(format!(
                            "[templates.{}.flavors.{}.refuse]: `{}` is no reason code",
                            r.id,
                            f.name(),
                            refuse.code
                        )));
                    }
                }
            }
            if template.language != r.id {
                return Err(TemplateError(format!(
                    "templates/{}.toml names the language `{}`",
                    r.id, template.language
                )));
            }
            let rules = match r.load {
                Some(load) => Some(
                    load(&table)
                        .map_err(|e| TemplateError(format!("[templates.{}]: {e}", r.id)))?,
                ),
                None => None,
            };
            entries.push(Entry {
                template,
                table,
                rules,
            });
        }
        Ok(Registry {
            entries: Arc::new(entries),
        })
    }

    /// The entry of a language.
    pub fn get(&self, id: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.template.language == id)
    }

    /// Every language, in registration order.
    pub fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter()
    }

    /// The ids of every language.
    pub fn ids(&self) -> Vec<&str> {
        self.entries
            .iter()
            .map(|e| e.template.language.as_str())
            .collect()
    }

    /// The name a person reads for a language id.
    pub fn display_name<'a>(&'a self, id: &'a str) -> &'a str {
        self.get(id)
            .map_or(id, |e| e.template.display_name.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_language_s_codes_are_its_own() {
        let core: Vec<&str> = crate::codes::Code::ALL.iter().map(|c| c.as_str()).collect();
        let mut seen = std::collections::HashSet::new();
        for r in registrations() {
            for c in r.codes {
                assert!(matches!(c, crate::codes::Code::Language { .. }), "{c}");
                assert!(!core.contains(&c.as_str()), "{c} is a core code too");
                assert!(seen.insert(c.as_str()), "{c} twice");
            }
        }
    }

    #[test]
    fn every_compiled_in_template_loads() {
        let r = Registry::builtin();
        assert_eq!(r.ids(), ["node", "python", "go", "java", "rust", "bun"]);
        for e in r.entries() {
            assert!(!e.template.display_name.is_empty());
            assert!(
                !e.template.detect.images.is_empty(),
                "{}",
                e.template.language
            );
        }
        assert!(r.get("node").unwrap().rules.is_some());
        assert!(r.get("python").unwrap().rules.is_some());
        assert!(r.get("java").unwrap().rules.is_some());
    }
}
