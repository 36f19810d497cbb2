//! One test a construct: which commands run, in which folder, as which
//! user, under which condition, and what stays unknown.

use super::*;

fn scope() -> Scope {
    let mut s = Scope::at("/app", "root");
    s.vars.insert("NODE_ENV".into(), Some("development".into()));
    s.vars.insert("EMPTY".into(), Some(String::new()));
    s.vars
        .insert("FLAGS".into(), Some("--omit=dev --ignore-scripts".into()));
    s.vars.insert("HOME".into(), Some("/root".into()));
    s
}

fn steps(text: &str) -> Vec<Step> {
    read(text, &scope(), &NoScripts)
}

/// `program arg…` of each known command, in order.
fn run(text: &str) -> Vec<String> {
    commands(&steps(text))
        .map(|c| c.words().join(" "))
        .collect()
}

/// The command whose words start with `prefix`.
fn find(text: &str, prefix: &str) -> Command {
    commands(&steps(text))
        .find(|c| c.words().join(" ").starts_with(prefix))
        .cloned()
        .unwrap_or_else(|| panic!("no `{prefix}` in {:?}", steps(text)))
}

fn unknowns(text: &str) -> Vec<Unknown> {
    steps(text)
        .into_iter()
        .filter_map(|s| match s {
            Step::Unknown(u) => Some(u),
            Step::Run(_) => None,
        })
        .collect()
}

#[test]
fn lists_and_pipelines() {
    assert_eq!(
        run("npm ci && npm run build; echo 'a b' | tee x || true & wait\n! false"),
        [
            "npm ci",
            "npm run build",
            "echo a b",
            "tee x",
            "true",
            "wait",
            "false"
        ]
    );
    let c = find("npm ci && npm run build", "npm run build");
    assert_eq!(c.condition, Condition::Always);
    assert_eq!(find("make || npm ci", "npm").condition, Condition::Branch);
    assert_eq!(
        find("[ -f x ] && npm ci", "npm").condition,
        Condition::Branch
    );
    assert_eq!(
        find("test -d a && npm ci", "npm").condition,
        Condition::Branch
    );
}

#[test]
fn if_elif_else() {
    let text = "if [ -f package-lock.json ]; then npm ci; elif [ -f yarn.lock ]; then yarn; else npm install; fi";
    assert_eq!(
        run(text),
        [
            "[ -f package-lock.json ]",
            "npm ci",
            "[ -f yarn.lock ]",
            "yarn",
            "npm install"
        ]
    );
    assert_eq!(find(text, "[ -f package").condition, Condition::Always);
    assert_eq!(find(text, "[ -f yarn").condition, Condition::Branch);
    for c in ["npm ci", "yarn", "npm install"] {
        assert_eq!(find(text, c).condition, Condition::Branch, "{c}");
    }
}

#[test]
fn loops() {
    // A known list runs the body once a word, with the variable set.
    let c: Vec<_> = commands(&steps("for d in api web; do (cd $d && npm ci); done"))
        .filter(|c| c.program == "npm")
        .map(|c| c.dir.clone())
        .collect();
    assert_eq!(c, [Some("/app/api".into()), Some("/app/web".into())]);
    // An unknown list: once, in a loop, the variable unknown.
    let c = find("for f in $(ls); do cp $f /out/; done", "cp");
    assert_eq!(c.condition, Condition::Loop);
    assert_eq!(c.args[0].value, None);
    assert_eq!(run("for f in $(ls); do :; done")[0], "ls");
    assert_eq!(
        find("while read l; do npm i $l; done < f", "npm").condition,
        Condition::Loop
    );
    assert_eq!(
        find("until curl -f x; do sleep 1; done", "sleep").condition,
        Condition::Loop
    );
    assert_eq!(
        find("until curl -f x; do sleep 1; done", "curl").condition,
        Condition::Always
    );
}

