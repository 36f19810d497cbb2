//! What a review of real Node.js and Python Dockerfiles from public
//! repositories found broken or needlessly refused, each reduced to its
//! trigger: the rewrite is now right, or refused with the reason.

mod common;

use common::cases::{final_stage, output, refusal, rewrite_in};

const LOCK: &str = r#"{"lockfileVersion": 3, "packages": {"": {}}}"#;

fn node(
    package_json: &str,
    extra: &[(&str, &str)],
    dockerfile: &str,
) -> slimfile::process::Processed {
    let mut files = vec![("package.json", package_json), ("package-lock.json", LOCK)];
    files.extend_from_slice(extra);
    rewrite_in(&files, dockerfile, None)
}

fn kept(p: &slimfile::process::Processed) -> bool {
    p.report
        .warnings
        .iter()
        .any(|w| w.code.as_str() == "dev-dependencies-kept")
}

#[test]
fn a_dev_dependency_the_started_file_requires_is_kept() {
    let package = r#"{"name": "x", "scripts": {"start": "node src/server.js", "build": "node build.js"}, "dependencies": {"express": "4.21.0"}, "devDependencies": {"dotenv-flow": "3.2.0"}}"#;
    let dockerfile = "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nRUN npm run build\nCMD [\"npm\", \"start\"]\n";
    let files = [
        (
            "src/server.js",
            "require('./config');\nrequire('express');\n",
        ),
        ("src/config.js", "require('dotenv-flow').config();\n"),
    ];
    let p = node(package, &files, dockerfile);
    assert!(!output(&p).contains("prune"), "{}", output(&p));
    assert!(kept(&p));
    // Required by nothing the start runs: pruned.
    let p = node(
        package,
        &[("src/server.js", "require('express');\n")],
        dockerfile,
    );
    assert!(output(&p).contains("RUN npm prune --omit=dev\n"));
}

#[test]
fn a_build_the_start_command_runs_again_keeps_the_dev_dependencies() {
    let package = r#"{"name": "x", "scripts": {"build": "next build", "start": "next start"}, "dependencies": {"next": "14.2.2"}, "devDependencies": {"tailwindcss": "3.3.2"}}"#;
    for start in [
        "CMD [\"sh\", \"-c\", \"npm run build && npm start\"]",
        "ENTRYPOINT [\"/bin/sh\", \"/entry.sh\"]",
    ] {
        let dockerfile = format!(
            "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCOPY entry.sh /entry.sh\n{start}\n"
        );
        let p = node(
            package,
            &[("entry.sh", "#!/bin/sh\nnpm run build\nexec npm run start\n")],
            &dockerfile,
        );
        assert!(!output(&p).contains("prune"), "{start}: {}", output(&p));
        assert!(kept(&p), "{start}");
    }
}

#[test]
fn packages_the_manifest_does_not_list_are_not_pruned_away() {
    let package = r#"{"name": "x", "scripts": {"build": "tsc"}, "dependencies": {"express": "4.21.0"}, "devDependencies": {"typescript": "5.6.3"}}"#;
    for added in [
        "RUN npm install --no-save sharp\nCOPY . .\n",
        "RUN npm install sharp\nCOPY . .\n",
        "COPY . .\nRUN yarn add next\nCOPY package.json ./\n",
    ] {
        let dockerfile = format!("FROM node:20\nWORKDIR /app\nCOPY package*.json ./\nRUN npm ci\n{added}RUN npm run build\nCMD [\"node\", \"dist/index.js\"]\n");
        let p = node(package, &[], &dockerfile);
        assert!(!output(&p).contains("prune"), "{added}: {}", output(&p));
        assert!(kept(&p), "{added}");
    }
}

#[test]
fn a_fetcher_no_build_step_uses_is_carried_for_run_time() {
    let package = r#"{"name": "x", "scripts": {"build": "tsc"}, "dependencies": {}, "devDependencies": {"typescript": "5.6.3"}}"#;
    let p = node(
        package,
        &[],
        "FROM node:20-alpine\nRUN apk add curl jq\nWORKDIR /app\nCOPY . .\nRUN npm ci\nRUN npm run build\nCMD [\"node\", \"dist/index.js\"]\n",
    );
    assert!(
        final_stage(&p).contains("RUN apk add --no-cache curl jq\n"),
        "{}",
        final_stage(&p)
    );
    // One the build uses stays behind.
    let p = node(
        package,
        &[],
        "FROM node:20-alpine\nRUN apk add curl jq\nWORKDIR /app\nCOPY . .\nRUN curl -fsSL https://example.com/x.json -o x.json && npm ci\nRUN npm run build\nCMD [\"node\", \"dist/index.js\"]\n",
    );
    assert!(
        final_stage(&p).contains("RUN apk add --no-cache jq\n"),
        "{}",
        final_stage(&p)
    );
}

