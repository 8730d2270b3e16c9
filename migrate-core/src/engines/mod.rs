//! What the core knows of each engine it ships support for, as SQL text:
//! the [`crate::Dialect`] (statement classification, quoting, the history
//! tables' types, the lock's SQL), the portable renderer, and the catalog
//! queries that answer probes, capture definitions for the journal, name
//! a lock's holder and inspect a schema ([`crate::schema`]) — all written against [`crate::Backend::query`], so that
//! every backend of an engine (the in-tree driver crates, `migrate-sqlx`, a
//! third party's) shares them, by default, and holds only what its driver
//! library needs.

pub mod mysql;
pub mod postgres;
pub mod sqlite;

use crate::schema::Scope;

/// The dialect of an engine the core knows, by its family of syntax.
pub fn dialect(family: crate::SqlDialect) -> Option<&'static dyn crate::Dialect> {
    match family {
        crate::SqlDialect::Sqlite => Some(&sqlite::SqliteDialect),
        crate::SqlDialect::Postgres => Some(&postgres::PostgresDialect),
        crate::SqlDialect::Mysql => Some(&mysql::MysqlDialect),
        _ => None,
    }
}

/// Answers a probe with the catalog queries of `backend`'s engine, when the
/// core knows it; `None` (cannot tell) otherwise. What
/// [`crate::Backend::probe`] does unless a backend says otherwise.
pub async fn probe<B: crate::Backend + ?Sized>(
    backend: &mut B,
    probe: &crate::journal::Probe,
) -> crate::Result<Option<bool>> {
    match backend.dialect().sql_dialect() {
        crate::SqlDialect::Sqlite => sqlite::catalog::probe(backend, probe).await,
        crate::SqlDialect::Postgres => postgres::catalog::probe(backend, probe).await,
        crate::SqlDialect::Mysql => mysql::catalog::probe(backend, probe).await,
        _ => Ok(None),
    }
}

/// Captures a definition with the catalog queries of `backend`'s engine,
/// when the core knows it. What [`crate::Backend::capture`] does unless a
/// backend says otherwise.
pub async fn capture<B: crate::Backend + ?Sized>(
    backend: &mut B,
    capture: &crate::journal::Capture,
    statement: &str,
) -> std::result::Result<crate::journal::Restore, String> {
    match backend.dialect().sql_dialect() {
        crate::SqlDialect::Sqlite => sqlite::catalog::capture(backend, capture, statement).await,
        crate::SqlDialect::Postgres => {
            postgres::catalog::capture(backend, capture, statement).await
        }
        crate::SqlDialect::Mysql => mysql::catalog::capture(backend, capture, statement).await,
        _ => {
            Err("undoing it needs the definition it replaces, which this engine cannot read".into())
        }
    }
}

/// Reads the schema of the database `backend` is connected to with the
/// catalog queries of its engine, when the core knows it; an
/// [`crate::Error::Unsupported`] otherwise. What
/// [`crate::Backend::inspect`] does unless a backend says otherwise.
pub async fn inspect<B: crate::Backend + ?Sized>(
    backend: &mut B,
) -> crate::Result<crate::schema::Schema> {
    inspect_scope(backend, Scope::All).await
}

/// Reads `tables` (and their triggers) of the database `backend` is
/// connected to: with the catalog queries of its engine, filtered by name,
/// when the core knows it; else [`crate::Backend::inspect`] cut down to
/// them. What [`crate::Backend::inspect_tables`] does unless a backend says
/// otherwise.
pub async fn inspect_tables<B: crate::Backend + ?Sized>(
    backend: &mut B,
    tables: &[String],
) -> crate::Result<crate::schema::Schema> {
    let scope = Scope::Tables(tables);
    match backend.dialect().sql_dialect() {
        crate::SqlDialect::Sqlite | crate::SqlDialect::Postgres | crate::SqlDialect::Mysql => {
            inspect_scope(backend, scope).await
        }
        _ => Ok(backend.inspect().await?.within(scope)),
    }
}

async fn inspect_scope<B: crate::Backend + ?Sized>(
    backend: &mut B,
    scope: Scope<'_>,
) -> crate::Result<crate::schema::Schema> {
    match backend.dialect().sql_dialect() {
        crate::SqlDialect::Sqlite => sqlite::inspect::inspect(backend, scope).await,
        crate::SqlDialect::Postgres => postgres::inspect::inspect(backend, scope).await,
        crate::SqlDialect::Mysql => mysql::inspect::inspect(backend, scope).await,
        _ => Err(crate::Error::Unsupported(format!(
            "the schema of {} cannot be inspected: the core knows no catalog queries for {}",
            backend.target(),
            backend.dialect().name()
        ))),
    }
}

/// Who holds a server lock, by the catalog queries of `backend`'s engine,
/// when the core knows it. What [`crate::Backend::lock_holder`] does unless
/// a backend says otherwise (SQLite's holder is in its lock file).
pub async fn lock_holder<B: crate::Backend + ?Sized>(
    backend: &mut B,
    id: &crate::LockId,
) -> Option<String> {
    match backend.dialect().sql_dialect() {
        crate::SqlDialect::Postgres => postgres::catalog::lock_holder(backend, id).await,
        crate::SqlDialect::Mysql => mysql::catalog::lock_holder(backend, id).await,
        crate::SqlDialect::Sqlite => id.file.as_deref().and_then(crate::lock::file::holder),
        _ => None,
    }
}

/// Ends the session that holds the lock `id`, by the catalog queries of
/// `backend`'s engine: `Ok(Some(who))` when one was ended, `Ok(None)` when
/// no other session holds it. What [`crate::Backend::end_lock_holder`]
/// does unless a backend says otherwise; an engine without server sessions
/// (SQLite) has nothing to end.
pub async fn end_lock_holder<B: crate::Backend + ?Sized>(
    backend: &mut B,
    id: &crate::LockId,
) -> crate::Result<Option<String>> {
    match backend.dialect().sql_dialect() {
        crate::SqlDialect::Postgres => postgres::catalog::end_lock_holder(backend, id).await,
        crate::SqlDialect::Mysql => mysql::catalog::end_lock_holder(backend, id).await,
        _ => Ok(None),
    }
}

/// `family`'s SQL for a normalized type name
/// ([`crate::schema::normalize::data_type`]): the engine's word for a
/// portable type, the name itself (the engine's own, lower-cased) for any
/// other.
pub(crate) fn type_sql(family: crate::SqlDialect, normalized: &str) -> String {
    let Some(ty) = crate::portable::ColumnType::from_normalized(normalized) else {
        return normalized.to_string();
    };
    match family {
        crate::SqlDialect::Sqlite => sqlite::render::type_name(ty),
        crate::SqlDialect::Postgres => postgres::render::type_name(ty),
        crate::SqlDialect::Mysql => mysql::render::type_name(ty),
        _ => normalized.to_string(),
    }
}
