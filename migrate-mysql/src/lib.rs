#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod dialect;
mod error;
mod journal;
mod lock;
mod render;
mod url;

use std::time::Duration;

use async_trait::async_trait;
use migrate_core::backend::{Backend, ConnectOptions, Dialect};
use migrate_core::history::{self, Column, ColumnKind, ColumnTypes, HistoryRecord, Value};
use migrate_core::log::{self, LogEntry};
use migrate_core::redact::redact_url;
use migrate_core::{Error, Result};
use mysql_async::prelude::Queryable;
use mysql_async::{Conn, Row, Value as MyValue};

pub use dialect::MysqlDialect;

use crate::url::Target;

/// How long to wait for the server to answer a connection attempt.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// What follows the history table's column list: a transactional engine,
/// full Unicode, and binary comparison so that migration names are
/// case-sensitive and sort as on every other engine.
const TABLE_OPTIONS: &str = " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin";

/// A connection to one MySQL or MariaDB database, plus, while the migration
/// lock is held, a second connection that holds it.
pub struct MysqlBackend {
    conn: Conn,
    lock_conn: Option<Conn>,
    target: Target,
    /// The URL with its password removed, for every message.
    redacted: String,
    table: String,
}

impl MysqlBackend {
    /// Connects to the database a `mysql://` or `mariadb://` URL names and
    /// runs the init statements on the new connection.
    ///
    /// The URL must name a database, which is where the history table lives
    /// and what unqualified names refer to. `ssl-mode=REQUIRED|VERIFY_CA|
    /// VERIFY_IDENTITY` (or `sslmode=require|verify-ca|verify-full`) turns
    /// TLS on.
    pub async fn connect(url: &str, options: &ConnectOptions) -> Result<MysqlBackend> {
        if options.schema.is_some() {
            return Err(Error::Unsupported(
                "--schema is a PostgreSQL option; on MySQL the database in the URL is the schema"
                    .into(),
            ));
        }
        let target = url::parse(url)?;
        let redacted = redact_url(url);
        let mut conn = open(&target, &redacted).await?;
        for sql in &options.init_statements {
            if let Err(e) = conn.query_drop(sql.as_str()).await {
                let _ = conn.disconnect().await;
                return Err(Error::database(
                    format!("init statement `{sql}` failed on {redacted}"),
                    error::message(&e),
                ));
            }
        }
        Ok(MysqlBackend {
            conn,
            lock_conn: None,
            target,
            redacted,
            table: options.history_table.clone(),
        })
    }

    fn quoted_table(&self) -> String {
        q(&self.table)
    }

    fn quoted_log_table(&self) -> String {
        q(&log::table_name(&self.table))
    }

    /// Every row of a query on a table that may not exist yet (then: none).
    async fn select_all(&mut self, sql: String, what: &str) -> Result<Vec<Row>> {
        match self.conn.query(sql).await {
            Ok(rows) => Ok(rows),
            Err(e) if error::is_server_error(&e, error::NO_SUCH_TABLE) => Ok(Vec::new()),
            Err(e) => Err(Error::database(
                format!("cannot read the {what} on {}", self.redacted),
                error::message(&e),
            )),
        }
    }

    fn lock_name(&self) -> String {
        lock::name(&self.target.database, &self.table)
    }

    /// Runs a statement of the tool's own (transaction control) on the
    /// migration connection.
    async fn run(&mut self, sql: &str, doing: &str) -> Result<()> {
        self.conn.query_drop(sql).await.map_err(|e| {
            Error::database(
                format!("cannot {doing} on {}", self.redacted),
                error::message(&e),
            )
        })
    }
}

/// Opens one connection, mapping failures to plain messages.
async fn open(target: &Target, redacted: &str) -> Result<Conn> {
    let context = || format!("cannot connect to {redacted}");
    match tokio::time::timeout(CONNECT_TIMEOUT, Conn::new(target.opts.clone())).await {
        Ok(Ok(conn)) => Ok(conn),
        Ok(Err(e)) => Err(Error::database(
            context(),
            error::connect_message(&e, &target.address),
        )),
        Err(_) => Err(Error::database(
            context(),
            format!(
                "cannot reach the server at {}: no answer within {}s",
                target.address,
                CONNECT_TIMEOUT.as_secs()
            ),
        )),
    }
}

/// Column types of the history and log tables.
const TYPES: ColumnTypes = ColumnTypes {
    name: "VARCHAR(191)",
    short_text: "VARCHAR(255)",
    long_text: "LONGTEXT",
    integer: "BIGINT",
    auto_id: "BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY",
};

