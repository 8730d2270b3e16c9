//! Mysql backend (being written).

use migrate_core::backend::{Backend, Capabilities, ConnectOptions, Dialect};
use migrate_core::{Error, Result, SqlDialect};

/// The engine's SQL, usable without a connection.
#[derive(Debug, Clone, Copy, Default)]
pub struct MysqlDialect;

impl Dialect for MysqlDialect {
    fn name(&self) -> &'static str {
        "mysql"
    }
    fn sql_dialect(&self) -> SqlDialect {
        SqlDialect::Mysql
    }
    fn capabilities(&self) -> Capabilities {
        Capabilities::new(false, true, false)
    }
}

/// A connection (not written yet).
pub struct MysqlBackend;

impl MysqlBackend {
    /// Connects.
    pub async fn connect(_url: &str, _options: &ConnectOptions) -> Result<Box<dyn Backend>> {
        Err(Error::Unsupported("not yet".into()))
    }
}
