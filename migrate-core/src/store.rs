//! The history and audit-log tables, stored through any [`Backend`]: one set
//! of SQL for every engine, with what varies (placeholders, the upsert,
//! column types, quoting, table options) asked of its [`Dialect`].
//!
//! Reached through [`crate::BackendExt`]; the functions are public so that
//! tools built on the core can use them on a backend they hold generically.

use crate::backend::{Backend, BatchItem, Dialect};
use crate::error::{Error, Result};
use crate::history::{self, Column, HistoryRecord, Value};
use crate::log::{self, LogEntry};

/// The history table, quoted and qualified by its schema when it has one.
pub fn history_table<B: Backend + ?Sized>(backend: &B) -> String {
    let location = backend.location();
    qualified(
        backend.dialect(),
        location.schema.as_deref(),
        &location.table,
    )
}

/// The audit log table, quoted and qualified like the history table.
pub fn log_table<B: Backend + ?Sized>(backend: &B) -> String {
    let location = backend.location();
    qualified(
        backend.dialect(),
        location.schema.as_deref(),
        &log::table_name(&location.table),
    )
}

fn qualified(d: &dyn Dialect, schema: Option<&str>, table: &str) -> String {
    match schema {
        Some(schema) => format!(
            "{}.{}",
            d.quote_identifier(schema),
            d.quote_identifier(table)
        ),
        None => d.quote_identifier(table),
    }
}

/// `INSERT INTO table (columns) VALUES (placeholders)`.
pub fn insert_sql(d: &(impl Dialect + ?Sized), table: &str, columns: &[&str]) -> String {
    let names: Vec<String> = columns.iter().map(|c| d.quote_identifier(c)).collect();
    let params: Vec<String> = (1..=columns.len()).map(|i| d.placeholder(i)).collect();
    format!(
        "INSERT INTO {table} ({}) VALUES ({})",
        names.join(", "),
        params.join(", ")
    )
}

fn names(columns: &[Column]) -> Vec<&'static str> {
    columns.iter().map(|c| c.name).collect()
}

/// Creates whichever of the two tables is missing (and the schema).
/// Looking first spares the server's "already exists" notices and the
/// CREATE privilege once the tables are there.
pub async fn ensure<B: Backend + ?Sized>(backend: &mut B) -> Result<()> {
    let location = backend.location().clone();
    let log_name = log::table_name(&location.table);
    let history_there = exists(backend, &location.table).await?;
    let log_there = exists(backend, &log_name).await?;
    if history_there && log_there {
        return Ok(());
    }
    let mut statements = Vec::new();
    // Created only when missing: creating needs a privilege that using
    // does not.
    if let Some(schema) = location.schema.as_deref()
        && backend.dialect().capabilities().schemas
        && !schema_exists(backend, schema).await?
    {
        let quoted = backend.dialect().quote_identifier(schema);
        statements.push(format!("CREATE SCHEMA IF NOT EXISTS {quoted}"));
    }
    let d = backend.dialect();
    let q = |s: &str| d.quote_identifier(s);
    let types = d.column_types();
    let options = d.table_options();
    if !history_there {
        let sql = history::create_history_sql(&history_table(backend), &q, &types);
        statements.push(sql + options);
    }
    if !log_there {
        let sql = log::create_log_sql(&log_table(backend), &q, &types);
        statements.push(sql + options);
    }
    for sql in statements {
        backend.execute(&sql).await.map_err(|e| {
            e.in_context(format!(
                "cannot create the history tables on {}",
                backend.target()
            ))
        })?;
    }
    Ok(())
}

pub(crate) async fn exists<B: Backend + ?Sized>(backend: &mut B, table: &str) -> Result<bool> {
    let schema = backend.location().schema.clone();
    let (sql, params) = backend
        .dialect()
        .table_exists_query(schema.as_deref(), table);
    let rows = backend.query(&sql, &params).await.map_err(|e| {
        e.in_context(format!(
            "cannot look for the table {table} on {}",
            backend.target()
        ))
    })?;
    Ok(first_is_true(rows))
}

async fn schema_exists<B: Backend + ?Sized>(backend: &mut B, schema: &str) -> Result<bool> {
    let (sql, params) = crate::backend::schema_exists_query(backend.dialect(), schema);
    Ok(first_is_true(backend.query(&sql, &params).await?))
}

fn first_is_true(rows: Vec<Vec<Value>>) -> bool {
    rows.first()
        .and_then(|row| row.first())
        .is_some_and(Value::is_true)
}

