//! What PostgreSQL's catalog tells the core: probes of the statement
//! journal, the inverses of destructive statements rebuilt from the catalog
//! (`pg_get_indexdef`, `pg_get_viewdef`, `pg_get_constraintdef`,
//! `format_type`, ...) before the statement runs, and who holds the
//! migration lock. Written against [`Backend::query`] alone, so that every
//! backend of PostgreSQL answers the same.
//!
//! Names are resolved the way the statement resolves them: by the search
//! path (`to_regclass`), and written back as `regclass` prints them, so
//! that a restored object lands in the schema it was in.
//!
//! A dropped table is rebuilt when it uses only what can be rebuilt from
//! the catalog: columns (types, collations, defaults, identity, generated
//! expressions, owned sequences), constraints, indexes, triggers and
//! comments. Partitioned, inherited, typed and temporary tables, and tables
//! with row security or rules, get no inverse and a note saying why.
//!
//! The queries speak in the few types every backend binds and reads
//! ([`Value`]): a parameter that is not text is cast in SQL from an integer
//! (`$1::int8::oid`), or from text when it may be NULL (`$2::text::int2`),
//! since a backend may bind NULL as text whatever the parameter's type;
//! results that are neither integers, booleans nor text are cast to `text`.

mod ddl;
mod restore;

use crate::backend::Backend;
use crate::error::{Error, Result};
use crate::history::Value;
use crate::journal::{Capture, Probe, Restore};
use crate::lock::LockId;

/// The oid of the relation named by the text parameter `$1` as a statement
/// names it (unquoted; `schema.name` when that is how it is found), by the
/// search path; NULL when there is none.
const RESOLVE: &str = "COALESCE(to_regclass(quote_ident($1)), CASE WHEN strpos($1, '.') > 0 \
     THEN to_regclass(quote_ident(split_part($1, '.', 1)) || '.' \
     || quote_ident(substr($1, strpos($1, '.') + 1))) END)";

/// Whether the object a probe names exists now, by the search path.
pub async fn probe<B: Backend + ?Sized>(backend: &mut B, probe: &Probe) -> Result<Option<bool>> {
    let relation = |kinds: &str| {
        format!(
            "SELECT EXISTS (SELECT 1 FROM pg_class WHERE oid = {RESOLVE} AND relkind IN ({kinds}))"
        )
    };
    let (sql, params): (String, Vec<&str>) = match probe {
        Probe::Table { name, .. } => (relation("'r', 'p', 'f'"), vec![name]),
        Probe::View { name, .. } => (relation("'v', 'm'"), vec![name]),
        // Index names belong to a schema, not to a table.
        Probe::Index { name, .. } => (relation("'i', 'I'"), vec![name]),
        Probe::Column { table, column, .. } => (
            format!(
                "SELECT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = {RESOLVE} \
                 AND attname = $2::text AND attnum > 0 AND NOT attisdropped)"
            ),
            vec![table, column],
        ),
        Probe::Constraint { table, name, .. } => (
            format!(
                "SELECT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = {RESOLVE} \
                 AND conname = $2::text)"
            ),
            vec![table, name],
        ),
    };
    let params: Vec<Value> = params.into_iter().map(Value::from).collect();
    const WHAT: &str = "cannot look for the object";
    let rows = backend
        .query(&sql, &params)
        .await
        .map_err(|e| e.in_context(WHAT))?;
    match rows.first().and_then(|row| row.first()) {
        Some(exists) => Ok(Some(exists.is_true())),
        None => Err(Error::database(
            WHAT,
            "query returned an unexpected number of rows",
        )),
    }
}

/// Reads what `capture` names and builds what restores it, before
/// `statement` runs; `Err` says what could not be read or rebuilt.
pub async fn capture<B: Backend + ?Sized>(
    backend: &mut B,
    capture: &Capture,
    statement: &str,
) -> std::result::Result<Restore, String> {
    Catalog { backend }
        .restore(capture, ddl::changes_type(statement))
        .await
}

