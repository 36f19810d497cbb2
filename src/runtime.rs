//! What the runtime image must have for the commands the final stage runs:
//! the programs a `HEALTHCHECK` calls, installed where the flavour can, or
//! a refusal. Shared by every language.

use crate::assemble::{refused, Stop};
use crate::codes::{Code, Warning};
use crate::facts::StageFacts;
use crate::flavor::Flavor;
use crate::parse::Form;
use crate::shell::{self, NoScripts, Scope, Step};
use crate::template::Template;

/// `RUN` lines that install the programs a `HEALTHCHECK` runs and the image
/// lacks, or why that flavour cannot have them.
///
/// `own` are the programs the runtime image has for its language (`node`),
/// besides the template's `base_config.programs`.
pub fn healthcheck_tools<R>(
    facts: &StageFacts,
    flavor: Flavor,
    t: &Template<R>,
    own: &[&str],
    copied: &[String],
    warnings: &mut Vec<Warning>,
) -> Result<Vec<String>, Stop> {
    let Some(h) = facts.healthcheck else {
        return Ok(Vec::new());
    };
    let Some(crate::parse::HealthcheckArgs::Cmd(form)) = h.healthcheck() else {
        return Ok(Vec::new());
    };
    let distroless = flavor == Flavor::Distroless;
    if distroless && matches!(form, Form::Shell(_)) {
        return Err(refused(
            Code::ShellFormNoShell,
            h.start_line,
            "HEALTHCHECK is in shell form and distroless has no shell",
        )
        .hint("use the slim flavour"));
    }
    let mut lines = Vec::new();
    for p in programs_run(&form, h.start_line)? {
        let on_image = t.base_config.programs.get(flavor).contains(&p);
        let shell_builtin = p == "exit" && !distroless;
        if on_image
            || shell_builtin
            || own.contains(&p.as_str())
            || copied
                .iter()
                .any(|d| d.ends_with(&format!("/{p}")) || *d == p)
        {
            continue;
        }
        let install = t.tools.get(&p).and_then(|tool| tool.for_flavor(flavor));
        let Some(install) = install else {
            return Err(refused(
                Code::HealthcheckToolMissing,
                h.start_line,
                format!(
                    "HEALTHCHECK runs `{p}`, which the {} image does not have",
                    flavor.name()
                ),
            )
            .hint(format!(
                "use the slim flavour or check with {}",
                own.first().copied().unwrap_or("a program the image has")
            )));
        };
        let line = install.to_string();
        if !lines.contains(&line) {
            lines.push(line);
            warnings.push(Warning::new(
                Code::HealthcheckToolInstalled,
                Some(h.start_line),
                format!(
                    "HEALTHCHECK runs {p}, which the {} image lacks: installed in the final stage",
                    flavor.name()
                ),
            ));
        }
    }
    Ok(lines)
}

/// The programs a command runs (`HEALTHCHECK CMD curl … || exit 1` runs
/// `curl` and `exit`; `sh -c "…"` runs `sh` and what the script runs), as
/// written; a refusal where the reader cannot tell.
pub fn programs_run(form: &Form, line: usize) -> Result<Vec<String>, Stop> {
    let scope = Scope::at("/", "root");
    let steps = match form {
        Form::Exec(argv) => shell::read_argv(argv, &scope, &NoScripts),
        Form::Shell(s) => shell::read(s, &scope, &NoScripts),
    };
    let mut programs: Vec<String> = Vec::new();
    let mut add = |p: &str| {
        // Shell keywords that are not programs on the image.
        if !matches!(p, "exec" | "command" | "builtin" | "time") && !programs.iter().any(|x| x == p)
        {
            programs.push(p.to_string());
        }
    };
    for step in &steps {
        match step {
            Step::Run(c) => {
                c.via
                    .iter()
                    .for_each(|v| add(v.split(' ').next().unwrap_or(v)));
                add(&c.program);
            }
            Step::Unknown(u) => match &u.program {
                Some(p) => {
                    u.via
                        .iter()
                        .for_each(|v| add(v.split(' ').next().unwrap_or(v)));
                    add(p)
                }
                None => {
                    return Err(refused(
                        Code::UnknownCommand,
                        line,
                        format!("cannot tell what `{}` runs: {}", u.text, u.reason),
                    ))
                }
            },
        }
    }
    Ok(programs)
}
