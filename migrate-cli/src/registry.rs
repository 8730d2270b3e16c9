//! The engines a `migrate` binary knows: URL schemes mapped to a dialect
//! and a way to connect. The stock binary registers SQLite, PostgreSQL and
//! MySQL/MariaDB ([`Registry::builtin`]); a third party ships a binary with
//! its own engine added in a few lines:
//!
//! ```ignore
//! fn main() -> std::process::ExitCode {
//!     let registry = migrate_cli::Registry::builtin().with(MyEngine);
//!     migrate_cli::main(registry)
//! }
//! ```

use async_trait::async_trait;
use migrate_core::backend::{Backend, ConnectOptions, Dialect};
use migrate_core::{Error, Result};

/// One engine: its URL schemes, its SQL, and how to connect.
#[async_trait]
pub trait Engine: Send + Sync {
    /// The URL schemes it answers to, without the colon (`postgres`,
    /// `postgresql`).
    fn schemes(&self) -> &[&'static str];

    /// Its SQL, for commands that do not connect (`migrate sql
    /// --dialect NAME` finds the engine by [`Dialect::name`] or a scheme).
    fn dialect(&self) -> &dyn Dialect;

    /// Connects to `url`.
    async fn connect(&self, url: &str, options: &ConnectOptions) -> Result<Box<dyn Backend>>;
}

/// The engines of one binary.
#[derive(Default)]
pub struct Registry {
    engines: Vec<Box<dyn Engine>>,
}

impl Registry {
    /// No engine at all.
    pub fn empty() -> Registry {
        Registry::default()
    }

    /// SQLite (`sqlite:`), PostgreSQL (`postgres:`, `postgresql:`) and
    /// MySQL/MariaDB (`mysql:`, `mariadb:`).
    pub fn builtin() -> Registry {
        Registry::empty().with(Sqlite).with(Postgres).with(Mysql)
    }

    /// The same registry with `engine` added; an engine added later wins
    /// a scheme both claim.
    pub fn with(mut self, engine: impl Engine + 'static) -> Registry {
        self.engines.insert(0, Box::new(engine));
        self
    }

    /// The engine of a URL, by its scheme.
    pub fn for_url(&self, url: &str) -> Result<&dyn Engine> {
        let scheme = url.split(':').next().unwrap_or("");
        self.engines
            .iter()
            .find(|e| e.schemes().contains(&scheme))
            .map(Box::as_ref)
            .ok_or_else(|| {
                Error::Usage(format!(
                    "unsupported database URL `{}`: this binary knows {}",
                    migrate_core::redact::redact_url(url),
                    self.known()
                ))
            })
    }

    /// The engine a `--dialect` name stands for: a dialect's name or one of
    /// its schemes.
    pub fn for_dialect(&self, name: &str) -> Result<&dyn Engine> {
        self.engines
            .iter()
            .find(|e| e.dialect().name() == name || e.schemes().contains(&name))
            .map(Box::as_ref)
            .ok_or_else(|| {
                Error::Usage(format!(
                    "unknown dialect `{name}`: this binary knows {}",
                    self.known()
                ))
            })
    }

    /// `sqlite:, postgres:, ...`: every scheme, oldest engine first.
    fn known(&self) -> String {
        let schemes: Vec<String> = self
            .engines
            .iter()
            .rev()
            .flat_map(|e| e.schemes().iter().map(|s| format!("{s}:")))
            .collect();
        schemes.join(", ")
    }
}

struct Sqlite;

#[async_trait]
impl Engine for Sqlite {
    fn schemes(&self) -> &[&'static str] {
        &["sqlite"]
    }
    fn dialect(&self) -> &dyn Dialect {
        &migrate_sqlite::SqliteDialect
    }
    async fn connect(&self, url: &str, options: &ConnectOptions) -> Result<Box<dyn Backend>> {
        Ok(Box::new(
            migrate_sqlite::SqliteBackend::connect(url, options).await?,
        ))
    }
}

struct Postgres;

#[async_trait]
impl Engine for Postgres {
    fn schemes(&self) -> &[&'static str] {
        &["postgres", "postgresql"]
    }
    fn dialect(&self) -> &dyn Dialect {
        &migrate_postgres::PostgresDialect
    }
    async fn connect(&self, url: &str, options: &ConnectOptions) -> Result<Box<dyn Backend>> {
        Ok(Box::new(
            migrate_postgres::PostgresBackend::connect(url, options).await?,
        ))
    }
}

struct Mysql;

#[async_trait]
impl Engine for Mysql {
    fn schemes(&self) -> &[&'static str] {
        &["mysql", "mariadb"]
    }
    fn dialect(&self) -> &dyn Dialect {
        &migrate_mysql::MysqlDialect
    }
    async fn connect(&self, url: &str, options: &ConnectOptions) -> Result<Box<dyn Backend>> {
        Ok(Box::new(
            migrate_mysql::MysqlBackend::connect(url, options).await?,
        ))
    }
}
