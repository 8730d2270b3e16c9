//! Where a source's files come from: a folder on disk ([`Disk`]), or files
//! compiled into the program ([`Embedded`], written by `embed_migrations!`
//! of the `migrate-macros` crate). Everything after reading is the same for
//! both, so embedded migrations have the same checksums as their files.

use std::io;
use std::path::{Path, PathBuf};

/// The largest migration file read, in bytes: a migration larger than
/// this is surely not one (a log, a dump, a link to a device).
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// What an entry of a folder is (links followed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A regular file, of this many bytes when the lister knows it
    /// without asking the file system once more (then the reader enforces
    /// [`MAX_FILE_BYTES`] instead).
    File(Option<u64>),
    /// A folder.
    Dir,
    /// Anything else: a FIFO, a socket, a device, a broken link.
    Other,
}

/// One entry of a folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Its file name.
    pub name: String,
    /// What it is.
    pub kind: Kind,
}

impl Entry {
    /// Whether it is a folder.
    pub fn is_dir(&self) -> bool {
        self.kind == Kind::Dir
    }

    /// Why it cannot be read as a migration file, if it cannot.
    pub fn unreadable(&self) -> Option<String> {
        match self.kind {
            Kind::File(Some(size)) if size > MAX_FILE_BYTES => Some(too_large(size)),
            Kind::File(_) => None,
            Kind::Dir => Some("a folder named like a migration file: rename or remove it".into()),
            Kind::Other => Some(
                "not a regular file (a FIFO, socket, device or broken link): migrations are plain files"
                    .into(),
            ),
        }
    }
}

/// Why a file of `size` bytes is not read.
fn too_large(size: u64) -> String {
    format!("{size} bytes is more than a migration file may hold ({MAX_FILE_BYTES}); is it one?")
}

/// Reads folders and files.
pub trait Files: Sync {
    /// The entries of a folder, in any order.
    fn list(&self, dir: &Path) -> io::Result<Vec<Entry>>;
    /// A file's bytes. Where the listing gave no size (`Kind::File(None)`)
    /// the reader enforces [`MAX_FILE_BYTES`]: a larger file is refused
    /// with [`io::ErrorKind::FileTooLarge`] and the reason as its message.
    fn read(&self, path: &Path) -> io::Result<Vec<u8>>;
}

/// The local file system.
#[derive(Debug, Clone, Copy, Default)]
pub struct Disk;

impl Files for Disk {
    fn list(&self, dir: &Path) -> io::Result<Vec<Entry>> {
        // The folder's listing says what each entry is: a file or a folder
        // costs no call of its own, which in a folder of thousands is most
        // of listing it. Sizes are checked when a file is read.
        std::fs::read_dir(dir)?
            .map(|entry| {
                let entry = entry?;
                let kind = match entry.file_type() {
                    // Links followed: a link to a file is a file.
                    Ok(t) if t.is_symlink() => match std::fs::metadata(entry.path()) {
                        Ok(m) if m.is_dir() => Kind::Dir,
                        Ok(m) if m.is_file() => Kind::File(Some(m.len())),
                        _ => Kind::Other,
                    },
                    Ok(t) if t.is_dir() => Kind::Dir,
                    Ok(t) if t.is_file() => Kind::File(None),
                    _ => Kind::Other,
                };
                Ok(Entry {
                    name: entry.file_name().to_string_lossy().into_owned(),
                    kind,
                })
            })
            .collect()
    }

    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        use std::io::Read;
        let mut file = std::fs::File::open(path)?;
        // Read up to the limit without asking the size first: a call less
        // per file, in a folder of thousands. Most files fit the first
        // buffer; the second read finds the end.
        let mut bytes = Vec::with_capacity(4096);
        (&mut file)
            .take(MAX_FILE_BYTES + 1)
            .read_to_end(&mut bytes)?;
        if bytes.len() as u64 > MAX_FILE_BYTES {
            let size = file.metadata().map_or(bytes.len() as u64, |m| m.len());
            return Err(io::Error::new(io::ErrorKind::FileTooLarge, too_large(size)));
        }
        // Kept while the source is: no room to spare.
        bytes.shrink_to_fit();
        Ok(bytes)
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
                    kind: Kind::Dir,
                })
                .collect(),
            Some(app) => self
                .files
                .iter()
                .filter(|f| f.app == app)
                .map(|f| Entry {
                    name: f.name.to_string(),
                    kind: Kind::File(Some(f.text.len() as u64)),
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
