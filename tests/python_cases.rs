//! The Python rewrite, one rule a test, on small inline Dockerfiles.

mod common;

use common::cases::{final_stage, output, refusal, rewrite_in};
use slimfile::parse::Dockerfile;
use slimfile::plan::Flavor;
use slimfile::process::Processed;
use slimfile::report::Status;

const REQUIREMENTS: &str = "flask==3.0.3\ngunicorn==22.0.0\n";

/// Runs a Dockerfile against a context holding `requirements.txt` and
/// `app.py` (and `extra` files), with the given flavour.
fn rewrite_with(dockerfile: &str, extra: &[(&str, &str)], flavor: Option<Flavor>) -> Processed {
    let mut files = vec![
        ("requirements.txt", REQUIREMENTS),
        ("app.py", "print('hi')\n"),
    ];
    files.extend_from_slice(extra);
    rewrite_in(&files, dockerfile, flavor)
}

fn rewrite(dockerfile: &str) -> Processed {
    rewrite_with(dockerfile, &[], None)
}

/// The builder: the output before its final stage.
fn builder(p: &Processed) -> &str {
    &output(p)[..p.tail_start]
}

fn code(p: &Processed) -> String {
    refusal(p).0
}

const PLAIN: &str = "FROM python:3.12\nWORKDIR /app\nCOPY requirements.txt .\nRUN pip install --no-cache-dir -r requirements.txt\nCOPY . .\nCMD [\"gunicorn\", \"app:app\"]\n";

#[test]
fn a_plain_pip_install_gets_a_virtual_environment_copied_to_slim() {
    let p = rewrite(PLAIN);
    let b = builder(&p);
    // The environment is made right before the install, by root.
    let venv = b.find("RUN python -m venv /opt/venv\n").unwrap();
    let install = b.find("RUN pip install").unwrap();
    assert!(
        b.find("COPY requirements.txt .").unwrap() < venv && venv < install,
        "{b}"
    );
    assert!(
        b.contains("ENV VIRTUAL_ENV=/opt/venv\nENV PATH=/opt/venv/bin:$PATH\n"),
        "{b}"
    );
    let f = final_stage(&p);
    assert!(f.starts_with("FROM python:3.12-slim\n"), "{f}");
    assert!(f.contains("COPY --from=builder /app /app\n"), "{f}");
    assert!(
        f.contains("COPY --from=builder /opt/venv /opt/venv\n"),
        "{f}"
    );
    assert!(f.contains("ENV PATH=/opt/venv/bin:$PATH\n"), "{f}");
    assert!(f.ends_with("CMD [\"gunicorn\", \"app:app\"]\n"), "{f}");
}

#[test]
fn the_runtime_tag_keeps_the_version_and_the_release() {
    for (from, runtime) in [
        ("python:3.12", "python:3.12-slim"),
        ("python:3.12.4", "python:3.12.4-slim"),
        ("python:3", "python:3-slim"),
        ("python", "python:slim"),
        ("python:latest", "python:slim"),
        ("python:3.11-bookworm", "python:3.11-slim-bookworm"),
        ("python:bookworm", "python:slim-bookworm"),
        ("python:3.13-trixie", "python:3.13-slim-trixie"),
        (
            "docker.io/library/python:3.12",
            "docker.io/library/python:3.12-slim",
        ),
        (
            "mirror.example.com/library/python:3.10-bullseye",
            "mirror.example.com/library/python:3.10-slim-bullseye",
        ),
        ("python:3.14-rc", "python:3.14-rc-slim"),
    ] {
        let p = rewrite(&PLAIN.replace("python:3.12", from));
        let f = final_stage(&p);
        assert!(f.starts_with(&format!("FROM {runtime}\n")), "{from}: {f}");
    }
}

#[test]
fn a_tag_from_an_arg_is_composed_from_the_arg() {
    let p = rewrite(&format!(
        "ARG PY=3.12\n{}",
        PLAIN.replace("python:3.12", "python:${PY}")
    ));
    assert!(final_stage(&p).starts_with("FROM python:${PY}-slim\n"));
    // A default that names the release cannot be made slim by a suffix.
    let p = rewrite(&format!(
        "ARG PY=3.12-bookworm\n{}",
        PLAIN.replace("python:3.12", "python:${PY}")
    ));
    assert_eq!(code(&p), "unknown-tag");
    // No default: nothing to read.
    let p = rewrite(&format!(
        "ARG PY\n{}",
        PLAIN.replace("python:3.12", "python:${PY}")
    ));
    assert_eq!(code(&p), "unknown-tag");
}

#[test]
fn an_unknown_variant_is_refused() {
    let p = rewrite(&PLAIN.replace("python:3.12", "python:3.12-windowsservercore-ltsc2022"));
    let (code, text) = refusal(&p);
    assert_eq!(code, "unknown-tag");
    assert!(text.contains("windowsservercore"), "{text}");
}

#[test]
fn a_digest_pins_the_builder_only_and_is_said() {
    let digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    let p = rewrite(&PLAIN.replace("python:3.12", &format!("python:3.12@{digest}")));
    assert!(final_stage(&p).starts_with("FROM python:3.12-slim\n"));
    assert!(p
        .report
        .warnings
        .iter()
        .any(|w| w.code.as_str() == "digest-dropped"));
}

#[test]
fn the_builders_own_lean_image_with_nothing_to_drop_is_left_alone() {
    let p = rewrite(&PLAIN.replace("python:3.12", "python:3.12-slim"));
    assert_eq!(p.report.status, Status::Unchanged);
    assert_eq!(code(&p), "nothing-to-gain");
    // Build tools on it are a gain: the final stage is the same image.
    let p = rewrite(&PLAIN.replace(
        "FROM python:3.12\n",
        "FROM python:3.12-slim\nRUN apt-get update && apt-get install -y gcc libpq-dev\n",
    ));
    let f = final_stage(&p);
    assert!(f.starts_with("FROM python:3.12-slim\n"), "{f}");
    assert!(
        f.contains("apt-get install -y --no-install-recommends libpq5"),
        "{f}"
    );
    assert!(!f.contains("gcc"), "{f}");
}

