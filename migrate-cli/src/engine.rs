//! From a URL's scheme to the backend that speaks to that engine.

use migrate_core::backend::{Backend, ConnectOptions, Dialect};
use migrate_core::{Error, SqlDialect};
use migrate_sqlite::{SqliteBackend, SqliteDialect};

/// The engines this binary knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// `sqlite:`
    Sqlite,
    /// `postgres://`, `postgresql://`
    Postgres,
    /// `mysql://`, `mariadb://`
    Mysql,
}

impl Engine {
    /// The engine a URL's scheme names.
    pub fn of_url(url: &str) -> Result<Engine, Error> {
        let scheme = url.split(':').next().unwrap_or("");
        match scheme {
            "sqlite" => Ok(Engine::Sqlite),
            "postgres" | "postgresql" => Ok(Engine::Postgres),
            "mysql" | "mariadb" => Ok(Engine::Mysql),
            _ => Err(Error::Usage(format!(
                "unsupported database URL `{}`: use sqlite://path, postgres://user@host/db or mysql://user@host/db",
                migrate_core::redact::redact_url(url)
            ))),
        }
    }

    /// The engine a `--dialect` name stands for.
    pub fn of_dialect_name(name: &str) -> Result<Engine, Error> {
        match SqlDialect::from_name(name) {
            Some(SqlDialect::Sqlite) => Ok(Engine::Sqlite),
            Some(SqlDialect::Postgres) => Ok(Engine::Postgres),
            Some(SqlDialect::Mysql) => Ok(Engine::Mysql),
            _ => Err(Error::Usage(format!(
                "unknown dialect `{name}`: use sqlite, postgres or mysql"
            ))),
        }
    }

    /// The engine's SQL, without connecting.
    pub fn dialect(self) -> Box<dyn Dialect> {
        match self {
            Engine::Sqlite => Box::new(SqliteDialect),
            Engine::Postgres => Box::new(migrate_postgres::PostgresDialect),
            Engine::Mysql => Box::new(migrate_mysql::MysqlDialect),
        }
    }

    /// Connects to `url`.
    pub async fn connect(
        self,
        url: &str,
        options: &ConnectOptions,
    ) -> Result<Box<dyn Backend>, Error> {
        Ok(match self {
            Engine::Sqlite => Box::new(SqliteBackend::connect(url, options).await?),
            Engine::Postgres => {
                Box::new(migrate_postgres::PostgresBackend::connect(url, options).await?)
            }
            Engine::Mysql => Box::new(migrate_mysql::MysqlBackend::connect(url, options).await?),
        })
    }
}
