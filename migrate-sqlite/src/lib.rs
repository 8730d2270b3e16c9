#![doc = include_str!("../README.md")]

pub mod render;

mod journal;

use std::fs::File;
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use migrate_core::backend::{Backend, Capabilities, ConnectOptions, Dialect, StatementClass};
use migrate_core::dialect::{SqlDialect, leading_keywords};
use migrate_core::history::{self, ColumnTypes, HistoryRecord, Value};
use migrate_core::log::{self, LogEntry};
use migrate_core::{Error, Result};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, params};

/// SQLite's SQL, usable without a connection.
#[derive(Debug, Clone, Copy, Default)]
pub struct SqliteDialect;

impl Dialect for SqliteDialect {
    fn name(&self) -> &'static str {
        "sqlite"
    }

    fn sql_dialect(&self) -> SqlDialect {
        SqlDialect::Sqlite
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities::new(true, false, false)
    }

    /// Portable operations as SQLite SQL ([`render`]).
    fn renderer(&self) -> Option<&dyn migrate_core::portable::Renderer> {
        Some(self)
    }

    fn classify(&self, statement: &str) -> StatementClass {
        let words = leading_keywords(statement, 2);
        match words
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .as_slice()
        {
            ["VACUUM", ..] => StatementClass::NoTransaction,
            ["PRAGMA", pragma] => {
                let pragma = pragma.rsplit('.').next().unwrap_or(pragma);
                match pragma {
                    // Ignored inside a transaction: set around it.
                    "FOREIGN_KEYS" => StatementClass::Session,
                    // Fails inside a transaction.
                    "JOURNAL_MODE" => StatementClass::NoTransaction,
                    _ => StatementClass::Transactional,
                }
            }
            _ => StatementClass::Transactional,
        }
    }
}

/// Where a `sqlite:` URL points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A private in-memory database.
    Memory,
    /// A database file.
    File(PathBuf),
}

/// Parses `sqlite://path`, `sqlite:///abs`, `sqlite:path` or `sqlite::memory:`.
pub fn parse_url(url: &str) -> Result<Location> {
    let rest = url
        .strip_prefix("sqlite:")
        .ok_or_else(|| Error::Usage(format!("not a sqlite URL: `{url}`")))?;
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let path = rest.split('?').next().unwrap_or("");
    match path {
        ":memory:" => Ok(Location::Memory),
        "" => Err(Error::Usage(format!(
            "`{url}` names no database file: write sqlite://path/to/file.db"
        ))),
        p => Ok(Location::File(PathBuf::from(p))),
    }
}

/// A connection to one SQLite database.
pub struct SqliteBackend {
    conn: Arc<Mutex<Connection>>,
    location: Location,
    table: String,
    lock_file: Option<File>,
}

impl SqliteBackend {
    /// Opens (creating when missing) the database a `sqlite:` URL names and
    /// runs the init statements.
    pub async fn connect(url: &str, options: &ConnectOptions) -> Result<Self> {
        let location = parse_url(url)?;
        let opened = location.clone();
        let init = options.init_statements.clone();
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
                Error::database(
                    format!("cannot open SQLite database {}", describe(&opened)),
                    e,
                )
            })?;
            // Wait for a writer of another process instead of failing at
            // once; the message after this long still says "locked".
            conn.busy_timeout(Duration::from_secs(5))
                .map_err(|e| Error::database("cannot configure SQLite", e))?;
            for sql in &init {
                conn.execute_batch(sql)
                    .map_err(|e| Error::database(format!("init statement `{sql}` failed"), e))?;
            }
            Ok(conn)
        })
        .await
        .map_err(|e| Error::database("SQLite worker thread failed", e))??;
        Ok(SqliteBackend {
            conn: Arc::new(Mutex::new(conn)),
            location,
            table: options.history_table.clone(),
            lock_file: None,
        })
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

    fn quoted_table(&self) -> String {
        q(&self.table)
    }

    fn quoted_log_table(&self) -> String {
        q(&log::table_name(&self.table))
    }
}

fn describe(location: &Location) -> String {
    match location {
        Location::Memory => "sqlite::memory:".to_string(),
        Location::File(p) => format!("sqlite://{}", p.display()),
    }
}

/// Column types of the history and log tables.
const TYPES: ColumnTypes = ColumnTypes {
    name: "TEXT",
    short_text: "TEXT",
    long_text: "TEXT",
    integer: "INTEGER",
    auto_id: "INTEGER PRIMARY KEY AUTOINCREMENT",
};

fn q(ident: &str) -> String {
    SqliteDialect.quote_identifier(ident)
}

/// Reads the columns of a row as the history's plain values.
fn read_values(row: &rusqlite::Row<'_>, count: usize) -> rusqlite::Result<Vec<Value>> {
    (0..count)
        .map(|i| {
            Ok(match row.get_ref(i)? {
                ValueRef::Null => Value::Null,
                ValueRef::Integer(n) => Value::Int(n),
                ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
                ValueRef::Real(f) => Value::Text(f.to_string()),
                ValueRef::Blob(b) => Value::Text(String::from_utf8_lossy(b).into_owned()),
            })
        })
        .collect()
}

