//! Which language built the application: evidence from the base image, the
//! `RUN` commands and the build context, weighed rather than first-match, and
//! kept so that `--explain` can say why.

use serde::Serialize;

use crate::context::Context;
use crate::facts::StageFacts;
use crate::lang::Registry;
use crate::parse::{Dockerfile, ImageRef, Stage};
use crate::shell::Step;

/// Where a piece of evidence was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Source {
    BaseImage { line: usize },
    Run { line: usize },
    Context { file: String },
    Flag,
}

/// One reason to think the application is in some language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evidence {
    /// The language's id (`node`).
    pub language: String,
    pub source: Source,
    pub detail: String,
    pub weight: u32,
}

/// How sure the detection is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// The base image is the language's official image, and nothing contradicts it.
    High,
    /// Commands and context agree, but the base image is not the language's.
    Medium,
    /// Only weak hints.
    Low,
}

/// The result of detection.
#[derive(Debug, Clone, Serialize)]
pub struct Detection {
    /// The language's id (`node`).
    pub language: Option<String>,
    pub confidence: Confidence,
    pub evidence: Vec<Evidence>,
}

/// The language whose template lists the base image's repository.
fn image_language<'r>(image: &ImageRef, registry: &'r Registry) -> Option<&'r str> {
    let repo = image.official_name();
    registry
        .entries()
        .find(|e| e.template.detect.images.iter().any(|i| i == repo))
        .map(|e| e.template.language.as_str())
}

/// The language a command in a `RUN` hints at, and how strongly.
fn program_language<'r>(words: &[String], registry: &'r Registry) -> Option<(&'r str, u32)> {
    let program = words.first()?.rsplit('/').next()?;
    let sub = words.get(1).map(String::as_str).unwrap_or("");
    registry.entries().find_map(|e| {
        e.template
            .detect
            .programs
            .iter()
            .find(|p| {
                p.name == program
                    && (p.subcommands.is_empty() || p.subcommands.iter().any(|s| s == sub))
            })
            .map(|p| (e.template.language.as_str(), p.weight))
    })
}

/// Weighs the evidence for the stage's language. `forced` (from `--lang`)
/// wins, and is recorded as evidence too.
pub fn detect(
    file: &Dockerfile,
    stage: &Stage,
    facts: &StageFacts,
    ctx: &Context,
    forced: Option<&str>,
    registry: &Registry,
) -> Detection {
    let instructions: Vec<_> = file.instructions().collect();
    let mut evidence = Vec::new();
    if let Some(lang) = forced {
        evidence.push(Evidence {
            language: lang.to_string(),
            source: Source::Flag,
            detail: format!("--lang {lang}"),
            weight: 100,
        });
    }
    let from = instructions[stage.from];
    if let Some(lang) = stage
        .base
        .as_ref()
        .and_then(|b| image_language(b, registry))
    {
        evidence.push(Evidence {
            language: lang.to_string(),
            source: Source::BaseImage {
                line: from.start_line,
            },
            detail: format!(
                "base image {}",
                stage.base.as_ref().map_or("", |b| b.raw.as_str())
            ),
            weight: 10,
        });
    }
    // What the RUNs run, as the stage's reading already found it (scripts
    // from the context followed).
    for run in &facts.run_steps {
        let i = run.instruction;
        let mut seen = Vec::new();
        let words = run.steps.iter().filter_map(|s| match s {
            Step::Run(c) => Some(c.words()),
            Step::Unknown(u) => u.program.clone().map(|p| vec![p]),
        });
        for words in words {
            if let Some((lang, weight)) = program_language(&words, registry) {
                if !seen.contains(&lang) {
                    seen.push(lang);
                    evidence.push(Evidence {
                        language: lang.to_string(),
                        source: Source::Run { line: i.start_line },
                        detail: format!(
                            "RUN {}",
                            words.iter().take(3).cloned().collect::<Vec<_>>().join(" ")
                        ),
                        weight,
                    });
                }
            }
        }
    }
    for (lang, hint) in registry.entries().flat_map(|e| {
        e.template
            .detect
            .context_files
            .iter()
            .map(move |h| (e.template.language.as_str(), h))
    }) {
        let (name, weight) = (hint.name.as_str(), hint.weight);
        if ctx.has(name) {
            evidence.push(Evidence {
                language: lang.to_string(),
                source: Source::Context { file: name.into() },
                detail: format!("{name} in the build context"),
                weight,
            });
        }
    }

    let mut totals: Vec<(&str, u32)> = Vec::new();
    for e in &evidence {
        match totals.iter_mut().find(|(l, _)| *l == e.language) {
            Some((_, w)) => *w += e.weight,
            None => totals.push((e.language.as_str(), e.weight)),
        }
    }
    // Ties go to the language registered first.
    let order = |l: &str| {
        registry
            .ids()
            .iter()
            .position(|i| *i == l)
            .unwrap_or(usize::MAX)
    };
    totals.sort_by(|a, b| b.1.cmp(&a.1).then(order(a.0).cmp(&order(b.0))));
    let language = totals.first().map(|&(l, _)| l.to_string());
    let from_base = |l: &str| {
        evidence
            .iter()
            .any(|e| e.language == l && matches!(e.source, Source::BaseImage { .. }))
    };
    let confidence = match language.as_deref() {
        Some(l) if forced == Some(l) || from_base(l) => Confidence::High,
        Some(_) if totals[0].1 >= 5 => Confidence::Medium,
        _ => Confidence::Low,
    };
    Detection {
        language,
        confidence,
        evidence,
    }
}
