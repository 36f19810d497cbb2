//! What the final stage copies from outside the application directory: the
//! files the original's `COPY`/`ADD` put there and what its `RUN`s wrote.

use super::{refused, Stop};
use crate::carry::{self, OutsideWrite};
use crate::codes::Code;
use crate::context::Context;
use crate::facts::StageFacts;
use crate::parse::Dockerfile;
use crate::paths::is_within;

/// What the `RUN` steps wrote outside the application directory, which the
/// final stage copies; or a refusal: a write that cannot be carried, a step
/// the shell reader cannot follow, or (from a glibc builder to a musl
/// runtime) files that may be built for glibc.
pub fn written_outside(
    facts: &StageFacts,
    app_dir: Option<&str>,
    copied: &[String],
    cache_dirs: &[String],
    builder_only: &[(usize, String)],
    glibc_to_musl: bool,
) -> Result<Vec<OutsideWrite>, Stop> {
    let written = carry::outside_writes(facts, app_dir, copied, cache_dirs, builder_only).map_err(
        |u| match u {
            carry::Uncarried::Write { what, line } => refused(
                Code::WriteOutsideApp,
                line,
                match app_dir {
                    Some(app_dir) => format!(
                        "this RUN writes {what} outside the application directory {app_dir}: \
                         slimfile cannot carry it to the final stage"
                    ),
                    None => format!(
                        "this RUN writes {what}, which slimfile cannot carry to a final stage \
                         that replays the original's copies (there is no WORKDIR, or it is `/`)"
                    ),
                },
            )
            .hint(match app_dir {
                Some(app_dir) => {
                    format!("make it inside {app_dir}, or write the final stage by hand")
                }
                None => {
                    "add a WORKDIR for the application, or write the final stage by hand".into()
                }
            }),
            carry::Uncarried::Unknown { text, reason, line } => refused(
                Code::RunNotFollowed,
                line,
                format!(
                "this RUN runs `{text}`, which slimfile cannot follow: {reason}. It may install \
                 or write anything, anywhere"
            ),
            )
            .hint(
                "write it as commands slimfile can read (or copy the script into the image from \
             the build context), or write the final stage by hand",
            ),
        },
    )?;
    // A glibc builder's downloads and builds outside the application may be
    // programs or libraries that fail on musl, as native modules do.
    if glibc_to_musl {
        if let Some(w) = written.iter().find(|w| !w.folder_only) {
            return Err(refused(
                Code::GlibcFilesOnMusl,
                w.line,
                format!(
                    "this RUN writes {} outside the application directory on a glibc builder; \
                     programs or libraries there may be built for glibc and fail on musl",
                    w.path
                ),
            )
            .hint("use the slim flavour"));
        }
    }
    Ok(written)
}

/// A path outside the application the final stage copies from the builder.
pub(super) struct Outside {
    pub(super) path: String,
    /// Why it is copied, in words.
    pub(super) why: String,
    /// The line of the instruction that put it there.
    pub(super) line: usize,
}

/// Every path outside the application the final stage copies: what the
/// original's `COPY`/`ADD` put there, and what its `RUN`s wrote. With no
/// application directory (`None`), the copies are replayed instead, and only
/// what the `RUN`s wrote is copied. Each path comes with why it is copied.
pub(super) fn outside_paths(
    file: &Dockerfile,
    facts: &StageFacts,
    ctx: &Context,
    app_dir: Option<&str>,
    written: Vec<OutsideWrite>,
    tool_copies: &[usize],
) -> Result<Vec<Outside>, Stop> {
    const COPIED: &str = "a file the original copied outside the application directory";
    let wrote = |w: &OutsideWrite| {
        format!(
            "what the RUN at line {} wrote outside the application directory",
            w.line
        )
    };
    let mut outside: Vec<Outside> = Vec::new();
    let Some(app_dir) = app_dir else {
        // Copies from other stages or images are not replayed: their files
        // come from the builder.
        for c in facts
            .copies
            .iter()
            .filter(|c| c.from.is_some() && !carry::copy_from_image_again(c, ctx))
            .filter(|c| !tool_copies.contains(&c.instruction.start_line))
        {
            let paths = carry::copied_targets(c, ctx).ok_or_else(|| {
                refused(
                    Code::CopyOutsideUnknown,
                    c.instruction.start_line,
                    "cannot tell which files this COPY --from puts in the image",
                )
            })?;
            let line = c.instruction.start_line;
            outside.extend(paths.into_iter().map(|path| Outside {
                path,
                why: COPIED.to_string(),
                line,
            }));
        }
        for w in written {
            if !outside.iter().any(|o| is_within(&w.path, &o.path)) {
                outside.push(Outside {
                    why: wrote(&w),
                    line: w.line,
                    path: w.path,
                });
            }
        }
        return Ok(outside);
    };
    for c in facts
        .copies
        .iter()
        .filter(|c| !is_within(&c.dest, app_dir) && !carry::copy_from_image_again(c, ctx))
        .filter(|c| !tool_copies.contains(&c.instruction.start_line))
    {
        let paths = carry::copied_targets(c, ctx).ok_or_else(|| {
            let written = file
                .text(c.instruction.text_span.clone())
                .lines()
                .next()
                .unwrap_or("")
                .to_string();
            refused(
                Code::CopyOutsideUnknown,
                c.instruction.start_line,
                format!(
                    "cannot tell which files `{written}` puts outside the application directory"
                ),
            )
        })?;
        let line = c.instruction.start_line;
        for p in paths {
            // Removed by a later RUN (`pip install -r /tmp/req.txt && rm
            // /tmp/req.txt`): not in the builder to copy.
            if carry::removed_after(facts, line)
                .iter()
                .any(|r| is_within(&p, r))
            {
                continue;
            }
            if !outside.iter().any(|o| o.path == p) {
                outside.push(Outside {
                    path: p,
                    why: COPIED.to_string(),
                    line: c.instruction.start_line,
                });
            }
        }
    }
    for w in written {
        if !outside.iter().any(|o| is_within(&w.path, &o.path)) {
            outside.push(Outside {
                why: wrote(&w),
                line: w.line,
                path: w.path,
            });
        }
    }
    // A destination with a variable slimfile could not resolve would be
    // copied as written, and the final stage has no such ARG.
    if let Some(c) = facts.copies.iter().find(|c| {
        !is_within(&c.dest, app_dir) && (c.dest.contains('$') || !c.dest.starts_with('/'))
    }) {
        return Err(refused(
            Code::CopyOutsideUnknown,
            c.instruction.start_line,
            format!(
                "cannot tell where `{}` puts files: its destination uses a variable with no known value",
                file.text(c.instruction.text_span.clone()).lines().next().unwrap_or("")
            ),
        ));
    }
    Ok(outside)
}
