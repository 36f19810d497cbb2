//! The Java logic that the template's data cannot express, and the plan it
//! leads to: the builder (maven, gradle or a JDK image) builds the jar the
//! start command runs, which the final stage receives on a JRE of the same
//! major — eclipse-temurin's (or the vendor's own) on Ubuntu or alpine, or
//! distroless java, whose entrypoint is `java -jar` — with the files the
//! program may read from its folder. `image` reads the tags, `start` the
//! `java` command, `boot_run` a run through the build tool, `project` the
//! build files, `tomcat` a war; this module decides the flavour and
//! assembles the plan.
//! Every refusal says why and where.

use crate::assemble::{refused, LanguagePlan, Payload, Stop};
use crate::codes::{Code, Reason, Warning};
use crate::context::Context;
use crate::facts::StageFacts;
use crate::lang::{Input, Registration, Rules};
use crate::parse::{Dockerfile, Form, ImageRef, Instruction, Stage};
use crate::plan::{BuilderEdit, Flavor};
use crate::shell;
use crate::template::{check_section, typed};

mod boot_run;
mod image;
mod project;
mod rules;
mod start;
mod tomcat;

pub use rules::{JavaRules, JavaTemplate, Pin};

use image::*;
use project::*;
use start::*;

/// The jar the start command runs cannot be told.
const JAR_NOT_FOLLOWED: Code = Code::Language {
    name: "jar-not-followed",
    description: "slimfile cannot tell which jar or class path the start command runs",
};

/// The build targets a newer Java than the runtime's.
const CLASS_LEVEL_TOO_NEW: Code = Code::Language {
    name: "class-level-too-new",
    description: "the build compiles for a newer Java than the JRE the final stage runs",
};

/// The jar's name is told by a step in the builder.
const JAR_RESOLVED_IN_BUILDER: Code = Code::Language {
    name: "jar-resolved-in-builder",
    description: "the jar's name cannot be told from the project: a builder step copies the one jar the build writes to a fixed path",
};

/// A floating builder tag is pinned to the JDK it has now.
const JDK_PINNED: Code = Code::Language {
    name: "jdk-pinned",
    description: "the builder's tag follows the newest JDK, and is pinned to the one it has now",
};

/// The runtime is another vendor's JRE than the builder's JDK.
const VENDOR_MAPPED: Code = Code::Language {
    name: "jre-of-another-vendor",
    description:
        "the builder's JDK vendor publishes no JRE image, so the runtime is eclipse-temurin's",
};

/// The jar was built outside the image: the gain is the JDK alone.
const PREBUILT_JAR: Code = Code::Language {
    name: "prebuilt-jar",
    description: "the image builds nothing: the jar comes from the build context, and only the JDK is dropped",
};

/// JVM options moved to `JAVA_TOOL_OPTIONS` for distroless.
const JVM_OPTIONS_MOVED: Code = Code::Language {
    name: "jvm-options-moved",
    description: "the start command's JVM options are given in JAVA_TOOL_OPTIONS, as distroless java's entrypoint is java -jar",
};

/// The application directory's other files come along with the jar.
const APP_FILES_COPIED: Code = Code::Language {
    name: "java-app-files-copied",
    description: "files of the application directory come along with the jar, which may read them",
};

/// Java in the registry: its template, its rules, and the check of a
/// user's override with the rules' own types.
pub fn registration() -> Registration {
    Registration {
        id: "java",
        template: include_str!("../../../templates/java.toml"),
        load: Some(|table| {
            let t = typed::<JavaRules>(table)?;
            if !t.rules.runtimes.contains_key("eclipse-temurin") {
                return Err(
                    "[rules.runtimes.eclipse-temurin] is needed: other JDKs map to it".into(),
                );
            }
            Ok(Box::new(Java { t }))
        }),
        check: check_section::<JavaTemplate>,
        codes: &[
            JAR_NOT_FOLLOWED,
            CLASS_LEVEL_TOO_NEW,
            JAR_RESOLVED_IN_BUILDER,
            JDK_PINNED,
            VENDOR_MAPPED,
            PREBUILT_JAR,
            JVM_OPTIONS_MOVED,
            APP_FILES_COPIED,
        ],
    }
}

/// The Java rules with their template.
struct Java {
    t: JavaTemplate,
}