fn q(ident: &str) -> String {
    MysqlDialect.quote_identifier(ident)
}

/// A row's columns as plain values, each read as its column's kind.
fn row_values(row: Row, columns: &[Column]) -> Result<Vec<Value>, String> {
    let values = row.unwrap();
    if values.len() != columns.len() {
        return Err(format!(
            "expected {} columns, read {}",
            columns.len(),
            values.len()
        ));
    }
    values
        .into_iter()
        .zip(columns)
        .map(|(value, column)| match value {
            MyValue::NULL => Ok(Value::Null),
            MyValue::Int(n) => Ok(Value::Int(n)),
            MyValue::UInt(n) => i64::try_from(n)
                .map(Value::Int)
                .map_err(|_| format!("column `{}`: {n} is out of range", column.name)),
            MyValue::Bytes(bytes) if column.kind == ColumnKind::Integer => {
                // The text protocol sends numbers as text.
                String::from_utf8_lossy(&bytes)
                    .parse()
                    .map(Value::Int)
                    .map_err(|e| format!("column `{}`: {e}", column.name))
            }
            MyValue::Bytes(bytes) => String::from_utf8(bytes)
                .map(Value::Text)
                .map_err(|_| format!("column `{}` is not UTF-8", column.name)),
            other => Err(format!("column `{}` holds {other:?}", column.name)),
        })
        .collect()
}

/// Plain values as query parameters.
fn params(values: Vec<Value>) -> Vec<MyValue> {
    values
        .into_iter()
        .map(|v| match v {
            Value::Text(s) => MyValue::Bytes(s.into_bytes()),
            Value::Int(n) => MyValue::Int(n),
            Value::Null => MyValue::NULL,
        })
        .collect()
}

#[async_trait]
impl Backend for MysqlBackend {
    fn dialect(&self) -> &dyn Dialect {
        &MysqlDialect
    }

    fn target(&self) -> String {
        self.redacted.clone()
    }

    async fn ensure_history(&mut self) -> Result<()> {
        let create = history::create_history_sql(&self.quoted_table(), &q, &TYPES) + TABLE_OPTIONS;
        let doing = format!("create the history table `{}`", self.table);
        self.run(&create, &doing).await?;
        let create = log::create_log_sql(&self.quoted_log_table(), &q, &TYPES) + TABLE_OPTIONS;
        let doing = format!(
            "create the audit log table `{}`",
            log::table_name(&self.table)
        );
        self.run(&create, &doing).await
    }

    async fn load_history(&mut self) -> Result<Vec<HistoryRecord>> {
        let sql = format!(
            "SELECT {} FROM {} ORDER BY `app`, `name`",
            history::column_list(&history::COLUMNS, &q),
            self.quoted_table()
        );
        let rows = self.select_all(sql, "history table").await?;
        rows.into_iter()
            .map(|row| {
                row_values(row, &history::COLUMNS)
                    .and_then(HistoryRecord::from_values)
                    .map_err(|e| Error::database("cannot read the history table", e))
            })
            .collect()
    }

