//! The checks every language's plan starts with: the builder's image and
//! its `--platform`, a stage that is a base image, and the application
//! directory. Each language adds its own (the official image, its tag).

use crate::assemble::{refused, Stop};
use crate::codes::{Code, Reason};
use crate::facts::StageFacts;
use crate::parse::{ImageRef, Stage};
use crate::shell::Command;
use crate::template::Template;

/// The stage's image and its constant `--platform`; a refusal where the
/// `FROM` cannot be read or builds on `$BUILDPLATFORM`, whose packages are
/// for the wrong platform at run time.
pub fn builder_image<'s>(
    stage: &'s Stage,
    facts: &StageFacts,
) -> Result<(&'s ImageRef, Option<String>), Stop> {
    let from = facts.from;
    let line = from.start_line;
    let image = base_image(stage, facts)?;
    let platform = from.from_args().and_then(|a| a.platform);
    if let Some(p) = platform.as_ref().filter(|p| p.contains("BUILDPLATFORM")) {
        return Err(refused(
            Code::BuildPlatform,
            line,
            format!("FROM --platform={p}: dependencies installed on the build platform are for the wrong platform at run time"),
        )
        .hint("drop --platform or use $TARGETPLATFORM"));
    }
    Ok((image, platform))
}

/// The stage's image, or a refusal where the `FROM` cannot be read.
pub fn base_image<'s>(stage: &'s Stage, facts: &StageFacts) -> Result<&'s ImageRef, Stop> {
    stage.base.as_ref().ok_or_else(|| {
        refused(
            Code::UnreadableFrom,
            facts.from.start_line,
            "cannot read the FROM instruction",
        )
    })
}

/// No `CMD` and no `ENTRYPOINT`: a base that other Dockerfiles build
/// `FROM`, whose steps may need what a final stage would drop (`what`).
pub fn check_starts(facts: &StageFacts, what: &str) -> Result<(), Stop> {
    if facts.cmd.is_none() && facts.entrypoint.is_none() {
        return Err(Stop::Unchanged(Reason::at(
            Code::BaseImage,
            facts.from.start_line,
            format!(
                "no CMD and no ENTRYPOINT: this looks like a base image that other Dockerfiles \
                 build FROM, whose steps may need the {what} a final stage drops"
            ),
        )));
    }
    Ok(())
}

/// The application directory: the `WORKDIR` in force at the end.
pub fn app_dir(facts: &StageFacts) -> Result<String, Stop> {
    facts.app_dir().ok_or_else(|| {
        refused(
            Code::VariableWorkdir,
            facts.from.start_line,
            "a WORKDIR uses a variable whose value is not known here",
        )
        .hint("write the path")
    })
}

/// The stage's commands whose writes the language's rules model, by their
/// `RUN`'s line and their words: the template's tool programs, and what
/// `own` says is the language's besides (`python -m pip`).
pub fn own_commands<R>(
    facts: &StageFacts,
    t: &Template<R>,
    own: impl Fn(&Command) -> bool,
) -> Vec<(usize, Vec<String>)> {
    facts
        .run_commands()
        .filter(|(_, c)| t.tool_programs.iter().any(|p| p == c.name()) || own(c))
        .map(|(run, c)| (run.start_line, c.words()))
        .collect()
}

/// The instructions whose commands run at start: the `ENTRYPOINT`, and the
/// `CMD` an exec-form one runs as its arguments (an entrypoint script's
/// `exec "$@"`); a shell-form `ENTRYPOINT` ignores the `CMD`.
pub fn start_instructions<'a>(facts: &StageFacts<'a>) -> Vec<&'a crate::parse::Instruction> {
    let cmd = match facts.entrypoint.and_then(|e| e.form.as_ref()) {
        Some(crate::parse::Form::Shell(_)) => None,
        _ => facts.cmd,
    };
    [facts.entrypoint, cmd].into_iter().flatten().collect()
}

/// The image's tag (`latest` where none is written) with the `ARG`
/// defaults before the first `FROM` put in; or why it cannot be known.
pub fn known_tag(image: &crate::parse::ImageRef, facts: &StageFacts) -> Result<String, String> {
    let raw = image.tag.clone().unwrap_or_else(|| "latest".into());
    let mut known = raw.clone();
    for name in crate::facts::variables(&raw) {
        let Some(Some(default)) = facts.global_args.get(&name) else {
            return Err(format!(
                "the image tag uses ${name}, which has no default before the first FROM; give `ARG {name}=<version>` a default"
            ));
        };
        known = known
            .replace(&format!("${{{name}}}"), default)
            .replace(&format!("${name}"), default);
    }
    if known.contains('$') {
        return Err(format!("cannot read the image tag `{raw}`"));
    }
    Ok(known)
}

/// The stage's last instruction that changes files or where they are
/// (`RUN`, `COPY`, `ADD`, `WORKDIR`): where a step the builder gains goes,
/// to see all the files the start command would have seen.
pub fn last_file_step<'a>(facts: &StageFacts<'a>) -> Option<&'a crate::parse::Instruction> {
    facts.instructions.iter().rev().copied().find(|i| {
        matches!(
            i.keyword,
            crate::parse::Keyword::Run
                | crate::parse::Keyword::Copy
                | crate::parse::Keyword::Add
                | crate::parse::Keyword::Workdir
        )
    })
}
