#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod url;

use std::fs::File;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use migrate_core::backend::{
    Backend, BatchItem, ConnectOptions, Dialect, HistoryLocation, open_session,
};
use migrate_core::engines::sqlite;
use migrate_core::history::Value;
use migrate_core::lock::LockId;
use migrate_core::{Error, Result};
use rusqlite::Connection;
use rusqlite::types::ValueRef;

pub use migrate_core::engines::sqlite::{SqliteDialect, render};
pub use url::{Location, parse_url};

/// A connection to one SQLite database.
pub struct SqliteBackend {
    conn: Arc<Mutex<Connection>>,
    url: Location,
    location: HistoryLocation,
    lock_file: Option<File>,
}

impl SqliteBackend {
    /// Opens (creating when missing, unless `options.create` is false) the
    /// database a `sqlite:` URL names and runs the init statements.
    pub async fn connect(url: &str, options: &ConnectOptions) -> Result<Self> {
        if options.schema.is_some() {
            return Err(Error::Unsupported(
                "--schema is a PostgreSQL option; SQLite has no schemas".into(),
            ));
        }
        let url = parse_url(url)?;
        let opened = url.clone();
        let create = options.create;
        let conn = tokio::task::spawn_blocking(move || -> Result<Connection> {
            let conn = match &opened {
                Location::Memory => Connection::open_in_memory(),
                // Nothing to read and nothing to create: an empty
                // stand-in answers for the missing file.
                Location::File(path) if !create && !path.exists() => Connection::open_in_memory(),
                Location::File(path) => Connection::open(path),
            }
            .map_err(|e| {
                let context = format!("cannot open SQLite database {}", opened.describe());
                Error::driver(context, e.to_string(), e)
            })?;
            // Wait for a writer of another process instead of failing at
            // once; the message after this long still says "locked".
            conn.busy_timeout(Duration::from_secs(5))
                .map_err(|e| Error::driver("cannot configure SQLite", e.to_string(), e))?;
            Ok(conn)
        })
        .await
        .map_err(|e| Error::database("SQLite worker thread failed", e))??;
        let mut backend = SqliteBackend {
            conn: Arc::new(Mutex::new(conn)),
            location: HistoryLocation::default(),
            url,
            lock_file: None,
        };
        backend.location = open_session(&mut backend, options).await?;
        Ok(backend)
    }

    /// Runs `f` with the connection on the blocking pool.
    async fn with_conn<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T> + Send + 'static,
    {
        let conn = Arc::clone(&self.conn);
        tokio::task::spawn_blocking(move || {
            let conn = conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            f(&conn)
        })
        .await
        .map_err(|e| Error::database("SQLite worker thread failed", e))?
    }
}

/// An error of SQLite itself, kept as the source.
fn sqlite_error(e: rusqlite::Error) -> Error {
    Error::driver("SQLite", e.to_string(), e)
}

#[async_trait]
impl Backend for SqliteBackend {
    fn dialect(&self) -> &dyn Dialect {
        &SqliteDialect
    }

    fn target(&self) -> String {
        self.url.describe()
    }

    fn location(&self) -> &HistoryLocation {
        &self.location
    }

    async fn execute(&mut self, sql: &str) -> Result<()> {
        let sql = sql.to_string();
        self.with_conn(move |c| exec(c, &sql)).await
    }

    async fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Vec<Value>>> {
        let sql = sql.to_string();
        let params = params.to_vec();
        self.with_conn(move |c| run_query(c, &sql, &params)).await
    }

    async fn try_lock(&mut self, id: &LockId) -> Result<bool> {
        // An in-memory database belongs to this process alone.
        let Some(path) = &id.file else {
            return Ok(true);
        };
        if self.lock_file.is_some() {
            return Ok(true);
        }
        self.lock_file = migrate_core::lock::file::try_lock(path)?;
        Ok(self.lock_file.is_some())
    }

    async fn release_lock(&mut self, _id: &LockId) -> Result<()> {
        match self.lock_file.take() {
            Some(file) => migrate_core::lock::file::release(file),
            None => Ok(()),
        }
    }

    /// One hop to the blocking pool for the whole batch.
    async fn run_batch(
        &mut self,
        items: &[BatchItem],
        _in_transaction: bool,
    ) -> std::result::Result<(), (usize, Error)> {
        let items = items.to_vec();
        let conn = Arc::clone(&self.conn);
        tokio::task::spawn_blocking(move || {
            let conn = conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            for (i, item) in items.iter().enumerate() {
                let done = match &item.params {
                    None => exec(&conn, &item.sql),
                    Some(params) => run_query(&conn, &item.sql, params).map(drop),
                };
                done.map_err(|e| (i, e))?;
            }
            Ok(())
        })
        .await
        .map_err(|e| (0, Error::database("SQLite worker thread failed", e)))?
    }

    async fn rollback(&mut self) -> Result<()> {
        // SQLite ends the transaction itself on some errors (a full disk,
        // an interrupted statement).
        self.with_conn(|c| {
            if c.is_autocommit() {
                return Ok(());
            }
            exec(c, "ROLLBACK")
        })
        .await
    }

    async fn close(mut self: Box<Self>) -> Result<()> {
        let id = LockId::of(&self.location);
        self.release_lock(&id).await
    }
}

/// Reads the columns of a row as plain values.
/// Runs a query with parameters and reads every row.
fn run_query(c: &Connection, sql: &str, params: &[Value]) -> Result<Vec<Vec<Value>>> {
    let mut stmt = c.prepare_cached(sql).map_err(sqlite_error)?;
    let columns = stmt.column_count();
    let mut rows = stmt
        .query(rusqlite::params_from_iter(params.iter().map(to_sql)))
        .map_err(sqlite_error)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(sqlite_error)? {
        out.push(read_values(row, columns).map_err(sqlite_error)?);
    }
    Ok(out)
}

fn read_values(row: &rusqlite::Row<'_>, count: usize) -> rusqlite::Result<Vec<Value>> {
    // Sized up front: a result of thousands of rows would otherwise hold
    // a list grown past its size for each.
    let mut values = Vec::with_capacity(count);
    for i in 0..count {
        values.push(match row.get_ref(i)? {
            ValueRef::Null => Value::Null,
            ValueRef::Integer(n) => Value::Int(n),
            ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
            ValueRef::Real(f) => Value::Text(f.to_string()),
            ValueRef::Blob(b) => Value::Text(String::from_utf8_lossy(b).into_owned()),
        });
    }
    Ok(values)
}

fn to_sql(value: &Value) -> rusqlite::types::Value {
    match value {
        Value::Text(s) => rusqlite::types::Value::Text(s.clone()),
        Value::Int(n) => rusqlite::types::Value::Integer(*n),
        Value::Null => rusqlite::types::Value::Null,
    }
}

/// Runs one statement, stepping through any rows it returns (a `SELECT` in
/// a migration is legal and must not fail).
fn exec(c: &Connection, sql: &str) -> Result<()> {
    let mut stmt = c.prepare(sql).map_err(sqlite_error)?;
    let check = sqlite::is_foreign_key_check(sql);
    let mut rows = stmt.raw_query();
    let mut violations = Vec::new();
    while let Some(row) = rows.next().map_err(sqlite_error)? {
        if check {
            violations.push((
                row.get(0).unwrap_or_default(),
                row.get(1).unwrap_or_default(),
                row.get(2).unwrap_or_default(),
            ));
        }
    }
    sqlite::foreign_key_check_result(violations)
}
