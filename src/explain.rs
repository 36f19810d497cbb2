//! `--explain`: the detection evidence and the plan, in words.

use std::fmt::Write;

use crate::detect::Source;
use crate::lang::Registry;
use crate::parse::Dockerfile;
use crate::plan::Decision;
use crate::process::Planned;
use crate::report::{human_bytes, FileReport};

/// The explanation of one processed file.
pub fn explain(
    report: &FileReport,
    planned: Option<&Planned>,
    original: Option<&str>,
    registry: &Registry,
) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", report.path);
    let Some(planned) = planned else {
        if let Some(r) = &report.reason {
            let _ = writeln!(out, "  status: {}", report.status.name());
            let _ = writeln!(out, "  reason: {}", with_line(r.line, &r.display()));
        }
        return out;
    };
    if let Some(d) = &planned.detection {
        detection(&mut out, d, registry);
    }
    match &planned.decision {
        Decision::Unchanged(r) => {
            let _ = writeln!(
                out,
                "  decision: unchanged — {}",
                with_line(r.line, &r.display())
            );
        }
        Decision::Refused(r) => {
            let _ = writeln!(
                out,
                "  decision: refused — {}",
                with_line(r.line, &r.display())
            );
        }
        Decision::Rewrite(plan) => rewrite(&mut out, report, plan, original),
    }
    out
}

/// The detection evidence, weighed.
fn detection(out: &mut String, d: &crate::detect::Detection, registry: &Registry) {
    match &d.language {
        Some(l) => {
            let _ = writeln!(
                out,
                "  language: {} (confidence: {})",
                registry.display_name(l),
                format!("{:?}", d.confidence).to_lowercase()
            );
        }
        None => {
            let _ = writeln!(out, "  language: none recognised");
        }
    }
    if !d.evidence.is_empty() {
        let _ = writeln!(out, "  evidence:");
        for e in &d.evidence {
            let place = match &e.source {
                Source::BaseImage { line } | Source::Run { line } => format!("line {line}"),
                Source::Context { file } => format!("context: {file}"),
                Source::Flag => "command line".into(),
            };
            let _ = writeln!(
                out,
                "    - {} → {} ({place})",
                e.detail,
                registry.display_name(&e.language)
            );
        }
    }
}

/// A rewrite's plan: the builder, its edits, the final stage with the
/// reason for each line, the warnings and the saving.
fn rewrite(
    out: &mut String,
    report: &FileReport,
    plan: &crate::plan::Plan,
    original: Option<&str>,
) {
    let _ = writeln!(
        out,
        "  decision: {} (flavour {})",
        report.status.name(),
        plan.flavor.name()
    );
    if let Some(r) = &report.reason {
        let _ = writeln!(out, "  but: {}", with_line(r.line, &r.display()));
    }
    let _ = writeln!(
        out,
        "  builder: {} as stage \"{}\"",
        plan.builder_image, plan.builder_name
    );
    let _ = writeln!(out, "  runtime: {}", plan.runtime_image);
    if !plan.builder_edits.is_empty() {
        let _ = writeln!(out, "  edits in the builder:");
        for e in &plan.builder_edits {
            let line = original.map(|t| 1 + t[..e.range.start.min(t.len())].matches('\n').count());
            let text = e.text.trim_start_matches(['\r', '\n']);
            let at = line.map_or("end".into(), |l| format!("line {l}"));
            if text.lines().count() > 1 {
                // Instructions on lines of their own, one a line.
                let _ = writeln!(out, "    - {at}: add after it — {}", e.why);
                for l in text.lines() {
                    let _ = writeln!(out, "        {l}");
                }
            } else if let Some(was) = original
                .and_then(|t| t.get(e.range.clone()))
                .filter(|w| !w.is_empty())
            {
                let _ = writeln!(out, "    - {at}: `{was}` becomes `{text}` — {}", e.why);
            } else {
                let _ = writeln!(out, "    - {at}: add `{text}` — {}", e.why);
            }
        }
    }
    let _ = writeln!(out, "  final stage:");
    // The original's text, which the carried instructions are written from.
    let parsed = Dockerfile::parse(original.unwrap_or(""));
    for l in &plan.final_stage {
        let text = crate::render::instruction_text(&parsed, l);
        let first = text.lines().next().unwrap_or("");
        let more = if text.lines().count() > 1 { " …" } else { "" };
        let _ = writeln!(out, "    {first}{more}");
        let _ = writeln!(out, "        ↳ {}", l.why);
    }
    if !plan.assumptions.is_empty() {
        let _ = writeln!(out, "  assumed:");
        for (line, what) in &plan.assumptions {
            let _ = writeln!(out, "    - {}", with_line(Some(*line), what));
        }
    }
    if !plan.warnings.is_empty() {
        let _ = writeln!(out, "  warnings:");
        for w in &plan.warnings {
            let _ = writeln!(out, "    - {}", with_line(w.line, &w.display()));
        }
    }
    match report.estimated_saving_bytes {
        Some(b) => {
            let _ = writeln!(
                out,
                "  estimated saving on the base image: {} ({} → {})",
                human_bytes(b),
                plan.builder_image,
                plan.runtime_image
            );
        }
        None => {
            let _ = writeln!(
                out,
                "  estimated saving: unknown (no published size for one of the images)"
            );
        }
    }
}

/// The explanation for `--explain --format json`: the detection (language,
/// confidence, evidence) and, for a rewrite, the builder's edits and the
/// final stage, each line with its reason.
pub fn explanation(planned: Option<&Planned>, original: Option<&str>) -> serde_json::Value {
    let Some(planned) = planned else {
        return serde_json::Value::Null;
    };
    let mut doc = serde_json::json!({ "detection": planned.detection });
    if let Decision::Rewrite(plan) = &planned.decision {
        let parsed = Dockerfile::parse(original.unwrap_or(""));
        let edits: Vec<serde_json::Value> = plan
            .builder_edits
            .iter()
            .map(|e| {
                let line =
                    original.map(|t| 1 + t[..e.range.start.min(t.len())].matches('\n').count());
                serde_json::json!({
                    "line": line,
                    "add": e.text.trim_start_matches(['\r', '\n']),
                    "why": e.why,
                })
            })
            .collect();
        let stage: Vec<serde_json::Value> = plan
            .final_stage
            .iter()
            .map(|l| {
                serde_json::json!({
                    "instruction": crate::render::instruction_text(&parsed, l),
                    "why": l.why,
                })
            })
            .collect();
        doc["builder"] = serde_json::json!({
            "image": plan.builder_image,
            "stage": plan.builder_name,
            "edits": edits,
        });
        doc["final_stage"] = serde_json::Value::Array(stage);
        doc["assumptions"] = plan
            .assumptions
            .iter()
            .map(|(line, what)| serde_json::json!({ "line": line, "what": what }))
            .collect();
    }
    doc
}

fn with_line(line: Option<usize>, message: &str) -> String {
    match line {
        Some(l) => format!("line {l}: {message}"),
        None => message.to_string(),
    }
}
