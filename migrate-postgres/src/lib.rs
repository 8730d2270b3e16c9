#![doc = include_str!("../README.md")]

mod conn;
mod dialect;
mod history;
mod journal;
mod lock;
mod render;
mod tls;
mod url;

use std::time::Duration;

use async_trait::async_trait;
use migrate_core::backend::{Backend, ConnectOptions, Dialect};
use migrate_core::history::HistoryRecord;
use migrate_core::log::LogEntry;
use migrate_core::{Error, Result};
use tokio_postgres::error::SqlState;

pub use dialect::PostgresDialect;

use conn::Conn;
use lock::HeldLock;
use url::Target;

/// A connection to one PostgreSQL database: one connection for statements
/// and the history, and, while the migration lock is held, a second one that
/// holds it.
pub struct PostgresBackend {
    conn: Conn,
    target: Target,
    /// `"schema"."table"` or `"table"`.
    table: String,
    /// The audit log table, qualified the same way.
    log_table: String,
    schema: Option<String>,
    lock_key: i64,
    lock: Option<HeldLock>,
}

impl PostgresBackend {
    /// Connects to a `postgres://` or `postgresql://` URL, sets the search
    /// path to `options.schema` when there is one, and runs the init
    /// statements in order.
    pub async fn connect(url: &str, options: &ConnectOptions) -> Result<PostgresBackend> {
        let target = url::parse_url(url)?;
        let conn = Conn::open(&target).await?;
        let q = |s: &str| PostgresDialect.quote_identifier(s);
        if let Some(schema) = &options.schema {
            let sql = format!("SET search_path TO {}", q(schema));
            conn.client
                .batch_execute(&sql)
                .await
                .map_err(|e| Error::Database {
                    context: format!("`{sql}` failed on {}", target.redacted),
                    message: conn.describe(&e),
                })?;
        }
        for sql in &options.init_statements {
            conn.client
                .batch_execute(sql)
                .await
                .map_err(|e| Error::Database {
                    context: format!("init statement `{sql}` failed on {}", target.redacted),
                    message: conn.describe(&e),
                })?;
        }
        let row = conn
            .client
            .query_one(
                "SELECT current_database()::text, current_schema()::text",
                &[],
            )
            .await
            .map_err(|e| Error::Database {
                context: format!("cannot read the current database of {}", target.redacted),
                message: conn.describe(&e),
            })?;
        let database: String = row.get(0);
        let current_schema: Option<String> = row.get(1);
        let schema_for_key = options
            .schema
            .clone()
            .or(current_schema)
            .unwrap_or_default();
        Ok(PostgresBackend {
            lock_key: lock::lock_key(&database, &schema_for_key, &options.history_table),
            table: history::qualified_table(options.schema.as_deref(), &options.history_table),
            log_table: history::qualified_table(
                options.schema.as_deref(),
                &migrate_core::log::table_name(&options.history_table),
            ),
            schema: options.schema.clone(),
            conn,
            target,
            lock: None,
        })
    }

    /// Runs SQL text with the simple query protocol.
    async fn simple(&self, sql: &str) -> Result<()> {
        self.conn
            .client
            .batch_execute(sql)
            .await
            .map_err(|e| self.statement_error(&e))
    }

    /// A statement's error: `ERROR <SQLSTATE>: message` and the details.
    fn statement_error(&self, e: &tokio_postgres::Error) -> Error {
        Error::database("PostgreSQL", self.conn.describe(e))
    }

    fn history_error(&self, doing: &str, e: &tokio_postgres::Error) -> Error {
        Error::Database {
            context: format!("{doing} ({} on {})", self.table, self.target.redacted),
            message: self.conn.describe(e),
        }
    }
}

#[async_trait]
impl Backend for PostgresBackend {
    fn dialect(&self) -> &dyn Dialect {
        &PostgresDialect
    }

    fn target(&self) -> String {
        self.target.redacted.clone()
    }

    async fn ensure_history(&mut self) -> Result<()> {
        // Checking first spares the server's "already exists" notices and
        // the CREATE privilege once the tables are there.
        let exists = self
            .conn
            .client
            .query_one(
                "SELECT to_regclass($1) IS NOT NULL AND to_regclass($2) IS NOT NULL",
                &[&self.table, &self.log_table],
            )
            .await
            .map_err(|e| self.history_error("cannot look for the history table", &e))?;
        if exists.get::<_, bool>(0) {
            return Ok(());
        }
        if let Some(schema) = &self.schema {
            let sql = format!(
                "CREATE SCHEMA IF NOT EXISTS {}",
                PostgresDialect.quote_identifier(schema)
            );
            self.conn
                .client
                .batch_execute(&sql)
                .await
                .map_err(|e| self.history_error("cannot create the history table's schema", &e))?;
        }
        self.conn
            .client
            .batch_execute(&history::create_sql(&self.table, &self.log_table))
            .await
            .map_err(|e| self.history_error("cannot create the history tables", &e))
    }

