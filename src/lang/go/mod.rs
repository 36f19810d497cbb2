//! The Go logic that the template's data cannot express, and the plan it
//! leads to: the builder's `go build` writes a binary, which the final stage
//! receives with the CA certificates, the zone database and the files the
//! program may read from its folder; on scratch where the build can be
//! static (`CGO_ENABLED=0` on the build's own line), else on the builder's
//! Debian release or alpine. `image` reads golang tags, `build` the builds
//! and their binaries. Every refusal says why and where.

use crate::assemble::{refused, LanguagePlan, Payload, Stop};
use crate::codes::Code;
use crate::context::Context;
use crate::facts::{variables, StageFacts};
use crate::lang::{Input, Registration, Rules};
use crate::parse::{Dockerfile, Form, ImageRef, Instruction, Stage};
use crate::plan::{BuilderEdit, Flavor};
use crate::shell;
use crate::template::{check_section, typed};

mod build;
mod image;
mod rules;

pub use rules::{GoRules, GoTemplate};

use build::*;
use image::*;

/// The binary the start command runs cannot be told.
const GO_BUILD_NOT_FOLLOWED: Code = Code::Language {
    name: "go-build-not-followed",
    description:
        "slimfile cannot tell which binary the Go build writes, or that the start command runs it",
};

/// cgo links the C library: no scratch, no distroless static.
const CGO_NEEDS_LIBC: Code = Code::Language {
    name: "cgo-needs-libc",
    description:
        "the build uses cgo, so the binary needs a C library the chosen runtime image lacks",
};

/// The default flavour could not be scratch, and why.
const NOT_SCRATCH: Code = Code::Language {
    name: "runtime-not-scratch",
    description: "the final stage is not scratch, which a static Go binary could run on, for the reason given",
};

/// The application directory's other files come along with the binary.
const APP_FILES_COPIED: Code = Code::Language {
    name: "app-files-copied",
    description:
        "files of the application directory come along with the binary, which may read them",
};

/// Go in the registry: its template, its rules, and the check of a user's
/// override with the rules' own types.
pub fn registration() -> Registration {
    Registration {
        id: "go",
        template: include_str!("../../../templates/go.toml"),
        load: Some(|table| {
            Ok(Box::new(Go {
                t: typed::<GoRules>(table)?,
            }))
        }),
        check: check_section::<GoTemplate>,
        codes: &[
            GO_BUILD_NOT_FOLLOWED,
            CGO_NEEDS_LIBC,
            NOT_SCRATCH,
            APP_FILES_COPIED,
        ],
    }
}

/// The Go rules with their template.
struct Go {
    t: GoTemplate,
}

impl Rules for Go {
    fn plan<'a>(&self, input: &Input<'a>) -> Result<LanguagePlan<'a>, Stop> {
        plan_rewrite(
            input.file,
            input.stage,
            input.facts,
            input.ctx,
            &self.t,
            input.flavor,
        )
    }
}

