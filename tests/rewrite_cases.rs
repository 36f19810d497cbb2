//! The Node.js rewrite, one rule a test, on small inline Dockerfiles.

mod common;

use std::fs;

use common::cases::{self, output};

use slimfile::context::Context;
use slimfile::plan::Flavor;
use slimfile::process::Options;
use slimfile::process::{process_bytes, Processed};
use slimfile::report::Status;

const PACKAGE_JSON: &str = r#"{
  "name": "app",
  "scripts": { "build": "tsc", "start": "node dist/index.js", "dev": "nodemon src/index.ts" },
  "dependencies": { "express": "^4.21.0" },
  "devDependencies": { "typescript": "^5.6.2", "nodemon": "^3.1.7" }
}"#;

/// Runs a Dockerfile against a context holding `package.json` (and `extra`
/// files), with the given flavour.
fn rewrite_with(dockerfile: &str, extra: &[(&str, &str)], flavor: Option<Flavor>) -> Processed {
    let mut files = vec![
        ("package.json", PACKAGE_JSON),
        (
            "package-lock.json",
            r#"{"lockfileVersion": 3, "packages": {"": {}}}"#,
        ),
    ];
    files.extend_from_slice(extra);
    cases::rewrite_in(&files, dockerfile, flavor)
}

/// Runs a Dockerfile against a context holding only `files` (paths may
/// name folders).
fn rewrite_in(files: &[(&str, &str)], dockerfile: &str) -> Processed {
    cases::rewrite_in(files, dockerfile, None)
}

fn rewrite(dockerfile: &str) -> Processed {
    rewrite_with(dockerfile, &[], None)
}

/// The appended final stage.
fn final_stage(p: &Processed) -> &str {
    &output(p)[p.tail_start..]
}

fn reason(p: &Processed) -> String {
    p.report
        .reason
        .as_ref()
        .map(|r| r.text())
        .unwrap_or_default()
}

const BASIC: &str = "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nRUN npm run build\nCMD [\"node\", \"dist/index.js\"]\n";

#[test]
fn a_global_arg_is_not_declared_again_unless_the_stage_declares_it() {
    let p =
        rewrite("ARG V=1\nARG W=2\nFROM node:20\nARG W\nWORKDIR /app\nRUN npm ci\nENV A=$V B=$W\nCMD [\"node\", \"x.js\"]\n");
    let tail = final_stage(&p);
    assert!(tail.contains("ARG W=2\n"), "{tail}");
    assert!(!tail.contains("ARG V"), "{tail}");
}

#[test]
fn a_program_of_unknown_origin_is_refused() {
    let p = rewrite(
        "FROM node:20\nWORKDIR /app\nRUN npm ci\nCMD [\"tini\", \"--\", \"node\", \"x.js\"]\n",
    );
    assert_eq!(p.report.status, Status::Refused);
    assert!(reason(&p).contains("`tini`"), "{}", reason(&p));
    assert_eq!(p.report.reason.as_ref().unwrap().line, Some(4));
    // Installed by the builder: installed again.
    let p = rewrite("FROM node:20\nRUN apt-get update && apt-get install -y tini build-essential\nWORKDIR /app\nRUN npm ci\nCMD [\"tini\", \"--\", \"node\", \"x.js\"]\n");
    let tail = final_stage(&p);
    // With its recommended packages, as the original installed it.
    assert!(tail.contains("apt-get install -y tini &&"), "{tail}");
    assert!(!tail.contains("build-essential"), "{tail}");
    let lean = rewrite("FROM node:20\nRUN apt-get update && apt-get install -y --no-install-recommends tini\nWORKDIR /app\nRUN npm ci\nCMD [\"tini\", \"--\", \"node\", \"x.js\"]\n");
    assert!(
        final_stage(&lean).contains("apt-get install -y --no-install-recommends tini &&"),
        "{}",
        final_stage(&lean)
    );
    // Seen through a wrapper: a global package the wrapped command runs.
    let p = rewrite("FROM node:20\nRUN apt-get update && apt-get install -y dumb-init\nRUN npm install -g serve@14\nWORKDIR /app\nRUN npm ci\nCMD [\"dumb-init\", \"--\", \"serve\", \"-s\", \"build\"]\n");
    assert!(
        final_stage(&p).contains("RUN npm install -g serve@14\n"),
        "{}",
        final_stage(&p)
    );
}

#[test]
fn a_run_that_writes_outside_the_application_is_refused() {
    let p = rewrite("FROM node:20\nWORKDIR /app\nRUN npm ci\nRUN curl -sSL https://x/ffmpeg.tar.xz | tar xJC /usr/bin/\nCMD [\"node\", \"x.js\"]\n");
    assert_eq!(p.report.status, Status::Refused);
    assert!(reason(&p).contains("/usr/bin/"), "{}", reason(&p));
    assert_eq!(p.report.reason.unwrap().line, Some(4));
    // chmod of a file it copies there is fine.
    let p = rewrite("FROM node:20\nWORKDIR /app\nRUN npm ci\nCOPY start.sh /usr/local/bin/start.sh\nRUN chmod +x /usr/local/bin/start.sh\nCMD [\"start.sh\"]\n");
    assert_eq!(p.report.status, Status::WouldRewrite, "{}", reason(&p));
}

/// A glibc builder's downloads are not copied onto musl; folders it only
/// made are.
#[test]
fn alpine_from_glibc_refuses_what_runs_downloaded_outside_the_application() {
    let p = rewrite_with(
        "FROM node:20\nRUN mkdir -p /var/log/app\nRUN curl -fsSL https://x/tool.tgz | tar xz -C /opt/tool\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD [\"node\", \"x.js\"]\n",
        &[],
        Some(Flavor::Alpine),
    );
    assert_eq!(p.report.status, Status::Refused);
    assert!(reason(&p).contains("/opt/tool"), "{}", reason(&p));
    assert!(reason(&p).contains("musl"), "{}", reason(&p));
    assert_eq!(p.report.reason.unwrap().line, Some(3));
    let p = rewrite_with(
        "FROM node:20\nRUN mkdir -p /var/log/app && chown node /var/log/app\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD [\"node\", \"x.js\"]\n",
        &[],
        Some(Flavor::Alpine),
    );
    assert_eq!(p.report.status, Status::WouldRewrite, "{}", reason(&p));
    assert!(final_stage(&p).contains("COPY --from=builder /var/log/app /var/log/app\n"));
}

#[test]
fn a_dev_server_is_refused() {
    let p = rewrite("FROM node:20\nWORKDIR /app\nRUN npm ci\nCMD [\"npm\", \"run\", \"dev\"]\n");
    assert_eq!(p.report.status, Status::Refused);
    assert!(reason(&p).contains("development server"), "{}", reason(&p));
    assert_eq!(p.report.reason.unwrap().line, Some(4));
}

#[test]
fn a_bun_project_is_refused() {
    let p = rewrite_with(BASIC, &[("bun.lock", "{}")], None);
    assert_eq!(p.report.status, Status::Refused);
    assert!(reason(&p).contains("Bun"));
}

#[test]
fn platform_is_kept_when_constant_and_refused_when_it_is_the_build_platform() {
    let p = rewrite(&BASIC.replace("FROM node:20", "FROM --platform=linux/amd64 node:20"));
    assert!(final_stage(&p).contains("FROM --platform=linux/amd64 node:20-slim\n"));
    let p = rewrite(&BASIC.replace("FROM node:20", "FROM --platform=$BUILDPLATFORM node:20"));
    assert_eq!(p.report.status, Status::Refused);
    assert!(reason(&p).contains("BUILDPLATFORM"));
}

#[test]
fn bom_and_crlf_are_kept() {
    let text = format!("\u{FEFF}{}", BASIC.replace('\n', "\r\n"));
    let p = rewrite(&text);
    let out = output(&p);
    assert!(
        out.starts_with("\u{FEFF}FROM node:20 AS builder\r\n"),
        "{out:?}"
    );
    assert!(
        !out.replace("\r\n", "").contains('\n'),
        "a bare LF crept in: {out:?}"
    );
    assert!(out.contains("\r\nFROM node:20-slim\r\n"));
}

#[test]
fn a_file_without_a_final_newline_gets_one_before_the_new_stage() {
    let p = rewrite(BASIC.trim_end());
    let out = output(&p);
    assert!(
        out.contains("CMD [\"node\", \"dist/index.js\"]\n\nFROM node:20-slim\n"),
        "{out}"
    );
    assert!(
        out.ends_with("CMD [\"node\", \"dist/index.js\"]\n"),
        "{out}"
    );
}

#[test]
fn distroless_converts_a_plain_shell_command_and_refuses_a_real_shell_one() {
    let base = "FROM node:22\nWORKDIR /app\nRUN npm ci\n";
    let p = rewrite_with(
        &format!("{base}CMD node dist/index.js --port 8080\n"),
        &[],
        Some(Flavor::Distroless),
    );
    let tail = final_stage(&p);
    assert!(
        tail.contains("FROM gcr.io/distroless/nodejs22-debian13\n"),
        "{tail}"
    );
    assert!(
        tail.contains("CMD [\"dist/index.js\", \"--port\", \"8080\"]\n"),
        "{tail}"
    );
    let p = rewrite_with(
        &format!("{base}CMD node dist/index.js --port $PORT\n"),
        &[],
        Some(Flavor::Distroless),
    );
    assert_eq!(p.report.status, Status::Refused);
    assert!(reason(&p).contains("shell form"), "{}", reason(&p));
    let p = rewrite_with(
        &format!("{base}HEALTHCHECK CMD curl -f localhost\nCMD [\"node\", \"x.js\"]\n"),
        &[],
        Some(Flavor::Distroless),
    );
    assert_eq!(p.report.status, Status::Refused);
    assert!(reason(&p).contains("HEALTHCHECK"));
}

#[test]
fn npm_start_on_distroless_runs_the_script_s_node_command() {
    let p = rewrite_with(
        "FROM node:22\nWORKDIR /app\nRUN npm ci\nRUN npm run build\nCMD [\"npm\", \"start\"]\n",
        &[],
        Some(Flavor::Distroless),
    );
    let tail = final_stage(&p);
    assert!(tail.contains("CMD [\"dist/index.js\"]\n"), "{tail}");
}

#[test]
fn yarn_start_without_yarn_in_the_image_runs_node_instead() {
    // node images ship no yarn from 26 on.
    let p = rewrite(
        "FROM node:26\nWORKDIR /app\nRUN npm ci\nRUN npm run build\nCMD [\"yarn\", \"start\"]\n",
    );
    let tail = final_stage(&p);
    assert!(
        tail.contains("CMD [\"node\", \"dist/index.js\"]\n"),
        "{tail}"
    );
    assert!(p
        .report
        .warnings
        .iter()
        .any(|w| w.message.contains("lacks yarn")));
    // On 22 yarn is there: the command stays.
    let p = rewrite("FROM node:22\nWORKDIR /app\nRUN npm ci\nCMD [\"yarn\", \"start\"]\n");
    assert!(final_stage(&p).contains("CMD [\"yarn\", \"start\"]\n"));
}

#[test]
fn a_lean_base_with_nothing_to_drop_is_unchanged() {
    let p = rewrite("FROM node:20-slim\nWORKDIR /app\nCOPY . .\nRUN npm ci --omit=dev\nCMD [\"node\", \"x.js\"]\n");
    assert_eq!(p.report.status, Status::Unchanged);
    assert!(reason(&p).contains("already lean"));
}

#[test]
fn a_line_read_differently_by_buildkit_releases_is_refused() {
    let p = rewrite("FROM node:20\nWORKDIR /app\nRUN npm ci\nCMD [\"node\", \"x.js\"] # start\n");
    assert_eq!(p.report.status, Status::Refused);
    assert!(reason(&p).contains("BuildKit releases"));
    assert_eq!(p.report.reason.unwrap().line, Some(4));
}

#[test]
fn bad_input_is_an_error_naming_the_line() {
    for (text, line, words) in [
        ("", 1, "no instructions"),
        ("# only a comment\n", 1, "no instructions"),
        ("FROM node:20\nRUN <<EOF\necho\n", 2, "unterminated heredoc"),
        ("FROM node:20\nFROBNICATE x\n", 2, "unknown instruction"),
        ("FROM\nRUN x\n", 1, "FROM requires"),
        ("FROM node:20\nCMD [\"a\", 1]\n", 2, "strings only"),
    ] {
        let p = rewrite(text);
        assert_eq!(p.report.status, Status::Error, "{text:?}");
        let r = p.report.reason.unwrap();
        assert_eq!(r.line, Some(line), "{text:?}");
        assert!(r.message.contains(words), "{text:?}: {}", r.message);
    }
    let p = process_bytes(
        b"FROM node:20\nRUN \xff\n",
        "x",
        &Context::none(),
        Options::default(),
    );
    assert_eq!(p.report.status, Status::Error);
    assert!(reason(&p).contains("offset 17"), "{}", reason(&p));
}