#[test]
fn tool_installs_run_before_the_environment_and_stay_in_the_builder() {
    let p = rewrite(&PLAIN.replace(
        "WORKDIR /app\n",
        "RUN pip install --upgrade pip setuptools wheel\nWORKDIR /app\n",
    ));
    let b = builder(&p);
    assert!(
        b.find("pip install --upgrade pip").unwrap() < b.find("python -m venv").unwrap(),
        "{b}"
    );
    // An install of tools and of the app in one RUN: the environment comes first.
    let p = rewrite(&PLAIN.replace(
        "RUN pip install --no-cache-dir -r requirements.txt",
        "RUN pip install --upgrade pip && pip install -r requirements.txt",
    ));
    let b = builder(&p);
    assert!(
        b.find("python -m venv").unwrap() < b.find("pip install --upgrade pip").unwrap(),
        "{b}"
    );
}

#[test]
fn pip_by_every_name_installs_into_the_environment() {
    for pip in ["pip3", "pip3.12", "python -m pip", "python3 -m pip"] {
        let p = rewrite(&PLAIN.replace("RUN pip install", &format!("RUN {pip} install")));
        assert!(
            builder(&p).contains("RUN python -m venv /opt/venv"),
            "{pip}"
        );
    }
}

#[test]
fn the_image_s_own_pip_by_its_path_is_refused() {
    let p = rewrite(&PLAIN.replace("RUN pip install", "RUN /usr/local/bin/pip install"));
    assert_eq!(code(&p), "pip-outside-venv");
}

#[test]
fn a_user_install_copies_that_user_s_local_folder_and_no_environment_is_made() {
    // pip refuses --user inside a virtual environment: none is made.
    let p = rewrite(&PLAIN.replace("pip install", "pip install --user"));
    assert!(!builder(&p).contains("venv"), "{}", builder(&p));
    let f = final_stage(&p);
    assert!(
        f.contains("COPY --from=builder /root/.local /root/.local\n"),
        "{f}"
    );
    assert!(!f.contains("VIRTUAL_ENV"), "{f}");
    // pip as another user installs into its ~/.local too.
    let p = rewrite(&PLAIN.replace(
        "COPY requirements.txt .\n",
        "RUN useradd -m app\nCOPY requirements.txt .\nUSER app\n",
    ));
    let f = final_stage(&p);
    assert!(
        f.contains("COPY --from=builder /home/app/.local /home/app/.local\n"),
        "{f}"
    );
    // PYTHONUSERBASE moves it: set by ENV, or on the install's command line.
    let moved = PLAIN
        .replace("WORKDIR /app\n", "WORKDIR /app\nENV PYTHONUSERBASE=/deps\n")
        .replace("pip install", "pip install --user");
    let p = rewrite(&moved);
    assert!(
        final_stage(&p).contains("COPY --from=builder /deps /deps\n"),
        "{}",
        final_stage(&p)
    );
    // Set for the install only, python would not look there at run time.
    let p = rewrite(&moved.replace("RUN pip", "RUN PYTHONUSERBASE=/x pip"));
    assert_eq!(code_of(&p), "install-as-user");
    // A user whose home slimfile cannot tell, and installs in two places, are refused.
    let p = rewrite(&PLAIN.replace(
        "COPY requirements.txt .\n",
        "COPY requirements.txt .\nUSER nobody\n",
    ));
    let (code, text) = refusal(&p);
    assert_eq!(code, "install-as-user");
    assert!(text.contains("nobody"), "{text}");
    let p = rewrite(&PLAIN.replace(
        "RUN pip install --no-cache-dir -r requirements.txt",
        "RUN pip install --user -r requirements.txt && pip install gunicorn",
    ));
    assert_eq!(code_of(&p), "install-as-user");
}

#[test]
fn target_prefix_and_root_outside_the_app_are_refused() {
    for option in [
        "--target /deps",
        "--prefix=/install",
        "--root /r",
        "-t /deps",
    ] {
        let p = rewrite(&PLAIN.replace("pip install", &format!("pip install {option}")));
        assert_eq!(code(&p), "pip-outside-venv", "{option}");
    }
    // A target inside the application comes with it.
    let p = rewrite(&PLAIN.replace("pip install", "pip install --target ./deps"));
    assert!(p.rewritten.is_some(), "{:?}", p.report.reason);
}

#[test]
fn an_editable_install_must_point_inside_the_app() {
    let p = rewrite(&PLAIN.replace("-r requirements.txt", "-e ."));
    assert!(final_stage(&p).contains("COPY --from=builder /app /app"));
    let p = rewrite(&PLAIN.replace("-r requirements.txt", "-e /src/lib"));
    assert_eq!(code(&p), "editable-outside-app");
}

#[test]
fn tools_not_rewritten_yet_are_refused_with_their_code() {
    for run in [
        "pdm install --prod",
        "hatch env create",
        "conda env create -f environment.yml",
        "pipx install ruff",
        "python -m pdm install",
        "poetry add flask",
        "pipenv uninstall --all-dev",
        "uv python install 3.12",
    ] {
        let p = rewrite(&PLAIN.replace("pip install --no-cache-dir -r requirements.txt", run));
        let (code, text) = refusal(&p);
        assert_eq!(code, "python-tool-not-yet", "{run}");
        assert!(text.contains(run.split(' ').next().unwrap()), "{text}");
    }
    let p = rewrite(&PLAIN.replace(
        "CMD [\"gunicorn\", \"app:app\"]",
        "CMD [\"pdm\", \"run\", \"gunicorn\", \"app:app\"]",
    ));
    assert_eq!(code(&p), "python-tool-not-yet");
}

