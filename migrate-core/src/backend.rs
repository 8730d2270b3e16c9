//! The contract between the engine-neutral code and a database engine.
//!
//! A driver crate implements two traits:
//! - [`Dialect`]: static facts about the engine's SQL, usable without a
//!   connection (so `migrate sql --dialect mysql` works offline);
//! - [`Backend`]: a live connection that runs statements and queries, and
//!   takes a lock by its identity.
//!
//! Everything else is the core's, written once for every engine and reached
//! through [`BackendExt`], which every backend gets for free: the history
//! and audit-log tables ([`crate::store`]), the lock protocol
//! ([`crate::lock`]), transactions, and the journal glue
//! ([`crate::journal::entry`]).
//!
//! # Invariants a backend keeps
//! - **One connection.** Every statement, query and transaction statement
//!   runs on one connection, in the order called. The core writes the
//!   history row and the audit-log row of an atomic migration *inside* the
//!   transaction it opened, with [`Backend::query`] on that connection, so
//!   they commit or roll back with the migration's statements.
//! - **The lock lives with the migration connection.** Server engines take
//!   it on the connection the migration runs on (a session-level lock that
//!   commits and rollbacks do not release), so that it cannot be lost while
//!   the run goes on, and a server still running a killed client's
//!   statement still holds it. It is released by [`Backend::release_lock`],
//!   by closing, or when the connection or the process dies.
//! - **Transactions are statements.** The core opens, commits and rolls back
//!   transactions by sending [`Dialect::begin_statement`], `COMMIT` and
//!   `ROLLBACK` through [`Backend::execute`] (the provided
//!   [`Backend::begin`], [`Backend::commit`], [`Backend::rollback`]), so a
//!   backend needs no driver-level transaction object. The core calls
//!   `rollback` only after a `begin` it issued, but the engine may already
//!   have ended that transaction on an error: `rollback` must then succeed.
//! - **Batches keep their order.** [`Backend::run_batch`] may send several
//!   statements at once, but an item takes effect only when every item
//!   before it did: the core batches the statements of one transaction
//!   (where the engine refuses everything after a failure), and outside a
//!   transaction a backend sends the next item only after the previous one
//!   succeeded, unless the engine itself stops at the first error.
//! - **Errors.** Only [`crate::Error::Database`] reaches the user as "the
//!   engine said"; build it with [`crate::Error::driver`] so that the
//!   driver's error stays its source.
//! - **`ConnectOptions::schema`** (engines with [`Capabilities::schemas`]):
//!   the connection's search path is set to that schema alone, and the
//!   history tables live there; the core creates the schema with the
//!   history tables when it is missing. Engines without schemas refuse the
//!   option with [`crate::Error::Unsupported`].
//! - **`ConnectOptions::create`**: `false` for commands that only read. An
//!   engine whose database is a file must then create nothing (a missing
//!   file reads as an empty database); a server engine never creates the
//!   database itself, whatever this says.
//!
//! Stability: methods added to these traits later come with default
//! implementations, so a backend written against this version keeps
//! compiling. Run the conformance suite (`conformance_tests!`,
//! `testkit` feature) from your backend's tests.

use std::time::Duration;

use async_trait::async_trait;

use crate::dialect::SqlDialect;
use crate::error::Result;
use crate::history::{ColumnTypes, HistoryRecord, Value};
use crate::journal::{Capture, JournalEntry, Probe, Restore};
use crate::lock::LockId;
use crate::log::LogEntry;

/// What an engine can do, as plain facts. Tests and the executor decide on
/// these, never on an engine's name. Build it with named fields:
///
/// ```
/// # use migrate_core::Capabilities;
/// let caps = Capabilities { transactional_ddl: true, ..Capabilities::NONE };
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capabilities {
    /// DDL statements can be rolled back with the transaction around them
    /// (PostgreSQL, SQLite; not MySQL).
    pub transactional_ddl: bool,
    /// The migration lock excludes other processes on other machines (a
    /// server-side lock), not just on this one.
    pub server_lock: bool,
    /// The history table can live in a named schema (`--schema`).
    pub schemas: bool,
    /// [`Backend::probe`] tells whether tables, columns, indexes and views
    /// exist, so that a statement in doubt after a crash is settled by
    /// looking.
    pub probes: bool,
    /// [`Backend::capture`] reads the definitions that destructive
    /// statements drop (tables, columns, indexes, views), so that they
    /// have an inverse.
    pub captures: bool,
    /// [`Backend::inspect`] reads the schema into the model of
    /// [`crate::schema`].
    pub inspect: bool,
}