#[test]
fn other_languages_are_left_alone_with_a_reason() {
    for (from, language) in [
        ("golang:1.22", "Go"),
        ("rust:1.80", "Rust"),
        ("maven:3.9-eclipse-temurin-21", "Java"),
    ] {
        let p = rewrite(&format!("FROM {from}\nWORKDIR /app\nCOPY . .\n"));
        assert_eq!(p.report.status, Status::Unchanged, "{from}");
        assert!(reason(&p).contains(language), "{from}: {}", reason(&p));
    }
}

#[test]
fn copies_outside_the_application_directory_come_along() {
    let p = rewrite(
        "FROM node:20\nWORKDIR /app\nRUN npm ci\nCOPY config/ /etc/app/\nADD https://example.com/tini /usr/local/bin/tini\nCMD [\"node\", \"x.js\"]\n",
    );
    let tail = final_stage(&p);
    assert!(
        tail.contains("COPY --from=builder /etc/app /etc/app\n"),
        "{tail}"
    );
    assert!(
        tail.contains("COPY --from=builder /usr/local/bin/tini /usr/local/bin/tini\n"),
        "{tail}"
    );
    // Into a system folder with a glob: which files is unknown.
    let p = rewrite("FROM node:20\nWORKDIR /app\nRUN npm ci\nCOPY bin/* /usr/local/bin/\nCMD [\"node\", \"x.js\"]\n");
    assert_eq!(p.report.status, Status::Refused);
    assert_eq!(p.report.reason.unwrap().line, Some(4));
}

#[test]
fn prisma_gets_openssl_and_a_subdirectory_workdir_keeps_the_app_root() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("package.json"),
        r#"{"scripts": {"start": "node dist/index.js"}, "dependencies": {"@prisma/client": "^5.20.0"}}"#,
    )
    .unwrap();
    let text = "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nWORKDIR /app/server\nCMD [\"node\", \"index.js\"]\n";
    let p = process_bytes(
        text.as_bytes(),
        "Dockerfile",
        &Context::at(dir.path()),
        Options::default(),
    );
    let tail = final_stage(&p);
    assert!(
        tail.contains("apt-get install -y --no-install-recommends openssl &&"),
        "{tail}"
    );
    assert!(tail.contains("WORKDIR /app/server\n"), "{tail}");
    assert!(tail.contains("COPY --from=builder /app /app\n"), "{tail}");
}

#[test]
fn a_project_s_own_prune_is_not_doubled() {
    let p = rewrite("FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci && npm run build && npm prune --production\nCMD [\"node\", \"dist/index.js\"]\n");
    assert_eq!(output(&p).matches("prune").count(), 1, "{}", output(&p));
}

/// Found by the rewrite fuzz target: a continuation open at the end of the
/// file would swallow the appended stage.
#[test]
fn a_continuation_open_at_the_end_of_the_file_is_refused() {
    for text in [
        "FROM node:20\nWORKDIR /app\nRUN npm ci\nCMD [\"node\", \"x.js\"] \\\n\n",
        "FROM node:20\nWORKDIR /app\nCMD [\"node\", \"x.js\"]\nRUN npm ci \\\n# a comment\n",
    ] {
        let p = rewrite(text);
        assert_eq!(p.report.status, Status::Refused, "{text:?}");
        assert!(reason(&p).contains("line continuation"), "{}", reason(&p));
    }
}

#[test]
fn commands_inside_sh_c_and_after_an_entrypoint_are_read_too() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("package.json"),
        r#"{"scripts": {"migrate": "prisma migrate deploy", "start": "node dist/index.js"},
            "dependencies": {"express": "4"}, "devDependencies": {"prisma": "5", "typescript": "5"}}"#,
    )
    .unwrap();
    let ctx = Context::at(dir.path());
    let run = |text: &str| process_bytes(text.as_bytes(), "Dockerfile", &ctx, Options::default());
    // The migration needs prisma, a dev dependency: dev dependencies stay.
    let p = run("FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD [\"sh\", \"-c\", \"npm run migrate && npm start\"]\n");
    assert!(!output(&p).contains("prune"), "{}", output(&p));
    assert!(p
        .report
        .warnings
        .iter()
        .any(|w| w.message.contains("`prisma`")));
    // The same behind an entrypoint script that ends with exec "$@".
    let p = run("FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCOPY entry.sh /usr/local/bin/entry.sh\nENTRYPOINT [\"entry.sh\"]\nCMD [\"npm\", \"run\", \"migrate\"]\n");
    assert!(!output(&p).contains("prune"), "{}", output(&p));
    // dumb-init in front of node: node is what runs.
    let p = run("FROM node:20\nRUN apt-get update && apt-get install -y dumb-init\nWORKDIR /app\nCOPY . .\nRUN npm ci\nENTRYPOINT [\"dumb-init\", \"--\"]\nCMD [\"node\", \"dist/index.js\"]\n");
    assert_eq!(p.report.status, Status::WouldRewrite, "{}", reason(&p));
    assert!(output(&p).contains("RUN npm prune --omit=dev"));
}

/// Found on a real file: `yarn global add` is no project install, and the
/// prune must run where the install ran.
#[test]
fn only_project_installs_are_pruned_and_where_they_ran() {
    let p = rewrite("FROM node:20\nRUN yarn global add phantomjs-prebuilt\nWORKDIR /app\nCOPY . .\nCMD [\"node\", \"x.js\"]\n");
    assert!(
        !output(&p).contains("prune") && !output(&p).contains("--production"),
        "{}",
        output(&p)
    );
    // The global install comes again in the final stage.
    assert!(
        final_stage(&p).contains("RUN yarn global add phantomjs-prebuilt\n"),
        "{}",
        final_stage(&p)
    );
    // Installed in /app, then WORKDIR moves on: the prune comes after the
    // last RUN, and runs in /app.
    let p = rewrite("FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nRUN npm run build\nWORKDIR /app/dist\nRUN node check.js\nCMD [\"node\", \"index.js\"]\n");
    let out = output(&p);
    assert!(
        out.contains("RUN node check.js\nRUN cd /app && npm prune --omit=dev\n"),
        "{out}"
    );
    // Installed outside the application directory: dev dependencies stay, with a warning.
    let p = rewrite("FROM node:20\nWORKDIR /deps\nCOPY package.json .\nRUN npm ci\nWORKDIR /app\nCOPY . .\nCMD [\"node\", \"x.js\"]\n");
    assert!(!output(&p).contains("prune"), "{}", output(&p));
    assert!(p
        .report
        .warnings
        .iter()
        .any(|w| w.message.contains("installed in /deps")));
}

/// The application folder keeps its owner: created owned by the final USER
/// (USER before WORKDIR), or chowned when it belonged to someone else.
#[test]
fn the_application_folder_keeps_its_owner() {
    let p = rewrite("FROM node:20\nRUN mkdir -p /app && chown -R node:node /app\nWORKDIR /app\nCOPY --chown=node:node . .\nUSER node\nRUN npm ci\nCMD [\"node\", \"x.js\"]\n");
    let tail = final_stage(&p);
    assert!(
        // The files keep the owners they had in the builder (COPY --from keeps them).
        tail.contains("USER node\nWORKDIR /app\nCOPY --from=builder /app /app\n"),
        "{tail}"
    );
    let p = rewrite("FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci && chown -R node /app\nCMD [\"node\", \"x.js\"]\n");
    let tail = final_stage(&p);
    assert!(
        tail.contains("COPY --from=builder /app /app\nRUN chown node /app\n"),
        "{tail}"
    );
}

#[test]
fn a_yarn_prune_keeps_the_lock_flags_and_skips_scripts() {
    let p = rewrite_with("FROM node:20\nWORKDIR /app\nCOPY . .\nRUN yarn --pure-lockfile\nRUN yarn build\nCMD [\"node\", \"dist/index.js\"]\n", &[("yarn.lock", "# yarn lockfile v1\n")], None);
    assert!(
        output(&p).contains(
            "RUN yarn build\nRUN yarn install --production --ignore-scripts --pure-lockfile\n"
        ),
        "{}",
        output(&p)
    );
}

/// What RUN steps write outside the application directory comes along with
/// a copy (which keeps content, mode and owner), where it can be told.
#[test]
fn files_runs_write_outside_the_application_are_copied() {
    let p = rewrite("FROM node:20\nRUN mkdir -p /var/log/app && chown node:node /var/log/app\nRUN curl -fsSL https://example.com/tool.tgz | tar xz -C /opt/tool\nWORKDIR /app\nCOPY . .\nRUN npm ci\nRUN cp bin/cli.js /usr/local/bin/app-cli\nCMD [\"node\", \"x.js\"]\n");
    let tail = final_stage(&p);
    for path in ["/var/log/app", "/opt/tool", "/usr/local/bin/app-cli"] {
        assert!(
            tail.contains(&format!("COPY --from=builder {path} {path}\n")),
            "{path}: {tail}"
        );
    }
}

/// Installs hidden in compound commands and wrappers are found; the prune
/// runs in the folder they ran in.
#[test]
fn installs_inside_compound_commands_and_wrappers_are_pruned() {
    for run in [
        "RUN if [ -f package-lock.json ]; then npm ci; else npm install; fi",
        "RUN [ -f package-lock.json ] && npm ci || npm install",
        "RUN sh -c 'npm ci'",
        "RUN set -eux; \\\n    npm ci --no-audit; \\\n    npm cache clean --force",
        "RUN su-exec node npm ci",
    ] {
        let p = rewrite(&format!("FROM node:20\nWORKDIR /app\nCOPY . .\n{run}\nRUN npm run build\nCMD [\"node\", \"dist/index.js\"]\n"));
        assert!(
            output(&p).contains("RUN npm run build\nRUN npm prune --omit=dev\n"),
            "{run}: {}",
            output(&p)
        );
    }
    // `cd` takes the install elsewhere: the prune goes there too.
    let p = rewrite("FROM node:20\nWORKDIR /app\nCOPY . .\nRUN cd web && npm ci && npm run build\nCMD [\"node\", \"web/dist/index.js\"]\n");
    assert!(
        output(&p).contains("npm run build\nRUN cd /app/web && npm prune --omit=dev\n"),
        "{}",
        output(&p)
    );
    // Run in a subshell, the cd does not move the install after it.
    let p = rewrite("FROM node:20\nWORKDIR /app\nCOPY . .\nRUN (cd web && make) && npm ci\nCMD [\"node\", \"x.js\"]\n");
    assert!(
        output(&p).contains("npm ci\nRUN npm prune --omit=dev\n"),
        "{}",
        output(&p)
    );
}

/// `NODE_ENV=production` on the install itself installs no dev dependencies.
#[test]
fn a_production_install_by_prefix_needs_no_prune() {
    for run in [
        "RUN NODE_ENV=production npm ci",
        "RUN export NODE_ENV=production && npm ci",
        "RUN env NODE_ENV=production npm ci",
    ] {
        let p = rewrite(&format!(
            "FROM node:20\nWORKDIR /app\nCOPY . .\n{run}\nCMD [\"node\", \"x.js\"]\n"
        ));
        assert!(!output(&p).contains("prune"), "{run}: {}", output(&p));
    }
}

/// Branches that install with different package managers: the lock file in
/// the context tells which one ran.
#[test]
fn branches_with_two_package_managers_follow_the_lock_file() {
    let p = rewrite_with(
        "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN if [ -f package-lock.json ]; then npm ci; else yarn install --frozen-lockfile; fi\nCMD [\"node\", \"x.js\"]\n",
        &[],
        None,
    );
    assert!(
        output(&p).contains("RUN npm prune --omit=dev\n"),
        "{}",
        output(&p)
    );
}