#[test]
fn case_arms() {
    let text =
        "case \"$TARGETARCH\" in amd64|x86_64) A=x;; arm64) npm ci --arch=arm64;; *) exit 1;; esac";
    assert_eq!(run(text), ["npm ci --arch=arm64", "exit 1"]);
    assert_eq!(find(text, "npm").condition, Condition::Branch);
}

#[test]
fn subshells_groups_and_scope() {
    // cd lasts for the rest of the same shell, not past a subshell.
    assert_eq!(
        find("cd web && npm ci", "npm").dir.as_deref(),
        Some("/app/web")
    );
    assert_eq!(
        find("(cd web && make); npm ci", "npm").dir.as_deref(),
        Some("/app")
    );
    assert_eq!(
        find("(cd web && make); npm ci", "make").dir.as_deref(),
        Some("/app/web")
    );
    assert_eq!(
        find("{ cd /srv; }; npm ci", "npm").dir.as_deref(),
        Some("/srv")
    );
    assert_eq!(
        find("cd a | cat; npm ci", "npm").dir.as_deref(),
        Some("/app")
    );
    assert_eq!(find("cd /x & npm ci", "npm").dir.as_deref(), Some("/app"));
    assert_eq!(find("cd .. && npm ci", "npm").dir.as_deref(), Some("/"));
    assert_eq!(find("cd && npm ci", "npm").dir.as_deref(), Some("/root"));
    // pushd and popd.
    let text = "pushd /tmp && make && popd && npm ci";
    assert_eq!(find(text, "make").dir.as_deref(), Some("/tmp"));
    assert_eq!(find(text, "npm").dir.as_deref(), Some("/app"));
    // A cd on a branch leaves the folder unknown after it, unless every way agrees.
    assert_eq!(find("if [ -d w ]; then cd w; fi; npm ci", "npm").dir, None);
    assert_eq!(
        find("if [ -d w ]; then cd /w; else cd /w; fi; npm ci", "npm")
            .dir
            .as_deref(),
        Some("/w")
    );
    assert_eq!(find("cd $NOPE && npm ci", "npm").dir, None);
}

#[test]
fn functions_run_where_called() {
    let text = "build() { cd web && npm run build; }\nnpm ci\nbuild";
    assert_eq!(run(text), ["npm ci", "cd web", "npm run build"]);
    assert_eq!(find(text, "npm run").dir.as_deref(), Some("/app/web"));
    // Defined and never called: nothing runs.
    assert_eq!(run("function f { npm ci; }"), Vec::<String>::new());
    // Recursion stops with an unknown, not a stack overflow.
    assert!(!unknowns("f() { f; }; f").is_empty());
}

#[test]
fn wrappers_run_the_command_they_wrap() {
    let c = find("sh -c 'cd web && npm ci'", "npm");
    assert_eq!(c.dir.as_deref(), Some("/app/web"));
    assert_eq!(c.via, ["sh"]);
    // A child shell's cd does not reach the caller.
    assert_eq!(
        find("bash -ec \"cd web\" && npm ci", "npm").dir.as_deref(),
        Some("/app")
    );
    assert_eq!(find("bash -o pipefail -c 'npm ci'", "npm").via, ["bash"]);
    let c = find("env -i NODE_ENV=production npm ci", "npm");
    assert_eq!(
        c.env,
        [("NODE_ENV".to_string(), Some("production".to_string()))]
    );
    assert_eq!(c.via, ["env"]);
    let c = find("NODE_ENV=production npm ci && npm run build", "npm ci");
    assert_eq!(c.env[0].1.as_deref(), Some("production"));
    assert!(
        find("NODE_ENV=production npm ci && npm run build", "npm run")
            .env
            .is_empty()
    );
    assert_eq!(find("exec npm start", "npm").via, ["exec"]);
    assert_eq!(
        find("nohup time nice -n 5 npm start", "npm").via,
        ["nohup", "time", "nice"]
    );
    assert_eq!(find("timeout -s KILL 60 npm ci", "npm").via, ["timeout"]);
    assert_eq!(
        find(
            "dumb-init -- xvfb-run --server-args '-screen 0' node x",
            "node"
        )
        .via,
        ["dumb-init", "xvfb-run"]
    );
    // The user changes.
    assert_eq!(
        find("sudo -u app npm ci", "npm").user.as_deref(),
        Some("app")
    );
    assert_eq!(find("sudo -E npm ci", "npm").user.as_deref(), Some("root"));
    assert_eq!(
        find("gosu node:node npm ci", "npm").user.as_deref(),
        Some("node")
    );
    assert_eq!(
        find("su-exec node npm ci", "npm").user.as_deref(),
        Some("node")
    );
    assert_eq!(
        find("su node -c 'npm ci'", "npm").user.as_deref(),
        Some("node")
    );
    assert_eq!(
        find("su -c 'npm ci' - node", "npm").user.as_deref(),
        Some("node")
    );
    assert_eq!(
        find("runuser -u app -- npm ci", "npm").user.as_deref(),
        Some("app")
    );
    assert_eq!(find("npm ci", "npm").user.as_deref(), Some("root"));
    // xargs and find -exec: the command is known, some arguments are not.
    let c = find("ls | xargs -n1 npm install", "npm");
    assert_eq!(c.args.last().unwrap().value, None);
    assert_eq!(
        run("find . -name '*.sh' -exec chmod +x {} \\;"),
        ["find . -name *.sh", "chmod +x {}"]
    );
    assert_eq!(
        find("find . -exec chmod +x {} +", "chmod").args[1].value,
        None
    );
}

