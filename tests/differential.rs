//! Differential test against the `parse-dockerfile` crate, an independent
//! parser that agrees with BuildKit on real-world files: on every fixture, the
//! same instructions, at the same bytes and lines, in the same form.
//!
//! The only differences allowed are that crate's known faults, each corrected
//! for by name below ([`Fault`]); everything else must match exactly.

use std::collections::HashSet;
use std::fs;
use std::path::PathBuf;

use serde_json::Value;
use slimfile::parse::{Dockerfile, Form, Keyword};

/// One instruction as both parsers can describe it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Seen {
    keyword: String,
    start: usize,
    end: usize,
    start_line: usize,
    end_line: usize,
    /// `Some(true)` for a JSON array, where the parser says.
    exec: Option<bool>,
}

/// The faults of `parse-dockerfile` 0.1.9 that this test corrects for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Fault {
    /// A line ending in two or more escape characters does not continue in
    /// BuildKit (`\\` is an escaped backslash); the crate joins the next line
    /// onto it anyway.
    JoinsAfterDoubleEscape,
    /// The crate's offsets are relative to the text after a UTF-8 BOM, so
    /// they are 3 bytes short.
    SpansShiftAfterBom,
    /// The spans of `SHELL`, `COPY` and `VOLUME` JSON arrays end at the last
    /// string, leaving the closing `"]` outside.
    ArrayCloseOutsideSpan,
    /// For a `<<-` heredoc, the body's span runs on over the leading tabs of
    /// the terminator line (the body's value is right).
    ChompedTabsInHeredocSpan,
    /// The crate reads a `RUN` heredoc only when its marker opens the command
    /// (`RUN <<EOF cat`), not later in it (`RUN python3 <<EOF`), which
    /// BuildKit reads; it then takes the body for instructions and fails.
    RunHeredocAfterCommand,
}

/// Whether the crate's error at `line` falls in the body of a `RUN` heredoc
/// whose marker does not open the command.
fn in_late_run_heredoc(text: &str, error: &str) -> bool {
    let Some(line) = error
        .split("at line ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse::<usize>().ok())
    else {
        return false;
    };
    let file = Dockerfile::parse(text);
    let found = file.instructions().any(|i| {
        i.keyword == Keyword::Run
            && !i.args.starts_with("<<")
            && i.heredocs.iter().any(|h| {
                let first = line_of(text, h.body.start);
                let last = line_of(text, h.body.end.max(h.body.start + 1) - 1);
                h.body.end > h.body.start && (first..=last).contains(&line)
            })
    });
    found
}

fn fixtures() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in [
        "tests/fixtures/syntax-cases",
        "tests/fixtures/parser",
        "examples",
    ] {
        collect(PathBuf::from(dir), &mut out);
    }
    out.sort();
    assert!(out.len() >= 49, "fixtures are missing: {}", out.len());
    out
}

fn collect(dir: PathBuf, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(&dir) else {
        return;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if path.is_dir() {
            collect(path, out);
        } else if name == "Dockerfile" || name.ends_with(".Dockerfile") {
            out.push(path);
        }
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    1 + text.as_bytes()[..offset]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
}

/// What slimfile's parser sees, in the same terms.
fn ours(text: &str) -> Vec<Seen> {
    let file = Dockerfile::parse(text);
    file.instructions()
        .map(|i| {
            // The crate's spans stop at the last heredoc body; BuildKit's
            // lines (and ours) include the terminator line.
            let end = i
                .onbuild
                .as_deref()
                .unwrap_or(i)
                .heredocs
                .last()
                .map_or(i.text_span.end, |h| h.body.end);
            Seen {
                keyword: i.keyword.as_str().to_string(),
                start: i.text_span.start,
                end,
                start_line: i.start_line,
                end_line: line_of(text, end.max(i.text_span.start + 1) - 1),
                exec: match (&i.form, i.keyword) {
                    (_, Keyword::Copy | Keyword::Add | Keyword::Shell | Keyword::Onbuild) => None,
                    (Some(Form::Exec(_)), _) => Some(true),
                    (Some(Form::Shell(_)), _) => Some(false),
                    (None, _) => None,
                },
            }
        })
        .collect()
}

fn spans(v: &Value, min: &mut usize, max: &mut usize) {
    match v {
        Value::Object(map) => {
            if let (Some(s), Some(e)) = (map.get("start"), map.get("end")) {
                if let (Some(s), Some(e)) = (s.as_u64(), e.as_u64()) {
                    *min = (*min).min(s as usize);
                    *max = (*max).max(e as usize);
                }
            }
            if let Some(f) = map.get("flag_start").and_then(Value::as_u64) {
                *min = (*min).min(f as usize);
            }
            map.values().for_each(|v| spans(v, min, max));
        }
        Value::Array(items) => items.iter().for_each(|v| spans(v, min, max)),
        _ => {}
    }
}

fn exec_of(v: &Value) -> Option<bool> {
    let kind = v["kind"].as_str()?;
    let args = match kind {
        "HEALTHCHECK" => &v["arguments"]["arguments"],
        "RUN" | "CMD" | "ENTRYPOINT" | "VOLUME" => &v["arguments"],
        _ => return None,
    };
    let obj = args.as_object()?;
    if obj.contains_key("exec") || obj.contains_key("json") {
        Some(true)
    } else if obj.contains_key("shell") || obj.contains_key("string") {
        Some(false)
    } else {
        None
    }
}

/// What `parse-dockerfile` sees, corrected for its BOM fault.
fn theirs(text: &str) -> Result<Vec<Seen>, String> {
    let parsed = parse_dockerfile::parse(text).map_err(|e| e.to_string())?;
    let json = serde_json::to_value(&parsed.instructions).map_err(|e| e.to_string())?;
    // Fault::SpansShiftAfterBom
    let shift = if text.starts_with('\u{FEFF}') { 3 } else { 0 };
    Ok(json
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            let (mut start, mut end) = (usize::MAX, 0);
            spans(v, &mut start, &mut end);
            let (start, end) = (start + shift, end + shift);
            Seen {
                keyword: v["kind"].as_str().unwrap().to_string(),
                start,
                end,
                start_line: line_of(text, start),
                end_line: line_of(text, end.max(start + 1) - 1),
                exec: exec_of(v),
            }
        })
        .collect())
}

