//! The lock primitive of an engine whose database is a file: an exclusive
//! OS lock on [`super::LockId::file`], which the OS releases when the
//! process dies. Shared by every backend of such an engine, so that they
//! all lock the same file the same way.

use std::fs::File;
use std::io::Write;
use std::path::Path;

use crate::error::{Error, Result};

/// Tries once to lock the file at `path` (creating it): `Some(file)` while
/// held (dropping or [`release`]-ing it lets go), `None` when another
/// process holds it.
pub fn try_lock(path: &Path) -> Result<Option<File>> {
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(path)
        .map_err(io)?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => return Ok(None),
        Err(std::fs::TryLockError::Error(e)) => return Err(io(e)),
    }
    // Say who holds it, for the message a waiting run prints.
    let _ = file.set_len(0);
    let _ = writeln!(&file, "process {} on {}", std::process::id(), hostname());
    Ok(Some(file))
}

/// Releases a held lock file.
pub fn release(file: File) -> Result<()> {
    let _ = file.set_len(0);
    file.unlock()
        .map_err(|e| Error::driver("cannot release the migration lock", e.to_string(), e))
}

/// Who holds the lock, as its holder wrote it into the file.
pub fn holder(path: &Path) -> Option<String> {
    std::fs::read_to_string(path)
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

fn hostname() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .or_else(|| {
            std::fs::read_to_string("/etc/hostname")
                .ok()
                .map(|s| s.trim().to_string())
        })
        .unwrap_or_else(|| "this machine".to_string())
}