#[test]
fn words_quotes_and_expansions() {
    assert_eq!(run("echo \"a  b\" 'c d' e\\ f"), ["echo a  b c d e f"]);
    assert_eq!(
        run("echo ${NODE_ENV:-production} ${UNSET_X:-x}")[0],
        "echo development ${UNSET_X:-x}"
    );
    assert_eq!(
        find("echo ${NODE_ENV:-production}", "echo").args[0]
            .value
            .as_deref(),
        Some("development")
    );
    assert_eq!(
        find("echo ${EMPTY:-production}", "echo").args[0]
            .value
            .as_deref(),
        Some("production")
    );
    assert_eq!(
        find("echo \"${EMPTY-production}\"", "echo").args[0]
            .value
            .as_deref(),
        Some("")
    );
    assert_eq!(
        find("echo ${NODE_ENV:+yes}", "echo").args[0]
            .value
            .as_deref(),
        Some("yes")
    );
    // Unquoted values split into words; quoted ones do not; empty ones vanish.
    assert_eq!(
        run("npm ci $FLAGS $EMPTY"),
        ["npm ci --omit=dev --ignore-scripts"]
    );
    assert_eq!(find("npm ci \"$FLAGS\"", "npm").args.len(), 2);
    // A variable set in the script is known after it.
    assert_eq!(run("PM=npm; $PM ci"), ["npm ci"]);
    assert_eq!(
        run("export PM=yarn\n$PM install"),
        ["export PM=yarn", "yarn install"]
    );
    // Command substitution: the value is unknown, the commands inside run.
    let c = find("echo $(npm bin)/tsc", "echo");
    assert_eq!(c.args[0].value, None);
    assert_eq!(c.args[0].raw, "$(npm bin)/tsc");
    assert_eq!(
        run("echo `npm root -g`"),
        ["npm root -g", "echo `npm root -g`"]
    );
    assert_eq!(
        find("echo ~/x", "echo").args[0].value.as_deref(),
        Some("/root/x")
    );
}

