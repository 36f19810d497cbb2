//! Turns a plan into the new file: the builder edits spliced into the
//! original text, so untouched lines keep their bytes, and the final stage's
//! typed instructions written after it. This is the only place text is
//! written, and it quotes what needs quoting: a path with a blank or a quote
//! takes the JSON form, a value the file's escape character.

use crate::edit::{EditError, Edits};
use crate::parse::Dockerfile;
use crate::plan::{Final, FinalInstruction, Plan};

/// The rewritten file, and the byte offset where the appended final stage
/// begins in it.
pub fn render(file: &Dockerfile, plan: &Plan) -> Result<(String, usize), EditError> {
    let source = file.source();
    let eol = file.line_ending();
    let mut edits = Edits::new();
    for e in &plan.builder_edits {
        edits.replace(e.range.clone(), e.text.clone());
    }
    let mut tail = String::new();
    if !source.is_empty() && !source.ends_with('\n') {
        tail.push_str(eol);
    }
    let ends_blank = source.ends_with("\n\n") || source.ends_with("\r\n\r\n");
    if !ends_blank {
        tail.push_str(eol);
    }
    for i in &plan.final_stage {
        tail.push_str(&instruction_text(file, i));
        tail.push_str(eol);
    }
    let tail_len = tail.len();
    edits.insert(source.len(), tail);
    let text = edits.apply(source)?;
    let tail_start = text.len() - tail_len;
    Ok((text, tail_start))
}

/// One final-stage instruction as text (without a line ending).
pub fn instruction_text(file: &Dockerfile, i: &FinalInstruction) -> String {
    let escape = file.escape();
    match &i.instruction {
        Final::From { platform, image } => match platform {
            Some(p) => format!("FROM --platform={p} {image}"),
            None => format!("FROM {image}"),
        },
        Final::Arg { name, default } => match default {
            // The default as the original wrote it: its quotes, variables
            // and escapes keep their meaning.
            Some(d) => format!("ARG {name}={d}"),
            None => format!("ARG {name}"),
        },
        Final::Run(command) => format!("RUN {command}"),
        Final::User(user) => format!("USER {user}"),
        // The path is resolved already: a `$` in it is literal.
        Final::Workdir(path) => format!("WORKDIR {}", quote_value(path, escape, true)),
        Final::CopyFrom {
            from,
            chown,
            src,
            dest,
        } => {
            let chown = chown
                .as_ref()
                .map(|o| format!(" --chown={o}"))
                .unwrap_or_default();
            // A `$` in a path is literal: COPY would expand it (`Main$Inner.class`).
            let quoted = needs_quotes(src, escape, false) || needs_quotes(dest, escape, false);
            let (src, dest) = (literal_dollar(src, escape), literal_dollar(dest, escape));
            if quoted {
                format!(
                    "COPY --from={from}{chown} [{}, {}]",
                    json(&src),
                    json(&dest)
                )
            } else {
                format!("COPY --from={from}{chown} {src} {dest}")
            }
        }
        Final::Env { name, value } => format!("ENV {name}={}", quote_value(value, escape, false)),
        Final::Cmd(args) => {
            let items: Vec<String> = args.iter().map(|a| json(a)).collect();
            format!("CMD [{}]", items.join(", "))
        }
        Final::Entrypoint(args) => {
            let items: Vec<String> = args.iter().map(|a| json(a)).collect();
            format!("ENTRYPOINT [{}]", items.join(", "))
        }
        Final::Rewritten(text) => text.clone(),
        Final::Original(span) => file
            .source()
            .get(span.clone())
            .unwrap_or_default()
            .to_string(),
    }
}

/// A `WORKDIR` value as [`instruction_text`] wrote it, read back: the
/// quotes removed and the escapes undone.
pub fn read_value(raw: &str, escape: char) -> String {
    let t = raw.trim();
    let Some(inner) = t.strip_prefix('"').and_then(|t| t.strip_suffix('"')) else {
        return t.to_string();
    };
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == escape {
            out.extend(chars.next());
        } else {
            out.push(c);
        }
    }
    out
}

/// A path with its `$`s escaped, which COPY would otherwise expand.
pub(crate) fn literal_dollar(s: &str, escape: char) -> String {
    s.replace('$', &format!("{escape}$"))
}

/// A JSON string.
fn json(s: &str) -> String {
    serde_json::Value::from(s).to_string()
}

/// Whether a word needs quotes to stay one word in a Dockerfile: blanks,
/// quotes, the escape character, and (where `dollar`) a `$` that would be
/// expanded.
fn needs_quotes(s: &str, escape: char, dollar: bool) -> bool {
    s.is_empty()
        || s.chars().any(|c| {
            c.is_whitespace() || matches!(c, '"' | '\'') || c == escape || (dollar && c == '$')
        })
}

/// A value for `WORKDIR`, in double quotes where it needs
/// them, with the file's escape character before `"`, itself and (where
/// `dollar`) `$`.
fn quote_value(value: &str, escape: char, dollar: bool) -> String {
    if !needs_quotes(value, escape, dollar) {
        return value.to_string();
    }
    let mut out = String::from("\"");
    for c in value.chars() {
        if c == '"' || c == escape || (dollar && c == '$') {
            out.push(escape);
        }
        out.push(c);
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{Final, FinalInstruction};

    #[test]
    fn a_dollar_in_a_copied_path_stays_literal() {
        let file = crate::parse::Dockerfile::parse("FROM scratch\n");
        let copy = |src: &str| FinalInstruction {
            instruction: Final::CopyFrom {
                from: "builder".into(),
                chown: None,
                src: src.into(),
                dest: src.into(),
            },
            why: String::new(),
        };
        assert_eq!(
            instruction_text(&file, &copy("/app/Main$Inner.class")),
            "COPY --from=builder /app/Main\\$Inner.class /app/Main\\$Inner.class"
        );
        assert_eq!(
            instruction_text(&file, &copy("/app/a b$c")),
            "COPY --from=builder [\"/app/a b\\\\$c\", \"/app/a b\\\\$c\"]"
        );
    }
}
