//! The context replay, shared by every language: a project with no
//! `WORKDIR`, whose application directory would be `/` (the whole builder),
//! gets a final stage that replays the original's copies from the build
//! context and then copies from the builder, by path, what its `RUN` steps
//! wrote (design.md, "The runtime contract"). These are the rules every
//! language's replay meets; which paths its tools wrote is the language's.

use crate::assemble::{refused, Stop};
use crate::carry;
use crate::codes::Code;
use crate::facts::StageFacts;
use crate::parse::Instruction;
use crate::paths::is_within;
use crate::shell::Command;

/// Whether the original's context copies can be replayed as written: not
/// where a copy names a variable an `ENV` sets (the final stage sets its
/// `ENV`s after the copies), nor with an owner the runtime image lacks.
pub fn check_replayable(facts: &StageFacts, known_users: Option<&[String]>) -> Result<(), Stop> {
    for c in facts.copies.iter().filter(|c| c.from.is_none()) {
        let i = c.instruction;
        let uses_env = crate::facts::variables(&i.args)
            .into_iter()
            .any(|v| facts.env.iter().any(|(k, _, _)| *k == v));
        if uses_env {
            return Err(refused(
                Code::NoWorkdir,
                i.start_line,
                "there is no WORKDIR (or it is `/`), so the final stage replays the original's copies; this one \
                 names a variable an ENV sets, which the final stage sets only after it",
            )
            .hint("add a WORKDIR for the application and copy it there"));
        }
        let owner = c.chown.as_deref().and_then(|o| o.split(':').next());
        if let (Some(owner), Some(known)) = (owner, known_users) {
            if !owner.chars().all(|ch| ch.is_ascii_digit()) && !known.iter().any(|k| k == owner) {
                return Err(refused(
                    Code::UserNotOnImage,
                    i.start_line,
                    format!(
                        "there is no WORKDIR (or it is `/`), so the final stage replays this copy, and its owner \
                         {owner} does not exist on the runtime image"
                    ),
                )
                .hint("use the slim flavour, or give the owner by its numeric id"));
            }
        }
    }
    Ok(())
}

/// A removal the replayed copies would undo (`rm .env`), outside the
/// scratch places and the language's caches, cannot be replayed.
pub fn check_removal(run: &Instruction, c: &Command, cache_dirs: &[String]) -> Result<(), Stop> {
    if let Some(w) = c.writes.iter().find(|w| {
        w.kind == crate::shell::WriteKind::Removed
            && !w.path.as_deref().is_some_and(|p| {
                carry::SCRATCH_PATHS.iter().any(|s| is_within(p, s))
                    || cache_dirs.iter().any(|s| is_within(p, s))
            })
    }) {
        return Err(refused(
            Code::NoWorkdir,
            run.start_line,
            format!(
                "there is no WORKDIR (or it is `/`), so the final stage replays the original's copies; this \
                 RUN removes {}, which the replayed copies would bring back",
                w.raw
            ),
        )
        .hint("add a WORKDIR for the application and copy it there"));
    }
    Ok(())
}
