//! Programs that run another program: shells given a script (`sh -c`),
//! `env`, `exec`, `sudo`, `su`, `gosu`, `xargs`, `find -exec`, init wrappers
//! (`tini`, `dumb-init`) and the like. Each is read as its manual page says
//! it takes its own options, so the program it runs is found exactly.

use super::Arg;

/// What a wrapper runs.
#[derive(Debug)]
pub(super) enum Unwrapped {
    /// Not a wrapper: the program runs itself.
    Plain,
    /// Runs the command from `argv[skip]` on.
    Runs {
        skip: usize,
        /// The user it switches to (`None` inside: not known).
        user: Option<Option<String>>,
        /// Variables it sets for the command.
        env: Vec<(String, Option<String>)>,
        /// The folder it changes to (`env -C`, `sudo -D`).
        dir: Option<Arg>,
        /// The command gets arguments that are not known here (`xargs`).
        more_args: bool,
    },
    /// A shell given a script string (`sh -c '…'`, `su -c '…' user`).
    ShellString {
        shell: String,
        script: Arg,
        user: Option<Option<String>>,
        /// A login shell (`su -`, `su -l`), which starts in the user's home.
        login: bool,
    },
    /// A shell reading a script file (`sh ./setup.sh`).
    ShellFile { shell: String, path: Arg },
    /// A shell reading its script from standard input (`sh -s`, `| sh`).
    ShellStdin { shell: String },
    /// `xargs -I {} cmd …{}…`: the command from `argv[skip]` on, with every
    /// word that holds the placeholder unknown.
    Items { skip: usize, placeholder: String },
    /// `find … -exec cmd {} \;`: find runs, and so does each command, with
    /// `{}` standing for what it finds.
    FindExec {
        find_args: usize,
        inner: Vec<Vec<Arg>>,
    },
}

fn text(a: &Arg) -> &str {
    a.text()
}

fn user_of(a: Option<&Arg>) -> Option<Option<String>> {
    let a = a?;
    Some(
        a.value
            .as_ref()
            .map(|u| u.split(':').next().unwrap_or(u).to_string()),
    )
}

/// Skips options: the index of the first operand. `valued` options take the
/// next word as their value (or `-xVALUE`, `--x=VALUE`).
fn operands_from(argv: &[Arg], from: usize, valued: &[&str]) -> usize {
    let mut i = from;
    while let Some(a) = argv.get(i) {
        let t = text(a);
        if t == "--" {
            return i + 1;
        }
        if !t.starts_with('-') || t == "-" {
            return i;
        }
        let takes_value = valued.contains(&t);
        i += if takes_value { 2 } else { 1 };
    }
    i
}

