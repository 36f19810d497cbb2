//! The plan: what the rewrite will do, decided as data before any text is
//! produced — or why it will not.

use std::ops::Range;

use crate::codes::{Reason, Warning};

pub use crate::flavor::Flavor;

/// An edit inside the builder stage, with its reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuilderEdit {
    pub range: Range<usize>,
    pub text: String,
    pub why: String,
}

/// A decided rewrite.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The language's id (`node`).
    pub language: String,
    pub flavor: Flavor,
    pub builder_name: String,
    pub builder_image: String,
    pub runtime_image: String,
    pub builder_edits: Vec<BuilderEdit>,
    pub final_stage: Vec<FinalInstruction>,
    pub warnings: Vec<Warning>,
    /// What the rewrite takes on trust, by the line it concerns: commands no
    /// rule models, taken to write only where the final stage has it.
    pub assumptions: Vec<(usize, String)>,
}

/// What planning decided.
#[derive(Debug, Clone)]
pub enum Decision {
    /// Rewrite as planned.
    Rewrite(Plan),
    /// Nothing to do (already multi-stage, unknown language, nothing to gain).
    Unchanged(Reason),
    /// A rewrite of this kind of file exists, but not a safe one for this file.
    Refused(Reason),
}

/// One instruction of the final stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Final {
    /// `FROM [--platform=…] image`
    From {
        platform: Option<String>,
        image: String,
    },
    /// `ARG name[=default]`
    Arg {
        name: String,
        default: Option<String>,
    },
    /// `RUN` with this shell text.
    Run(String),
    /// `WORKDIR` at this absolute path.
    Workdir(String),
    /// `COPY --from=stage [--chown=owner] src dest`
    CopyFrom {
        from: String,
        chown: Option<String>,
        src: String,
        dest: String,
    },
    /// `ENV name=value`, a value the language sets for the final stage
    /// (a virtual environment's `PATH`).
    Env { name: String, value: String },
    /// `USER` with this value (a numeric id where the image lacks the name).
    User(String),
    /// `CMD` in exec form.
    Cmd(Vec<String>),
    /// `ENTRYPOINT` in exec form.
    Entrypoint(Vec<String>),
    /// An instruction of the original, kept as written (its text span).
    Original(Range<usize>),
    /// An instruction of the original, rewritten (a `HEALTHCHECK` in exec
    /// form), as its whole text.
    Rewritten(String),
}

/// A final-stage instruction with its reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FinalInstruction {
    pub instruction: Final,
    pub why: String,
}