/// The Go plan: the decisions that are Go's own, in neutral terms.
fn plan_rewrite<'a>(
    file: &Dockerfile,
    stage: &Stage,
    facts: &'a StageFacts<'a>,
    ctx: &Context,
    t: &GoTemplate,
    asked: Option<Flavor>,
) -> Result<LanguagePlan<'a>, Stop> {
    let line = facts.from.start_line;
    let mut warnings = Vec::new();
    // A builder on the build platform cross-compiles where its build takes
    // the target from TARGETOS/TARGETARCH: the final stage is the target's.
    let cross = facts
        .from
        .from_args()
        .and_then(|a| a.platform)
        .filter(|p| p.contains("BUILDPLATFORM"));
    let (image, platform) = match &cross {
        Some(p) => {
            let image = crate::lang::stage::base_image(stage, facts)?;
            check_cross_build(file, facts, p, line)?;
            (image, None)
        }
        None => crate::lang::stage::builder_image(stage, facts)?,
    };
    if image.official_name() != "golang" {
        return Err(refused(
            Code::UnofficialImage,
            line,
            format!(
                "the base image `{}` is not the official golang image; slimfile maps only golang images to their runtime counterparts",
                image.raw
            ),
        )
        .hint("build FROM golang:<version>, or write the final stage by hand"));
    }
    let tag = read_tag(image, facts, t).map_err(|e| refused(Code::UnknownTag, line, e))?;
    crate::lang::stage::check_starts(facts, "Go toolchain")?;
    let app_dir = crate::lang::stage::app_dir(facts)?;

    // The binary the start command runs, and the build that writes it.
    let builds = go_builds(facts, ctx, t);
    let start = start_argv(facts)?;
    let workdir = facts.workdir.clone().unwrap_or_else(|| "/".into());
    // A start through a shell or a script of the app's: the binaries it runs.
    let script = runs_a_script(facts, ctx, &builds, &start);
    let mut script_binaries: Vec<String> = Vec::new();
    let (binary, build) = match &start.go_run {
        None if script => {
            script_binaries = binaries_a_script_runs(facts, ctx, &builds, &start, &tag, &app_dir)?;
            let first = script_binaries.remove(0);
            let build = builds
                .iter()
                .rev()
                .find(|b| b.binary.as_deref() == Some(first.as_str()));
            (first, build)
        }
        Some(run) => {
            let name = default_name(facts, ctx, &workdir, &run.package).map_err(|why| {
                refused(
                    GO_BUILD_NOT_FOLLOWED,
                    start.line,
                    format!("the start command's `go run` builds a binary whose name slimfile cannot tell: {why}"),
                )
            })?;
            (format!("/usr/local/bin/{name}"), None)
        }
        None => started_binary(facts, &builds, &start, t)?,
    };

    // Every binary the final stage runs: the start's, those its script runs,
    // and a second one the health check runs (`/app/healthcheck`).
    let mut binaries = vec![binary.clone()];
    binaries.extend(script_binaries.iter().cloned());
    binaries.extend(healthcheck_binary(facts, &builds).filter(|h| !binaries.contains(h)));

    // cgo: on where the original turns it on or the code needs it.
    let cgo = cgo_reason(facts, ctx, t, build);
    // What keeps the final stage from having no shell and no tools.
    let needs_shell = if script {
        Some(format!(
            "the start command at line {} runs a shell or a script",
            start.line
        ))
    } else {
        needs_shell(facts, &start, &builds, t)
    };
    let default = match (&cgo, &needs_shell, &tag.alpine) {
        (Some(_), _, Some(_)) | (None, Some(_), Some(_)) => Flavor::Alpine,
        (Some(_), _, None) | (None, Some(_), None) => Flavor::Slim,
        (None, None, _) => Flavor::Scratch,
    };
    let flavor = asked.unwrap_or(default);
    if asked.is_none() && default != Flavor::Scratch {
        let why = cgo.clone().or(needs_shell.clone()).unwrap_or_default();
        warnings.push(crate::codes::Warning::new(
            NOT_SCRATCH,
            None,
            format!("{why}: the final stage is {}", flavor.name()),
        ));
    }
    if let (Some(why), Flavor::Scratch | Flavor::Distroless) = (&needs_shell, flavor) {
        return Err(refused(
            Code::ShellFormNoShell,
            start.line,
            format!("{why}, and {} has no shell", flavor.name()),
        )
        .hint("use --flavor slim, or write the start command in exec form"));
    }
    let runtime_image = runtime_image(&tag, flavor, cgo.is_some(), t, line)?;

    // The builder's edit: a static build, on the build's own line.
    let mut builder_edits = Vec::new();
    if let (Flavor::Slim, None, Some(pin)) = (flavor, &tag.codename, &tag.pin) {
        builder_edits.extend(pin_edit(file, facts, image, pin));
    }
    if let Some(run) = &start.go_run {
        builder_edits.extend(go_run_edit(
            file,
            facts,
            &builds,
            run,
            &binary,
            cgo.is_none(),
        ));
    } else if cgo.is_none() {
        builder_edits.extend(static_edits(file, facts, &builds, &binaries));
    }

    // What the final stage receives: the binary, the files the program may
    // read from its folder, the certificates and the zone database.
    let payload = binaries.clone();
    let runs_from_app = facts.workdir.as_deref() == Some(app_dir.as_str()) && app_dir != "/";
    let mut files = if runs_from_app {
        crate::carry::app_files(facts, ctx, &app_dir, &t.rules.source_files)
    } else {
        Vec::new()
    };
    // What a later RUN removed is not there (`RUN rm docker-compose.yml`).
    let removed = crate::carry::removed_after(facts, 0);
    files.retain(|f| !removed.iter().any(|r| crate::paths::is_within(f, r)));
    // What the RUNs wrote where the program runs (`cp -R templates /app`),
    // besides the binary and the go tool's own output.
    if runs_from_app {
        let source = |p: &str| {
            let name = p.rsplit('/').next().unwrap_or(p);
            t.rules
                .source_files
                .iter()
                .any(|pat| crate::carry::matches(pat, name))
        };
        for w in crate::carry::written_inside(facts, &app_dir, |p| p == binary || source(p)) {
            if !files.iter().any(|f| crate::paths::is_within(&w, f)) {
                files.retain(|f| !crate::paths::is_within(f, &w));
                files.push(w);
            }
        }
        files.sort();
    }
    let files: Vec<String> = files
        .into_iter()
        .filter(|f| !crate::paths::is_within(&binary, f))
        .collect();
    if let (false, Some(at)) = (files.is_empty(), crate::carry::unnamed_removal(facts)) {
        return Err(refused(
            GO_BUILD_NOT_FOLLOWED,
            at,
            format!("this RUN removes files it does not name, so slimfile cannot tell which of the files the program may read in {app_dir} are left"),
        )
        .hint("name the files it removes, or write the final stage by hand"));
    }
    if !files.is_empty() {
        warnings.push(crate::codes::Warning::new(
            APP_FILES_COPIED,
            None,
            format!(
                "the program runs in {app_dir}, and may read the files the original had there: {} come along",
                files.join(", ")
            ),
        ));
    }
    let mut builder_files: Vec<(String, String)> = files
        .into_iter()
        .map(|f| {
            (
                f,
                format!(
                    "a file the original had in {app_dir}, where the program runs: it may read it"
                ),
            )
        })
        .collect();
    let mut env = Vec::new();
    if flavor != Flavor::Distroless {
        builder_files.push((
            t.rules.ca_bundle.clone(),
            format!(
                "the builder's CA certificates, which {} lacks: the program may call HTTPS",
                flavor.name()
            ),
        ));
        let zones = if tag.alpine.is_some() {
            env.push(("ZONEINFO".to_string(), t.rules.alpine_zoneinfo.clone()));
            &t.rules.alpine_zoneinfo
        } else {
            &t.rules.zoneinfo
        };
        builder_files.push((
            zones.clone(),
            format!(
                "the builder's time zone database, which {} lacks: the program may load a zone",
                flavor.name()
            ),
        ));
    }
    // The PATH the golang image set, under which the original's commands
    // were found (a program `go install` put in /go/bin, called by name):
    // the runtime image does not have it.
    if facts.lookup("PATH").is_none() {
        env.push(("PATH".to_string(), t.rules.image_path.clone()));
    }
    let cmd = match &start.go_run {
        Some(run) => Some((
            std::iter::once(binary.clone())
                .chain(run.args.iter().cloned())
                .collect(),
            "the program `go run` ran, built in the builder: the final stage has no Go toolchain"
                .to_string(),
        )),
        None => exec_cmd(facts, flavor, t),
    };
    let tools = crate::runtime::healthcheck_tools(
        facts,
        ctx,
        flavor,
        t,
        &payload
            .iter()
            .flat_map(|b| [b.rsplit('/').next().unwrap_or(b), b.as_str()])
            .collect::<Vec<&str>>(),
        &crate::carry::copied_files(facts),
        false,
        &mut warnings,
    )?;
    let packages = if matches!(flavor, Flavor::Slim | Flavor::Alpine) && cgo.is_some() {
        let mut packages = Vec::new();
        crate::carry::add_dev_libraries(
            facts,
            t,
            |p| t.build_only(p),
            |lib| Some(lib.to_string()),
            &mut packages,
            &mut warnings,
        );
        packages
    } else {
        Vec::new()
    };
    let flavor_entry = t.flavors.get(flavor);
    let payload_why = match (build, &start.go_run) {
        (_, Some(_)) => "the binary of the `go build` added to the builder".to_string(),
        (Some(b), None) => format!(
            "the binary `go {}` writes at line {}",
            b.sub, b.run.start_line
        ),
        (None, None) => "the binary".to_string(),
    };
    Ok(LanguagePlan {
        language: t.language.clone(),
        flavor,
        runtime_image,
        shell: matches!(flavor, Flavor::Slim | Flavor::Alpine),
        known_users: flavor_entry.users.clone(),
        user_ids: t.base_config.user_ids.clone(),
        program_paths: Default::default(),
        builder_image: image.raw.clone(),
        platform,
        glibc_to_musl: false,
        builder_edits,
        payload: Payload::Artifacts(payload),
        payload_why,
        packages,
        tools,
        reinstall: Vec::new(),
        cache_dirs: t.cache_dirs.clone(),
        builder_only: Vec::new(),
        own_commands: crate::lang::stage::own_commands(facts, t, |_| false),
        tool_variables: t.tool_variables.clone(),
        tool_copies: Vec::new(),
        builder_paths: Vec::new(),
        builder_files,
        env_line: None,
        env,
        cmd,
        warnings,
    })
}

