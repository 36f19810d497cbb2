//! What happened to each file, in one vocabulary for the text summary and the
//! JSON report (design.md, "Statuses and exit codes").

use std::collections::BTreeMap;

use serde::Serialize;

use crate::codes::{Code, Reason, Warning};
pub use crate::sizes::human_bytes;

/// How a file ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Changed on disk (`--write`).
    Rewritten,
    /// A rewrite exists and was shown, not written.
    WouldRewrite,
    /// Nothing to do, with the reason.
    Unchanged,
    /// slimfile could rewrite this kind of file, but not this one safely.
    Refused,
    /// Seen by discovery and not processed.
    Skipped,
    /// Could not be read or parsed.
    Error,
}

impl Status {
    /// Every status, in the order summaries list them.
    pub const ALL: [Status; 6] = [
        Status::Rewritten,
        Status::WouldRewrite,
        Status::Unchanged,
        Status::Refused,
        Status::Skipped,
        Status::Error,
    ];

    /// How prose says it, for `n` files (`would be rewritten`, `2 errors`).
    pub fn words(self, n: usize) -> &'static str {
        match (self, n) {
            (Status::Rewritten, _) => "rewritten",
            (Status::WouldRewrite, _) => "would be rewritten",
            (Status::Unchanged, _) => "unchanged",
            (Status::Refused, _) => "refused",
            (Status::Skipped, _) => "skipped",
            (Status::Error, 1) => "error",
            (Status::Error, _) => "errors",
        }
    }

    /// The status as reports and JSON name it (`would_rewrite`).
    pub fn name(self) -> &'static str {
        match self {
            Status::Rewritten => "rewritten",
            Status::WouldRewrite => "would_rewrite",
            Status::Unchanged => "unchanged",
            Status::Refused => "refused",
            Status::Skipped => "skipped",
            Status::Error => "error",
        }
    }
}

/// One file's outcome, as the JSON report shows it.
#[derive(Debug, Clone, Serialize)]
pub struct FileReport {
    pub path: String,
    pub status: Status,
    pub language: Option<String>,
    pub flavor: Option<String>,
    pub builder_image: Option<String>,
    pub runtime_image: Option<String>,
    /// Why, for every status but `rewritten` and `would_rewrite`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<Reason>,
    pub warnings: Vec<Warning>,
    pub estimated_saving_bytes: Option<i64>,
    /// With `--verify`: the builds and the comparison.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verification: Option<crate::verify::Verification>,
    /// With `--explain`: the detection evidence and the plan's steps.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explanation: Option<serde_json::Value>,
}

impl FileReport {
    /// A report with only a path, a status and a reason.
    pub fn bare(path: &str, status: Status, reason: Option<Reason>) -> FileReport {
        FileReport {
            path: path.to_string(),
            status,
            language: None,
            flavor: None,
            builder_image: None,
            runtime_image: None,
            reason,
            warnings: Vec::new(),
            estimated_saving_bytes: None,
            verification: None,
            explanation: None,
        }
    }
}

/// Totals over a run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    pub files: usize,
    pub by_status: BTreeMap<&'static str, usize>,
    pub by_language: BTreeMap<String, usize>,
    /// Reasons for `refused`, `unchanged` and `skipped`, grouped, most
    /// frequent first.
    pub reasons: Vec<ReasonCount>,
    pub estimated_saving_bytes: i64,
}

/// How many files ended with one status for one reason code.
#[derive(Debug, Clone, Serialize)]
pub struct ReasonCount {
    pub status: &'static str,
    pub code: Code,
    /// What the code means.
    pub reason: &'static str,
    pub files: usize,
}

impl Summary {
    pub fn of(reports: &[FileReport]) -> Summary {
        let mut s = Summary {
            files: reports.len(),
            ..Summary::default()
        };
        for r in reports {
            *s.by_status.entry(r.status.name()).or_default() += 1;
            if let Some(l) = &r.language {
                *s.by_language.entry(l.clone()).or_default() += 1;
            }
            if matches!(r.status, Status::Rewritten | Status::WouldRewrite) {
                s.estimated_saving_bytes += r.estimated_saving_bytes.unwrap_or(0);
            }
        }
        let mut grouped: BTreeMap<(&'static str, Code), usize> = BTreeMap::new();
        for r in reports {
            if let (Status::Refused | Status::Unchanged | Status::Skipped, Some(reason)) =
                (r.status, &r.reason)
            {
                *grouped.entry((r.status.name(), reason.code)).or_default() += 1;
            }
        }
        s.reasons = grouped
            .into_iter()
            .map(|((status, code), files)| ReasonCount {
                status,
                code,
                reason: code.description(),
                files,
            })
            .collect();
        s.reasons
            .sort_by(|a, b| b.files.cmp(&a.files).then(a.status.cmp(b.status)));
        s
    }

    /// The closing lines of a text run, in words.
    pub fn text(&self) -> String {
        let mut out = String::new();
        let count = |s: Status| self.by_status.get(s.name()).copied().unwrap_or(0);
        let counts: Vec<String> = Status::ALL
            .iter()
            .map(|&s| (s, count(s)))
            .filter(|(_, n)| *n > 0)
            .map(|(s, n)| format!("{n} {}", s.words(n)))
            .collect();
        out.push_str(&format!(
            "slimfile: {} file{}: {}\n",
            self.files,
            if self.files == 1 { "" } else { "s" },
            counts.join(", ")
        ));
        if self.files > 1 {
            if !self.by_language.is_empty() {
                let langs: Vec<String> = self
                    .by_language
                    .iter()
                    .map(|(k, v)| format!("{v} {k}"))
                    .collect();
                out.push_str(&format!("  by language: {}\n", langs.join(", ")));
            }
            for r in &self.reasons {
                let status = Status::ALL
                    .into_iter()
                    .find(|s| s.name() == r.status)
                    .map_or(r.status, |s| s.words(r.files));
                out.push_str(&format!(
                    "  {} {status} [{}]: {}\n",
                    r.files, r.code, r.reason
                ));
            }
        }
        if self.estimated_saving_bytes > 0 {
            let rewritten = count(Status::Rewritten);
            let (n, what) = if rewritten > 0 {
                (rewritten, "rewritten")
            } else {
                (count(Status::WouldRewrite), "that would be rewritten")
            };
            out.push_str(&format!(
                "  estimated saving on base images: {}, over the {n} file{} {what}\n",
                human_bytes(self.estimated_saving_bytes),
                if n == 1 { "" } else { "s" }
            ));
        }
        out
    }
}

/// The JSON report: `files` and `summary`.
pub fn json(reports: &[FileReport]) -> String {
    let doc = serde_json::json!({
        "files": reports,
        "summary": Summary::of(reports),
    });
    serde_json::to_string_pretty(&doc).expect("the report holds only strings and numbers")
}
