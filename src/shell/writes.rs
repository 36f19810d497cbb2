//! The files a command writes, as far as its words show: redirections, and
//! the programs that write where their arguments say (`cp`, `mv`, `install`,
//! `mkdir`, `touch`, `tee`, `chmod`/`chown`, `sed -i`, `curl -o`, `wget -O`,
//! `gpg -o`, `tar -C`, `unzip -d`, `git clone`, `ln`).

use serde::Serialize;

use super::Arg;
use crate::paths::resolve;

/// A path a command writes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Write {
    /// Absolute and normalised; `None` where a variable or an unknown
    /// folder hides it.
    pub path: Option<String>,
    /// The path as written.
    pub raw: String,
    pub kind: WriteKind,
}

/// What a command does at a path it writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WriteKind {
    /// Makes or re-owns a folder (`mkdir`, `chown`) that may already exist.
    Folder,
    /// Puts content there: a file, or what a download unpacks.
    Content,
    /// Makes a link (`ln`), which a copy to another stage would follow.
    Link,
    /// Removes it (`rm`): what was written there is gone.
    Removed,
}

/// A path as written, whether its value is known, and what is done there.
struct Raw {
    text: String,
    known: bool,
    kind: WriteKind,
}

/// The write at `target` (a redirection's file), read from `dir`.
pub(super) fn at(dir: Option<&str>, target: &Arg, kind: WriteKind) -> Option<Write> {
    let t = target.text();
    if matches!(t, "/dev/null" | "/dev/stdout" | "/dev/stderr" | "/dev/tty")
        || t.starts_with("/dev/fd/")
    {
        return None;
    }
    Some(finish(
        dir,
        Raw {
            text: t.to_string(),
            known: target.value.is_some(),
            kind,
        },
    ))
}

fn finish(dir: Option<&str>, raw: Raw) -> Write {
    let path = match (raw.known, dir) {
        (false, _) => None,
        (true, _) if raw.text.starts_with('/') => Some(resolve("/", &raw.text)),
        (true, Some(d)) => Some(resolve(d, &raw.text)),
        (true, None) => None,
    };
    Write {
        path,
        raw: raw.text,
        kind: raw.kind,
    }
}

/// The operands of a command: its arguments less its options and their
/// values (`valued` options take the next word, or `-mVALUE`, `--mode=VALUE`).
fn operands<'a>(args: &'a [Arg], valued: &[&str]) -> Vec<&'a Arg> {
    let mut out = Vec::new();
    let mut i = 0;
    let mut options = true;
    while i < args.len() {
        let a = &args[i];
        let t = a.text();
        if options && t == "--" {
            options = false;
        } else if options && t.starts_with('-') && t != "-" && a.value.is_some() {
            if valued.contains(&t) {
                i += 1;
            }
        } else {
            out.push(a);
        }
        i += 1;
    }
    out
}

/// The values of an option (`-o FILE`, `--output FILE`, `--output=FILE`,
/// `-oFILE`, and the last letter of a cluster: `-fsSLo FILE`); `-` (the
/// standard output) is no file.
fn option_values(args: &[Arg], short: Option<char>, long: &[&str]) -> Vec<Raw> {
    let mut values = Vec::new();
    let mut push = |text: &str, known: bool| {
        if text != "-" {
            values.push(Raw {
                text: text.to_string(),
                known,
                kind: WriteKind::Content,
            });
        }
    };
    for (i, a) in args.iter().enumerate() {
        let t = a.text();
        let known = a.value.is_some();
        let next = || args.get(i + 1);
        if long.contains(&t) {
            if let Some(v) = next() {
                push(v.text(), v.value.is_some());
            }
        } else if let Some((name, v)) = t.split_once('=').filter(|(n, _)| long.contains(n)) {
            let _ = name;
            push(v, known);
        } else if let (Some(letter), Some(cluster)) = (short, t.strip_prefix('-')) {
            if t.starts_with("--") || cluster.is_empty() {
                continue;
            }
            if let Some(at) = cluster.find(letter) {
                let rest = &cluster[at + letter.len_utf8()..];
                if rest.is_empty() {
                    if let Some(v) = next() {
                        push(v.text(), v.value.is_some());
                    }
                } else {
                    push(rest, known);
                }
            }
        }
    }
    values
}