/// A builder on `$BUILDPLATFORM` writes a binary for the target platform
/// only where its build takes the target from `TARGETOS`/`TARGETARCH` (or
/// `TARGETPLATFORM`), on the build's line or in an `ENV`; otherwise the
/// binary is for the build machine, and the file is refused.
fn check_cross_build(
    file: &Dockerfile,
    facts: &StageFacts,
    platform: &str,
    line: usize,
) -> Result<(), Stop> {
    let targets = |text: &str| {
        ["TARGETARCH", "TARGETPLATFORM"]
            .iter()
            .any(|v| text.contains(&format!("${v}")) || text.contains(&format!("${{{v}}}")))
    };
    let in_env = facts.env.iter().any(|(k, _, at)| {
        k == "GOARCH"
            && facts
                .instructions
                .iter()
                .find(|i| i.start_line == *at)
                .is_some_and(|i| targets(file.text(i.text_span.clone())))
    });
    let on_build = facts.runs().any(|r| {
        let text = file.text(r.text_span.clone());
        (text.contains("go build") || text.contains("go install"))
            && text.contains("GOARCH")
            && targets(text)
    });
    if in_env || on_build {
        return Ok(());
    }
    Err(refused(
        Code::BuildPlatform,
        line,
        format!("FROM --platform={platform}: the build does not take its target from TARGETARCH, so the binary is for the build machine, not the platform it runs on"),
    )
    .hint("build with GOOS=$TARGETOS GOARCH=$TARGETARCH (ARG TARGETOS TARGETARCH), or drop --platform"))
}

