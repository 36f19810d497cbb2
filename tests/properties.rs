//! Properties of the parser over generated input: it never panics, any UTF-8
//! text round-trips byte for byte, the nodes tile the input, and every span it
//! reports is a valid range of the source.

use proptest::prelude::*;
use slimfile::dump::dump_syntax;
use slimfile::parse::{Dockerfile, Node};

/// Checks everything that must hold of any parse of `text`.
fn check_invariants(text: &str) {
    let file = Dockerfile::parse(text);
    assert_eq!(file.to_text(), text);
    let mut at = 0;
    let mut last_line = 0;
    for node in file.nodes() {
        let span = node.span();
        assert_eq!(span.start, at, "nodes must tile the input");
        assert!(span.end >= span.start);
        at = span.end;
        if let Node::Instruction(i) = node {
            assert!(i.start_line > last_line, "lines go forward");
            assert!(i.end_line >= i.start_line);
            last_line = i.end_line;
            let mut ranges = vec![
                i.text_span.clone(),
                i.keyword_span.clone(),
                i.args_span.clone(),
            ];
            ranges.extend(i.flags.iter().map(|f| f.span.clone()));
            ranges.extend(i.heredocs.iter().map(|h| h.body.clone()));
            for r in ranges {
                assert!(
                    r.start <= r.end && r.end <= text.len(),
                    "{r:?} out of bounds"
                );
                assert!(text.is_char_boundary(r.start) && text.is_char_boundary(r.end));
                assert!(
                    r.start >= i.span.start && r.end <= i.span.end,
                    "{r:?} outside its instruction {:?}",
                    i.span
                );
            }
        }
    }
    assert_eq!(at, text.len());
    // The debugging dump and the typed views work on anything.
    let _ = dump_syntax(&file);
    let _ = file.stages();
    let _ = file.build_problems();
    for i in file.instructions() {
        let _ = (i.from_args(), i.arg_decls(), i.key_values(), i.copy_args());
        let _ = (i.healthcheck(), i.list_args(), i.value());
    }
}

/// Lines that look like Dockerfile lines, with the constructs that are easy
/// to get wrong: escapes at line ends, quotes, JSON, heredocs, comments,
/// directives, CR, tabs, non-ASCII.
fn line() -> impl Strategy<Value = String> {
    let keyword = prop::sample::select(vec![
        "FROM",
        "from",
        "RUN",
        "COPY",
        "ADD",
        "CMD",
        "ENTRYPOINT",
        "ENV",
        "ARG",
        "LABEL",
        "HEALTHCHECK",
        "ONBUILD",
        "ONBUILD RUN",
        "SHELL",
        "VOLUME",
        "EXPOSE",
        "USER",
        "WORKDIR",
        "STOPSIGNAL",
        "MAINTAINER",
        "FOO",
        "",
    ]);
    let piece = prop::sample::select(vec![
        "--from=build",
        "--mount=type=cache,target=/x",
        "--link",
        "--",
        "-x",
        "\"a b\"",
        "'q'",
        "[\"a\", \"b\"]",
        "['a']",
        "[1]",
        "[\"x\"",
        "<<EOF",
        "<<-'EOT'",
        "3<<X",
        "\"<<EOF\"",
        "${A:-b}",
        "$HOME",
        "${",
        "a=b",
        "K=",
        "\\",
        "\\\\",
        "`",
        "é",
        "日本",
        "\t",
        "  ",
        "AS",
        "node:20@sha256:ab",
        "CMD",
        "NONE",
        "#",
    ]);
    let ending = prop::sample::select(vec![
        "\n", "\r\n", "\\\n", "\\  \n", "`\n", "\\\\\n", "\r", "",
    ]);
    prop_oneof![
        4 => (keyword, prop::collection::vec(piece, 0..5), ending)
            .prop_map(|(k, p, e)| format!("{k} {}{e}", p.join(" "))),
        1 => prop::sample::select(vec![
            "# comment\n", "# escape=`\n", "# escape=\\\n", "# syntax=x\n", "# check=a\n",
            "\n", "  \n", "EOF\n", "\tEOT\n", "X\n", "  # indented \\\n", "\u{FEFF}FROM x\n",
        ])
        .prop_map(String::from),
    ]
}