/// Who holds advisory lock `id.key`, from `pg_locks` and
/// `pg_stat_activity`; `None` when nobody does or it cannot be read. The
/// holder's lock connection ran nothing since it got the lock, so its last
/// query's start is when it took it.
pub async fn lock_holder<B: Backend + ?Sized>(backend: &mut B, id: &LockId) -> Option<String> {
    // An advisory lock on a 64-bit key is listed as two 32-bit halves.
    let bits = id.key as u64;
    let (high, low) = ((bits >> 32) as i64, (bits & 0xffff_ffff) as i64);
    let sql = "SELECT a.pid, a.application_name, a.usename::text, host(a.client_addr), \
               a.client_hostname, a.client_port, \
               to_char(coalesce(a.query_start, a.backend_start) AT TIME ZONE 'UTC', \
                       'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), \
               extract(epoch FROM now() - coalesce(a.query_start, a.backend_start))::bigint \
               FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
               WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 \
               AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
               AND l.classid::bigint = $1::int8 AND l.objid::bigint = $2::int8 \
               LIMIT 1";
    let rows = match backend.query(sql, &[high.into(), low.into()]).await {
        Ok(rows) => rows,
        Err(e) => {
            tracing::debug!(
                "cannot tell who holds the migration lock: {}",
                engine_message(&e)
            );
            return None;
        }
    };
    let row = Row(rows.into_iter().next()?);
    let pid = row.opt_int(0)?;
    let application = row.opt_text(1);
    let user = row.opt_text(2);
    let address = row.opt_text(3);
    let host_name = row.opt_text(4);
    let port = row.opt_int(5);
    let since = row.opt_text(6);
    let seconds = row.opt_int(7);

    let mut parts = Vec::new();
    if let Some(app) = application.filter(|a| !a.is_empty()) {
        parts.push(format!("application {app:?}"));
    }
    if let Some(user) = user {
        parts.push(format!("user {user}"));
    }
    match (host_name.or(address), port) {
        (Some(host), Some(port)) if port > 0 => parts.push(format!("from {host}:{port}")),
        (Some(host), _) => parts.push(format!("from {host}")),
        (None, Some(-1)) => parts.push("over a Unix socket".to_string()),
        _ => {}
    }
    if let Some(since) = since {
        match seconds {
            Some(s) => parts.push(format!("since {since}, {s}s ago")),
            None => parts.push(format!("since {since}")),
        }
    }
    Some(if parts.is_empty() {
        format!("server process {pid}")
    } else {
        format!("server process {pid}: {}", parts.join(", "))
    })
}

/// Ends the server session that holds the lock `id` (not this one), for
/// `migrate repair --cancel-running`: its statement stops, its transaction
/// rolls back, and the lock goes with it. `Ok(None)`: no other session
/// holds it.
pub async fn end_lock_holder<B: Backend + ?Sized>(
    backend: &mut B,
    id: &LockId,
) -> Result<Option<String>> {
    let Some(holder) = lock_holder(backend, id).await else {
        return Ok(None);
    };
    let bits = id.key as u64;
    let (high, low) = ((bits >> 32) as i64, (bits & 0xffff_ffff) as i64);
    let sql = "SELECT pg_terminate_backend(l.pid) FROM pg_locks l \
               WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 \
               AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
               AND l.classid::bigint = $1::int8 AND l.objid::bigint = $2::int8 \
               AND l.pid <> pg_backend_pid()";
    let rows = backend.query(sql, &[high.into(), low.into()]).await?;
    Ok((!rows.is_empty()).then_some(holder))
}

/// What a capture gives: the value, or why it could not be had (the
/// journal's note).
type Captured<T> = std::result::Result<T, String>;

/// The engine's own words for an error: the driver's message of a
/// [`Error::Database`], without the context the backend gave it.
fn engine_message(e: &Error) -> String {
    match e {
        Error::Database { message, .. } => message.clone(),
        other => other.to_string(),
    }
}

/// Queries on the catalog, failing with a message for the journal's note.
struct Catalog<'a, B: ?Sized> {
    backend: &'a mut B,
}

impl<B: Backend + ?Sized> Catalog<'_, B> {
    async fn rows(&mut self, what: &str, sql: &str, params: &[Value]) -> Captured<Vec<Row>> {
        match self.backend.query(sql, params).await {
            Ok(rows) => Ok(rows.into_iter().map(Row).collect()),
            Err(e) => Err(format!("cannot read {what}: {}", engine_message(&e))),
        }
    }

    /// The first column of every row, as text.
    async fn texts(&mut self, what: &str, sql: &str, params: &[Value]) -> Captured<Vec<String>> {
        let rows = self.rows(what, sql, params).await?;
        Ok(rows.iter().filter_map(|r| r.opt_text(0)).collect())
    }
}

/// One row of a catalog query, read by column.
struct Row(Vec<Value>);

impl Row {
    fn value(&self, i: usize) -> &Value {
        self.0.get(i).unwrap_or(&Value::Null)
    }

    /// Column `i` as text; `None` when it is NULL.
    fn opt_text(&self, i: usize) -> Option<String> {
        self.value(i).as_text().map(str::to_string)
    }

    /// Column `i` as an integer; `None` when it is NULL.
    fn opt_int(&self, i: usize) -> Option<i64> {
        self.value(i).as_int()
    }

    /// Column `i`, a boolean.
    fn flag(&self, i: usize) -> bool {
        self.value(i).is_true()
    }

    /// Column `i`, text that the query never leaves NULL.
    fn text(&self, i: usize) -> Captured<String> {
        self.opt_text(i).ok_or_else(|| self.unexpected(i))
    }

    /// Column `i`, an integer that the query never leaves NULL.
    fn int(&self, i: usize) -> Captured<i64> {
        self.opt_int(i).ok_or_else(|| self.unexpected(i))
    }

    fn unexpected(&self, i: usize) -> String {
        format!(
            "the catalog answered {:?} in column {} where a value was expected",
            self.value(i),
            i + 1
        )
    }
}
