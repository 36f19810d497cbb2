//! The languages, registered in one place: each is a template
//! (`templates/<id>.toml`) and, for a language slimfile rewrites, a module
//! with its rules. Adding a language is adding its template, its module and
//! one line in [`registrations`].

use crate::context::Context;
use crate::parse::{Dockerfile, Stage};
use crate::plan::{Decision, Flavor, StageFacts};
use crate::template::{check_section, Template};

pub mod node;

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
    /// Plans the rewrite of a stage detected as this language.
    fn plan(&self, input: &Input) -> Decision;
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
}

impl Registration {
    /// A language slimfile detects but does not rewrite yet.
    pub const fn detected_only(id: &'static str, template: &'static str) -> Registration {
        Registration {
            id,
            template,
            load: None,
            check: check_section::<Template>,
        }
    }
}

/// Every language slimfile knows, in the order detection breaks ties.
pub fn registrations() -> Vec<Registration> {
    vec![
        node::registration(),
        Registration::detected_only("python", include_str!("../../templates/python.toml")),
        Registration::detected_only("go", include_str!("../../templates/go.toml")),
        Registration::detected_only("java", include_str!("../../templates/java.toml")),
        Registration::detected_only("rust", include_str!("../../templates/rust.toml")),
        Registration::detected_only("bun", include_str!("../../templates/bun.toml")),
    ]
}

/// The ids of the compiled-in languages (for `--lang`).
pub fn ids() -> Vec<&'static str> {
    registrations().iter().map(|r| r.id).collect()
}