/// Whether `name` runs the rest of its words as a command after options.
pub(super) fn unwrap(argv: &[Arg]) -> Unwrapped {
    let Some(first) = argv.first() else {
        return Unwrapped::Plain;
    };
    let name = text(first).rsplit('/').next().unwrap_or("");
    let runs = |skip: usize| -> Unwrapped {
        if skip >= argv.len() {
            return Unwrapped::Plain;
        }
        Unwrapped::Runs {
            skip,
            user: None,
            env: Vec::new(),
            dir: None,
            more_args: false,
        }
    };
    match name {
        "sh" | "bash" | "dash" | "ash" | "ksh" | "zsh" => shell(name, argv, 1),
        "busybox" => match argv.get(1).map(text) {
            Some("sh" | "ash") => shell("sh", argv, 2),
            Some(_) => runs(1),
            None => Unwrapped::Plain,
        },
        "exec" => runs(operands_from(argv, 1, &["-a"])),
        "nohup" | "builtin" => runs(1),
        "command" => match argv.get(1).map(text) {
            Some("-v" | "-V") => Unwrapped::Plain,
            _ => runs(operands_from(argv, 1, &[])),
        },
        "time" => runs(operands_from(
            argv,
            1,
            &["-f", "--format", "-o", "--output"],
        )),
        "nice" => runs(operands_from(argv, 1, &["-n", "--adjustment"])),
        "ionice" => runs(operands_from(argv, 1, &["-c", "-n", "-p", "-P", "-u"])),
        "stdbuf" => runs(operands_from(argv, 1, &["-i", "-o", "-e"])),
        "timeout" => {
            // timeout [options] DURATION COMMAND
            let at = operands_from(argv, 1, &["-s", "--signal", "-k", "--kill-after"]);
            runs(at + 1)
        }
        "dumb-init" => runs(operands_from(argv, 1, &["-r", "--rewrite"])),
        "tini" | "tini-static" => runs(operands_from(argv, 1, &["-p", "-e", "-l"])),
        "xvfb-run" => runs(operands_from(argv, 1, XVFB_RUN_VALUED)),
        "gosu" | "su-exec" => {
            if argv.len() < 3 {
                return Unwrapped::Plain;
            }
            Unwrapped::Runs {
                skip: 2,
                user: user_of(argv.get(1)),
                env: Vec::new(),
                dir: None,
                more_args: false,
            }
        }
        "env" => env(argv),
        "sudo" | "doas" => sudo(argv),
        "runuser" => runuser(argv),
        "su" => su(argv),
        "xargs" => xargs(argv),
        "find" => find(argv),
        _ => Unwrapped::Plain,
    }
}

/// `xvfb-run`'s options that take a value.
const XVFB_RUN_VALUED: &[&str] = &[
    "-n",
    "--server-num",
    "-s",
    "--server-args",
    "-e",
    "--error-file",
    "-f",
    "--auth-file",
    "-p",
    "--xauth-protocol",
    "-w",
    "--wait",
];

/// `xargs [options] [command…]`: the command gets arguments from the
/// input, or with `-I R` has `R` replaced by each item.
fn xargs(argv: &[Arg]) -> Unwrapped {
    let valued = [
        "-I",
        "-n",
        "-P",
        "-d",
        "-a",
        "-L",
        "-s",
        "-E",
        "-e",
        "--delimiter",
        "--max-args",
        "--max-procs",
        "--arg-file",
    ];
    let at = operands_from(argv, 1, &valued);
    if at >= argv.len() {
        // xargs with no command runs echo.
        return Unwrapped::Plain;
    }
    // `-I {}` (or `-i`): the string stands for each input item.
    let replace = argv[1..at]
        .iter()
        .enumerate()
        .find_map(|(i, a)| match a.text() {
            "-I" => argv.get(i + 2).map(|r| r.text().to_string()),
            "-i" => Some("{}".to_string()),
            t if t.starts_with("-I") => Some(t[2..].to_string()),
            t if t.starts_with("--replace") => {
                Some(t.split_once('=').map_or("{}", |(_, r)| r).to_string())
            }
            _ => None,
        });
    match replace.filter(|r| !r.is_empty()) {
        Some(r) => Unwrapped::Items {
            skip: at,
            placeholder: r,
        },
        None => Unwrapped::Runs {
            skip: at,
            user: None,
            env: Vec::new(),
            dir: None,
            more_args: true,
        },
    }
}

/// `sh [options] [-c script [name args…] | file [args…]]`.
fn shell(name: &str, argv: &[Arg], from: usize) -> Unwrapped {
    let mut i = from;
    let mut command = false;
    let mut stdin = false;
    while let Some(a) = argv.get(i) {
        let t = text(a);
        if t == "--" || t == "-" {
            i += 1;
            break;
        }
        if t == "-o" || t == "+o" || t == "-O" || t == "+O" || t == "--rcfile" || t == "--init-file"
        {
            i += 2;
            continue;
        }
        if let Some(cluster) = t.strip_prefix('-').or_else(|| t.strip_prefix('+')) {
            if cluster.is_empty() {
                break;
            }
            if !t.starts_with("--") && t.starts_with('-') && cluster.contains('c') {
                command = true;
            }
            if !t.starts_with("--") && t.starts_with('-') && cluster.contains('s') {
                stdin = true;
            }
            i += 1;
            continue;
        }
        break;
    }
    let shell = name.to_string();
    match argv.get(i) {
        _ if stdin && !command => Unwrapped::ShellStdin { shell },
        Some(script) if command => Unwrapped::ShellString {
            shell,
            script: script.clone(),
            user: None,
            login: false,
        },
        Some(path) => Unwrapped::ShellFile {
            shell,
            path: path.clone(),
        },
        None => Unwrapped::ShellStdin { shell },
    }
}

