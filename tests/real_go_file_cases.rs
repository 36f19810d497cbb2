//! What a review of real Go Dockerfiles from public repositories found
//! broken or needlessly refused, each reduced to its trigger: the rewrite is
//! now right, or refused with the reason.

mod common;

use common::cases::{final_stage, output, refusal, rewrite_in};
use slimfile::process::Processed;

const GO_MOD: &str = "module github.com/acme/api\n\ngo 1.22\n";
const MAIN: &str = "package main\n\nfunc main() {}\n";

fn go(extra: &[(&str, &str)], dockerfile: &str) -> Processed {
    let mut files = vec![("go.mod", GO_MOD), ("main.go", MAIN)];
    files.extend_from_slice(extra);
    rewrite_in(&files, dockerfile, None)
}

#[test]
fn a_shell_form_start_or_health_check_is_carried_in_exec_form_on_scratch() {
    let p = go(
        &[],
        "FROM golang:1.22-bookworm\nWORKDIR /app\nCOPY . .\nRUN go build -o server .\nENTRYPOINT /app/server\n",
    );
    let f = final_stage(&p);
    assert!(f.starts_with("FROM scratch\n"), "{f}");
    assert!(f.contains("ENTRYPOINT [\"/app/server\"]\n"), "{f}");
    // A shell-form ENTRYPOINT ignores the CMD; in exec form it would take
    // it as arguments, so it is not carried.
    let p = go(
        &[],
        "FROM golang:1.22-bookworm\nWORKDIR /app\nCOPY . .\nRUN go build -o server .\nENTRYPOINT /app/server --port 80\nCMD [\"--debug\"]\n",
    );
    let f = final_stage(&p);
    assert!(
        f.contains("ENTRYPOINT [\"/app/server\", \"--port\", \"80\"]\n"),
        "{f}"
    );
    assert!(!f.contains("--debug"), "{f}");
    // The health check's options stay; its command goes to exec form.
    let p = go(
        &[],
        "FROM golang:1.22-bookworm\nWORKDIR /app\nCOPY . .\nRUN go build -o server .\nHEALTHCHECK --interval=5s CMD /app/server -health\nCMD [\"/app/server\"]\n",
    );
    let f = final_stage(&p);
    assert!(f.starts_with("FROM scratch\n"), "{f}");
    assert!(
        f.contains("HEALTHCHECK --interval=5s CMD [\"/app/server\", \"-health\"]\n"),
        "{f}"
    );
}

#[test]
fn paths_are_read_from_the_golang_image_s_own_folder() {
    // No WORKDIR: the golang images start in /go.
    let p = go(
        &[],
        "FROM golang:1.22-bookworm\nCOPY . /go\nRUN go build -o webserver\nCMD [\"./webserver\"]\n",
    );
    let f = final_stage(&p);
    assert!(f.contains("WORKDIR /go\n"), "{f}");
    assert!(
        f.contains("COPY --from=builder /go/webserver /go/webserver\n"),
        "{f}"
    );
    // A relative WORKDIR is inside /go.
    let p = go(
        &[],
        "FROM golang:1.22-bookworm\nWORKDIR go/src/app\nCOPY . .\nRUN go build -o server .\nCMD [\"./server\"]\n",
    );
    let f = final_stage(&p);
    assert!(f.contains("WORKDIR /go/go/src/app\n"), "{f}");
    // GOPATH is the image's.
    let p = go(
        &[],
        "FROM golang:1.22-bookworm\nWORKDIR $GOPATH/src/github.com/acme/api\nCOPY . .\nRUN go install\nCMD [\"api\"]\n",
    );
    let f = final_stage(&p);
    assert!(
        f.contains("COPY --from=builder /go/bin/api /go/bin/api\n"),
        "{f}"
    );
    assert!(f.contains("WORKDIR /go/src/github.com/acme/api\n"), "{f}");
}