    async fn load_history(&mut self) -> Result<Vec<HistoryRecord>> {
        let rows = match self
            .conn
            .client
            .query(&history::select_sql(&self.table), &[])
            .await
        {
            Ok(rows) => rows,
            Err(e) if e.code() == Some(&SqlState::UNDEFINED_TABLE) => return Ok(Vec::new()),
            Err(e) => return Err(self.history_error("cannot read the history table", &e)),
        };
        rows.iter()
            .map(|row| {
                let values = history::values(row, &migrate_core::history::COLUMNS)
                    .map_err(|e| self.history_error("cannot read the history table", &e))?;
                HistoryRecord::from_values(values)
                    .map_err(|e| Error::database("cannot read the history table", e))
            })
            .collect()
    }

    async fn write_record(&mut self, record: &HistoryRecord) -> Result<()> {
        let values = record.to_values();
        self.conn
            .client
            .execute(&history::upsert_sql(&self.table), &history::params(&values))
            .await
            .map(|_| ())
            .map_err(|e| {
                self.history_error(
                    &format!("cannot record {} in the history", record.key()),
                    &e,
                )
            })
    }

    async fn append_log(&mut self, entry: &LogEntry) -> Result<()> {
        let values = entry.to_values();
        self.conn
            .client
            .execute(
                &history::insert_log_sql(&self.log_table),
                &history::params(&values),
            )
            .await
            .map(|_| ())
            .map_err(|e| self.history_error("cannot write the audit log", &e))
    }

    async fn load_log(&mut self) -> Result<Vec<LogEntry>> {
        let rows = match self
            .conn
            .client
            .query(&history::select_log_sql(&self.log_table), &[])
            .await
        {
            Ok(rows) => rows,
            Err(e) if e.code() == Some(&SqlState::UNDEFINED_TABLE) => return Ok(Vec::new()),
            Err(e) => return Err(self.history_error("cannot read the audit log", &e)),
        };
        rows.iter()
            .map(|row| {
                let values = history::values(row, &migrate_core::log::COLUMNS)
                    .map_err(|e| self.history_error("cannot read the audit log", &e))?;
                LogEntry::from_values(values)
                    .map_err(|e| Error::database("cannot read the audit log", e))
            })
            .collect()
    }

    async fn delete_record(&mut self, app: &str, name: &str) -> Result<()> {
        self.conn
            .client
            .execute(&history::delete_sql(&self.table), &[&app, &name])
            .await
            .map(|_| ())
            .map_err(|e| {
                self.history_error(&format!("cannot remove {app}:{name} from the history"), &e)
            })
    }

    async fn lock(&mut self, timeout: Duration) -> Result<()> {
        if self.lock.is_none() {
            self.lock = Some(HeldLock::acquire(&self.target, self.lock_key, timeout).await?);
        }
        Ok(())
    }

    async fn unlock(&mut self) -> Result<()> {
        match self.lock.take() {
            Some(lock) => lock.release(&self.target).await,
            None => Ok(()),
        }
    }

    async fn execute(&mut self, sql: &str) -> Result<()> {
        self.simple(sql).await
    }

    async fn begin(&mut self) -> Result<()> {
        self.simple("BEGIN").await
    }

    async fn commit(&mut self) -> Result<()> {
        self.simple("COMMIT").await
    }

    async fn rollback(&mut self) -> Result<()> {
        // Outside a transaction the server only warns (SQLSTATE 25P01),
        // which the notice log keeps quiet.
        self.simple("ROLLBACK").await
    }

    async fn journal_entry(&mut self, sql: &str) -> Result<migrate_core::journal::JournalEntry> {
        journal::entry(&self.conn, sql).await
    }

    async fn probe(&mut self, probe: &migrate_core::journal::Probe) -> Result<Option<bool>> {
        journal::probe(&self.conn, probe).await
    }

    async fn close(self: Box<Self>) -> Result<()> {
        let PostgresBackend {
            conn, lock, target, ..
        } = *self;
        let released = match lock {
            Some(lock) => lock.release(&target).await,
            None => Ok(()),
        };
        conn.close().await;
        released
    }
}