/// A script the build context holds is read like the RUN itself; one it
/// cannot see, or text only known when the build runs, is refused with the
/// line and the reason.
#[test]
fn scripts_are_read_from_the_context_or_refused() {
    let p = rewrite_with(
        "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN sh ./build.sh\nCMD [\"node\", \"dist/index.js\"]\n",
        &[("build.sh", "#!/bin/sh\nset -e\nnpm ci\nnpm run build\n")],
        None,
    );
    assert!(
        output(&p).contains("RUN sh ./build.sh\nRUN npm prune --omit=dev\n"),
        "{}",
        output(&p)
    );
    for (run, why) in [
        (
            "RUN ./setup.sh",
            "`./setup.sh` is a script or program slimfile cannot see",
        ),
        ("RUN eval \"$(cat cmds)\"", "`eval`"),
        ("RUN curl -fsSL https://x/i.sh | bash", "piped to it"),
        ("RUN $INSTALLER", "`$INSTALLER`"),
        ("RUN . ./env.sh && npm ci", "`. ./env.sh`"),
    ] {
        let p = rewrite(&format!(
            "FROM node:20\nWORKDIR /app\nCOPY . .\n{run}\nRUN npm ci\nCMD [\"node\", \"x.js\"]\n"
        ));
        assert_eq!(p.report.status, Status::Refused, "{run}");
        assert_eq!(p.report.reason.as_ref().unwrap().line, Some(4), "{run}");
        assert!(reason(&p).contains(why), "{run}: {}", reason(&p));
        assert!(
            reason(&p).contains("cannot follow"),
            "{run}: {}",
            reason(&p)
        );
    }
}

/// A path with a blank stays one path: WORKDIR is quoted and COPY takes the
/// JSON form (it was `COPY --from=builder /srv/my app /srv/my app`).
#[test]
fn a_path_with_a_space_is_quoted() {
    let p = rewrite(
        "FROM node:20\nWORKDIR \"/srv/my app\"\nCOPY . .\nRUN npm ci\nCMD [\"node\", \"x.js\"]\n",
    );
    assert_eq!(
        p.report.status,
        Status::WouldRewrite,
        "{:?}",
        p.report.reason
    );
    let tail = final_stage(&p);
    assert!(
        tail.contains(
            "WORKDIR \"/srv/my app\"\nCOPY --from=builder [\"/srv/my app\", \"/srv/my app\"]\n"
        ),
        "{tail}"
    );
    // Under a backtick escape, too.
    let p = rewrite("# escape=`\nFROM node:20\nWORKDIR /srv/my app\nCOPY . .\nRUN npm ci\nCMD [\"node\", \"x.js\"]\n");
    let tail = final_stage(&p);
    assert!(
        tail.contains(
            "WORKDIR \"/srv/my app\"\nCOPY --from=builder [\"/srv/my app\", \"/srv/my app\"]\n"
        ),
        "{tail}"
    );
}

/// Found on real files: rewrites that asked the final stage to copy what the
/// builder never had, or to install an option's value as a package.
#[test]
fn nothing_is_copied_that_the_builder_does_not_have() {
    let build = |run: &str| {
        rewrite(&format!(
            "FROM node:20\n{run}\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD [\"node\", \"x.js\"]\n"
        ))
    };
    // `-O -` writes to the standard output.
    let p = build("RUN wget -q -O - https://dl.example.com/key.pub | apt-key add -");
    assert!(!final_stage(&p).contains("/-"), "{}", final_stage(&p));
    // A download removed in the same RUN.
    let p = build("RUN curl -fsSL -o /opt/tool.tgz https://x/t.tgz && mkdir -p /opt/tool && tar -xzf /opt/tool.tgz -C /opt/tool && rm /opt/tool.tgz");
    let tail = final_stage(&p);
    assert!(
        tail.contains("COPY --from=builder /opt/tool /opt/tool\n"),
        "{tail}"
    );
    assert!(!tail.contains("tool.tgz"), "{tail}");
    // An option's value is no path, and no package.
    let p = build("RUN apk add --no-cache --virtual .gyp python3 make g++ && npm i -g node-gyp && apk del .gyp || true");
    assert!(
        !output(&p).contains("apk add --no-cache .gyp"),
        "{}",
        output(&p)
    );
    let p = build("RUN install -m 755 /dev/null /usr/local/bin/healthcheck");
    assert!(!final_stage(&p).contains("/755"), "{}", final_stage(&p));
    // A pattern is refused rather than copied as a literal path.
    let p = build("RUN mkdir -p /data && cp /etc/*.conf /data/");
    assert_eq!(p.report.status, Status::Refused, "{}", output(&p));
    assert!(reason(&p).contains("pattern"), "{}", reason(&p));
}

/// Found in review: ARG defaults keep their quotes when declared again and
/// lose them when used; a package with a `>` is one word; a COPY to a
/// folder only a variable names is refused, not copied as `$BIN`.
#[test]
fn quotes_and_variables_keep_their_meaning() {
    let p = rewrite("FROM node:20\nARG PORT=\"3000\"\nARG APP=\"/app\"\nWORKDIR $APP\nCOPY . .\nRUN npm ci\nENV PORT=$PORT\nCMD [\"node\", \"x.js\"]\n");
    let tail = final_stage(&p);
    assert!(
        tail.contains("ARG PORT=\"3000\"\nWORKDIR /app\nCOPY --from=builder /app /app\n"),
        "{tail}"
    );
    let p = rewrite("FROM node:20\nRUN apt-get update && apt-get install -y 'libvips>=8'\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD [\"node\", \"x.js\"]\n");
    assert!(
        final_stage(&p).contains("install -y 'libvips>=8' &&"),
        "{}",
        final_stage(&p)
    );
    let p = rewrite("FROM node:20\nARG BIN\nWORKDIR /app\nCOPY tool $BIN/\nRUN npm ci\nCMD [\"node\", \"x.js\"]\n");
    assert_eq!(p.report.status, Status::Refused, "{}", output(&p));
    // A WORKDIR with a quote and the escape character reads back.
    let p = rewrite(
        "FROM node:20\nWORKDIR \"/srv/it's\"\nCOPY . .\nRUN npm ci\nCMD [\"node\", \"x.js\"]\n",
    );
    assert_eq!(
        p.report.status,
        Status::WouldRewrite,
        "{:?}",
        p.report.reason
    );
}

/// Found in review: `--flavor alpine` from a glibc builder ran `apk add` with
/// Debian's package names. They are mapped, or the flavour refused.
#[test]
fn debian_packages_take_their_alpine_names() {
    let p = rewrite_with("FROM node:20\nRUN apt-get update && apt-get install -y libpq5 tini\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD [\"node\", \"x.js\"]\n", &[], Some(Flavor::Alpine));
    assert!(
        final_stage(&p).contains("RUN apk add --no-cache libpq tini\n"),
        "{}",
        final_stage(&p)
    );
    let p = rewrite_with("FROM node:20\nRUN apt-get update && apt-get install -y libjemalloc2\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD [\"node\", \"x.js\"]\n", &[], Some(Flavor::Alpine));
    assert_eq!(p.report.status, Status::Refused);
    assert_eq!(
        p.report.reason.as_ref().unwrap().code,
        slimfile::codes::Code::PackageNotOnAlpine
    );
}

/// Issue 12, case 1: a build step slimfile does not recognise (`tsc` on the
/// PATH, `./node_modules/.bin/x`) still needs dev dependencies: the prune
/// comes after the stage's last RUN, not before `COPY . .`.
#[test]
fn the_prune_comes_after_the_last_run() {
    for build in [
        "RUN tsc -p .",
        "RUN ./node_modules/.bin/webpack",
        "RUN webpack --mode production",
    ] {
        let p = rewrite(&format!("FROM node:20\nWORKDIR /app\nENV PATH=/app/node_modules/.bin:$PATH\nCOPY package*.json ./\nRUN npm ci\nCOPY . .\n{build}\nCMD [\"node\", \"dist/index.js\"]\n"));
        let out = output(&p);
        assert!(
            out.contains(&format!("COPY . .\n{build}\nRUN npm prune --omit=dev\n")),
            "{build}: {out}"
        );
    }
}

/// Issue 12, case 4: distroless knows only root, nonroot and nobody, and has
/// no `node` on its PATH.
#[test]
fn distroless_users_and_node_on_path() {
    let base = "FROM node:22\nWORKDIR /app\nCOPY . .\nRUN npm ci\n";
    let distroless =
        |rest: &str| rewrite_with(&format!("{base}{rest}"), &[], Some(Flavor::Distroless));
    // The image's own user: its numeric id.
    let p = distroless("USER node\nCMD [\"node\", \"x.js\"]\n");
    let tail = final_stage(&p);
    assert!(
        tail.contains("USER 1000:1000\n") && !tail.contains("USER node"),
        "{tail}"
    );
    assert!(p
        .report
        .warnings
        .iter()
        .any(|w| w.code == slimfile::codes::Code::UserAsId));
    // A user nobody knows the id of: refused.
    let p = distroless("USER app\nCMD [\"node\", \"x.js\"]\n");
    assert_eq!(p.report.status, Status::Refused);
    assert_eq!(
        p.report.reason.as_ref().unwrap().code,
        slimfile::codes::Code::UserNotOnImage
    );
    // A numeric USER, or one distroless has, stays as it is.
    let p = distroless("USER 65532\nCMD [\"node\", \"x.js\"]\n");
    assert!(
        final_stage(&p).contains("USER 65532\n"),
        "{}",
        final_stage(&p)
    );
    let p = distroless("USER nonroot\nCMD [\"node\", \"x.js\"]\n");
    assert!(
        final_stage(&p).contains("USER nonroot\n"),
        "{}",
        final_stage(&p)
    );
    // On slim the name stays.
    let p = rewrite(&format!("{base}USER node\nCMD [\"node\", \"x.js\"]\n"));
    assert!(
        final_stage(&p).contains("USER node\n"),
        "{}",
        final_stage(&p)
    );
    // A HEALTHCHECK that runs `node`: not on distroless's PATH.
    let p = distroless("HEALTHCHECK CMD [\"node\", \"hc.js\"]\nCMD [\"node\", \"x.js\"]\n");
    assert_eq!(p.report.status, Status::Refused, "{}", output(&p));
    assert_eq!(
        p.report.reason.as_ref().unwrap().code,
        slimfile::codes::Code::HealthcheckToolMissing
    );
}

/// Issue 12, case 7: the prune repeats the install's mounts (registry
/// credentials in a secret, a cache), since it may install again.
#[test]
fn the_prune_repeats_the_install_s_mounts() {
    let p = rewrite_with("FROM node:20\nWORKDIR /app\nCOPY . .\nRUN --mount=type=secret,id=npmrc,target=/root/.npmrc --mount=type=cache,target=/usr/local/share/.cache yarn install --frozen-lockfile\nRUN yarn build\nCMD [\"node\", \"dist/index.js\"]\n", &[("yarn.lock", "# yarn lockfile v1\n")], None);
    assert!(
        output(&p).contains("RUN yarn build\nRUN --mount=type=secret,id=npmrc,target=/root/.npmrc --mount=type=cache,target=/usr/local/share/.cache yarn install --production --ignore-scripts --frozen-lockfile\n"),
        "{}",
        output(&p)
    );
}

/// Issue 12, case 6: the prune runs in every folder an install with dev
/// dependencies ran in, and only there: `--prefix`, `cd`, a heredoc.
#[test]
fn the_prune_runs_where_each_install_ran() {
    let p = rewrite("FROM node:20\nWORKDIR /app\nCOPY . .\nRUN cd client && npm ci && npm run build\nRUN cd server && npm ci --omit=dev\nCMD [\"node\", \"server/index.js\"]\n");
    let out = output(&p);
    assert!(
        out.contains("\nRUN cd /app/client && npm prune --omit=dev\n"),
        "{out}"
    );
    assert!(!out.contains("cd /app/server && npm prune"), "{out}");
    let p = rewrite("FROM node:20\nWORKDIR /srv\nCOPY . .\nRUN npm ci --prefix app && npm run build --prefix app\nCMD [\"node\", \"app/index.js\"]\n");
    assert!(
        output(&p).contains("\nRUN cd /srv/app && npm prune --omit=dev\n"),
        "{}",
        output(&p)
    );
    let p = rewrite("FROM node:20\nWORKDIR /app\nCOPY . .\nRUN cd a && npm ci\nRUN cd b && npm ci\nCMD [\"node\", \"a/index.js\"]\n");
    let out = output(&p);
    assert!(
        out.contains("RUN cd b && npm ci\nRUN cd /app/a && npm prune --omit=dev\nRUN cd /app/b && npm prune --omit=dev\n"),
        "{out}"
    );
    let p = rewrite("FROM node:20\nWORKDIR /app\nCOPY . .\nRUN <<EOF\nset -e\nnpm ci\nnpm run build\nEOF\nCMD [\"node\", \"x.js\"]\n");
    assert!(
        output(&p).contains("EOF\nRUN npm prune --omit=dev\n"),
        "{}",
        output(&p)
    );
}

