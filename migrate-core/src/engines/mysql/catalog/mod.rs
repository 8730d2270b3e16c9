//! What MySQL and MariaDB say about their own objects, asked through
//! [`Backend::query`] so that every backend of the engine shares it: probes
//! of the statement journal answered from `information_schema`, the
//! inverses of destructive statements built from `SHOW CREATE TABLE` /
//! `SHOW CREATE VIEW` read before the statement runs, and who holds the
//! migration lock.

mod create_table;
#[cfg(test)]
mod tests;

use crate::backend::Backend;
use crate::error::{Error, Result};
use crate::history::Value;
use crate::journal::{Capture, Probe, Restore};
use crate::lock::LockId;

use create_table::{
    in_unique_key, parse_create_table, q, readd_column, readd_index, rechange_column,
};

/// `ER_NO_SUCH_TABLE`: Table '%s.%s' doesn't exist.
const NO_SUCH_TABLE: u16 = 1146;

/// `ER_WRONG_OBJECT`: '%s.%s' is not VIEW (SHOW CREATE VIEW of a table).
const WRONG_OBJECT: u16 = 1347;

/// Whether `e` is the server's error number `code`. Backends of MySQL
/// report a server's error as its own client prints it, `ERROR 1146
/// (42S02): ...`, which is all that reaches us through [`Backend::query`].
fn is_server_error(e: &Error, code: u16) -> bool {
    matches!(e, Error::Database { message, .. } if message.starts_with(&format!("ERROR {code} (")))
}

/// The driver's message of a failed query, without the context the
/// backend put around it (its URL), for messages that give their own.
fn message(e: &Error) -> String {
    match e {
        Error::Database { message, .. } => message.clone(),
        other => other.to_string(),
    }
}

/// A text column's value; `None` for NULL.
fn text(value: Value) -> Option<String> {
    match value {
        Value::Text(s) => Some(s),
        Value::Int(n) => Some(n.to_string()),
        Value::Null => None,
    }
}

/// Whether the object a probe names exists now, in the connection's database.
pub async fn probe<B: Backend + ?Sized>(backend: &mut B, probe: &Probe) -> Result<Option<bool>> {
    const IN_DB: &str = "TABLE_SCHEMA = DATABASE()";
    let (sql, params): (String, Vec<&str>) = match probe {
        Probe::Table { name, .. } => (
            format!(
                "SELECT COUNT(*) FROM information_schema.TABLES \
                 WHERE {IN_DB} AND TABLE_NAME = ? AND TABLE_TYPE <> 'VIEW'"
            ),
            vec![name],
        ),
        Probe::Column { table, column, .. } => (
            format!(
                "SELECT COUNT(*) FROM information_schema.COLUMNS \
                 WHERE {IN_DB} AND TABLE_NAME = ? AND COLUMN_NAME = ?"
            ),
            vec![table, column],
        ),
        Probe::Index {
            table: Some(table),
            name,
            ..
        } => (
            format!(
                "SELECT COUNT(*) FROM information_schema.STATISTICS \
                 WHERE {IN_DB} AND TABLE_NAME = ? AND INDEX_NAME = ?"
            ),
            vec![table, name],
        ),
        Probe::Index {
            table: None, name, ..
        } => (
            format!(
                "SELECT COUNT(*) FROM information_schema.STATISTICS \
                 WHERE {IN_DB} AND INDEX_NAME = ?"
            ),
            vec![name],
        ),
        Probe::View { name, .. } => (
            format!(
                "SELECT COUNT(*) FROM information_schema.VIEWS WHERE {IN_DB} AND TABLE_NAME = ?"
            ),
            vec![name],
        ),
        Probe::Constraint { table, name, .. } => (
            format!(
                "SELECT COUNT(*) FROM information_schema.TABLE_CONSTRAINTS \
                 WHERE {IN_DB} AND TABLE_NAME = ? AND CONSTRAINT_NAME = ?"
            ),
            vec![table, name],
        ),
    };
    let params: Vec<Value> = params.into_iter().map(Value::from).collect();
    let rows = backend
        .query(&sql, &params)
        .await
        .map_err(|e| e.in_context("cannot look for the object"))?;
    let count = rows
        .first()
        .and_then(|row| row.first())
        .and_then(Value::as_int);
    Ok(Some(count.unwrap_or(0) > 0))
}

