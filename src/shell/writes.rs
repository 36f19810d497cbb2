//! The files a command writes, as far as its words show: redirections, and
//! the programs that write where their arguments say (`cp`, `mv`, `install`,
//! `mkdir`, `touch`, `tee`, `chmod`/`chown`, `sed -i`, `curl -o`, `wget -O`,
//! `tar -C`, `unzip -d`, `git clone`, `ln`).

use serde::Serialize;

use super::Arg;
use crate::plan::resolve;

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

/// The paths a program writes, read from its arguments.
pub(super) fn of_program(program: &str, args: &[Arg], dir: Option<&str>) -> Vec<Write> {
    let name = program.rsplit('/').next().unwrap_or(program);
    let raw = |a: &Arg, kind: WriteKind| Raw {
        text: a.text().to_string(),
        known: a.value.is_some(),
        kind,
    };
    let plain: Vec<&Arg> = args
        .iter()
        .filter(|a| !a.text().starts_with('-') || a.value.is_none())
        .collect();
    // The values of options such as `-o FILE`, `--output=FILE`, `-oFILE`.
    let value_of = |names: &[&str]| -> Vec<Raw> {
        let mut values = Vec::new();
        for (i, a) in args.iter().enumerate() {
            let t = a.text();
            for n in names {
                if t == *n {
                    values.extend(args.get(i + 1).map(|v| raw(v, WriteKind::Content)));
                } else if let Some(v) = t.strip_prefix(&format!("{n}=")) {
                    values.push(Raw {
                        text: v.to_string(),
                        known: a.value.is_some(),
                        kind: WriteKind::Content,
                    });
                } else if n.len() == 2 && t.starts_with(n) && t.len() > 2 && !t.starts_with("--") {
                    values.push(Raw {
                        text: t[2..].to_string(),
                        known: a.value.is_some(),
                        kind: WriteKind::Content,
                    });
                }
            }
        }
        values
    };
    let mut out: Vec<Raw> = Vec::new();
    match name {
        "cp" | "mv" | "install" if plain.len() >= 2 => {
            let dest = plain[plain.len() - 1];
            if dest.text().ends_with('/') {
                for src in &plain[..plain.len() - 1] {
                    let s = src.text();
                    let base = s.trim_end_matches('/').rsplit('/').next().unwrap_or(s);
                    out.push(Raw {
                        text: format!("{}{base}", dest.text()),
                        known: dest.value.is_some() && src.value.is_some(),
                        kind: WriteKind::Content,
                    });
                }
            } else {
                out.push(raw(dest, WriteKind::Content));
            }
        }
        "mkdir" => out.extend(plain.iter().map(|p| raw(p, WriteKind::Folder))),
        "touch" | "tee" => out.extend(plain.iter().map(|p| raw(p, WriteKind::Content))),
        "chmod" | "chown" | "chgrp" => {
            out.extend(plain.iter().skip(1).map(|p| raw(p, WriteKind::Folder)))
        }
        "sed" if args.iter().any(|a| a.text().starts_with("-i")) => {
            out.extend(plain.iter().skip(1).map(|p| raw(p, WriteKind::Content)))
        }
        "curl" => out.extend(value_of(&["-o", "--output"])),
        "wget" => {
            out.extend(value_of(&["-O", "--output-document"]));
            out.extend(value_of(&["-P", "--directory-prefix"]));
        }
        "tar" => out.extend(tar_writes(args)),
        "unzip" => {
            let to = value_of(&["-d"]);
            if to.is_empty() {
                // Without -d, into the folder it runs in.
                out.push(Raw {
                    text: ".".into(),
                    known: true,
                    kind: WriteKind::Content,
                });
            }
            out.extend(to);
        }
        "git" if plain.first().map(|a| a.text()) == Some("clone") && plain.len() >= 3 => {
            out.push(raw(plain[plain.len() - 1], WriteKind::Content))
        }
        "ln" if plain.len() >= 2 => out.push(raw(plain[plain.len() - 1], WriteKind::Link)),
        _ => {}
    }
    out.into_iter().map(|r| finish(dir, r)).collect()
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
