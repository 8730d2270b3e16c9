//! Where a source's files come from: a folder on disk ([`Disk`]), or files
//! compiled into the program ([`Embedded`], written by `embed_migrations!`
//! of the `migrate-macros` crate). Everything after reading is the same for
//! both, so embedded migrations have the same checksums as their files.

use std::io;
use std::path::{Path, PathBuf};

/// One entry of a folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Its file name.
    pub name: String,
    /// Whether it is a folder.
    pub is_dir: bool,
}

/// Reads folders and files.
pub trait Files: Sync {
    /// The entries of a folder, in any order.
    fn list(&self, dir: &Path) -> io::Result<Vec<Entry>>;
    /// A file's bytes.
    fn read(&self, path: &Path) -> io::Result<Vec<u8>>;
}

/// The local file system.
#[derive(Debug, Clone, Copy, Default)]
pub struct Disk;

impl Files for Disk {
    fn list(&self, dir: &Path) -> io::Result<Vec<Entry>> {
        std::fs::read_dir(dir)?
            .map(|entry| {
                let entry = entry?;
                Ok(Entry {
                    name: entry.file_name().to_string_lossy().into_owned(),
                    is_dir: entry.path().is_dir(),
                })
            })
            .collect()
    }

    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        std::fs::read(path)
    }
}

/// One migration file compiled into the program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EmbeddedFile {
    /// The app (its folder's name).
    pub app: &'static str,
    /// The file's name.
    pub name: &'static str,
    /// The file's text, as it was when compiled.
    pub text: &'static str,
}

/// A migrations folder compiled into the program: `root` is the folder as
/// it was named at compile time, used in messages only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Embedded {
    /// The folder's path when compiled.
    pub root: &'static str,
    /// Every file of every app folder.
    pub files: &'static [EmbeddedFile],
}

impl Embedded {
    /// The folder's path, as the source's `dir`.
    pub fn root(&self) -> PathBuf {
        PathBuf::from(self.root)
    }

    fn relative<'p>(&self, path: &'p Path) -> Option<&'p Path> {
        path.strip_prefix(self.root).ok()
    }
}

fn not_found(path: &Path) -> io::Error {
    io::Error::new(
        io::ErrorKind::NotFound,
        format!("{} is not among the embedded files", path.display()),
    )
}

impl Files for Embedded {
    fn list(&self, dir: &Path) -> io::Result<Vec<Entry>> {
        let rel = self.relative(dir).ok_or_else(|| not_found(dir))?;
        let mut entries: Vec<Entry> = match rel.to_str() {
            Some("") => self
                .files
                .iter()
                .map(|f| Entry {
                    name: f.app.to_string(),
                    is_dir: true,
                })
                .collect(),
            Some(app) => self
                .files
                .iter()
                .filter(|f| f.app == app)
                .map(|f| Entry {
                    name: f.name.to_string(),
                    is_dir: false,
                })
                .collect(),
            None => return Err(not_found(dir)),
        };
        entries.dedup();
        Ok(entries)
    }

    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        let rel = self.relative(path).ok_or_else(|| not_found(path))?;
        self.files
            .iter()
            .find(|f| Path::new(f.app).join(f.name) == rel)
            .map(|f| f.text.as_bytes().to_vec())
            .ok_or_else(|| not_found(path))
    }
}