/// 3000 cases a property by default; `PROPTEST_CASES=N` for a longer run.
fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3000);
    ProptestConfig::with_cases(cases)
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        if let Ok(file) = Dockerfile::parse_bytes(&bytes) {
            let text = file.to_text();
            prop_assert_eq!(text.as_bytes(), bytes.as_slice());
        }
    }

    #[test]
    fn any_utf8_text_round_trips(text in any::<String>()) {
        check_invariants(&text);
    }

    #[test]
    fn instruction_like_lines_round_trip(lines in prop::collection::vec(line(), 0..30)) {
        check_invariants(&lines.concat());
    }
}

#[test]
fn a_long_line_and_deep_nesting_do_not_panic() {
    check_invariants(&format!("FROM x\nRUN {}\n", "a".repeat(200_000)));
    check_invariants(&format!("FROM x\nCMD {}\n", "[".repeat(10_000)));
    check_invariants(&format!("FROM x\nRUN <<{}\n", "${a:-".repeat(2_000)));
    check_invariants(&"\\\n".repeat(10_000));
}

// ---- The rewrite's properties, on generated Node.js Dockerfiles ----

use slimfile::context::Context;
use slimfile::parse::Keyword;
use slimfile::process::process_bytes;
use slimfile::process::Options;
use slimfile::report::Status;
use std::sync::OnceLock;

/// A build context with a package.json and a lock file, made once.
fn node_context() -> &'static Context {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    static CONTEXT: OnceLock<Context> = OnceLock::new();
    CONTEXT.get_or_init(|| {
        let dir = DIR.get_or_init(|| tempfile::tempdir().unwrap());
        std::fs::write(
            dir.path().join("package.json"),
            r#"{"scripts":{"build":"tsc","start":"node dist/index.js","dev":"nodemon x"},
               "dependencies":{"express":"4"},"devDependencies":{"typescript":"5","nodemon":"3"}}"#,
        )
        .unwrap();
        std::fs::write(
            dir.path().join("package-lock.json"),
            r#"{"lockfileVersion":3,"packages":{"":{}}}"#,
        )
        .unwrap();
        Context::at(dir.path())
    })
}

/// Node.js Dockerfiles assembled from the lines real ones are made of.
fn node_dockerfile() -> impl Strategy<Value = String> {
    let from = prop::sample::select(vec![
        "FROM node:20\n",
        "FROM node:22-bookworm AS app\n",
        "FROM node:20-alpine\n",
        "ARG V=20\nFROM node:${V}\n",
        "FROM --platform=linux/amd64 node:18\n",
        "FROM node\n",
        "FROM node:20@sha256:abc\n",
        "from node:lts as build\n",
    ]);
    let body = prop::sample::select(vec![
        "WORKDIR /app\n",
        "WORKDIR /srv/app\n",
        "COPY package*.json ./\n",
        "COPY . .\n",
        "RUN npm ci\n",
        "RUN npm install\n",
        "RUN npm run build\n",
        "RUN npm ci --omit=dev\n",
        "ENV NODE_ENV=production\n",
        "ENV PORT=8080 \\\n    HOST=0.0.0.0\n",
        "EXPOSE 8080\n",
        "USER node\n",
        "ARG BUILD_ID=1\n",
        "LABEL build=$BUILD_ID\n",
        "# a comment\n",
        "\n",
        "HEALTHCHECK CMD curl -f http://localhost:8080/ || exit 1\n",
        "VOLUME /data\n",
        "RUN useradd -m app\n",
        "COPY start.sh /usr/local/bin/start.sh\n",
        "STOPSIGNAL SIGTERM\n",
        "RUN apt-get update && apt-get install -y tini\n",
        "RUN npm install -g pm2\n",
    ]);
    let cmd = prop::sample::select(vec![
        "CMD [\"node\", \"dist/index.js\"]\n",
        "CMD node server.js\n",
        "CMD [\"npm\", \"start\"]\n",
        "CMD [\"pm2-runtime\", \"x.js\"]\n",
        "ENTRYPOINT [\"start.sh\"]\n",
        "CMD [\"tini\", \"--\", \"node\", \"x\"]\n",
        "",
        "CMD [\"npm\", \"run\", \"dev\"]\n",
    ]);
    let ending = prop::sample::select(vec!["\n", "\r\n"]);
    // Most real files set a WORKDIR first; some do not.
    let workdir = prop::sample::select(vec![
        "WORKDIR /app\n",
        "WORKDIR /home/node/app\n",
        "WORKDIR /usr/src/app\n",
        "",
    ]);
    (
        from,
        workdir,
        prop::collection::vec(body, 0..12),
        cmd,
        ending,
    )
        .prop_map(|(f, w, b, c, e)| {
            let text = format!("{f}{w}{}{c}", b.concat());
            if e == "\r\n" {
                text.replace('\n', "\r\n")
            } else {
                text
            }
        })
}

