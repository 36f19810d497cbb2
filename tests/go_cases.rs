//! The Go rewrite, rule by rule: which binary the build writes, static or
//! cgo, the four flavours, users on scratch, the start command without a
//! shell, and the files the program may read from its folder.

mod common;

use common::cases::{final_stage, output, refusal, rewrite_in};
use slimfile::plan::Flavor;
use slimfile::process::Processed;

const GO_MOD: &str = "module github.com/acme/api\n\ngo 1.22\n";
const MAIN: &str = "package main\n\nfunc main() {}\n";

fn go(dockerfile: &str) -> Processed {
    rewrite_in(&[("go.mod", GO_MOD), ("main.go", MAIN)], dockerfile, None)
}

fn go_with(files: &[(&str, &str)], dockerfile: &str, flavor: Option<Flavor>) -> Processed {
    rewrite_in(files, dockerfile, flavor)
}

fn builder(p: &Processed) -> &str {
    &output(p)[..p.tail_start]
}

fn code(p: &Processed) -> String {
    refusal(p).0
}

const CLASSIC: &str =
    "FROM golang:1.22\nWORKDIR /app\nCOPY . .\nRUN go build -o server .\nCMD [\"/app/server\"]\n";

#[test]
fn the_binary_goes_alone_to_scratch_built_static() {
    let p = go(CLASSIC);
    assert!(builder(&p).contains("RUN CGO_ENABLED=0 go build -o server .\n"));
    let f = final_stage(&p);
    assert!(f.starts_with("FROM scratch\n"), "{f}");
    for line in [
        "COPY --from=builder /app/server /app/server\n",
        "COPY --from=builder /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt\n",
        "COPY --from=builder /usr/share/zoneinfo /usr/share/zoneinfo\n",
        "ENV PATH=/go/bin:/usr/local/go/bin:",
        "CMD [\"/app/server\"]\n",
    ] {
        assert!(f.contains(line), "{line} in {f}");
    }
    // A second run of the builder gives the same file.
    let again = go(builder(&p));
    assert_eq!(output(&again), output(&p));
    // CGO_ENABLED=0 set already: no edit.
    let p = go(&CLASSIC.replace("WORKDIR /app\n", "WORKDIR /app\nENV CGO_ENABLED=0\n"));
    assert!(builder(&p).contains("RUN go build -o server .\n"));
}

#[test]
fn the_binary_is_found_by_every_way_the_go_tool_names_it() {
    let cases = [
        // -o relative to the folder the command runs in.
        (
            "RUN cd cmd && go build -o ../bin/api .",
            "CMD [\"./bin/api\"]",
            "/app/bin/api",
        ),
        (
            "RUN go build -o=/usr/local/bin/api .",
            "CMD [\"api\"]",
            "/usr/local/bin/api",
        ),
        // -o a folder: the default name inside it.
        (
            "RUN go build -o /out/ ./cmd/worker",
            "CMD [\"/out/worker\"]",
            "/out/worker",
        ),
        // The module path's last element, in the folder.
        ("RUN go build", "CMD [\"./api\"]", "/app/api"),
        (
            "RUN go build ./cmd/migrate",
            "CMD [\"./migrate\"]",
            "/app/migrate",
        ),
        ("RUN go build main.go", "CMD [\"./main\"]", "/app/main"),
        // go install: $GOPATH/bin, or $GOBIN.
        ("RUN go install .", "CMD [\"api\"]", "/go/bin/api"),
        (
            "RUN GOBIN=/usr/local/bin go install .",
            "CMD [\"api\"]",
            "/usr/local/bin/api",
        ),
        (
            "RUN go build -C cmd/migrate -o /bin/migrate",
            "CMD [\"/bin/migrate\"]",
            "/bin/migrate",
        ),
        // Moved or copied after the build: into a folder, or renamed.
        (
            "RUN go build -o api . && mv api /usr/local/bin",
            "CMD [\"api\"]",
            "/usr/local/bin/api",
        ),
        (
            "RUN go build -o api .\nRUN mv ./api /srv",
            "CMD [\"/srv/api\"]",
            "/srv/api",
        ),
        (
            "RUN go build -o api . && mv api /usr/local/bin/server",
            "CMD [\"server\"]",
            "/usr/local/bin/server",
        ),
        (
            "RUN go build -o api . && cp api /usr/bin/ && install -m 0755 api /opt/api-copy",
            "CMD [\"/opt/api-copy\"]",
            "/opt/api-copy",
        ),
        (
            "RUN go build -o api . && mv -t /usr/local/bin api",
            "CMD [\"api\"]",
            "/usr/local/bin/api",
        ),
    ];
    for (run, cmd, binary) in cases {
        let dockerfile = format!("FROM golang:1.22\nWORKDIR /app\nCOPY . .\n{run}\n{cmd}\n");
        let p = go_with(
            &[
                ("go.mod", GO_MOD),
                ("main.go", MAIN),
                ("cmd/migrate/main.go", MAIN),
            ],
            &dockerfile,
            None,
        );
        let f = final_stage(&p);
        assert!(
            f.contains(&format!("COPY --from=builder {binary} {binary}\n")),
            "{run}: {f}"
        );
    }
    // A /vN major-version suffix is not the name.
    let p = go_with(
        &[
            ("go.mod", "module example.com/billing/v2\n"),
            ("main.go", MAIN),
        ],
        "FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go build\nCMD [\"./billing\"]\n",
        None,
    );
    assert!(final_stage(&p).contains("COPY --from=builder /src/billing /src/billing\n"));
    // `./...` with two main packages names two binaries.
    let p = go_with(
        &[
            ("go.mod", GO_MOD),
            ("main.go", MAIN),
            ("cmd/migrate/main.go", MAIN),
        ],
        "FROM golang:1.22\nWORKDIR /app\nCOPY . .\nRUN go install ./...\nCMD [\"api\"]\n",
        None,
    );
    assert_eq!(code(&p), "go-build-not-followed");
    // GOPATH mode, no go.mod: the folder's name.
    let p = go_with(
        &[("main.go", MAIN)],
        "FROM golang:1.22\nWORKDIR /go/src/app\nCOPY . .\nRUN go install -v ./...\nCMD [\"app\"]\n",
        None,
    );
    assert!(final_stage(&p).contains("COPY --from=builder /go/bin/app /go/bin/app\n"));
}