/// `env [-i] [-u NAME] [-C DIR] [NAME=value]… [command…]`.
fn env(argv: &[Arg]) -> Unwrapped {
    let mut i = 1;
    let mut vars = Vec::new();
    let mut dir = None;
    while let Some(a) = argv.get(i) {
        let t = text(a);
        match t {
            "-i" | "--ignore-environment" | "-" | "-0" | "--null" | "-v" | "--debug" => i += 1,
            "-u" | "--unset" | "-S" | "--split-string" => i += 2,
            "-C" | "--chdir" => {
                dir = argv.get(i + 1).cloned();
                i += 2;
            }
            "--" => {
                i += 1;
                break;
            }
            _ if t.starts_with("--unset=") => i += 1,
            _ if t.starts_with("--chdir=") => {
                dir = Some(Arg {
                    value: a.value.as_ref().map(|v| v["--chdir=".len()..].to_string()),
                    raw: t.to_string(),
                });
                i += 1;
            }
            _ if t.starts_with('-') => i += 1,
            _ => break,
        }
    }
    while let Some(a) = argv.get(i) {
        let t = text(a);
        match t.split_once('=') {
            Some((k, v)) if super::syntax::is_name(k) => {
                vars.push((k.to_string(), a.value.as_ref().map(|_| v.to_string())));
                i += 1;
            }
            _ => break,
        }
    }
    if i >= argv.len() {
        return Unwrapped::Plain;
    }
    Unwrapped::Runs {
        skip: i,
        user: None,
        env: vars,
        dir,
        more_args: false,
    }
}

/// `sudo [-u USER] [-E] [-D DIR] [NAME=value]… command…`.
fn sudo(argv: &[Arg]) -> Unwrapped {
    let mut i = 1;
    let mut user = Some(Some("root".to_string()));
    let mut dir = None;
    let mut login = false;
    while let Some(a) = argv.get(i) {
        let t = text(a);
        match t {
            "-u" | "--user" => {
                user = user_of(argv.get(i + 1));
                i += 2;
            }
            "-g" | "--group" | "-C" | "--close-from" | "-h" | "--host" | "-p" | "--prompt"
            | "-r" | "--role" | "-t" | "--type" | "-T" | "--command-timeout" => i += 2,
            "-D" | "--chdir" => {
                dir = argv.get(i + 1).cloned();
                i += 2;
            }
            "--" => {
                i += 1;
                break;
            }
            _ if t.starts_with("--user=") => {
                user = Some(a.value.as_ref().map(|v| v["--user=".len()..].to_string()));
                i += 1;
            }
            "-i" | "--login" => {
                login = true;
                i += 1;
            }
            _ if t.starts_with('-') && !t.starts_with("--") && t.len() > 2 => {
                // A cluster: `-Hu node`, `-uNODE`, `-iu app`.
                let cluster = &t[1..];
                if cluster.contains('i') {
                    login = true;
                }
                match cluster.find('u') {
                    Some(at) if at + 1 == cluster.len() => {
                        user = user_of(argv.get(i + 1));
                        i += 2;
                    }
                    Some(at) => {
                        user = Some(a.value.as_ref().map(|_| cluster[at + 1..].to_string()));
                        i += 1;
                    }
                    None => i += 1,
                }
            }
            _ if t.starts_with('-') => i += 1,
            _ => break,
        }
    }
    let mut vars = Vec::new();
    while let Some((k, v)) = argv.get(i).and_then(|a| text(a).split_once('=')) {
        if !super::syntax::is_name(k) {
            break;
        }
        vars.push((k.to_string(), Some(v.to_string())));
        i += 1;
    }
    if i >= argv.len() {
        return Unwrapped::Plain;
    }
    Unwrapped::Runs {
        skip: i,
        user,
        env: vars,
        // A login shell starts in the user's home, which is not known here.
        dir: if login { Some(unknown_dir()) } else { dir },
        more_args: false,
    }
}