#[test]
fn unknowns_say_what_and_why() {
    let u = unknowns("eval \"$(ssh-agent)\"");
    assert_eq!(u.len(), 1);
    assert!(u[0].reason.contains("eval"), "{}", u[0].reason);
    assert_eq!(run("eval \"$(ssh-agent)\""), ["ssh-agent"]);
    // eval of known words is read.
    assert_eq!(run("eval npm ci"), ["npm ci"]);
    assert!(unknowns("source ./env.sh && npm ci")[0]
        .reason
        .contains("source"));
    assert!(!unknowns(". /etc/profile").is_empty());
    assert!(unknowns("$TOOL install")[0].reason.contains("$TOOL"));
    assert!(!unknowns("$(which npm) ci").is_empty());
    let u = unknowns("./scripts/build.sh --prod");
    assert_eq!(u[0].program.as_deref(), Some("./scripts/build.sh"));
    assert_eq!(
        unknowns("bash scripts/setup.sh")[0].program.as_deref(),
        Some("scripts/setup.sh")
    );
    assert!(!unknowns("curl -fsSL https://x/install.sh | sh").is_empty());
    let u = unknowns("curl -fsSL https://x/i.sh | sh -s -- --prefix /usr/local");
    assert!(u[0].reason.contains("piped to it"), "{}", u[0].reason);
    assert!(!unknowns("sh -c \"$SCRIPT\"").is_empty());
    assert!(unknowns("if then")[0].reason.contains("cannot be read"));
    // Programs by path that the image has, and dependencies' programs, are known.
    assert_eq!(
        run("/usr/bin/apt-get update && ./node_modules/.bin/tsc -p ."),
        ["/usr/bin/apt-get update", "./node_modules/.bin/tsc -p ."]
    );
    assert_eq!(find("./node_modules/.bin/tsc", "./node").name(), "tsc");
}

#[test]
fn scripts_the_context_holds_are_read() {
    struct One;
    impl Scripts for One {
        fn script(&self, path: &str) -> Option<String> {
            match path {
                "/app/build.sh" => Some("#!/bin/sh\nset -e\nnpm ci\nnpm run build\n".into()),
                "/app/gen.py" => Some("#!/usr/bin/env python3\nprint(1)\n".into()),
                _ => None,
            }
        }
    }
    let s = read("./build.sh && sh /app/build.sh", &scope(), &One);
    let c: Vec<_> = commands(&s)
        .map(|c| (c.words().join(" "), c.via.clone()))
        .collect();
    assert_eq!(c[1], ("npm ci".to_string(), vec!["./build.sh".to_string()]));
    assert_eq!(c[4].1, ["sh /app/build.sh"]);
    let s = read("./gen.py", &scope(), &One);
    assert!(matches!(&s[0], Step::Unknown(u) if u.reason.contains("python3")));
}

#[test]
fn heredocs_feed_programs_and_shells() {
    // The body of `cat <<EOF` is data; `sh <<EOF` runs it.
    let text = "cat <<EOF > /etc/app.conf\nnpm ci\nEOF\nsh <<'X'\ncd /srv && npm run build\nX\n";
    let s = steps(text);
    let c: Vec<_> = commands(&s).map(|c| c.words().join(" ")).collect();
    assert_eq!(c, ["cat", "cd /srv", "npm run build"]);
    assert_eq!(
        find(text, "cat").writes[0].path.as_deref(),
        Some("/etc/app.conf")
    );
    assert_eq!(find(text, "npm").dir.as_deref(), Some("/srv"));
    assert_eq!(
        run("python3 <<EOF\nimport os; os.system('npm ci')\nEOF\n"),
        ["python3"]
    );
}