#[test]
fn a_binary_that_cannot_be_told_is_refused_with_the_reason() {
    for (run, cmd, says) in [
        (
            "RUN go build ./...",
            "CMD [\"./api\"]",
            "none of the stage's go build",
        ),
        ("RUN make build", "CMD [\"./api\"]", "no RUN builds it"),
        ("RUN go build -o $OUT .", "CMD [\"./api\"]", "cannot tell"),
        (
            "RUN GOOS=linux GOARCH=arm64 go install .",
            "CMD [\"api\"]",
            "GOOS or GOARCH",
        ),
        (
            "RUN go build -o api . && mv api $DEST",
            "CMD [\"/srv/api\"]",
            "a path slimfile cannot tell",
        ),
        (
            "RUN go build -o api .",
            "CMD go run . 2>&1 | tee log",
            "cannot turn it into a build step",
        ),
    ] {
        let p = go(&format!(
            "FROM golang:1.22\nWORKDIR /app\nCOPY . .\n{run}\n{cmd}\n"
        ));
        let (code, text) = refusal(&p);
        assert_eq!(code, "go-build-not-followed", "{run}: {text}");
        assert!(text.contains(says), "{run}: {text}");
    }
}

#[test]
fn go_run_at_start_becomes_a_build_in_the_builder() {
    let files = [
        ("go.mod", GO_MOD),
        ("main.go", MAIN),
        ("cmd/api/main.go", MAIN),
    ];
    let p = go_with(
        &files,
        "FROM golang:1.22\nWORKDIR /app\nCOPY . .\nEXPOSE 8080\nCMD [\"go\", \"run\", \"-tags\", \"prod\", \"./cmd/api\", \"--port\", \"8080\"]\n",
        None,
    );
    assert!(
        builder(&p).contains(
            "COPY . .\nRUN CGO_ENABLED=0 go build -tags prod -o /usr/local/bin/api ./cmd/api\n"
        ),
        "{}",
        builder(&p)
    );
    let f = final_stage(&p);
    assert!(
        f.contains("COPY --from=builder /usr/local/bin/api /usr/local/bin/api\n"),
        "{f}"
    );
    assert!(
        f.ends_with("CMD [\"/usr/local/bin/api\", \"--port\", \"8080\"]\n"),
        "{f}"
    );
    // A second run recognises its own build.
    let again = go_with(&files, builder(&p), None);
    assert_eq!(output(&again), output(&p));
    // `go run main.go`, shell form.
    let p = go("FROM golang:1.22\nWORKDIR /app\nCOPY . .\nCMD go run main.go\n");
    assert!(final_stage(&p).ends_with("CMD [\"/usr/local/bin/main\"]\n"));
    // Through an ENTRYPOINT: refused.
    let p = go("FROM golang:1.22\nWORKDIR /app\nCOPY . .\nENTRYPOINT [\"go\", \"run\", \".\"]\n");
    assert_eq!(code(&p), "go-build-not-followed");
}