fn to_sql(values: Vec<Value>) -> Vec<rusqlite::types::Value> {
    values
        .into_iter()
        .map(|v| match v {
            Value::Text(s) => rusqlite::types::Value::Text(s),
            Value::Int(n) => rusqlite::types::Value::Integer(n),
            Value::Null => rusqlite::types::Value::Null,
        })
        .collect()
}

/// Reads every row of a table that may not exist yet (then: no rows).
fn select_all(c: &Connection, sql: &str, columns: usize, what: &str) -> Result<Vec<Vec<Value>>> {
    let mut stmt = match c.prepare(sql) {
        Ok(stmt) => stmt,
        Err(e) if e.to_string().starts_with("no such table") => return Ok(Vec::new()),
        Err(e) => return Err(Error::database(format!("cannot read the {what}"), e)),
    };
    stmt.query_map([], |row| read_values(row, columns))
        .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
        .map_err(|e| Error::database(format!("cannot read the {what}"), e))
}

fn placeholders(n: usize) -> String {
    (1..=n)
        .map(|i| format!("?{i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[async_trait]
impl Backend for SqliteBackend {
    fn dialect(&self) -> &dyn Dialect {
        &SqliteDialect
    }

    fn target(&self) -> String {
        describe(&self.location)
    }

    async fn ensure_history(&mut self) -> Result<()> {
        let sql = format!(
            "{};\n{}",
            history::create_history_sql(&self.quoted_table(), &q, &TYPES),
            log::create_log_sql(&self.quoted_log_table(), &q, &TYPES)
        );
        self.with_conn(move |c| {
            c.execute_batch(&sql)
                .map_err(|e| Error::database("cannot create the history tables", e))
        })
        .await
    }

    async fn load_history(&mut self) -> Result<Vec<HistoryRecord>> {
        let sql = format!(
            "SELECT {} FROM {} ORDER BY app, name",
            history::column_list(&history::COLUMNS, &q),
            self.quoted_table()
        );
        let rows = self
            .with_conn(move |c| select_all(c, &sql, history::COLUMNS.len(), "history table"))
            .await?;
        rows.into_iter()
            .map(|values| {
                HistoryRecord::from_values(values)
                    .map_err(|e| Error::database("cannot read the history table", e))
            })
            .collect()
    }

    async fn write_record(&mut self, record: &HistoryRecord) -> Result<()> {
        let sql = format!(
            "INSERT OR REPLACE INTO {} ({}) VALUES ({})",
            self.quoted_table(),
            history::column_list(&history::COLUMNS, &q),
            placeholders(history::COLUMNS.len())
        );
        let values = to_sql(record.to_values());
        let key = record.key();
        self.with_conn(move |c| {
            c.prepare_cached(&sql)
                .and_then(|mut stmt| stmt.execute(rusqlite::params_from_iter(values)))
                .map(|_| ())
                .map_err(|e| Error::database(format!("cannot record {key} in the history"), e))
        })
        .await
    }

    async fn append_log(&mut self, entry: &LogEntry) -> Result<()> {
        let sql = format!(
            "INSERT INTO {} ({}) VALUES ({})",
            self.quoted_log_table(),
            history::column_list(&log::COLUMNS, &q),
            placeholders(log::COLUMNS.len())
        );
        let values = to_sql(entry.to_values());
        self.with_conn(move |c| {
            c.prepare_cached(&sql)
                .and_then(|mut stmt| stmt.execute(rusqlite::params_from_iter(values)))
                .map(|_| ())
                .map_err(|e| Error::database("cannot write the audit log", e))
        })
        .await
    }

    async fn load_log(&mut self) -> Result<Vec<LogEntry>> {
        let sql = format!(
            "SELECT {} FROM {} ORDER BY {}",
            history::column_list(&log::COLUMNS, &q),
            self.quoted_log_table(),
            q("id")
        );
        let rows = self
            .with_conn(move |c| select_all(c, &sql, log::COLUMNS.len(), "audit log"))
            .await?;
        rows.into_iter()
            .map(|values| {
                LogEntry::from_values(values)
                    .map_err(|e| Error::database("cannot read the audit log", e))
            })
            .collect()
    }

    async fn delete_record(&mut self, app: &str, name: &str) -> Result<()> {
        let table = self.quoted_table();
        let (app, name) = (app.to_string(), name.to_string());
        self.with_conn(move |c| {
            c.execute(
                &format!("DELETE FROM {table} WHERE app = ?1 AND name = ?2"),
                params![app, name],
            )
            .map(|_| ())
            .map_err(|e| Error::database(format!("cannot remove {app}:{name} from the history"), e))
        })
        .await
    }

    async fn lock(&mut self, timeout: Duration) -> Result<()> {
        let Location::File(path) = &self.location else {
            // An in-memory database belongs to this process alone.
            return Ok(());
        };
        let mut lock_path = path.clone().into_os_string();
        lock_path.push(".migrate.lock");
        let lock_path = PathBuf::from(lock_path);
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&lock_path)
            .map_err(|e| Error::Io {
                path: lock_path.clone(),
                source: e,
            })?;
        let started = Instant::now();
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(std::fs::TryLockError::WouldBlock) if started.elapsed() < timeout => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(std::fs::TryLockError::WouldBlock) => {
                    let holder = std::fs::read_to_string(&lock_path)
                        .ok()
                        .filter(|s| !s.trim().is_empty());
                    return Err(Error::LockTimeout {
                        target: describe(&self.location),
                        waited_secs: timeout.as_secs(),
                        holder: holder.map(|h| h.trim().to_string()),
                    });
                }
                Err(std::fs::TryLockError::Error(e)) => {
                    return Err(Error::Io {
                        path: lock_path,
                        source: e,
                    });
                }
            }
        }
        // Say who holds it, for the message a waiting run prints.
        let mut holder = &file;
        let _ = file.set_len(0);
        let _ = writeln!(holder, "process {} on {}", std::process::id(), hostname());
        self.lock_file = Some(file);
        Ok(())
    }

    async fn unlock(&mut self) -> Result<()> {
        if let Some(file) = self.lock_file.take() {
            let _ = file.set_len(0);
            file.unlock()
                .map_err(|e| Error::database("cannot release the migration lock", e))?;
        }
        Ok(())
    }

    async fn execute(&mut self, sql: &str) -> Result<()> {
        let sql = sql.to_string();
        self.with_conn(move |c| exec(c, &sql)).await
    }

    async fn execute_all(
        &mut self,
        statements: &[String],
    ) -> std::result::Result<(), (usize, Error)> {
        let statements = statements.to_vec();
        let conn = Arc::clone(&self.conn);
        // One hop to the blocking pool for the whole list.
        tokio::task::spawn_blocking(move || {
            let conn = conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            for (i, sql) in statements.iter().enumerate() {
                exec(&conn, sql).map_err(|e| (i, e))?;
            }
            Ok(())
        })
        .await
        .map_err(|e| (0, Error::database("SQLite worker thread failed", e)))?
    }

    async fn begin(&mut self) -> Result<()> {
        self.with_conn(|c| exec(c, "BEGIN IMMEDIATE")).await
    }

    async fn commit(&mut self) -> Result<()> {
        self.with_conn(|c| exec(c, "COMMIT")).await
    }

    async fn rollback(&mut self) -> Result<()> {
        self.with_conn(|c| {
            if c.is_autocommit() {
                return Ok(());
            }
            exec(c, "ROLLBACK")
        })
        .await
    }

    async fn journal_entry(&mut self, sql: &str) -> Result<migrate_core::journal::JournalEntry> {
        journal::entry(self, sql).await
    }

    async fn probe(&mut self, probe: &migrate_core::journal::Probe) -> Result<Option<bool>> {
        journal::probe(self, probe).await
    }
}

