//! The shared refusals: what a final stage cannot be made to do the same
//! way as the original — a program at a Debian path on alpine, installs on an
//! image without a shell, a `SHELL` the image lacks, system packages from a
//! source the final stage would not use.

use super::{refused, LanguagePlan, Stop};
use crate::carry;
use crate::codes::Code;
use crate::facts::StageFacts;
use crate::parse::{Dockerfile, Instruction, Keyword};
use crate::plan::{Final, Flavor};

/// System packages the final stage could not install the same way: from
/// another repository or release, or from a file.
pub(super) fn check_package_sources(facts: &StageFacts, lp: &LanguagePlan) -> Result<(), Stop> {
    if let Some((line, option)) =
        carry::package_source_option(facts).filter(|_| !lp.packages.is_empty())
    {
        return Err(refused(
            Code::PackageSourceOption,
            line,
            format!(
                "this RUN installs system packages with `{option}`, from a source the final stage's \
                 install would not use"
            ),
        )
        .hint("install them from the image's own repositories, or write the final stage by hand"));
    }
    if let Some((line, text)) = carry::local_package_install(facts) {
        return Err(refused(
            Code::LocalPackageFile,
            line,
            format!(
                "`{text}` installs a system package from a file, which the final stage cannot \
                 install again by name"
            ),
        )
        .hint("install it from the distribution's repository by name, or write the final stage by hand"));
    }
    Ok(())
}

/// From a glibc builder to alpine: an `ENTRYPOINT` or `CMD` that runs a
/// program by its Debian system path (`/usr/bin/tini`) runs it where alpine
/// has it — a path the template maps, or one of alpine's own utilities —
/// or the flavour is refused.
pub(super) fn check_alpine_path(
    i: &Instruction,
    paths: &std::collections::BTreeMap<String, String>,
) -> Result<(), Stop> {
    if !matches!(i.keyword, Keyword::Entrypoint | Keyword::Cmd) {
        return Ok(());
    }
    let program = match &i.form {
        Some(crate::parse::Form::Exec(argv)) => argv.first().cloned(),
        Some(crate::parse::Form::Shell(text)) => text.split_whitespace().next().map(String::from),
        None => None,
    };
    let Some(program) = program else {
        return Ok(());
    };
    // A shell form is not rewritten: a moved program there would stay at
    // its Debian path.
    let shell_form = matches!(i.form, Some(crate::parse::Form::Shell(_)));
    if shell_form && paths.get(&program).is_some_and(|to| *to != program) {
        return Err(refused(
            Code::ProgramPathOnAlpine,
            i.start_line,
            format!(
                "`{program}` is at {} on alpine, and this {} is in shell form, which slimfile does not rewrite",
                paths[&program],
                i.keyword.as_str()
            ),
        )
        .hint("write it in exec form (a JSON array), or use the slim flavour"));
    }
    let (dir, name) = program.rsplit_once('/').unwrap_or(("", &program));
    let system = matches!(dir, "/bin" | "/sbin" | "/usr/bin" | "/usr/sbin");
    if !system || paths.contains_key(&program) || crate::base_images::os_has(Flavor::Alpine, name) {
        return Ok(());
    }
    Err(refused(
        Code::ProgramPathOnAlpine,
        i.start_line,
        format!(
            "`{program}` is a Debian path, and slimfile does not know where alpine has `{name}`"
        ),
    )
    .hint("use the slim flavour, or name its alpine path in the template's alpine_paths"))
}

/// An image without a shell cannot run an install.
pub(super) fn check_installs(
    facts: &StageFacts,
    lp: &LanguagePlan,
    no_shell: bool,
) -> Result<(), Stop> {
    if no_shell && !(lp.packages.is_empty() && lp.tools.is_empty() && lp.reinstall.is_empty()) {
        return Err(refused(
            Code::SystemPackagesImpossible,
            facts.from.start_line,
            format!(
                "the final stage would install programs, and {} has no shell to run the install",
                lp.flavor.name()
            ),
        )
        .hint("use the slim flavour"));
    }
    Ok(())
}