#[test]
fn the_dockerfile_s_own_environment_is_kept_and_copied() {
    let p = rewrite(&PLAIN.replace(
        "WORKDIR /app\n",
        "RUN python -m venv /venv\nENV PATH=\"/venv/bin:$PATH\"\nWORKDIR /app\n",
    ));
    let b = builder(&p);
    assert!(!b.contains("/opt/venv"), "{b}");
    let f = final_stage(&p);
    assert!(f.contains("COPY --from=builder /venv /venv\n"), "{f}");
    assert!(f.contains("ENV PATH=\"/venv/bin:$PATH\"\n"), "{f}");
    // Its own pip by path, or activated.
    let p = rewrite(&PLAIN.replace(
        "RUN pip install",
        "RUN python -m venv /venv && /venv/bin/pip install",
    ));
    assert!(final_stage(&p).contains("COPY --from=builder /venv /venv\n"));
    // One inside the application comes with it.
    let p = rewrite(&PLAIN.replace(
        "RUN pip install",
        "RUN python -m venv .venv && . .venv/bin/activate && pip install",
    ));
    let f = final_stage(&p);
    assert!(!f.contains("COPY --from=builder /app/.venv"), "{f}");
    // An environment the installs do not use: their packages go elsewhere.
    let p = rewrite(&PLAIN.replace("WORKDIR /app\n", "RUN python -m venv /venv\nWORKDIR /app\n"));
    assert_eq!(code(&p), "own-virtualenv");
}

#[test]
fn build_only_packages_stay_and_their_libraries_are_installed() {
    let p = rewrite(&PLAIN.replace(
        "WORKDIR /app\n",
        "RUN apt-get update && apt-get install -y --no-install-recommends build-essential libpq-dev libjpeg-dev python3-dev git && rm -rf /var/lib/apt/lists/*\nWORKDIR /app\n",
    ));
    let f = final_stage(&p);
    assert!(
        f.contains("install -y --no-install-recommends libpq5 libjpeg62-turbo &&"),
        "{f}"
    );
    for gone in ["build-essential", "git", "python3-dev", "-dev "] {
        assert!(!f.contains(gone), "{gone}: {f}");
    }
    // A library the python image already has is not installed again.
    let p = rewrite(&PLAIN.replace(
        "WORKDIR /app\n",
        "RUN apt-get update && apt-get install -y gcc libffi-dev libssl-dev\nWORKDIR /app\n",
    ));
    assert!(!final_stage(&p).contains("apt-get"), "{}", final_stage(&p));
    // One the template does not know is said.
    let p = rewrite(&PLAIN.replace(
        "WORKDIR /app\n",
        "RUN apt-get update && apt-get install -y gcc libgeos-dev\nWORKDIR /app\n",
    ));
    assert!(p
        .report
        .warnings
        .iter()
        .any(|w| w.code.as_str() == "dev-package-dropped"));
}

#[test]
fn alpine_stays_alpine_and_glibc_never_becomes_musl() {
    let alpine = PLAIN
        .replace("python:3.12", "python:3.12-alpine3.20")
        .replace(
            "WORKDIR /app\n",
            "RUN apk add --no-cache build-base postgresql-dev libxslt-dev\nWORKDIR /app\n",
        );
    let p = rewrite(&alpine);
    let f = final_stage(&p);
    assert!(f.starts_with("FROM python:3.12-alpine3.20\n"), "{f}");
    // build-base's g++ may have built C++ extensions: libstdc++ comes too.
    assert!(
        f.contains("apk add --no-cache libpq libxslt libstdc++\n"),
        "{f}"
    );
    // musl wheels on glibc, and glibc wheels on musl, are refused.
    let p = rewrite_with(&alpine, &[], Some(Flavor::Slim));
    assert_eq!(code(&p), "musl-to-glibc");
    let p = rewrite_with(PLAIN, &[], Some(Flavor::Alpine));
    assert_eq!(code(&p), "native-on-musl");
}

#[test]
fn distroless_and_scratch_are_refused_with_the_reason() {
    let p = rewrite_with(PLAIN, &[], Some(Flavor::Distroless));
    let (which, text) = refusal(&p);
    assert_eq!(which, "unsupported-distroless");
    assert!(text.contains("/usr/local/bin/python3"), "{text}");
    let p = rewrite_with(PLAIN, &[], Some(Flavor::Scratch));
    assert_eq!(code(&p), "no-runtime-image");
}

#[test]
fn a_healthcheck_tool_is_installed_and_python_is_not() {
    let p = rewrite(&PLAIN.replace(
        "CMD",
        "HEALTHCHECK CMD curl -f http://localhost:8000/ || exit 1\nCMD",
    ));
    assert!(final_stage(&p).contains("apt-get install -y --no-install-recommends curl"));
    let p = rewrite(&PLAIN.replace(
        "CMD",
        "HEALTHCHECK CMD [\"python\", \"-c\", \"import urllib.request as u; u.urlopen('http://localhost:8000')\"]\nCMD",
    ));
    assert!(
        !final_stage(&p).contains("RUN apt-get"),
        "{}",
        final_stage(&p)
    );
}

#[test]
fn an_archived_release_that_would_need_apt_is_refused() {
    let p = rewrite(&PLAIN.replace("python:3.12", "python:3.9-buster").replace(
        "WORKDIR /app\n",
        "RUN apt-get update && apt-get install -y gcc libpq-dev\nWORKDIR /app\n",
    ));
    let (code, text) = refusal(&p);
    assert_eq!(code, "archived-release");
    assert!(text.contains("python:3.9-slim-buster"), "{text}");
    // Nothing to install there: rewritten.
    let p = rewrite(&PLAIN.replace("python:3.12", "python:3.9-buster"));
    assert!(final_stage(&p).starts_with("FROM python:3.9-slim-buster\n"));
}

