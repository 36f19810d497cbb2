//! The Go logic that the template's data cannot express, and the plan it
//! leads to: the builder's `go build` writes a binary, which the final stage
//! receives with the CA certificates, the zone database and the files the
//! program may read from its folder; on scratch where the build can be
//! static (`CGO_ENABLED=0` on the build's own line), else on the builder's
//! Debian release or alpine. `image` reads golang tags and the builder's
//! platform, `build` the builds and their binaries, `start` what the final
//! stage starts, `cgo` whether the build needs a C library, `edits` the
//! builder's edits; this module decides the flavour and assembles the plan.
//! Every refusal says why and where.

use crate::assemble::{refused, LanguagePlan, Payload, Stop};
use crate::codes::Code;
use crate::context::Context;
use crate::facts::StageFacts;
use crate::lang::{Input, Registration, Rules};
use crate::parse::{Dockerfile, Form, ImageRef, Instruction, Stage};
use crate::plan::{BuilderEdit, Flavor};
use crate::shell;
use crate::template::{check_section, typed};

mod build;
mod cgo;
mod edits;
mod image;
mod rules;
mod start;

pub use rules::{GoRules, GoTemplate};

use build::*;
use cgo::*;
use edits::*;
use image::*;
use start::*;

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
            let build = builds.iter().rev().find(|b| b.writes(&first));
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
    // System packages the builder installs that are not the build's own
    // (ffmpeg, which the program may run): the final stage needs a system
    // to install them on.
    let system_packages = crate::carry::runtime_packages(facts, |p| t.build_only(p));
    let needs_shell = needs_shell.or_else(|| {
        (!system_packages.is_empty()).then(|| {
            format!(
                "the builder installs {}, which the program may use at run time",
                system_packages.join(", ")
            )
        })
    });
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
    // A refusal over cgo says why the build uses it.
    let runtime_image =
        runtime_image(&tag, flavor, cgo.is_some(), t, line).map_err(|stop| match (&cgo, stop) {
            (Some(why), Stop::Refused(mut r)) => {
                r.message = format!("{} ({why})", r.message);
                Stop::Refused(r)
            }
            (_, stop) => stop,
        })?;

    // The builder's edit: a static build, on the build's own line.
    let mut builder_edits = Vec::new();
    // A cgo build's slim runtime is the builder's release: a floating tag
    // is pinned to it (a static binary runs on any).
    if let (Flavor::Slim, None, Some(pin), Some(_)) = (flavor, &tag.codename, &tag.pin, &cgo) {
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
    let runs_from_app = facts.workdir.as_deref() == Some(app_dir.as_str());
    let mut files = if runs_from_app {
        crate::carry::app_files(facts, ctx, &app_dir, &t.rules.source_files)
    } else {
        Vec::new()
    };
    // In `/`, only what landed there itself: a folder the context went to
    // (`/src`) is not where the program runs.
    if app_dir == "/" {
        files.retain(|f| f.trim_start_matches('/').split('/').count() == 1);
    }
    // What a later RUN removed is not there (`RUN rm docker-compose.yml`).
    let removed = crate::carry::removed_after(facts, 0);
    files.retain(|f| !removed.iter().any(|r| crate::paths::is_within(f, r)));
    // What the RUNs wrote where the program runs (`cp -R templates /app`),
    // besides the binary and the go tool's own output; in `/`, what they
    // wrote is the system's, and only the context's files come along.
    if runs_from_app && app_dir != "/" {
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
        // An alpine builder has Go's own copy only, unless it installed tzdata
        // (which TZ needs: Go reads $TZ from /usr/share/zoneinfo, not ZONEINFO).
        let tzdata = crate::carry::runtime_packages(facts, |_| false)
            .iter()
            .any(|p| p == "tzdata");
        let zones = if tag.alpine.is_some() && !tzdata {
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
    let packages = if matches!(flavor, Flavor::Slim | Flavor::Alpine) {
        let mut packages = system_packages.clone();
        crate::carry::add_dev_libraries(
            facts,
            t,
            |p| cgo.is_none() || t.build_only_packages.iter().any(|b| b == p),
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
        own_commands: crate::lang::stage::own_commands(facts, t, |c| {
            let words = c.words();
            builds.iter().any(|b| b.moved_by.contains(&words))
        }),
        tool_variables: t.tool_variables.clone(),
        tool_copies: Vec::new(),
        builder_paths: Vec::new(),
        builder_files,
        env_line: None,
        env,
        cmd,
        entrypoint: None,
        warnings,
    })
}
