//! Turns the paths on the command line into Dockerfiles: a file is taken as
//! it is; a directory is walked (respecting `.gitignore`, skipping hidden
//! folders and `node_modules`, `target`, `vendor`) for `Dockerfile`,
//! `Containerfile`, `Dockerfile.*`, `*.Dockerfile` and `*.dockerfile`.
//! Symlinks found in a walk are not followed.

use std::path::{Path, PathBuf};

use crate::codes::{Code, Reason};

/// One file discovery found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// A Dockerfile to process; `root` is the tree it was found in (writes
    /// through a symlink must stay inside it).
    File { path: PathBuf, root: PathBuf },
    /// Seen and left alone, with the reason.
    Skipped { path: PathBuf, reason: Reason },
}

const NEVER_ENTERED: &[&str] = &["node_modules", "target", "vendor", ".git"];
const TEMPLATE_SUFFIXES: &[&str] = &[".j2", ".tmpl", ".template", ".bak", ".orig"];

/// Endings that make a Dockerfile-like name clearly something else: an
/// autoconf input, a rejected patch, notes, a script, an editor's files, an
/// ignore list.
const NOT_DOCKERFILE_SUFFIXES: &[&str] = &[
    ".in",
    ".rej",
    ".md",
    ".sh",
    ".txt",
    ".swp",
    ".dockerignore",
    "~",
];

/// Why a file with this name is not a Dockerfile to rewrite, whether walked
/// or named (a template, a backup, an editor's file, …); `None` when it may be one.
pub fn not_a_dockerfile(name: &str) -> Option<Reason> {
    let lower = name.to_ascii_lowercase();
    if let Some(s) = TEMPLATE_SUFFIXES.iter().find(|s| lower.ends_with(*s)) {
        return Some(Reason::file(
            Code::TemplateFile,
            format!("a {s} template or backup, not a Dockerfile to rewrite"),
        ));
    }
    NOT_DOCKERFILE_SUFFIXES
        .iter()
        .find(|s| lower.ends_with(*s))
        .map(|s| {
            Reason::file(
                Code::NotADockerfileName,
                format!("a `{s}` file, not a Dockerfile to rewrite"),
            )
        })
}

/// Whether a file name is a Dockerfile's; `Err` with a reason for names that
/// look like one but are not to be rewritten (templates, backups, notes).
pub fn dockerfile_name(name: &str) -> Option<Result<(), Reason>> {
    let lower = name.to_ascii_lowercase();
    let looks = |n: &str| {
        n == "dockerfile"
            || n == "containerfile"
            || n.starts_with("dockerfile.")
            || n.starts_with("containerfile.")
            || n.ends_with(".dockerfile")
            || n.ends_with(".containerfile")
    };
    // A backup or template of a Dockerfile (`Dockerfile~`, `api.Dockerfile.orig`)
    // looks like the file it comes from.
    let stem = TEMPLATE_SUFFIXES
        .iter()
        .chain(NOT_DOCKERFILE_SUFFIXES)
        .find_map(|s| lower.strip_suffix(s))
        .unwrap_or(&lower);
    if !looks(&lower) && !looks(stem) {
        return None;
    }
    match not_a_dockerfile(name) {
        Some(reason) => Some(Err(reason)),
        None => Some(Ok(())),
    }
}

/// `--include` and `--exclude` globs, matched against a walked file's path
/// (relative to the folder walked) and against its name.
#[derive(Debug, Default)]
pub struct Filters {
    include: Option<globset::GlobSet>,
    exclude: Option<globset::GlobSet>,
}

impl Filters {
    /// Filters from the command line's globs.
    pub fn new(include: &[String], exclude: &[String]) -> Result<Filters, globset::Error> {
        let build = |globs: &[String]| -> Result<Option<globset::GlobSet>, globset::Error> {
            if globs.is_empty() {
                return Ok(None);
            }
            let mut set = globset::GlobSetBuilder::new();
            for g in globs {
                set.add(globset::Glob::new(g)?);
            }
            set.build().map(Some)
        };
        Ok(Filters {
            include: build(include)?,
            exclude: build(exclude)?,
        })
    }

    fn keeps(&self, relative: &Path) -> bool {
        let name = relative.file_name().map(Path::new).unwrap_or(relative);
        let hit = |set: &globset::GlobSet| set.is_match(relative) || set.is_match(name);
        // An exclude that names a folder (`legacy`, `services/old`) leaves out
        // everything in it.
        let folder_hit = |set: &globset::GlobSet| {
            relative
                .ancestors()
                .skip(1)
                .filter(|a| !a.as_os_str().is_empty())
                .any(|a| set.is_match(a) || a.file_name().is_some_and(|n| set.is_match(n)))
        };
        self.include.as_ref().is_none_or(hit)
            && !self
                .exclude
                .as_ref()
                .is_some_and(|set| hit(set) || folder_hit(set))
    }
}

