//! The contract between the engine-neutral code and a database engine.
//!
//! A driver crate implements two traits:
//! - [`Dialect`]: static facts about the engine's SQL, usable without a
//!   connection (so `migrate sql --dialect mysql` works offline);
//! - [`Backend`]: a live connection that runs statements, stores the
//!   history and holds the migration lock.
//!
//! The executor drives transactions itself through [`Backend::begin`],
//! [`Backend::commit`] and [`Backend::rollback`], so a backend holds no
//! migration logic: it only runs what it is told, on one connection.
//!
//! Stability: new methods added to these traits will come with default
//! implementations, so a backend written against this version keeps
//! compiling. Run the conformance suite (`testkit` feature) from your
//! backend's tests.

use std::time::Duration;

use async_trait::async_trait;

use crate::dialect::SqlDialect;
use crate::error::Result;
use crate::history::HistoryRecord;
use crate::journal::{JournalEntry, Probe};
use crate::log::LogEntry;

/// What an engine can do, as plain facts. Tests and the executor decide on
/// these, never on an engine's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Capabilities {
    /// DDL statements can be rolled back with the transaction around them
    /// (PostgreSQL, SQLite; not MySQL).
    pub transactional_ddl: bool,
    /// The migration lock excludes other processes on other machines (a
    /// server-side lock), not just on this one.
    pub server_lock: bool,
    /// The history table can live in a named schema (`--schema`).
    pub schemas: bool,
}

impl Capabilities {
    /// Builds a capability set; fields not named here default to `false`.
    pub const fn new(transactional_ddl: bool, server_lock: bool, schemas: bool) -> Self {
        Capabilities {
            transactional_ddl,
            server_lock,
            schemas,
        }
    }
}

/// How a statement behaves with respect to transactions on an engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatementClass {
    /// Runs inside a transaction and is rolled back with it.
    Transactional,
    /// Commits the open transaction by itself (MySQL DDL): a migration that
    /// contains one cannot be atomic and is journaled.
    ImplicitCommit,
    /// Refuses to run inside a transaction (PostgreSQL `CREATE INDEX
    /// CONCURRENTLY`, SQLite `VACUUM`): the migration must say
    /// `transaction=false`.
    NoTransaction,
    /// Changes a setting of the connection that the engine ignores inside a
    /// transaction (SQLite `PRAGMA foreign_keys`). At the very start of an
    /// atomic migration it runs just before the transaction opens, at the
    /// very end just after it ends; anywhere else it is refused like
    /// [`StatementClass::NoTransaction`].
    Session,
}

/// Static facts about an engine's SQL.
pub trait Dialect: Send + Sync {
    /// The engine's name as users write it: `sqlite`, `postgres`, `mysql`.
    fn name(&self) -> &'static str;

    /// The family of syntax used to split migration files into statements.
    fn sql_dialect(&self) -> SqlDialect;

    /// What the engine can do.
    fn capabilities(&self) -> Capabilities;

    /// Quotes an identifier (table or column name) for this engine.
    /// The default is the SQL standard's double quotes.
    fn quote_identifier(&self, ident: &str) -> String {
        format!("\"{}\"", ident.replace('"', "\"\""))
    }

    /// Classifies one statement. The default treats every statement as
    /// transactional when the engine has transactional DDL and as an
    /// implicit commit otherwise.
    fn classify(&self, statement: &str) -> StatementClass {
        let _ = statement;
        if self.capabilities().transactional_ddl {
            StatementClass::Transactional
        } else {
            StatementClass::ImplicitCommit
        }
    }

    /// The statement that opens a transaction, as shown by `migrate sql`
    /// and sent by backends that have no driver-level transactions.
    fn begin_statement(&self) -> &'static str {
        "BEGIN"
    }

    /// The renderer of portable migrations ([`crate::portable`]) for this
    /// engine, or `None` when the engine cannot run them. The default is
    /// `None`.
    fn renderer(&self) -> Option<&dyn crate::portable::Renderer> {
        None
    }
}