/// Issue 12, case 3: on alpine from a glibc builder, a program the command
/// names by its Debian path runs from alpine's.
#[test]
fn alpine_programs_take_their_alpine_paths() {
    let p = rewrite_with("FROM node:20\nRUN apt-get update && apt-get install -y tini\nWORKDIR /app\nCOPY . .\nRUN npm ci\nENTRYPOINT [\"/usr/bin/tini\", \"--\"]\nCMD [\"node\", \"x.js\"]\n", &[], Some(Flavor::Alpine));
    let tail = final_stage(&p);
    assert!(tail.contains("RUN apk add --no-cache tini\n"), "{tail}");
    assert!(
        tail.contains("ENTRYPOINT [\"/sbin/tini\", \"--\"]\n"),
        "{tail}"
    );
    // On slim the path stays.
    let p = rewrite("FROM node:20\nRUN apt-get update && apt-get install -y tini\nWORKDIR /app\nCOPY . .\nRUN npm ci\nENTRYPOINT [\"/usr/bin/tini\", \"--\"]\nCMD [\"node\", \"x.js\"]\n");
    assert!(
        final_stage(&p).contains("ENTRYPOINT [\"/usr/bin/tini\", \"--\"]\n"),
        "{}",
        final_stage(&p)
    );
}

/// A package run through `npx`, `npm exec` or loaded by `node -r` is a
/// program the start needs; `yarn dlx` downloads one at every start.
#[test]
fn packages_run_through_a_runner_are_programs_the_start_needs() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("package.json"),
        r#"{"dependencies": {"express": "4"},
            "devDependencies": {"prisma": "5", "ts-node": "10", "@scope/tool": "1"}}"#,
    )
    .unwrap();
    let ctx = Context::at(dir.path());
    let run = |cmd: &str| {
        let text = format!("FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD {cmd}\n");
        process_bytes(text.as_bytes(), "Dockerfile", &ctx, Options::default())
    };
    for cmd in [
        r#"["sh", "-c", "npx prisma@5 migrate deploy && node dist/index.js"]"#,
        r#"["sh", "-c", "npm exec -- prisma migrate deploy && node dist/index.js"]"#,
        r#"["node", "-r", "ts-node/register", "src/index.ts"]"#,
        r#"["node", "--require=@scope/tool/hook", "dist/index.js"]"#,
    ] {
        let p = run(cmd);
        assert_eq!(
            p.report.status,
            Status::WouldRewrite,
            "{cmd}: {}",
            reason(&p)
        );
        assert!(!output(&p).contains("prune"), "{cmd}: {}", output(&p));
        assert!(
            p.report
                .warnings
                .iter()
                .any(|w| w.code.as_str() == "dev-dependencies-kept"),
            "{cmd}: {:?}",
            p.report.warnings
        );
    }
    // The same inside the start script.
    fs::write(
        dir.path().join("package.json"),
        r#"{"scripts": {"start": "npx prisma migrate deploy && node dist/index.js"},
            "dependencies": {"express": "4"}, "devDependencies": {"prisma": "5"}}"#,
    )
    .unwrap();
    let p = run(r#"["npm", "start"]"#);
    assert_eq!(p.report.status, Status::WouldRewrite, "{}", reason(&p));
    assert!(!output(&p).contains("prune"), "{}", output(&p));
    // A relative preload is the application's own file: the prune stays.
    let p = run(r#"["node", "-r", "./tracing.js", "dist/index.js"]"#);
    assert!(
        output(&p).contains("RUN npm prune --omit=dev"),
        "{}",
        output(&p)
    );
    let p = run(r#"["yarn", "dlx", "serve", "dist"]"#);
    assert_eq!(p.report.status, Status::Refused);
    assert!(reason(&p).contains("network"), "{}", reason(&p));
}

/// `npx X` for an X that nothing installed downloads X at every start.
#[test]
fn npx_of_a_package_nothing_installed_is_refused() {
    let p = rewrite(
        "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD [\"npx\", \"serve\", \"dist\"]\n",
    );
    assert_eq!(p.report.status, Status::Refused);
    assert_eq!(
        p.report.reason.as_ref().unwrap().code.as_str(),
        "network-at-start"
    );
    // Installed globally in the builder: reinstalled, and run from there.
    let p = rewrite(
        "FROM node:20\nRUN npm install -g serve@14\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD [\"npx\", \"serve\", \"dist\"]\n",
    );
    assert_eq!(p.report.status, Status::WouldRewrite, "{}", reason(&p));
    assert!(
        final_stage(&p).contains("npm install -g serve@14"),
        "{}",
        final_stage(&p)
    );
}

/// Runs a Dockerfile against a yarn berry project (node-modules linker)
/// pinned to `pinned`, whose `start` script is `start`.
fn berry_project(pinned: &str, start: &str, dockerfile: &str) -> Processed {
    let manifest = format!(
        r#"{{"packageManager": "{pinned}",
            "scripts": {{"build": "tsc", "start": "{start}"}},
            "dependencies": {{"express": "4"}}, "devDependencies": {{"typescript": "5"}}}}"#
    );
    rewrite_in(
        &[
            ("package.json", &manifest),
            (".yarnrc.yml", "nodeLinker: node-modules\n"),
            ("yarn.lock", "__metadata:\n  version: 8\n"),
        ],
        dockerfile,
    )
}

/// Yarn berry runs through corepack; the final stage's yarn is yarn 1,
/// which refuses a berry project. The start resolves to its `node …`.
#[test]
fn yarn_berry_starts_with_node_or_is_refused() {
    let berry = |start: &str| {
        berry_project(
            "yarn@4.5.3",
            start,
            "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN corepack enable && yarn install --immutable\nRUN yarn build\nCMD [\"yarn\", \"start\"]\n",
        )
    };
    let p = berry("node dist/index.js");
    assert_eq!(p.report.status, Status::WouldRewrite, "{}", reason(&p));
    assert!(
        final_stage(&p).contains("CMD [\"node\", \"dist/index.js\"]"),
        "{}",
        final_stage(&p)
    );
    assert!(!final_stage(&p).contains("yarn"), "{}", final_stage(&p));
    // Not a plain node command: yarn 4.5.3 (packageManager) is activated
    // again through corepack, which node:20 bundles.
    let p = berry("node dist/migrate.js && node dist/index.js");
    assert!(
        final_stage(&p).contains("RUN corepack enable && corepack prepare yarn@4.5.3 --activate\n"),
        "{}",
        final_stage(&p)
    );
    assert!(
        final_stage(&p).contains("CMD [\"yarn\", \"start\"]"),
        "{}",
        final_stage(&p)
    );
}

/// Berry's default linker, Plug'n'Play, writes no `node_modules`: plain
/// `node` cannot find the dependencies without yarn's loader.
#[test]
fn yarn_berry_with_plug_n_play_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("package.json"),
        r#"{"packageManager": "yarn@4.5.3", "scripts": {"start": "node dist/index.js"},
            "dependencies": {"express": "4"}}"#,
    )
    .unwrap();
    fs::write(dir.path().join("yarn.lock"), "__metadata:\n  version: 8\n").unwrap();
    let text = "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN corepack enable && yarn install --immutable\nCMD [\"yarn\", \"start\"]\n";
    let p = process_bytes(
        text.as_bytes(),
        "Dockerfile",
        &Context::at(dir.path()),
        Options::default(),
    );
    assert_eq!(p.report.status, Status::Refused);
    assert!(reason(&p).contains("Plug'n'Play"), "{}", reason(&p));
}

/// `npm ci --workspace api` is an install; its prune names the workspace,
/// since a prune of the whole tree installs the other workspaces' packages.
#[test]
fn an_npm_workspace_install_is_pruned_in_that_workspace() {
    let p = rewrite(
        "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci --workspace api\nRUN npm run build -w api\nCMD [\"node\", \"packages/api/dist/index.js\"]\n",
    );
    assert!(
        output(&p).contains("RUN npm run build -w api\nRUN npm prune --omit=dev --workspace api\n"),
        "{}",
        output(&p)
    );
    // Two workspaces, two prunes; `-w=web` is the same option.
    let p = rewrite(
        "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci -w api && npm ci --workspace=web\nCMD [\"node\", \"packages/api/dist/index.js\"]\n",
    );
    let out = output(&p);
    assert!(
        out.contains("RUN npm prune --omit=dev --workspace api\n"),
        "{out}"
    );
    assert!(
        out.contains("RUN npm prune --omit=dev --workspace web\n"),
        "{out}"
    );
}

/// yarn 4 has `workspaces focus` built in: the berry project's dev
/// dependencies are dropped with it; a berry before 4 (or none pinned) keeps
/// them, with the warning.
#[test]
fn yarn_4_prunes_with_workspaces_focus() {
    let berry = |pinned: &str| {
        berry_project(
            pinned,
            "node dist/index.js",
            "FROM node:22\nWORKDIR /app\nRUN corepack enable\nCOPY . .\nRUN yarn install --immutable\nRUN yarn build\nCMD [\"node\", \"dist/index.js\"]\n",
        )
    };
    let p = berry("yarn@4.5.3");
    assert!(
        output(&p).contains("RUN yarn build\nRUN yarn workspaces focus --all --production\n"),
        "{}",
        output(&p)
    );
    assert!(!p
        .report
        .warnings
        .iter()
        .any(|w| w.code == slimfile::codes::Code::DevDependenciesKept));
    // A postinstall (husky) runs during focus, without its dev dependency.
    let text = "FROM node:22\nWORKDIR /app\nRUN corepack enable\nCOPY . .\nRUN yarn install --immutable\nRUN yarn build\nCMD [\"node\", \"dist/index.js\"]\n";
    let p = rewrite_in(
        &[
            (
                "package.json",
                r#"{"packageManager": "yarn@4.5.3",
            "scripts": {"build": "tsc", "postinstall": "husky"},
            "dependencies": {"express": "4"}, "devDependencies": {"husky": "9", "typescript": "5"}}"#,
            ),
            (".yarnrc.yml", "nodeLinker: node-modules\n"),
        ],
        text,
    );
    assert!(!output(&p).contains("workspaces focus"), "{}", output(&p));
    assert!(
        p.report
            .warnings
            .iter()
            .any(|w| w.message.contains("postinstall")),
        "{:?}",
        p.report.warnings
    );
    let p = berry("yarn@3.6.4");
    assert!(!output(&p).contains("workspaces focus"), "{}", output(&p));
    assert!(p
        .report
        .warnings
        .iter()
        .any(|w| w.code == slimfile::codes::Code::DevDependenciesKept));
}

/// The utilities of the runtime image's operating system (coreutils on
/// Debian slim, busybox on alpine) are there for a start command: `rm`,
/// `mkdir`, `cp` in `sh -c` are not unknown programs. distroless has none.
#[test]
fn base_utilities_in_the_start_command_are_on_slim_and_alpine() {
    let base = "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci && npm run build\n";
    let cmd = "CMD sh -c \"rm -rf /tmp/cache; mkdir -p logs; cp -r static public; exec node dist/index.js\"\n";
    let p = rewrite(&format!("{base}{cmd}"));
    assert_eq!(p.report.status, Status::WouldRewrite, "{}", reason(&p));
    assert!(final_stage(&p).ends_with(cmd), "{}", final_stage(&p));
    let p = rewrite_with(&format!("{base}{cmd}"), &[], Some(Flavor::Alpine));
    assert_eq!(p.report.status, Status::WouldRewrite, "{}", reason(&p));
    // A program neither image has is still refused.
    let p = rewrite(&format!(
        "{base}CMD sh -c \"gosu node node dist/index.js\"\n"
    ));
    assert_eq!(p.report.status, Status::Refused);
    assert!(reason(&p).contains("gosu"), "{}", reason(&p));
}