#[test]
fn cgo_means_the_builder_s_release_or_alpine() {
    // From go.mod, from the variable, from a flag, from import "C", from a C library.
    let sqlite = "module github.com/acme/api\n\nrequire github.com/mattn/go-sqlite3 v1.14.22\n";
    let p = go_with(&[("go.mod", sqlite), ("main.go", MAIN)], CLASSIC, None);
    let f = final_stage(&p);
    assert!(f.starts_with("FROM debian:bookworm-slim\n"), "{f}");
    assert!(!builder(&p).contains("CGO_ENABLED=0"));
    assert!(p
        .report
        .warnings
        .iter()
        .any(|w| w.code.as_str() == "runtime-not-scratch"));
    for changed in [
        CLASSIC.replace("RUN go build", "RUN CGO_ENABLED=1 go build"),
        CLASSIC.replace("go build -o", "go build -race -o"),
        CLASSIC.replace("go build -o", "go build -ldflags '-linkmode external' -o"),
        CLASSIC.replace(
            "COPY . .\n",
            "RUN apt-get update && apt-get install -y librdkafka-dev\nCOPY . .\n",
        ),
    ] {
        let p = go(&changed);
        assert!(
            final_stage(&p).starts_with("FROM debian:bookworm-slim\n"),
            "{changed}"
        );
    }
    let p = go_with(
        &[
            ("go.mod", GO_MOD),
            (
                "main.go",
                "package main\n\n// #include <stdio.h>\nimport \"C\"\n\nfunc main() {}\n",
            ),
        ],
        CLASSIC,
        None,
    );
    assert!(final_stage(&p).starts_with("FROM debian:bookworm-slim\n"));
    // The release from the tag; a version whose default release moved: refused.
    let p = go(&CLASSIC
        .replace("golang:1.22", "golang:1.22-trixie")
        .replace("RUN go build", "RUN CGO_ENABLED=1 go build"));
    assert!(final_stage(&p).starts_with("FROM debian:trixie-slim\n"));
    let p = go(&CLASSIC
        .replace("golang:1.22", "golang:1.24")
        .replace("RUN go build", "RUN CGO_ENABLED=1 go build"));
    assert!(final_stage(&p).starts_with("FROM debian:trixie-slim\n"));
    // An alpine builder: its own alpine release.
    let p = go(&CLASSIC
        .replace("golang:1.22", "golang:1.22-alpine3.20")
        .replace("RUN go build", "RUN CGO_ENABLED=1 go build"));
    assert!(final_stage(&p).starts_with("FROM alpine:3.20\n"));
    // Asked for scratch: refused, it has no C library.
    let p = go_with(
        &[("go.mod", sqlite), ("main.go", MAIN)],
        CLASSIC,
        Some(Flavor::Scratch),
    );
    assert_eq!(code(&p), "cgo-needs-libc");
}

#[test]
fn the_other_flavours_are_the_images_conversions_md_names() {
    let p = go_with(
        &[("go.mod", GO_MOD), ("main.go", MAIN)],
        CLASSIC,
        Some(Flavor::Distroless),
    );
    let f = final_stage(&p);
    assert!(
        f.starts_with("FROM gcr.io/distroless/static-debian13\n"),
        "{f}"
    );
    assert!(
        !f.contains("ca-certificates.crt"),
        "distroless has its own: {f}"
    );
    let p = go_with(
        &[("go.mod", GO_MOD), ("main.go", MAIN)],
        CLASSIC,
        Some(Flavor::Slim),
    );
    assert!(final_stage(&p).starts_with("FROM debian:bookworm-slim\n"));
    let p = go_with(
        &[("go.mod", GO_MOD), ("main.go", MAIN)],
        CLASSIC,
        Some(Flavor::Alpine),
    );
    // golang:1.22 names no alpine release, and a static binary needs none.
    assert!(
        final_stage(&p).starts_with("FROM alpine:3.24\n"),
        "{}",
        final_stage(&p)
    );
    // The alpine builder's zone database is Go's own.
    let p = go(&CLASSIC.replace("golang:1.22", "golang:1.22-alpine3.20"));
    let f = final_stage(&p);
    assert!(f.starts_with("FROM scratch\n"), "{f}");
    assert!(
        f.contains("ENV ZONEINFO=/usr/local/go/lib/time/zoneinfo.zip\n"),
        "{f}"
    );
}