/// A carried `SHELL` needs that shell on the runtime image.
pub(super) fn check_shell(
    carried: &[&Instruction],
    flavor: Flavor,
    no_shell: bool,
    glibc_to_musl: bool,
) -> Result<(), Stop> {
    let Some(s) = carried.iter().find(|i| i.keyword == Keyword::Shell) else {
        return Ok(());
    };
    if no_shell {
        return Err(refused(
            Code::ShellFormNoShell,
            s.start_line,
            format!("SHELL is set and {} has no shell", flavor.name()),
        )
        .hint("use the slim flavour"));
    }
    if glibc_to_musl && s.args.contains("bash") {
        return Err(refused(
            Code::BashOnAlpine,
            s.start_line,
            "SHELL uses bash, which alpine images lack",
        ));
    }
    Ok(())
}

/// What a final stage without a shell makes of a carried shell-form
/// `CMD`, `ENTRYPOINT` or `HEALTHCHECK`.
pub(super) enum ExecForm {
    /// The same instruction in exec form, and why.
    Instead(Final, String),
    /// Not carried: a `CMD` that the original's shell-form `ENTRYPOINT`
    /// ignored, which an exec-form one would pass it as arguments.
    Dropped,
}

/// A shell-form `CMD`, `ENTRYPOINT` or `HEALTHCHECK` on an image with no
/// shell: in exec form where that is exactly the same (plain words, which
/// `sh -c` would only split), else refused. `None`: carried as written.
pub(super) fn exec_form(
    file: &Dockerfile,
    facts: &StageFacts,
    i: &Instruction,
    flavor: Flavor,
) -> Result<Option<ExecForm>, Stop> {
    let shell_form = |i: &Instruction| match &i.form {
        Some(crate::parse::Form::Shell(s)) => Some(s.clone()),
        _ => None,
    };
    let entry_shell = facts.entrypoint.and_then(shell_form);
    let is_cmd = facts.cmd.is_some_and(|c| std::ptr::eq(c, i));
    if is_cmd && entry_shell.is_some() {
        return Ok(Some(ExecForm::Dropped));
    }
    let text = match i.keyword {
        Keyword::Cmd | Keyword::Entrypoint => shell_form(i),
        Keyword::Healthcheck => match i.healthcheck() {
            Some(crate::parse::HealthcheckArgs::Cmd(crate::parse::Form::Shell(s))) => Some(s),
            _ => None,
        },
        _ => None,
    };
    let Some(text) = text else {
        return Ok(None);
    };
    let keyword = i.keyword.as_str();
    let no_shell = || {
        refused(
            Code::ShellFormNoShell,
            i.start_line,
            format!(
                "{keyword} `{}` needs a shell to run as written, and {} has none",
                text.trim(),
                flavor.name()
            ),
        )
        .hint(format!(
            "write it in exec form ({keyword} [\"program\", \"arg\"]), or use the slim flavour"
        ))
    };
    let Some(words) = crate::shell::plain_words(&text).filter(|w| !w.is_empty()) else {
        return Err(no_shell());
    };
    let why = format!(
        "the original's {keyword} in exec form: {} has no shell to run `{}`",
        flavor.name(),
        text.trim()
    );
    Ok(Some(match i.keyword {
        Keyword::Cmd => ExecForm::Instead(Final::Cmd(words), why),
        Keyword::Entrypoint => ExecForm::Instead(Final::Entrypoint(words), why),
        _ => {
            // The options as written, then the command in exec form.
            let whole = file.text(i.text_span.clone());
            let Some(at) = whole.rfind(text.trim()) else {
                return Err(no_shell());
            };
            let items: Vec<String> = words
                .iter()
                .map(|w| serde_json::to_string(w).expect("a string serialises"))
                .collect();
            ExecForm::Instead(
                Final::Rewritten(format!("{}[{}]", &whole[..at], items.join(", "))),
                why,
            )
        }
    }))
}