/// A health check that runs a script of the app's: the script comes with
/// the application directory; what it needs is its interpreter and what it
/// runs. One slimfile cannot see is refused.
#[test]
fn a_healthcheck_script_of_the_app_is_judged_by_what_it_runs() {
    let base = "FROM node:22\nWORKDIR /app\nCOPY . .\nRUN npm ci && npm run build\n";
    let with = |hc: &str, script: &str, flavor| {
        rewrite_with(
            &format!("{base}{hc}CMD [\"node\", \"dist/index.js\"]\n"),
            &[("healthcheck.sh", script)],
            flavor,
        )
    };
    // A shell script that runs curl: curl is installed on slim.
    let sh_curl = "#!/bin/sh\ncurl -fsS http://localhost:3000/health || exit 1\n";
    let p = with("HEALTHCHECK CMD ./healthcheck.sh\n", sh_curl, None);
    assert_eq!(p.report.status, Status::WouldRewrite, "{}", reason(&p));
    assert!(
        final_stage(&p).contains("apt-get install -y --no-install-recommends curl"),
        "{}",
        final_stage(&p)
    );
    // By its absolute path in the application directory, on alpine: busybox
    // has nc.
    let sh_nc = "#!/bin/sh\nnc -z localhost 3000\n";
    let p = with(
        "HEALTHCHECK CMD [\"/app/healthcheck.sh\"]\n",
        sh_nc,
        Some(Flavor::Alpine),
    );
    assert_eq!(p.report.status, Status::WouldRewrite, "{}", reason(&p));
    assert!(!final_stage(&p).contains("apk add"), "{}", final_stage(&p));
    // A shell script on distroless, which has no /bin/sh: refused.
    let p = with(
        "HEALTHCHECK CMD [\"./healthcheck.sh\"]\n",
        sh_nc,
        Some(Flavor::Distroless),
    );
    assert_eq!(p.report.status, Status::Refused, "{}", output(&p));
    assert!(reason(&p).contains("`/bin/sh`"), "{}", reason(&p));
    // `#!/usr/bin/env node` needs /usr/bin/env: slim has it.
    let node_script = "#!/usr/bin/env node\nrequire('http').get('http://localhost:3000');\n";
    let p = with(
        "HEALTHCHECK CMD [\"./healthcheck.sh\"]\n",
        node_script,
        None,
    );
    assert_eq!(p.report.status, Status::WouldRewrite, "{}", reason(&p));
    // A file the build context does not hold: refused, saying so.
    let p = rewrite(&format!(
        "{base}HEALTHCHECK CMD ./missing.sh\nCMD [\"node\", \"dist/index.js\"]\n"
    ));
    assert_eq!(p.report.status, Status::Refused);
    assert!(reason(&p).contains("cannot find"), "{}", reason(&p));
}

/// `nc` in a health check: busybox has it on alpine; on slim, Debian's
/// netcat-openbsd is installed.
#[test]
fn nc_in_a_healthcheck_is_on_alpine() {
    let p = rewrite(
        "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci && npm run build\nHEALTHCHECK CMD nc -z localhost 3000 || exit 1\nCMD [\"node\", \"dist/index.js\"]\n",
    );
    assert!(
        final_stage(&p).contains("apt-get install -y --no-install-recommends netcat-openbsd"),
        "{}",
        final_stage(&p)
    );
    let p = rewrite(
        "FROM node:20-alpine\nWORKDIR /app\nCOPY . .\nRUN npm ci && npm run build\nHEALTHCHECK CMD nc -z localhost 3000 || exit 1\nCMD [\"node\", \"dist/index.js\"]\n",
    );
    assert_eq!(p.report.status, Status::WouldRewrite, "{}", reason(&p));
    assert!(
        final_stage(&p).contains("HEALTHCHECK CMD nc -z localhost 3000 || exit 1\n"),
        "{}",
        final_stage(&p)
    );
}

/// A global install only the build uses is not made again; one the start
/// command runs is.
#[test]
fn a_global_only_the_build_uses_is_not_installed_again() {
    let p = rewrite(
        "FROM node:20\nRUN npm install -g typescript\nWORKDIR /app\nCOPY . .\nRUN npm ci && tsc\nCMD [\"node\", \"dist/index.js\"]\n",
    );
    assert!(
        !final_stage(&p).contains("npm install -g"),
        "{}",
        final_stage(&p)
    );
    let w = p
        .report
        .warnings
        .iter()
        .find(|w| w.code == slimfile::codes::Code::GlobalOnlyForBuild)
        .expect("a warning says the global is left out");
    assert_eq!(w.line, Some(2));
    // Without it, distroless is possible.
    let p = rewrite_with(
        "FROM node:22\nRUN npm install -g typescript\nWORKDIR /app\nCOPY . .\nRUN npm ci && tsc\nCMD [\"node\", \"dist/index.js\"]\n",
        &[],
        Some(Flavor::Distroless),
    );
    assert_eq!(p.report.status, Status::WouldRewrite, "{}", reason(&p));
    // The start command runs it: installed again.
    let p = rewrite(
        "FROM node:20\nRUN npm install -g pm2@5.4.2\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD [\"pm2-runtime\", \"dist/index.js\"]\n",
    );
    assert!(
        final_stage(&p).contains("RUN npm install -g pm2@5.4.2\n"),
        "{}",
        final_stage(&p)
    );
    // NODE_PATH lets node load global packages: kept.
    let p = rewrite(
        "FROM node:20\nRUN npm install -g sharp\nENV NODE_PATH=/usr/local/lib/node_modules\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD [\"node\", \"dist/index.js\"]\n",
    );
    assert!(
        final_stage(&p).contains("RUN npm install -g sharp\n"),
        "{}",
        final_stage(&p)
    );
}

/// A tag from an ARG whose default names alpine or slim: the runtime is that
/// same image, `FROM node:${V}` again; another flavour, or a Debian
/// codename, is refused.
#[test]
fn an_arg_tag_naming_a_lean_variant_is_repeated() {
    let text = |default: &str| {
        format!("ARG NODE_VERSION={default}\nFROM node:${{NODE_VERSION}}\nWORKDIR /app\nCOPY . .\nRUN npm ci && npm run build\nCMD [\"node\", \"dist/index.js\"]\n")
    };
    let p = rewrite(&text("16.3.0-alpine"));
    assert_eq!(p.report.status, Status::WouldRewrite, "{}", reason(&p));
    assert!(
        final_stage(&p).contains("FROM node:${NODE_VERSION}\n"),
        "{}",
        final_stage(&p)
    );
    let p = rewrite(&text("20-bookworm-slim"));
    assert!(
        final_stage(&p).contains("FROM node:${NODE_VERSION}\n"),
        "{}",
        final_stage(&p)
    );
    let p = rewrite_with(&text("16.3.0-alpine"), &[], Some(Flavor::Slim));
    assert_eq!(p.report.status, Status::Refused);
    assert!(reason(&p).contains("--flavor alpine"), "{}", reason(&p));
    let p = rewrite(&text("20-bookworm"));
    assert_eq!(p.report.status, Status::Refused);
    assert!(reason(&p).contains("Debian variant"), "{}", reason(&p));
}

/// Issue 12, case 3: from a glibc builder to alpine, a program run by its
/// Debian path goes to its alpine path where the template maps it, and the
/// flavour is refused where it does not.
#[test]
fn a_debian_program_path_without_an_alpine_path_is_refused() {
    let text = |package: &str, entry: &str| {
        format!("FROM node:20\nRUN apt-get update && apt-get install -y {package}\nWORKDIR /app\nCOPY . .\nRUN npm ci\nENTRYPOINT [\"/usr/bin/{entry}\", \"--\"]\nCMD [\"node\", \"x.js\"]\n")
    };
    let p = rewrite_with(&text("tini", "tini"), &[], Some(Flavor::Alpine));
    assert!(
        final_stage(&p).contains("ENTRYPOINT [\"/sbin/tini\", \"--\"]"),
        "{}",
        final_stage(&p)
    );
    // In shell form the path is not rewritten: refused.
    let shell = "FROM node:20\nRUN apt-get update && apt-get install -y tini\nWORKDIR /app\nCOPY . .\nRUN npm ci\nENTRYPOINT /usr/bin/tini -- node x.js\n";
    let p = rewrite_with(shell, &[], Some(Flavor::Alpine));
    assert_eq!(p.report.status, Status::Refused, "{}", output(&p));
    assert!(reason(&p).contains("shell form"), "{}", reason(&p));
    // bash has an alpine package, but alpine puts it in /bin, not /usr/bin.
    let p = rewrite_with(&text("bash", "bash"), &[], Some(Flavor::Alpine));
    assert_eq!(p.report.status, Status::Refused, "{}", output(&p));
    assert_eq!(
        p.report.reason.as_ref().unwrap().code,
        slimfile::codes::Code::ProgramPathOnAlpine
    );
}

/// No WORKDIR: the final stage replays the original's context copies and
/// copies from the builder what its RUN steps wrote, by path: the install's
/// node_modules, the build's output as tsconfig.json names it, `.next` for
/// `next build`, a file a step changed; a step whose output slimfile cannot
/// name is refused, with its line.
#[test]
fn without_a_workdir_the_copies_are_replayed_and_outputs_copied_by_path() {
    let tsconfig = r#"{
  // the build
  "compilerOptions": { "outDir": "out/server", "strict": true }
}"#;
    let p = rewrite_with(
        "FROM node:20\nCOPY package.json package-lock.json tsconfig.json /\nRUN npm ci\nCOPY src /src\nRUN npm run build && sed -i 's/dev/prod/' /tsconfig.json\nCMD [\"node\", \"out/server/index.js\"]\n",
        &[("tsconfig.json", tsconfig)],
        None,
    );
    assert_eq!(p.report.status, Status::WouldRewrite, "{}", reason(&p));
    let tail = final_stage(&p);
    assert!(
        tail.contains("FROM node:20-slim\nCOPY package.json package-lock.json tsconfig.json /\nCOPY src /src\nCOPY --from=builder /node_modules /node_modules\nCOPY --from=builder /out/server /out/server\n"),
        "{tail}"
    );
    assert!(
        tail.contains("COPY --from=builder /tsconfig.json /tsconfig.json\n"),
        "{tail}"
    );
    assert!(!tail.contains("WORKDIR"), "{tail}");
    // A project copied to its own folder: that folder is the application
    // directory, copied whole; no WORKDIR is added.
    let p = rewrite_with(
        "FROM node:20\nCOPY . /web\nRUN cd /web && npm ci && npx next build\nCMD [\"node\", \"/web/server.js\"]\n",
        &[],
        None,
    );
    assert!(
        final_stage(&p).ends_with("FROM node:20-slim\nCOPY --from=builder /web /web\nCMD [\"node\", \"/web/server.js\"]\n"),
        "{}",
        final_stage(&p)
    );
    // Copies made under an earlier WORKDIR, then `WORKDIR /`: the project
    // folder is where they went.
    let p = rewrite("FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci && npm run build\nWORKDIR /\nCMD [\"node\", \"/app/dist/index.js\"]\n");
    assert!(
        final_stage(&p).contains("WORKDIR /\nCOPY --from=builder /app /app\n"),
        "{}",
        final_stage(&p)
    );
    // In `/` itself: `next build` writes .next there.
    let p =
        rewrite("FROM node:20\nCOPY . .\nRUN npm ci && npx next build\nCMD [\"npm\", \"start\"]\n");
    assert!(
        final_stage(&p).contains("COPY --from=builder /.next /.next\n"),
        "{}",
        final_stage(&p)
    );
    // A copy from an image comes from the builder; the option's value is not
    // the start file.
    let p = rewrite_with(
        "FROM node:20\nCOPY --from=mwader/static-ffmpeg:7.1 /ffmpeg /usr/local/bin/ffmpeg\nCOPY . .\nRUN npm ci\nCMD [\"node\", \"-r\", \"dotenv/config\", \"index.js\"]\n",
        &[(
            "package.json",
            r#"{"name": "app", "dependencies": {"dotenv": "^16.4.5"}}"#,
        )],
        None,
    );
    let tail = final_stage(&p);
    assert!(
        tail.contains("COPY --from=builder /usr/local/bin/ffmpeg /usr/local/bin/ffmpeg\n"),
        "{tail}"
    );
    assert!(!tail.contains("/dotenv"), "{tail}");
    // What replaying cannot do: an ENV in a copy, a removal it would undo.
    for (text, words) in [
        ("FROM node:20\nENV HOME_DIR=/\nCOPY . $HOME_DIR\nRUN npm ci\nCMD [\"node\", \"index.js\"]\n", "ENV"),
        ("FROM node:20\nCOPY . .\nRUN npm ci && rm -f .env\nCMD [\"node\", \"index.js\"]\n", "removes .env"),
    ] {
        let p = rewrite(text);
        assert_eq!(p.report.status, Status::Refused, "{text}");
        assert!(reason(&p).contains(words), "{}", reason(&p));
    }
    // A script whose output slimfile cannot name.
    let p = rewrite("FROM node:20\nCOPY . .\nRUN npm ci\nRUN node scripts/generate.js\nCMD [\"node\", \"index.js\"]\n");
    assert_eq!(p.report.status, Status::Refused);
    let r = p.report.reason.as_ref().unwrap();
    assert_eq!(r.code, slimfile::codes::Code::NoWorkdir);
    assert_eq!(r.line, Some(4));
    assert!(
        r.message.contains("node scripts/generate.js"),
        "{}",
        r.message
    );
}