#[test]
fn users_on_scratch_run_by_id_or_with_the_builder_s_passwd() {
    let p = go(&CLASSIC.replace("CMD", "USER nobody\nCMD"));
    let f = final_stage(&p);
    assert!(f.contains("USER 65534:65534\n"), "{f}");
    let p = go(&CLASSIC.replace("CMD", "RUN useradd -r app\nUSER app\nCMD"));
    let f = final_stage(&p);
    assert!(
        f.contains("COPY --from=builder /etc/passwd /etc/passwd\n"),
        "{f}"
    );
    assert!(f.contains("USER app\n"), "{f}");
    let p = go(&CLASSIC.replace("CMD", "USER deploy\nCMD"));
    assert_eq!(code(&p), "user-not-on-image");
}

#[test]
fn the_start_command_runs_without_a_shell_or_the_final_stage_has_one() {
    // Plain words: exec form.
    let p = go(&CLASSIC.replace("CMD [\"/app/server\"]", "CMD /app/server --port 8080"));
    assert!(final_stage(&p).ends_with("CMD [\"/app/server\", \"--port\", \"8080\"]\n"));
    // A health check with curl: slim, with curl.
    let p = go(&CLASSIC.replace(
        "CMD",
        "HEALTHCHECK CMD curl -f http://localhost:8080/ || exit 1\nCMD",
    ));
    let f = final_stage(&p);
    assert!(f.starts_with("FROM debian:bookworm-slim\n"), "{f}");
    assert!(
        f.contains("apt-get install -y --no-install-recommends curl"),
        "{f}"
    );
    // A second binary the health check runs comes too.
    let p = go_with(
        &[
            ("go.mod", GO_MOD),
            ("main.go", MAIN),
            ("cmd/health/main.go", MAIN),
        ],
        &CLASSIC
            .replace(
                "RUN go build -o server .\n",
                "RUN go build -o server . && go build -o /usr/local/bin/health ./cmd/health\n",
            )
            .replace("CMD", "HEALTHCHECK CMD [\"health\"]\nCMD"),
        None,
    );
    assert!(
        builder(&p).contains(
            "CGO_ENABLED=0 go build -o server . && CGO_ENABLED=0 go build -o /usr/local/bin/health"
        ),
        "both static: {}",
        builder(&p)
    );
    let f = final_stage(&p);
    assert!(
        f.contains("COPY --from=builder /usr/local/bin/health /usr/local/bin/health\n"),
        "{f}"
    );
    assert!(f.starts_with("FROM scratch\n"), "{f}");
    // The binary's own health check stays on scratch.
    let p = go(&CLASSIC.replace("CMD", "HEALTHCHECK CMD [\"/app/server\", \"-health\"]\nCMD"));
    assert!(final_stage(&p).starts_with("FROM scratch\n"));
    // Asked for scratch with a shell-form health check: refused.
    let p = go_with(
        &[("go.mod", GO_MOD), ("main.go", MAIN)],
        &CLASSIC.replace(
            "CMD",
            "HEALTHCHECK CMD wget -q -O- localhost || exit 1\nCMD",
        ),
        Some(Flavor::Scratch),
    );
    assert_eq!(code(&p), "shell-form-no-shell");
}