/// The last path element of a URL or path (`https://x/a/t.tgz?x` → `t.tgz`).
fn file_name(url: &str) -> &str {
    let path = url
        .split(['?', '#'])
        .next()
        .unwrap_or(url)
        .trim_end_matches('/');
    path.rsplit('/').next().unwrap_or(path)
}

/// The paths a program writes (or removes), read from its arguments.
pub(super) fn of_program(program: &str, args: &[Arg], dir: Option<&str>) -> Vec<Write> {
    let name = program.rsplit('/').next().unwrap_or(program);
    let mut out: Vec<Raw> = Vec::new();
    match name {
        "cp" | "mv" | "install" | "ln" => out.extend(copies(name, args)),
        "mkdir" => out.extend(
            operands(args, &["-m", "--mode"])
                .iter()
                .map(|p| raw(p, WriteKind::Folder)),
        ),
        "touch" => out.extend(
            operands(args, &["-d", "--date", "-r", "--reference", "-t"])
                .iter()
                .map(|p| raw(p, WriteKind::Content)),
        ),
        "tee" => out.extend(
            operands(args, &[])
                .iter()
                .map(|p| raw(p, WriteKind::Content)),
        ),
        "chmod" | "chown" | "chgrp" => out.extend(
            operands(args, &[])
                .iter()
                .skip(1)
                .map(|p| raw(p, WriteKind::Folder)),
        ),
        "rm" | "rmdir" => out.extend(
            operands(args, &[])
                .iter()
                .map(|p| raw(p, WriteKind::Removed)),
        ),
        "sed"
            if args
                .iter()
                .any(|a| a.text().starts_with("-i") || a.text().starts_with("--in-place")) =>
        {
            let scripted = args
                .iter()
                .any(|a| matches!(a.text(), "-e" | "-f" | "--expression" | "--file"));
            let ops = operands(args, &["-e", "--expression", "-f", "--file"]);
            let files = if scripted {
                &ops[..]
            } else {
                ops.get(1..).unwrap_or(&[])
            };
            out.extend(files.iter().map(|p| raw(p, WriteKind::Content)));
        }
        // `gpg --dearmor -o /usr/share/keyrings/x.gpg`: a keyring for apt.
        "gpg" | "gpg2" => out.extend(option_values(args, Some('o'), &["--output"])),
        "curl" => out.extend(curl(args)),
        "wget" => out.extend(wget(args)),
        "tar" => out.extend(tar_writes(args)),
        "unzip" => out.extend(unzip(args)),
        "git" if args.first().map(|a| a.text()) == Some("clone") => out.extend(git_clone(args)),
        // `git -C DIR clone URL`: the clone lands in DIR.
        "git"
            if args.first().map(|a| a.text()) == Some("-C")
                && args.get(2).map(|a| a.text()) == Some("clone") =>
        {
            let dir = args[1].text().trim_end_matches('/').to_string();
            let known = args[1].value.is_some();
            out.extend(git_clone(&args[2..]).into_iter().map(|r| Raw {
                text: if r.text.starts_with('/') {
                    r.text
                } else {
                    format!("{dir}/{}", r.text)
                },
                known: known && r.known,
                kind: r.kind,
            }));
        }
        _ => {}
    }
    out.into_iter().map(|r| finish(dir, r)).collect()
}

/// An argument as a path written.
fn raw(a: &Arg, kind: WriteKind) -> Raw {
    Raw {
        text: a.text().to_string(),
        known: a.value.is_some(),
        kind,
    }
}

/// What lands in a destination folder (`cp a b DIR/`, `cp -t DIR a`).
fn into(dest: &Arg, sources: &[&Arg]) -> Vec<Raw> {
    sources
        .iter()
        .map(|src| Raw {
            text: format!(
                "{}/{}",
                dest.text().trim_end_matches('/'),
                file_name(src.text())
            ),
            known: dest.value.is_some() && src.value.is_some(),
            kind: WriteKind::Content,
        })
        .collect()
}