#[test]
fn writes_it_can_see() {
    let writes = |text: &str| -> Vec<(Option<String>, WriteKind)> {
        commands(&steps(text))
            .flat_map(|c| c.writes.iter().map(|w| (w.path.clone(), w.kind)))
            .collect()
    };
    let content = |p: &str| (Some(p.to_string()), WriteKind::Content);
    assert_eq!(
        writes("echo x > out.txt 2>&1 >> /var/log/a"),
        [content("/app/out.txt"), content("/var/log/a")]
    );
    assert_eq!(writes("npm ci > /dev/null 2>/dev/null"), []);
    assert_eq!(
        writes("mkdir -p /opt/x"),
        [(Some("/opt/x".into()), WriteKind::Folder)]
    );
    assert_eq!(
        writes("cp a b /usr/local/bin/"),
        [content("/usr/local/bin/a"), content("/usr/local/bin/b")]
    );
    assert_eq!(writes("mv dist /srv/dist"), [content("/srv/dist")]);
    assert_eq!(
        writes("ln -s /app/cli /usr/local/bin/cli"),
        [(Some("/usr/local/bin/cli".into()), WriteKind::Link)]
    );
    assert_eq!(
        writes("curl -fsSL -o /tmp/t.tgz https://x && tar -xzf /tmp/t.tgz -C /opt"),
        [content("/tmp/t.tgz"), content("/opt")]
    );
    assert_eq!(
        writes("wget -O /usr/bin/jq https://x"),
        [content("/usr/bin/jq")]
    );
    assert_eq!(writes("unzip x.zip -d /opt/x"), [content("/opt/x")]);
    assert_eq!(
        writes("cd /usr/local && unzip x.zip"),
        [content("/usr/local")]
    );
    assert_eq!(writes("cd /opt && tar -xzf /tmp/t.tgz"), [content("/opt")]);
    assert_eq!(writes("tar xJf t.txz"), [content("/app")]);
    assert_eq!(
        writes("tar -czf /backup/app.tgz ."),
        [content("/backup/app.tgz")]
    );
    assert_eq!(writes("tar -tzf t.tgz"), []);
    assert_eq!(
        writes("tar -xzf v.tgz --directory /opt/vendor"),
        [content("/opt/vendor")]
    );
    assert_eq!(
        writes("git -C /opt clone https://x/themes.git"),
        [content("/opt/themes")]
    );
    assert_eq!(
        writes("install -m 755 tool /usr/local/bin/tool"),
        [content("/usr/local/bin/tool")]
    );
    assert_eq!(
        writes("touch /etc/x && chmod 600 /etc/x && chown app /data"),
        [
            content("/etc/x"),
            (Some("/etc/x".into()), WriteKind::Folder),
            (Some("/data".into()), WriteKind::Folder)
        ]
    );
    assert_eq!(
        writes("git clone https://x/y.git /src/y"),
        [content("/src/y")]
    );
    assert_eq!(writes("sed -i s/a/b/ /etc/conf"), [content("/etc/conf")]);
    assert_eq!(
        writes("{ echo a; echo b; } > /etc/list"),
        [content("/etc/list")]
    );
    // Read from the folder the command runs in.
    assert_eq!(writes("cd /etc && echo x > motd"), [content("/etc/motd")]);
    // A path hidden by a variable is a write to an unknown place.
    assert_eq!(writes("echo x > $NOPE/f"), [(None, WriteKind::Content)]);
}

#[test]
fn exec_form_and_instructions() {
    let file = crate::parse::Dockerfile::parse(
        "FROM x\nRUN [\"sh\", \"-c\", \"npm ci && npm run build\"]\nRUN <<EOF\nset -e\ncd web\nnpm ci\nEOF\nRUN <<EOF\n#!/usr/bin/env python3\nprint(1)\nEOF\nRUN cat <<A > /etc/a && npm ci\nbody\nA\nRUN npm ci\r\n",
    );
    let runs: Vec<_> = file
        .instructions()
        .filter(|i| i.keyword == crate::parse::Keyword::Run)
        .collect();
    let read_one = |i: usize, shell: Option<&[String]>| -> Vec<Step> {
        read_instruction(&file, runs[i], shell, &scope(), &NoScripts)
    };
    let words = |s: &[Step]| commands(s).map(|c| c.words().join(" ")).collect::<Vec<_>>();
    assert_eq!(words(&read_one(0, None)), ["npm ci", "npm run build"]);
    let heredoc = read_one(1, None);
    assert_eq!(words(&heredoc), ["set -e", "cd web", "npm ci"]);
    assert_eq!(
        commands(&heredoc).last().unwrap().dir.as_deref(),
        Some("/app/web")
    );
    assert!(matches!(&read_one(2, None)[0], Step::Unknown(u) if u.reason.contains("python3")));
    let third = read_one(3, None);
    assert_eq!(words(&third), ["cat", "npm ci"]);
    assert_eq!(words(&read_one(4, None)), ["npm ci"]);
    let pwsh = ["pwsh".to_string(), "-Command".to_string()];
    assert!(matches!(&read_one(4, Some(&pwsh))[0], Step::Unknown(u) if u.reason.contains("SHELL")));
    let bash = [
        "/bin/bash".to_string(),
        "-o".to_string(),
        "pipefail".to_string(),
        "-c".to_string(),
    ];
    assert_eq!(words(&read_one(4, Some(&bash))), ["npm ci"]);
}