/// Settings every backend accepts when it connects.
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    /// Name of the history table (unquoted).
    pub history_table: String,
    /// Schema that holds the history table and is searched first, on
    /// engines with [`Capabilities::schemas`].
    pub schema: Option<String>,
    /// Statements run on the migration connection right after connecting
    /// (`SET FOREIGN_KEY_CHECKS = 0`, `PRAGMA foreign_keys = OFF`, ...).
    pub init_statements: Vec<String>,
    /// Whether connecting may create the database (an engine whose
    /// database is a file creates it on open). Commands that only read
    /// (`status`, `log`, `--dry-run`) say `false`: a database that does not
    /// exist then reads as empty, and nothing is created.
    pub create: bool,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        ConnectOptions {
            history_table: crate::history::DEFAULT_TABLE.to_string(),
            schema: None,
            init_statements: Vec::new(),
            create: true,
        }
    }
}

/// A live connection to one database, used by one run of the tool.
///
/// All statements of a run go through one connection, except the lock,
/// which an engine may hold on a connection of its own.
#[async_trait]
pub trait Backend: Send {
    /// Static facts about this engine.
    fn dialect(&self) -> &dyn Dialect;

    /// The database this backend is connected to, for messages: a URL or
    /// path with any password removed.
    fn target(&self) -> String;

    /// Creates the history table and the audit log table when they do not
    /// exist yet.
    async fn ensure_history(&mut self) -> Result<()>;

    /// Reads every history row in one query. A missing history table means
    /// an empty history, not an error, and is not created.
    async fn load_history(&mut self) -> Result<Vec<HistoryRecord>>;

    /// Inserts the row of `record`'s migration, or replaces it.
    async fn write_record(&mut self, record: &HistoryRecord) -> Result<()>;

    /// Deletes the row of one migration (no error when there is none).
    async fn delete_record(&mut self, app: &str, name: &str) -> Result<()>;

    /// Appends an entry to the audit log table (created by
    /// [`Backend::ensure_history`] next to the history table, named by
    /// [`crate::log::table_name`]).
    async fn append_log(&mut self, entry: &LogEntry) -> Result<()>;

    /// Reads the whole audit log, oldest first, in one query. A missing
    /// log table means an empty log, not an error.
    async fn load_log(&mut self) -> Result<Vec<LogEntry>>;

    /// Takes the migration lock, waiting at most `timeout`; fails with
    /// [`crate::Error::LockTimeout`]. Only one run may hold it per database.
    async fn lock(&mut self, timeout: Duration) -> Result<()>;

    /// Releases the migration lock (no error when it is not held).
    async fn unlock(&mut self) -> Result<()>;

    /// Runs one statement.
    async fn execute(&mut self, sql: &str) -> Result<()>;

    /// Runs statements in order and stops at the first that fails,
    /// returning its position (0-based) with the error. The default calls
    /// [`Backend::execute`] for each; a backend that pays a fixed cost per
    /// call (a hop to another thread) can run them in one go.
    async fn execute_all(
        &mut self,
        statements: &[String],
    ) -> std::result::Result<(), (usize, crate::Error)> {
        for (i, sql) in statements.iter().enumerate() {
            self.execute(sql).await.map_err(|e| (i, e))?;
        }
        Ok(())
    }

    /// Opens a transaction on the migration connection.
    async fn begin(&mut self) -> Result<()>;

    /// Commits the open transaction.
    async fn commit(&mut self) -> Result<()>;

    /// Rolls the open transaction back.
    async fn rollback(&mut self) -> Result<()>;

    /// Called before each statement of a journaled migration runs: what
    /// undoes it and how to tell whether it took effect. The default uses
    /// what the statement's text alone tells ([`crate::journal::derive`]);
    /// a backend that can read definitions from its server overrides this
    /// to handle [`crate::journal::Derived::NeedsCapture`].
    async fn journal_entry(&mut self, sql: &str) -> Result<JournalEntry> {
        let dialect = self.dialect();
        let quote = |s: &str| dialect.quote_identifier(s);
        Ok(crate::journal::entry_from_text(
            sql,
            dialect.sql_dialect(),
            &quote,
        ))
    }

    /// Looks at the database to answer a probe: `Some(true)` when the
    /// object exists, `Some(false)` when it does not, `None` when this
    /// engine cannot tell. The default cannot tell.
    async fn probe(&mut self, probe: &Probe) -> Result<Option<bool>> {
        let _ = probe;
        Ok(None)
    }

    /// Closes the connection; the default just drops it.
    async fn close(self: Box<Self>) -> Result<()> {
        Ok(())
    }
}

/// How long to wait for the migration lock unless told otherwise.
pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(60);