#[test]
fn shell_builtins_in_an_entrypoint_script_are_no_programs() {
    let package = r#"{"name": "x", "scripts": {"build": "tsc"}, "dependencies": {}, "devDependencies": {"typescript": "5.6.3"}}"#;
    let p = node(
        package,
        &[(
            "entry.sh",
            "#!/bin/sh\ncommand -v node\nnode dist/server.js &\npid=$!\ntrap 'kill $pid' TERM INT\nwait $pid\n",
        )],
        "FROM node:20-alpine\nWORKDIR /app\nCOPY . .\nRUN npm ci\nRUN npm run build\nCMD [\"/bin/sh\", \"entry.sh\"]\n",
    );
    assert!(
        output(&p).contains("FROM node:20-alpine\n"),
        "{:?}",
        p.report.reason
    );
}

const REQUIREMENTS: &[(&str, &str)] = &[("requirements.txt", "flask==3.0.3\ngunicorn==23.0.0\n")];

fn python(dockerfile: &str) -> slimfile::process::Processed {
    rewrite_in(REQUIREMENTS, dockerfile, None)
}

#[test]
fn an_apt_option_before_install_is_read_as_the_install() {
    let p = python("FROM python:3.11\nWORKDIR /app\nRUN apt-get update && apt-get -y install ffmpeg\nCOPY . .\nRUN pip install -r requirements.txt\nCMD [\"python\", \"app.py\"]\n");
    assert!(
        final_stage(&p).contains("apt-get install -y ffmpeg"),
        "{}",
        final_stage(&p)
    );
    let p = python("FROM python:3.11\nWORKDIR /app\nRUN apt-get -qq -o Dpkg::Use-Pty=0 install -y ffmpeg\nCOPY . .\nRUN pip install -r requirements.txt\nCMD [\"python\", \"app.py\"]\n");
    assert!(final_stage(&p).contains("ffmpeg"), "{}", final_stage(&p));
}

#[test]
fn uwsgi_from_a_full_builder_gets_libxml2() {
    let p = rewrite_in(
        &[("requirements.txt", "uwsgi==2.0.28\n")],
        "FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\nCMD [\"uwsgi\", \"--http\", \":8000\", \"--module\", \"app:app\"]\n",
        None,
    );
    assert!(final_stage(&p).contains("libxml2"), "{}", final_stage(&p));
}

#[test]
fn a_tool_the_start_runs_through_a_shell_is_refused() {
    for cmd in [
        "CMD [\"sh\", \"-c\", \"poetry run python main.py\"]",
        "CMD poetry run python main.py & poetry run python worker.py",
    ] {
        let p = rewrite_in(
            &[("pyproject.toml", "[tool.poetry]\nname = \"x\"\n")],
            &format!("FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN pip install poetry\nRUN poetry config virtualenvs.create false && poetry install --no-root\n{cmd}\n"),
            None,
        );
        let (code, text) = refusal(&p);
        assert_eq!(code, "python-tool-not-yet", "{cmd}: {text}");
        assert!(text.contains("runs poetry"), "{text}");
    }
}

#[test]
fn a_file_written_on_one_branch_is_refused_and_one_removed_is_not_copied() {
    let p = python("FROM python:3.11\nWORKDIR /app\nRUN if [ \"$(uname -m)\" = \"armv7l\" ]; then echo x > /etc/pip.conf; fi\nCOPY . .\nRUN pip install -r requirements.txt\nCMD [\"gunicorn\", \"app:app\"]\n");
    let (code, text) = refusal(&p);
    assert_eq!(code, "write-outside-app");
    assert!(text.contains("one branch only"), "{text}");
    let p = python("FROM python:3.11\nCOPY requirements.txt /tmp/requirements.txt\nRUN pip install -r /tmp/requirements.txt && rm /tmp/requirements.txt\nWORKDIR /app\nCOPY . .\nCMD [\"gunicorn\", \"app:app\"]\n");
    assert!(
        !final_stage(&p).contains("/tmp/requirements.txt"),
        "{}",
        final_stage(&p)
    );
    let p = python("FROM python:3.11\nCOPY requirements.txt /tmp/requirements.txt\nRUN pip install -r /tmp/requirements.txt && rm -rf /tmp\nWORKDIR /app\nCOPY . .\nCMD [\"gunicorn\", \"app:app\"]\n");
    assert!(!final_stage(&p).contains("/tmp/"), "{}", final_stage(&p));
}

#[test]
fn a_start_program_is_judged_by_the_packages_that_bring_it() {
    let dockerfile = "FROM python:3.11\nWORKDIR /app\nRUN apt-get update && apt-get install -y ffmpeg\nCOPY . .\nRUN pip install -r requirements.txt\nCMD [\"sh\", \"-c\", \"curl -fsS http://config/ > conf.json && gunicorn app:app\"]\n";
    let p = python(dockerfile);
    assert_eq!(refusal(&p).0, "unknown-program");
    let p = python(&dockerfile.replace("install -y ffmpeg", "install -y ffmpeg curl"));
    assert!(final_stage(&p).contains("curl"), "{}", final_stage(&p));
}

