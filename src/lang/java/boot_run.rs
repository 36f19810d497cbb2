//! `mvn spring-boot:run` and `gradle bootRun` at start, as the jar they run:
//! its name from the project (`project`), or told by a builder step that
//! copies the one jar the build writes; and the package step the builder
//! gains where no `RUN` packages it already.

use super::*;

/// The jar a run through the build tool starts, and the builder's edit
/// that builds it (and tells its name where the project cannot).
pub(super) fn tool_jar(
    file: &Dockerfile,
    facts: &StageFacts,
    ctx: &Context,
    start: &Start,
    tool: &ToolRun,
    workdir: &str,
    warnings: &mut Vec<Warning>,
) -> Result<(String, Option<BuilderEdit>), Stop> {
    let named = if tool.maven {
        maven_jar(facts, ctx, workdir)
    } else {
        gradle_boot_jar(facts, ctx, workdir)
    };
    if let Err(JarError::Run(why)) = &named {
        return Err(refused(
            JAR_NOT_FOLLOWED,
            start.at.start_line,
            format!("the start command runs {} through the build tool, and the jar a package step builds would not run the same: {why}", tool.program),
        )
        .hint("build the jar in a RUN and start it with java -jar"));
    }
    let resolve = match &named {
        Ok(_) => None,
        Err(e) => {
            let why = e.text();
            // Told in the builder: the one jar the build wrote, copied
            // to a fixed path, or the build fails saying so.
            let fixed = crate::paths::resolve(workdir, RESOLVED_JAR);
            if ctx.has(RESOLVED_JAR) {
                return Err(refused(
                    JAR_NOT_FOLLOWED,
                    start.at.start_line,
                    format!("the start command runs {} through the build tool, and slimfile cannot tell the jar it would build ({why}), nor copy it to {RESOLVED_JAR}, which the project has", tool.program),
                )
                .hint("build the jar in a RUN and start it with java -jar"));
            }
            warnings.push(Warning::new(
                JAR_RESOLVED_IN_BUILDER,
                Some(start.at.start_line),
                format!("slimfile cannot tell the jar's name ({why}): a step in the builder copies the one jar the build writes to {fixed}, and fails if there are several"),
            ));
            Some(resolve_step(tool))
        }
    };
    let edit = package_edit(file, facts, tool, resolve.as_deref());
    let jar = named.unwrap_or_else(|_| crate::paths::resolve(workdir, RESOLVED_JAR));
    Ok((jar, edit))
}

/// The java command that starts the jar the run through the build tool
/// ran from, with the run's JVM options and arguments, and why.
pub(super) fn java_command(start: &Start, tool: &ToolRun) -> (Vec<String>, String) {
    let jar = start
        .java
        .jar
        .clone()
        .expect("the tool's jar is told first");
    (
        std::iter::once("java".to_string())
            .chain(start.java.options.iter().cloned())
            .chain(["-jar".to_string(), jar])
            .chain(start.java.args.iter().cloned())
            .collect(),
        format!(
            "the jar `{}` built and ran, started with java and the run's options: the JRE image has no {}",
            tool.shown, tool.program
        ),
    )
}

/// Where the builder copies a jar whose name cannot be told, in the folder
/// the start command ran in.
const RESOLVED_JAR: &str = "app.jar";

/// The step that copies the one jar a build wrote (not Gradle's
/// `-plain.jar`) to [`RESOLVED_JAR`], failing the build if there is none or
/// several.
fn resolve_step(tool: &ToolRun) -> String {
    let (dir, list) = if tool.maven {
        ("target", "target/*.jar".to_string())
    } else {
        (
            "build/libs",
            "$(ls build/libs/*.jar | grep -v -- '-plain\\.jar$')".to_string(),
        )
    };
    format!(
        "set -- {list} && if [ \"$#\" -ne 1 ] || [ ! -f \"$1\" ]; then echo \"expected one jar in {dir}/, found: $*\" >&2; exit 1; fi && cp \"$1\" {RESOLVED_JAR}"
    )
}

/// The package step a start through the build tool needs, after the
/// stage's last step that changes files: none where a RUN packages already;
/// then the step that tells its jar, where one is needed.
fn package_edit(
    file: &Dockerfile,
    facts: &StageFacts,
    tool: &ToolRun,
    resolve: Option<&str>,
) -> Option<BuilderEdit> {
    let (tool_names, packaging): (&[&str], &[&str]) = if tool.maven {
        (
            &["mvn", "mvnw"],
            &["package", "install", "verify", "deploy"],
        )
    } else {
        (
            &["gradle", "gradlew"],
            &["bootJar", "build", "assemble", ":bootJar"],
        )
    };
    let packaged = facts.runs().any(|r| {
        let words: Vec<&str> = r.args.split_whitespace().collect();
        words
            .iter()
            .any(|w| tool_names.contains(&w.rsplit('/').next().unwrap_or(w)))
            && words.iter().any(|w| packaging.contains(w))
    });
    let resolve = resolve.filter(|r| !facts.runs().any(|run| run.args.contains(r)));
    if packaged && resolve.is_none() {
        return None;
    }
    let last = crate::lang::stage::last_file_step(facts)?;
    let goal = if tool.maven {
        "package -DskipTests"
    } else {
        "bootJar"
    };
    let flags: Vec<String> = tool
        .build_flags
        .iter()
        .filter(|f| !(f.starts_with("-DskipTests") || f.starts_with("-Dmaven.test.skip")))
        .map(|f| shell::quote(f))
        .collect();
    let words: Vec<String> = std::iter::once(shell::quote(&tool.program))
        .chain(flags)
        .chain([goal.to_string()])
        .collect();
    let end = last.text_span.end;
    let eol = file.line_ending();
    let mut text = String::new();
    let mut why = Vec::new();
    if !packaged {
        text.push_str(&format!("{eol}RUN {}", words.join(" ")));
        why.push(format!(
            "the jar the start command's {} ran from, built once here (as its run does, without tests)",
            tool.program
        ));
    }
    if let Some(r) = resolve {
        text.push_str(&format!("{eol}RUN {r}"));
        why.push(format!(
            "the one jar the build wrote, at {RESOLVED_JAR}, whose name slimfile cannot tell"
        ));
    }
    Some(BuilderEdit {
        range: end..end,
        text,
        why: why.join("; then "),
    })
}