/// A folder argument whose value is not known.
fn unknown_dir() -> Arg {
    Arg {
        value: None,
        raw: "~".into(),
    }
}

/// `runuser -u USER [--] command…` or `runuser [-l] USER -c 'script'`.
fn runuser(argv: &[Arg]) -> Unwrapped {
    if argv.get(1).map(text) == Some("-u") {
        let at = operands_from(argv, 3, &[]);
        if at >= argv.len() {
            return Unwrapped::Plain;
        }
        return Unwrapped::Runs {
            skip: at,
            user: user_of(argv.get(2)),
            env: Vec::new(),
            dir: None,
            more_args: false,
        };
    }
    su(argv)
}

/// `su [-] [-l] [-s SHELL] [USER] -c 'script'` (options and the user in any order).
fn su(argv: &[Arg]) -> Unwrapped {
    let mut i = 1;
    let mut user = None;
    let mut script = None;
    let mut login = false;
    while let Some(a) = argv.get(i) {
        let t = text(a);
        match t {
            "-c" | "--command" => {
                script = argv.get(i + 1).cloned();
                i += 2;
            }
            "-s"
            | "--shell"
            | "-g"
            | "--group"
            | "-G"
            | "--supp-group"
            | "-w"
            | "--whitelist-environment" => i += 2,
            _ if t.starts_with("--command=") => {
                script = Some(Arg {
                    value: a
                        .value
                        .as_ref()
                        .map(|v| v["--command=".len()..].to_string()),
                    raw: t.to_string(),
                });
                i += 1;
            }
            "-" | "-l" | "--login" => {
                login = true;
                i += 1;
            }
            _ if t.starts_with('-') => i += 1,
            _ => {
                if user.is_none() {
                    user = user_of(Some(a));
                }
                i += 1;
            }
        }
    }
    match script {
        Some(script) => Unwrapped::ShellString {
            shell: "sh".into(),
            script,
            user: Some(user.unwrap_or(Some("root".into()))),
            login,
        },
        None => Unwrapped::Plain,
    }
}

/// `find … -exec cmd … {} \;` (and `-execdir`, `-ok`, `-okdir`, `+`).
fn find(argv: &[Arg]) -> Unwrapped {
    let mut inner = Vec::new();
    let mut find_args = argv.len();
    let mut i = 1;
    while i < argv.len() {
        if matches!(text(&argv[i]), "-exec" | "-execdir" | "-ok" | "-okdir") {
            find_args = find_args.min(i);
            let start = i + 1;
            let mut end = start;
            while end < argv.len() && !matches!(text(&argv[end]), ";" | "+") {
                end += 1;
            }
            let command: Vec<Arg> = argv[start..end]
                .iter()
                .map(|a| {
                    if a.text().contains("{}") {
                        Arg {
                            value: None,
                            raw: a.raw.clone(),
                        }
                    } else {
                        a.clone()
                    }
                })
                .collect();
            if !command.is_empty() {
                inner.push(command);
            }
            i = end + 1;
        } else {
            i += 1;
        }
    }
    if inner.is_empty() {
        Unwrapped::Plain
    } else {
        Unwrapped::FindExec { find_args, inner }
    }
}
