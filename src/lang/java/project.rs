//! The jar a Maven or Gradle build writes, from the project files the stage
//! copied: Maven's `target/<finalName>.jar`, whose default is
//! `${project.artifactId}-${project.version}` (the super POM), with the
//! version inherited from `<parent>`; Gradle's `build/libs/<name>[-<version>].jar`
//! (BasePlugin: the project's name and version, none when `unspecified`),
//! the name from `rootProject.name` in the settings file, else the folder's.
//! `pom.xml` is read with an XML parser (`roxmltree`); Gradle's build
//! scripts are programs, so only their plain assignments are read, and
//! anything else is an unknown name.

use super::*;

/// Why the jar a run through the build tool starts cannot be told.
#[derive(Debug)]
pub(super) enum JarError {
    /// Its name: the builder can tell it (the one jar the build writes).
    Name(String),
    /// What runs: the package step would not give the same program.
    Run(String),
}

impl JarError {
    pub(super) fn text(&self) -> &str {
        match self {
            JarError::Name(s) | JarError::Run(s) => s,
        }
    }
}

/// What in the Spring Boot Maven plugin's configuration (or its
/// `spring-boot.run.*` properties) configures the run, which a jar run with
/// java does not see.
const MAVEN_RUN_SETTINGS: &[&str] = &[
    "profiles",
    "jvmArguments",
    "arguments",
    "commandlineArguments",
    "environmentVariables",
    "systemPropertyVariables",
    "workingDirectory",
    "agents",
    "directories",
    "additionalClasspathElements",
];

/// The jar `mvn package` writes in the project at `dir` (in the image), as
/// `spring-boot:run` would run it: the plugin must repackage it (declared
/// in `<build><plugins>`), and configure nothing of the run.
pub(super) fn maven_jar(facts: &StageFacts, ctx: &Context, dir: &str) -> Result<String, JarError> {
    let copied = facts.context_files(ctx);
    let path = format!("{}/pom.xml", dir.trim_end_matches('/'));
    let text = crate::shell::Scripts::script(&copied, &path)
        .ok_or_else(|| JarError::Name(format!("no pom.xml was copied to {dir}")))?;
    let doc =
        roxmltree::Document::parse(&text).map_err(|e| JarError::Name(format!("{path}: {e}")))?;
    let project = doc.root_element();
    let parent = child(project, "parent");
    let plugin = child(project, "build")
        .and_then(|b| child(b, "plugins"))
        .and_then(|ps| {
            ps.children().find(|p| {
                p.is_element() && text_of(child(*p, "artifactId")).as_deref() == Some("spring-boot-maven-plugin")
            })
        })
        .ok_or_else(|| {
            JarError::Run(format!(
                "{path} declares no spring-boot-maven-plugin in <build><plugins>, so `mvn package` writes a jar that java -jar cannot start"
            ))
        })?;
    // Without Spring Boot's parent, the plugin repackages only where an
    // execution of its own says so.
    let boot_parent = parent
        .and_then(|p| text_of(child(p, "artifactId")))
        .is_some_and(|a| a == "spring-boot-starter-parent");
    let repackages = plugin.descendants().any(|n| {
        n.is_element()
            && n.tag_name().name() == "goal"
            && text_of(Some(n)).as_deref() == Some("repackage")
    });
    if !boot_parent && !repackages {
        return Err(JarError::Run(format!(
            "{path} has no spring-boot-starter-parent and no repackage execution of spring-boot-maven-plugin, so `mvn package` writes a jar that java -jar cannot start"
        )));
    }
    let config = plugin.descendants().filter(|n| n.is_element());
    let mut classifier = None;
    for n in config {
        let name = n.tag_name().name();
        let in_config = n
            .parent()
            .is_some_and(|p| p.tag_name().name() == "configuration");
        if in_config && MAVEN_RUN_SETTINGS.contains(&name) {
            return Err(JarError::Run(format!(
                "{path} configures the run in spring-boot-maven-plugin (<{name}>), which java -jar would not see"
            )));
        }
        if in_config && name == "outputDirectory" {
            return Err(JarError::Run(format!(
                "{path} puts the jar in another folder (<outputDirectory>)"
            )));
        }
        if in_config && name == "classifier" {
            classifier = text_of(Some(n));
        }
    }
    if let Some(p) = child(project, "properties") {
        if let Some(n) = p
            .children()
            .find(|c| c.is_element() && c.tag_name().name().starts_with("spring-boot.run."))
        {
            return Err(JarError::Run(format!(
                "{path} sets {} in its properties, which java -jar would not see",
                n.tag_name().name()
            )));
        }
    }
    let artifact = text_of(child(project, "artifactId"))
        .ok_or_else(|| JarError::Name(format!("{path} names no artifactId")))?;
    let version = text_of(child(project, "version"))
        .or_else(|| text_of(parent.and_then(|p| child(p, "version"))))
        .ok_or_else(|| JarError::Name(format!("{path} names no version, nor does its parent")))?;
    let packaging = text_of(child(project, "packaging")).unwrap_or_else(|| "jar".into());
    if packaging != "jar" {
        return Err(JarError::Run(format!(
            "{path} packages a {packaging}, not a jar"
        )));
    }
    let build = child(project, "build");
    if build.and_then(|b| child(b, "directory")).is_some() {
        return Err(JarError::Run(format!("{path} sets the build's directory")));
    }
    let mut props: Vec<(String, String)> = vec![
        ("project.artifactId".into(), artifact.clone()),
        ("artifactId".into(), artifact.clone()),
        ("project.version".into(), version.clone()),
        ("version".into(), version.clone()),
    ];
    if let Some(pv) = text_of(parent.and_then(|p| child(p, "version"))) {
        props.push(("project.parent.version".into(), pv));
    }
    if let Some(p) = child(project, "properties") {
        for c in p.children().filter(|c| c.is_element()) {
            props.push((
                c.tag_name().name().to_string(),
                c.text().unwrap_or("").trim().to_string(),
            ));
        }
    }
    let name = text_of(build.and_then(|b| child(b, "finalName")))
        .unwrap_or_else(|| "${project.artifactId}-${project.version}".into());
    let name = resolve_properties(&name, &props).ok_or_else(|| {
        JarError::Name(format!(
            "{path}: the jar's name `{name}` uses a property slimfile cannot tell"
        ))
    })?;
    let name = match classifier {
        Some(c) => format!("{name}-{c}"),
        None => name,
    };
    Ok(format!("{}/target/{name}.jar", dir.trim_end_matches('/')))
}

