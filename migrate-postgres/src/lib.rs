//! Postgres backend (being written).

use migrate_core::backend::{Backend, Capabilities, ConnectOptions, Dialect};
use migrate_core::{Error, Result, SqlDialect};

/// The engine's SQL, usable without a connection.
#[derive(Debug, Clone, Copy, Default)]
pub struct PostgresDialect;

impl Dialect for PostgresDialect {
    fn name(&self) -> &'static str {
        "postgres"
    }
    fn sql_dialect(&self) -> SqlDialect {
        SqlDialect::Postgres
    }
    fn capabilities(&self) -> Capabilities {
        Capabilities::new(false, true, false)
    }
}

/// A connection (not written yet).
pub struct PostgresBackend;

impl PostgresBackend {
    /// Connects.
    pub async fn connect(_url: &str, _options: &ConnectOptions) -> Result<Box<dyn Backend>> {
        Err(Error::Unsupported("not yet".into()))
    }
}