#[test]
fn a_relative_venv_pip_and_an_entrypoint_s_exec_are_followed() {
    let p = python("FROM python:3.11\nWORKDIR /opt/app\nCOPY requirements.txt ./\nRUN python -m venv venv && venv/bin/pip install -r requirements.txt\nCOPY . ./\nCMD [\"/opt/app/venv/bin/gunicorn\", \"app:app\"]\n");
    let f = final_stage(&p);
    assert!(f.contains("COPY --from=builder /opt/app /opt/app\n"), "{f}");
    assert!(!output(&p).contains("/opt/venv"), "{}", output(&p));
    let p = rewrite_in(
        &[
            ("requirements.txt", "flask==3.0.3\ngunicorn==23.0.0\n"),
            ("entrypoint.sh", "#!/bin/sh\nset -e\nexec \"$@\"\n"),
        ],
        "FROM python:3.11\nWORKDIR /app\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\nCOPY . .\nENTRYPOINT [\"/app/entrypoint.sh\"]\nCMD [\"gunicorn\", \"app:app\"]\n",
        None,
    );
    assert!(
        final_stage(&p)
            .ends_with("ENTRYPOINT [\"/app/entrypoint.sh\"]\nCMD [\"gunicorn\", \"app:app\"]\n"),
        "{}",
        final_stage(&p)
    );
    // What the CMD runs is judged too: curl, which slim lacks.
    let p = rewrite_in(
        &[
            ("requirements.txt", "flask==3.0.3\n"),
            ("entrypoint.sh", "#!/bin/sh\nexec \"$@\"\n"),
        ],
        "FROM python:3.11\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\nENTRYPOINT [\"/app/entrypoint.sh\"]\nCMD [\"curl\", \"http://example.com\"]\n",
        None,
    );
    assert_eq!(refusal(&p).0, "unknown-program");
}

#[test]
fn an_old_pnpm_whose_prune_reruns_postinstall_keeps_the_dev_dependencies() {
    let package = r#"{"name": "x", "packageManager": "pnpm@8.6.0", "scripts": {"build": "tsc", "postinstall": "prisma generate"}, "dependencies": {"@prisma/client": "5.16.1"}, "devDependencies": {"prisma": "5.16.1", "typescript": "5.4.5"}}"#;
    let dockerfile = "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN corepack enable && corepack prepare pnpm@8.6.0 --activate\nRUN pnpm install --frozen-lockfile\nRUN pnpm build\nCMD [\"node\", \"dist/index.js\"]\n";
    let files = [
        ("package.json", package),
        ("pnpm-lock.yaml", "lockfileVersion: '6.0'\n"),
    ];
    let p = rewrite_in(&files, dockerfile, None);
    assert!(!output(&p).contains("pnpm prune"), "{}", output(&p));
    assert!(kept(&p));
    // pnpm 9 skips them: pruned.
    let package9 = package.replace("pnpm@8.6.0", "pnpm@9.6.0");
    let files = [
        ("package.json", package9.as_str()),
        ("pnpm-lock.yaml", "lockfileVersion: '9.0'\n"),
    ];
    let p = rewrite_in(
        &files,
        &dockerfile.replace("pnpm@8.6.0", "pnpm@9.6.0"),
        None,
    );
    assert!(output(&p).contains("pnpm prune"), "{}", output(&p));
}

#[test]
fn an_editable_install_s_extras_are_no_part_of_its_path() {
    let p = rewrite_in(
        &[("setup.py", "from setuptools import setup\nsetup(name='x')\n")],
        "FROM python:3.10\nWORKDIR /src\nCOPY . /src\nRUN pip install --no-cache-dir gunicorn && pip install --no-cache-dir -e /src[database]\nCMD [\"gunicorn\", \"x.wsgi:application\"]\n",
        None,
    );
    assert!(
        final_stage(&p).contains("COPY --from=builder /src /src\n"),
        "{:?}",
        p.report.reason
    );
}

#[test]
fn a_health_check_program_the_final_stage_installs_again_is_not_refused() {
    let p = rewrite_in(
        REQUIREMENTS,
        "FROM python:3.11-alpine\nRUN apk add --no-cache bash build-base\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\nHEALTHCHECK CMD bash -c 'wget -q -O /dev/null http://127.0.0.1:8000/'\nCMD [\"gunicorn\", \"app:app\"]\n",
        None,
    );
    let f = final_stage(&p);
    assert!(f.contains("apk add --no-cache bash"), "{f}");
    assert!(f.contains("HEALTHCHECK CMD bash -c"), "{f}");
}
