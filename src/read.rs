//! Reading a Dockerfile from disk: size limit, UTF-8 check, and errors that
//! name the file.

use std::fs;
use std::io::Read;
use std::path::Path;

use crate::parse::{Dockerfile, NotUtf8};

/// Files larger than this are refused: no real Dockerfile comes near it, and
/// a bulk run must not load a stray multi-gigabyte file into memory.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Why a file could not be read as a Dockerfile. The message leaves out the
/// path: every report already starts with it.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("cannot read: {0}")]
    Io(#[from] std::io::Error),
    #[error("is a directory, not a Dockerfile")]
    Directory,
    #[error("{size} bytes is over the {limit}-byte limit for a Dockerfile; is it one?")]
    TooLarge { size: u64, limit: u64 },
    #[error(
        "not UTF-8 text (invalid byte at offset {offset}); convert it to UTF-8 (for example with iconv) and run again"
    )]
    NotUtf8 { offset: usize, line: usize },
}

impl From<NotUtf8> for ReadError {
    fn from(e: NotUtf8) -> ReadError {
        ReadError::NotUtf8 {
            offset: e.offset,
            line: e.line,
        }
    }
}

impl ReadError {
    /// The line the error is on, where there is one.
    pub fn line(&self) -> Option<usize> {
        match self {
            ReadError::NotUtf8 { line, .. } => Some(*line),
            _ => None,
        }
    }
}

/// Reads and parses the file at `path`.
pub fn read_dockerfile(path: &Path) -> Result<Dockerfile, ReadError> {
    let bytes = read_bytes(path)?;
    Ok(Dockerfile::parse_bytes(&bytes)?)
}

/// Reads the bytes of the file at `path`, within the size limit.
pub fn read_bytes(path: &Path) -> Result<Vec<u8>, ReadError> {
    let meta = fs::metadata(path)?;
    if meta.is_dir() {
        return Err(ReadError::Directory);
    }
    let file = fs::File::open(path)?;
    let mut bytes = Vec::with_capacity(meta.len().min(MAX_FILE_BYTES) as usize);
    // Read one byte past the limit so a file that grew since `metadata` is
    // still caught without reading all of it.
    file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(ReadError::TooLarge {
            size: meta.len().max(bytes.len() as u64),
            limit: MAX_FILE_BYTES,
        });
    }
    Ok(bytes)
}
