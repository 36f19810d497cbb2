//! The Go edits inside the builder: `CGO_ENABLED=0` on the builds of the
//! binaries a runtime without a C library runs, and the `go build` that
//! stands for a start command's `go run`.

use super::*;

/// The builder edits that make the binaries static: `CGO_ENABLED=0` on
/// each build command's own line, where its text can be found (the k-th `go
/// build`/`go install` of a RUN's text is its k-th go command); else one
/// `ENV` before its `RUN`. None for a build that sets it already.
pub(super) fn static_edits(
    file: &Dockerfile,
    facts: &StageFacts,
    builds: &[GoBuild],
    binaries: &[String],
) -> Vec<BuilderEdit> {
    let mut edits: Vec<BuilderEdit> = Vec::new();
    if facts.lookup("CGO_ENABLED").as_deref() == Some("0") {
        return edits;
    }
    let why = "a static binary (no cgo), which the runtime image needs: it has no C library of the builder's";
    for (n, b) in builds.iter().enumerate() {
        let wanted = b.paths().any(|bin| binaries.contains(bin));
        if !wanted || b.cgo_inline.is_some() {
            continue;
        }
        // Its place among the RUN's go commands.
        let k = builds[..n]
            .iter()
            .filter(|o| std::ptr::eq(o.run, b.run))
            .count();
        let span = b.run.text_span.clone();
        let text = file.text(span.clone());
        let mut at: Vec<usize> = ["go build", "go install"]
            .iter()
            .flat_map(|needle| {
                text.match_indices(needle)
                    .map(|(i, _)| i)
                    .filter(|&i| {
                        let before = text[..i].chars().last();
                        let after = text[i + needle.len()..].chars().next();
                        before.is_some_and(char::is_whitespace)
                            && after.is_none_or(char::is_whitespace)
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        at.sort_unstable();
        let exec_form = matches!(b.run.form, Some(Form::Exec(_)));
        let edit = match (at.get(k), exec_form) {
            (Some(i), false) => BuilderEdit {
                range: span.start + i..span.start + i,
                text: "CGO_ENABLED=0 ".into(),
                why: why.into(),
            },
            _ => {
                let eol = file.line_ending();
                let before = facts
                    .instructions
                    .iter()
                    .position(|i| std::ptr::eq(*i, b.run))
                    .and_then(|at| at.checked_sub(1))
                    .map_or(facts.from, |at| facts.instructions[at]);
                let end = before.text_span.end;
                BuilderEdit {
                    range: end..end,
                    text: format!("{eol}ENV CGO_ENABLED=0"),
                    why: why.into(),
                }
            }
        };
        if !edits.iter().any(|e| e.range == edit.range) {
            edits.push(edit);
        }
    }
    edits
}

/// The builder edit that builds what the start command's `go run` ran:
/// `go build` with its flags into `binary`, after the last step that
/// changes files (where `go run` would have seen them all); none where the
/// builder already has it (a second run).
pub(super) fn go_run_edit(
    file: &Dockerfile,
    facts: &StageFacts,
    builds: &[GoBuild],
    run: &GoRun,
    binary: &str,
    static_build: bool,
) -> Option<BuilderEdit> {
    if builds.iter().any(|b| b.writes(binary)) {
        return None;
    }
    let last = crate::lang::stage::last_file_step(facts)?;
    let eol = file.line_ending();
    let words: Vec<String> = run
        .flags
        .iter()
        .chain(["-o".to_string(), binary.to_string()].iter())
        .chain(run.package.iter())
        .map(|w| shell::quote(w))
        .collect();
    let cgo = if static_build { "CGO_ENABLED=0 " } else { "" };
    let end = last.text_span.end;
    Some(BuilderEdit {
        range: end..end,
        text: format!("{eol}RUN {cgo}go build {}", words.join(" ")),
        why: format!(
            "the program the start command's `go run` ran, built once here{}",
            if static_build { ", static" } else { "" }
        ),
    })
}
