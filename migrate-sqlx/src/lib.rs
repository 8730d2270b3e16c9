#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod mysql;
mod postgres;
mod sqlite;

use async_trait::async_trait;
use migrate_core::backend::{Backend, ConnectOptions, Dialect, HistoryLocation, open_session};
use migrate_core::engines;
use migrate_core::{Error, LockId, Result, Value};
use sqlx::pool::PoolConnection;
use sqlx::{MySql, Pool, Postgres, Sqlite};

/// An application's pool, of any of the three engines.
#[derive(Debug, Clone)]
pub enum AnyPool {
    /// A PostgreSQL pool.
    Postgres(Pool<Postgres>),
    /// A MySQL or MariaDB pool.
    Mysql(Pool<MySql>),
    /// A SQLite pool.
    Sqlite(Pool<Sqlite>),
}

impl From<&Pool<Postgres>> for AnyPool {
    fn from(pool: &Pool<Postgres>) -> Self {
        AnyPool::Postgres(pool.clone())
    }
}

impl From<&Pool<MySql>> for AnyPool {
    fn from(pool: &Pool<MySql>) -> Self {
        AnyPool::Mysql(pool.clone())
    }
}

impl From<&Pool<Sqlite>> for AnyPool {
    fn from(pool: &Pool<Sqlite>) -> Self {
        AnyPool::Sqlite(pool.clone())
    }
}

/// One connection taken from a pool.
enum Conn {
    Postgres(PoolConnection<Postgres>),
    Mysql(PoolConnection<MySql>),
    Sqlite(PoolConnection<Sqlite>),
}

impl AnyPool {
    async fn acquire(&self) -> Result<Conn> {
        let failed = |e| driver_error("cannot take a connection from the pool", e);
        Ok(match self {
            AnyPool::Postgres(p) => Conn::Postgres(p.acquire().await.map_err(failed)?),
            AnyPool::Mysql(p) => Conn::Mysql(p.acquire().await.map_err(failed)?),
            AnyPool::Sqlite(p) => Conn::Sqlite(p.acquire().await.map_err(failed)?),
        })
    }
}

/// A backend on a connection of the application's pool.
///
/// It holds one connection of the pool, for statements, the history and the
/// lock. When closed, the connection of a server engine is closed rather
/// than returned (the pool opens a new one when it needs it), since a
/// migration may have changed any setting of its session; a SQLite
/// connection goes back, after the open transaction is rolled back and
/// `foreign_keys` is set as it was, since closing the last connection of
/// an in-memory database would destroy it.
pub struct SqlxBackend {
    conn: Conn,
    lock_file: Option<std::fs::File>,
    location: HistoryLocation,
    sqlite_foreign_keys: Option<bool>,
}

impl SqlxBackend {
    /// Takes a connection from `pool`, sets it up as `options` say (the
    /// schema as search path on PostgreSQL, the init statements) and finds
    /// where the history lives.
    pub async fn from_pool(pool: impl Into<AnyPool>, options: &ConnectOptions) -> Result<Self> {
        let pool = pool.into();
        let mut conn = pool.acquire().await?;
        let sqlite_foreign_keys = match &mut conn {
            Conn::Sqlite(c) => Some(sqlite::foreign_keys(c).await?),
            _ => None,
        };
        let mut backend = SqlxBackend {
            conn,
            lock_file: None,
            location: HistoryLocation::default(),
            sqlite_foreign_keys,
        };
        backend.location = open_session(&mut backend, options).await?;
        Ok(backend)
    }
}

/// Binds a plain value as a query parameter, the same way on every engine:
/// text as `String`, integers as `i64`, NULL as a text NULL.
fn bind<'q, DB>(
    q: sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments>,
    v: &Value,
) -> sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments>
where
    DB: sqlx::Database,
    String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<String>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    match v {
        Value::Text(s) => q.bind(s.clone()),
        Value::Int(n) => q.bind(*n),
        Value::Null => q.bind(None::<String>),
    }
}

/// A sqlx error as the core's error, shown as the engine's own client shows
/// it and kept as the source.
fn driver_error(context: &str, e: sqlx::Error) -> Error {
    let message = match e.as_database_error() {
        Some(db) => {
            if let Some(pg) = db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
                postgres::message(pg)
            } else if let Some(my) = db.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>() {
                mysql::message(my)
            } else {
                db.message().to_string()
            }
        }
        None => e.to_string(),
    };
    Error::driver(context, message, e)
}

