//! What a review of real Java Dockerfiles from public repositories found
//! broken or needlessly refused, each reduced to its trigger: the rewrite is
//! now right, or refused with the reason.

mod common;

use common::cases::{final_stage, output, refusal, rewrite_in};

const BOOT_PARENT: &str = "<parent><groupId>org.springframework.boot</groupId><artifactId>spring-boot-starter-parent</artifactId><version>3.3.4</version></parent>";
const BOOT_PLUGIN: &str = "<build><plugins><plugin><groupId>org.springframework.boot</groupId><artifactId>spring-boot-maven-plugin</artifactId>{config}</plugin></plugins></build>";

fn pom(parent: &str, plugin_config: Option<&str>, extra: &str) -> String {
    let build = plugin_config
        .map(|c| BOOT_PLUGIN.replace("{config}", c))
        .unwrap_or_default();
    format!("<project>{parent}<artifactId>demo</artifactId><version>1.0</version>{extra}{build}</project>\n")
}

const RUN: &str = "FROM maven:3.9-eclipse-temurin-21\nWORKDIR /app\nCOPY . .\nCMD [\"mvn\", \"spring-boot:run\"]\n";

#[test]
fn a_run_through_maven_becomes_java_dash_jar_only_where_the_jar_is_the_same_program() {
    // The plugin repackages the jar under Spring Boot's parent; a classifier names it.
    let p = rewrite_in(&[("pom.xml", &pom(BOOT_PARENT, Some(""), ""))], RUN, None);
    assert!(
        final_stage(&p).contains("/app/target/demo-1.0.jar"),
        "{}",
        output(&p)
    );
    let p = rewrite_in(
        &[(
            "pom.xml",
            &pom(
                BOOT_PARENT,
                Some("<configuration><classifier>exec</classifier></configuration>"),
                "",
            ),
        )],
        RUN,
        None,
    );
    assert!(final_stage(&p).contains("/app/target/demo-1.0-exec.jar"));
    for (pom, says) in [
        // No plugin, or no parent and no repackage execution: a plain jar.
        (pom(BOOT_PARENT, None, ""), "declares no spring-boot-maven-plugin"),
        (pom("", Some(""), ""), "no repackage execution"),
        // What configures the run, which java -jar does not see.
        (
            pom(BOOT_PARENT, Some("<configuration><profiles><profile>dev</profile></profiles></configuration>"), ""),
            "<profiles>",
        ),
        (
            pom(BOOT_PARENT, Some(""), "<properties><spring-boot.run.jvmArguments>-Xmx1g</spring-boot.run.jvmArguments></properties>"),
            "spring-boot.run.jvmArguments",
        ),
    ] {
        let p = rewrite_in(&[("pom.xml", &pom)], RUN, None);
        let (code, text) = refusal(&p);
        assert_eq!(code, "jar-not-followed", "{pom}");
        assert!(text.contains(says), "{says}: {text}");
    }
    // Without the parent, an execution of repackage does it.
    let p = rewrite_in(
        &[("pom.xml", &pom("", Some("<executions><execution><goals><goal>repackage</goal></goals></execution></executions>"), ""))],
        RUN,
        None,
    );
    assert!(final_stage(&p).contains("/app/target/demo-1.0.jar"));
    // Quoted words in the run's properties are split the plugin's way.
    let p = rewrite_in(
        &[("pom.xml", &pom(BOOT_PARENT, Some(""), ""))],
        &RUN.replace(
            "\"spring-boot:run\"]",
            "\"spring-boot:run\", \"-Dspring-boot.run.jvmArguments=-Dgreeting=\\\"hello world\\\" -Xmx1g\"]",
        ),
        None,
    );
    assert_eq!(refusal(&p).0, "jar-not-followed");
}