/// A build context with a requirements file and an app, made once.
fn python_context() -> &'static Context {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    static CONTEXT: OnceLock<Context> = OnceLock::new();
    CONTEXT.get_or_init(|| {
        let dir = DIR.get_or_init(|| tempfile::tempdir().unwrap());
        std::fs::write(dir.path().join("requirements.txt"), "flask\ngunicorn\n").unwrap();
        std::fs::write(dir.path().join("app.py"), "print(1)\n").unwrap();
        Context::at(dir.path())
    })
}

/// A Go build context: a module, its main package, a config file.
fn go_context() -> &'static Context {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    static CONTEXT: OnceLock<Context> = OnceLock::new();
    CONTEXT.get_or_init(|| {
        let dir = DIR.get_or_init(|| tempfile::tempdir().unwrap());
        std::fs::write(
            dir.path().join("go.mod"),
            "module github.com/acme/api\n\ngo 1.22\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("main.go"),
            "package main\n\nfunc main() {}\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("config.yaml"), "port: 8080\n").unwrap();
        Context::at(dir.path())
    })
}

/// Go Dockerfiles assembled from the lines real ones are made of.
fn go_dockerfile() -> impl Strategy<Value = String> {
    let from = prop::sample::select(vec![
        "FROM golang:1.22\n",
        "FROM golang:1.23-bookworm AS build\n",
        "FROM golang:1.22-alpine3.20\n",
        "ARG GO=1.22\nFROM golang:${GO}\n",
        "FROM golang\n",
    ]);
    let body = prop::sample::select(vec![
        "COPY go.mod go.sum ./\n",
        "RUN go mod download\n",
        "COPY . .\n",
        "RUN go build -o server .\n",
        "RUN go build -o /usr/local/bin/api .\n",
        "RUN go install .\n",
        "RUN CGO_ENABLED=1 go build -o server .\n",
        "ENV CGO_ENABLED=0\n",
        "RUN go test ./...\n",
        "RUN apk add --no-cache git\n",
        "RUN apt-get update && apt-get install -y gcc\n",
        "ENV GIN_MODE=release\n",
        "EXPOSE 8080\n",
        "USER nobody\n",
        "RUN useradd -r app\n",
        "# a comment\n",
        "\n",
        "HEALTHCHECK CMD [\"/app/server\", \"-health\"]\n",
        "HEALTHCHECK CMD curl -f http://localhost:8080/ || exit 1\n",
        "ARG VERSION=dev\n",
    ]);
    // A build and the start command that runs what it writes (and, now and
    // then, one that does not).
    let build = prop::sample::select(vec![
        "COPY . .\nRUN go build -o server .\nCMD [\"./server\"]\n",
        "COPY . .\nRUN go build -o server .\nCMD ./server --port 8080\n",
        "COPY . .\nRUN go build -o /usr/local/bin/api .\nCMD [\"api\"]\n",
        "COPY . .\nRUN go build -o /usr/local/bin/api .\nENTRYPOINT [\"/usr/local/bin/api\"]\n",
        "COPY . .\nRUN go install .\nCMD [\"api\"]\n",
        "COPY . .\nRUN go build .\nCMD [\"./api\"]\n",
        "COPY . .\nRUN go build -o server .\nCMD [\"/app/server\"]\n",
        "CMD [\"./server\"]\n",
        "",
    ]);
    let ending = prop::sample::select(vec!["\n", "\r\n"]);
    let workdir = prop::sample::select(vec!["WORKDIR /app\n", "WORKDIR /go/src/api\n", ""]);
    (
        from,
        workdir,
        prop::collection::vec(body, 0..6),
        build,
        prop::collection::vec(
            prop::sample::select(vec![
                "EXPOSE 8080\n",
                "USER nobody\n",
                "ENV TZ=UTC\n",
                "LABEL a=b\n",
            ]),
            0..3,
        ),
        ending,
    )
        .prop_map(|(f, w, b, c, after, e)| {
            let text = format!("{f}{w}{}{c}{}", b.concat(), after.concat());
            if e == "\r\n" {
                text.replace('\n', "\r\n")
            } else {
                text
            }
        })
}

