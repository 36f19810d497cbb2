//! What the runtime image must have for the commands the final stage runs:
//! the programs a `HEALTHCHECK` calls (installed where the flavour can, or a
//! refusal), and the interpreter of a script of the app's that one runs.
//! Shared by every language.

use crate::assemble::{refused, Stop};
use crate::base_images::os_has;
use crate::codes::{Code, Warning};
use crate::context::Context;
use crate::facts::StageFacts;
use crate::flavor::Flavor;
use crate::parse::Form;
use crate::paths::is_within;
use crate::shell::{self, Scope, Scripts, Step};
use crate::template::Template;

/// `RUN` lines that install the programs a `HEALTHCHECK` runs and the image
/// lacks, or why that flavour cannot have them.
///
/// `own` are the programs the runtime image has for its language (`node`),
/// besides its operating system's ([`os_has`]) and the template's
/// `base_config.programs`. A script of the app's (`./healthcheck.sh`, in the
/// application directory or among the files copied) comes with the app: what
/// it needs is its interpreter and the programs it runs, read from the build
/// context; one slimfile cannot see is refused.
/// `same_image`: the runtime image is the builder's own, so a program it
/// lacks the original lacked too.
#[allow(clippy::too_many_arguments)]
pub fn healthcheck_tools<R>(
    facts: &StageFacts,
    ctx: &Context,
    flavor: Flavor,
    t: &Template<R>,
    own: &[&str],
    copied: &[String],
    same_image: bool,
    warnings: &mut Vec<Warning>,
) -> Result<Vec<String>, Stop> {
    let Some(h) = facts.healthcheck else {
        return Ok(Vec::new());
    };
    let Some(crate::parse::HealthcheckArgs::Cmd(form)) = h.healthcheck() else {
        return Ok(Vec::new());
    };
    let distroless = flavor == Flavor::Distroless;
    // Plain words are carried in exec form; anything else needs a shell.
    let plain = matches!(&form, Form::Shell(s) if crate::shell::plain_words(s).is_some());
    if distroless && matches!(form, Form::Shell(_)) && !plain {
        return Err(refused(
            Code::ShellFormNoShell,
            h.start_line,
            "HEALTHCHECK is in shell form and distroless has no shell",
        )
        .hint("use the slim flavour"));
    }
    let app_dir = facts.app_dir().unwrap_or_else(|| "/".into());
    let scripts = facts.context_files(ctx);
    let scope = Scope::at(&app_dir, "root");
    // Each program, with the script whose interpreter it is.
    let mut needed: Vec<(String, Option<String>)> =
        programs_run(&form, h.start_line, &scope, &scripts)?
            .into_iter()
            .map(|p| (p, None))
            .collect();
    let mut lines = Vec::new();
    let mut i = 0;
    while i < needed.len() {
        let (p, script_of) = needed[i].clone();
        i += 1;
        let name = p.rsplit('/').next().unwrap_or(&p);
        let on_image = t.base_config.programs.get(flavor).contains(&p) || os_has(flavor, &p);
        let shell_builtin = p == "exit" && !distroless;
        if on_image || shell_builtin || own.contains(&name) {
            continue;
        }
        let absolute = if p.starts_with('/') {
            p.clone()
        } else {
            crate::paths::normalize(&format!("{app_dir}/{p}"))
        };
        // A script of the app's, by its path or by the name a copy put on
        // PATH (`COPY health.sh /usr/local/bin/healthcheck`): what it needs
        // is its `#!` interpreter and what it runs.
        let by_name = copied.iter().find(|d| d.ends_with(&format!("/{p}")));
        let path = if p.contains('/') {
            Some(&absolute)
        } else {
            by_name
        };
        if let Some(text) = path.and_then(|path| scripts.script(path)) {
            for (n, q) in interpreter_programs(&text).into_iter().enumerate() {
                if !needed.iter().any(|(x, _)| *x == q) {
                    needed.insert(i + n, (q, Some(p.clone())));
                }
            }
            let first = text.lines().next().unwrap_or("");
            let interpreter = shell::shebang_program(first);
            let shell_script = !first.starts_with("#!")
                || shell::is_posix_shell(interpreter.rsplit('/').next().unwrap_or(""));
            if shell_script {
                let scope = Scope::at(&app_dir, "root");
                for q in programs_run(&Form::Shell(text), h.start_line, &scope, &scripts)? {
                    if !needed.iter().any(|(x, _)| *x == q) {
                        needed.push((q, None));
                    }
                }
            }
            continue;
        }
        let of_the_app = (p.contains('/') && is_within(&absolute, &app_dir))
            || copied.iter().any(|d| *d == p || *d == absolute);
        if of_the_app || by_name.is_some() {
            if p.contains('/') {
                // A file run by its path: the kernel runs its `#!` interpreter.
                let Some(text) = scripts.script(&absolute) else {
                    return Err(refused(
                        Code::HealthcheckToolMissing,
                        h.start_line,
                        format!(
                            "HEALTHCHECK runs `{p}`, a file slimfile cannot find in the build \
                             context, so cannot tell what it needs on the {} image",
                            flavor.name()
                        ),
                    )
                    .hint(
                        "copy it from the build context, or check with a program the image has",
                    ));
                };
                for (n, q) in interpreter_programs(&text).into_iter().enumerate() {
                    if !needed.iter().any(|(x, _)| *x == q) {
                        needed.insert(i + n, (q, Some(p.clone())));
                    }
                }
            }
            continue;
        }
        // On the builder's own image the original lacked the program too,
        // unless a RUN installed it: the health check stays as it was
        // rather than the image growing by a tool it never had.
        let installed = crate::carry::runtime_packages(facts, |_| false)
            .iter()
            .any(|q| q == name || (name == "nc" && q.starts_with("netcat")));
        // A package of its name the final stage installs again, as the
        // builder's run-time packages are (`apk add bash`).
        if crate::carry::runtime_packages(facts, |q| t.build_only(q))
            .iter()
            .any(|q| q == name)
        {
            continue;
        }
        if same_image && !installed {
            warnings.push(Warning::new(
                Code::HealthcheckToolAbsent,
                Some(h.start_line),
                format!(
                    "HEALTHCHECK runs `{p}`, which the image lacks, as the original's did: it is not installed, and the health check fails as it did"
                ),
            ));
            continue;
        }
        let install = t.tools.get(&p).and_then(|tool| tool.for_flavor(flavor));
        let Some(install) = install else {
            let what = match &script_of {
                Some(script) => format!("`{script}`, a script whose interpreter is `{p}`"),
                None => format!("`{p}`"),
            };
            return Err(refused(
                Code::HealthcheckToolMissing,
                h.start_line,
                format!(
                    "HEALTHCHECK runs {what}, which the {} image does not have",
                    flavor.name()
                ),
            )
            .hint(match (flavor, own.first()) {
                (Flavor::Slim, Some(own)) => format!("check with {own}"),
                (Flavor::Slim, None) => "check with a program the image has".into(),
                (_, own) => format!(
                    "use the slim flavour or check with {}",
                    own.copied().unwrap_or("a program the image has")
                ),
            }));
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

/// The programs a `#!` line makes the kernel run: `/bin/sh` for a script
/// without one (a shell runs it), `/usr/bin/env` and `node` for
/// `#!/usr/bin/env node`.
fn interpreter_programs(script: &str) -> Vec<String> {
    let first = script.lines().next().unwrap_or("");
    let Some(line) = first.strip_prefix("#!") else {
        return vec!["sh".into()];
    };
    let path = line.split_whitespace().next().unwrap_or("").to_string();
    let program = shell::shebang_program(first);
    if program == path {
        vec![path]
    } else {
        vec![path, program]
    }
}

/// The programs a command runs (`HEALTHCHECK CMD curl … || exit 1` runs
/// `curl` and `exit`; `sh -c "…"` runs `sh` and what the script runs;
/// `./check.sh` runs itself and, where `scripts` has it, what it runs), as
/// written; a refusal where the reader cannot tell.
pub fn programs_run(
    form: &Form,
    line: usize,
    scope: &Scope,
    scripts: &dyn Scripts,
) -> Result<Vec<String>, Stop> {
    let steps = match form {
        Form::Exec(argv) => shell::read_argv(argv, scope, scripts),
        Form::Shell(s) => shell::read(s, scope, scripts),
    };
    let mut programs: Vec<String> = Vec::new();
    // Exec form runs its first word itself; everything else runs in a shell,
    // whose builtins are not programs on the image.
    let mut in_shell = matches!(form, Form::Shell(_));
    let mut add = |p: &str, in_shell: bool| {
        let keyword = matches!(p, "exec" | "command" | "builtin" | "time");
        let builtin = in_shell && SHELL_BUILTINS.contains(&p);
        if !keyword && !builtin && !programs.iter().any(|x| x == p) {
            programs.push(p.to_string());
        }
    };
    for step in &steps {
        match step {
            Step::Run(c) => {
                c.via
                    .iter()
                    .for_each(|v| add(v.split(' ').next().unwrap_or(v), in_shell));
                add(&c.program, in_shell || !c.via.is_empty());
            }
            // `exec "$@"` at the end of an entrypoint script runs the CMD,
            // which is read on its own (`exec /app "$@"` runs /app).
            Step::Unknown(u) if u.program.is_none() && u.text.contains("$@") => {}
            Step::Unknown(u) => match &u.program {
                Some(p) => {
                    u.via
                        .iter()
                        .for_each(|v| add(v.split(' ').next().unwrap_or(v), in_shell));
                    add(p, in_shell || !u.via.is_empty())
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
        in_shell = true;
    }
    Ok(programs)
}

/// The builtins of every `/bin/sh` a runtime image has (dash on Debian,
/// busybox ash on alpine; bash too): POSIX's special and regular builtins,
/// and `echo`, `printf`, `test`, `pwd`, `local`, which all three build in.
pub const SHELL_BUILTINS: &[&str] = &[
    ":", ".", "break", "continue", "eval", "exec", "exit", "export", "readonly", "return", "set",
    "shift", "times", "trap", "unset", "alias", "unalias", "bg", "fg", "cd", "command", "false",
    "true", "getopts", "hash", "jobs", "kill", "read", "type", "ulimit", "umask", "wait", "echo",
    "printf", "test", "[", "pwd", "local",
];

/// The Debian release a slim final stage stands on, as a language reads it
/// from the builder's tag.
pub struct Release<'a> {
    pub flavor: Flavor,
    pub runtime_image: &'a str,
    /// The release's codename, where the tag names it or is frozen on it.
    pub codename: Option<&'a str>,
    /// The tag does not name it: an end-of-life tag stays on that release.
    pub frozen: bool,
    /// Releases whose packages have moved to archive.debian.org.
    pub archived: &'a [String],
}

/// A slim final stage that installs packages (or a health check's tool)
/// with apt on a release Debian has archived is refused: `apt-get update`
/// fails there, so the final stage cannot install what the original's full
/// image had.
pub fn check_archived_release(
    release: &Release,
    packages: &[String],
    tools: &[String],
    line: usize,
    hint: &str,
) -> Result<(), Stop> {
    if release.flavor != Flavor::Slim || (packages.is_empty() && tools.is_empty()) {
        return Ok(());
    }
    let Some(codename) = release
        .codename
        .filter(|c| release.archived.iter().any(|a| a == c))
    else {
        return Ok(());
    };
    let frozen = if release.frozen {
        format!(" (the end-of-life tag stays on Debian {codename})")
    } else {
        String::new()
    };
    Err(refused(
        Code::ArchivedRelease,
        line,
        format!(
            "the final stage `{}`{frozen} would install {} with apt, but Debian {codename} is archived (its packages are on archive.debian.org), so `apt-get update` fails there",
            release.runtime_image,
            if packages.is_empty() {
                "the health check's tool".to_string()
            } else {
                packages.join(", ")
            }
        ),
    )
    .hint(hint))
}

/// The downloads outside the application the final stage needs (puppeteer's
/// browser in `~/.cache/puppeteer`, NLTK's data in `~/nltk_data`): one of
/// `downloads` whose command a `RUN` runs (or, for one with no commands,
/// whose package `has_dependency` says is installed). Where an `ENV` skips it
/// or moves it inside `app_dir`, it comes with the application; where an
/// `ENV` moves it to another absolute folder (`PLAYWRIGHT_BROWSERS_PATH=
/// /ms-playwright`) and its command always runs, that folder is returned
/// for the final stage to copy; otherwise it is refused.
pub fn check_downloads(
    facts: &StageFacts,
    downloads: &std::collections::BTreeMap<String, crate::template::InstallDownload>,
    has_dependency: impl Fn(&str) -> bool,
    app_dir: &str,
) -> Result<Vec<String>, Stop> {
    let mut carried = Vec::new();
    for (package, download) in downloads {
        let ran = facts.run_commands().find(|(_, c)| {
            let text = c.words().join(" ");
            download.commands.iter().any(|d| text.contains(d.as_str()))
        });
        let triggered = if download.commands.is_empty() {
            has_dependency(package)
        } else {
            ran.is_some()
        };
        if !triggered {
            continue;
        }
        let line = ran.map_or(facts.from.start_line, |(i, _)| i.start_line);
        let system = facts.run_commands().find(|(_, c)| {
            let words = c.words();
            let text = words.join(" ");
            download.commands.iter().any(|d| text.contains(d.as_str()))
                && words.iter().any(|w| download.installs_system.contains(w))
        });
        if let Some((run, c)) = system {
            return Err(refused(
                Code::DownloadOutsideApp,
                run.start_line,
                format!(
                    "`{}` installs system packages itself (the browsers' libraries), which \
                     slimfile cannot name for the final stage",
                    c.words().join(" ")
                ),
            )
            .hint(
                "install the libraries with apt-get in the Dockerfile (playwright's documentation \
                 lists them), or write the final stage by hand",
            ));
        }
        // The variables' settings before the download (any, for one that
        // comes with an install).
        let before = |at: usize| ran.is_none() || at < line;
        let set = |v: &String| {
            facts
                .env
                .iter()
                .rev()
                .find(|(k, _, at)| k == v && before(*at))
                .map(|(_, value, _)| value.as_deref())
        };
        let skipped = download
            .env
            .iter()
            .any(|v| set(v).is_some_and(|value| v.contains("SKIP") || value == Some("0")));
        if skipped {
            continue;
        }
        // Every folder the variables name (HF_HOME, TRANSFORMERS_CACHE, …):
        // one outside the application is copied when it is the only one
        // named and the download always runs; with several, which one the
        // tool writes depends on its version, and a copy of a folder that is
        // not there fails the build.
        let mut folders: Vec<String> = Vec::new();
        for p in download.env.iter().filter_map(|v| set(v).flatten()) {
            let p = crate::paths::normalize(p);
            if p.starts_with('/') && !folders.contains(&p) {
                folders.push(p);
            }
        }
        let inside = |f: &String| app_dir != "/" && is_within(f, app_dir);
        let outside: Vec<&String> = folders.iter().filter(|f| !inside(f)).collect();
        // A download that comes with an install runs with it, unless the
        // install skips scripts.
        let always = match ran {
            Some((_, c)) => c.condition == crate::shell::Condition::Always,
            None => !facts
                .run_commands()
                .any(|(_, c)| c.words().iter().any(|w| w == "--ignore-scripts")),
        };
        if !folders.is_empty() && outside.is_empty() {
            continue;
        }
        if let ([f], 1) = (outside.as_slice(), folders.len()) {
            if app_dir != "/" && always {
                carried.push((*f).clone());
                continue;
            }
        }
        let folder = outside.first().map(|f| f.to_string());
        return Err(refused(
            Code::DownloadOutsideApp,
            line,
            format!(
                "{package} downloads into {} {}, outside the application directory, and \
                 slimfile does not carry it{}",
                folder.as_deref().unwrap_or(&download.folder),
                if download.commands.is_empty() {
                    "when it installs"
                } else {
                    "here"
                },
                match (&folder, folders.len()) {
                    (Some(_), 2..) =>
                        " (several variables name folders, and which one it writes \
                                       depends on its version)",
                    (Some(_), _) if app_dir != "/" =>
                        " (the step may not run, and a copy of a \
                                                     folder that is not there fails)",
                    _ => "",
                }
            ),
        )
        .hint(format!(
            "set {} to a folder inside the application before this step",
            download
                .env
                .first()
                .map_or("its cache variable", String::as_str)
        )));
    }
    Ok(carried)
}