/// What `cp`, `mv`, `install` and `ln` write: a destination, or each source in a folder.
fn copies(name: &str, args: &[Arg]) -> Vec<Raw> {
    let mut out: Vec<Raw> = Vec::new();
    let valued: &[&str] = match name {
        "install" => &[
            "-m",
            "--mode",
            "-o",
            "--owner",
            "-g",
            "--group",
            "-S",
            "--suffix",
            "-t",
            "--target-directory",
        ],
        _ => &["-S", "--suffix", "-t", "--target-directory"],
    };
    let ops = operands(args, valued);
    let kind = if name == "ln" {
        WriteKind::Link
    } else {
        WriteKind::Content
    };
    let target = option_values(args, Some('t'), &["--target-directory"]);
    if name == "install"
        && args
            .iter()
            .any(|a| a.text() == "-d" || a.text() == "--directory")
    {
        out.extend(ops.iter().map(|p| raw(p, WriteKind::Folder)));
    } else if let Some(t) = target.first() {
        let dest = Arg {
            value: t.known.then(|| t.text.clone()),
            raw: t.text.clone(),
        };
        out.extend(into(&dest, &ops).into_iter().map(|r| Raw { kind, ..r }));
    } else if ops.len() >= 2 {
        let dest = ops[ops.len() - 1];
        if dest.text().ends_with('/')
            || ops.len() > 2
            || (name != "ln" && crate::paths::is_system_folder(dest.text()))
        {
            out.extend(
                into(dest, &ops[..ops.len() - 1])
                    .into_iter()
                    .map(|r| Raw { kind, ..r }),
            );
        } else {
            out.push(raw(dest, kind));
        }
    } else if name == "ln" && ops.len() == 1 {
        // `ln -s /x/tool`: a link named `tool` here.
        out.push(Raw {
            text: file_name(ops[0].text()).to_string(),
            known: ops[0].value.is_some(),
            kind,
        });
    }
    out
}

/// What `curl` writes: `-o FILE`, or with `-O` the URL's file name here.
fn curl(args: &[Arg]) -> Vec<Raw> {
    let mut out: Vec<Raw> = Vec::new();
    out.extend(option_values(args, Some('o'), &["--output"]));
    // `-O`: the URL's file name, here.
    let remote = args.iter().any(|a| {
        let t = a.text();
        t == "--remote-name" || (!t.starts_with("--") && t.starts_with('-') && t.contains('O'))
    });
    if remote {
        let valued = [
            "-o",
            "--output",
            "-H",
            "--header",
            "-u",
            "--user",
            "-d",
            "--data",
            "-X",
            "--request",
            "-A",
            "--user-agent",
            "-e",
            "--referer",
            "-x",
            "--proxy",
            "--retry",
            "-m",
            "--max-time",
            "--connect-timeout",
            "-w",
            "--write-out",
        ];
        for url in operands(args, &valued) {
            out.push(Raw {
                text: file_name(url.text()).to_string(),
                known: url.value.is_some(),
                kind: WriteKind::Content,
            });
        }
    }
    out
}

/// What `wget` writes: `-O FILE`, else the URL's file name (in the `-P` folder); nothing for `-O -`.
fn wget(args: &[Arg]) -> Vec<Raw> {
    let mut out: Vec<Raw> = Vec::new();
    let to = option_values(args, Some('O'), &["--output-document"]);
    let prefix = option_values(args, Some('P'), &["--directory-prefix"]);
    // `-O -`, `-qO-`, `--output-document=-`: to the standard output.
    let stdout = args.iter().enumerate().any(|(i, a)| {
        let t = a.text();
        let short = t.starts_with('-') && !t.starts_with("--");
        let next_is_dash = args.get(i + 1).is_some_and(|v| v.text() == "-");
        t == "--output-document=-"
            || (short && t.ends_with("O-"))
            || (short && t.ends_with('O') && next_is_dash)
            || (t == "--output-document" && next_is_dash)
    });
    if to.is_empty() && !stdout {
        // No -O: the URL's file name, in the -P folder or here.
        let valued = [
            "-O",
            "--output-document",
            "-P",
            "--directory-prefix",
            "-o",
            "--output-file",
            "-a",
            "--append-output",
            "-t",
            "--tries",
            "-T",
            "--timeout",
            "--header",
            "-U",
            "--user-agent",
        ];
        for url in operands(args, &valued) {
            let base = prefix
                .first()
                .map(|p| p.text.trim_end_matches('/').to_string());
            let name = file_name(url.text());
            out.push(Raw {
                text: match &base {
                    Some(b) => format!("{b}/{name}"),
                    None => name.to_string(),
                },
                known: url.value.is_some() && prefix.first().is_none_or(|p| p.known),
                kind: WriteKind::Content,
            });
        }
    }
    out.extend(to);
    out
}