/// Issue 12, case 1: the prune runs as the user who ran the install. After
/// a later `USER node`, a root-owned node_modules cannot be pruned by node:
/// the prune goes before the switch where the later steps run only the
/// image's utilities, runs last where `chown -R` handed the files over, and
/// is left out (with the warning) where a later step may use dev dependencies.
#[test]
fn the_prune_runs_as_the_install_s_user() {
    let p = rewrite("FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci && npm run build\nUSER node\nRUN mkdir -p /tmp/cache\nCMD [\"node\", \"dist/index.js\"]\n");
    assert!(
        output(&p).contains("RUN npm ci && npm run build\nRUN npm prune --omit=dev\nUSER node\n"),
        "{}",
        output(&p)
    );
    let p = rewrite("FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci && chown -R node:node /app\nUSER node\nRUN npm run build\nCMD [\"node\", \"dist/index.js\"]\n");
    assert!(
        output(&p).contains("RUN npm run build\nRUN npm prune --omit=dev\n"),
        "{}",
        output(&p)
    );
    let p = rewrite("FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nUSER node\nRUN npm run build\nCMD [\"node\", \"dist/index.js\"]\n");
    assert!(!output(&p).contains("prune"), "{}", output(&p));
    let w = p
        .report
        .warnings
        .iter()
        .find(|w| w.code == slimfile::codes::Code::DevDependenciesKept)
        .expect("a warning says why dev dependencies stay");
    assert_eq!(w.line, Some(4));
}

/// Issue 12, case 6: a pnpm install filtered to some workspace projects
/// cannot be pruned (`pnpm prune` takes no filter and reinstalls the whole
/// workspace): dev dependencies stay, and the warning and --explain say so.
#[test]
fn a_filtered_pnpm_install_keeps_dev_dependencies_and_says_so() {
    for install in [
        "pnpm install --frozen-lockfile --filter api...",
        "pnpm --filter api install --frozen-lockfile",
        "pnpm install -F api",
    ] {
        let p = rewrite_with(
            &format!("FROM node:20\nRUN npm i -g pnpm@9.15.0\nWORKDIR /app\nCOPY . .\nRUN {install}\nRUN pnpm --filter api build\nCMD [\"node\", \"packages/api/dist/index.js\"]\n"),
            &[("pnpm-lock.yaml", "lockfileVersion: '9.0'\n")],
            None,
        );
        assert!(!output(&p).contains("prune"), "{install}: {}", output(&p));
        let w = p
            .report
            .warnings
            .iter()
            .find(|w| w.code == slimfile::codes::Code::DevDependenciesKept)
            .unwrap_or_else(|| panic!("{install}: no warning"));
        assert_eq!(w.line, Some(5));
    }
}

/// A health-check script put on PATH by a copy (`HEALTHCHECK CMD
/// healthcheck`), or in a folder copied outside the application, is read
/// like one of the app's; an interpreter given by its path is node's own.
#[test]
fn health_check_scripts_copied_anywhere_are_read() {
    let curl = "#!/bin/sh\ncurl -fsS http://localhost:3000/health || exit 1\n";
    let base = "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n";
    let p = rewrite_with(
        &format!("{base}COPY health.sh /usr/local/bin/healthcheck\nHEALTHCHECK CMD healthcheck\nCMD [\"node\", \"index.js\"]\n"),
        &[("health.sh", curl)],
        None,
    );
    assert!(
        final_stage(&p).contains("apt-get install -y --no-install-recommends curl"),
        "{}",
        final_stage(&p)
    );
    let node_check = "#!/usr/local/bin/node\nrequire('http').get('http://localhost:3000');\n";
    for hc in ["/opt/scripts/health.sh", "/opt/scripts/check.js"] {
        let text = format!("{base}COPY scripts/ /opt/scripts/\nHEALTHCHECK CMD [\"{hc}\"]\nCMD [\"node\", \"index.js\"]\n");
        let p = rewrite_in(
            &[
                ("package.json", PACKAGE_JSON),
                ("scripts/health.sh", curl),
                ("scripts/check.js", node_check),
            ],
            &text,
        );
        assert_eq!(
            p.report.status,
            Status::WouldRewrite,
            "{hc}: {}",
            reason(&p)
        );
    }
}

/// A system package installed from a file cannot be installed again by name
/// in the final stage: refused, naming the command.
#[test]
fn a_system_package_from_a_file_is_refused() {
    for install in [
        "dpkg -i /tmp/agent.deb",
        "apt-get install -y /tmp/agent.deb",
    ] {
        let p = rewrite(&format!("FROM node:20\nCOPY agent.deb /tmp/\nRUN {install}\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD [\"node\", \"x.js\"]\n"));
        assert_eq!(p.report.status, Status::Refused, "{install}");
        let r = p.report.reason.as_ref().unwrap();
        assert_eq!(r.code, slimfile::codes::Code::LocalPackageFile);
        assert_eq!(r.line, Some(3));
    }
}

/// Found on real files: what the start command needs hides in a tool's peer
/// (ts-node compiles with typescript; `next start` loads next.config.ts with
/// it), in an entrypoint script copied from the context, and in `pre` hooks
/// that run other scripts; a dev server run by its tool is refused.
#[test]
fn start_needs_found_in_peers_entrypoint_scripts_and_hooks() {
    let kept = |p: &Processed| {
        p.report.status == Status::WouldRewrite
            && !output(p).contains("prune")
            && p.report
                .warnings
                .iter()
                .any(|w| w.code == slimfile::codes::Code::DevDependenciesKept)
    };
    let npm = "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci && npm run build\nCMD [\"npm\", \"start\"]\n";
    let p = rewrite_with(
        npm,
        &[(
            "package.json",
            r#"{"scripts": {"build": "true", "start": "ts-node src/index.ts"}, "dependencies": {"ts-node": "10"}, "devDependencies": {"typescript": "5"}}"#,
        )],
        None,
    );
    assert!(kept(&p), "{:?}", p.report);
    let p = rewrite_with(
        npm,
        &[
            (
                "package.json",
                r#"{"scripts": {"build": "next build", "start": "next start"}, "dependencies": {"next": "15"}, "devDependencies": {"typescript": "5"}}"#,
            ),
            ("next.config.ts", "export default {};\n"),
        ],
        None,
    );
    assert!(kept(&p), "{:?}", p.report);
    // The entrypoint script runs `npx prisma`, a dev dependency.
    let entry = "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci && npm run build\nENTRYPOINT [\"./entrypoint.sh\"]\nCMD [\"node\", \"dist/index.js\"]\n";
    let manifest = r#"{"scripts": {"build": "tsc", "dev": "nodemon"}, "dependencies": {"express": "4"}, "devDependencies": {"typescript": "5", "prisma": "5"}}"#;
    let p = rewrite_with(
        entry,
        &[
            ("package.json", manifest),
            (
                "entrypoint.sh",
                "#!/bin/sh\nset -e\nnpx prisma migrate deploy\nexec \"$@\"\n",
            ),
        ],
        None,
    );
    assert!(kept(&p), "{:?}", p.report);
    let p = rewrite_with(
        entry,
        &[
            ("package.json", manifest),
            ("entrypoint.sh", "#!/bin/sh\nnpm run dev\n"),
        ],
        None,
    );
    assert_eq!(
        p.report.reason.as_ref().map(|r| r.code),
        Some(slimfile::codes::Code::DevServer)
    );
    // A prestart hook that installs at every start; a dev server by its tool.
    for (manifest, code) in [
        (
            r#"{"scripts": {"build": "tsc", "prestart": "npm install && npm run build", "start": "node dist/index.js"}, "devDependencies": {"typescript": "5"}}"#,
            slimfile::codes::Code::NetworkAtStart,
        ),
        (
            r#"{"scripts": {"build": "true", "start": "react-scripts start"}, "dependencies": {"react-scripts": "5"}}"#,
            slimfile::codes::Code::DevServer,
        ),
    ] {
        let p = rewrite_with(npm, &[("package.json", manifest)], None);
        assert_eq!(
            p.report.reason.as_ref().map(|r| r.code),
            Some(code),
            "{manifest}"
        );
    }
}