/// Runs one statement, stepping through any rows it returns (a `SELECT` in
/// a migration is legal and must not fail).
fn exec(c: &Connection, sql: &str) -> Result<()> {
    let mut stmt = c.prepare(sql).map_err(|e| Error::database("SQLite", e))?;
    let check = is_foreign_key_check(sql);
    let mut rows = stmt.raw_query();
    let mut violations = Vec::new();
    while let Some(row) = rows.next().map_err(|e| Error::database("SQLite", e))? {
        if check && violations.len() < 5 {
            let table: String = row.get(0).unwrap_or_default();
            let rowid: Option<i64> = row.get(1).unwrap_or_default();
            let parent: String = row.get(2).unwrap_or_default();
            violations.push(format!(
                "row {} of {table} references a missing row of {parent}",
                rowid.map_or("?".to_string(), |r| r.to_string())
            ));
        }
    }
    // `foreign_key_check` reports violations as rows, never as an error;
    // in a migration they must stop it.
    if !violations.is_empty() {
        return Err(Error::database(
            "SQLite",
            format!("FOREIGN KEY constraint failed: {}", violations.join("; ")),
        ));
    }
    Ok(())
}

/// `PRAGMA foreign_key_check...`, whose rows are violations.
fn is_foreign_key_check(sql: &str) -> bool {
    let words = leading_keywords(sql, 3);
    words.first().is_some_and(|w| w == "PRAGMA")
        && words
            .get(1)
            .is_some_and(|w| w.rsplit('.').next() == Some("FOREIGN_KEY_CHECK"))
}

fn hostname() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .or_else(|| {
            std::fs::read_to_string("/etc/hostname")
                .ok()
                .map(|s| s.trim().to_string())
        })
        .unwrap_or_else(|| "this machine".to_string())
}