    async fn write_record(&mut self, record: &HistoryRecord) -> Result<()> {
        let placeholders = vec!["?"; history::COLUMNS.len()].join(", ");
        let updates = history::COLUMNS
            .iter()
            .filter(|c| !matches!(c.name, "app" | "name"))
            .map(|c| {
                let c = q(c.name);
                format!("{c} = VALUES({c})")
            })
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "INSERT INTO {} ({}) VALUES ({placeholders}) ON DUPLICATE KEY UPDATE {updates}",
            self.quoted_table(),
            history::column_list(&history::COLUMNS, &q)
        );
        self.conn
            .exec_drop(sql, params(record.to_values()))
            .await
            .map_err(|e| {
                Error::database(
                    format!("cannot record {} in the history", record.key()),
                    error::message(&e),
                )
            })
    }

    async fn append_log(&mut self, entry: &LogEntry) -> Result<()> {
        let sql = format!(
            "INSERT INTO {} ({}) VALUES ({})",
            self.quoted_log_table(),
            history::column_list(&log::COLUMNS, &q),
            vec!["?"; log::COLUMNS.len()].join(", ")
        );
        self.conn
            .exec_drop(sql, params(entry.to_values()))
            .await
            .map_err(|e| Error::database("cannot write the audit log", error::message(&e)))
    }

    async fn load_log(&mut self) -> Result<Vec<LogEntry>> {
        let sql = format!(
            "SELECT {} FROM {} ORDER BY `id`",
            history::column_list(&log::COLUMNS, &q),
            self.quoted_log_table()
        );
        let rows = self.select_all(sql, "audit log").await?;
        rows.into_iter()
            .map(|row| {
                row_values(row, &log::COLUMNS)
                    .and_then(LogEntry::from_values)
                    .map_err(|e| Error::database("cannot read the audit log", e))
            })
            .collect()
    }

    async fn delete_record(&mut self, app: &str, name: &str) -> Result<()> {
        let sql = format!(
            "DELETE FROM {} WHERE `app` = ? AND `name` = ?",
            self.quoted_table()
        );
        self.conn.exec_drop(sql, (app, name)).await.map_err(|e| {
            Error::database(
                format!("cannot remove {app}:{name} from the history"),
                error::message(&e),
            )
        })
    }

    async fn lock(&mut self, timeout: Duration) -> Result<()> {
        if self.lock_conn.is_some() {
            return Ok(());
        }
        let mut conn = open(&self.target, &self.redacted).await?;
        let name = self.lock_name();
        let secs = lock::wait_secs(timeout);
        let failed = |message: String| {
            Error::database(
                format!("cannot take the migration lock on {}", self.redacted),
                message,
            )
        };
        match lock::get(&mut conn, &name, secs).await {
            Ok(Some(1)) => {
                self.lock_conn = Some(conn);
                Ok(())
            }
            Ok(Some(_)) => {
                let holder = lock::holder(&mut conn, &name).await;
                let _ = conn.disconnect().await;
                Err(Error::LockTimeout {
                    target: self.redacted.clone(),
                    waited_secs: secs,
                    holder,
                })
            }
            Ok(None) => {
                let _ = conn.disconnect().await;
                Err(failed(format!("GET_LOCK('{name}') was interrupted")))
            }
            Err(e) => {
                let _ = conn.disconnect().await;
                Err(failed(error::message(&e)))
            }
        }
    }

    async fn unlock(&mut self) -> Result<()> {
        let Some(mut conn) = self.lock_conn.take() else {
            return Ok(());
        };
        let name = self.lock_name();
        let released = lock::release(&mut conn, &name).await;
        // Closing the connection releases the lock too, so a failed
        // RELEASE_LOCK matters only if the connection cannot be closed.
        let closed = conn.disconnect().await;
        match (released, closed) {
            (Ok(Some(1)), _) | (_, Ok(())) => Ok(()),
            (released, Err(e)) => {
                let why = match released {
                    Ok(_) => format!("the lock `{name}` was no longer held by this run"),
                    Err(release) => error::message(&release),
                };
                Err(Error::database(
                    format!("cannot release the migration lock on {}", self.redacted),
                    format!(
                        "{why}; closing its connection also failed: {}",
                        error::message(&e)
                    ),
                ))
            }
        }
    }

    async fn execute(&mut self, sql: &str) -> Result<()> {
        self.conn.query_drop(sql).await.map_err(|e| {
            Error::database(
                format!("statement failed on {}", self.redacted),
                error::message(&e),
            )
        })
    }

    async fn begin(&mut self) -> Result<()> {
        self.run("START TRANSACTION", "start a transaction").await
    }

    async fn commit(&mut self) -> Result<()> {
        self.run("COMMIT", "commit").await
    }

    async fn rollback(&mut self) -> Result<()> {
        self.run("ROLLBACK", "roll back").await
    }

    async fn journal_entry(&mut self, sql: &str) -> Result<migrate_core::journal::JournalEntry> {
        journal::entry(&mut self.conn, sql).await
    }

    async fn probe(&mut self, probe: &migrate_core::journal::Probe) -> Result<Option<bool>> {
        journal::probe(&mut self.conn, probe).await
    }

    async fn close(mut self: Box<Self>) -> Result<()> {
        let unlocked = self.unlock().await;
        let MysqlBackend { conn, redacted, .. } = *self;
        let closed = conn.disconnect().await.map_err(|e| {
            Error::database(
                format!("cannot close the connection to {redacted}"),
                error::message(&e),
            )
        });
        unlocked?;
        closed
    }
}

impl std::fmt::Debug for MysqlBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MysqlBackend")
            .field("target", &self.redacted)
            .field("history_table", &self.table)
            .field("locked", &self.lock_conn.is_some())
            .finish_non_exhaustive()
    }
}
