//! The Java rewrite, rule by rule: the JDK major and vendor from the tag,
//! floating tags pinned, the jar the start command runs (or the one a run
//! through the build tool builds), the four flavours, JVM options on
//! distroless, and what the JRE images have besides java.

mod common;

use common::cases::{final_stage, output, refusal, rewrite_in};
use slimfile::plan::Flavor;
use slimfile::process::Processed;

const POM: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <parent>
    <groupId>org.springframework.boot</groupId>
    <artifactId>spring-boot-starter-parent</artifactId>
    <version>3.3.4</version>
  </parent>
  <artifactId>shop</artifactId>
  <version>1.4.0</version>
  <build>
    <plugins>
      <plugin>
        <groupId>org.springframework.boot</groupId>
        <artifactId>spring-boot-maven-plugin</artifactId>
      </plugin>
    </plugins>
  </build>
</project>
"#;

fn java(dockerfile: &str, flavor: Option<Flavor>) -> Processed {
    rewrite_in(
        &[("pom.xml", POM), ("src/main/java/A.java", "class A {}\n")],
        dockerfile,
        flavor,
    )
}

fn builder(p: &Processed) -> &str {
    &output(p)[..p.tail_start]
}

fn warned(p: &Processed, code: &str) -> bool {
    p.report.warnings.iter().any(|w| w.code.as_str() == code)
}

fn maven(image: &str, cmd: &str) -> String {
    format!("FROM {image}\nWORKDIR /app\nCOPY . .\nRUN mvn -B package -DskipTests\nEXPOSE 8080\n{cmd}\n")
}

const RUN_JAR: &str = "CMD [\"java\", \"-jar\", \"target/shop-1.4.0.jar\"]";

#[test]
fn the_jar_goes_to_the_jre_of_the_builder_s_jdk() {
    let p = java(&maven("maven:3.9-eclipse-temurin-21", RUN_JAR), None);
    let f = final_stage(&p);
    assert!(f.starts_with("FROM eclipse-temurin:21-jre\n"), "{f}");
    for line in [
        "WORKDIR /app\n",
        "COPY --from=builder /app/target/shop-1.4.0.jar /app/target/shop-1.4.0.jar\n",
        "EXPOSE 8080\n",
        "CMD [\"java\", \"-jar\", \"target/shop-1.4.0.jar\"]\n",
    ] {
        assert!(f.contains(line), "{line} in {f}");
    }
    assert!(!f.contains("/root/.m2"), "{f}");
    // A second run of the builder gives the same file.
    let again = java(builder(&p), None);
    assert_eq!(output(&again), output(&p));
    // The Ubuntu release where the tag names one the JRE images publish.
    for (image, runtime) in [
        (
            "maven:3.9-eclipse-temurin-21-noble",
            "eclipse-temurin:21-jre-noble",
        ),
        (
            "eclipse-temurin:17-jdk-jammy",
            "eclipse-temurin:17-jre-jammy",
        ),
        (
            "eclipse-temurin:17.0.9_9-jdk-focal",
            "eclipse-temurin:17-jre",
        ),
        ("eclipse-temurin:11", "eclipse-temurin:11-jre"),
        ("gradle:8.10-jdk17", "eclipse-temurin:17-jre"),
        (
            "maven:3.9.9-eclipse-temurin-21-alpine",
            "eclipse-temurin:21-jre-alpine",
        ),
        ("gradle:8-jdk21-alpine", "eclipse-temurin:21-jre-alpine"),
        (
            "ibm-semeru-runtimes:open-17-jdk-jammy",
            "ibm-semeru-runtimes:open-17-jre-jammy",
        ),
        (
            "ibm-semeru-runtimes:open-17.0.9_9-jdk-jammy",
            "ibm-semeru-runtimes:open-17-jre-jammy",
        ),
        (
            "sapmachine:21-jdk-ubuntu-noble",
            "sapmachine:21-jre-ubuntu-noble",
        ),
        (
            "maven:3.9-ibm-semeru-21-noble",
            "ibm-semeru-runtimes:open-21-jre-noble",
        ),
        ("maven:3.9-sapmachine-21", "sapmachine:21-jre"),
    ] {
        let p = java(&maven(image, RUN_JAR), None);
        assert!(
            final_stage(&p).starts_with(&format!("FROM {runtime}\n")),
            "{image}: {}",
            final_stage(&p)
        );
    }
}