#[test]
fn a_gradle_jar_named_otherwise_is_told_in_the_builder_or_refused() {
    let settings = ("settings.gradle", "rootProject.name = 'demo'\n");
    let dockerfile =
        "FROM gradle:8.10-jdk21\nWORKDIR /app\nCOPY . .\nCMD [\"gradle\", \"bootRun\"]\n";
    let plugin = "plugins { id 'org.springframework.boot' version '3.3.4' }\n";
    let p = rewrite_in(
        &[
            settings,
            (
                "build.gradle",
                &format!("{plugin}bootJar {{ archiveFileName = 'svc.jar' }}\n"),
            ),
        ],
        dockerfile,
        None,
    );
    let out = output(&p);
    assert!(
        out.contains(
            "RUN gradle bootJar\nRUN set -- $(ls build/libs/*.jar | grep -v -- '-plain\\.jar$')"
        ),
        "{out}"
    );
    assert!(final_stage(&p).contains("COPY --from=builder /app/app.jar /app/app.jar\n"));
    assert!(final_stage(&p).contains("CMD [\"java\", \"-jar\", \"/app/app.jar\"]\n"));
    assert!(p
        .report
        .warnings
        .iter()
        .any(|w| w.code.as_str() == "jar-resolved-in-builder"));
    // A second run of the builder adds nothing.
    let again = rewrite_in(
        &[
            settings,
            (
                "build.gradle",
                &format!("{plugin}bootJar {{ archiveFileName = 'svc.jar' }}\n"),
            ),
        ],
        &out[..p.tail_start],
        None,
    );
    assert_eq!(output(&again), out);
    for (build, says) in [
        (
            format!("{plugin}bootRun {{ args = ['--debug'] }}\n"),
            "configures the run",
        ),
        (
            format!("{plugin}tasks.bootJar {{ destinationDirectory = file('out') }}\n"),
            "another folder",
        ),
        (
            "plugins { id 'java' }\n".to_string(),
            "no Spring Boot plugin",
        ),
    ] {
        let p = rewrite_in(&[settings, ("build.gradle", &build)], dockerfile, None);
        let (code, text) = refusal(&p);
        assert_eq!(code, "jar-not-followed", "{build}");
        assert!(text.contains(says), "{says}: {text}");
    }
}

#[test]
fn what_the_program_reads_beside_the_jar_comes_along() {
    // A thin jar whose manifest puts its dependencies in lib/.
    let pom = "<project><artifactId>tool</artifactId><version>1.0</version><build><plugins><plugin><artifactId>maven-jar-plugin</artifactId><configuration><archive><manifest><addClasspath>true</addClasspath><classpathPrefix>lib/</classpathPrefix><mainClass>t.Main</mainClass></manifest></archive></configuration></plugin></plugins></build></project>\n";
    let p = rewrite_in(
        &[("pom.xml", pom)],
        "FROM maven:3.9-eclipse-temurin-21\nWORKDIR /app\nCOPY . .\nRUN mvn package\nCMD [\"java\", \"-jar\", \"target/tool-1.0.jar\"]\n",
        None,
    );
    assert!(final_stage(&p).contains("COPY --from=builder /app/target/lib /app/target/lib\n"));
    // No WORKDIR: what the context put anywhere comes along.
    let p = rewrite_in(
        &[("target/app.jar", "jar"), ("config.properties", "a=1\n")],
        "FROM eclipse-temurin:17-jdk-alpine\nCOPY ./target/*.jar /usr/app/app.jar\nCOPY ./config.properties /usr/app/config.properties\nENTRYPOINT [\"java\",\"-jar\",\"/usr/app/app.jar\"]\n",
        None,
    );
    assert!(final_stage(&p)
        .contains("COPY --from=builder /usr/app/config.properties /usr/app/config.properties\n"));
    // JSP views under src/main/webapp, which Spring Boot serves from the
    // folder it runs in.
    let p = rewrite_in(
        &[
            ("pom.xml", &pom_with_boot()),
            ("src/main/webapp/WEB-INF/jsp/a.jsp", "<p/>\n"),
        ],
        RUN,
        None,
    );
    assert!(
        final_stage(&p).contains("COPY --from=builder /app/src/main/webapp /app/src/main/webapp\n")
    );
    // A WORKDIR inside the project after the build: only what runs.
    let p = rewrite_in(
        &[("pom.xml", &pom_with_boot())],
        "FROM maven:3.9-eclipse-temurin-21\nWORKDIR /app\nCOPY . .\nRUN mvn package\nWORKDIR /app/target\nCMD [\"java\", \"-jar\", \"demo-1.0.jar\"]\n",
        None,
    );
    let f = final_stage(&p);
    assert!(!f.contains("COPY --from=builder /app /app\n"), "{f}");
    assert!(
        f.contains("COPY --from=builder /app/target/demo-1.0.jar /app/target/demo-1.0.jar\n"),
        "{f}"
    );
}