#[test]
fn the_files_the_program_may_read_come_along_and_sources_do_not() {
    let files = [
        ("go.mod", GO_MOD),
        ("go.sum", ""),
        ("main.go", MAIN),
        ("internal/db/db.go", "package db\n"),
        ("config.yaml", "port: 8080\n"),
        ("templates/index.html", "<h1>hi</h1>\n"),
        ("migrations/001.sql", "create table t (id int);\n"),
        ("docs/notes.md", "# notes\n"),
        ("vendor/x/x.go", "package x\n"),
        (".dockerignore", "docs\n*.md\n"),
    ];
    let p = go_with(&files, CLASSIC, None);
    let f = final_stage(&p);
    for copied in ["/app/config.yaml", "/app/templates", "/app/migrations"] {
        assert!(
            f.contains(&format!("COPY --from=builder {copied} {copied}\n")),
            "{f}"
        );
    }
    for left in [
        "/app/internal",
        "/app/docs",
        "/app/vendor",
        "/app/main.go",
        "/app/go.mod",
    ] {
        assert!(!f.contains(&format!("{left} ")), "{left}: {f}");
    }
    // Copied elsewhere than where the program runs: nothing comes along.
    let p = go_with(
        &files,
        "FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go build -o /usr/local/bin/api .\nWORKDIR /\nCMD [\"api\"]\n",
        None,
    );
    assert!(!final_stage(&p).contains("config.yaml"));
    // A wildcard copy and a single file are followed too.
    let p = go_with(
        &files,
        "FROM golang:1.22\nWORKDIR /app\nCOPY *.go go.mod ./\nCOPY config.yaml ./\nRUN go build -o server .\nCMD [\"/app/server\"]\n",
        None,
    );
    let f = final_stage(&p);
    assert!(
        f.contains("COPY --from=builder /app/config.yaml /app/config.yaml\n"),
        "{f}"
    );
    assert!(!f.contains("templates"), "{f}");
}

#[test]
fn not_golang_or_a_base_image_is_left_with_the_reason() {
    let p = go("FROM debian:bookworm\nRUN apt-get install -y golang\nWORKDIR /app\nCOPY . .\nRUN go build -o server .\nCMD [\"/app/server\"]\n");
    assert_eq!(code(&p), "unofficial-image");
    let p = go("FROM golang:1.22\nWORKDIR /app\nCOPY . .\nRUN go build -o server .\n");
    assert_eq!(code(&p), "base-image");
    let p = go("FROM golang:1.22-windowsservercore\nWORKDIR /app\nCOPY . .\nRUN go build -o server .\nCMD [\"/app/server\"]\n");
    assert_eq!(code(&p), "unknown-tag");
}

#[test]
fn a_builder_on_the_build_platform_cross_compiles_for_the_target() {
    let dockerfile = "FROM --platform=$BUILDPLATFORM golang:1.22\nARG TARGETOS TARGETARCH\nWORKDIR /src\nCOPY . .\nRUN GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/api .\nENTRYPOINT [\"/out/api\"]\n";
    let p = go(dockerfile);
    let f = final_stage(&p);
    assert!(
        f.starts_with("FROM scratch\n"),
        "the target's platform, not the builder's: {f}"
    );
    assert!(f.contains("COPY --from=builder /out/api /out/api\n"), "{f}");
    // From an ENV, too.
    let p = go(&dockerfile.replace(
        "RUN GOOS=$TARGETOS GOARCH=$TARGETARCH go build",
        "ENV GOOS=$TARGETOS GOARCH=${TARGETARCH}\nRUN go build",
    ));
    assert!(final_stage(&p).starts_with("FROM scratch\n"));
    // A build for the build machine: refused.
    let p = go(&dockerfile.replace("GOOS=$TARGETOS GOARCH=$TARGETARCH ", ""));
    assert_eq!(code(&p), "build-platform");
}

