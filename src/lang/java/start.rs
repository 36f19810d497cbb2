//! What the Java final stage starts: the `java` command of the `CMD` or
//! `ENTRYPOINT` (exec form, shell form, or `sh -c "…"`), read as the `java`
//! launcher reads its arguments: JVM options, then `-jar FILE` or a class
//! path and a main class, then the program's arguments.

use super::*;

/// The start command, read.
#[derive(Debug)]
pub(super) struct Start<'a> {
    /// The instruction that runs `java` (the `ENTRYPOINT`, else the `CMD`).
    pub(super) at: &'a Instruction,
    /// The command needs a shell as written (a variable, a glob, `&&`).
    pub(super) shell: bool,
    /// The command runs through `sh -c` in exec form.
    pub(super) via_sh: bool,
    pub(super) java: JavaRun,
    /// The build tool's run (`mvn spring-boot:run`) the `java` command
    /// stands for, whose jar is still to be told.
    pub(super) tool: Option<ToolRun>,
    /// The init process the command runs under (`tini --`, `dumb-init`).
    pub(super) init: Option<String>,
    /// The script of the app's the command runs, which runs java, absolute.
    pub(super) script: Option<String>,
}

/// `mvn spring-boot:run` or `gradle bootRun` at start.
#[derive(Debug)]
pub(super) struct ToolRun {
    /// The tool as written (`mvn`, `./mvnw`, `gradle`, `./gradlew`).
    pub(super) program: String,
    pub(super) maven: bool,
    /// The command as its words, for messages.
    pub(super) shown: String,
    /// The options that apply to a build too (`-B`, `--no-daemon`, `-s f`).
    pub(super) build_flags: Vec<String>,
}

/// A `java` command.
#[derive(Debug, Default)]
pub(super) struct JavaRun {
    /// `java` as written (`java`, `/opt/java/openjdk/bin/java`).
    pub(super) program: String,
    /// The JVM options before the jar or main class, as written.
    pub(super) options: Vec<String>,
    /// `-jar FILE`.
    pub(super) jar: Option<String>,
    /// `-cp` / `-classpath` / `--class-path` entries.
    pub(super) classpath: Vec<String>,
    pub(super) main: Option<String>,
    /// The program's own arguments.
    pub(super) args: Vec<String>,
    /// Files the options name that the JVM reads (`-javaagent:/app/agent.jar`).
    pub(super) option_files: Vec<String>,
}

/// JVM options whose value is the next word (from `java --help`).
const VALUED: &[&str] = &[
    "-cp",
    "-classpath",
    "--class-path",
    "-p",
    "--module-path",
    "--upgrade-module-path",
    "--add-modules",
    "--enable-native-access",
    "--add-opens",
    "--add-exports",
    "--add-reads",
    "--patch-module",
    "--limit-modules",
    "--source",
];

/// Init processes that run the command after their options (`tini --`).
const INITS: &[&str] = &["tini", "tini-static", "dumb-init", "catatonit"];