#[test]
fn no_workdir_replays_the_copies_where_every_run_is_followed() {
    let p = rewrite(
        "FROM python:3.11\nCOPY requirements.txt app.py /\nRUN pip install -r /requirements.txt\nCMD [\"python\", \"/app.py\"]\n",
    );
    let f = final_stage(&p);
    assert!(f.contains("COPY requirements.txt app.py /\n"), "{f}");
    assert!(
        f.contains("COPY --from=builder /opt/venv /opt/venv\n"),
        "{f}"
    );
    // A step whose output slimfile cannot name, in `/`, is refused.
    let p = rewrite(
        "FROM python:3.11\nCOPY . /\nRUN pip install -r /requirements.txt && python -m compileall /\nCMD [\"python\", \"/app.py\"]\n",
    );
    assert_eq!(code(&p), "no-workdir");
}

#[test]
fn a_non_python_image_that_installs_python_is_refused_with_the_reason() {
    let p = rewrite(
        "FROM debian:bookworm\nRUN apt-get update && apt-get install -y python3 python3-pip\nWORKDIR /app\nCOPY . .\nRUN pip3 install -r requirements.txt\nCMD [\"python3\", \"app.py\"]\n",
    );
    let (code, text) = refusal(&p);
    assert_eq!(code, "unofficial-image");
    assert!(text.contains("system package manager"), "{text}");
}

#[test]
fn a_base_image_with_no_command_is_left_alone() {
    let p =
        rewrite("FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\n");
    assert_eq!(p.report.status, Status::Unchanged);
    assert_eq!(code(&p), "base-image");
}

#[test]
fn every_env_and_the_runtime_configuration_are_kept_in_order() {
    let p = rewrite(
        "FROM python:3.12\nENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\nENV PATH=/app/bin:$PATH\nEXPOSE 8000\nLABEL org.opencontainers.image.title=app\nSTOPSIGNAL SIGINT\nCMD gunicorn app:app\n",
    );
    let f = final_stage(&p);
    let at = |s: &str| f.find(s).unwrap_or_else(|| panic!("{s}: {f}"));
    // The builder's PATH order: the environment's, then the file's own.
    assert!(at("ENV PYTHONUNBUFFERED") < at("ENV VIRTUAL_ENV"));
    assert!(at("ENV PATH=/opt/venv/bin:$PATH") < at("ENV PATH=/app/bin:$PATH"));
    for kept in [
        "EXPOSE 8000",
        "LABEL org.opencontainers",
        "STOPSIGNAL SIGINT",
        "CMD gunicorn app:app",
    ] {
        at(kept);
    }
}

#[test]
fn the_rewrite_re_parses_and_a_second_run_of_the_builder_gives_the_same_file() {
    for dockerfile in [
        PLAIN.to_string(),
        PLAIN.replace("\n", "\r\n"),
        PLAIN.replace("WORKDIR /app\n", "RUN pip install -U pip\nWORKDIR /app\n"),
    ] {
        let p = rewrite(&dockerfile);
        let out = output(&p).to_string();
        assert!(Dockerfile::parse(&out).problems().is_empty());
        let again = rewrite(builder(&p));
        assert_eq!(output(&again), out);
    }
}

#[test]
fn an_install_right_after_from_gets_the_environment_before_it() {
    let p = rewrite("FROM python:3.12\nRUN pip install flask gunicorn\nCOPY app.py /srv/\nWORKDIR /srv\nCMD [\"gunicorn\", \"app:app\"]\n");
    assert!(
        output(&p).starts_with("FROM python:3.12 AS builder\nRUN python -m venv /opt/venv\nENV VIRTUAL_ENV=/opt/venv\nENV PATH=/opt/venv/bin:$PATH\nRUN pip install flask gunicorn\n"),
        "{}",
        output(&p)
    );
    let again = rewrite(builder(&p));
    assert_eq!(output(&again), output(&p));
}

#[test]
fn a_development_server_is_kept_with_a_warning() {
    for cmd in [
        "CMD [\"python\", \"manage.py\", \"runserver\", \"0.0.0.0:8000\"]",
        "CMD flask run --host 0.0.0.0",
        "CMD [\"uvicorn\", \"main:app\", \"--reload\"]",
    ] {
        let p = rewrite(&PLAIN.replace("CMD [\"gunicorn\", \"app:app\"]", cmd));
        assert!(final_stage(&p).ends_with(&format!("{cmd}\n")), "{cmd}");
        assert!(
            p.report
                .warnings
                .iter()
                .any(|w| w.code.as_str() == "dev-server"),
            "{cmd}"
        );
    }
    let p = rewrite(PLAIN);
    assert!(!p
        .report
        .warnings
        .iter()
        .any(|w| w.code.as_str() == "dev-server"));
}

#[test]
fn data_downloaded_outside_the_app_is_refused_unless_a_variable_keeps_it_inside() {
    let nltk = PLAIN.replace(
        "COPY . .\n",
        "COPY . .\nRUN python -c \"import nltk; nltk.download('punkt')\"\n",
    );
    let (code, text) = refusal(&rewrite(&nltk));
    assert_eq!(code, "download-outside-app");
    assert!(text.contains("~/nltk_data"), "{text}");
    let kept = nltk.replace("COPY . .\n", "COPY . .\nENV NLTK_DATA=/app/nltk_data\n");
    assert!(rewrite(&kept).rewritten.is_some());
    let hf = PLAIN.replace(
        "COPY . .\n",
        "COPY . .\nRUN python -c \"from sentence_transformers import SentenceTransformer; SentenceTransformer('all-MiniLM-L6-v2')\"\n",
    );
    assert_eq!(code_of(&rewrite(&hf)), "download-outside-app");
    let kept = hf.replace("WORKDIR /app\n", "WORKDIR /app\nENV HF_HOME=/app/.hf\n");
    assert!(rewrite(&kept).rewritten.is_some());
}

fn code_of(p: &Processed) -> String {
    refusal(p).0
}