fn pom_with_boot() -> String {
    pom(BOOT_PARENT, Some(""), "")
}

#[test]
fn classes_run_by_name_and_the_packages_they_use_come_along() {
    // `java Main`: the class path is the folder it runs in.
    let p = rewrite_in(
        &[("Main.java", "class Main { public static void main(String[] a) {} }\n")],
        "FROM eclipse-temurin:17-jdk\nWORKDIR /app\nCOPY Main.java .\nRUN javac Main.java\nCMD [\"java\", \"Main\"]\n",
        None,
    );
    assert!(
        final_stage(&p).contains("COPY --from=builder /app /app\n"),
        "{}",
        final_stage(&p)
    );
    // A file with a `$` in its name (a nested class's): the `$` is literal.
    let p = rewrite_in(
        &[("app.jar", "x"), ("classes/Main$Inner.class", "x")],
        "FROM eclipse-temurin:17-jdk\nWORKDIR /app\nCOPY . .\nCMD [\"java\", \"-jar\", \"app.jar\"]\n",
        None,
    );
    assert!(
        final_stage(&p).contains("COPY --from=builder /app/classes /app/classes\n")
            || final_stage(&p).contains("Main\\$Inner.class"),
        "{}",
        final_stage(&p)
    );
    // The source launcher needs the JDK's compiler.
    let p = rewrite_in(
        &[("Main.java", "class Main {}\n")],
        "FROM eclipse-temurin:17-jdk\nWORKDIR /app\nCOPY Main.java .\nCMD [\"java\", \"Main.java\"]\n",
        None,
    );
    assert_eq!(refusal(&p).0, "jar-not-followed");
    // A system package the program or the health check uses.
    let p = rewrite_in(
        &[("target/app-1.0.jar", "jar")],
        "FROM eclipse-temurin:21-jdk\nRUN apt-get update && apt-get install -y ffmpeg jq && rm -rf /var/lib/apt/lists/*\nCOPY target/app-1.0.jar app.jar\nHEALTHCHECK CMD curl -s localhost:8080/health | jq -e .ok\nCMD [\"java\",\"-jar\",\"/app.jar\"]\n",
        None,
    );
    let f = final_stage(&p);
    assert!(f.contains("ffmpeg") && f.contains("jq"), "{f}");
    // An AdoptOpenJDK maven tag names its JDK.
    let p = rewrite_in(
        &[("pom.xml", &pom_with_boot())],
        "FROM maven:3.6.3-adoptopenjdk-11\nWORKDIR /app\nCOPY . .\nRUN mvn package\nCMD [\"java\", \"-jar\", \"target/demo-1.0.jar\"]\n",
        None,
    );
    assert!(final_stage(&p).starts_with("FROM eclipse-temurin:11-jre\n"));
}