/// Reads every row of one of the tables, or none when the table does not
/// exist. A failed read is told apart from a missing table by looking for
/// the table only then, so a present table costs one query.
async fn select_all<B: Backend + ?Sized>(
    backend: &mut B,
    sql: &str,
    table: &str,
    what: &str,
) -> Result<Vec<Vec<Value>>> {
    match backend.query(sql, &[]).await {
        Ok(rows) => Ok(rows),
        Err(e) => {
            if !exists(backend, table).await.unwrap_or(true) {
                return Ok(Vec::new());
            }
            Err(e.in_context(format!("cannot read the {what} on {}", backend.target())))
        }
    }
}

/// Writes a history row and its log entry in one transaction: both, or
/// neither.
pub(crate) async fn write_with_log(
    backend: &mut dyn Backend,
    record: &HistoryRecord,
    entry: &crate::log::LogEntry,
) -> Result<()> {
    use crate::backend::BackendExt;
    backend.begin().await?;
    let written = async {
        backend.write_record(record).await?;
        backend.append_log(entry).await
    }
    .await;
    finish(backend, written).await
}

/// Moves the history row of `old_name` (in `record`'s app) to `record`, and
/// writes its log entry, in one transaction: the row is under one name or
/// the other, never both or neither.
pub(crate) async fn move_with_log(
    backend: &mut dyn Backend,
    old_name: &str,
    record: &HistoryRecord,
    entry: &crate::log::LogEntry,
) -> Result<()> {
    use crate::backend::BackendExt;
    backend.begin().await?;
    let written = async {
        delete_record(&mut *backend, &record.app, old_name).await?;
        backend.write_record(record).await?;
        backend.append_log(entry).await
    }
    .await;
    finish(backend, written).await
}

/// Commits what `written` did, or rolls it back when it failed.
async fn finish(backend: &mut dyn Backend, written: Result<()>) -> Result<()> {
    match written {
        Ok(()) => backend.commit().await,
        Err(e) => {
            let _ = backend.rollback().await;
            Err(e)
        }
    }
}

/// Every history row, in key order.
pub async fn load_history<B: Backend + ?Sized>(backend: &mut B) -> Result<Vec<HistoryRecord>> {
    load_rows(backend, history::Shape::Whole).await
}

/// Every history row, in key order, as [`HistoryRecord::from_summary`]
/// reads it: without the statements and journal, which are most of a
/// row's size and which `status` needs only for a migration whose file
/// changed.
pub async fn load_history_summary<B: Backend + ?Sized>(
    backend: &mut B,
) -> Result<Vec<HistoryRecord>> {
    load_rows(backend, history::Shape::Summary).await
}

/// The history for a reader that looks at more than `first`'s columns
/// (what ran is most of a row's size) only in the rows `needs_whole`
/// picks (given each row and its migration in `source`, if any): read in
/// `first`'s columns, then whole when a row needs it or a squash is
/// present (a squash's row merges its originals'). `true` with the rows
/// when they are whole.
pub(crate) async fn load_history_as_needed<B: Backend + ?Sized>(
    backend: &mut B,
    source: &crate::source::Source,
    first: history::Shape,
    needs_whole: impl Fn(&HistoryRecord, Option<&crate::migration::Migration>) -> bool,
) -> Result<(Vec<HistoryRecord>, bool)> {
    let summary = load_rows(backend, first).await?;
    let squashes = source.has_squashes();
    if squashes
        || summary
            .iter()
            .any(|r| needs_whole(r, source.get_named(&r.app, &r.name)))
    {
        return Ok((load_history(backend).await?, true));
    }
    Ok((summary, false))
}

/// Every history row, in key order, `shape`'s columns of each.
async fn load_rows<B: Backend + ?Sized>(
    backend: &mut B,
    shape: history::Shape,
) -> Result<Vec<HistoryRecord>> {
    let columns = shape.columns();
    let d = backend.dialect();
    let q = |s: &str| d.quote_identifier(s);
    let sql = format!(
        "SELECT {} FROM {} ORDER BY {}, {}",
        history::column_list(columns, &q),
        history_table(backend),
        q("app"),
        q("name")
    );
    let table = backend.location().table.clone();
    let rows = select_all(backend, &sql, &table, "history table").await?;
    // Sized up front: collecting results would grow the list by doubling,
    // and a history of thousands of rows would briefly take twice its size.
    let mut records = Vec::with_capacity(rows.len());
    for values in rows {
        records.push(
            HistoryRecord::read(values, shape)
                .map_err(|e| Error::database("cannot read the history table", e))?,
        );
    }
    Ok(records)
}