impl Capabilities {
    /// No capability at all; the start of a struct-update expression.
    pub const NONE: Capabilities = Capabilities {
        transactional_ddl: false,
        server_lock: false,
        schemas: false,
        probes: false,
        captures: false,
        inspect: false,
    };
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
///
/// Three methods are required; the rest describe the engine's SQL for the
/// core's own statements (history tables, transactions) and default to the
/// SQL standard as PostgreSQL speaks it.
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
    /// and sent by [`Backend::begin`].
    fn begin_statement(&self) -> &'static str {
        "BEGIN"
    }

    /// The renderer of portable migrations ([`crate::portable`]) for this
    /// engine, or `None` when the engine cannot run them. The default is
    /// `None`.
    fn renderer(&self) -> Option<&dyn crate::portable::Renderer> {
        None
    }

    /// The `n`th (1-based) query parameter: `$1` by default, `?` on MySQL,
    /// `?1` on SQLite.
    fn placeholder(&self, n: usize) -> String {
        format!("${n}")
    }

    /// Column types of the history and audit-log tables.
    fn column_types(&self) -> ColumnTypes {
        ColumnTypes {
            name: "TEXT",
            short_text: "TEXT",
            long_text: "TEXT",
            integer: "BIGINT",
            auto_id: "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
        }
    }

    /// What follows the column list of the core's `CREATE TABLE`s (MySQL's
    /// engine and collation). Empty by default.
    fn table_options(&self) -> &'static str {
        ""
    }

    /// `INSERT` of `columns` into `table` that replaces the row with the
    /// same `key`. The default is `ON CONFLICT (key) DO UPDATE`, which
    /// PostgreSQL and SQLite share.
    fn upsert_sql(&self, table: &str, columns: &[&str], key: &[&str]) -> String {
        let q = |c: &str| self.quote_identifier(c);
        let updates = columns
            .iter()
            .filter(|c| !key.contains(c))
            .map(|c| format!("{0} = EXCLUDED.{0}", q(c)))
            .collect::<Vec<_>>()
            .join(", ");
        format!(
            "{} ON CONFLICT ({}) DO UPDATE SET {updates}",
            crate::store::insert_sql(self, table, columns),
            key.iter().map(|c| q(c)).collect::<Vec<_>>().join(", ")
        )
    }

    /// The statement that makes `schema` the connection's search path, on
    /// engines with [`Capabilities::schemas`]. The default is PostgreSQL's
    /// `SET search_path`.
    fn search_path_sql(&self, schema: &str) -> String {
        format!("SET search_path TO {}", self.quote_identifier(schema))
    }

    /// A query whose one row holds the connection's database (its name; the
    /// file's path for an engine whose database is a file, empty in memory)
    /// and the schema unqualified names go to (NULL without schemas). The
    /// default is PostgreSQL's.
    fn location_query(&self) -> &'static str {
        "SELECT current_database()::text, current_schema()::text"
    }

    /// A query that takes the lock `id` names on this connection without
    /// waiting, and answers non-zero when this connection holds it (also
    /// when it already did: taking it again must not nest), for engines
    /// with server locks; `None` for engines that lock otherwise (a file).
    /// See [`crate::lock`] for the part of the identity each engine uses.
    fn try_lock_query(&self, id: &LockId) -> Option<(String, Vec<Value>)> {
        let _ = id;
        None
    }

    /// A query that releases the lock `id` names if this connection holds
    /// it, and does nothing otherwise; `None` with
    /// [`Dialect::try_lock_query`].
    fn release_lock_query(&self, id: &LockId) -> Option<(String, Vec<Value>)> {
        let _ = id;
        None
    }

    /// A query with one row whose first column is non-zero when `table`
    /// exists (in `schema`, or where unqualified names are created), with
    /// its parameters. The default reads `information_schema.tables`.
    fn table_exists_query(&self, schema: Option<&str>, table: &str) -> (String, Vec<Value>) {
        let (p1, p2) = (self.placeholder(1), self.placeholder(2));
        match schema {
            Some(schema) => (
                format!(
                    "SELECT COUNT(*) FROM information_schema.tables \
                     WHERE table_schema = {p1} AND table_name = {p2}"
                ),
                vec![Value::from(schema), Value::from(table)],
            ),
            None => (
                format!(
                    "SELECT COUNT(*) FROM information_schema.tables \
                     WHERE table_schema = current_schema() AND table_name = {p1}"
                ),
                vec![Value::from(table)],
            ),
        }
    }
}

