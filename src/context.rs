//! The build context next to a Dockerfile, read for detection: which files
//! exist and what the manifests say. Nothing in it is ever executed.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Manifests and lock files larger than this are not read.
const MAX_CONTEXT_FILE: u64 = 64 * 1024 * 1024;

/// A build context directory, or none (reading stdin without `--context`).
#[derive(Debug, Clone)]
pub struct Context {
    dir: Option<PathBuf>,
    /// The names of the regular files at the top of the folder, read once:
    /// detection asks about a dozen names, and one listing is cheaper than a
    /// dozen lookups in a bulk run.
    top_files: OnceLock<HashSet<String>>,
}

impl Context {
    /// The context at `dir`.
    pub fn at(dir: &Path) -> Context {
        Context {
            dir: Some(dir.to_path_buf()),
            top_files: OnceLock::new(),
        }
    }

    /// No context: every file is absent.
    pub fn none() -> Context {
        Context {
            dir: None,
            top_files: OnceLock::new(),
        }
    }

    /// The directory, if any.
    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    /// Whether a regular file exists at `name` (relative to the context).
    pub fn has(&self, name: &str) -> bool {
        let Some(dir) = &self.dir else { return false };
        if name.contains('/') {
            return dir.join(name).is_file();
        }
        self.top_files
            .get_or_init(|| {
                fs::read_dir(dir)
                    .into_iter()
                    .flatten()
                    .flatten()
                    // A symlink to a file counts, as `is_file` follows it.
                    .filter(|e| {
                        e.file_type()
                            .is_ok_and(|t| t.is_file() || (t.is_symlink() && e.path().is_file()))
                    })
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .contains(name)
    }

    /// The text of `name`, if it exists, is UTF-8 and not too large.
    pub fn read(&self, name: &str) -> Option<String> {
        let path = self.dir.as_ref()?.join(name);
        let meta = fs::metadata(&path).ok()?;
        if !meta.is_file() || meta.len() > MAX_CONTEXT_FILE {
            return None;
        }
        fs::read_to_string(path).ok()
    }

    /// `name` read as JSON.
    pub fn read_json(&self, name: &str) -> Option<serde_json::Value> {
        serde_json::from_str(&self.read(name)?).ok()
    }
}
