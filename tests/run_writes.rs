//! What a `RUN` writes outside the application, whatever the language: the
//! system programs the shared data names, and the programs no rule models,
//! judged by the folders their words and the `ENV`s in force name
//! (src/assemble/unmodelled.rs).

mod common;

use common::cases::{assumptions, final_stage, output, refusal, rewrite_in};

const PYTHON_FILES: &[(&str, &str)] = &[
    ("requirements.txt", "django==5.1.3\ngunicorn==23.0.0\n"),
    ("manage.py", "print('manage')\n"),
    ("corp-ca.crt", "-----BEGIN CERTIFICATE-----\n"),
];

const NODE_FILES: &[(&str, &str)] = &[
    (
        "package.json",
        r#"{"name": "app", "scripts": {"start": "node server.js"}, "dependencies": {"express": "^4.21.0"}}"#,
    ),
    (
        "package-lock.json",
        r#"{"lockfileVersion": 3, "packages": {"": {}}}"#,
    ),
    ("server.js", "require('express')\n"),
    ("build.js", "// writes the site\n"),
];

fn python(body: &str) -> slimfile::process::Processed {
    let dockerfile = format!(
        "FROM python:3.12\nWORKDIR /app\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\nCOPY . .\n{body}CMD [\"gunicorn\", \"mysite.wsgi\"]\n"
    );
    rewrite_in(PYTHON_FILES, &dockerfile, None)
}

fn node(body: &str) -> slimfile::process::Processed {
    let dockerfile = format!(
        "FROM node:22\nWORKDIR /app\nCOPY package*.json ./\nRUN npm ci\nCOPY . .\n{body}CMD [\"node\", \"server.js\"]\n"
    );
    rewrite_in(NODE_FILES, &dockerfile, None)
}

#[test]
fn a_program_no_rule_models_is_refused_where_an_env_points_it_outside_the_app() {
    let p = python("ENV STATIC_ROOT=/static\nRUN python manage.py collectstatic --noinput\n");
    let (code, text) = refusal(&p);
    assert_eq!(code, "write-outside-app");
    assert!(
        text.contains("`python manage.py collectstatic --noinput`")
            && text.contains("STATIC_ROOT=/static (line 6)")
            && text.contains("set STATIC_ROOT to a folder inside /app"),
        "{text}"
    );
    assert_eq!(p.report.reason.as_ref().unwrap().line, Some(7));
}

#[test]
fn a_program_no_rule_models_is_assumed_to_write_inside_the_app_and_explain_says_so() {
    let p = python("ENV STATIC_ROOT=/app/static\nRUN python manage.py collectstatic --noinput\n");
    output(&p);
    let assumed = assumptions(&p);
    assert_eq!(assumed.len(), 1, "{assumed:?}");
    assert_eq!(assumed[0].0, 7);
    assert!(
        assumed[0]
            .1
            .contains("`python manage.py collectstatic --noinput` (in /app)"),
        "{assumed:?}"
    );
}

#[test]
fn an_env_set_after_the_run_or_reset_inside_the_app_does_not_count() {
    let after = python("RUN python manage.py collectstatic --noinput\nENV STATIC_ROOT=/static\n");
    output(&after);
    let reset = python(
        "ENV STATIC_ROOT=/static\nENV STATIC_ROOT=/app/static\nRUN python manage.py collectstatic --noinput\n",
    );
    output(&reset);
    let in_run = python("RUN STATIC_ROOT=/srv/static python manage.py collectstatic --noinput\n");
    assert!(refusal(&in_run).1.contains("STATIC_ROOT=/srv/static names"));
}

#[test]
fn a_folder_the_final_stage_copies_anyway_is_no_loss() {
    // The builder makes /static, so the final stage copies it from the
    // builder, with what collectstatic wrote into it.
    let p = python(
        "RUN mkdir -p /static\nENV STATIC_ROOT=/static\nRUN python manage.py collectstatic --noinput\n",
    );
    assert!(
        final_stage(&p).contains("COPY --from=builder /static /static"),
        "{}",
        final_stage(&p)
    );
    // Files copied there are not the folder: what else lands in it is lost.
    let p = python(
        "COPY manage.py /static/\nENV STATIC_ROOT=/static\nRUN python manage.py collectstatic --noinput\n",
    );
    assert_eq!(refusal(&p).0, "write-outside-app");
}

