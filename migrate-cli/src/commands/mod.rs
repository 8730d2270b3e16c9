//! One module per command.

pub mod adopt;
pub mod check;
pub mod drift;
pub mod log;
pub mod migrate;
pub mod new;
pub mod repair;
pub mod sql;
pub mod squash;
pub mod status;

use migrate_core::backend::{Backend, ConnectOptions};
use migrate_core::{Error, Source};

use crate::config::{Reading, Settings};
use crate::registry::Registry;

/// Reads the source for the database's engine and connects. The source is
/// read first: a broken file is reported without touching the database.
/// `writes` says whether the command may change the database; one that only
/// reads never creates it.
pub async fn open(
    registry: &Registry,
    settings: &Settings,
    writes: bool,
    reading: Reading,
) -> Result<(Source, Box<dyn Backend>), Error> {
    let engine = registry.for_url(&settings.url)?;
    let source = settings.read_source(engine.dialect(), reading)?;
    tracing::debug!(
        migrations = source
            .apps()
            .filter_map(|a| source.app(a))
            .map(<[_]>::len)
            .sum::<usize>(),
        "source read"
    );
    let options = ConnectOptions {
        create: writes,
        ..settings.connect.clone()
    };
    let backend = engine.connect(&settings.url, &options).await?;
    tracing::debug!(target = %backend.target(), "connected");
    Ok((source, backend))
}

/// `user@host`, recorded with what this run changes.
pub fn actor() -> String {
    let user = whoami::username();
    let host = whoami::fallible::hostname().unwrap_or_else(|_| "unknown-host".to_string());
    format!("{user}@{host}")
}

/// An app named on the command line must be one the files or the database
/// know (`recorded`: the apps of the history or log rows read); anything
/// else is a typo, refused like `status` refuses it.
pub fn check_app<'a>(
    source: &Source,
    mut recorded: impl Iterator<Item = &'a str>,
    app: Option<&str>,
) -> Result<(), Error> {
    match app {
        Some(app) if source.app(app).is_none() && !recorded.any(|r| r == app) => {
            Err(source.unknown_app(app))
        }
        _ => Ok(()),
    }
}
