//! `sqlite:` URLs.

use std::path::PathBuf;

use migrate_core::{Error, Result};

/// Where a `sqlite:` URL points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A private in-memory database.
    Memory,
    /// A database file.
    File(PathBuf),
}

impl Location {
    /// The URL again, for messages.
    pub fn describe(&self) -> String {
        match self {
            Location::Memory => "sqlite::memory:".to_string(),
            Location::File(p) => format!("sqlite://{}", p.display()),
        }
    }
}

/// Parses `sqlite://path`, `sqlite:///abs`, `sqlite:path` or `sqlite::memory:`.
pub fn parse_url(url: &str) -> Result<Location> {
    let rest = url
        .strip_prefix("sqlite:")
        .ok_or_else(|| Error::Usage(format!("not a sqlite URL: `{url}`")))?;
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let path = rest.split('?').next().unwrap_or("");
    match path {
        ":memory:" => Ok(Location::Memory),
        "" => Err(Error::Usage(format!(
            "`{url}` names no database file: write sqlite://path/to/file.db"
        ))),
        p => Ok(Location::File(PathBuf::from(p))),
    }
}