#[test]
fn plain_words_and_quoting() {
    assert_eq!(
        plain_words("node dist/server.js --port 3000").unwrap(),
        ["node", "dist/server.js", "--port", "3000"]
    );
    assert!(plain_words("node $ENTRY").is_none());
    assert!(needs_a_shell("npm run migrate && node server.js"));
    assert_eq!(quote("--create-home"), "--create-home");
    assert_eq!(quote("a b"), "'a b'");
    assert_eq!(quote("it's"), "'it'\\''s'");
}

/// Found in review: cases that made rewrites fail or crashed the reader.
#[test]
fn patterns_logins_and_placeholders_leave_the_folder_unknown() {
    let c = find("for d in packages/*; do (cd $d && npm ci); done", "npm");
    assert_eq!(c.dir, None);
    assert_eq!(find("cd packages/* && npm ci", "npm").dir, None);
    assert_eq!(
        find("cd -- client && npm ci", "npm").dir.as_deref(),
        Some("/app/client")
    );
    // The script holds the placeholder: it is only known at build time.
    assert!(!unknowns("ls packages | xargs -I{} sh -c 'cd packages/{} && npm ci'").is_empty());
    assert_eq!(
        find("ls | xargs -I % npm install %", "npm").args[1].value,
        None
    );
    let c = find("su - node -c 'cd app && npm ci'", "npm");
    assert_eq!((c.dir, c.user.as_deref()), (None, Some("node")));
    let c = find("sudo -Hu node npm ci", "npm");
    assert_eq!(c.user.as_deref(), Some("node"));
    assert_eq!(find("sudo -i -u app npm ci", "npm").dir, None);
}

#[test]
fn a_chain_after_a_test_stays_on_its_branch() {
    let text = "[ -d client ] && cd client && npm ci && npm run build";
    let c = find(text, "npm ci");
    assert_eq!(c.dir.as_deref(), Some("/app/client"));
    assert_eq!(c.condition, Condition::Branch);
    assert_eq!(find(text, "npm run").condition, Condition::Branch);
    // What one branch exports is unknown after it.
    let c = find(
        "if [ \"$CI\" = true ]; then export NODE_ENV=production; fi; npm ci",
        "npm",
    );
    assert_eq!(c.env, [("NODE_ENV".to_string(), None)]);
}

#[test]
fn every_command_substitution_is_walked_or_unknown() {
    assert!(!unknowns("[[ -n \"$(./gen.sh)\" ]] && echo x").is_empty());
    assert!(!unknowns("echo ${V:-$(./version.sh)}").is_empty());
    assert!(!unknowns("(( $(./count.sh) > 2 )) && echo x").is_empty());
    assert!(!unknowns("cat <<EOF > /etc/v\n$(./version.sh)\nEOF\n").is_empty());
    assert!(unknowns("cat <<'EOF' > /etc/v\n$(./version.sh)\nEOF\n").is_empty());
}

#[test]
fn work_and_nesting_are_bounded() {
    let loops = "for a in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do ".repeat(6)
        + "npm ci"
        + &"; done".repeat(6);
    let s = steps(&loops);
    assert!(s.len() <= 20_001, "{}", s.len());
    assert!(matches!(s.last(), Some(Step::Unknown(_))));
    let mut calls = String::new();
    for i in 0..16 {
        calls.push_str(&format!("f{i}() {{ f{n}; f{n}; f{n}; }}\n", n = i + 1));
    }
    calls.push_str("f16() { npm ci; }\nf0\n");
    assert!(steps(&calls).len() <= 20_001);
    let deep = format!("echo {}x{}", "${a:-".repeat(3000), "}".repeat(3000));
    assert!(matches!(&steps(&deep)[0], Step::Unknown(_)));
}