/// puppeteer downloads its browser into ~/.cache/puppeteer, outside the
/// application: refused unless a variable moves or skips the download; a
/// project with no dependencies and no WORKDIR copies no node_modules; a pnpm
/// workspace root is not pruned (pnpm prune leaves it as it is).
#[test]
fn downloads_outside_the_app_no_dependencies_and_pnpm_workspaces() {
    let text = |env: &str| {
        format!("FROM node:20\nWORKDIR /app\n{env}COPY . .\nRUN npm ci\nCMD [\"node\", \"x.js\"]\n")
    };
    let manifest = [("package.json", r#"{"dependencies": {"puppeteer": "23"}}"#)];
    let p = rewrite_with(&text(""), &manifest, None);
    assert_eq!(
        p.report.reason.as_ref().map(|r| r.code),
        Some(slimfile::codes::Code::DownloadOutsideApp)
    );
    let p = rewrite_with(
        &text("ENV PUPPETEER_CACHE_DIR=/app/.cache/puppeteer\n"),
        &manifest,
        None,
    );
    assert_eq!(p.report.status, Status::WouldRewrite, "{}", reason(&p));
    let p = rewrite_with(
        "FROM node:20\nCOPY . .\nRUN npm ci\nCMD [\"node\", \"index.js\"]\n",
        &[("package.json", r#"{"name": "bare"}"#)],
        None,
    );
    assert!(
        !final_stage(&p).contains("node_modules"),
        "{}",
        final_stage(&p)
    );
    let p = rewrite_with(
        "FROM node:20\nRUN npm i -g pnpm@9.15.0\nWORKDIR /app\nCOPY . .\nRUN pnpm install --frozen-lockfile\nRUN pnpm -r build\nCMD [\"node\", \"packages/api/dist/index.js\"]\n",
        &[
            ("pnpm-lock.yaml", "lockfileVersion: '9.0'\n"),
            ("pnpm-workspace.yaml", "packages:\n  - packages/*\n"),
        ],
        None,
    );
    assert!(!output(&p).contains("pnpm prune"), "{}", output(&p));
    assert!(p
        .report
        .warnings
        .iter()
        .any(|w| w.code == slimfile::codes::Code::DevDependenciesKept));
}

/// A program a script runs, looked up in npm's lock file: `tsc` is
/// typescript's, a dev dependency, so a `prestart` that builds keeps dev
/// dependencies; `yarn vckit` in a script runs a dependency's program.
#[test]
fn programs_in_scripts_are_found_through_the_lock_file() {
    let lock = r#"{"lockfileVersion": 3, "packages": {"": {},
        "node_modules/typescript": {"version": "5.6.3", "dev": true, "bin": {"tsc": "bin/tsc", "tsserver": "bin/tsserver"}},
        "node_modules/express": {"version": "4.21.0"}}}"#;
    let p = rewrite_with(
        "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD [\"npm\", \"start\"]\n",
        &[
            (
                "package.json",
                r#"{"scripts": {"build": "tsc", "prestart": "npm run build", "start": "node dist/index.js"}, "dependencies": {"express": "4"}, "devDependencies": {"typescript": "5"}}"#,
            ),
            ("package-lock.json", lock),
        ],
        None,
    );
    assert_eq!(p.report.status, Status::WouldRewrite, "{}", reason(&p));
    assert!(!output(&p).contains("prune"), "{}", output(&p));
    let p = rewrite_with(
        "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN yarn install --frozen-lockfile\nCMD [\"yarn\", \"start\"]\n",
        &[
            ("package.json", r#"{"scripts": {"start": "NODE_ENV=production yarn vckit server"}, "dependencies": {"@vckit/cli": "1"}}"#),
            ("yarn.lock", "# yarn lockfile v1\n"),
        ],
        None,
    );
    assert_eq!(p.report.status, Status::WouldRewrite, "{}", reason(&p));
}

/// Needless refusals found on real files: `yarn node .` is yarn's own
/// command, not a script; in a monorepo the start script is looked up in the
/// package.json the copies put in the working directory.
#[test]
fn yarn_node_and_a_workdir_s_own_package_json() {
    let p = rewrite_with(
        "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN yarn install --frozen-lockfile\nCMD [\"yarn\", \"node\", \".\"]\n",
        &[
            ("package.json", r#"{"main": "index.js", "dependencies": {"express": "4"}}"#),
            ("yarn.lock", "# yarn lockfile v1\n"),
        ],
        None,
    );
    assert_eq!(p.report.status, Status::WouldRewrite, "{}", reason(&p));
    let text = "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nWORKDIR /app/packages/api\nCMD [\"npm\", \"run\", \"start\"]\n";
    let p = rewrite_in(
        &[
            (
                "package.json",
                r#"{"private": true, "workspaces": ["packages/*"]}"#,
            ),
            (
                "package-lock.json",
                r#"{"lockfileVersion": 3, "packages": {"": {}}}"#,
            ),
            (
                "packages/api/package.json",
                r#"{"scripts": {"start": "node index.js"}, "dependencies": {"express": "4"}}"#,
            ),
        ],
        text,
    );
    assert_eq!(p.report.status, Status::WouldRewrite, "{}", reason(&p));
}

/// pnpm (or yarn berry) from corepack: a start that needs it activates the
/// same pinned release in the final stage, for root on an image that bundles
/// corepack; unpinned, or for another user, it stays refused.
#[test]
fn corepack_s_release_is_activated_again_where_the_start_needs_it() {
    let manifest = r#"{"scripts": {"build": "tsc", "start": "node dist/main.js --port=${PORT:-4000}"}, "dependencies": {"hono": "4"}, "devDependencies": {"typescript": "5"}}"#;
    let text = |prepare: &str, user: &str| {
        format!("FROM node:22\nRUN corepack enable && corepack prepare {prepare} --activate\nWORKDIR /app\nCOPY . .\nRUN pnpm install --frozen-lockfile && pnpm run build\n{user}CMD [\"pnpm\", \"start\"]\n")
    };
    let files = [
        ("package.json", manifest),
        ("pnpm-lock.yaml", "lockfileVersion: '9.0'\n"),
    ];
    let p = rewrite_with(&text("pnpm@9.12.0", ""), &files, None);
    assert!(
        final_stage(&p)
            .contains("RUN corepack enable && corepack prepare pnpm@9.12.0 --activate\n"),
        "{}",
        final_stage(&p)
    );
    for (prepare, user) in [("pnpm@latest", ""), ("pnpm@9.12.0", "USER node\n")] {
        let p = rewrite_with(&text(prepare, user), &files, None);
        assert_eq!(
            p.report.reason.as_ref().map(|r| r.code),
            Some(slimfile::codes::Code::PackageManagerMissing),
            "{prepare} {user}"
        );
    }
}

/// yarn 3 with its release committed (`yarnPath` in .yarnrc.yml): the
/// images' yarn 1 hands over to it, so `yarn start` runs on slim as it did.
#[test]
fn a_committed_yarn_release_runs_on_the_image_s_yarn() {
    let text = "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN yarn install --immutable\nCMD [\"yarn\", \"start\"]\n";
    let p = rewrite_in(
        &[
            (
                "package.json",
                r#"{"scripts": {"start": "node dist/migrate.js && node dist/index.js"}, "dependencies": {"express": "4"}}"#,
            ),
            (
                ".yarnrc.yml",
                "nodeLinker: node-modules\nyarnPath: .yarn/releases/yarn-3.6.4.cjs\n",
            ),
            (".yarn/releases/yarn-3.6.4.cjs", "// yarn\n"),
            ("yarn.lock", "__metadata:\n  version: 6\n"),
        ],
        text,
    );
    assert_eq!(p.report.status, Status::WouldRewrite, "{}", reason(&p));
    assert!(
        final_stage(&p).contains("CMD [\"yarn\", \"start\"]"),
        "{}",
        final_stage(&p)
    );
    assert!(!final_stage(&p).contains("corepack"), "{}", final_stage(&p));
}

/// Where the lock file lists no programs (yarn), well-known ones are known
/// by name: `nest start` in the start script needs @nestjs/cli, a dev
/// dependency, so dev dependencies are kept.
#[test]
fn well_known_programs_name_their_packages_without_npm_s_lock() {
    let p = rewrite_with(
        "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN yarn install --frozen-lockfile && yarn build\nCMD [\"yarn\", \"start\"]\n",
        &[
            ("package.json", r#"{"scripts": {"build": "nest build", "start": "nest start"}, "dependencies": {"@nestjs/core": "10"}, "devDependencies": {"@nestjs/cli": "10", "typescript": "5"}}"#),
            ("yarn.lock", "# yarn lockfile v1\n"),
        ],
        None,
    );
    assert_eq!(p.report.status, Status::WouldRewrite, "{}", reason(&p));
    assert!(!output(&p).contains("--production"), "{}", output(&p));
    assert!(p
        .report
        .warnings
        .iter()
        .any(|w| w.message.contains("@nestjs/cli")));
}

/// The final stage on the builder's own image (alpine to alpine) repeats
/// its reference as written, digest and all, with no digest warning.
#[test]
fn the_same_image_keeps_its_digest() {
    let digest = "a".repeat(64);
    let p = rewrite(&format!(
        "FROM node:20-alpine@sha256:{digest}\nWORKDIR /app\nCOPY . .\nRUN npm ci && npm run build\nCMD [\"node\", \"dist/index.js\"]\n"
    ));
    assert!(
        final_stage(&p).contains(&format!("FROM node:20-alpine@sha256:{digest}\n")),
        "{}",
        final_stage(&p)
    );
    assert!(!p
        .report
        .warnings
        .iter()
        .any(|w| w.code == slimfile::codes::Code::DigestDropped));
}

/// Found on real files (second trial): `node:alpine3.19` is alpine; a file
/// with no CMD and no ENTRYPOINT is a base image others build FROM, left as
/// it is; `playwright install` downloads outside the app (refused); canvas
/// gets its run-time libraries.
#[test]
fn alpine_release_tags_base_images_playwright_and_canvas() {
    let p = rewrite("FROM node:alpine3.19\nWORKDIR /app\nCOPY . .\nRUN npm ci && npm run build\nCMD [\"node\", \"dist/index.js\"]\n");
    assert!(
        final_stage(&p).contains("FROM node:alpine3.19\n"),
        "{}",
        final_stage(&p)
    );
    let p = rewrite("FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n");
    assert_eq!(p.report.status, Status::Unchanged);
    assert_eq!(
        p.report.reason.as_ref().map(|r| r.code),
        Some(slimfile::codes::Code::BaseImage)
    );
    let p = rewrite("FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci && npx playwright install --with-deps chromium\nCMD [\"node\", \"index.js\"]\n");
    let r = p.report.reason.as_ref().expect("refused");
    assert_eq!(
        (r.code, r.line),
        (slimfile::codes::Code::DownloadOutsideApp, Some(4))
    );
    let p = rewrite("FROM node:20\nWORKDIR /app\nENV PLAYWRIGHT_BROWSERS_PATH=0\nCOPY . .\nRUN npm ci && npx playwright install chromium\nCMD [\"node\", \"index.js\"]\n");
    assert_eq!(p.report.status, Status::WouldRewrite, "{}", reason(&p));
    let p = rewrite_with(
        "FROM node:20\nRUN apt-get update && apt-get install -y libcairo2-dev libpango1.0-dev\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD [\"node\", \"index.js\"]\n",
        &[("package.json", r#"{"dependencies": {"canvas": "2.11.2"}}"#)],
        None,
    );
    assert!(final_stage(&p).contains("libcairo2"), "{}", final_stage(&p));
}

/// A -dev package the build linked against stands for a run-time library:
/// installed in the final stage where the template knows it, a warning where
/// it does not; the C library's headers say nothing.
#[test]
fn dev_packages_bring_their_run_time_libraries() {
    let p = rewrite("FROM node:20\nRUN apt-get update && apt-get install -y build-essential libcairo2-dev libpango1.0-dev libfoo-dev\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD [\"node\", \"x.js\"]\n");
    let tail = final_stage(&p);
    for lib in ["libcairo2", "libpango-1.0-0", "libpangocairo-1.0-0"] {
        assert!(tail.contains(lib), "{lib}: {tail}");
    }
    assert!(!tail.contains("-dev"), "{tail}");
    let dropped: Vec<&str> = p
        .report
        .warnings
        .iter()
        .filter(|w| w.code == slimfile::codes::Code::DevPackageDropped)
        .map(|w| w.message.as_str())
        .collect();
    assert_eq!(dropped.len(), 1, "{dropped:?}");
    assert!(dropped[0].starts_with("libfoo-dev"), "{dropped:?}");
    let p = rewrite("FROM node:20-alpine\nRUN apk add --no-cache --virtual .gyp python3 make g++ musl-dev\nWORKDIR /app\nCOPY . .\nRUN npm ci && npm run build\nCMD [\"node\", \"x.js\"]\n");
    assert!(!p
        .report
        .warnings
        .iter()
        .any(|w| w.code == slimfile::codes::Code::DevPackageDropped));
}

/// System packages from another repository (`apk add --repository …`) would
/// come from the default ones in the final stage: refused.
#[test]
fn packages_from_another_repository_are_refused() {
    let p = rewrite("FROM node:20-alpine\nRUN apk add --no-cache chromium --repository=http://dl-cdn.alpinelinux.org/alpine/v3.10/main\nWORKDIR /app\nCOPY . .\nRUN npm ci && npm run build\nCMD [\"node\", \"x.js\"]\n");
    let r = p.report.reason.as_ref().expect("refused");
    assert_eq!(
        (r.code, r.line),
        (slimfile::codes::Code::PackageSourceOption, Some(2))
    );
}

/// Build tools installed on a lean base are something to gain: the final
/// stage, on the same alpine image, leaves them behind; removed ones are not.
#[test]
fn build_tools_on_a_lean_base_are_a_gain() {
    let p = rewrite("FROM node:20-alpine\nRUN apk add --no-cache python3 make g++ git\nWORKDIR /app\nCOPY . .\nRUN npm ci --omit=dev\nCMD [\"node\", \"x.js\"]\n");
    assert_eq!(p.report.status, Status::WouldRewrite, "{}", reason(&p));
    assert!(!final_stage(&p).contains("apk add"), "{}", final_stage(&p));
    let p = rewrite("FROM node:20-alpine\nWORKDIR /app\nCOPY . .\nRUN apk add --no-cache --virtual .gyp python3 make g++ && npm ci --omit=dev && apk del .gyp\nCMD [\"node\", \"x.js\"]\n");
    assert_eq!(p.report.status, Status::Unchanged, "{:?}", p.report.reason);
}

/// On a lean builder whose install drops no dev dependency, the final stage
/// on the same image saves only what the build leaves outside the app: the
/// rewrite says so; with a prune it does not, and with nothing built at all
/// the file is left as it is.
#[test]
fn a_lean_builder_with_nothing_to_prune_says_the_gain_is_small() {
    let manifest = [(
        "package.json",
        r#"{"scripts": {"build": "node build.js"}, "dependencies": {"express": "4"}}"#,
    )];
    let small = |p: &Processed| {
        p.report
            .warnings
            .iter()
            .any(|w| w.code == slimfile::codes::Code::SmallGain)
    };
    let p = rewrite_with(
        "FROM node:20-slim\nWORKDIR /app\nCOPY . .\nRUN npm ci --omit=dev\nRUN npm run build\nCMD [\"node\", \"dist/index.js\"]\n",
        &manifest,
        None,
    );
    assert_eq!(p.report.status, Status::WouldRewrite, "{}", reason(&p));
    assert!(small(&p), "{:?}", p.report.warnings);
    let p = rewrite_with(
        "FROM node:20-slim\nWORKDIR /app\nCOPY . .\nRUN npm ci\nRUN npm run build\nCMD [\"node\", \"dist/index.js\"]\n",
        &[(
            "package.json",
            r#"{"scripts": {"build": "tsc"}, "devDependencies": {"typescript": "5"}}"#,
        )],
        None,
    );
    assert_eq!(p.report.status, Status::WouldRewrite, "{}", reason(&p));
    assert!(!small(&p), "{:?}", p.report.warnings);
    let p = rewrite_with(
        "FROM node:20-slim\nWORKDIR /app\nCOPY . .\nRUN npm ci --omit=dev\nCMD [\"node\", \"index.js\"]\n",
        &manifest,
        None,
    );
    assert_eq!(
        p.report.reason.as_ref().map(|r| r.code),
        Some(slimfile::codes::Code::NothingToGain)
    );
}

/// yarn 2+ lock files name each package's programs: a start script's program
/// from a production dependency is found there (no table lists it), and one
/// from a dev dependency keeps the dev dependencies.
#[test]
fn yarn_berry_lock_files_say_whose_program_a_script_runs() {
    let dockerfile = "FROM node:22\nWORKDIR /app\nRUN corepack enable\nCOPY . .\nRUN yarn install --immutable\nRUN yarn build\nCMD [\"yarn\", \"start\"]\n";
    let lock = "__metadata:\n  version: 8\n  cacheKey: 10c0\n\n\"@acme/serve@npm:^2.0.0\":\n  version: 2.1.0\n  resolution: \"@acme/serve@npm:2.1.0\"\n  bin:\n    acme-serve: bin/serve.js\n  checksum: 10c0/00\n  languageName: node\n  linkType: hard\n\n\"@acme/watch@npm:^1.0.0, @acme/watch@npm:^1.2.0\":\n  version: 1.2.0\n  resolution: \"@acme/watch@npm:1.2.0\"\n  bin:\n    acme-watch: ./cli.js\n  languageName: node\n  linkType: hard\n\n\"typescript@npm:^5.5.4\":\n  version: 5.9.3\n  bin:\n    tsc: ./bin/tsc\n    tsserver: ./bin/tsserver\n  languageName: node\n  linkType: hard\n";
    let manifest = |start: &str| {
        format!(
            r#"{{"scripts": {{"build": "tsc", "start": "{start}"}}, "dependencies": {{"@acme/serve": "^2.0.0"}}, "devDependencies": {{"@acme/watch": "^1.0.0", "typescript": "^5.5.4"}}, "packageManager": "yarn@4.5.3"}}"#
        )
    };
    let files = |start: &str| {
        vec![
            ("package.json".to_string(), manifest(start)),
            ("yarn.lock".to_string(), lock.to_string()),
            (
                ".yarnrc.yml".to_string(),
                "nodeLinker: node-modules\n".to_string(),
            ),
        ]
    };
    let run = |start: &str| {
        let f = files(start);
        let refs: Vec<(&str, &str)> = f.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        rewrite_with(dockerfile, &refs, None)
    };
    let p = run("acme-serve dist");
    assert_eq!(p.report.status, Status::WouldRewrite, "{}", reason(&p));
    assert!(
        output(&p).contains("yarn workspaces focus --all --production"),
        "{}",
        output(&p)
    );
    let p = run("acme-watch dist");
    assert_eq!(p.report.status, Status::WouldRewrite, "{}", reason(&p));
    assert!(!output(&p).contains("--production"), "{}", output(&p));
    assert!(p
        .report
        .warnings
        .iter()
        .any(|w| w.code == slimfile::codes::Code::DevDependenciesKept));
    // A program no lock entry names is still not guessed at.
    let p = run("mystery-tool dist");
    assert_ne!(p.report.status, Status::WouldRewrite, "{}", output(&p));
}

/// On the builder's own image, even a floating tag whose Node.js major is
/// unknown (`node:alpine`), the runtime has the yarn 1 the original started
/// with; a different runtime image of an unknown major does not.
#[test]
fn the_builders_own_image_has_the_yarn_the_original_ran() {
    let dockerfile = |from: &str| {
        format!("FROM {from}\nWORKDIR /app\nCOPY package.json yarn.lock ./\nRUN yarn install --frozen-lockfile\nCOPY . .\nRUN yarn build\nCMD [\"yarn\", \"serve\"]\n")
    };
    let files = [
        (
            "package.json",
            r#"{"scripts": {"build": "tsc", "serve": "node dist/a.js && echo done"}, "dependencies": {"express": "4"}, "devDependencies": {"typescript": "5"}}"#,
        ),
        ("yarn.lock", "# yarn lockfile v1\n"),
    ];
    let p = rewrite_with(&dockerfile("node:alpine"), &files, None);
    assert_eq!(p.report.status, Status::WouldRewrite, "{}", reason(&p));
    assert!(
        final_stage(&p).contains("FROM node:alpine\n")
            && final_stage(&p).contains("CMD [\"yarn\", \"serve\"]"),
        "{}",
        final_stage(&p)
    );
    let p = rewrite_with(&dockerfile("node:current"), &files, None);
    assert_eq!(
        p.report.reason.as_ref().map(|r| r.code),
        Some(slimfile::codes::Code::PackageManagerMissing),
        "{}",
        output(&p)
    );
}

/// Found by building a real rewrite: what a `package.json` script writes
/// outside the application, or installs, is carried as a `RUN`'s own is —
/// the install's `postinstall` and `npm run build` alike.
#[test]
fn what_package_scripts_write_and_install_is_carried() {
    let lock = r#"{"name": "b", "version": "1.0.0", "lockfileVersion": 3, "requires": true, "packages": {"": {"name": "b", "version": "1.0.0"}}}"#;
    let p = rewrite_with(
        "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nEXPOSE 3000\nCMD [\"node\", \"index.js\"]\n",
        &[
            (
                "package.json",
                r#"{"name": "b", "version": "1.0.0", "scripts": {"postinstall": "mkdir -p /opt/assets && cp assets.txt /opt/assets/"}}"#,
            ),
            ("package-lock.json", lock),
        ],
        None,
    );
    assert_eq!(p.report.status, Status::WouldRewrite, "{}", reason(&p));
    assert!(
        final_stage(&p).contains("COPY --from=builder /opt/assets /opt/assets"),
        "{}",
        final_stage(&p)
    );
    let p = rewrite_with(
        "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nRUN npm run build\nCMD [\"node\", \"index.js\"]\n",
        &[
            (
                "package.json",
                r#"{"name": "b", "version": "1.0.0", "scripts": {"build": "apt-get update && apt-get install -y ffmpeg && mkdir -p /srv/www && cp index.html /srv/www/"}}"#,
            ),
            ("package-lock.json", lock),
        ],
        None,
    );
    assert_eq!(p.report.status, Status::WouldRewrite, "{}", reason(&p));
    let last = final_stage(&p);
    assert!(last.contains("install -y ffmpeg"), "{last}");
    assert!(
        last.contains("COPY --from=builder /srv/www /srv/www"),
        "{last}"
    );
}

/// Found on a real file: @prisma/client as a dev dependency, kept (the start
/// runs ts-node), still needs openssl on slim.
#[test]
fn a_kept_dev_dependency_gets_its_run_time_package() {
    let p = rewrite_with(
        "FROM node:20\nWORKDIR /app\nCOPY package*.json ./\nRUN npm ci\nCOPY . .\nCMD [\"npm\", \"start\"]\n",
        &[(
            "package.json",
            r#"{"scripts": {"start": "ts-node src/index.ts"}, "devDependencies": {"@prisma/client": "^5", "prisma": "^5", "ts-node": "^10", "typescript": "^5"}}"#,
        )],
        None,
    );
    assert_eq!(p.report.status, Status::WouldRewrite, "{}", reason(&p));
    assert!(final_stage(&p).contains("openssl"), "{}", final_stage(&p));
}

/// Found on real files: a build tool installed globally is not made again
/// when the start goes through the image's own yarn 1 to a plain `node`
/// script, nor is husky (git hooks) for any start; a script that runs the
/// tool keeps it.
#[test]
fn build_only_globals_are_judged_through_the_start_script() {
    let dockerfile = |global: &str, cmd: &str| {
        format!("FROM node:20\nWORKDIR /app\nRUN {global}\nCOPY package.json yarn.lock ./\nRUN yarn --frozen-lockfile\nCOPY . .\nRUN yarn build\nCMD {cmd}\n")
    };
    let files = |start: &str| {
        vec![
            (
                "package.json".to_string(),
                format!(
                    r#"{{"scripts": {{"build": "nest build", "start:prod": "{start}"}}, "dependencies": {{"@nestjs/core": "^10.0.0"}}, "devDependencies": {{"@nestjs/cli": "^10.0.0", "typescript": "^5.4.0"}}}}"#
                ),
            ),
            ("yarn.lock".to_string(), "# yarn lockfile v1\n".to_string()),
        ]
    };
    let run = |global: &str, cmd: &str, start: &str| {
        let f = files(start);
        let refs: Vec<(&str, &str)> = f.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        rewrite_with(&dockerfile(global, cmd), &refs, None)
    };
    let p = run(
        "yarn global add @nestjs/cli",
        r#"["yarn", "start:prod"]"#,
        "node dist/main",
    );
    assert_eq!(p.report.status, Status::WouldRewrite, "{}", reason(&p));
    assert!(
        !final_stage(&p).contains("@nestjs/cli"),
        "{}",
        final_stage(&p)
    );
    let p = run(
        "npm install -g husky",
        r#"["node", "dist/main"]"#,
        "node dist/main",
    );
    assert!(!final_stage(&p).contains("husky"), "{}", final_stage(&p));
    let p = run(
        "yarn global add @nestjs/cli",
        r#"["yarn", "start:prod"]"#,
        "nest start",
    );
    assert!(
        p.report.status != Status::WouldRewrite || final_stage(&p).contains("@nestjs/cli"),
        "{}",
        output(&p)
    );
}

/// Found by building a real rewrite: on the builder's own slim image a
/// HEALTHCHECK's curl, which the original never had, is not added (the
/// image grew by 90 MB); one a RUN installed is installed again.
#[test]
fn a_health_check_tool_the_original_lacked_is_not_added() {
    let dockerfile = |install: &str| {
        format!("FROM node:20-slim\nWORKDIR /app\n{install}COPY package*.json ./\nRUN npm install\nCOPY . .\nEXPOSE 3000\nHEALTHCHECK CMD curl -f http://localhost:3000/ || exit 1\nCMD [\"node\", \"app.js\"]\n")
    };
    let manifest = [(
        "package.json",
        r#"{"dependencies": {"express": "4"}, "devDependencies": {"mocha": "10"}}"#,
    )];
    let p = rewrite_with(&dockerfile(""), &manifest, None);
    assert_eq!(p.report.status, Status::WouldRewrite, "{}", reason(&p));
    assert!(!final_stage(&p).contains("install"), "{}", final_stage(&p));
    assert!(p
        .report
        .warnings
        .iter()
        .any(|w| w.code == slimfile::codes::Code::HealthcheckToolAbsent));
    let p = rewrite_with(
        &dockerfile(
            "RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\n",
        ),
        &manifest,
        None,
    );
    assert_eq!(p.report.status, Status::WouldRewrite, "{}", reason(&p));
    assert!(final_stage(&p).contains("curl"), "{}", final_stage(&p));
}

/// Found on a real file: node:20-buster with canvas becomes buster-slim plus
/// an `apt-get update` that fails, as buster is archived; refused. Without
/// packages to install, the rewrite onto buster-slim stands.
#[test]
fn an_archived_release_cannot_install_packages_in_the_final_stage() {
    let dockerfile = "FROM node:20-buster\nWORKDIR /app\nCOPY package*.json ./\nRUN npm ci\nCOPY . .\nCMD [\"node\", \"index.js\"]\n";
    let p = rewrite_with(
        dockerfile,
        &[(
            "package.json",
            r#"{"dependencies": {"@prisma/client": "5"}}"#,
        )],
        None,
    );
    assert_eq!(
        p.report.reason.as_ref().map(|r| r.code),
        Some(slimfile::codes::Code::ArchivedRelease),
        "{}",
        output(&p)
    );
    let p = rewrite_with(
        dockerfile,
        &[("package.json", r#"{"dependencies": {"express": "4"}}"#)],
        None,
    );
    assert_eq!(p.report.status, Status::WouldRewrite, "{}", reason(&p));
    assert!(
        final_stage(&p).contains("FROM node:20-buster-slim"),
        "{}",
        final_stage(&p)
    );
}

/// An end-of-life major's bare tag stays on the release it was last built
/// on: `node:14` is buster, archived, though the tag does not say so.
#[test]
fn a_bare_end_of_life_tag_on_an_archived_release_cannot_install_packages() {
    let dockerfile = "FROM node:14\nWORKDIR /app\nCOPY package*.json ./\nRUN npm ci\nCOPY . .\nCMD [\"node\", \"index.js\"]\n";
    let prisma = [(
        "package.json",
        r#"{"dependencies": {"@prisma/client": "5"}}"#,
    )];
    let p = rewrite_with(dockerfile, &prisma, None);
    assert_eq!(
        p.report.reason.as_ref().map(|r| r.code),
        Some(slimfile::codes::Code::ArchivedRelease),
        "{}",
        output(&p)
    );
    assert!(
        reason(&p).contains("stays on Debian buster"),
        "{}",
        reason(&p)
    );
    // node:18 was last built on bookworm, which is not archived.
    let p = rewrite_with(&dockerfile.replace("node:14", "node:18"), &prisma, None);
    assert_eq!(p.report.status, Status::WouldRewrite, "{}", reason(&p));
}

/// Found in review: the final stage's useradd had the ARG's default baked in,
/// so `--build-arg UID=1001` changed the builder's user only.
#[test]
fn a_user_made_from_build_arguments_keeps_them() {
    let p = rewrite("FROM node:20\nARG UID=1000\nARG NAME\nENV HOME_DIR=/home/app\nRUN useradd -m -d $HOME_DIR -u \"$UID\" ${NAME}\nWORKDIR /app\nCOPY . .\nRUN npm ci\nUSER 1000\nCMD [\"node\", \"x.js\"]\n");
    let tail = final_stage(&p);
    assert!(
        tail.contains("ARG UID=1000\nARG NAME\n")
            && tail.contains("RUN useradd -m -d /home/app -u \"$UID\" ${NAME}\n"),
        "{tail}"
    );
}