#[test]
fn a_start_under_an_init_or_through_a_script_of_the_app_s_is_followed() {
    let jar = ("target/app-1.0.jar", "jar");
    // tini, installed again.
    let p = rewrite_in(
        &[jar],
        "FROM eclipse-temurin:21-jdk\nRUN apt-get update && apt-get install -y --no-install-recommends tini && rm -rf /var/lib/apt/lists/*\nCOPY target/app-1.0.jar /app.jar\nENTRYPOINT [\"/usr/bin/tini\", \"--\"]\nCMD [\"java\", \"-jar\", \"/app.jar\"]\n",
        None,
    );
    let f = final_stage(&p);
    assert!(f.contains("install -y --no-install-recommends tini"), "{f}");
    assert!(f.contains("COPY --from=builder /app.jar /app.jar\n"), "{f}");
    // A script that runs java, and one that runs the CMD.
    for (script, cmd) in [
        (
            "#!/bin/sh\nset -e\nexec java $JAVA_OPTS -jar /app/app.jar \"$@\"\n",
            "",
        ),
        (
            "#!/bin/sh\nmkdir -p /tmp/logs\nexec \"$@\"\n",
            "CMD [\"java\", \"-jar\", \"/app/app.jar\"]\n",
        ),
    ] {
        let p = rewrite_in(
            &[jar, ("entrypoint.sh", script)],
            &format!("FROM eclipse-temurin:21-jdk\nWORKDIR /app\nCOPY target/app-1.0.jar app.jar\nCOPY entrypoint.sh .\nENTRYPOINT [\"/app/entrypoint.sh\"]\n{cmd}"),
            None,
        );
        let f = final_stage(&p);
        assert!(
            f.contains("COPY --from=builder /app/app.jar /app/app.jar\n"),
            "{f}"
        );
        assert!(
            f.contains("COPY --from=builder /app/entrypoint.sh /app/entrypoint.sh\n"),
            "{f}"
        );
    }
    // A program the JRE image lacks, and distroless, which has no shell.
    let p = rewrite_in(
        &[jar, ("entrypoint.sh", "#!/bin/sh\nwait-for-db\nexec java -jar /app/app.jar\n")],
        "FROM eclipse-temurin:21-jdk\nWORKDIR /app\nCOPY target/app-1.0.jar app.jar\nCOPY entrypoint.sh .\nENTRYPOINT [\"/app/entrypoint.sh\"]\n",
        None,
    );
    assert_eq!(refusal(&p).0, "unknown-program");
    let p = rewrite_in(
        &[jar, ("entrypoint.sh", "#!/bin/sh\nexec java -jar /app/app.jar\n")],
        "FROM eclipse-temurin:21-jdk\nWORKDIR /app\nCOPY target/app-1.0.jar app.jar\nCOPY entrypoint.sh .\nENTRYPOINT [\"/app/entrypoint.sh\"]\n",
        Some(slimfile::plan::Flavor::Distroless),
    );
    assert_eq!(refusal(&p).0, "shell-form-no-shell");
}

#[test]
fn a_run_through_maven_as_the_entrypoint_and_a_gradle_distribution_are_followed() {
    let p = rewrite_in(
        &[("pom.xml", &pom_with_boot())],
        "FROM maven:3.9-eclipse-temurin-21\nWORKDIR /app\nCOPY . .\nENTRYPOINT [\"mvn\", \"spring-boot:run\"]\n",
        None,
    );
    let f = final_stage(&p);
    assert!(
        f.contains("ENTRYPOINT [\"java\", \"-jar\", \"/app/target/demo-1.0.jar\"]\n"),
        "{f}"
    );
    // With a CMD as its arguments: refused, as before.
    let p = rewrite_in(
        &[("pom.xml", &pom_with_boot())],
        "FROM maven:3.9-eclipse-temurin-21\nWORKDIR /app\nCOPY . .\nENTRYPOINT [\"mvn\"]\nCMD [\"spring-boot:run\"]\n",
        None,
    );
    assert_eq!(refusal(&p).0, "jar-not-followed");
    // gradle installDist: the distribution, whose script runs java.
    let p = rewrite_in(
        &[("settings.gradle", "rootProject.name = 'app'\n"), ("build.gradle", "plugins { id 'application' }\n")],
        "FROM gradle:7.4.2-jdk17\nWORKDIR /app\nCOPY . .\nRUN gradle installDist\nCMD build/install/app/bin/app\n",
        None,
    );
    let f = final_stage(&p);
    assert!(
        f.contains("COPY --from=builder /app/build/install/app /app/build/install/app\n"),
        "{f}"
    );
    assert!(f.contains("CMD build/install/app/bin/app\n"), "{f}");
}
