//! The shared refusals: what a final stage cannot be made to do the same
//! way as the original — a program at a Debian path on alpine, installs on an
//! image without a shell, a `SHELL` the image lacks, system packages from a
//! source the final stage would not use.

use super::{refused, LanguagePlan, Stop};
use crate::carry;
use crate::codes::Code;
use crate::facts::StageFacts;
use crate::parse::{Instruction, Keyword};
use crate::plan::Flavor;

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