#[async_trait]
impl Backend for SqlxBackend {
    fn dialect(&self) -> &dyn Dialect {
        let family = match self.conn {
            Conn::Postgres(_) => migrate_core::SqlDialect::Postgres,
            Conn::Mysql(_) => migrate_core::SqlDialect::Mysql,
            Conn::Sqlite(_) => migrate_core::SqlDialect::Sqlite,
        };
        engines::dialect(family).expect("the core knows the three engines")
    }

    fn target(&self) -> String {
        let location = &self.location;
        match &self.conn {
            Conn::Sqlite(_) if location.database.is_empty() => "sqlite::memory:".into(),
            Conn::Sqlite(_) => format!("sqlite://{}", location.database),
            _ => format!("the pool's database {}", location.database),
        }
    }

    fn location(&self) -> &HistoryLocation {
        &self.location
    }

    async fn execute(&mut self, sql: &str) -> Result<()> {
        match &mut self.conn {
            Conn::Postgres(c) => postgres::execute(c, sql).await,
            Conn::Mysql(c) => mysql::execute(c, sql).await,
            Conn::Sqlite(c) => sqlite::execute(c, sql).await,
        }
    }

    async fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Vec<Value>>> {
        match &mut self.conn {
            Conn::Postgres(c) => postgres::query(c, sql, params).await,
            Conn::Mysql(c) => mysql::query(c, sql, params).await,
            Conn::Sqlite(c) => sqlite::query(c, sql, params).await,
        }
    }

    async fn try_lock(&mut self, id: &LockId) -> Result<bool> {
        let Conn::Sqlite(_) = self.conn else {
            return migrate_core::lock::try_lock_by_query(self, id).await;
        };
        // An in-memory database belongs to this process alone.
        let Some(path) = &id.file else {
            return Ok(true);
        };
        if self.lock_file.is_none() {
            self.lock_file = migrate_core::lock::file::try_lock(path)?;
        }
        Ok(self.lock_file.is_some())
    }

    async fn release_lock(&mut self, id: &LockId) -> Result<()> {
        if let Some(file) = self.lock_file.take() {
            return migrate_core::lock::file::release(file);
        }
        migrate_core::lock::release_by_query(self, id).await
    }

    async fn begin(&mut self) -> Result<()> {
        let sql = match self.conn {
            // Take the write lock at once, as the in-tree backend does.
            Conn::Sqlite(_) => "BEGIN IMMEDIATE",
            _ => self.dialect().begin_statement(),
        };
        self.execute(sql).await
    }

    async fn rollback(&mut self) -> Result<()> {
        match &mut self.conn {
            Conn::Sqlite(c) => sqlite::rollback(c).await,
            _ => self.execute("ROLLBACK").await,
        }
    }

    async fn close(mut self: Box<Self>) -> Result<()> {
        let id = LockId::of(&self.location);
        let released = self.release_lock(&id).await;
        let cleaned = match &mut self.conn {
            Conn::Sqlite(c) => sqlite::restore(c, self.sqlite_foreign_keys.unwrap_or(true)).await,
            other => {
                close_on_drop(other);
                Ok(())
            }
        };
        released.and(cleaned)
    }
}

impl Drop for SqlxBackend {
    /// Dropped without `close`: nothing about the migration connection's
    /// state is known (the lock may be held), so no server connection goes
    /// back to the pool.
    fn drop(&mut self) {
        if !matches!(self.conn, Conn::Sqlite(_)) {
            close_on_drop(&mut self.conn);
        }
    }
}

fn close_on_drop(conn: &mut Conn) {
    match conn {
        Conn::Postgres(c) => c.close_on_drop(),
        Conn::Mysql(c) => c.close_on_drop(),
        Conn::Sqlite(c) => c.close_on_drop(),
    }
}

/// Applies every pending migration of `migrator` on a connection of
/// `pool`, with the default history table, then gives the connection back:
/// what an application calls at start-up.
pub async fn run(
    pool: impl Into<AnyPool>,
    migrator: &migrate_core::Migrator,
) -> Result<Vec<migrate_core::StepReport>> {
    let mut backend = SqlxBackend::from_pool(pool, &ConnectOptions::default()).await?;
    let result = migrator.run(&mut backend).await;
    let closed = Box::new(backend).close().await;
    let reports = result?;
    closed?;
    Ok(reports)
}