/// The first child element of `node` named `name`.
fn child<'a, 'i>(node: roxmltree::Node<'a, 'i>, name: &str) -> Option<roxmltree::Node<'a, 'i>> {
    node.children()
        .find(|c| c.is_element() && c.tag_name().name() == name)
}

/// An element's text, trimmed.
fn text_of(node: Option<roxmltree::Node>) -> Option<String> {
    node.and_then(|n| n.text()).map(|t| t.trim().to_string())
}

/// `${name}` properties put in, where each is plain; `None` where one is
/// unknown.
fn resolve_properties(text: &str, props: &[(String, String)]) -> Option<String> {
    let mut out = text.to_string();
    for _ in 0..8 {
        let Some(start) = out.find("${") else {
            return Some(out);
        };
        let end = start + out[start..].find('}')?;
        let key = &out[start + 2..end];
        let value = props.iter().rev().find(|(k, _)| k == key)?.1.clone();
        out.replace_range(start..=end, &value);
    }
    None
}

/// The jar `gradle bootJar` writes in the project at `dir` (in the image).
pub(super) fn gradle_boot_jar(
    facts: &StageFacts,
    ctx: &Context,
    dir: &str,
) -> Result<String, JarError> {
    let copied = facts.context_files(ctx);
    let dir = dir.trim_end_matches('/');
    let file = |name: &str| crate::shell::Scripts::script(&copied, &format!("{dir}/{name}"));
    let name_err = |s: &str| JarError::Name(s.to_string());
    let build = file("build.gradle.kts")
        .or_else(|| file("build.gradle"))
        .ok_or_else(|| name_err(&format!("no build.gradle(.kts) was copied to {dir}")))?;
    // bootRun and bootJar come with the Spring Boot plugin; what configures
    // the run is not seen by java -jar, and another folder is not build/libs.
    if !build.contains("org.springframework.boot") {
        return Err(JarError::Run(
            "the build applies no Spring Boot plugin (org.springframework.boot), whose bootJar would write the jar".into(),
        ));
    }
    if let Some(w) = [
        "bootRun {",
        "bootRun{",
        "tasks.bootRun",
        "named(\"bootRun\")",
        "named('bootRun')",
        "BootRun>",
    ]
    .iter()
    .find(|w| build.contains(**w))
    {
        return Err(JarError::Run(format!(
            "the build configures the run (`{w}`), which java -jar would not see"
        )));
    }
    if let Some(w) = ["buildDir", "destinationDirectory", "layout.buildDirectory"]
        .iter()
        .find(|w| build.contains(**w))
    {
        return Err(JarError::Run(format!(
            "the build puts its output in another folder (`{w}`)"
        )));
    }
    let settings = file("settings.gradle.kts").or_else(|| file("settings.gradle"));
    let folder = dir.rsplit('/').next().unwrap_or("").to_string();
    let project = match settings
        .as_deref()
        .map(|s| assignment(s, "rootProject.name"))
    {
        Some(Assigned::Plain(n)) => n,
        Some(Assigned::Unknown) => {
            return Err(name_err(
                "the settings file sets rootProject.name in a way slimfile cannot read",
            ))
        }
        Some(Assigned::Absent) | None if !folder.is_empty() => folder,
        _ => return Err(name_err("the project's name cannot be told")),
    };
    // A name set otherwise than by a plain line of its own: told in the builder.
    for word in [
        "archiveClassifier",
        "archiveVersion",
        "archivesName",
        "archivesBaseName",
        "archiveAppendix",
    ] {
        if build.contains(word) {
            return Err(name_err(&format!("the build sets {word}")));
        }
    }
    let plain = |word: &str| match assignment(&build, word) {
        Assigned::Plain(v) => Ok(Some(v)),
        Assigned::Absent if !build.contains(word) => Ok(None),
        _ => Err(name_err(&format!(
            "the build sets {word} in a way slimfile cannot read"
        ))),
    };
    if let Some(name) = plain("archiveFileName")? {
        return Ok(format!("{dir}/build/libs/{name}"));
    }
    let base = plain("archiveBaseName")?.unwrap_or(project);
    let version = match assignment(&build, "version") {
        Assigned::Plain(v) if v != "unspecified" => Some(v),
        Assigned::Plain(_) | Assigned::Absent => {
            match file("gradle.properties").as_deref().and_then(|p| {
                p.lines().find_map(|l| {
                    l.trim()
                        .strip_prefix("version")
                        .map(|r| r.trim().to_string())
                })
            }) {
                Some(v) => v.strip_prefix('=').map(|v| v.trim().to_string()),
                None => None,
            }
        }
        Assigned::Unknown => {
            return Err(name_err(
                "the build sets its version in a way slimfile cannot read",
            ))
        }
    };
    let name = match version {
        Some(v) => format!("{base}-{v}.jar"),
        None => format!("{base}.jar"),
    };
    Ok(format!("{dir}/build/libs/{name}"))
}