#[test]
fn a_program_only_the_full_image_has_is_refused_where_nothing_brings_it() {
    let script =
        "#!/bin/sh\nset -e\ngit rev-parse HEAD > /tmp/rev || true\nexec gunicorn app:app\n";
    let dockerfile = PLAIN.replace(
        "CMD [\"gunicorn\", \"app:app\"]",
        "ENTRYPOINT [\"./start.sh\"]",
    );
    let p = rewrite_with(&dockerfile, &[("start.sh", script)], None);
    let (code, text) = refusal(&p);
    assert_eq!(code, "unknown-program");
    assert!(text.contains("git"), "{text}");
    // A package the final stage installs may bring it: rewritten.
    let with_git = dockerfile.replace(
        "WORKDIR /app\n",
        "RUN apt-get update && apt-get install -y git\nWORKDIR /app\n",
    );
    let p = rewrite_with(&with_git, &[("start.sh", script)], None);
    assert!(final_stage(&p).contains("install -y git"));
    // A console script pip installed is in the environment.
    assert!(rewrite(PLAIN).rewritten.is_some());
}

const PYPROJECT_POETRY: &str = "[tool.poetry]\nname = \"app\"\nversion = \"1.0.0\"\n\n[tool.poetry.dependencies]\npython = \"^3.12\"\nflask = \"^3\"\n\n[tool.poetry.group.dev.dependencies]\npytest = \"^8\"\n";

#[test]
fn poetry_installs_into_the_environment_and_its_dev_groups_are_synced_away() {
    let dockerfile = "FROM python:3.12\nRUN pip install poetry==1.8.5\nWORKDIR /app\nCOPY pyproject.toml poetry.lock ./\nRUN poetry config virtualenvs.create false && poetry install --no-root\nCOPY . .\nRUN poetry run pytest\nCMD [\"poetry\", \"run\", \"gunicorn\", \"app:app\"]\n";
    let p = rewrite_with(
        dockerfile,
        &[("pyproject.toml", PYPROJECT_POETRY), ("poetry.lock", "")],
        None,
    );
    let b = builder(&p);
    // The tool stays outside the environment; the install goes into it.
    let venv = b.find("RUN python -m venv /opt/venv").unwrap();
    assert!(b.find("pip install poetry").unwrap() < venv, "{b}");
    assert!(venv < b.find("poetry install --no-root").unwrap(), "{b}");
    // poetry 1.8 has no `sync`: the dev group goes after the last RUN.
    assert!(
        b.contains("RUN poetry run pytest\nRUN poetry install --sync --only main --no-interaction --no-root\n"),
        "{b}"
    );
    let f = final_stage(&p);
    assert!(f.ends_with("CMD [\"gunicorn\", \"app:app\"]\n"), "{f}");
    assert!(p
        .report
        .warnings
        .iter()
        .any(|w| w.code.as_str() == "command-without-tool"));
    // poetry 2 (or unpinned): `poetry sync`; only main: nothing to drop.
    let p = rewrite_with(
        &dockerfile.replace("poetry==1.8.5", "poetry"),
        &[("pyproject.toml", PYPROJECT_POETRY), ("poetry.lock", "")],
        None,
    );
    assert!(builder(&p).contains("RUN poetry sync --only main --no-interaction --no-root\n"));
    let p = rewrite_with(
        &dockerfile.replace("--no-root", "--no-root --only main"),
        &[("pyproject.toml", PYPROJECT_POETRY), ("poetry.lock", "")],
        None,
    );
    assert!(!builder(&p).contains("sync"), "{}", builder(&p));
    // A second run recognises its own clean-up.
    let again = rewrite_with(
        builder(&p),
        &[("pyproject.toml", PYPROJECT_POETRY), ("poetry.lock", "")],
        None,
    );
    assert_eq!(output(&again), output(&p));
    // An environment in the project: poetry makes /app/.venv itself, the
    // app directory carries it, and the start finds it on PATH.
    let in_project = dockerfile.replace("virtualenvs.create false", "virtualenvs.in-project true");
    let p = rewrite_with(
        &in_project,
        &[("pyproject.toml", PYPROJECT_POETRY), ("poetry.lock", "")],
        None,
    );
    let b = builder(&p);
    assert!(!b.contains("/opt/venv"), "{b}");
    assert!(b.contains("RUN poetry run pytest\nRUN poetry install --sync --only main --no-interaction --no-root\n"), "{b}");
    let f = final_stage(&p);
    assert!(f.contains("COPY --from=builder /app /app\n"), "{f}");
    assert!(f.contains("ENV PATH=/app/.venv/bin:$PATH\n"), "{f}");
    assert!(f.ends_with("CMD [\"gunicorn\", \"app:app\"]\n"), "{f}");
    // The same from the variable, given to the install alone: the clean-up
    // repeats it, or it would look for another environment.
    let p = rewrite_with(
        &dockerfile
            .replace("poetry config virtualenvs.create false && ", "")
            .replace(
                "RUN poetry install",
                "RUN POETRY_VIRTUALENVS_IN_PROJECT=true poetry install",
            ),
        &[("pyproject.toml", PYPROJECT_POETRY), ("poetry.lock", "")],
        None,
    );
    assert!(
        builder(&p)
            .contains("\nRUN POETRY_VIRTUALENVS_IN_PROJECT=true poetry install --sync --only main"),
        "{}",
        builder(&p)
    );
    // From a poetry.toml copied before the install; not from one copied after.
    let local = dockerfile
        .replace("poetry config virtualenvs.create false && ", "")
        .replace("poetry.lock ./", "poetry.lock poetry.toml ./");
    let files = [
        ("pyproject.toml", PYPROJECT_POETRY),
        ("poetry.lock", ""),
        ("poetry.toml", "[virtualenvs]\nin-project = true\n"),
    ];
    let p = rewrite_with(&local, &files, None);
    assert!(!builder(&p).contains("/opt/venv"), "{}", builder(&p));
    let p = rewrite_with(
        &dockerfile.replace("poetry config virtualenvs.create false && ", ""),
        &files,
        None,
    );
    assert!(
        builder(&p).contains("RUN python -m venv /opt/venv"),
        "{}",
        builder(&p)
    );
    // With a VIRTUAL_ENV active, poetry uses it and makes none in the project.
    let p = rewrite_with(
        &in_project.replace(
            "WORKDIR /app\n",
            "WORKDIR /app\nRUN python -m venv /venv\nENV VIRTUAL_ENV=/venv PATH=/venv/bin:$PATH\n",
        ),
        &[("pyproject.toml", PYPROJECT_POETRY), ("poetry.lock", "")],
        None,
    );
    assert!(
        final_stage(&p).contains("COPY --from=builder /venv /venv\n"),
        "{}",
        final_stage(&p)
    );
    // Other installs would need the rewrite's environment, which poetry would then use.
    let p = rewrite_with(
        &in_project.replace(
            "RUN poetry run pytest",
            "RUN pip install -r requirements.txt",
        ),
        &[("pyproject.toml", PYPROJECT_POETRY), ("poetry.lock", "")],
        None,
    );
    assert_eq!(code_of(&p), "own-virtualenv");
}