#[test]
fn other_vendors_without_a_jre_map_to_eclipse_temurin_with_a_note() {
    for (image, runtime) in [
        ("openjdk:17-jdk-slim", "eclipse-temurin:17-jre"),
        ("maven:3.8-openjdk-17-slim", "eclipse-temurin:17-jre"),
        ("amazoncorretto:21-al2023", "eclipse-temurin:21-jre"),
        (
            "maven:3.9-amazoncorretto-21-debian",
            "eclipse-temurin:21-jre",
        ),
        ("gradle:8-jdk21-corretto", "eclipse-temurin:21-jre"),
        ("openjdk:8-jdk-alpine", "eclipse-temurin:8-jre-alpine"),
    ] {
        let p = java(&maven(image, RUN_JAR), None);
        assert!(
            final_stage(&p).starts_with(&format!("FROM {runtime}\n")),
            "{image}: {}",
            final_stage(&p)
        );
        assert!(warned(&p, "jre-of-another-vendor"), "{image}");
    }
    // A JRE already: nothing to drop.
    let p = java(
        "FROM openjdk:11-jre-slim\nWORKDIR /app\nCOPY target/app.jar .\nCMD [\"java\", \"-jar\", \"app.jar\"]\n",
        None,
    );
    assert_eq!(refusal(&p).0, "nothing-to-gain");
    // A JDK major no JRE image is maintained for.
    let p = java(&maven("maven:3.9-eclipse-temurin-20", RUN_JAR), None);
    assert_eq!(refusal(&p).0, "no-runtime-image");
}

#[test]
fn a_floating_tag_is_pinned_to_the_jdk_it_has_now() {
    let p = java(&maven("maven:3", RUN_JAR), None);
    assert!(
        builder(&p).starts_with("FROM maven:3-eclipse-temurin-26 AS builder\n"),
        "{}",
        builder(&p)
    );
    assert!(final_stage(&p).starts_with("FROM eclipse-temurin:26-jre\n"));
    assert!(warned(&p, "jdk-pinned"));
    let p = java(&maven("maven", RUN_JAR), None);
    assert!(builder(&p).starts_with("FROM maven:3-eclipse-temurin-26 AS builder\n"));
    let p = java(&maven("gradle:8", RUN_JAR), None);
    assert!(builder(&p).starts_with("FROM gradle:8-jdk21 AS builder\n"));
    assert!(final_stage(&p).starts_with("FROM eclipse-temurin:21-jre\n"));
    // A maven version whose JDK is not recorded: name it.
    let p = java(&maven("maven:3.8.6", RUN_JAR), None);
    let (code, text) = refusal(&p);
    assert_eq!(code, "unknown-tag");
    assert!(text.contains("does not name the JDK"), "{text}");
}

#[test]
fn distroless_runs_the_jar_with_java_dash_jar_and_options_in_java_tool_options() {
    let p = java(
        &maven(
            "maven:3.9-eclipse-temurin-21",
            "CMD [\"java\", \"-Xmx512m\", \"-jar\", \"target/shop-1.4.0.jar\", \"--debug\"]",
        ),
        Some(Flavor::Distroless),
    );
    let f = final_stage(&p);
    assert!(
        f.starts_with("FROM gcr.io/distroless/java21-debian13\n"),
        "{f}"
    );
    assert!(f.contains("ENV JAVA_TOOL_OPTIONS=-Xmx512m\n"), "{f}");
    assert!(
        f.contains("CMD [\"target/shop-1.4.0.jar\", \"--debug\"]\n"),
        "{f}"
    );
    assert!(warned(&p, "jvm-options-moved"));
    // An exec-form ENTRYPOINT runs java itself, on PATH there.
    let p = java(
        &maven(
            "maven:3.9-eclipse-temurin-21",
            "ENTRYPOINT [\"java\", \"-jar\", \"target/shop-1.4.0.jar\"]",
        ),
        Some(Flavor::Distroless),
    );
    assert!(
        final_stage(&p).contains("ENTRYPOINT [\"java\", \"-jar\", \"target/shop-1.4.0.jar\"]\n")
    );
    // What distroless cannot run.
    for (image, cmd, code) in [
        (
            "maven:3.9-eclipse-temurin-21",
            "ENTRYPOINT java $JAVA_OPTS -jar target/shop-1.4.0.jar",
            "shell-form-no-shell",
        ),
        (
            "maven:3.9-eclipse-temurin-11",
            RUN_JAR,
            "unsupported-distroless",
        ),
        (
            "maven:3.9-eclipse-temurin-21-alpine",
            RUN_JAR,
            "musl-to-glibc",
        ),
    ] {
        let p = java(&maven(image, cmd), Some(Flavor::Distroless));
        assert_eq!(refusal(&p).0, code, "{image} {cmd}");
    }
    // A main class: an ENTRYPOINT of its own, the arguments as the CMD.
    let p = java(
        &maven(
            "maven:3.9-eclipse-temurin-21",
            "CMD [\"java\", \"-cp\", \"target/classes\", \"shop.Main\", \"--port\", \"80\"]",
        ),
        Some(Flavor::Distroless),
    );
    let f = final_stage(&p);
    assert!(
        f.contains("ENTRYPOINT [\"java\", \"-cp\", \"target/classes\", \"shop.Main\"]\nCMD [\"--port\", \"80\"]\n"),
        "{f}"
    );
    let p = java(
        &maven("maven:3.9-eclipse-temurin-21", RUN_JAR),
        Some(Flavor::Scratch),
    );
    assert_eq!(refusal(&p).0, "no-runtime-image");
}