impl Rules for Java {
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

/// The Java plan: the decisions that are Java's own, in neutral terms.
fn plan_rewrite<'a>(
    file: &Dockerfile,
    stage: &Stage,
    facts: &'a StageFacts<'a>,
    ctx: &Context,
    t: &JavaTemplate,
    asked: Option<Flavor>,
) -> Result<LanguagePlan<'a>, Stop> {
    let line = facts.from.start_line;
    let mut warnings = Vec::new();
    let (image, platform) = crate::lang::stage::builder_image(stage, facts)?;
    if image.official_name() == "tomcat" {
        return tomcat::plan_tomcat(image, platform, facts, ctx, t, asked);
    }
    if !t.detect.images.iter().any(|i| i == image.official_name()) {
        return Err(refused(
            Code::UnofficialImage,
            line,
            format!(
                "the base image `{}` is not an official JDK, maven or gradle image; slimfile maps only those to their JRE counterparts",
                image.raw
            ),
        )
        .hint("build FROM maven, gradle or eclipse-temurin, or write the final stage by hand"));
    }
    let tag = read_tag(image, facts, t).map_err(|e| refused(Code::UnknownTag, line, e))?;
    crate::lang::stage::check_starts(facts, "Java JDK")?;
    let app_dir = crate::lang::stage::app_dir(facts)?;
    let workdir = facts.workdir.clone().unwrap_or_else(|| "/".into());
    let mut start = read_start(facts, ctx)?;
    let mut builder_edits = Vec::new();
    // `mvn spring-boot:run` at start: the jar it runs from, built in the
    // builder, started with java.
    if let Some(tool) = &start.tool {
        let (jar, edit) =
            boot_run::tool_jar(file, facts, ctx, &start, tool, &workdir, &mut warnings)?;
        builder_edits.extend(edit);
        start.java.jar = Some(jar);
    }

    // What the image builds: nothing, where the jar comes from the context.
    let is_tool = |p: &str| {
        let name = p.rsplit('/').next().unwrap_or(p);
        name != "java" && t.tool_programs.iter().any(|x| x == name)
    };
    // The RUNs' words: a wrapper the context holds (`./mvnw`) is read as
    // the script it is, whose own commands do not name it.
    let built = facts.runs().any(|r| {
        r.args
            .split(|c: char| c.is_whitespace() || ";&|()`\"'".contains(c))
            .any(is_tool)
    });
    if tag.jre {
        return Err(Stop::Unchanged(Reason::at(
            Code::NothingToGain,
            line,
            format!(
                "the base `{}` is a JRE already: there is no JDK to drop",
                image.raw
            ),
        )));
    }
    if !built && start.tool.is_none() {
        warnings.push(Warning::new(
            PREBUILT_JAR,
            None,
            "no RUN builds the jar, which comes from the build context: the final stage gains only the JRE in place of the JDK",
        ));
    }

    let default = if tag.alpine {
        Flavor::Alpine
    } else {
        Flavor::Slim
    };
    let flavor = asked.unwrap_or(default);
    let runtime_image = runtime_image(&tag, flavor, t, line)?;
    // Classes for a newer Java than the runtime's fail to load
    // (UnsupportedClassVersionError): a Gradle toolchain may compile them.
    if let Some((level, source)) = class_level(ctx) {
        let major: u32 = tag.major.parse().unwrap_or(0);
        if level > major {
            return Err(refused(
                CLASS_LEVEL_TOO_NEW,
                line,
                format!("the build compiles for Java {level} ({source}), and the builder's JDK, whose JRE the final stage runs, is {major}"),
            )
            .hint(format!("build on a JDK {level} image, whose JRE can run the classes")));
        }
    }
    if let Some(note) = &tag.vendor_note {
        warnings.push(Warning::new(VENDOR_MAPPED, Some(line), note.clone()));
    }

    // A floating tag pinned to the JDK it has now.
    if let Some(pinned) = &tag.pin {
        if !tag.literal {
            return Err(refused(
                Code::UnknownTag,
                line,
                format!(
                    "the tag `{}` follows the newest JDK, and slimfile cannot pin it where a variable or digest gives it",
                    tag.known_tag
                ),
            )
            .hint("name the JDK in the tag (maven:3.9-eclipse-temurin-21, gradle:8-jdk21)"));
        }
        builder_edits.extend(pin_edit(file, facts, image, pinned));
        warnings.push(Warning::new(
            JDK_PINNED,
            Some(line),
            format!(
                "`{}` follows the newest JDK, {} now: the builder is pinned to `{pinned}` and the final stage runs Java {}",
                image.raw, tag.major, tag.major
            ),
        ));
    }

    // The jar, its class path and the files the JVM's options name.
    let mut payload = start_paths(&start.java, &workdir);
    if let Some(script) = &start.script {
        payload.push(script.clone());
    }
    // A thin jar whose manifest names its dependencies' folder
    // (maven-jar-plugin's addClasspath): that folder, beside the jar.
    if let (Some(jar), Some(prefix)) = (&start.java.jar, manifest_class_path(ctx)) {
        let jar = crate::paths::resolve(&workdir, jar);
        let dir = jar.rsplit_once('/').map_or("/", |(d, _)| d).to_string();
        let libs = if prefix.is_empty() {
            format!("{dir}/*.jar")
        } else {
            crate::paths::resolve(&dir, prefix.trim_end_matches('/'))
        };
        if !payload.contains(&libs) {
            payload.push(libs);
        }
    }
    if let Some(glob) = payload.iter().find(|p| {
        p.rsplit_once('/')
            .is_some_and(|(dir, _)| dir.contains(['*', '?', '[']))
    }) {
        return Err(refused(
            JAR_NOT_FOLLOWED,
            start.at.start_line,
            format!("the start command's `{glob}` has a wildcard in a folder, which slimfile cannot copy"),
        )
        .hint("name the jar's folder"));
    }

    // distroless: its entrypoint is `java -jar`; the CMD is the jar and
    // its arguments, the JVM options go in JAVA_TOOL_OPTIONS.
    let mut env = Vec::new();
    let mut cmd = None;
    let mut entrypoint = None;
    let mut program_paths = std::collections::BTreeMap::new();
    let is_entrypoint = facts.entrypoint.is_some_and(|e| std::ptr::eq(e, start.at));
    // A run through the build tool: java -jar in its place (java is on
    // every JRE image's PATH, distroless's too).
    if let Some(tool) = &start.tool {
        if is_entrypoint {
            entrypoint = Some(boot_run::java_command(&start, tool));
        } else if flavor != Flavor::Distroless {
            cmd = Some(boot_run::java_command(&start, tool));
        }
    }
    if flavor == Flavor::Distroless {
        if start.shell {
            return Err(refused(
                Code::ShellFormNoShell,
                start.at.start_line,
                "the start command needs a shell to run as written, and distroless has none",
            )
            .hint("use --flavor slim, or write the command in exec form without variables"));
        }
        if let (false, None, Some(main)) = (is_entrypoint, &start.java.jar, &start.java.main) {
            // A main class: an ENTRYPOINT of its own in place of `java -jar`,
            // the program's arguments as the CMD.
            entrypoint = Some((
                std::iter::once("java".to_string())
                    .chain(start.java.options.iter().cloned())
                    .chain(["-cp".to_string(), start.java.classpath.join(":"), main.clone()])
                    .collect(),
                "distroless java's entrypoint is `java -jar`: the original's java command, with its class path, is the final stage's own".to_string(),
            ));
            cmd = Some((
                start.java.args.clone(),
                "the program's arguments, which the java command above runs with".to_string(),
            ));
        } else if !is_entrypoint {
            let Some(jar) = &start.java.jar else {
                return Err(refused(
                    JAR_NOT_FOLLOWED,
                    start.at.start_line,
                    "the start command names no jar, and distroless java's entrypoint is `java -jar`",
                )
                .hint("use --flavor slim, or package an executable jar"));
            };
            if !start.java.options.is_empty() {
                if facts.lookup("JAVA_TOOL_OPTIONS").is_some() {
                    return Err(refused(
                        Code::ShellFormNoShell,
                        start.at.start_line,
                        "the start command has JVM options, which distroless java takes only in JAVA_TOOL_OPTIONS, and the original sets JAVA_TOOL_OPTIONS itself",
                    )
                    .hint("use --flavor slim"));
                }
                if start
                    .java
                    .options
                    .iter()
                    .any(|o| o.contains(char::is_whitespace))
                {
                    return Err(refused(
                        Code::ShellFormNoShell,
                        start.at.start_line,
                        "a JVM option has a space, which JAVA_TOOL_OPTIONS cannot hold",
                    )
                    .hint("use --flavor slim"));
                }
                let options = start.java.options.join(" ");
                warnings.push(Warning::new(
                    JVM_OPTIONS_MOVED,
                    Some(start.at.start_line),
                    format!("distroless java's entrypoint is `java -jar`: the JVM options `{options}` are given in JAVA_TOOL_OPTIONS"),
                ));
                env.push(("JAVA_TOOL_OPTIONS".to_string(), options));
            }
            cmd = Some((
                std::iter::once(jar.clone())
                    .chain(start.java.args.iter().cloned())
                    .collect(),
                "distroless java's entrypoint is `java -jar`: the CMD is the jar and its arguments"
                    .to_string(),
            ));
        } else if start.java.program != "java" && start.java.program != "/usr/bin/java" {
            program_paths.insert(start.java.program.clone(), "java".to_string());
        }
    } else if start.java.program.contains('/') && start.script.is_none() {
        // The JRE images' java: on PATH, and at the JAVA_HOME the
        // eclipse-temurin and semeru images share.
        let same_home = start.java.program == "/opt/java/openjdk/bin/java"
            && matches!(
                tag.runtime.as_str(),
                "eclipse-temurin" | "ibm-semeru-runtimes"
            );
        if !same_home {
            if start.shell || start.via_sh {
                return Err(refused(
                    JAR_NOT_FOLLOWED,
                    start.at.start_line,
                    format!(
                        "the start command runs `{}`, which is not where the JRE image has java",
                        start.java.program
                    ),
                )
                .hint("run `java`, which is on the JRE image's PATH"));
            }
            program_paths.insert(start.java.program.clone(), "java".to_string());
        }
    }

    // The files the program may read from the folder it runs in.
    let runs_from_app = facts.workdir.as_deref() == Some(app_dir.as_str());
    let mut files = if runs_from_app {
        crate::carry::app_files(facts, ctx, &app_dir, &t.rules.source_files)
    } else {
        Vec::new()
    };
    let removed = crate::carry::removed_after(facts, 0);
    files.retain(|f| {
        !removed.iter().any(|r| crate::paths::is_within(f, r))
            && !payload
                .iter()
                .any(|p| crate::paths::is_within(p, f) || crate::paths::is_within(f, p))
    });
    if let (false, Some(at)) = (files.is_empty(), crate::carry::unnamed_removal(facts)) {
        return Err(refused(
            JAR_NOT_FOLLOWED,
            at,
            format!("this RUN removes files it does not name, so slimfile cannot tell which of the files the program may read in {app_dir} are left"),
        )
        .hint("name the files it removes, or write the final stage by hand"));
    }
    if !files.is_empty() {
        warnings.push(Warning::new(
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

    // Spring Boot serves src/main/webapp from the folder it runs in (JSP).
    if runs_from_app
        && ctx
            .dir()
            .is_some_and(|d| d.join("src/main/webapp").is_dir())
    {
        let webapp = crate::paths::resolve(&app_dir, "src/main/webapp");
        let copied = crate::carry::copied_files(facts);
        if copied
            .iter()
            .any(|c| crate::paths::is_within(&webapp, c) || crate::paths::is_within(c, &webapp))
        {
            builder_files.push((
                webapp,
                "the web application's folder, which Spring Boot serves from where the program runs".into(),
            ));
        }
    }
    // System packages the original installed for the program (ffmpeg, a
    // health check's jq): installed again; a build's own are not.
    let packages = if matches!(flavor, Flavor::Slim | Flavor::Alpine) {
        let unused = crate::carry::unused_fetchers(facts);
        crate::carry::runtime_packages(facts, |p| t.build_only(p) && !unused.iter().any(|u| u == p))
    } else {
        Vec::new()
    };

    // What a script or an init process the start runs needs: on the
    // runtime image, installed again, or copied.
    if start.script.is_some() || start.init.is_some() {
        check_start_programs(facts, ctx, &start, flavor, &packages, &payload)?;
    }

    // What the runtime image has besides java, for the health check.
    let runtime = &t.rules.runtimes[&tag.runtime];
    let major: u32 = tag.major.parse().unwrap_or(0);
    let mut with_programs = t.clone();
    with_programs.base_config.programs.slim = runtime
        .programs
        .iter()
        .filter(|p| {
            runtime
                .programs_until
                .get(*p)
                .is_none_or(|until| major < *until)
        })
        .cloned()
        .collect();
    with_programs.base_config.programs.alpine = runtime.alpine_programs.clone();
    let tools = crate::runtime::healthcheck_tools(
        facts,
        ctx,
        flavor,
        &with_programs,
        &["java"],
        &crate::carry::copied_files(facts),
        false,
        &mut warnings,
    )?;
    let payload_why = if built {
        "what the start command runs, which the build wrote".to_string()
    } else {
        "what the start command runs, copied from the build context".to_string()
    };
    Ok(LanguagePlan {
        language: t.language.clone(),
        flavor,
        runtime_image,
        shell: matches!(flavor, Flavor::Slim | Flavor::Alpine),
        known_users: t.flavors.get(flavor).users.clone(),
        user_ids: t.base_config.user_ids.clone(),
        program_paths,
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
        entrypoint,
        warnings,
    })
}