/// Ours as the crate would see it: after a line ending in two or more escape
/// characters, the next instruction is joined on.
fn with_double_escape_joins(text: &str, ours: Vec<Seen>) -> Vec<Seen> {
    let mut out: Vec<Seen> = Vec::new();
    let mut join_next = false;
    for seen in ours {
        let ends_double = {
            let line_start = text[..seen.end].rfind('\n').map_or(0, |i| i + 1);
            let line = text[line_start..seen.end].trim_end();
            line.ends_with("\\\\")
        };
        match out.last_mut() {
            Some(prev) if join_next => {
                prev.end = seen.end;
                prev.end_line = seen.end_line;
            }
            _ => out.push(seen),
        }
        join_next = ends_double;
    }
    out
}

/// Whether `ours` and `theirs` differ only by the closing `"]` of an array.
fn array_close_outside(text: &str, ours: &Seen, theirs: &Seen) -> bool {
    matches!(ours.keyword.as_str(), "SHELL" | "COPY" | "VOLUME")
        && theirs.end < ours.end
        && text[theirs.end..ours.end]
            .chars()
            .all(|c| c == '"' || c == ']' || c.is_whitespace())
        && text[theirs.end..ours.end].contains(']')
}

/// Whether `theirs` runs on past `ours` only over the tabs before a `<<-`
/// heredoc's terminator.
fn chomped_tabs_in_span(text: &str, ours: &Seen, theirs: &Seen) -> bool {
    theirs.end > ours.end
        && text[ours.end..theirs.end].chars().all(|c| c == '\t')
        && text[..ours.start].len() < ours.end
        && text[ours.start..ours.end].contains("<<-")
}

#[test]
fn agrees_with_parse_dockerfile_on_every_fixture() {
    let mut compared = 0;
    let mut report = Vec::new();
    let mut rejected = Vec::new();
    let mut seen_faults = HashSet::new();
    for path in fixtures() {
        let name = path.display().to_string();
        let text = fs::read_to_string(&path).unwrap();
        let theirs = match theirs(&text) {
            Ok(t) => t,
            Err(e) if in_late_run_heredoc(&text, &e) => {
                seen_faults.insert(Fault::RunHeredocAfterCommand);
                continue;
            }
            Err(e) => {
                // The crate also checks what `docker build` checks; a fixture
                // it rejects must be one that we flag too.
                let file = Dockerfile::parse(&text);
                assert!(
                    !file.problems().is_empty() || !file.build_problems().is_empty(),
                    "{name}: parse-dockerfile rejects it ({e}) and we see nothing wrong"
                );
                rejected.push(name);
                continue;
            }
        };
        if text.starts_with('\u{FEFF}') {
            seen_faults.insert(Fault::SpansShiftAfterBom);
        }
        let unjoined = ours(&text);
        let count = unjoined.len();
        let ours = with_double_escape_joins(&text, unjoined);
        if ours.len() != count {
            seen_faults.insert(Fault::JoinsAfterDoubleEscape);
        }
        if ours.len() != theirs.len() {
            report.push(format!(
                "{name}: {} instructions, parse-dockerfile {}",
                ours.len(),
                theirs.len()
            ));
            continue;
        }
        for (o, t) in ours.iter().zip(&theirs) {
            let mut t = t.clone();
            let fault = if array_close_outside(&text, o, &t) {
                Some(Fault::ArrayCloseOutsideSpan)
            } else if chomped_tabs_in_span(&text, o, &t) {
                Some(Fault::ChompedTabsInHeredocSpan)
            } else {
                None
            };
            if let Some(fault) = fault {
                seen_faults.insert(fault);
                t.end = o.end;
                t.end_line = o.end_line;
            }
            if t.exec.is_none() || o.exec.is_none() {
                t.exec = o.exec;
            }
            if *o != t {
                report.push(format!("{name}:\n  ours   {o:?}\n  theirs {t:?}"));
            }
            compared += 1;
        }
    }
    assert!(report.is_empty(), "{}", report.join("\n"));
    // Every correction above is needed by some fixture: none is dead code
    // that could hide a real difference.
    for fault in [
        Fault::JoinsAfterDoubleEscape,
        Fault::SpansShiftAfterBom,
        Fault::ArrayCloseOutsideSpan,
        Fault::ChompedTabsInHeredocSpan,
        Fault::RunHeredocAfterCommand,
    ] {
        assert!(seen_faults.contains(&fault), "{fault:?} never occurred");
    }
    // The crate also applies `docker build`'s checks, and so rejects the one
    // case that only BuildKit's parser accepts.
    assert_eq!(
        rejected,
        ["tests/fixtures/syntax-cases/healthcheck-bare.Dockerfile"],
        "parse-dockerfile rejects more than expected"
    );
    assert!(compared > 100, "only {compared} instructions compared");
}
