#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod mysql;
mod postgres;
mod sqlite;

use async_trait::async_trait;
use migrate_core::backend::{Backend, ConnectOptions, Dialect, HistoryLocation, open_session};
use migrate_core::engines;
use migrate_core::journal::{Capture, Probe, Restore};
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
/// It holds one connection for statements and the history, and, on server
/// engines while the lock is held or awaited, a second one for the lock:
/// a pool of a server engine needs room for two.
///
/// When closed, the lock connection goes back to the pool. The migration
/// connection of a server engine is closed instead (the pool opens a new
/// one when it needs it), since a migration may have changed any setting
/// of its session; a SQLite connection goes back, after the open
/// transaction is rolled back and `foreign_keys` is set as it was, since
/// closing the last connection of an in-memory database would destroy it.
pub struct SqlxBackend {
    pool: AnyPool,
    conn: Conn,
    lock: Option<Conn>,
    /// Whether `lock` holds the lock: taking it again would nest it, and
    /// the connection goes back to the pool after one release.
    lock_held: bool,
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
            pool,
            conn,
            lock: None,
            lock_held: false,
            lock_file: None,
            location: HistoryLocation::default(),
            sqlite_foreign_keys,
        };
        backend.location = open_session(&mut backend, options).await?;
        Ok(backend)
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
        if let Conn::Sqlite(_) = self.conn {
            return match (&id.file, &self.lock_file) {
                // An in-memory database belongs to this process alone.
                (None, _) | (_, Some(_)) => Ok(true),
                (Some(path), None) => {
                    self.lock_file = migrate_core::lock::file::try_lock(path)?;
                    Ok(self.lock_file.is_some())
                }
            };
        }
        if self.lock_held {
            return Ok(true);
        }
        if self.lock.is_none() {
            self.lock = Some(self.pool.acquire().await?);
        }
        self.lock_held = match self.lock.as_mut().expect("acquired above") {
            Conn::Postgres(c) => postgres::try_lock(c, id).await?,
            Conn::Mysql(c) => mysql::try_lock(c, id).await?,
            Conn::Sqlite(_) => unreachable!("SQLite locks a file"),
        };
        Ok(self.lock_held)
    }

    async fn release_lock(&mut self, id: &LockId) -> Result<()> {
        if let Some(file) = self.lock_file.take() {
            return migrate_core::lock::file::release(file);
        }
        let released = match self.lock.as_mut() {
            None => return Ok(()),
            Some(_) if !self.lock_held => Ok(()),
            Some(Conn::Postgres(c)) => postgres::release(c, id).await,
            Some(Conn::Mysql(c)) => mysql::release(c, id).await,
            Some(Conn::Sqlite(_)) => Ok(()),
        };
        self.lock_held = false;
        if released.is_err() {
            // Closing the connection releases the lock for sure.
            close_on_drop(self.lock.as_mut().expect("matched above"));
        }
        self.lock = None;
        released
    }

    async fn lock_holder(&mut self, id: &LockId) -> Option<String> {
        match self.conn {
            Conn::Postgres(_) => engines::postgres::catalog::lock_holder(self, id).await,
            Conn::Mysql(_) => engines::mysql::catalog::lock_holder(self, id).await,
            Conn::Sqlite(_) => id
                .file
                .as_deref()
                .and_then(migrate_core::lock::file::holder),
        }
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

    async fn capture(
        &mut self,
        capture: &Capture,
        statement: &str,
    ) -> std::result::Result<Restore, String> {
        match self.conn {
            Conn::Postgres(_) => {
                engines::postgres::catalog::capture(self, capture, statement).await
            }
            Conn::Mysql(_) => engines::mysql::catalog::capture(self, capture, statement).await,
            Conn::Sqlite(_) => engines::sqlite::catalog::capture(self, capture, statement).await,
        }
    }

    async fn probe(&mut self, probe: &Probe) -> Result<Option<bool>> {
        match self.conn {
            Conn::Postgres(_) => engines::postgres::catalog::probe(self, probe).await,
            Conn::Mysql(_) => engines::mysql::catalog::probe(self, probe).await,
            Conn::Sqlite(_) => engines::sqlite::catalog::probe(self, probe).await,
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
    /// state is known, so no server connection goes back to the pool.
    fn drop(&mut self) {
        if !matches!(self.conn, Conn::Sqlite(_)) {
            close_on_drop(&mut self.conn);
        }
        if let Some(lock) = &mut self.lock {
            close_on_drop(lock);
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
