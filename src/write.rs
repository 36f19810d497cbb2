//! Writing a rewritten file in place, safely: to a temporary file beside the
//! target, with the original's permissions and owner, renamed over it; never
//! through a symlink to outside the tree, never over a file that changed since
//! it was read, never to a file without write permission.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Why a file was not written. The messages do not repeat the path, which
/// reports put before them.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("no write permission; the file is left as it was")]
    NotWritable { path: PathBuf },
    #[error("changed on disk since it was read; the file is left as it was: run slimfile again")]
    Changed { path: PathBuf },
    #[error("is a symlink to {} outside {}; not written", target.display(), root.display())]
    LinkOutside {
        path: PathBuf,
        target: PathBuf,
        root: PathBuf,
    },
    #[error("cannot write: {source}; the file is left as it was")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Writes `text` over `path`, which held `original` when it was read. A
/// symlink is followed to its target, which must lie inside `root`; the link
/// itself stays.
pub fn write_atomic(
    path: &Path,
    original: &[u8],
    text: &str,
    root: &Path,
) -> Result<(), WriteError> {
    let io = |source| WriteError::Io {
        path: path.to_path_buf(),
        source,
    };
    let target = if fs::symlink_metadata(path)
        .map_err(io)?
        .file_type()
        .is_symlink()
    {
        let target = fs::canonicalize(path).map_err(io)?;
        let root = fs::canonicalize(root).map_err(io)?;
        if !target.starts_with(&root) {
            return Err(WriteError::LinkOutside {
                path: path.to_path_buf(),
                target,
                root,
            });
        }
        target
    } else {
        path.to_path_buf()
    };
    let meta = fs::metadata(&target).map_err(io)?;
    // Refuse a read-only file even where the directory would allow a rename:
    // its owner made it read-only on purpose.
    let writable = meta.permissions().mode() & 0o222 != 0
        && fs::OpenOptions::new().append(true).open(&target).is_ok();
    if !writable {
        return Err(WriteError::NotWritable {
            path: path.to_path_buf(),
        });
    }
    let dir = target.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(".slimfile-")
        .tempfile_in(dir)
        .map_err(io)?;
    tmp.write_all(text.as_bytes()).map_err(io)?;
    tmp.as_file().sync_all().map_err(io)?;
    fs::set_permissions(tmp.path(), fs::Permissions::from_mode(meta.mode() & 0o7777))
        .map_err(io)?;
    // Keeping the owner needs privilege when it is not ours; then the file
    // keeps the writer's ownership, as an editor's save would.
    let _ = std::os::unix::fs::chown(tmp.path(), Some(meta.uid()), Some(meta.gid()));
    if fs::read(&target).map_err(io)? != original {
        return Err(WriteError::Changed {
            path: path.to_path_buf(),
        });
    }
    tmp.persist(&target).map_err(|e| io(e.error))?;
    Ok(())
}
