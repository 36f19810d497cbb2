//! What the Go final stage starts: the start command's program (or the
//! `go run` to build instead), the binaries a start through a shell or a
//! script runs, the health check's binary, what needs a shell, and a
//! shell-form `CMD` in exec form.

use super::*;

/// The start command: its program and where it is written.
pub(super) struct Start {
    pub(super) program: String,
    pub(super) line: usize,
    /// It needs a shell to run as written (shell form beyond plain words).
    pub(super) shell: bool,
    /// `go run …`, built in the builder instead.
    pub(super) go_run: Option<GoRun>,
}

/// A `go run` of the start command.
pub(super) struct GoRun {
    pub(super) flags: Vec<String>,
    /// The package, or the files (`main.go`).
    pub(super) package: Vec<String>,
    /// The program's own arguments.
    pub(super) args: Vec<String>,
}

/// The program the start command runs: `ENTRYPOINT`'s first word, else
/// `CMD`'s.
pub(super) fn start_argv(facts: &StageFacts) -> Result<Start, Stop> {
    let i = facts
        .entrypoint
        .or(facts.cmd)
        .expect("check_starts found a CMD or ENTRYPOINT");
    let (words, shell) = match &i.form {
        Some(Form::Exec(argv)) => (argv.clone(), false),
        Some(Form::Shell(s)) => match shell::plain_words(s) {
            Some(w) => (w, false),
            None => (s.split_whitespace().map(String::from).collect(), true),
        },
        None => (Vec::new(), false),
    };
    let program = words.first().cloned().ok_or_else(|| {
        refused(
            GO_BUILD_NOT_FOLLOWED,
            i.start_line,
            "the start command is empty",
        )
    })?;
    let go_run = if program == "go" {
        let sub = words.get(1).map(String::as_str).unwrap_or("");
        let run = (sub == "run" && !shell && facts.entrypoint.is_none())
            .then(|| go_run(&words[2..]))
            .flatten();
        if run.is_none() {
            return Err(refused(
                GO_BUILD_NOT_FOLLOWED,
                i.start_line,
                format!(
                    "the start command runs `go {sub}`, which needs the Go toolchain at run time, and slimfile cannot turn it into a build step"
                ),
            )
            .hint("build the binary in a RUN (go build -o /app/server .) and run it, or write the final stage by hand"));
        }
        run
    } else {
        None
    };
    Ok(Start {
        program,
        line: i.start_line,
        shell,
        go_run,
    })
}

/// A `CMD go run [build flags] PACKAGE [ARGS]`: the flags, the package (or
/// the `.go` files) and the program's arguments; `None` where it cannot be
/// read (`-exec`, a flag slimfile does not know takes a value).
pub(super) fn go_run(words: &[String]) -> Option<GoRun> {
    let mut flags = Vec::new();
    let mut rest = words.iter().peekable();
    while let Some(w) = rest.peek() {
        if !w.starts_with('-') {
            break;
        }
        let w = rest.next()?.clone();
        let name = w.trim_start_matches('-');
        let (name, inline) = match name.split_once('=') {
            Some((n, _)) => (n, true),
            None => (name, false),
        };
        if name == "exec" {
            return None;
        }
        let valued = BUILD_FLAGS_WITH_VALUE.contains(&format!("-{name}").as_str());
        flags.push(w.clone());
        if valued && !inline {
            flags.push(rest.next()?.clone());
        }
    }
    let mut package = Vec::new();
    while let Some(w) = rest.peek() {
        if w.ends_with(".go") {
            package.push(rest.next()?.clone());
        } else {
            break;
        }
    }
    if package.is_empty() {
        package.push(rest.next()?.clone());
    }
    Some(GoRun {
        flags,
        package,
        args: rest.cloned().collect(),
    })
}

/// Whether the start command runs through a shell or a script rather than
/// a binary: shell syntax, a shell (`sh entrypoint.sh`, `sh -c "…"`), or a
/// file of the build context that no build writes.
pub(super) fn runs_a_script(
    facts: &StageFacts,
    ctx: &Context,
    builds: &[GoBuild],
    start: &Start,
) -> bool {
    if start.go_run.is_some() {
        return false;
    }
    if start.shell {
        return true;
    }
    let name = start.program.rsplit('/').next().unwrap_or(&start.program);
    if matches!(name, "sh" | "bash" | "dash" | "ash") {
        return true;
    }
    let workdir = facts.workdir.clone().unwrap_or_else(|| "/".into());
    let path = crate::paths::resolve(&workdir, &start.program);
    binary_named(facts, builds, &start.program).is_none()
        && crate::shell::Scripts::script(&facts.context_files(ctx), &path).is_some()
}