/// What a Gradle script assigns to a name.
enum Assigned {
    /// A plain string (`version = '1.0'`, `version = "1.0"`, `.set("1.0")`).
    Plain(String),
    /// Something else (a variable, a call, an interpolation).
    Unknown,
    Absent,
}

/// The last assignment to `name` at the start of a line, as Groovy and
/// Kotlin scripts write a plain one.
fn assignment(script: &str, name: &str) -> Assigned {
    let mut found = Assigned::Absent;
    for line in script.lines() {
        let l = line.trim();
        let Some(rest) = l.strip_prefix(name) else {
            continue;
        };
        let rest = rest.trim_start();
        let value = if let Some(v) = rest.strip_prefix('=') {
            v.trim()
        } else if let Some(v) = rest.strip_prefix(".set(") {
            v.trim().trim_end_matches(')')
        } else if rest.starts_with(['\'', '"']) {
            rest
        } else {
            continue;
        };
        let quoted = |q: char| {
            value
                .strip_prefix(q)
                .and_then(|v| v.strip_suffix(q))
                .filter(|v| !v.contains(['$', q]))
        };
        found = match quoted('"').or_else(|| quoted('\'')) {
            Some(v) => Assigned::Plain(v.to_string()),
            None => Assigned::Unknown,
        };
    }
    found
}

/// The folder, relative to the jar, where a thin jar's manifest says its
/// dependencies are (maven-jar-plugin's `<addClasspath>true</addClasspath>`
/// with its `<classpathPrefix>`, empty where they are beside it).
pub(super) fn manifest_class_path(ctx: &Context) -> Option<String> {
    let text = ctx.read("pom.xml")?;
    let doc = roxmltree::Document::parse(&text).ok()?;
    let manifest = doc.descendants().find(|n| {
        n.is_element()
            && n.tag_name().name() == "manifest"
            && text_of(child(*n, "addClasspath")).as_deref() == Some("true")
    })?;
    Some(text_of(child(manifest, "classpathPrefix")).unwrap_or_default())
}

