//! The files a compiled program may read from its folder at run time
//! (`config.yaml`, `templates/`, `migrations/`): everything the original
//! image had in the application directory from the build context, except
//! the build's own sources, by top-level path. The binary does not say what
//! it opens, so all of it comes along (conversions.md, Go; Rust uses it too).
//! Read from the context listing with the `.dockerignore`'s plain patterns
//! applied; nothing is run.

use std::path::Path;

use crate::context::Context;
use crate::facts::StageFacts;
use crate::paths::{is_within, normalize};

/// How many entries a folder is searched through for a file that is not a
/// source: past that, it is taken to hold one.
const SEARCH_LIMIT: usize = 5000;

/// The top-level paths, in the image, of the files the stage copied from the
/// context into `app_dir` that are not the build's own (`skip`: name
/// patterns such as `*.go`, `go.mod`, `vendor`); a folder holding only such
/// files is left out. Empty where the context cannot be listed.
pub fn app_files(facts: &StageFacts, ctx: &Context, app_dir: &str, skip: &[String]) -> Vec<String> {
    let Some(root) = ctx.dir() else {
        return Vec::new();
    };
    let ignored = dockerignore(root);
    let mut out: Vec<String> = Vec::new();
    for copy in facts.copies.iter().filter(|c| c.from.is_none()) {
        let dest = normalize(&copy.dest);
        let sources: Vec<&String> = copy
            .sources
            .iter()
            .filter(|s| !s.starts_with("<<") && !s.contains("://"))
            .collect();
        let into_dir = copy.dest.ends_with('/') || sources.len() > 1;
        for src in sources {
            let src = src.trim_start_matches("./").trim_end_matches('/');
            let src = if src.is_empty() { "." } else { src };
            // The context entries this source names, each with where it lands.
            let mut landed: Vec<(String, String)> = Vec::new();
            if src.contains(['*', '?', '[']) && !src.contains('/') {
                for name in entries(root) {
                    if matches(src, &name) {
                        landed.push((name.clone(), format!("{dest}/{name}")));
                    }
                }
            } else if src == "." || root.join(src).is_dir() {
                let base = if src == "." {
                    root.to_path_buf()
                } else {
                    root.join(src)
                };
                for name in entries(&base) {
                    let rel = if src == "." {
                        name.clone()
                    } else {
                        format!("{src}/{name}")
                    };
                    landed.push((rel, format!("{dest}/{name}")));
                }
            } else if root.join(src).is_file() {
                let name = src.rsplit('/').next().unwrap_or(src);
                let at = if into_dir {
                    format!("{dest}/{name}")
                } else {
                    dest.clone()
                };
                landed.push((src.to_string(), at));
            }
            for (rel, at) in landed {
                let at = normalize(&at);
                let name = rel.rsplit('/').next().unwrap_or(&rel);
                let top = !rel.contains('/');
                // Inside a folder of the build's own (`COPY src ./src`) is
                // the build's too.
                let within = at
                    .strip_prefix(app_dir)
                    .unwrap_or(&at)
                    .split('/')
                    .filter(|c| !c.is_empty())
                    .collect::<Vec<_>>();
                if !is_within(&at, app_dir)
                    || at == app_dir
                    || within.iter().any(|c| skip.iter().any(|p| matches(p, c)))
                    || (top && ignored(name))
                    || (root.join(&rel).is_dir() && only_sources(&root.join(&rel), skip))
                    || out.contains(&at)
                {
                    continue;
                }
                out.push(at);
            }
        }
    }
    out.sort();
    out
}

/// The names in a folder, sorted.
fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Whether every file under a folder is one of the build's own.
fn only_sources(dir: &Path, skip: &[String]) -> bool {
    let mut stack = vec![dir.to_path_buf()];
    let mut seen = 0;
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            seen += 1;
            if seen > SEARCH_LIMIT {
                return false;
            }
            let name = e.file_name().to_string_lossy().into_owned();
            if skip.iter().any(|p| matches(p, &name)) {
                continue;
            }
            let path = e.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                return false;
            }
        }
    }
    true
}

/// A name pattern with `*` and `?` (`*.go`, `Dockerfile.*`).
pub fn matches(pattern: &str, name: &str) -> bool {
    fn go(p: &[char], n: &[char]) -> bool {
        match (p.first(), n.first()) {
            (None, None) => true,
            (Some('*'), _) => go(&p[1..], n) || (!n.is_empty() && go(p, &n[1..])),
            (Some('?'), Some(_)) => go(&p[1..], &n[1..]),
            (Some(a), Some(b)) if a == b => go(&p[1..], &n[1..]),
            _ => false,
        }
    }
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    go(&p, &n)
}

/// The top-level names the context's `.dockerignore` leaves out, by its
/// patterns that name a top-level entry (`docs`, `*.md`, `/tmp/`,
/// `**/.env`), later lines winning and `!` taking a name back.
fn dockerignore(root: &Path) -> impl Fn(&str) -> bool {
    let text = std::fs::read_to_string(root.join(".dockerignore")).unwrap_or_default();
    let rules: Vec<(bool, String)> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let (keep, p) = match l.strip_prefix('!') {
                Some(p) => (true, p),
                None => (false, l),
            };
            let p = p
                .trim_start_matches("**/")
                .trim_start_matches("./")
                .trim_start_matches('/')
                .trim_end_matches('/')
                .trim_end_matches("/**");
            (!p.contains('/') && !p.is_empty()).then(|| (keep, p.to_string()))
        })
        .collect();
    move |name: &str| {
        let mut out = false;
        for (keep, p) in &rules {
            if matches(p, name) {
                out = !keep;
            }
        }
        out
    }
}