#[test]
fn a_run_through_the_build_tool_becomes_a_package_step_and_java_dash_jar() {
    let p = java(
        "FROM maven:3.9-eclipse-temurin-17\nWORKDIR /app\nCOPY pom.xml .\nRUN mvn -B dependency:go-offline\nCOPY src ./src\nCMD [\"mvn\", \"-B\", \"spring-boot:run\", \"-Dspring-boot.run.profiles=prod\", \"-Dspring-boot.run.jvmArguments=-Xmx256m\"]\n",
        None,
    );
    assert!(
        builder(&p).contains("COPY src ./src\nRUN mvn -B package -DskipTests\n"),
        "{}",
        builder(&p)
    );
    let f = final_stage(&p);
    assert!(
        f.contains("COPY --from=builder /app/target/shop-1.4.0.jar /app/target/shop-1.4.0.jar\n"),
        "{f}"
    );
    assert!(
        f.contains("CMD [\"java\", \"-Xmx256m\", \"-jar\", \"/app/target/shop-1.4.0.jar\", \"--spring.profiles.active=prod\"]\n"),
        "{f}"
    );
    // A package step already there is not repeated.
    let p = java(
        &maven(
            "maven:3.9-eclipse-temurin-17",
            "CMD [\"./mvnw\", \"spring-boot:run\"]",
        ),
        None,
    );
    assert_eq!(builder(&p).matches("package").count(), 1, "{}", builder(&p));
    // gradle bootRun: the settings' project name and the build's version.
    let p = rewrite_in(
        &[
            ("settings.gradle.kts", "rootProject.name = \"billing\"\n"),
            (
                "build.gradle.kts",
                "plugins { id(\"org.springframework.boot\") version \"3.3.4\" }\nversion = \"0.2.0\"\n",
            ),
        ],
        "FROM gradle:8.10-jdk21\nWORKDIR /home/gradle/app\nCOPY . .\nCMD [\"gradle\", \"bootRun\", \"--no-daemon\", \"--args=--server.port=9000\"]\n",
        None,
    );
    assert!(builder(&p).contains("COPY . .\nRUN gradle --no-daemon bootJar\n"));
    assert!(final_stage(&p).contains(
        "CMD [\"java\", \"-jar\", \"/home/gradle/app/build/libs/billing-0.2.0.jar\", \"--server.port=9000\"]\n"
    ));
    // A finalName with properties.
    let pom = POM
        .replace(
            "</project>",
            "  <properties><app.name>orders</app.name></properties>\n</project>",
        )
        .replace(
            "<build>",
            "<build><finalName>${app.name}-${project.version}</finalName>",
        );
    let p = rewrite_in(
        &[("pom.xml", &pom)],
        "FROM maven:3.9-eclipse-temurin-21\nWORKDIR /app\nCOPY . .\nCMD [\"mvn\", \"spring-boot:run\"]\n",
        None,
    );
    assert!(final_stage(&p).contains("/app/target/orders-1.4.0.jar"));
    // A Maven property the program may or may not see.
    let p = java(
        &maven(
            "maven:3.9-eclipse-temurin-17",
            "CMD [\"mvn\", \"spring-boot:run\", \"-Dserver.port=9000\"]",
        ),
        None,
    );
    assert_eq!(refusal(&p).0, "jar-not-followed");
    // Other goals at start need the build tool.
    let p = java(
        &maven(
            "maven:3.9-eclipse-temurin-17",
            "CMD [\"mvn\", \"exec:java\"]",
        ),
        None,
    );
    let (code, text) = refusal(&p);
    assert_eq!(code, "jar-not-followed");
    assert!(text.contains("build tool"), "{text}");
}