/// Reads the start command; or why the final stage cannot be told from it.
pub(super) fn read_start<'a>(facts: &StageFacts<'a>, ctx: &Context) -> Result<Start<'a>, Stop> {
    let entry = facts.entrypoint;
    let (at, words, text) = match entry.and_then(|e| e.form.as_ref().map(|f| (e, f))) {
        Some((e, Form::Shell(s))) => (e, None, Some(s.clone())),
        Some((e, Form::Exec(argv))) => {
            let mut w = argv.clone();
            if let Some(Form::Exec(c)) = facts.cmd.and_then(|c| c.form.as_ref()) {
                w.extend(c.iter().cloned());
            }
            (e, Some(w), None)
        }
        None => {
            let c = facts.cmd.expect("check_starts found a CMD or ENTRYPOINT");
            match &c.form {
                Some(Form::Shell(s)) => (c, None, Some(s.clone())),
                Some(Form::Exec(argv)) => (c, Some(argv.clone()), None),
                None => (c, Some(Vec::new()), None),
            }
        }
    };
    let line = at.start_line;
    // `["sh", "-c", "java … -jar app.jar"]`: the shell's script.
    let (words, text, via_sh) = match words {
        Some(w)
            if w.len() >= 3
                && matches!(w[0].as_str(), "sh" | "/bin/sh" | "bash" | "/bin/bash")
                && w[1] == "-c" =>
        {
            (None, Some(w[2].clone()), true)
        }
        w => (w, text, false),
    };
    let (words, shell) = match (words, text) {
        (Some(w), _) => (w, false),
        (None, Some(s)) => {
            let s = s.trim();
            let s = s.strip_prefix("exec ").unwrap_or(s).trim();
            match shell::plain_words(s) {
                Some(w) => (w, false),
                None => {
                    if ["&&", "||", ";", "|", "`", "$("]
                        .iter()
                        .any(|x| s.contains(x))
                    {
                        return Err(refused(
                            JAR_NOT_FOLLOWED,
                            line,
                            format!("the start command `{s}` runs more than one command, and slimfile cannot tell which jar the final stage needs"),
                        )
                        .hint("start java itself (CMD [\"java\", \"-jar\", \"/app/app.jar\"])"));
                    }
                    (s.split_whitespace().map(String::from).collect(), true)
                }
            }
        }
        (None, None) => (Vec::new(), false),
    };
    // Under an init process: the command after its options.
    let mut words = words;
    let mut init = None;
    if let Some(first) = words
        .first()
        .filter(|w| INITS.contains(&w.rsplit('/').next().unwrap_or(w)))
    {
        init = Some(first.clone());
        let mut at_cmd = 1;
        while let Some(w) = words.get(at_cmd).filter(|w| w.starts_with('-')) {
            at_cmd += 1;
            if w == "--" {
                break;
            }
        }
        words = words[at_cmd..].to_vec();
    }
    let Some(program) = words.first() else {
        return Err(refused(
            JAR_NOT_FOLLOWED,
            line,
            "the start command is empty",
        ));
    };
    let name = program.rsplit('/').next().unwrap_or(program);
    // Through the build tool: as the CMD, or an exec-form ENTRYPOINT with no CMD.
    let alone = entry.is_none() || facts.cmd.is_none();
    if matches!(name, "mvn" | "mvnw" | "gradle" | "gradlew") && !shell && alone && init.is_none() {
        if let Some((java, tool)) = tool_run(&words, line)? {
            return Ok(Start {
                at,
                shell: false,
                via_sh,
                java,
                tool: Some(tool),
                init,
                script: None,
            });
        }
    }
    if name != "java" {
        // A script of the app's that runs java, or sets up and runs the
        // CMD (`exec "$@"`).
        if let Some((java, script)) = script_java(facts, ctx, &words, line)? {
            return Ok(Start {
                at,
                shell: true,
                via_sh,
                java,
                tool: None,
                init,
                script: Some(script),
            });
        }
        // Gradle's application distribution (`gradle installDist`): its
        // start script, which runs java with the distribution's lib/.
        if let Some(dist) = installed_distribution(program) {
            let workdir = facts.workdir.clone().unwrap_or_else(|| "/".into());
            return Ok(Start {
                at,
                shell: true,
                via_sh,
                java: JavaRun {
                    program: program.clone(),
                    args: words[1..].to_vec(),
                    ..JavaRun::default()
                },
                tool: None,
                init,
                script: Some(crate::paths::resolve(&workdir, &dist)),
            });
        }
        return Err(not_java(program, line));
    }
    let java = read_java(&words, facts, line)?;
    Ok(Start {
        at,
        shell: shell || via_sh,
        via_sh,
        java,
        tool: None,
        init,
        script: None,
    })
}