/// Reads what `capture` names and builds its inverse; `Err` says what
/// could not be read. `statement`, the statement about to run, is not
/// needed: what `capture` names is enough on MySQL.
pub async fn capture<B: Backend + ?Sized>(
    backend: &mut B,
    capture: &Capture,
    statement: &str,
) -> std::result::Result<Restore, String> {
    let _ = statement;
    #[allow(unreachable_patterns)]
    match capture {
        Capture::Table { table } => {
            let Some(ddl) = show_create_table(backend, table).await? else {
                return Ok(Restore::nothing());
            };
            Ok(Restore::lossy(
                vec![ddl],
                format!("the rows of {table} cannot come back"),
            ))
        }
        Capture::Column {
            table,
            column,
            renamed_to,
            dropped,
        } => {
            let Some(ddl) = show_create_table(backend, table).await? else {
                return Ok(Restore::nothing());
            };
            let parts = parse_create_table(&ddl);
            let restored = if *dropped {
                readd_column(table, column, &ddl, &parts).map(|sql| {
                    let mut note = format!("the values of {table}.{column} cannot come back");
                    if in_unique_key(column, &parts) {
                        note.push_str(
                            "; its unique keys come back only where its rows get distinct values",
                        );
                    }
                    Restore::lossy(vec![sql], note)
                })
            } else {
                let current = renamed_to.as_deref().unwrap_or(column);
                rechange_column(table, column, current, &parts).map(|sql| {
                    Restore::lossy(
                        vec![sql],
                        "values converted by the change may not convert back exactly",
                    )
                })
            };
            Ok(restored.unwrap_or_else(Restore::nothing))
        }
        Capture::Index { table, name } => {
            let table = match table {
                Some(table) => table.clone(),
                None => match index_table(backend, name).await? {
                    Some(table) => table,
                    None => return Ok(Restore::nothing()),
                },
            };
            let Some(ddl) = show_create_table(backend, &table).await? else {
                return Ok(Restore::nothing());
            };
            Ok(readd_index(&table, name, &parse_create_table(&ddl))
                .map(|sql| Restore {
                    inverse: vec![sql],
                    ..Restore::default()
                })
                .unwrap_or_else(Restore::nothing))
        }
        Capture::View { name } => {
            let Some(ddl) = show_create_view(backend, name).await? else {
                return Ok(Restore::nothing());
            };
            Ok(Restore {
                inverse: vec![ddl],
                ..Restore::default()
            })
        }
        _ => Err("this engine cannot capture that definition".into()),
    }
}

/// `SHOW CREATE TABLE`, or `None` when there is no such table.
async fn show_create_table<B: Backend + ?Sized>(
    backend: &mut B,
    table: &str,
) -> std::result::Result<Option<String>, String> {
    let cannot = |why: String| format!("cannot read the definition of {table}: {why}");
    let rows = match backend
        .query(&format!("SHOW CREATE TABLE {}", q(table)), &[])
        .await
    {
        Ok(rows) => rows,
        Err(e) if is_server_error(&e, NO_SUCH_TABLE) => Vec::new(),
        Err(e) => return Err(cannot(message(&e))),
    };
    let Some(row) = rows.into_iter().next() else {
        return missing(table);
    };
    // A view answers with `View`, `Create View`, `character_set_client`
    // and `collation_connection`, a table with `Table` and `Create Table`:
    // four columns mean no table of that name.
    if row.len() == 4 {
        return Ok(None);
    }
    match row.into_iter().nth(1) {
        Some(Value::Text(ddl)) => Ok(Some(ddl)),
        _ => Err(cannot("unreadable answer to SHOW CREATE TABLE".into())),
    }
}

/// `SHOW CREATE VIEW`, or `None` when there is no such view.
async fn show_create_view<B: Backend + ?Sized>(
    backend: &mut B,
    view: &str,
) -> std::result::Result<Option<String>, String> {
    let cannot = |why: String| format!("cannot read the definition of {view}: {why}");
    let rows = match backend
        .query(&format!("SHOW CREATE VIEW {}", q(view)), &[])
        .await
    {
        Ok(rows) => rows,
        Err(e) if is_server_error(&e, NO_SUCH_TABLE) || is_server_error(&e, WRONG_OBJECT) => {
            Vec::new()
        }
        Err(e) => return Err(cannot(message(&e))),
    };
    let Some(row) = rows.into_iter().next() else {
        return missing(view);
    };
    match row.into_iter().nth(1) {
        Some(Value::Text(ddl)) => Ok(Some(ddl)),
        _ => Err(cannot("unreadable answer to SHOW CREATE VIEW".into())),
    }
}