/// Where `unzip` unpacks: `-d DIR`, else here.
fn unzip(args: &[Arg]) -> Vec<Raw> {
    let mut out: Vec<Raw> = Vec::new();
    let to = option_values(args, Some('d'), &[]);
    if to.is_empty() && !args.iter().any(|a| a.text() == "-l" || a.text() == "-p") {
        // Without -d, into the folder it runs in.
        out.push(Raw {
            text: ".".into(),
            known: true,
            kind: WriteKind::Content,
        });
    }
    out.extend(to);
    out
}

/// Where `git clone` writes: its folder, else the repository's name here.
fn git_clone(args: &[Arg]) -> Vec<Raw> {
    let mut out: Vec<Raw> = Vec::new();
    let ops = operands(
        &args[1..],
        &[
            "-b",
            "--branch",
            "-o",
            "--origin",
            "--depth",
            "-c",
            "--config",
            "--reference",
            "-j",
            "--jobs",
            "--filter",
        ],
    );
    match ops.as_slice() {
        [_, dir, ..] => out.push(raw(dir, WriteKind::Content)),
        [url] => out.push(Raw {
            text: file_name(url.text()).trim_end_matches(".git").to_string(),
            known: url.value.is_some(),
            kind: WriteKind::Content,
        }),
        [] => {}
    }
    out
}

/// What `tar` writes: where it unpacks (`-x` into the folder it runs in, or
/// `-C DIR`, `--directory=DIR`, `C` in a cluster), or the archive it creates
/// (`-c` with `-f FILE`).
fn tar_writes(args: &[Arg]) -> Vec<Raw> {
    let mode = |letter: char, long: &str| {
        args.iter().enumerate().any(|(i, a)| {
            let t = a.text();
            t == long
                || (!t.starts_with("--")
                    && (t.starts_with('-') || i == 0)
                    && t.trim_start_matches('-')
                        .chars()
                        .all(|c| c.is_ascii_alphabetic())
                    && t.contains(letter))
        })
    };
    let mut out = tar_dirs(args);
    if mode('x', "--extract") && out.is_empty() {
        out.push(Raw {
            text: ".".into(),
            known: true,
            kind: WriteKind::Content,
        });
    }
    if mode('c', "--create") {
        for (i, a) in args.iter().enumerate() {
            let t = a.text();
            if let Some(v) = t.strip_prefix("--file=") {
                out.push(Raw {
                    text: v.to_string(),
                    known: a.value.is_some(),
                    kind: WriteKind::Content,
                });
            } else if !t.starts_with("--") && (t.starts_with('-') || i == 0) && t.ends_with('f') {
                if let Some(file) = args.get(i + 1).filter(|f| f.text() != "-") {
                    out.push(Raw {
                        text: file.text().to_string(),
                        known: file.value.is_some(),
                        kind: WriteKind::Content,
                    });
                }
            }
        }
    }
    out
}

/// Where `tar` unpacks when told: `-C DIR`, `--directory=DIR`, or `C` in a
/// cluster (`xzC DIR`, `-xzf F -C DIR`, `xJC DIR F`), whose value follows
/// the values of the letters before it.
fn tar_dirs(args: &[Arg]) -> Vec<Raw> {
    let mut out = Vec::new();
    for (i, a) in args.iter().enumerate() {
        let t = a.text();
        if let Some(v) = t.strip_prefix("--directory=") {
            out.push(Raw {
                text: v.to_string(),
                known: a.value.is_some(),
                kind: WriteKind::Content,
            });
            continue;
        }
        // `--directory DIR`, the value as the next word.
        if t == "--directory" {
            if let Some(dir) = args.get(i + 1) {
                out.push(raw(dir, WriteKind::Content));
            }
            continue;
        }
        let cluster = t.strip_prefix('-').unwrap_or(t);
        let is_cluster = !t.starts_with("--")
            && !cluster.is_empty()
            && cluster.chars().all(|c| c.is_ascii_alphabetic());
        if is_cluster && (i == 0 || t.starts_with('-')) {
            if let Some(at) = cluster.find('C') {
                let before = cluster[..at]
                    .chars()
                    .filter(|c| {
                        matches!(c, 'f' | 'T' | 'X' | 'g' | 'b' | 'H' | 'L' | 'K' | 'N' | 'V')
                    })
                    .count();
                if let Some(dir) = args.get(i + 1 + before) {
                    out.push(Raw {
                        text: dir.text().to_string(),
                        known: dir.value.is_some(),
                        kind: WriteKind::Content,
                    });
                }
            }
        }
    }
    out
}