/// The java command a script the stage copied from the context runs (its
/// one `java`), or the one it is given to run (`exec "$@"` with a `java`
/// CMD); `None` where the program is no such script.
fn script_java(
    facts: &StageFacts,
    ctx: &Context,
    words: &[String],
    line: usize,
) -> Result<Option<(JavaRun, String)>, Stop> {
    let workdir = facts.workdir.clone().unwrap_or_else(|| "/".into());
    let path = crate::paths::resolve(&workdir, &words[0]);
    let scripts = facts.context_files(ctx);
    let Some(text) = crate::shell::Scripts::script(&scripts, &path) else {
        return Ok(None);
    };
    let scope = shell::Scope::at(&workdir, "root");
    let steps = shell::read(&text, &scope, &scripts);
    let javas: Vec<Vec<String>> = shell::commands(&steps)
        .filter(|c| c.name() == "java")
        .map(|c| c.words())
        .collect();
    match javas.as_slice() {
        [one] => Ok(Some((read_java(one, facts, line)?, path))),
        [] if text.contains("\"$@\"") && words.get(1).is_some_and(|w| w == "java") => {
            Ok(Some((read_java(&words[1..], facts, line)?, path)))
        }
        [] => Ok(None),
        _ => Err(refused(
            JAR_NOT_FOLLOWED,
            line,
            format!("the script {path} runs java more than once, and slimfile cannot tell which jar the final stage needs"),
        )
        .hint("start java itself, or write the final stage by hand")),
    }
}

/// `mvn … spring-boot:run` or `gradle … bootRun`, as the `java` command it
/// forks (the plugins' documented properties: `spring-boot.run.jvmArguments`
/// are JVM options, `spring-boot.run.profiles` the active profiles,
/// `spring-boot.run.arguments` and `--args` the program's arguments) and
/// the tool; `None` where the command is another goal or task.
fn tool_run(words: &[String], line: usize) -> Result<Option<(JavaRun, ToolRun)>, Stop> {
    let program = words[0].clone();
    let name = program.rsplit('/').next().unwrap_or(&program);
    let maven = matches!(name, "mvn" | "mvnw");
    let goal = if maven {
        [
            "spring-boot:run",
            "org.springframework.boot:spring-boot-maven-plugin:run",
        ]
    } else {
        ["bootRun", ":bootRun"]
    };
    if !words[1..].iter().any(|w| goal.contains(&w.as_str())) {
        return Ok(None);
    }
    let mut run = JavaRun {
        program: "java".into(),
        ..JavaRun::default()
    };
    let mut build_flags = Vec::new();
    let unknown = |w: &str| {
        refused(
            JAR_NOT_FOLLOWED,
            line,
            format!("the start command's `{w}` is an option of {name} whose effect on the program slimfile cannot tell"),
        )
        .hint("start the jar with java -jar, or write the final stage by hand")
    };
    let split = |v: &str| -> Result<Vec<String>, Stop> {
        let v = v.trim_matches(['"', '\'']);
        if v.contains(['"', '\'', '\\']) {
            return Err(refused(
                JAR_NOT_FOLLOWED,
                line,
                format!(
                    "the start command's `{v}` quotes words, which the plugin splits its own way"
                ),
            )
            .hint("start the jar with java -jar and the options as separate words"));
        }
        Ok(v.split_whitespace().map(String::from).collect())
    };
    let mut rest = words[1..].iter();
    while let Some(w) = rest.next() {
        let w = w.as_str();
        if goal.contains(&w) || (maven && matches!(w, "clean" | "compile")) {
            continue;
        }
        if maven {
            if let Some(v) = w.strip_prefix("-Dspring-boot.run.jvmArguments=") {
                run.options.extend(split(v)?);
            } else if let Some(v) = w.strip_prefix("-Dspring-boot.run.profiles=") {
                run.args.push(format!("--spring.profiles.active={v}"));
            } else if let Some(v) = w.strip_prefix("-Dspring-boot.run.arguments=") {
                run.args.extend(split(v)?);
            } else if matches!(
                w,
                "-B" | "--batch-mode"
                    | "-q"
                    | "--quiet"
                    | "-o"
                    | "--offline"
                    | "-e"
                    | "-U"
                    | "-ntp"
                    | "--no-transfer-progress"
            ) || w.starts_with("-DskipTests")
                || w.starts_with("-Dmaven.test.skip")
            {
                build_flags.push(w.to_string());
            } else if matches!(w, "-s" | "--settings" | "-gs") {
                build_flags.push(w.to_string());
                build_flags.push(rest.next().cloned().unwrap_or_default());
            } else {
                return Err(unknown(w));
            }
        } else if let Some(v) = w.strip_prefix("--args=") {
            run.args.extend(split(v)?);
        } else if w == "--args" {
            run.args
                .extend(split(rest.next().map(String::as_str).unwrap_or(""))?);
        } else if matches!(
            w,
            "--no-daemon" | "-q" | "--quiet" | "--offline" | "-i" | "--info"
        ) {
            build_flags.push(w.to_string());
        } else {
            return Err(unknown(w));
        }
    }
    Ok(Some((
        run,
        ToolRun {
            program,
            maven,
            shown: words.join(" "),
            build_flags,
        },
    )))
}