/// A query with one row whose first column is non-zero when `schema`
/// exists, with its parameter; the default reads
/// `information_schema.schemata`. Asked only of engines with
/// [`Capabilities::schemas`].
pub fn schema_exists_query(d: &dyn Dialect, schema: &str) -> (String, Vec<Value>) {
    (
        format!(
            "SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = {}",
            d.placeholder(1)
        ),
        vec![Value::from(schema)],
    )
}

/// Settings every backend accepts when it connects.
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    /// Name of the history table (unquoted).
    pub history_table: String,
    /// Schema that holds the history table and becomes the connection's
    /// search path, on engines with [`Capabilities::schemas`].
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

/// Sets a new connection up as `options` say, through the backend's own
/// [`Backend::execute`] and [`Backend::query`]: the schema as search path
/// (refused by engines without schemas), then the init statements in
/// order; and finds where the history lives ([`Dialect::location_query`]).
/// A backend calls it once, right after connecting, and keeps what it
/// returns for [`Backend::location`].
pub async fn open_session<B: Backend + ?Sized>(
    backend: &mut B,
    options: &ConnectOptions,
) -> Result<HistoryLocation> {
    if options.history_table.trim().is_empty() {
        return Err(crate::Error::Usage(
            "the history table's name is empty: give a name, or leave the option out for `migrate_history`"
                .into(),
        ));
    }
    if options
        .schema
        .as_deref()
        .is_some_and(|s| s.trim().is_empty())
    {
        return Err(crate::Error::Usage(
            "the schema's name is empty: give a name, or leave --schema out".into(),
        ));
    }
    let dialect = backend.dialect();
    if let Some(schema) = &options.schema {
        if !dialect.capabilities().schemas {
            return Err(crate::Error::Unsupported(format!(
                "--schema is a PostgreSQL option; {} has no schemas (the database in the URL is where the history lives)",
                dialect.name()
            )));
        }
        let sql = dialect.search_path_sql(schema);
        backend
            .execute(&sql)
            .await
            .map_err(|e| e.in_context(format!("`{sql}` failed on {}", backend.target())))?;
    }
    for sql in &options.init_statements {
        backend.execute(sql).await.map_err(|e| {
            e.in_context(format!(
                "init statement `{sql}` failed on {}",
                backend.target()
            ))
        })?;
    }
    let sql = backend.dialect().location_query();
    let rows = backend.query(sql, &[]).await.map_err(|e| {
        e.in_context(format!(
            "cannot read the current database of {}",
            backend.target()
        ))
    })?;
    let row = rows.into_iter().next().unwrap_or_default();
    let Some(database) = row.first().and_then(Value::as_text) else {
        return Err(crate::Error::Usage(format!(
            "{} names no database: name one in the URL",
            backend.target()
        )));
    };
    let current_schema = row.get(1).and_then(Value::as_text);
    Ok(HistoryLocation {
        database: database.to_string(),
        schema: options.schema.clone().or(current_schema.map(String::from)),
        table: options.history_table.clone(),
    })
}

