//! What the core knows of each engine it ships support for, as SQL text:
//! the [`crate::Dialect`] (statement classification, quoting, the history
//! tables' types), the portable renderer, and the catalog queries that
//! answer probes and capture definitions for the journal — all written
//! against [`crate::Backend::query`], so that every backend of an engine
//! (the in-tree driver crates, `migrate-sqlx`, a third party's) shares
//! them and holds only what its driver library needs.

pub mod mysql;
pub mod postgres;
pub mod sqlite;

/// The dialect of an engine the core knows, by its family of syntax.
pub fn dialect(family: crate::SqlDialect) -> Option<&'static dyn crate::Dialect> {
    match family {
        crate::SqlDialect::Sqlite => Some(&sqlite::SqliteDialect),
        crate::SqlDialect::Postgres => Some(&postgres::PostgresDialect),
        crate::SqlDialect::Mysql => Some(&mysql::MysqlDialect),
        _ => None,
    }
}