/// The folder of the distribution `gradle installDist` writes, where
/// `program` is its start script (`build/install/app/bin/app`).
fn installed_distribution(program: &str) -> Option<String> {
    let (dir, name) = program.rsplit_once("/bin/")?;
    let (_, dist) = dir.rsplit_once("build/install/")?;
    (dist == name && !name.contains('/')).then(|| dir.to_string())
}

/// Why a start command that is not `java` cannot be followed.
fn not_java(program: &str, line: usize) -> Stop {
    let name = program.rsplit('/').next().unwrap_or(program);
    let why = match name {
        "mvn" | "mvnw" | "gradle" | "gradlew" => format!(
            "the start command runs {name}, a build tool the JRE does not have; slimfile does not turn a run through the build tool into a jar and `java -jar` yet"
        ),
        "javac" | "jshell" | "jar" | "jlink" => format!(
            "the start command runs {name}, which only a JDK has"
        ),
        _ => format!(
            "the start command runs `{program}`, not java, and slimfile cannot tell which jar it starts"
        ),
    };
    refused(JAR_NOT_FOLLOWED, line, why)
        .hint("build the jar in a RUN and start it with java -jar (CMD [\"java\", \"-jar\", \"/app/app.jar\"])")
}

/// Reads `java [options] (-jar FILE | [-cp PATH] MAIN) [args]`.
fn read_java(words: &[String], facts: &StageFacts, line: usize) -> Result<JavaRun, Stop> {
    let mut run = JavaRun {
        program: words[0].clone(),
        ..JavaRun::default()
    };
    let mut rest = words[1..].iter();
    while let Some(w) = rest.next() {
        if w == "-jar" {
            let jar = rest
                .next()
                .ok_or_else(|| refused(JAR_NOT_FOLLOWED, line, "`-jar` names no jar"))?;
            run.jar = Some(value_of(jar, facts, line)?);
            run.args = rest.cloned().collect();
            return Ok(run);
        }
        if matches!(w.as_str(), "-m" | "--module") || w.starts_with("--module=") {
            return Err(refused(
                JAR_NOT_FOLLOWED,
                line,
                "the start command runs a module (`java -m`), whose module path slimfile does not follow yet",
            )
            .hint("start a jar (java -jar app.jar)"));
        }
        if VALUED.contains(&w.as_str()) {
            let v = rest.next().cloned().unwrap_or_default();
            if matches!(w.as_str(), "-cp" | "-classpath" | "--class-path") {
                let v = value_of(&v, facts, line)?;
                run.classpath = v.split(':').map(String::from).collect();
            } else {
                run.options.push(w.clone());
                run.options.push(v);
            }
            continue;
        }
        if w.starts_with('-') || w.starts_with('$') {
            if let Some(agent) = w.strip_prefix("-javaagent:") {
                let file = agent.split('=').next().unwrap_or(agent);
                run.option_files.push(value_of(file, facts, line)?);
            }
            run.options.push(w.clone());
            continue;
        }
        if w.ends_with(".java") {
            return Err(refused(
                JAR_NOT_FOLLOWED,
                line,
                format!("the start command runs the source file {w}, which java compiles at every start with the JDK's compiler, which a JRE lacks"),
            )
            .hint("compile it in a RUN (javac) and run the class or a jar"));
        }
        // No class path given: CLASSPATH, else the folder it runs in.
        if run.classpath.is_empty() {
            let cp = facts.lookup("CLASSPATH").unwrap_or_else(|| ".".into());
            run.classpath = cp.split(':').map(String::from).collect();
        }
        run.main = Some(w.clone());
        run.args = rest.cloned().collect();
        return Ok(run);
    }
    Err(refused(
        JAR_NOT_FOLLOWED,
        line,
        "the java command names no jar and no main class",
    ))
}