#[test]
fn a_path_in_the_words_outside_the_app_is_refused_and_system_paths_are_read() {
    let p = node("RUN node build.js --out /var/www/html\n");
    let (code, text) = refusal(&p);
    assert_eq!(code, "write-outside-app");
    assert!(text.contains("it names /var/www/html"), "{text}");
    let p = node("RUN node build.js --out=/srv/site\n");
    assert!(refusal(&p).1.contains("it names /srv/site"));
    // A configuration file under /etc is read, not written.
    let p = node("RUN node build.js --config /etc/site.json\n");
    output(&p);
    assert_eq!(assumptions(&p).len(), 1);
}

#[test]
fn the_language_tools_variables_are_not_output_folders() {
    // PNPM_HOME is where pnpm keeps its store and global programs: the
    // Node.js rules judge pnpm; a build script does not write its output there.
    let p = node("ENV PNPM_HOME=/pnpm\nRUN node build.js\n");
    output(&p);
    // A search path names folders to read.
    let p = node("ENV NODE_PATH=/usr/lib/node\nENV LD_LIBRARY_PATH=/opt/lib\nRUN node build.js\n");
    output(&p);
}

#[test]
fn the_language_own_commands_are_not_assumed() {
    let p = node("RUN npm run build --if-present\n");
    output(&p);
    assert!(assumptions(&p).is_empty());
    let p = python("RUN python -m pip install --upgrade pip\n");
    output(&p);
    assert!(assumptions(&p).is_empty(), "{:?}", assumptions(&p));
}

#[test]
fn update_ca_certificates_brings_the_bundle_to_the_final_stage() {
    let p = python(
        "COPY corp-ca.crt /usr/local/share/ca-certificates/corp-ca.crt\nRUN update-ca-certificates\n",
    );
    let f = final_stage(&p);
    assert!(
        f.contains("COPY --from=builder /usr/local/share/ca-certificates/corp-ca.crt /usr/local/share/ca-certificates/corp-ca.crt")
            && f.contains("COPY --from=builder /etc/ssl/certs /etc/ssl/certs"),
        "{f}"
    );
}

#[test]
fn locale_gen_brings_the_locale_archive_to_the_final_stage() {
    let p = python(
        "RUN apt-get update && apt-get install -y --no-install-recommends locales \\\n && sed -i 's/# en_US.UTF-8/en_US.UTF-8/' /etc/locale.gen && locale-gen\n",
    );
    let f = final_stage(&p);
    assert!(
        f.contains(
            "COPY --from=builder /usr/lib/locale/locale-archive /usr/lib/locale/locale-archive"
        ) && f.contains("COPY --from=builder /etc/locale.gen /etc/locale.gen"),
        "{f}"
    );
}

#[test]
fn a_system_change_no_copy_carries_is_refused_with_what_to_do() {
    let cases = [
        (
            "RUN make -C native -j4 install\n",
            "installs what it built",
            "PREFIX",
        ),
        ("RUN crontab /app/app.cron\n", "crontab", "/etc/cron.d"),
        (
            "RUN update-alternatives --install /usr/bin/python python /usr/local/bin/python3 1\n",
            "links in /etc/alternatives",
            "full path",
        ),
        ("RUN dpkg --purge exim4-base\n", "package file", "apt-get"),
        ("RUN npm install -g sass\n", "globally", "in the project"),
    ];
    for (body, reason, hint) in cases {
        let p = python(body);
        let (code, text) = refusal(&p);
        assert_eq!(code, "write-outside-app", "{body}");
        assert!(
            text.contains(reason) && text.contains(hint),
            "{body}: {text}"
        );
        assert_eq!(p.report.reason.as_ref().unwrap().line, Some(6), "{body}");
    }
    // Reading calls change nothing.
    output(&python("RUN crontab -l || true\n"));
    output(&python("RUN echo \"arch: $(dpkg --print-architecture)\"\n"));
}