/// The Dockerfiles under the given paths, sorted, each once. Files named on
/// the command line are taken as they are; `filters` apply to walked ones.
pub fn discover(paths: &[PathBuf], filters: &Filters) -> Vec<Found> {
    let mut out = Vec::new();
    for path in paths {
        if path.is_dir() && !is_symlink(path) {
            walk(path, filters, &mut out);
        } else {
            // A file named is read whatever its name, unless the name says
            // it is something else (`Dockerfile.md`, `Dockerfile~`).
            let name = path.file_name().map(|n| n.to_string_lossy().to_string());
            match name.as_deref().and_then(not_a_dockerfile) {
                Some(reason) => out.push(Found::Skipped {
                    path: path.clone(),
                    reason,
                }),
                None => out.push(Found::File {
                    path: path.clone(),
                    root: std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
                }),
            }
        }
    }
    out.sort_by(|a, b| key(a).cmp(key(b)));
    out.dedup_by(|a, b| key(a) == key(b));
    // The same file named twice (`Dockerfile ./Dockerfile`, a file and its
    // folder) is one file: the first name given is kept.
    let mut seen = std::collections::HashSet::new();
    out.retain(|f| {
        seen.insert(std::fs::canonicalize(key(f)).unwrap_or_else(|_| key(f).to_path_buf()))
    });
    out
}

fn key(f: &Found) -> &Path {
    match f {
        Found::File { path, .. } | Found::Skipped { path, .. } => path,
    }
}

fn is_symlink(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
}

fn walk(root: &Path, filters: &Filters, out: &mut Vec<Found>) {
    let walker = ignore::WalkBuilder::new(root)
        .hidden(true)
        .follow_links(false)
        .require_git(false)
        .filter_entry(|e| {
            let name = e.file_name().to_string_lossy();
            !(e.depth() > 0
                && e.file_type().is_some_and(|t| t.is_dir())
                && NEVER_ENTERED.contains(&name.as_ref()))
        })
        .build();
    for entry in walker.flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        let Some(verdict) = dockerfile_name(&name) else {
            continue;
        };
        let path = entry.path().to_path_buf();
        if !filters.keeps(path.strip_prefix(root).unwrap_or(&path)) {
            continue;
        }
        let symlink = entry.path_is_symlink();
        if entry.file_type().is_some_and(|t| t.is_dir()) {
            continue;
        }
        out.push(match (verdict, symlink) {
            (_, true) => Found::Skipped {
                path,
                reason: Reason::file(Code::Symlink, "a symlink: not followed in a walk")
                    .hint("give its target, or the link itself, as a path"),
            },
            (Err(reason), _) => Found::Skipped { path, reason },
            (Ok(()), _) => Found::File {
                path,
                root: root.to_path_buf(),
            },
        });
    }
}

/// What a walk of `root` left out, for a run that found nothing there to
/// say what it looked at: Dockerfiles that `.gitignore` (or a hidden or
/// never-entered folder) hides, and those the `--include`/`--exclude`
/// globs leave out.
pub fn left_out(root: &Path, filters: &Filters) -> (usize, usize) {
    let all = ignore::WalkBuilder::new(root)
        .standard_filters(false)
        .follow_links(false)
        .build()
        .flatten()
        .filter(|e| {
            e.file_type().is_some_and(|t| t.is_file())
                && matches!(
                    dockerfile_name(&e.file_name().to_string_lossy()),
                    Some(Ok(()))
                )
        })
        .count();
    let mut walked = Vec::new();
    walk(root, &Filters::default(), &mut walked);
    let seen = walked.len();
    let mut kept = Vec::new();
    walk(root, filters, &mut kept);
    (all.saturating_sub(seen), seen.saturating_sub(kept.len()))
}

#[cfg(test)]
mod tests {
    use super::dockerfile_name;

    #[test]
    fn names() {
        for n in [
            "Dockerfile",
            "dockerfile",
            "Containerfile",
            "Dockerfile.prod",
            "api.Dockerfile",
            "x.dockerfile",
        ] {
            assert_eq!(dockerfile_name(n), Some(Ok(())), "{n}");
        }
        for n in ["README.md", "docker-compose.yml", "build.sh"] {
            assert_eq!(dockerfile_name(n), None, "{n}");
        }
        for n in [
            "Dockerfile.j2",
            "Dockerfile.in",
            "Dockerfile.rej",
            "Dockerfile.md",
            "Dockerfile.sh",
            "Dockerfile.txt",
            "Dockerfile.swp",
            "Dockerfile.dockerignore",
            "Dockerfile~",
            "api.Dockerfile.orig",
        ] {
            assert!(matches!(dockerfile_name(n), Some(Err(_))), "{n}");
        }
    }
}