/// A path as the start command gives it, with the stage's `ENV`s and
/// `ARG`s put in (`$APP_HOME/app.jar`).
fn value_of(word: &str, facts: &StageFacts, line: usize) -> Result<String, Stop> {
    let word = word.trim_matches('"');
    if !word.contains('$') {
        return Ok(word.to_string());
    }
    facts.expand(word).ok_or_else(|| {
        refused(
            JAR_NOT_FOLLOWED,
            line,
            format!("the start command names `{word}`, whose value slimfile cannot tell"),
        )
        .hint("name the jar's path, or set the variable with ENV")
    })
}

/// The paths the final stage needs for the start command, absolute: the
/// jar, the class path's entries (a `lib/*` entry is its folder), the
/// files the options name.
pub(super) fn start_paths(run: &JavaRun, workdir: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let entries = run
        .jar
        .iter()
        .chain(run.classpath.iter())
        .chain(run.option_files.iter());
    for e in entries {
        if e.is_empty() {
            continue;
        }
        let e = e.strip_suffix("/*").unwrap_or(e);
        let p = crate::paths::resolve(workdir, e);
        if !out.contains(&p) {
            out.push(p);
        }
    }
    out
}

/// Every program the start command runs through its script or init
/// process is java, a utility of the runtime's system, a file the final
/// stage gets, or a package it installs again; else the rewrite is refused.
pub(super) fn check_start_programs(
    facts: &StageFacts,
    ctx: &Context,
    start: &Start,
    flavor: Flavor,
    packages: &[String],
    payload: &[String],
) -> Result<(), Stop> {
    let Some(form) = &start.at.form else {
        return Ok(());
    };
    let workdir = facts.workdir.clone().unwrap_or_else(|| "/".into());
    let scripts = facts.context_files(ctx);
    let scope = shell::Scope::at(&workdir, "root");
    let copied = crate::carry::copied_files(facts);
    for p in crate::runtime::programs_run(form, start.at.start_line, &scope, &scripts)? {
        let name = p.rsplit('/').next().unwrap_or(&p);
        let path = crate::paths::resolve(&workdir, &p);
        let ok = name == "java"
            || crate::base_images::os_has(flavor, &p)
            || packages.iter().any(|k| k == name)
            || payload.iter().any(|f| crate::paths::is_within(&path, f))
            || copied
                .iter()
                .any(|c| crate::paths::is_within(&path, c) || c.rsplit('/').next() == Some(name));
        if !ok {
            return Err(refused(
                Code::UnknownProgram,
                start.at.start_line,
                format!(
                    "the start command runs `{p}`, which is neither java, a program of the {} image, a package the final stage installs, nor a file it gets",
                    flavor.name()
                ),
            )
            .hint("install it in the Dockerfile, or write the final stage by hand"));
        }
    }
    Ok(())
}