#[test]
fn a_front_end_built_with_npm_in_a_python_image_is_assumed_inside_the_app() {
    let p = python("RUN npm ci && npm run build\n");
    output(&p);
    let assumed = assumptions(&p);
    assert_eq!(assumed.len(), 2, "{assumed:?}");
}

#[test]
fn a_download_moved_to_a_folder_of_its_own_is_copied_to_the_final_stage() {
    let files: Vec<(&str, &str)> =
        vec![("requirements.txt", "playwright==1.49.0\n"), ("app.py", "")];
    let dockerfile = |run: &str| {
        format!(
            "FROM python:3.12\nWORKDIR /app\nENV PLAYWRIGHT_BROWSERS_PATH=/ms-playwright\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n{run}\nCOPY . .\nCMD [\"python\", \"app.py\"]\n"
        )
    };
    let p = rewrite_in(&files, &dockerfile("RUN playwright install chromium"), None);
    let f = final_stage(&p);
    assert!(
        f.contains("COPY --from=builder /ms-playwright /ms-playwright")
            && f.contains("ENV PLAYWRIGHT_BROWSERS_PATH=/ms-playwright"),
        "{f}"
    );
    // A download that may not run leaves no folder to copy.
    let p = rewrite_in(
        &files,
        &dockerfile("RUN if [ -n \"$BROWSERS\" ]; then playwright install chromium; fi"),
        None,
    );
    let (code, text) = refusal(&p);
    assert_eq!(code, "download-outside-app");
    assert!(
        text.contains("into /ms-playwright here") && text.contains("may not run"),
        "{text}"
    );
    // The browsers' system libraries, installed by playwright itself, cannot
    // be named for the final stage.
    let p = rewrite_in(
        &files,
        &dockerfile("RUN playwright install --with-deps chromium"),
        None,
    );
    let (code, text) = refusal(&p);
    assert_eq!(code, "download-outside-app");
    assert!(text.contains("installs system packages itself"), "{text}");
}

#[test]
fn the_time_zone_link_is_copied_as_the_zone_file_and_other_links_are_refused() {
    // `ln -snf /usr/share/zoneinfo/$TZ /etc/localtime`: the copy follows the
    // link and brings the zone file, which glibc reads the same.
    let p = node(
        "ENV TZ=Asia/Shanghai\nRUN ln -snf /usr/share/zoneinfo/$TZ /etc/localtime && echo $TZ > /etc/timezone\n",
    );
    let f = final_stage(&p);
    assert!(
        f.contains("COPY --from=builder /etc/localtime /etc/localtime")
            && f.contains("COPY --from=builder /etc/timezone /etc/timezone"),
        "{f}"
    );
    // A zone only the build knows cannot be named.
    let p = node("ARG TZ\nRUN ln -snf /usr/share/zoneinfo/$TZ /etc/localtime\n");
    assert_eq!(refusal(&p).0, "write-outside-app");
    // A link to a program would be copied as the file it points at, away
    // from the folder it finds its own files by.
    let p = node("RUN ln -s /app/node_modules/.bin/tsc /usr/local/bin/tsc\n");
    let (code, text) = refusal(&p);
    assert_eq!(code, "write-outside-app");
    assert!(text.contains("a symlink (/usr/local/bin/tsc)"), "{text}");
}

const MSSQL_SOURCE: &str = "RUN curl -fsSL https://packages.microsoft.com/keys/microsoft.asc | gpg --dearmor -o /usr/share/keyrings/microsoft-prod.gpg \\\n && echo \"deb [signed-by=/usr/share/keyrings/microsoft-prod.gpg] https://packages.microsoft.com/debian/12/prod bookworm main\" > /etc/apt/sources.list.d/mssql-release.list \\\n && apt-get update \\\n";