/// A Java build context: a Maven project and a config file.
fn java_context() -> &'static Context {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    static CONTEXT: OnceLock<Context> = OnceLock::new();
    CONTEXT.get_or_init(|| {
        let dir = DIR.get_or_init(|| tempfile::tempdir().unwrap());
        std::fs::write(
            dir.path().join("pom.xml"),
            "<project><artifactId>api</artifactId><version>1.0</version></project>\n",
        )
        .unwrap();
        std::fs::create_dir_all(dir.path().join("src/main/java")).unwrap();
        std::fs::write(dir.path().join("src/main/java/App.java"), "class App {}\n").unwrap();
        std::fs::create_dir_all(dir.path().join("config")).unwrap();
        std::fs::write(dir.path().join("config/application.yml"), "a: 1\n").unwrap();
        Context::at(dir.path())
    })
}

/// Java Dockerfiles assembled from the lines real ones are made of.
fn java_dockerfile() -> impl Strategy<Value = String> {
    let from = prop::sample::select(vec![
        "FROM maven:3.9-eclipse-temurin-21\n",
        "FROM maven:3.9-eclipse-temurin-17-alpine AS build\n",
        "FROM maven:3\n",
        "FROM eclipse-temurin:21-jdk-jammy\n",
        "FROM openjdk:17-jdk-slim\n",
        "ARG JDK=21\nFROM eclipse-temurin:${JDK}-jdk\n",
    ]);
    let body = prop::sample::select(vec![
        "COPY pom.xml .\n",
        "RUN mvn -B dependency:go-offline\n",
        "COPY src ./src\n",
        "COPY config ./config\n",
        "ENV JAVA_OPTS=-Xmx256m\n",
        "ENV SPRING_PROFILES_ACTIVE=prod\n",
        "EXPOSE 8080\n",
        "RUN apt-get update && apt-get install -y curl\n",
        "# a comment\n",
        "\n",
        "HEALTHCHECK CMD curl -f http://localhost:8080/ || exit 1\n",
        "ARG VERSION=dev\n",
    ]);
    let build = prop::sample::select(vec![
        "COPY . .\nRUN mvn -B package -DskipTests\nCMD [\"java\", \"-jar\", \"target/api-1.0.jar\"]\n",
        "COPY . .\nRUN mvn package\nCMD java -jar target/*.jar\n",
        "COPY . .\nRUN mvn package\nENTRYPOINT [\"sh\", \"-c\", \"java $JAVA_OPTS -jar target/api-1.0.jar\"]\n",
        "COPY . .\nRUN mvn package && cp target/api-1.0.jar app.jar\nENTRYPOINT [\"java\", \"-Xmx512m\", \"-jar\", \"app.jar\"]\n",
        "COPY . .\nCMD [\"mvn\", \"spring-boot:run\"]\n",
        "CMD [\"java\", \"-jar\", \"app.jar\"]\n",
        "",
    ]);
    let ending = prop::sample::select(vec!["\n", "\r\n"]);
    let workdir = prop::sample::select(vec!["WORKDIR /app\n", "WORKDIR /usr/src/app\n", ""]);
    (
        from,
        workdir,
        prop::collection::vec(body, 0..6),
        build,
        prop::collection::vec(
            prop::sample::select(vec!["EXPOSE 8080\n", "USER nobody\n", "LABEL a=b\n"]),
            0..3,
        ),
        ending,
    )
        .prop_map(|(f, w, b, c, after, e)| {
            let text = format!("{f}{w}{}{c}{}", b.concat(), after.concat());
            if e == "\r\n" {
                text.replace('\n', "\r\n")
            } else {
                text
            }
        })
}