/// The newest Java release the project's build files say its classes are
/// for, and where: Maven's `maven.compiler.release`/`target`,
/// `java.version` (Spring Boot's parent compiles for it) and the compiler
/// plugin's `<release>`/`<target>`; Gradle's toolchain
/// (`JavaLanguageVersion.of(21)`, `jvmToolchain(21)`) and
/// `sourceCompatibility`/`targetCompatibility`. Read from the build
/// context's root and the folders one level down (a multi-module build).
pub(super) fn class_level(ctx: &Context) -> Option<(u32, String)> {
    let mut files: Vec<String> = Vec::new();
    let names = ["pom.xml", "build.gradle", "build.gradle.kts"];
    for n in names {
        files.push(n.to_string());
    }
    if let Some(root) = ctx.dir() {
        let mut subs: Vec<String> = std::fs::read_dir(root)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| e.path().is_dir())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| !n.starts_with('.') && n != "node_modules" && n != "target" && n != "build")
            .collect();
        subs.sort();
        for d in subs.iter().take(50) {
            for n in names {
                files.push(format!("{d}/{n}"));
            }
        }
    }
    let mut best: Option<(u32, String)> = None;
    let mut consider = |level: Option<u32>, file: &str, what: &str| {
        if let Some(l) = level {
            if best.as_ref().is_none_or(|(b, _)| l > *b) {
                best = Some((l, format!("{what} {l} in {file}")));
            }
        }
    };
    for f in files {
        let Some(text) = ctx.read(&f) else { continue };
        if f.ends_with("pom.xml") {
            let Ok(doc) = roxmltree::Document::parse(&text) else {
                continue;
            };
            for node in doc.descendants().filter(|n| n.is_element()) {
                let name = node.tag_name().name();
                let in_properties = node
                    .parent()
                    .is_some_and(|p| p.tag_name().name() == "properties");
                let in_compiler = node.parent().is_some_and(|p| {
                    p.tag_name().name() == "configuration"
                        && p.parent()
                            .and_then(|q| child(q, "artifactId"))
                            .and_then(|a| a.text())
                            == Some("maven-compiler-plugin")
                });
                let counts = (in_properties
                    && matches!(
                        name,
                        "maven.compiler.release" | "maven.compiler.target" | "java.version"
                    ))
                    || (in_compiler && matches!(name, "release" | "target"));
                if counts {
                    consider(node.text().and_then(java_release), &f, name);
                }
            }
        } else {
            for (marker, what) in [
                ("JavaLanguageVersion.of(", "the Gradle toolchain"),
                ("jvmToolchain(", "the Kotlin toolchain"),
                ("JavaVersion.VERSION_", "JavaVersion"),
                ("sourceCompatibility", "sourceCompatibility"),
                ("targetCompatibility", "targetCompatibility"),
            ] {
                for (at, _) in text.match_indices(marker) {
                    let rest = text[at + marker.len()..].trim_start_matches([' ', '=', '\'', '"']);
                    let digits: String = rest
                        .chars()
                        .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == '_')
                        .collect();
                    consider(java_release(&digits.replace('_', ".")), &f, what);
                }
            }
        }
    }
    best
}

/// A Java release as build files write it (`21`, `1.8`, `17.0`).
fn java_release(text: &str) -> Option<u32> {
    let t = text.trim();
    let t = t.strip_prefix("1.").filter(|r| !r.is_empty()).unwrap_or(t);
    t.split('.')
        .next()?
        .parse()
        .ok()
        .filter(|v| (5..100).contains(v))
}

#[cfg(test)]
mod tests {
    use super::{assignment, java_release, resolve_properties, Assigned};

    #[test]
    fn java_releases_as_build_files_write_them() {
        for (text, release) in [
            ("21", Some(21)),
            ("1.8", Some(8)),
            ("17.0", Some(17)),
            ("", None),
            ("x", None),
        ] {
            assert_eq!(java_release(text), release, "{text}");
        }
    }

    #[test]
    fn plain_assignments_are_read_and_others_are_unknown() {
        let script = "plugins { id 'java' }\nversion = '0.1.0'\ngroup = \"x\"\n";
        assert!(matches!(assignment(script, "version"), Assigned::Plain(v) if v == "0.1.0"));
        assert!(matches!(
            assignment("version = \"1.${x}\"", "version"),
            Assigned::Unknown
        ));
        assert!(matches!(
            assignment("version = rootProject.version", "version"),
            Assigned::Unknown
        ));
        assert!(matches!(
            assignment("    archiveFileName.set(\"app.jar\")", "archiveFileName"),
            Assigned::Plain(v) if v == "app.jar"
        ));
        assert!(matches!(
            assignment("versions = 2", "version"),
            Assigned::Absent
        ));
    }

    #[test]
    fn maven_properties_resolve_where_plain() {
        let props = vec![
            ("project.artifactId".to_string(), "api".to_string()),
            ("revision".to_string(), "2.1".to_string()),
            ("project.version".to_string(), "${revision}".to_string()),
        ];
        assert_eq!(
            resolve_properties("${project.artifactId}-${project.version}", &props).as_deref(),
            Some("api-2.1")
        );
        assert_eq!(resolve_properties("${nope}", &props), None);
    }
}