#[test]
fn pipenv_installs_into_the_environment_or_its_own_in_the_project() {
    let dockerfile = "FROM python:3.11\nRUN pip install pipenv\nWORKDIR /app\nCOPY Pipfile Pipfile.lock ./\nRUN pipenv install --system --deploy\nCOPY . .\nCMD [\"pipenv\", \"run\", \"python\", \"app.py\"]\n";
    let p = rewrite_with(
        dockerfile,
        &[("Pipfile", "[packages]\nflask = \"*\"\n")],
        None,
    );
    let b = builder(&p);
    assert!(
        b.find("python -m venv").unwrap() < b.find("pipenv install").unwrap(),
        "{b}"
    );
    assert!(final_stage(&p).ends_with("CMD [\"python\", \"app.py\"]\n"));
    // Its environment in the project: --system installs into the active
    // environment still; without it pipenv makes /app/.venv.
    let in_project = dockerfile.replace(
        "WORKDIR /app\n",
        "WORKDIR /app\nENV PIPENV_VENV_IN_PROJECT=1\n",
    );
    let p = rewrite_with(&in_project, &[], None);
    assert!(builder(&p).contains("RUN python -m venv /opt/venv"));
    let p = rewrite_with(&in_project.replace("--system ", ""), &[], None);
    assert!(!builder(&p).contains("/opt/venv"), "{}", builder(&p));
    let f = final_stage(&p);
    assert!(f.contains("ENV PATH=/app/.venv/bin:$PATH\n"), "{f}");
    assert!(f.ends_with("CMD [\"python\", \"app.py\"]\n"), "{f}");
    // The Pipfile's folder is the project's.
    let p = rewrite_with(
        &in_project.replace("--system ", "").replace(
            "ENV PIPENV_VENV_IN_PROJECT=1\n",
            "ENV PIPENV_VENV_IN_PROJECT=1 PIPENV_PIPFILE=/deps/Pipfile\n",
        ),
        &[],
        None,
    );
    assert!(
        final_stage(&p).contains("COPY --from=builder /deps/.venv /deps/.venv\n"),
        "{}",
        final_stage(&p)
    );
    // Ignoring VIRTUAL_ENV with no environment in the project: ~/.local/share.
    let p = rewrite_with(
        &dockerfile.replace("--system ", "").replace(
            "WORKDIR /app\n",
            "WORKDIR /app\nENV PIPENV_IGNORE_VIRTUALENVS=1\n",
        ),
        &[],
        None,
    );
    assert_eq!(code_of(&p), "python-tool-not-yet");
    // --dev stays, and says so.
    let p = rewrite_with(&dockerfile.replace("--deploy", "--deploy --dev"), &[], None);
    assert!(p
        .report
        .warnings
        .iter()
        .any(|w| w.code.as_str() == "dev-dependencies-kept"));
}

#[test]
fn uv_sync_keeps_the_project_environment_and_uv_pip_system_the_interpreter_s() {
    let dockerfile = "FROM python:3.12\nRUN pip install uv==0.5.31\nWORKDIR /app\nCOPY . .\nRUN uv sync --frozen\nCMD [\"uv\", \"run\", \"python\", \"main.py\"]\n";
    let p = rewrite(dockerfile);
    let b = builder(&p);
    assert!(!b.contains("/opt/venv"), "{b}");
    assert!(
        b.contains("RUN uv sync --frozen\nRUN uv sync --frozen --no-dev\n"),
        "{b}"
    );
    let f = final_stage(&p);
    assert!(f.contains("ENV PATH=/app/.venv/bin:$PATH\n"), "{f}");
    assert!(f.ends_with("CMD [\"python\", \"main.py\"]\n"), "{f}");
    // An environment outside the app is copied.
    let p = rewrite(&dockerfile.replace(
        "WORKDIR /app\n",
        "WORKDIR /app\nENV UV_PROJECT_ENVIRONMENT=/venv\n",
    ));
    assert!(final_stage(&p).contains("COPY --from=builder /venv /venv\n"));
    // .python-version that is not the image's: uv would download one.
    let p = rewrite_with(dockerfile, &[(".python-version", "3.11\n")], None);
    assert_eq!(code_of(&p), "own-virtualenv");
    // uv pip install uses the environment; --system does not.
    let p = rewrite(&dockerfile.replace("uv sync --frozen", "uv pip install -r requirements.txt"));
    assert!(builder(&p).contains("RUN python -m venv /opt/venv"));
    // --system (or UV_SYSTEM_PYTHON) installs into the interpreter's own
    // site-packages and the scripts into /usr/local/bin: both copied, the
    // scripts the start runs by name.
    let system = dockerfile
        .replace(
            "uv sync --frozen",
            "uv pip install --system -r requirements.txt",
        )
        .replace(
            "CMD [\"uv\", \"run\", \"python\", \"main.py\"]",
            "CMD gunicorn main:app",
        );
    let p = rewrite(&system);
    assert!(!builder(&p).contains("venv"), "{}", builder(&p));
    let f = final_stage(&p);
    assert!(f.contains("COPY --from=builder /usr/local/lib/python3.12/site-packages /usr/local/lib/python3.12/site-packages\nCOPY --from=builder /usr/local/bin/gunicorn /usr/local/bin/gunicorn\n"), "{f}");
    let by_variable = system
        .replace("--system ", "")
        .replace("WORKDIR /app\n", "WORKDIR /app\nENV UV_SYSTEM_PYTHON=1\n");
    assert!(final_stage(&rewrite(&by_variable)).contains("/usr/local/lib/python3.12/site-packages"));
    // Root's plain pip goes there too; a user install does not.
    let p = rewrite(&system.replace("COPY . .\n", "COPY . .\nRUN pip install gunicorn\n"));
    assert!(
        final_stage(&p).contains("/usr/local/bin/gunicorn"),
        "{}",
        final_stage(&p)
    );
    let p = rewrite(&system.replace("COPY . .\n", "COPY . .\nRUN pip install --user gunicorn\n"));
    assert_eq!(code_of(&p), "pip-outside-venv");
    // A tag that does not say which 3.X: the folder cannot be named.
    let p = rewrite(&system.replace("python:3.12", "python:3"));
    assert_eq!(code_of(&p), "pip-outside-venv");
    // Commands slimfile does not follow.
    let p = rewrite(&dockerfile.replace("uv sync --frozen", "uv tool install ruff"));
    assert_eq!(code_of(&p), "python-tool-not-yet");
}