#[test]
fn a_program_run_in_the_root_folder_keeps_the_files_copied_there() {
    let p = go(
        &[("erp.db", "sqlite"), ("uploads/a.png", "png")],
        "FROM golang:1.22-bookworm\nWORKDIR /\nCOPY . .\nRUN go build -o main .\nCMD [\"/main\"]\n",
    );
    let f = final_stage(&p);
    for line in [
        "COPY --from=builder /main /main\n",
        "COPY --from=builder /erp.db /erp.db\n",
        "COPY --from=builder /uploads /uploads\n",
    ] {
        assert!(f.contains(line), "{line}: {f}");
    }
    assert!(!f.contains("/main.go"), "{f}");
}

#[test]
fn cgo_in_files_a_linux_build_does_not_compile_does_not_count() {
    let c = "package x\n\nimport \"C\"\n";
    for (file, text) in [
        ("vendor/golang.org/x/sys/unix/zsyscall_aix_ppc.go", c),
        ("cgo_windows.go", c),
        (
            "tools/gen.go",
            "//go:build ignore\n\npackage main\n\nimport \"C\"\n",
        ),
        (
            "old.go",
            "// +build darwin\n\npackage main\n\nimport \"C\"\n",
        ),
    ] {
        let p = go(
            &[(file, text)],
            "FROM golang:1.22-bookworm\nWORKDIR /app\nCOPY . .\nRUN go build -o app .\nCMD [\"./app\"]\n",
        );
        assert!(
            final_stage(&p).starts_with("FROM scratch\n"),
            "{file}: {}",
            output(&p)
        );
    }
    // One a Linux build compiles does.
    let p = go(
        &[("db_linux.go", "//go:build linux && cgo\n\npackage main\n\nimport \"C\"\n")],
        "FROM golang:1.22-bookworm\nWORKDIR /app\nCOPY . .\nRUN go build -o app .\nCMD [\"./app\"]\n",
    );
    assert!(final_stage(&p).starts_with("FROM debian:bookworm-slim\n"));
}

#[test]
fn a_static_binary_needs_no_release_from_the_builder_s_tag() {
    // golang:1.17-alpine names no alpine release; the start script needs a
    // shell, and the static binary runs on any alpine.
    let p = go(
        &[("entrypoint.sh", "#!/bin/sh\nexec /app \"$@\"\n")],
        "FROM golang:1.17-alpine\nWORKDIR /build\nCOPY . .\nCOPY entrypoint.sh /\nRUN go build -o /app\nENTRYPOINT [\"/entrypoint.sh\"]\n",
    );
    let f = final_stage(&p);
    assert!(f.starts_with("FROM alpine:3.24\n"), "{f}");
    // No tag and a health check with curl: slim, and no pin of the builder.
    let p = go(
        &[],
        "FROM golang\nWORKDIR /app\nCOPY . .\nRUN go build -o app .\nHEALTHCHECK CMD curl -f http://localhost/ || exit 1\nCMD [\"./app\"]\n",
    );
    assert!(
        output(&p).starts_with("FROM golang AS builder\n"),
        "{}",
        output(&p)
    );
    assert!(final_stage(&p).starts_with("FROM debian:trixie-slim\n"));
    // With cgo the release matters: the builder is pinned to it, as a tag.
    let p = go(
        &[],
        "FROM golang\nWORKDIR /app\nCOPY . .\nRUN CGO_ENABLED=1 go build -o app .\nCMD [\"./app\"]\n",
    );
    assert!(
        output(&p).starts_with("FROM golang:trixie AS builder\n"),
        "{}",
        output(&p)
    );
    assert!(final_stage(&p).starts_with("FROM debian:trixie-slim\n"));
    let p = go(
        &[],
        "FROM golang@sha256:0000000000000000000000000000000000000000000000000000000000000000\nWORKDIR /app\nCOPY . .\nRUN CGO_ENABLED=1 go build -o app .\nCMD [\"./app\"]\n",
    );
    assert_eq!(refusal(&p).0, "unknown-tag");
}

