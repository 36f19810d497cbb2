//! Which language built the application: evidence from the base image, the
//! `RUN` commands and the build context, weighed rather than first-match, and
//! kept so that `--explain` can say why.

use serde::Serialize;

use crate::context::Context;
use crate::parse::{Dockerfile, ImageRef, Keyword, Stage};
use crate::plan::command_words;

/// The languages slimfile knows of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    Node,
    Python,
    Go,
    Java,
    Rust,
    Bun,
}

impl Language {
    /// The name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            Language::Node => "node",
            Language::Python => "python",
            Language::Go => "go",
            Language::Java => "java",
            Language::Rust => "rust",
            Language::Bun => "bun",
        }
    }

    /// The name a person reads.
    pub fn display(self) -> &'static str {
        match self {
            Language::Node => "Node.js",
            Language::Python => "Python",
            Language::Go => "Go",
            Language::Java => "Java",
            Language::Rust => "Rust",
            Language::Bun => "Bun",
        }
    }
}

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
    pub language: Language,
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
    pub language: Option<Language>,
    pub confidence: Confidence,
    pub evidence: Vec<Evidence>,
}

/// The official image repositories of each language, after a registry and
/// `library/` are stripped.
fn image_language(image: &ImageRef) -> Option<Language> {
    let repo = official_name(&image.repository);
    Some(match repo {
        "node" => Language::Node,
        "python" | "pypy" => Language::Python,
        "golang" => Language::Go,
        "maven" | "gradle" | "eclipse-temurin" | "openjdk" | "amazoncorretto" => Language::Java,
        "rust" => Language::Rust,
        "oven/bun" => Language::Bun,
        _ => return None,
    })
}

/// The name of an official image without its `library/` namespace, as
/// mirrors spell it too (`public.ecr.aws/docker/library/node` → `node`);
/// other namespaced names are returned whole (`oven/bun`, `myorg/node`).
pub fn official_name(repository: &str) -> &str {
    match repository.rsplit_once("library/") {
        Some((ns, name)) if (ns.is_empty() || ns.ends_with('/')) && !name.contains('/') => name,
        _ => repository,
    }
}

/// The language a program name in a `RUN` command hints at.
fn program_language(words: &[String]) -> Option<(Language, u32)> {
    let program = words.first()?.rsplit('/').next()?;
    let sub = words.get(1).map(String::as_str).unwrap_or("");
    Some(match program {
        "npm" | "yarn" | "pnpm" | "npx" | "corepack" => (Language::Node, 3),
        "node" => (Language::Node, 2),
        "bun" | "bunx" => (Language::Bun, 4),
        "pip" | "pip3" | "poetry" | "pipenv" | "uv" => (Language::Python, 3),
        "python" | "python3" => (Language::Python, 1),
        "go" if matches!(sub, "build" | "install" | "mod" | "run") => (Language::Go, 3),
        "mvn" | "./mvnw" | "mvnw" | "gradle" | "./gradlew" | "gradlew" => (Language::Java, 3),
        "cargo" => (Language::Rust, 3),
        _ => return None,
    })
}

/// Context files and what they hint at.
const CONTEXT_FILES: &[(&str, Language, u32)] = &[
    ("package.json", Language::Node, 3),
    ("package-lock.json", Language::Node, 2),
    ("npm-shrinkwrap.json", Language::Node, 2),
    ("yarn.lock", Language::Node, 2),
    ("pnpm-lock.yaml", Language::Node, 2),
    (".nvmrc", Language::Node, 1),
    ("bun.lock", Language::Bun, 6),
    ("bun.lockb", Language::Bun, 6),
    ("requirements.txt", Language::Python, 3),
    ("pyproject.toml", Language::Python, 3),
    ("Pipfile", Language::Python, 3),
    ("uv.lock", Language::Python, 2),
    ("go.mod", Language::Go, 3),
    ("pom.xml", Language::Java, 3),
    ("build.gradle", Language::Java, 3),
    ("build.gradle.kts", Language::Java, 3),
    ("Cargo.toml", Language::Rust, 3),
];

/// Weighs the evidence for the stage's language. `forced` (from `--lang`)
/// wins, and is recorded as evidence too.
pub fn detect(
    file: &Dockerfile,
    stage: &Stage,
    ctx: &Context,
    forced: Option<Language>,
) -> Detection {
    let instructions: Vec<_> = file.instructions().collect();
    let mut evidence = Vec::new();
    if let Some(lang) = forced {
        evidence.push(Evidence {
            language: lang,
            source: Source::Flag,
            detail: format!("--lang {}", lang.name()),
            weight: 100,
        });
    }
    let from = instructions[stage.from];
    if let Some(lang) = stage.base.as_ref().and_then(image_language) {
        evidence.push(Evidence {
            language: lang,
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
    for &i in &instructions[stage.instructions.clone()] {
        if i.keyword != Keyword::Run {
            continue;
        }
        let mut seen = Vec::new();
        for words in command_words(file, i) {
            if let Some((lang, weight)) = program_language(&words) {
                if !seen.contains(&lang) {
                    seen.push(lang);
                    evidence.push(Evidence {
                        language: lang,
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
    for &(name, lang, weight) in CONTEXT_FILES {
        if ctx.has(name) {
            evidence.push(Evidence {
                language: lang,
                source: Source::Context { file: name.into() },
                detail: format!("{name} in the build context"),
                weight,
            });
        }
    }

    let mut totals: Vec<(Language, u32)> = Vec::new();
    for e in &evidence {
        match totals.iter_mut().find(|(l, _)| *l == e.language) {
            Some((_, w)) => *w += e.weight,
            None => totals.push((e.language, e.weight)),
        }
    }
    totals.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let language = totals.first().map(|&(l, _)| l);
    let from_base = |l: Language| {
        evidence
            .iter()
            .any(|e| e.language == l && matches!(e.source, Source::BaseImage { .. }))
    };
    let confidence = match language {
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