/// The binaries a start command through a shell or a script runs
/// (`sh -c "./migrate && ./server"`, an entrypoint script), read from the
/// build context with the `CMD` an `exec "$@"` runs: every program must be
/// a binary of the builds, a utility of the runtime's system, or a file of
/// the app's; the first binary is the program's.
pub(super) fn binaries_a_script_runs(
    facts: &StageFacts,
    ctx: &Context,
    builds: &[GoBuild],
    start: &Start,
    tag: &GoTag,
    app_dir: &str,
) -> Result<Vec<String>, Stop> {
    let scripts = facts.context_files(ctx);
    let scope = shell::Scope::at(app_dir, "root");
    let os = if tag.alpine.is_some() {
        Flavor::Alpine
    } else {
        Flavor::Slim
    };
    let workdir = facts.workdir.clone().unwrap_or_else(|| "/".into());
    let mut binaries: Vec<String> = Vec::new();
    for i in crate::lang::stage::start_instructions(facts) {
        let Some(form) = &i.form else { continue };
        for p in crate::runtime::programs_run(form, i.start_line, &scope, &scripts)? {
            if let Some(bin) = binary_named(facts, builds, &p) {
                if !binaries.contains(&bin) {
                    binaries.push(bin);
                }
                continue;
            }
            let file = crate::paths::resolve(&workdir, &p);
            let of_the_app = crate::shell::Scripts::script(&scripts, &file).is_some();
            if crate::base_images::os_has(os, &p) || of_the_app {
                continue;
            }
            return Err(refused(
                Code::UnknownProgram,
                i.start_line,
                format!(
                    "the start command runs `{p}`, which is neither a binary the builder builds nor a program of the {} image",
                    os.name()
                ),
            )
            .hint("install it in the Dockerfile, or write the final stage by hand"));
        }
    }
    // A binary the start passes to another program to run (`wait-for
    // db:5432 -- ./server`, `watchexec ./server`).
    if binaries.is_empty() {
        for i in crate::lang::stage::start_instructions(facts) {
            let words: Vec<String> = match &i.form {
                Some(Form::Exec(argv)) => argv
                    .iter()
                    .flat_map(|a| a.split_whitespace().map(String::from))
                    .collect(),
                Some(Form::Shell(s)) => s.split_whitespace().map(String::from).collect(),
                None => Vec::new(),
            };
            for w in words.iter().filter(|w| w.contains('/')) {
                if let Some(bin) = binary_named(facts, builds, w) {
                    if !binaries.contains(&bin) {
                        binaries.push(bin);
                    }
                }
            }
        }
    }
    if binaries.is_empty() {
        return Err(refused(
            GO_BUILD_NOT_FOLLOWED,
            start.line,
            "the start command runs a shell or a script, and slimfile cannot tell which binary the builds write it starts",
        )
        .hint("run the binary itself, in exec form (CMD [\"/app/server\"])"));
    }
    Ok(binaries)
}

/// The binary the start program is, among those the builds write, with its
/// build; a refusal where none is.
pub(super) fn started_binary<'b, 'a>(
    facts: &StageFacts,
    builds: &'b [GoBuild<'a>],
    start: &Start,
    t: &GoTemplate,
) -> Result<(String, Option<&'b GoBuild<'a>>), Stop> {
    if start.shell {
        // `sh -c "…"` or a script: what it runs is not one binary.
        return Err(refused(
            GO_BUILD_NOT_FOLLOWED,
            start.line,
            "the start command needs a shell to run as written, and slimfile cannot tell which binary it starts",
        )
        .hint("run the binary itself, in exec form (CMD [\"/app/server\"])"));
    }
    let workdir = facts.workdir.clone().unwrap_or_else(|| "/".into());
    let p = &start.program;
    let path_dirs: Vec<String> = facts
        .lookup("PATH")
        .unwrap_or_else(|| t.rules.image_path.clone())
        .split(':')
        .map(|d| d.trim_end_matches('/').to_string())
        .collect();
    let found = builds.iter().rev().find_map(|b| {
        b.paths()
            .find(|bin| {
                if p.contains('/') {
                    crate::paths::resolve(&workdir, p) == **bin
                } else {
                    bin.rsplit_once('/')
                        .is_some_and(|(dir, name)| name == p && path_dirs.iter().any(|d| d == dir))
                }
            })
            .map(|bin| (b, bin.clone()))
    });
    if let Some((b, bin)) = found {
        // A later RUN that moves or removes it is not followed.
        let later_touch = facts.run_commands().any(|(run, c)| {
            run.start_line > b.run.start_line
                // chmod, chown, strip and upx change it in place, which the
                // copy from the builder takes as it is.
                && matches!(c.name(), "mv" | "rm")
                && c.words().iter().any(|w| {
                    c.dir
                        .as_deref()
                        .is_some_and(|d| crate::paths::resolve(d, w) == bin)
                })
        });
        if later_touch {
            return Err(refused(
                GO_BUILD_NOT_FOLLOWED,
                start.line,
                format!("a RUN after the build changes or moves {bin}, which slimfile does not follow yet"),
            )
            .hint("write the binary where it runs from with go build -o"));
        }
        return Ok((bin, Some(b)));
    }
    let unknown = builds.iter().find_map(|b| {
        b.unknown
            .as_ref()
            .map(|why| format!("the `go {}` at line {}: {why}", b.sub, b.run.start_line))
    });
    let why = match unknown {
        Some(u) => {
            format!("the start command runs `{p}`, and slimfile cannot tell the binary of {u}")
        }
        None if builds.is_empty() => format!(
            "the start command runs `{p}`, and no RUN builds it with go build or go install"
        ),
        None => format!(
            "the start command runs `{p}`, which none of the stage's go build or go install writes"
        ),
    };
    Err(refused(GO_BUILD_NOT_FOLLOWED, start.line, why).hint(
        "build it with go build -o <path> and run that path, or write the final stage by hand",
    ))
}