#[test]
fn what_the_builder_installs_for_the_program_is_installed_again() {
    // A run-time library a cgo module links.
    let p = go(
        &[(
            "go.mod",
            "module github.com/acme/api\n\ngo 1.22\n\nrequire github.com/mattn/go-sqlite3 v1.14.22\n",
        )],
        "FROM golang:1.22-bookworm\nRUN apt-get update && apt-get install -y libsqlite3-dev\nWORKDIR /app\nCOPY . .\nRUN go build -tags libsqlite3 -o server .\nCMD [\"/app/server\"]\n",
    );
    let f = final_stage(&p);
    assert!(f.starts_with("FROM debian:bookworm-slim\n"), "{f}");
    assert!(f.contains("libsqlite3-0"), "{f}");
    // A program the binary runs (exec.Command("ffmpeg")): not scratch.
    let p = go(
        &[],
        "FROM golang:1.23\nRUN apt-get update && apt-get install -y ffmpeg\nWORKDIR /app\nCOPY . .\nRUN go build -o main .\nCMD [\"/app/main\"]\n",
    );
    let f = final_stage(&p);
    assert!(f.starts_with("FROM debian:bookworm-slim\n"), "{f}");
    assert!(f.contains("install -y ffmpeg"), "{f}");
    // The CA bundle and the zone database are copied: not a reason.
    let p = go(
        &[],
        "FROM golang:1.22-alpine3.19\nRUN apk add --no-cache ca-certificates tzdata\nWORKDIR /app\nCOPY . .\nRUN go build -o server .\nENV TZ=Asia/Shanghai\nCMD [\"/app/server\"]\n",
    );
    let f = final_stage(&p);
    assert!(f.starts_with("FROM scratch\n"), "{f}");
    // tzdata installed: the zone files TZ names, not Go's zip.
    assert!(
        f.contains("COPY --from=builder /usr/share/zoneinfo /usr/share/zoneinfo\n"),
        "{f}"
    );
    assert!(!f.contains("ZONEINFO"), "{f}");
}

#[test]
fn a_quoted_copy_destination_is_its_path() {
    let p = go(
        &[("conf/app.ini", "a=1\n")],
        "FROM golang:1.22-bookworm\nCOPY . \"$GOPATH/src/myapp/\"\nWORKDIR $GOPATH/src/myapp\nRUN go build -o main .\nCMD [\"./main\"]\n",
    );
    let f = final_stage(&p);
    assert!(
        f.contains("COPY --from=builder /go/src/myapp/main /go/src/myapp/main\n"),
        "{f}"
    );
    assert!(
        f.contains("COPY --from=builder /go/src/myapp/conf /go/src/myapp/conf\n"),
        "{f}"
    );
}

#[test]
fn a_binary_a_script_of_the_app_s_is_given_to_run_comes_along() {
    let p = go(
        &[("wait.sh", "#!/bin/sh\nuntil [ -e /tmp/ready ]; do sleep 1; done\nexec \"$@\"\n")],
        "FROM golang:1.22-bookworm\nWORKDIR /app\nCOPY . .\nRUN go build -o server .\nCMD [\"sh\", \"-c\", \"./wait.sh -- ./server\"]\n",
    );
    let f = final_stage(&p);
    assert!(
        f.contains("COPY --from=builder /app/server /app/server\n"),
        "{f}"
    );
    assert!(
        f.contains("COPY --from=builder /app/wait.sh /app/wait.sh\n"),
        "{f}"
    );
    // A tool downloaded at build time, whose needs cannot be read: refused.
    let p = go(
        &[],
        "FROM golang:1.22-bookworm\nWORKDIR /app\nADD https://example.com/wait-for /usr/local/bin/wait-for\nRUN chmod +x /usr/local/bin/wait-for\nCOPY . .\nRUN go build -o server .\nCMD [\"sh\", \"-c\", \"wait-for db:5432 -- ./server\"]\n",
    );
    assert_eq!(refusal(&p).0, "unknown-program");
}