/// Python Dockerfiles assembled from the lines real ones are made of.
fn python_dockerfile() -> impl Strategy<Value = String> {
    let from = prop::sample::select(vec![
        "FROM python:3.12\n",
        "FROM python:3.11-bookworm AS app\n",
        "FROM python:3.12-alpine\n",
        "FROM python:3.12-slim\n",
        "ARG PY=3.12\nFROM python:${PY}\n",
        "FROM --platform=linux/amd64 python:3.10\n",
        "FROM python\n",
        "from python:3.13-trixie as build\n",
    ]);
    let body = prop::sample::select(vec![
        "COPY requirements.txt .\n",
        "COPY . .\n",
        "RUN pip install --no-cache-dir -r requirements.txt\n",
        "RUN pip install --upgrade pip\n",
        "RUN python -m pip install -r requirements.txt\n",
        "RUN pip install .\n",
        "RUN pip install -e .\n",
        "RUN python manage.py collectstatic --noinput\n",
        "ENV PYTHONUNBUFFERED=1 \\\n    PYTHONDONTWRITEBYTECODE=1\n",
        "ENV PATH=/app/bin:$PATH\n",
        "EXPOSE 8000\n",
        "USER nobody\n",
        "RUN useradd -m app\n",
        "ARG BUILD_ID=1\n",
        "LABEL build=$BUILD_ID\n",
        "# a comment\n",
        "\n",
        "HEALTHCHECK CMD curl -f http://localhost:8000/ || exit 1\n",
        "RUN apt-get update && apt-get install -y gcc libpq-dev\n",
        "RUN apk add --no-cache build-base postgresql-dev\n",
        "RUN python -m venv /venv\n",
        "ENV PATH=/venv/bin:$PATH\n",
        "RUN pip install poetry\n",
        "RUN poetry config virtualenvs.create false && poetry install --no-root\n",
        "RUN pip install uv\n",
        "RUN uv sync --frozen\n",
        "RUN pipenv install --system --deploy\n",
        "RUN pip install --user -r requirements.txt\n",
        "ENV POETRY_VIRTUALENVS_IN_PROJECT=1\n",
        "RUN poetry install\n",
        "RUN PIPENV_VENV_IN_PROJECT=1 pipenv install --deploy\n",
        "RUN uv pip install --system -r requirements.txt\n",
        "ENV UV_SYSTEM_PYTHON=1\n",
    ]);
    let cmd = prop::sample::select(vec![
        "CMD [\"gunicorn\", \"app:app\"]\n",
        "CMD python app.py\n",
        "CMD [\"python\", \"-m\", \"app\"]\n",
        "ENTRYPOINT [\"python\"]\nCMD [\"app.py\"]\n",
        "CMD [\"poetry\", \"run\", \"gunicorn\", \"app:app\"]\n",
        "CMD [\"uv\", \"run\", \"python\", \"app.py\"]\n",
        "",
    ]);
    let ending = prop::sample::select(vec!["\n", "\r\n"]);
    let workdir = prop::sample::select(vec!["WORKDIR /app\n", "WORKDIR /srv\n", ""]);
    (
        from,
        workdir,
        prop::collection::vec(body, 0..12),
        cmd,
        ending,
    )
        .prop_map(|(f, w, b, c, e)| {
            let text = format!("{f}{w}{}{c}", b.concat());
            if e == "\r\n" {
                text.replace('\n', "\r\n")
            } else {
                text
            }
        })
}