#[test]
fn a_copy_from_an_image_is_made_again_as_written() {
    let p = rewrite("FROM python:3.12\nCOPY --from=example.com/tools:1 /wait /ready /usr/local/bin/\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\nCMD [\"python\", \"main.py\"]\n");
    assert!(final_stage(&p)
        .contains("\nCOPY --from=example.com/tools:1 /wait /ready /usr/local/bin/\n"));
}

#[test]
fn uv_copied_from_its_image_stays_in_the_builder_unless_something_runs_it() {
    let dockerfile = "FROM python:3.12\nCOPY --from=ghcr.io/astral-sh/uv:0.5 /uv /uvx /bin/\nWORKDIR /app\nCOPY . .\nRUN uv sync --frozen --no-dev\nCMD [\"uv\", \"run\", \"python\", \"main.py\"]\n";
    let f = rewrite(dockerfile).rewritten.unwrap();
    assert!(
        !f[f.find("\n\nFROM").unwrap()..].contains("astral-sh"),
        "{f}"
    );
    let used = dockerfile.replace("CMD [", "HEALTHCHECK CMD uv --version\nCMD [");
    let p = rewrite(&used);
    assert!(final_stage(&p).contains("COPY --from=ghcr.io/astral-sh/uv:0.5 /uv /uvx /bin/"));
}

#[test]
fn a_build_tool_s_official_installer_stays_in_the_builder() {
    let dockerfile = "FROM python:3.12\nENV POETRY_HOME=/opt/poetry\nRUN curl -sSL https://install.python-poetry.org | python3 -\nENV PATH=\"$POETRY_HOME/bin:$PATH\"\nWORKDIR /app\nCOPY . .\nRUN poetry install --no-root --only main\nCMD [\"poetry\", \"run\", \"python\", \"-m\", \"app\"]\n";
    let p = rewrite_with(dockerfile, &[("pyproject.toml", PYPROJECT_POETRY)], None);
    let f = final_stage(&p);
    assert!(!f.contains("/opt/poetry /opt/poetry"), "{f}");
    assert!(f.ends_with("CMD [\"python\", \"-m\", \"app\"]\n"), "{f}");
    // uv's, piped to sh, which the shell reader cannot follow.
    let uv = "FROM python:3.12\nRUN curl -LsSf https://astral.sh/uv/install.sh | sh\nENV PATH=\"/root/.local/bin:$PATH\"\nWORKDIR /app\nCOPY . .\nRUN uv sync --frozen --no-dev\nCMD [\".venv/bin/python\", \"main.py\"]\n";
    let p = rewrite(uv);
    assert!(final_stage(&p).contains("COPY --from=builder /app /app"));
    // Another script piped to a shell is still one slimfile cannot follow.
    let p = rewrite(&uv.replace(
        "https://astral.sh/uv/install.sh",
        "https://example.com/setup.sh",
    ));
    assert_eq!(code_of(&p), "run-not-followed");
}