/// The start command: its program and where it is written.
struct Start {
    program: String,
    line: usize,
    /// It needs a shell to run as written (shell form beyond plain words).
    shell: bool,
    /// `go run …`, built in the builder instead.
    go_run: Option<GoRun>,
}

/// A `go run` of the start command.
struct GoRun {
    flags: Vec<String>,
    /// The package, or the files (`main.go`).
    package: Vec<String>,
    /// The program's own arguments.
    args: Vec<String>,
}

/// The program the start command runs: `ENTRYPOINT`'s first word, else
/// `CMD`'s.
fn start_argv(facts: &StageFacts) -> Result<Start, Stop> {
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
fn go_run(words: &[String]) -> Option<GoRun> {
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
fn runs_a_script(facts: &StageFacts, ctx: &Context, builds: &[GoBuild], start: &Start) -> bool {
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
fn binaries_a_script_runs(
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
fn started_binary<'b, 'a>(
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
    let found = builds.iter().rev().find(|b| {
        b.binary.as_deref().is_some_and(|bin| {
            if p.contains('/') {
                crate::paths::resolve(&workdir, p) == bin
            } else {
                bin.rsplit_once('/')
                    .is_some_and(|(dir, name)| name == p && path_dirs.iter().any(|d| d == dir))
            }
        })
    });
    if let Some(b) = found {
        let bin = b.binary.clone().expect("found by its binary");
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

/// Why the build uses cgo, if it does: `CGO_ENABLED=1`, a build flag that
/// needs it, a module that needs it, `import "C"` in the sources, or the
/// headers of a C library installed for it.
fn cgo_reason(
    facts: &StageFacts,
    ctx: &Context,
    t: &GoTemplate,
    build: Option<&GoBuild>,
) -> Option<String> {
    let inline = build.and_then(|b| b.cgo_inline.clone());
    let set = inline.or_else(|| facts.lookup("CGO_ENABLED"));
    match set.as_deref().map(str::trim) {
        Some("0") => return None,
        Some("1") => return Some("the build sets CGO_ENABLED=1".into()),
        _ => {}
    }
    if let Some(flag) = build.and_then(|b| b.needs_cgo.clone()) {
        return Some(format!("the build's `{flag}` needs cgo"));
    }
    // go.sum and vendor/modules.txt name the modules a go.mod reaches only
    // through another (go-sqlite3 through gorm's sqlite dialect). go.sum
    // also lists modules whose go.mod alone was read (`v1.9.0/go.mod h1:`)
    // and the tests' dependencies of dependencies, so there only the
    // modules that fail silently without cgo count, by their code's hash.
    for (file, modules) in [
        ("go.mod", &t.rules.cgo_modules),
        ("go.sum", &t.rules.silent_cgo_modules),
        ("vendor/modules.txt", &t.rules.cgo_modules),
    ] {
        let Some(text) = ctx.read(file) else {
            continue;
        };
        let names = |m: &str| {
            text.lines().any(|l| {
                let words: Vec<&str> = l.split_whitespace().collect();
                let code =
                    file != "go.sum" || words.get(1).is_some_and(|v| !v.ends_with("/go.mod"));
                code && words
                    .iter()
                    .any(|w| *w == m || w.strip_prefix(m).is_some_and(|r| r.starts_with('/')))
            })
        };
        if let Some(m) = modules.iter().find(|m| names(m)) {
            return Some(format!("{file} names {m}, which needs cgo"));
        }
    }
    if let Some((file, what)) = imports_c(ctx, &t.rules.cgo_modules) {
        return Some(format!("{file} imports {what}, which needs cgo"));
    }
    let libs: Vec<String> = crate::carry::runtime_packages(facts, |_| false)
        .into_iter()
        .filter(|p| {
            (p.ends_with("-dev") || p.ends_with("-devel"))
                && !matches!(
                    p.as_str(),
                    "musl-dev" | "libc-dev" | "libc6-dev" | "linux-headers"
                )
        })
        .collect();
    if let Some(lib) = libs.first() {
        return Some(format!(
            "the builder installs {lib}, a C library's headers for cgo"
        ));
    }
    None
}

/// The first Go source of the context that imports "C", or a package of a
/// module that needs cgo, searched through a bounded number of files.
fn imports_c(ctx: &Context, cgo_modules: &[String]) -> Option<(String, String)> {
    let root = ctx.dir()?;
    let mut found = None;
    let skip = |name: &str| matches!(name, ".git" | "node_modules" | "testdata");
    go_sources(root, skip, |path, text| {
        let imported = text
            .lines()
            .take_while(|l| !l.starts_with("func "))
            .find_map(|l| {
                let l = l.trim();
                if l == "import \"C\"" || l == "\"C\"" {
                    return Some("\"C\"".to_string());
                }
                cgo_modules
                    .iter()
                    .find(|m| l.contains(&format!("\"{m}\"")) || l.contains(&format!("\"{m}/")))
                    .cloned()
            });
        if let Some(what) = imported {
            found = Some((
                path.strip_prefix(root)
                    .unwrap_or(path)
                    .display()
                    .to_string(),
                what,
            ));
            return true;
        }
        false
    });
    found
}

/// The binary one of the builds writes that `program` names: by its path
/// (from the final working folder) or, called by name, by its file name.
fn binary_named(facts: &StageFacts, builds: &[GoBuild], program: &str) -> Option<String> {
    let workdir = facts.workdir.clone().unwrap_or_else(|| "/".into());
    builds.iter().filter_map(|b| b.binary.clone()).find(|bin| {
        crate::paths::resolve(&workdir, program) == *bin
            || (!program.contains('/') && bin.rsplit('/').next() == Some(program))
    })
}

/// The binary the `HEALTHCHECK` runs in exec form (or plain words), where
/// one of the builds writes it: the final stage needs it too.
fn healthcheck_binary(facts: &StageFacts, builds: &[GoBuild]) -> Option<String> {
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
fn needs_shell(
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

/// The builder edits that make the binaries static: `CGO_ENABLED=0` on
/// each build command's own line, where its text can be found (the k-th `go
/// build`/`go install` of a RUN's text is its k-th go command); else one
/// `ENV` before its `RUN`. None for a build that sets it already.
fn static_edits(
    file: &Dockerfile,
    facts: &StageFacts,
    builds: &[GoBuild],
    binaries: &[String],
) -> Vec<BuilderEdit> {
    let mut edits: Vec<BuilderEdit> = Vec::new();
    if facts.lookup("CGO_ENABLED").as_deref() == Some("0") {
        return edits;
    }
    let why = "a static binary (no cgo), which the runtime image needs: it has no C library of the builder's";
    for (n, b) in builds.iter().enumerate() {
        let wanted = b.binary.as_ref().is_some_and(|bin| binaries.contains(bin));
        if !wanted || b.cgo_inline.is_some() {
            continue;
        }
        // Its place among the RUN's go commands.
        let k = builds[..n]
            .iter()
            .filter(|o| std::ptr::eq(o.run, b.run))
            .count();
        let span = b.run.text_span.clone();
        let text = file.text(span.clone());
        let mut at: Vec<usize> = ["go build", "go install"]
            .iter()
            .flat_map(|needle| {
                text.match_indices(needle)
                    .map(|(i, _)| i)
                    .filter(|&i| {
                        let before = text[..i].chars().last();
                        let after = text[i + needle.len()..].chars().next();
                        before.is_some_and(char::is_whitespace)
                            && after.is_none_or(char::is_whitespace)
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        at.sort_unstable();
        let exec_form = matches!(b.run.form, Some(Form::Exec(_)));
        let edit = match (at.get(k), exec_form) {
            (Some(i), false) => BuilderEdit {
                range: span.start + i..span.start + i,
                text: "CGO_ENABLED=0 ".into(),
                why: why.into(),
            },
            _ => {
                let eol = file.line_ending();
                let before = facts
                    .instructions
                    .iter()
                    .position(|i| std::ptr::eq(*i, b.run))
                    .and_then(|at| at.checked_sub(1))
                    .map_or(facts.from, |at| facts.instructions[at]);
                let end = before.text_span.end;
                BuilderEdit {
                    range: end..end,
                    text: format!("{eol}ENV CGO_ENABLED=0"),
                    why: why.into(),
                }
            }
        };
        if !edits.iter().any(|e| e.range == edit.range) {
            edits.push(edit);
        }
    }
    edits
}

/// The builder edit that builds what the start command's `go run` ran:
/// `go build` with its flags into `binary`, after the last step that
/// changes files (where `go run` would have seen them all); none where the
/// builder already has it (a second run).
fn go_run_edit(
    file: &Dockerfile,
    facts: &StageFacts,
    builds: &[GoBuild],
    run: &GoRun,
    binary: &str,
    static_build: bool,
) -> Option<BuilderEdit> {
    if builds.iter().any(|b| b.binary.as_deref() == Some(binary)) {
        return None;
    }
    let last = facts.instructions.iter().rev().find(|i| {
        matches!(
            i.keyword,
            crate::parse::Keyword::Run
                | crate::parse::Keyword::Copy
                | crate::parse::Keyword::Add
                | crate::parse::Keyword::Workdir
        )
    })?;
    let eol = file.line_ending();
    let words: Vec<String> = run
        .flags
        .iter()
        .chain(["-o".to_string(), binary.to_string()].iter())
        .chain(run.package.iter())
        .map(|w| shell::quote(w))
        .collect();
    let cgo = if static_build { "CGO_ENABLED=0 " } else { "" };
    let end = last.text_span.end;
    Some(BuilderEdit {
        range: end..end,
        text: format!("{eol}RUN {cgo}go build {}", words.join(" ")),
        why: format!(
            "the program the start command's `go run` ran, built once here{}",
            if static_build { ", static" } else { "" }
        ),
    })
}

/// A `CMD` in shell form of plain words, in exec form for a final stage
/// with no shell (the same program and arguments, without `sh -c`).
fn exec_cmd(facts: &StageFacts, flavor: Flavor, _t: &GoTemplate) -> Option<(Vec<String>, String)> {
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