/// The binary one of the builds writes that `program` names: by its path
/// (from the final working folder) or, called by name, by its file name.
pub(super) fn binary_named(
    facts: &StageFacts,
    builds: &[GoBuild],
    program: &str,
) -> Option<String> {
    let workdir = facts.workdir.clone().unwrap_or_else(|| "/".into());
    builds.iter().flat_map(|b| b.paths().cloned()).find(|bin| {
        crate::paths::resolve(&workdir, program) == *bin
            || (!program.contains('/') && bin.rsplit('/').next() == Some(program))
    })
}

/// The binary the `HEALTHCHECK` runs in exec form (or plain words), where
/// one of the builds writes it: the final stage needs it too.
pub(super) fn healthcheck_binary(facts: &StageFacts, builds: &[GoBuild]) -> Option<String> {
    let h = facts.healthcheck?;
    let Some(crate::parse::HealthcheckArgs::Cmd(form)) = h.healthcheck() else {
        return None;
    };
    let argv = match &form {
        Form::Exec(argv) => argv.clone(),
        Form::Shell(s) => shell::plain_words(s)?,
    };
    binary_named(facts, builds, argv.first()?)
}

/// Why the final stage needs a shell or tools, if it does: a start command
/// or health check in shell form, or a health check that runs a program
/// that is not one of the binaries.
pub(super) fn needs_shell(
    facts: &StageFacts,
    start: &Start,
    builds: &[GoBuild],
    _t: &GoTemplate,
) -> Option<String> {
    if start.shell {
        return Some(format!(
            "the start command at line {} needs a shell",
            start.line
        ));
    }
    let h = facts.healthcheck?;
    let Some(crate::parse::HealthcheckArgs::Cmd(form)) = h.healthcheck() else {
        return None;
    };
    let argv = match &form {
        Form::Exec(argv) => argv.clone(),
        Form::Shell(s) => match shell::plain_words(s) {
            Some(w) => w,
            None => {
                return Some(format!(
                    "the HEALTHCHECK at line {} needs a shell",
                    h.start_line
                ))
            }
        },
    };
    let program = argv.first()?;
    let ours = binary_named(facts, builds, program).is_some();
    (!ours).then(|| {
        format!(
            "the HEALTHCHECK at line {} runs {program}, which is not the program's own binary",
            h.start_line
        )
    })
}

/// A `CMD` in shell form of plain words, in exec form for a final stage
/// with no shell (the same program and arguments, without `sh -c`).
pub(super) fn exec_cmd(
    facts: &StageFacts,
    flavor: Flavor,
    _t: &GoTemplate,
) -> Option<(Vec<String>, String)> {
    if matches!(flavor, Flavor::Slim | Flavor::Alpine) || facts.entrypoint.is_some() {
        return None;
    }
    let i = facts.cmd?;
    let Some(Form::Shell(s)) = &i.form else {
        return None;
    };
    let words = shell::plain_words(s)?;
    Some((
        words,
        format!(
            "the original's CMD in exec form: {} has no shell to run `{}`",
            flavor.name(),
            s.trim()
        ),
    ))
}