#[test]
fn what_the_review_found_is_rewritten_right_or_refused() {
    // A poetry 1 named by POETRY_VERSION (the official installer's) has no `sync`.
    let p = rewrite_with(
        "FROM python:3.11\nENV POETRY_VERSION=1.8.3 POETRY_HOME=/opt/poetry\nRUN curl -sSL https://install.python-poetry.org | python3 -\nENV PATH=\"$POETRY_HOME/bin:$PATH\"\nWORKDIR /app\nCOPY . .\nRUN poetry install --no-root\nCMD [\"gunicorn\", \"app:app\"]\n",
        &[("pyproject.toml", PYPROJECT_POETRY)],
        None,
    );
    assert!(
        builder(&p).contains("RUN poetry install --sync --only main --no-interaction --no-root\n"),
        "{}",
        builder(&p)
    );
    let p = rewrite_with(
        "FROM python:3.11\nRUN pip install \"poetry>=1.5,<1.9\"\nWORKDIR /app\nCOPY . .\nRUN poetry install --no-root\nCMD [\"gunicorn\", \"app:app\"]\n",
        &[("pyproject.toml", PYPROJECT_POETRY)],
        None,
    );
    assert!(
        builder(&p).contains("poetry install --sync --only main"),
        "{}",
        builder(&p)
    );
    // The clean-up runs with the install's mounts.
    let p = rewrite("FROM python:3.12\nWORKDIR /app\nRUN --mount=type=bind,source=uv.lock,target=uv.lock --mount=type=bind,source=pyproject.toml,target=pyproject.toml uv sync --locked --no-install-project\nCOPY src/ ./src/\nENV PATH=\"/app/.venv/bin:$PATH\"\nCMD [\"python\", \"-m\", \"myapp\"]\n");
    assert!(
        builder(&p).contains("RUN --mount=type=bind,source=uv.lock,target=uv.lock --mount=type=bind,source=pyproject.toml,target=pyproject.toml uv sync --locked --no-install-project --no-dev\n"),
        "{}",
        builder(&p)
    );
    // PIP_USER=1 makes every install a user install: no environment.
    let p = rewrite(&PLAIN.replace(
        "WORKDIR /app\n",
        "ENV PIP_USER=1 PATH=/root/.local/bin:$PATH\nWORKDIR /app\n",
    ));
    assert!(!builder(&p).contains("venv"), "{}", builder(&p));
    assert!(final_stage(&p).contains("COPY --from=builder /root/.local /root/.local"));
    // PIP_TARGET puts them elsewhere.
    let p = rewrite(&PLAIN.replace(
        "WORKDIR /app\n",
        "ENV PIP_TARGET=/deps PYTHONPATH=/deps\nWORKDIR /app\n",
    ));
    assert_eq!(code_of(&p), "pip-outside-venv");
    // A PATH set anew after the installs would hide the environment.
    let p = rewrite(&PLAIN.replace(
        "COPY . .\n",
        "ENV PATH=/app/scripts:/usr/local/bin:/usr/bin:/bin\nCOPY . .\n",
    ));
    assert_eq!(code_of(&p), "path-drops-venv");
    // --no-build-isolation: the tools installed first go into the environment.
    let p = rewrite(
        &PLAIN
            .replace(
                "COPY requirements.txt .\n",
                "RUN pip install cython setuptools wheel\nCOPY requirements.txt .\n",
            )
            .replace(
                "-r requirements.txt",
                "--no-build-isolation -r requirements.txt",
            ),
    );
    let b = builder(&p);
    assert!(
        b.find("python -m venv").unwrap() < b.find("pip install cython").unwrap(),
        "{b}"
    );
    // psycopg2 built on the full image links its libpq.
    let p = rewrite_with(
        PLAIN,
        &[
            ("requirements.txt", "-r base.txt\ngunicorn\n"),
            ("base.txt", "psycopg2==2.9.9\nmysqlclient\n"),
        ],
        None,
    );
    let f = final_stage(&p);
    assert!(
        f.contains("install -y --no-install-recommends libpq5 libmariadb3 &&"),
        "{f}"
    );
    // setup.py install goes into the environment.
    let p = rewrite(&PLAIN.replace(
        "RUN pip install --no-cache-dir -r requirements.txt",
        "RUN python setup.py install",
    ));
    assert!(builder(&p).contains("RUN python -m venv /opt/venv"));
    // pip-sync installs with its own interpreter; the image's python by path sees nothing.
    let p = rewrite(&PLAIN.replace(
        "RUN pip install --no-cache-dir -r requirements.txt",
        "RUN pip install pip-tools && pip-sync requirements.txt",
    ));
    assert_eq!(code_of(&p), "pip-outside-venv");
    let p = rewrite(&PLAIN.replace(
        "CMD [\"gunicorn\", \"app:app\"]",
        "ENTRYPOINT [\"/usr/local/bin/python\", \"-m\", \"app\"]",
    ));
    assert_eq!(code_of(&p), "image-interpreter");
    // A dev server keeps the dev dependencies.
    let p = rewrite_with(
        "FROM python:3.12\nRUN pip install poetry\nWORKDIR /app\nCOPY . .\nRUN poetry install --no-root\nCMD [\"poetry\", \"run\", \"python\", \"manage.py\", \"runserver\", \"0.0.0.0:8000\"]\n",
        &[("pyproject.toml", PYPROJECT_POETRY)],
        None,
    );
    assert!(!builder(&p).contains("sync"), "{}", builder(&p));
    assert!(p
        .report
        .warnings
        .iter()
        .any(|w| w.code.as_str() == "dev-dependencies-kept"));
    // pypy is official, and not rewritten yet.
    let (code, text) = refusal(&rewrite(&PLAIN.replace("python:3.12", "pypy:3.10")));
    assert_eq!(code, "unofficial-image");
    assert!(text.contains("PyPy"), "{text}");
}

#[test]
fn nltk_data_downloaded_into_a_named_folder_is_judged_by_that_folder() {
    let inside = PLAIN.replace(
        "COPY . .\n",
        "COPY . .\nRUN python -m nltk.downloader -d /app/nltk_data punkt\nENV NLTK_DATA=/app/nltk_data\n",
    );
    assert!(rewrite(&inside).rewritten.is_some());
    let outside = inside.replace("-d /app/nltk_data", "-d /usr/local/share/nltk_data");
    let (code, text) = refusal(&rewrite(&outside));
    assert_eq!(code, "download-outside-app");
    assert!(text.contains("/usr/local/share/nltk_data"), "{text}");
}

#[test]
fn uv_venv_s_options_with_a_value_are_not_its_path() {
    let p = rewrite(&PLAIN.replace(
        "RUN pip install --no-cache-dir -r requirements.txt",
        "RUN pip install uv && uv venv --python 3.12 /opt/env && VIRTUAL_ENV=/opt/env uv pip install -r requirements.txt",
    ));
    assert!(
        final_stage(&p).contains("COPY --from=builder /opt/env /opt/env\n"),
        "{}",
        final_stage(&p)
    );
}