/// Where a connection's history lives, as the backend found it on
/// connecting. The core names its tables and the lock from it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HistoryLocation {
    /// The database: its name on a server, its file's path for an engine
    /// whose database is a file, empty for a private in-memory database.
    pub database: String,
    /// The schema that holds the history table: the one asked for, or the
    /// one unqualified names go to; `None` on engines without schemas.
    pub schema: Option<String>,
    /// The history table's name (unquoted).
    pub table: String,
}

impl HistoryLocation {
    /// The location a backend reports on engines without schemas.
    pub fn new(database: impl Into<String>, table: impl Into<String>) -> Self {
        HistoryLocation {
            database: database.into(),
            schema: None,
            table: table.into(),
        }
    }
}

/// One statement of a [`Backend::run_batch`].
#[derive(Debug, Clone, PartialEq)]
pub struct BatchItem {
    /// The SQL text.
    pub sql: String,
    /// `None`: run as [`Backend::execute`] runs a statement (it may be a
    /// script the engine accepts as one). `Some`: a query with positional
    /// parameters, run as [`Backend::query`] runs it.
    pub params: Option<Vec<Value>>,
}

impl BatchItem {
    /// A statement without parameters.
    pub fn statement(sql: impl Into<String>) -> BatchItem {
        BatchItem {
            sql: sql.into(),
            params: None,
        }
    }

    /// A query with positional parameters.
    pub fn query(sql: impl Into<String>, params: Vec<Value>) -> BatchItem {
        BatchItem {
            sql: sql.into(),
            params: Some(params),
        }
    }
}

/// Runs a batch one item after the other with [`Backend::execute`] and
/// [`Backend::query`]: what [`Backend::run_batch`] does by default, for a
/// backend that speeds up only some batches.
pub async fn run_each<B: Backend + ?Sized>(
    backend: &mut B,
    items: &[BatchItem],
) -> std::result::Result<(), (usize, crate::Error)> {
    for (i, item) in items.iter().enumerate() {
        let done = match &item.params {
            None => backend.execute(&item.sql).await,
            Some(params) => backend.query(&item.sql, params).await.map(drop),
        };
        done.map_err(|e| (i, e))?;
    }
    Ok(())
}

/// A live connection to one database, used by one run of the tool.
///
/// Five methods are required: what the engine is ([`Backend::dialect`]),
/// where it is ([`Backend::target`], [`Backend::location`]), and two ways
/// to run SQL ([`Backend::execute`], [`Backend::query`]). The others have
/// defaults that are right for the engines the core knows: the lock is
/// taken with the dialect's SQL on the migration connection, probes,
/// captures and inspection use the engine's catalog queries
/// ([`crate::engines`]). An engine that locks otherwise (SQLite locks a
/// file) overrides [`Backend::try_lock`] and [`Backend::release_lock`].
/// See the module documentation for the invariants.
#[async_trait]
pub trait Backend: Send {
    /// Static facts about this engine.
    fn dialect(&self) -> &dyn Dialect;

    /// The database this backend is connected to, for messages: a URL or
    /// path with any password removed.
    fn target(&self) -> String;

    /// Where the history lives ([`HistoryLocation`]).
    fn location(&self) -> &HistoryLocation;

    /// Runs one statement (or a client-side script the engine accepts as
    /// one), discarding any rows it returns.
    async fn execute(&mut self, sql: &str) -> Result<()>;

    /// Runs a query with positional parameters (written with
    /// [`Dialect::placeholder`]) and returns every row, each column as a
    /// [`Value`]: integers and booleans as [`Value::Int`], text as
    /// [`Value::Text`], NULL as [`Value::Null`].
    async fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Vec<Value>>>;

    /// Tries once to take the lock `id` names ([`crate::lock`]), without
    /// waiting: `true` when this backend now holds it (or already did),
    /// `false` when someone else does. The core polls. The default runs
    /// [`Dialect::try_lock_query`] on the migration connection, so that the
    /// lock lives and dies with it: it cannot be lost while the migration
    /// goes on, and a server still running a killed client's statement
    /// still holds it. An engine without server locks overrides this.
    async fn try_lock(&mut self, id: &LockId) -> Result<bool> {
        crate::lock::try_lock_by_query(self, id).await
    }