#[test]
fn what_the_start_command_names_comes_along() {
    // A wildcard in a shell-form command: the jars it matches, into their folder.
    let p = java(
        &maven(
            "maven:3.9-eclipse-temurin-21",
            "ENTRYPOINT java $JAVA_OPTS -jar target/*.jar",
        ),
        None,
    );
    let f = final_stage(&p);
    assert!(
        f.contains("COPY --from=builder /app/target/*.jar /app/target/\n"),
        "{f}"
    );
    assert!(
        f.contains("ENTRYPOINT java $JAVA_OPTS -jar target/*.jar\n"),
        "{f}"
    );
    // A class path, a folder of jars, an agent.
    let p = java(
        &maven(
            "maven:3.9-eclipse-temurin-21",
            "CMD [\"java\", \"-javaagent:/opt/otel/agent.jar\", \"-cp\", \"target/classes:target/lib/*\", \"shop.Main\"]",
        ),
        None,
    );
    let f = final_stage(&p);
    for path in [
        "/app/target/classes",
        "/app/target/lib",
        "/opt/otel/agent.jar",
    ] {
        assert!(
            f.contains(&format!("COPY --from=builder {path} {path}\n")),
            "{path}: {f}"
        );
    }
    // `sh -c "…"`, and a variable the ENV sets.
    let p = java(
        "FROM maven:3.9-eclipse-temurin-21\nWORKDIR /app\nCOPY . .\nRUN mvn package\nENV JAR=target/shop-1.4.0.jar\nENTRYPOINT [\"sh\", \"-c\", \"exec java -jar $JAR\"]\n",
        None,
    );
    assert!(final_stage(&p)
        .contains("COPY --from=builder /app/target/shop-1.4.0.jar /app/target/shop-1.4.0.jar\n"));
    // A start that is not java.
    for (cmd, says) in [
        ("CMD [\"jshell\"]", "only a JDK has"),
        ("CMD [\"./start.sh\"]", "not java"),
        ("CMD java -jar a.jar && echo done", "more than one command"),
    ] {
        let p = java(&maven("maven:3.9-eclipse-temurin-21", cmd), None);
        let (code, text) = refusal(&p);
        assert_eq!(code, "jar-not-followed", "{cmd}");
        assert!(text.contains(says), "{cmd}: {text}");
    }
}

#[test]
fn a_jar_from_the_context_gains_only_the_jre() {
    let p = rewrite_in(
        &[("target/app.jar", "jar"), ("config/application.yml", "a: 1\n")],
        "FROM eclipse-temurin:17-jdk\nWORKDIR /opt/app\nCOPY target/app.jar app.jar\nCOPY config ./config\nENTRYPOINT [\"java\", \"-jar\", \"app.jar\"]\n",
        None,
    );
    let f = final_stage(&p);
    assert!(f.starts_with("FROM eclipse-temurin:17-jre\n"), "{f}");
    assert!(
        f.contains("COPY --from=builder /opt/app/app.jar /opt/app/app.jar\n"),
        "{f}"
    );
    assert!(f.contains("/opt/app/config/application.yml"), "{f}");
    assert!(warned(&p, "prebuilt-jar"));
    assert!(warned(&p, "java-app-files-copied"));
}

#[test]
fn the_health_check_s_tool_is_the_jre_image_s_or_installed() {
    let hc = "HEALTHCHECK CMD curl -f http://localhost:8080/actuator/health || exit 1\n";
    // The Ubuntu JRE images of 8 to 21 have curl.
    let p = java(
        &maven("maven:3.9-eclipse-temurin-21", &format!("{hc}{RUN_JAR}")),
        None,
    );
    assert!(!final_stage(&p).contains("apt-get"), "{}", final_stage(&p));
    // 25 has none: installed.
    let p = java(
        &maven("maven:3.9-eclipse-temurin-25", &format!("{hc}{RUN_JAR}")),
        None,
    );
    assert!(final_stage(&p).contains("apt-get install -y --no-install-recommends curl"));
    assert!(warned(&p, "healthcheck-tool-installed"));
    // alpine: busybox's wget, no curl.
    let p = java(
        &maven(
            "maven:3.9-eclipse-temurin-21-alpine",
            &format!("{hc}{RUN_JAR}"),
        ),
        None,
    );
    assert!(final_stage(&p).contains("apk add --no-cache curl"));
}

