#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod dialect;
mod error;
mod lock;
mod url;

use std::time::Duration;

use async_trait::async_trait;
use migrate_core::backend::{Backend, ConnectOptions, Dialect};
use migrate_core::history::{self, COLUMNS, ColumnTypes, HistoryRecord, RecordState};
use migrate_core::redact::redact_url;
use migrate_core::{Error, Result};
use mysql_async::prelude::Queryable;
use mysql_async::{Conn, Row, Value};

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
        MysqlDialect.quote_identifier(&self.table)
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

/// The history table's columns, quoted and comma-separated, in
/// [`COLUMNS`] order.
fn column_list() -> String {
    COLUMNS
        .iter()
        .map(|c| MysqlDialect.quote_identifier(c))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Takes column `i` of a history row.
fn take<T: mysql_async::prelude::FromValue>(row: &mut Row, i: usize) -> Result<T, String> {
    match row.take_opt::<T, usize>(i) {
        Some(Ok(value)) => Ok(value),
        Some(Err(e)) => Err(format!("unreadable value in column `{}`: {e}", COLUMNS[i])),
        None => Err(format!("column `{}` is missing", COLUMNS[i])),
    }
}

/// Turns a history row into a record, rejecting values this version does
/// not understand rather than guessing.
fn read_record(mut row: Row) -> Result<HistoryRecord> {
    let app: String = take(&mut row, 0).map_err(|e| Error::database("history row", e))?;
    let name: String = take(&mut row, 1).map_err(|e| Error::database("history row", e))?;
    let bad = |what: String| Error::database(format!("history row {app}:{name}"), what);
    let state: String = take(&mut row, 5).map_err(bad)?;
    let up: String = take(&mut row, 9).map_err(bad)?;
    let down: Option<String> = take(&mut row, 10).map_err(bad)?;
    Ok(HistoryRecord {
        checksum: take(&mut row, 2).map_err(bad)?,
        applied_at: take(&mut row, 3).map_err(bad)?,
        duration_ms: take(&mut row, 4).map_err(bad)?,
        state: RecordState::parse(&state).ok_or_else(|| bad(format!("unknown state `{state}`")))?,
        statements_done: take(&mut row, 6).map_err(bad)?,
        statements_total: take(&mut row, 7).map_err(bad)?,
        last_error: take(&mut row, 8).map_err(bad)?,
        up_sql: history::decode_statements(&up).map_err(bad)?,
        down_sql: down
            .map(|d| history::decode_statements(&d))
            .transpose()
            .map_err(bad)?,
        applied_by: take(&mut row, 11).map_err(bad)?,
        tool_version: take(&mut row, 12).map_err(bad)?,
        app,
        name,
    })
}

/// A record's values, in [`COLUMNS`] order.
fn record_values(r: &HistoryRecord) -> Vec<Value> {
    vec![
        r.app.as_str().into(),
        r.name.as_str().into(),
        r.checksum.as_str().into(),
        r.applied_at.as_str().into(),
        r.duration_ms.into(),
        r.state.as_str().into(),
        r.statements_done.into(),
        r.statements_total.into(),
        r.last_error.as_deref().into(),
        history::encode_statements(&r.up_sql).into(),
        r.down_sql.as_deref().map(history::encode_statements).into(),
        r.applied_by.as_deref().into(),
        r.tool_version.as_str().into(),
    ]
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
        let q = |s: &str| MysqlDialect.quote_identifier(s);
        let sql = history::create_table_sql(
            &self.quoted_table(),
            &q,
            &ColumnTypes {
                name: "VARCHAR(191)",
                short_text: "VARCHAR(255)",
                long_text: "LONGTEXT",
                integer: "BIGINT",
            },
        ) + TABLE_OPTIONS;
        let doing = format!("create the history table `{}`", self.table);
        self.run(&sql, &doing).await
    }

    async fn load_history(&mut self) -> Result<Vec<HistoryRecord>> {
        let sql = format!(
            "SELECT {} FROM {} ORDER BY `app`, `name`",
            column_list(),
            self.quoted_table()
        );
        let rows: Vec<Row> = match self.conn.query(sql).await {
            Ok(rows) => rows,
            Err(e) if error::is_server_error(&e, error::NO_SUCH_TABLE) => return Ok(Vec::new()),
            Err(e) => {
                return Err(Error::database(
                    format!(
                        "cannot read the history table `{}` on {}",
                        self.table, self.redacted
                    ),
                    error::message(&e),
                ));
            }
        };
        rows.into_iter().map(read_record).collect()
    }

    async fn write_record(&mut self, record: &HistoryRecord) -> Result<()> {
        let placeholders = vec!["?"; COLUMNS.len()].join(", ");
        let updates = COLUMNS
            .iter()
            .filter(|c| !matches!(**c, "app" | "name"))
            .map(|c| {
                let c = MysqlDialect.quote_identifier(c);
                format!("{c} = VALUES({c})")
            })
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "INSERT INTO {} ({}) VALUES ({placeholders}) ON DUPLICATE KEY UPDATE {updates}",
            self.quoted_table(),
            column_list()
        );
        self.conn
            .exec_drop(sql, record_values(record))
            .await
            .map_err(|e| {
                Error::database(
                    format!(
                        "cannot record {}:{} in the history",
                        record.app, record.name
                    ),
                    error::message(&e),
                )
            })
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
