//! Reading a Dockerfile from disk: size limit, UTF-8 check, and errors that
//! name the file.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::parse::Dockerfile;

/// Files larger than this are refused: no real Dockerfile comes near it, and
/// a bulk run must not load a stray multi-gigabyte file into memory.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Why a file could not be read as a Dockerfile.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{}: cannot read: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: is a directory, not a Dockerfile", path.display())]
    Directory { path: PathBuf },
    #[error(
        "{}: {size} bytes is over the {limit}-byte limit for a Dockerfile; is it one?",
        path.display()
    )]
    TooLarge {
        path: PathBuf,
        size: u64,
        limit: u64,
    },
    #[error(
        "{}:{line}: not UTF-8 text (invalid byte at offset {offset}); convert it to UTF-8 (for example with iconv) and run again",
        path.display()
    )]
    NotUtf8 {
        path: PathBuf,
        offset: usize,
        line: usize,
    },
}

/// Reads and parses the file at `path`.
pub fn read_dockerfile(path: &Path) -> Result<Dockerfile, ReadError> {
    let bytes = read_bytes(path)?;
    Dockerfile::parse_bytes(&bytes).map_err(|e| ReadError::NotUtf8 {
        path: path.to_path_buf(),
        offset: e.offset,
        line: e.line,
    })
}

/// Reads the bytes of the file at `path`, within the size limit.
pub fn read_bytes(path: &Path) -> Result<Vec<u8>, ReadError> {
    let io = |source| ReadError::Io {
        path: path.to_path_buf(),
        source,
    };
    let meta = fs::metadata(path).map_err(io)?;
    if meta.is_dir() {
        return Err(ReadError::Directory {
            path: path.to_path_buf(),
        });
    }
    let file = fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::with_capacity(meta.len().min(MAX_FILE_BYTES) as usize);
    // Read one byte past the limit so a file that grew since `metadata` is
    // still caught without reading all of it.
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(ReadError::TooLarge {
            path: path.to_path_buf(),
            size: meta.len().max(bytes.len() as u64),
            limit: MAX_FILE_BYTES,
        });
    }
    Ok(bytes)
}