/// A missing object: nothing to undo, unless the name looks qualified
/// (`db.t`), which is read as one name here, so its absence proves nothing.
fn missing<T>(name: &str) -> std::result::Result<Option<T>, String> {
    if name.contains('.') {
        Err(format!(
            "cannot read the definition of {name}: names qualified by a database are not captured"
        ))
    } else {
        Ok(None)
    }
}

/// The one table of the current database that has an index `name`.
async fn index_table<B: Backend + ?Sized>(
    backend: &mut B,
    name: &str,
) -> std::result::Result<Option<String>, String> {
    let rows = backend
        .query(
            "SELECT DISTINCT TABLE_NAME FROM information_schema.STATISTICS \
             WHERE TABLE_SCHEMA = DATABASE() AND INDEX_NAME = ?",
            &[Value::from(name)],
        )
        .await
        .map_err(|e| format!("cannot look for the index {name}: {}", message(&e)))?;
    let tables: Vec<String> = rows
        .into_iter()
        .filter_map(|row| row.into_iter().next().and_then(text))
        .collect();
    match tables.as_slice() {
        [] => Ok(None),
        [table] => Ok(Some(table.clone())),
        _ => Err(format!(
            "the index {name} exists on several tables ({}) and the statement names none",
            tables.join(", ")
        )),
    }
}

/// `USER`, `HOST`, `COMMAND` and `TIME` of a `PROCESSLIST` row.
type Process = (Option<String>, Option<String>, Option<String>, Option<i64>);

/// Who holds the named lock `id.name` (`GET_LOCK`), for the timeout
/// message: the connection and, when this account may see it, its user,
/// host and how long it has been idle. `None` when the lock was released in
/// the meantime or nothing can be read.
pub async fn lock_holder<B: Backend + ?Sized>(backend: &mut B, id: &LockId) -> Option<String> {
    let rows = backend
        .query("SELECT IS_USED_LOCK(?)", &[Value::from(id.name.as_str())])
        .await
        .ok()?;
    let connection = rows.first()?.first()?.as_int()?;
    let process: Option<Process> = backend
        .query(
            "SELECT USER, HOST, COMMAND, TIME FROM information_schema.PROCESSLIST WHERE ID = ?",
            &[Value::Int(connection)],
        )
        .await
        .ok()
        .and_then(|rows| rows.into_iter().next())
        .map(|row| {
            let mut columns = row.into_iter();
            let user = columns.next().and_then(text);
            let host = columns.next().and_then(text);
            let command = columns.next().and_then(text);
            let time = columns.next().and_then(|time| time.as_int());
            (user, host, command, time)
        });
    Some(describe(connection, process))
}

/// Ends the connection that holds the lock `id` (not this one), for
/// `migrate repair --cancel-running`: its statement stops and the lock
/// goes with the connection. `Ok(None)`: no other connection holds it.
pub async fn end_lock_holder<B: Backend + ?Sized>(
    backend: &mut B,
    id: &LockId,
) -> Result<Option<String>> {
    let rows = backend
        .query(
            "SELECT IS_USED_LOCK(?), CONNECTION_ID()",
            &[Value::from(id.name.as_str())],
        )
        .await?;
    let row = rows.into_iter().next().unwrap_or_default();
    let (Some(holder), Some(me)) = (
        row.first().and_then(Value::as_int),
        row.get(1).and_then(Value::as_int),
    ) else {
        return Ok(None);
    };
    if holder == me {
        return Ok(None);
    }
    let described = lock_holder(backend, id).await;
    // KILL takes no placeholder; the id is an integer the server gave.
    backend
        .execute(&format!("KILL CONNECTION {holder}"))
        .await?;
    Ok(Some(
        described.unwrap_or_else(|| format!("connection {holder}")),
    ))
}

fn describe(id: i64, process: Option<Process>) -> String {
    let Some((user, host, command, time)) = process else {
        // Without the PROCESS privilege only one's own connections show.
        return format!("connection {id}");
    };
    let mut text = format!("connection {id}");
    if let Some(user) = user {
        text.push_str(&format!(" of {user}"));
        if let Some(host) = host.filter(|h| !h.is_empty()) {
            text.push_str(&format!("@{host}"));
        }
    }
    if let Some(time) = time {
        match command.as_deref() {
            Some("Sleep") | None => text.push_str(&format!(", idle for {time}s")),
            Some(command) => text.push_str(&format!(", busy ({command}) for {time}s")),
        }
    }
    text
}