    /// Releases the lock (no error when it is not held). The default runs
    /// [`Dialect::release_lock_query`].
    async fn release_lock(&mut self, id: &LockId) -> Result<()> {
        crate::lock::release_by_query(self, id).await
    }

    /// Who holds the lock, for the message of a run that gave up waiting.
    /// The default asks the catalog of the engine, when the core knows it
    /// ([`crate::engines::lock_holder`]).
    async fn lock_holder(&mut self, id: &LockId) -> Option<String> {
        crate::engines::lock_holder(self, id).await
    }

    /// Ends the server session that holds the lock `id`, when it is not
    /// this one: a killed run whose statement the server still executes
    /// (`migrate repair --cancel-running`). `Ok(Some(who))` names what was
    /// ended; `Ok(None)` when no other session holds it. The default uses
    /// the catalog of the engine, when the core knows it
    /// ([`crate::engines::end_lock_holder`]).
    async fn end_lock_holder(&mut self, id: &LockId) -> Result<Option<String>> {
        crate::engines::end_lock_holder(self, id).await
    }

    /// Runs `items` in order, discarding rows, and stops at the first that
    /// fails, returning its position (0-based) with the error. The core
    /// sends the statements of one migration's transaction this way, and a
    /// journal write with the statement it announces, so that a backend
    /// paying a fixed cost per call (a hop to another thread, a network
    /// round trip) pays it once.
    ///
    /// With `in_transaction`, every item runs inside one transaction block
    /// (the first item may be its `BEGIN`, the last its `COMMIT`): the
    /// engine refuses every statement after a failed one, so a backend may
    /// send all the items before reading a reply (PostgreSQL pipelines
    /// them). Without it, the backend must not let an item run after one
    /// that failed. The default runs each item with [`Backend::execute`] or
    /// [`Backend::query`], one after the other.
    async fn run_batch(
        &mut self,
        items: &[BatchItem],
        in_transaction: bool,
    ) -> std::result::Result<(), (usize, crate::Error)> {
        let _ = in_transaction;
        run_each(self, items).await
    }

    /// Opens a transaction: sends [`Dialect::begin_statement`].
    async fn begin(&mut self) -> Result<()> {
        let sql = self.dialect().begin_statement();
        self.execute(sql).await
    }

    /// Commits the open transaction.
    async fn commit(&mut self) -> Result<()> {
        self.execute("COMMIT").await
    }

    /// Rolls the open transaction back. Must succeed when the engine has
    /// already ended the transaction.
    async fn rollback(&mut self) -> Result<()> {
        self.execute("ROLLBACK").await
    }

    /// Reads the definition a destructive statement is about to replace or
    /// drop, and builds what restores it ([`crate::journal::Restore`]);
    /// `Err` says why it could not. Called by the core, before the statement
    /// runs, for statements whose inverse their text alone cannot give. The
    /// default uses the catalog queries of the engine, when the core knows
    /// it ([`crate::engines::capture`]).
    async fn capture(
        &mut self,
        capture: &Capture,
        statement: &str,
    ) -> std::result::Result<Restore, String> {
        crate::engines::capture(self, capture, statement).await
    }

    /// Looks at the database to answer a probe: `Some(true)` when the
    /// object exists, `Some(false)` when it does not, `None` when this
    /// engine cannot tell. The default uses the catalog queries of the
    /// engine, when the core knows it ([`crate::engines::probe`]).
    async fn probe(&mut self, probe: &Probe) -> Result<Option<bool>> {
        crate::engines::probe(self, probe).await
    }

    /// Reads the schema of the database (on PostgreSQL, of the current
    /// schema) as the engine-neutral model of [`crate::schema`], leaving
    /// out the history and audit-log tables this connection names. The
    /// default uses the catalog queries of the engine, when the core knows
    /// it ([`crate::engines::inspect`]), and fails with
    /// [`crate::Error::Unsupported`] otherwise.
    async fn inspect(&mut self) -> Result<crate::schema::Schema> {
        crate::engines::inspect(self).await
    }