#[test]
fn what_real_go_dockerfiles_do_is_followed() {
    // A RUN copies files where the program runs: they come along.
    let p = go_with(
        &[("go.mod", GO_MOD), ("main.go", MAIN), ("templates/a.html", "<p>\n")],
        "FROM golang:1.22\nRUN mkdir -p /app\nWORKDIR /src\nCOPY . .\nRUN go build -o /app/server . && cp -R templates /app\nWORKDIR /app\nCMD [\"/app/server\"]\n",
        None,
    );
    assert!(
        final_stage(&p).contains("COPY --from=builder /app/templates /app/templates\n"),
        "{}",
        final_stage(&p)
    );
    // A file a RUN removes is not copied.
    let p = go_with(
        &[("go.mod", GO_MOD), ("main.go", MAIN), ("docker-compose.yml", "x\n"), ("config.yaml", "x\n")],
        "FROM golang:1.22\nWORKDIR /app\nCOPY . .\nRUN go build -o api .\nRUN rm docker-compose.yml\nCMD [\"./api\"]\n",
        None,
    );
    let f = final_stage(&p);
    assert!(
        !f.contains("docker-compose.yml") && f.contains("/app/config.yaml"),
        "{f}"
    );
    // Removed by a pattern slimfile cannot resolve: which are left is unknown.
    let p = go_with(
        &[("go.mod", GO_MOD), ("main.go", MAIN), ("config.yaml", "x\n")],
        "FROM golang:1.22\nWORKDIR /app\nCOPY . .\nRUN go build -o main\nRUN ls | sed 's/^main//' | xargs rm -rf\nCMD [\"./main\"]\n",
        None,
    );
    assert_eq!(code(&p), "go-build-not-followed");
    // go-sqlite3 reached through gorm, in go.sum or an import: cgo.
    for files in [
        vec![("go.mod", "module x\n\nrequire gorm.io/gorm v1.20.12\n"), ("go.sum", "github.com/mattn/go-sqlite3 v1.14.5 h1:x=\n"), ("main.go", MAIN)],
        vec![("go.mod", "module x\n"), ("main.go", "package main\n\nimport _ \"github.com/jinzhu/gorm/dialects/sqlite\"\n\nfunc main() {}\n")],
    ] {
        let p = go_with(&files, CLASSIC, None);
        assert!(final_stage(&p).starts_with("FROM debian:bookworm-slim\n"), "{}", final_stage(&p));
    }
    // A go.sum line of a go.mod alone: the module is not built.
    let p = go_with(
        &[("go.mod", "module x\n"), ("go.sum", "github.com/mattn/go-sqlite3 v1.9.0/go.mod h1:x=\ngithub.com/DataDog/zstd v1.4.1 h1:y=\n"), ("main.go", MAIN)],
        CLASSIC,
        None,
    );
    assert!(
        final_stage(&p).starts_with("FROM scratch\n"),
        "{}",
        final_stage(&p)
    );
    // A version no longer maintained keeps its last release; a floating tag
    // is pinned to today's.
    let cgo = CLASSIC.replace("RUN go build", "RUN CGO_ENABLED=1 go build");
    let p = go(&cgo.replace("golang:1.22", "golang:1.20"));
    assert!(final_stage(&p).starts_with("FROM debian:bookworm-slim\n"));
    let p = go(&cgo.replace("golang:1.22", "golang:1"));
    assert!(
        output(&p).starts_with("FROM golang:1-trixie AS builder\n"),
        "{}",
        output(&p)
    );
    assert!(final_stage(&p).starts_with("FROM debian:trixie-slim\n"));
    // chmod or strip after the build change the binary in place.
    let p = go("FROM golang:1.22\nWORKDIR /app\nCOPY . .\nRUN go build -o api .\nRUN chmod +x api && strip api\nCMD [\"./api\"]\n");
    assert!(final_stage(&p).contains("COPY --from=builder /app/api /app/api\n"));
}

#[test]
fn a_start_through_a_shell_or_a_script_gets_slim_with_the_binaries_it_runs() {
    let files = [
        ("go.mod", GO_MOD),
        ("main.go", MAIN),
        ("cmd/migrate/main.go", MAIN),
        (
            "entrypoint.sh",
            "#!/bin/sh\nset -e\n./migrate up\nexec \"$@\"\n",
        ),
    ];
    let build = "FROM golang:1.22\nWORKDIR /app\nCOPY . .\nRUN go build -o server . && go build -o migrate ./cmd/migrate\n";
    for start in [
        "ENTRYPOINT [\"./entrypoint.sh\"]\nCMD [\"./server\"]\n",
        "CMD ./migrate up && exec ./server\n",
        "CMD [\"sh\", \"-c\", \"./migrate up && ./server\"]\n",
    ] {
        let p = go_with(&files, &format!("{build}{start}"), None);
        let f = final_stage(&p);
        assert!(f.starts_with("FROM debian:bookworm-slim\n"), "{start}: {f}");
        for bin in ["/app/server", "/app/migrate"] {
            assert!(
                f.contains(&format!("COPY --from=builder {bin} {bin}\n")),
                "{start}: {f}"
            );
        }
        assert!(f.ends_with(start), "{start}: {f}");
        // Asked for scratch: no shell there.
        let p = go_with(&files, &format!("{build}{start}"), Some(Flavor::Scratch));
        assert_eq!(code(&p), "shell-form-no-shell", "{start}");
    }
    // A program the slim image lacks: refused.
    let p = go_with(
        &[("go.mod", GO_MOD), ("main.go", MAIN), ("entrypoint.sh", "#!/bin/sh\ncurl -fsS http://config/ > c.json\nexec \"$@\"\n")],
        "FROM golang:1.22\nWORKDIR /app\nCOPY . .\nRUN go build -o server .\nENTRYPOINT [\"./entrypoint.sh\"]\nCMD [\"./server\"]\n",
        None,
    );
    assert_eq!(code(&p), "unknown-program");
}