#[test]
fn a_vendor_repository_and_its_key_come_before_the_final_install() {
    let p = python(&format!(
        "{MSSQL_SOURCE} && ACCEPT_EULA=Y apt-get install -y --no-install-recommends msodbcsql18\n"
    ));
    let f = final_stage(&p);
    let at = |s: &str| f.find(s).unwrap_or_else(|| panic!("no `{s}` in:\n{f}"));
    let key = at("COPY --from=builder /usr/share/keyrings/microsoft-prod.gpg /usr/share/keyrings/microsoft-prod.gpg\n");
    let list = at("COPY --from=builder /etc/apt/sources.list.d/mssql-release.list /etc/apt/sources.list.d/mssql-release.list\n");
    let certs = at("COPY --from=builder /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt\n");
    // The install's own variables go with it.
    let install = at("RUN apt-get update && ACCEPT_EULA=Y apt-get install -y --no-install-recommends msodbcsql18 &&");
    assert!(certs < key && key < list && list < install, "{f}");
    // Each source is copied once, before the install only.
    assert_eq!(
        f.matches("COPY --from=builder /usr/share/keyrings/")
            .count(),
        1,
        "{f}"
    );
}

#[test]
fn the_envs_the_original_install_saw_are_set_before_the_final_one() {
    let p = python(&format!(
        "ENV PORT=8000\n{MSSQL_SOURCE} && apt-get install -y --no-install-recommends msodbcsql18\nENV LATER=1\n"
    ));
    let f = final_stage(&p);
    let port = f.find("ENV PORT=8000\n").unwrap();
    let install = f.find("RUN apt-get update").unwrap();
    let later = f.find("ENV LATER=1\n").unwrap();
    assert!(port < install && install < later, "{f}");
    assert_eq!(f.matches("ENV PORT=8000").count(), 1, "{f}");
    // A source removed after the install was there for it: copied.
    let p = python(&format!(
        "{MSSQL_SOURCE} && apt-get install -y --no-install-recommends msodbcsql18 \\\n && rm /etc/apt/sources.list.d/mssql-release.list\n"
    ));
    let f = final_stage(&p);
    assert!(
        f.contains("COPY --from=builder /etc/apt/sources.list.d/mssql-release.list"),
        "{f}"
    );
    // One removed before it was not.
    let before = MSSQL_SOURCE.replace(
        " && apt-get update",
        " && rm /etc/apt/sources.list.d/mssql-release.list && apt-get update",
    );
    let p = python(&format!(
        "{before} && apt-get install -y --no-install-recommends msodbcsql18\n"
    ));
    let f = final_stage(&p);
    assert!(!f.contains("mssql-release.list"), "{f}");
}

/// Found in review: each of these lost a key, a variable or an output.
#[test]
fn what_the_original_install_saw_comes_before_the_final_one() {
    // PostgreSQL's documented setup keeps its key outside the keyrings.
    let p = python("RUN install -d /usr/share/postgresql-common/pgdg \\\n && curl -o /usr/share/postgresql-common/pgdg/apt.postgresql.org.asc --fail https://www.postgresql.org/media/keys/ACCC4CF8.asc \\\n && echo \"deb [signed-by=/usr/share/postgresql-common/pgdg/apt.postgresql.org.asc] https://apt.postgresql.org/pub/repos/apt bookworm-pgdg main\" > /etc/apt/sources.list.d/pgdg.list \\\n && apt-get update && apt-get install -y --no-install-recommends postgresql-client-16\n");
    let f = final_stage(&p);
    let key = f
        .find("COPY --from=builder /usr/share/postgresql-common/pgdg")
        .unwrap();
    assert!(key < f.find("RUN apt-get update").unwrap(), "{f}");
    // apt-key's keyring, and a build argument the install saw.
    let p = python("ARG ACCEPT_EULA=Y\nRUN wget -qO - https://www.postgresql.org/media/keys/ACCC4CF8.asc | apt-key add - \\\n && echo \"deb http://apt.postgresql.org/pub/repos/apt bookworm-pgdg main\" > /etc/apt/sources.list.d/pgdg.list \\\n && apt-get update && apt-get install -y --no-install-recommends postgresql-client-16\n");
    let f = final_stage(&p);
    let arg = f.find("ARG ACCEPT_EULA=Y\n").unwrap();
    let keyring = f
        .find("COPY --from=builder /etc/apt/trusted.gpg /etc/apt/trusted.gpg\n")
        .unwrap();
    assert!(
        arg < keyring && keyring < f.find("RUN apt-get update").unwrap(),
        "{f}"
    );
    // The virtual environment's variables, set before the install in the
    // builder, are set before it in the final stage: a second run of the
    // stripped output gives the same bytes.
    let p = python("RUN apt-get update && apt-get install -y --no-install-recommends ffmpeg\n");
    let f = final_stage(&p);
    assert!(
        f.find("ENV VIRTUAL_ENV=/opt/venv").unwrap() < f.find("RUN apt-get update").unwrap(),
        "{f}"
    );
}