fn check_rewrite(text: &str) {
    check_rewrite_in(text, node_context());
}

fn check_rewrite_in(text: &str, ctx: &Context) {
    let p = process_bytes(text.as_bytes(), "Dockerfile", ctx, Options::default());
    let Some(output) = p.rewritten.as_deref() else {
        return;
    };
    let parsed = Dockerfile::parse(output);
    assert!(parsed.problems().is_empty(), "{output}");
    let again = process_bytes(output.as_bytes(), "Dockerfile", ctx, Options::default());
    assert_eq!(again.report.status, Status::Unchanged, "{output}");
    let redo = process_bytes(
        &output.as_bytes()[..p.tail_start],
        "Dockerfile",
        ctx,
        Options::default(),
    );
    assert_eq!(redo.rewritten.as_deref(), Some(output), "not idempotent");
    let input = Dockerfile::parse(text);
    // Go's static build is the one edit inside a line the original has.
    let unedited = if text.contains("CGO_ENABLED=0 ") {
        output.to_string()
    } else {
        output.replace("CGO_ENABLED=0 ", "")
    };
    for i in input.instructions().filter(|i| i.keyword != Keyword::From) {
        let t = input.text(i.text_span.clone());
        assert!(unedited.contains(t), "lost {t:?} in {output}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(500)
    ))]

    #[test]
    fn node_rewrites_parse_are_idempotent_and_lose_nothing(text in node_dockerfile()) {
        check_rewrite(&text);
    }

    #[test]
    fn python_rewrites_parse_are_idempotent_and_lose_nothing(text in python_dockerfile()) {
        check_rewrite_in(&text, python_context());
    }

    #[test]
    fn go_rewrites_parse_are_idempotent_and_lose_nothing(text in go_dockerfile()) {
        check_rewrite_in(&text, go_context());
    }

    #[test]
    fn java_rewrites_parse_are_idempotent_and_lose_nothing(text in java_dockerfile()) {
        check_rewrite_in(&text, java_context());
    }

    #[test]
    fn the_rewrite_never_panics_on_arbitrary_text(text in any::<String>()) {
        check_rewrite(&text);
    }
}

/// The generated files are not all refused or left alone: the properties
/// above are checked on real rewrites.
#[test]
fn generated_files_are_mostly_rewritten() {
    use proptest::strategy::ValueTree;
    let languages: [(BoxedStrategy<String>, &Context); 4] = [
        (node_dockerfile().boxed(), node_context()),
        (python_dockerfile().boxed(), python_context()),
        (go_dockerfile().boxed(), go_context()),
        (java_dockerfile().boxed(), java_context()),
    ];
    for (strategy, ctx) in languages {
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        let (mut rewritten, total) = (0, 300);
        for _ in 0..total {
            let text = strategy.new_tree(&mut runner).unwrap().current();
            let p = process_bytes(text.as_bytes(), "Dockerfile", ctx, Options::default());
            if p.rewritten.is_some() {
                rewritten += 1;
            }
        }
        assert!(
            rewritten * 4 >= total,
            "only {rewritten} of {total} rewritten"
        );
    }
}