#[test]
fn writes_from_clusters_urls_and_targets() {
    let writes = |text: &str| -> Vec<(Option<String>, WriteKind)> {
        commands(&steps(text))
            .flat_map(|c| c.writes.iter().map(|w| (w.path.clone(), w.kind)))
            .collect()
    };
    let content = |p: &str| (Some(p.to_string()), WriteKind::Content);
    assert_eq!(
        writes("curl -fsSLo /etc/corp.pem https://x/c"),
        [content("/etc/corp.pem")]
    );
    assert_eq!(
        writes("curl -fsSLO https://x/a/t.tgz?sig=1"),
        [content("/app/t.tgz")]
    );
    assert_eq!(writes("wget -q https://x/b.zip"), [content("/app/b.zip")]);
    assert_eq!(writes("wget -qO- https://x/k | apt-key add -"), []);
    assert_eq!(
        writes("wget -P /opt https://x/b.zip"),
        [content("/opt/b.zip")]
    );
    assert_eq!(
        writes("git clone -b main https://x/y.git"),
        [content("/app/y")]
    );
    assert_eq!(
        writes("cp -t /opt a b"),
        [content("/opt/a"), content("/opt/b")]
    );
    assert_eq!(
        writes("install -d -m 755 /opt/d"),
        [(Some("/opt/d".into()), WriteKind::Folder)]
    );
    assert_eq!(
        writes("rm -rf /tmp/x"),
        [(Some("/tmp/x".into()), WriteKind::Removed)]
    );
}

#[test]
fn package_scripts_a_build_runs_are_walked_where_asked() {
    struct Project(bool);
    impl Scripts for Project {
        fn script(&self, path: &str) -> Option<String> {
            (path == "/app/package.json").then(|| {
                r#"{"scripts": {"prebuild": "rm -rf dist", "build": "tsc && cp -r assets /srv/www",
                   "postinstall": "mkdir -p /opt/assets && cp a.txt /opt/assets/",
                   "gen": "sh -c 'npm run build'"}}"#
                    .into()
            })
        }
        fn package_scripts(&self) -> bool {
            self.0
        }
    }
    let words = |text: &str, follow: bool| -> Vec<(String, Vec<String>)> {
        commands(&read(text, &scope(), &Project(follow)))
            .map(|c| (c.words().join(" "), c.via.clone()))
            .collect()
    };
    // `npm run build` runs prebuild, build and postbuild (there is none),
    // after the command itself.
    let c = words("npm run build", true);
    let names: Vec<&str> = c.iter().map(|(w, _)| w.as_str()).collect();
    assert_eq!(
        names,
        [
            "npm run build",
            "rm -rf dist",
            "tsc",
            "cp -r assets /srv/www"
        ]
    );
    assert_eq!(c[3].1, ["npm run build"]);
    // An install of the project runs its lifecycle scripts; one of a
    // package, or with --ignore-scripts, does not; yarn and pnpm run no pre/post.
    let cp = |text: &str| {
        words(text, true)
            .iter()
            .any(|(w, _)| w.starts_with("cp a.txt"))
    };
    assert!(cp("npm ci") && cp("yarn") && cp("yarn install --frozen-lockfile") && cp("pnpm i"));
    assert!(
        !cp("npm install express") && !cp("npm ci --ignore-scripts") && !cp("npm --prefix web ci")
    );
    assert!(!words("yarn build", true)
        .iter()
        .any(|(w, _)| w == "rm -rf dist"));
    assert!(words("yarn build", true).iter().any(|(w, _)| w == "tsc"));
    assert!(!words("yarn add left-pad", true)
        .iter()
        .any(|(w, _)| w == "tsc"));
    // Scripts calling scripts are followed; nothing is where not asked.
    assert!(words("npm run gen", true).iter().any(|(w, _)| w == "tsc"));
    assert_eq!(words("npm run build", false).len(), 1);
}