    /// Reads only `tables` ([`crate::schema::Scope::Tables`] says how names
    /// compare) and their triggers, as
    /// [`Backend::inspect`] would read them; no views, no sequences. What
    /// `migrate check`'s proof reads around each migration, so that the
    /// proof does not grow with the square of the number of migrations.
    /// The default filters the engine's catalog queries by name, or cuts
    /// [`Backend::inspect`]'s schema down for an engine the core does not
    /// know.
    async fn inspect_tables(&mut self, tables: &[String]) -> Result<crate::schema::Schema> {
        crate::engines::inspect_tables(self, tables).await
    }

    /// Checks, before anything of a run changes the database, that
    /// [`Backend::online_alter`] can run `tool` here: the engine supports
    /// it and the program is installed (the error says how to install it).
    /// The default refuses: only the MySQL driver runs online tools.
    async fn online_ready(&mut self, tool: crate::online::OnlineTool) -> Result<()> {
        Err(crate::online::unsupported(self.dialect().name(), tool))
    }

    /// Runs one `ALTER TABLE` of an `online=` section through `tool`
    /// ([`crate::online`]), on the database of this connection unless the
    /// statement names another, and returns once the table is altered. The
    /// credentials reach the tool without appearing on its command line or
    /// in any message. The core journals it like any statement, before and
    /// after. The default refuses, as [`Backend::online_ready`] does.
    async fn online_alter(
        &mut self,
        tool: crate::online::OnlineTool,
        alter: &crate::online::OnlineAlter,
    ) -> Result<()> {
        let _ = alter;
        Err(crate::online::unsupported(self.dialect().name(), tool))
    }

    /// Closes the connection, releasing the lock if it is held; the
    /// default just drops it.
    async fn close(self: Box<Self>) -> Result<()> {
        Ok(())
    }
}

/// What the core does with every backend, written once: the history and
/// the audit log, the lock protocol and the journal. Implemented for every
/// [`Backend`]; there is nothing to implement.
#[async_trait]
pub trait BackendExt: Backend {
    /// Creates the history table and the audit log table (and, with
    /// `--schema`, their schema) when they do not exist yet.
    async fn ensure_history(&mut self) -> Result<()> {
        crate::store::ensure(self).await
    }

    /// Reads every history row in one query. A missing history table means
    /// an empty history, not an error, and is not created.
    async fn load_history(&mut self) -> Result<Vec<HistoryRecord>> {
        crate::store::load_history(self).await
    }

    /// Inserts the row of `record`'s migration, or replaces it.
    async fn write_record(&mut self, record: &HistoryRecord) -> Result<()> {
        crate::store::write_record(self, record).await
    }

    /// Deletes the row of one migration (no error when there is none).
    async fn delete_record(&mut self, app: &str, name: &str) -> Result<()> {
        crate::store::delete_record(self, app, name).await
    }

    /// Appends an entry to the audit log.
    async fn append_log(&mut self, entry: &LogEntry) -> Result<()> {
        crate::store::append_log(self, entry).await
    }

    /// Reads the whole audit log, oldest first, in one query. A missing
    /// log table means an empty log, not an error.
    async fn load_log(&mut self) -> Result<Vec<LogEntry>> {
        crate::store::load_log(self).await
    }

    /// Takes the migration lock of this connection's history, waiting at
    /// most `timeout`; fails with [`crate::Error::LockTimeout`].
    async fn lock(&mut self, timeout: Duration) -> Result<()> {
        crate::lock::acquire(self, timeout).await
    }

    /// Releases the migration lock (no error when it is not held).
    async fn unlock(&mut self) -> Result<()> {
        let id = crate::lock::LockId::of(self.location());
        self.release_lock(&id).await
    }

    /// The journal entry of a statement about to run in a journaled
    /// migration: what undoes it and how to tell whether it took effect.
    async fn journal_entry(&mut self, sql: &str) -> Result<JournalEntry> {
        Ok(crate::journal::entry(self, sql).await)
    }
}

impl<B: Backend + ?Sized> BackendExt for B {}

/// How long to wait for the migration lock unless told otherwise.
pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(60);