#[test]
fn users_the_jre_image_lacks_run_by_id() {
    let p = rewrite_in(
        &[("settings.gradle", "rootProject.name = 'app'\n"), ("build.gradle", "plugins { id 'java' }\n")],
        "FROM gradle:8-jdk17-alpine\nWORKDIR /home/gradle/project\nCOPY --chown=gradle:gradle . .\nRUN gradle build --no-daemon\nUSER gradle\nCMD [\"java\", \"-jar\", \"build/libs/app.jar\"]\n",
        None,
    );
    assert!(
        final_stage(&p).contains("USER 1000:1000\n"),
        "{}",
        final_stage(&p)
    );
    assert!(warned(&p, "user-as-id"));
}

#[test]
fn tomcat_keeps_its_family_on_a_jre() {
    let p = rewrite_in(
        &[("target/ROOT.war", "war"), ("conf/server.xml", "<Server/>\n")],
        "FROM tomcat:10.1-jdk17-temurin-jammy\nRUN rm -rf /usr/local/tomcat/webapps/*\nCOPY target/*.war /usr/local/tomcat/webapps/\nCOPY conf/server.xml conf/\nCMD [\"catalina.sh\", \"run\"]\n",
        None,
    );
    let f = final_stage(&p);
    assert!(
        f.starts_with("FROM tomcat:10.1-jre17-temurin-jammy\n"),
        "{f}"
    );
    for line in [
        "WORKDIR /usr/local/tomcat\n",
        "COPY --from=builder /usr/local/tomcat/conf/server.xml /usr/local/tomcat/conf/server.xml\n",
        "COPY --from=builder /usr/local/tomcat/webapps /usr/local/tomcat/webapps\n",
        "CMD [\"catalina.sh\", \"run\"]\n",
    ] {
        assert!(f.contains(line), "{line}: {f}");
    }
    // Another vendor's JRE tags are gone: temurin's stand in.
    let p = java(
        "FROM tomcat:9.0-jdk11-openjdk\nCOPY target/app.war /usr/local/tomcat/webapps/\n",
        None,
    );
    assert!(final_stage(&p).starts_with("FROM tomcat:9.0-jre11\n"));
    assert!(warned(&p, "jre-of-another-vendor"));
    for (dockerfile, flavor, code) in [
        (
            "FROM tomcat:10.1\nCOPY a.war webapps/\n",
            None,
            "unknown-tag",
        ),
        (
            "FROM tomcat:10.1-jre17\nCOPY a.war webapps/\n",
            None,
            "nothing-to-gain",
        ),
        (
            "FROM tomcat:10.1-jdk17\nCOPY a.war webapps/\n",
            Some(Flavor::Distroless),
            "no-runtime-image",
        ),
        (
            "FROM tomcat:10.1-jdk17\nEXPOSE 8080\n",
            None,
            "nothing-to-gain",
        ),
    ] {
        let p = java(dockerfile, flavor);
        assert_eq!(refusal(&p).0, code, "{dockerfile}");
    }
}

#[test]
fn classes_for_a_newer_java_than_the_runtime_s_are_refused() {
    // A Gradle toolchain compiles for 21 on a JDK 17 image.
    let p = rewrite_in(
        &[
            ("settings.gradle", "rootProject.name = 'app'\n"),
            (
                "build.gradle",
                "plugins { id 'java' }\njava {\n    toolchain {\n        languageVersion = JavaLanguageVersion.of(21)\n    }\n}\n",
            ),
        ],
        "FROM gradle:8-jdk17\nWORKDIR /app\nCOPY . .\nRUN gradle build --no-daemon\nCMD [\"java\", \"-jar\", \"build/libs/app.jar\"]\n",
        None,
    );
    let (code, text) = refusal(&p);
    assert_eq!(code, "class-level-too-new");
    assert!(
        text.contains("Java 21 (the Gradle toolchain 21 in build.gradle)"),
        "{text}"
    );
    // Older classes run on a newer JRE.
    let pom = POM.replace(
        "</project>",
        "  <properties><java.version>17</java.version></properties>\n</project>",
    );
    let p = rewrite_in(
        &[("pom.xml", &pom)],
        &maven("maven:3.9-eclipse-temurin-21", RUN_JAR),
        None,
    );
    assert!(final_stage(&p).starts_with("FROM eclipse-temurin:21-jre\n"));
    let pom = POM.replace(
        "</project>",
        "  <properties><maven.compiler.release>25</maven.compiler.release></properties>\n</project>",
    );
    let p = rewrite_in(
        &[("pom.xml", &pom)],
        &maven("maven:3.9-eclipse-temurin-21", RUN_JAR),
        None,
    );
    assert_eq!(refusal(&p).0, "class-level-too-new");
}