#[test]
fn every_path_a_command_names_and_every_output_variable_counts() {
    let p = python("RUN python manage.py export --config /etc/app.ini --out /data/out\n");
    assert!(
        refusal(&p).1.contains("it names /data/out"),
        "{}",
        refusal(&p).1
    );
    let p = python("ENV MODEL_PATH=/models\nRUN python manage.py fetch_model\n");
    assert!(
        refusal(&p).1.contains("MODEL_PATH=/models"),
        "{}",
        refusal(&p).1
    );
}

#[test]
fn an_install_moved_into_the_app_is_judged_by_its_folder() {
    output(&python(
        "RUN make -C native install PREFIX=/app/vendor/local\n",
    ));
    output(&python("RUN cmake --install build --prefix /app/native\n"));
    let p = python("RUN make install PREFIX=/usr/local\n");
    let (code, text) = refusal(&p);
    assert_eq!(code, "write-outside-app");
    assert!(text.contains("installs into /usr/local"), "{text}");
}

#[test]
fn the_time_zone_file_comes_too_for_programs_that_read_tz() {
    let p = python("ENV TZ=Europe/Berlin\nRUN ln -snf /usr/share/zoneinfo/$TZ /etc/localtime\n");
    let f = final_stage(&p);
    assert!(
        f.contains("COPY --from=builder /usr/share/zoneinfo/Europe/Berlin /usr/share/zoneinfo/Europe/Berlin"),
        "{f}"
    );
}

#[test]
fn a_download_named_by_several_variables_is_refused_and_one_with_an_install_is_copied() {
    let files: Vec<(&str, &str)> = vec![
        ("requirements.txt", "transformers==4.46.0\n"),
        ("app.py", ""),
    ];
    let p = rewrite_in(
        &files,
        "FROM python:3.12\nWORKDIR /app\nENV HF_HOME=/app/.hf TRANSFORMERS_CACHE=/models\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\nRUN python -c \"from transformers import AutoModel; AutoModel.from_pretrained('bert-base-uncased')\"\nCMD [\"python\", \"app.py\"]\n",
        None,
    );
    let (code, text) = refusal(&p);
    assert_eq!(code, "download-outside-app");
    assert!(text.contains("several variables"), "{text}");
    let files: Vec<(&str, &str)> = vec![
        (
            "package.json",
            r#"{"name": "pdf", "dependencies": {"puppeteer": "^23.0.0"}}"#,
        ),
        (
            "package-lock.json",
            r#"{"lockfileVersion": 3, "packages": {"": {}}}"#,
        ),
        ("index.js", ""),
    ];
    let p = rewrite_in(
        &files,
        "FROM node:22\nENV PUPPETEER_CACHE_DIR=/opt/puppeteer\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD [\"node\", \"index.js\"]\n",
        None,
    );
    assert!(
        final_stage(&p).contains("COPY --from=builder /opt/puppeteer /opt/puppeteer"),
        "{}",
        final_stage(&p)
    );
}