/// The statement that inserts or replaces the row of `record`'s migration,
/// for a [`Backend::run_batch`].
pub fn record_item<B: Backend + ?Sized>(backend: &B, record: &HistoryRecord) -> BatchItem {
    let sql = backend.dialect().upsert_sql(
        &history_table(backend),
        &names(&history::COLUMNS),
        &["app", "name"],
    );
    BatchItem::query(sql, record.to_values())
}

/// Inserts or replaces the row of `record`'s migration.
pub async fn write_record<B: Backend + ?Sized>(
    backend: &mut B,
    record: &HistoryRecord,
) -> Result<()> {
    let item = record_item(backend, record);
    run_item(backend, item)
        .await
        .map_err(|e| e.in_context(format!("cannot record {} in the history", record.key())))
}

/// The statement that deletes the row of one migration, for a
/// [`Backend::run_batch`].
pub fn delete_item<B: Backend + ?Sized>(backend: &B, app: &str, name: &str) -> BatchItem {
    let d = backend.dialect();
    let sql = format!(
        "DELETE FROM {} WHERE {} = {} AND {} = {}",
        history_table(backend),
        d.quote_identifier("app"),
        d.placeholder(1),
        d.quote_identifier("name"),
        d.placeholder(2)
    );
    BatchItem::query(sql, vec![Value::from(app), Value::from(name)])
}

/// The statement that sets how many statements of one migration ran,
/// and nothing else of its row: the write that counts a journaled
/// statement, whose row the journal write before it has just written.
/// Narrower than [`record_item`], so each statement's durable commit
/// rewrites a number, not the stored statements and journal.
pub fn count_item<B: Backend + ?Sized>(backend: &B, app: &str, name: &str, done: i64) -> BatchItem {
    let d = backend.dialect();
    let sql = format!(
        "UPDATE {} SET {} = {} WHERE {} = {} AND {} = {}",
        history_table(backend),
        d.quote_identifier("statements_done"),
        d.placeholder(1),
        d.quote_identifier("app"),
        d.placeholder(2),
        d.quote_identifier("name"),
        d.placeholder(3)
    );
    BatchItem::query(
        sql,
        vec![Value::from(done), Value::from(app), Value::from(name)],
    )
}

/// Deletes the row of one migration.
pub async fn delete_record<B: Backend + ?Sized>(
    backend: &mut B,
    app: &str,
    name: &str,
) -> Result<()> {
    let item = delete_item(backend, app, name);
    run_item(backend, item)
        .await
        .map_err(|e| e.in_context(format!("cannot remove {app}:{name} from the history")))
}

/// The statement that appends `entry` to the audit log, for a
/// [`Backend::run_batch`].
pub fn log_item<B: Backend + ?Sized>(backend: &B, entry: &LogEntry) -> BatchItem {
    let sql = insert_sql(
        backend.dialect(),
        &log_table(backend),
        &names(&log::COLUMNS),
    );
    BatchItem::query(sql, entry.to_values())
}

/// Appends an entry to the audit log.
pub async fn append_log<B: Backend + ?Sized>(backend: &mut B, entry: &LogEntry) -> Result<()> {
    let item = log_item(backend, entry);
    run_item(backend, item)
        .await
        .map_err(|e| e.in_context("cannot write the audit log".to_string()))
}

async fn run_item<B: Backend + ?Sized>(backend: &mut B, item: BatchItem) -> Result<()> {
    let params = item.params.unwrap_or_default();
    backend.query(&item.sql, &params).await.map(drop)
}

/// The whole audit log, oldest first.
pub async fn load_log<B: Backend + ?Sized>(backend: &mut B) -> Result<Vec<LogEntry>> {
    let d = backend.dialect();
    let q = |s: &str| d.quote_identifier(s);
    let sql = format!(
        "SELECT {} FROM {} ORDER BY {}",
        history::column_list(&log::COLUMNS, &q),
        log_table(backend),
        q("id")
    );
    let table = log::table_name(&backend.location().table);
    let rows = select_all(backend, &sql, &table, "audit log").await?;
    rows.into_iter()
        .map(|values| {
            LogEntry::from_values(values)
                .map_err(|e| Error::database("cannot read the audit log", e))
        })
        .collect()
}
