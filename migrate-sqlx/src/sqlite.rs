//! SQLite through sqlx: values moved between sqlx and the core, a foreign
//! key check's rows as an error, and the connection left as it was found.

use migrate_core::engines::sqlite;
use migrate_core::{Result, Value};
use sqlx::sqlite::SqliteRow;
use sqlx::{AssertSqlSafe, Row, SqliteConnection, TypeInfo, ValueRef};

use crate::driver_error;

/// Whether foreign keys are on, to set them back on close.
pub(crate) async fn foreign_keys(c: &mut SqliteConnection) -> Result<bool> {
    let rows = query(c, "PRAGMA foreign_keys", &[]).await?;
    Ok(rows
        .first()
        .and_then(|r| r.first())
        .is_some_and(Value::is_true))
}

pub(crate) async fn execute(c: &mut SqliteConnection, sql: &str) -> Result<()> {
    if !sqlite::is_foreign_key_check(sql) {
        return sqlx::raw_sql(AssertSqlSafe(sql))
            .execute(c)
            .await
            .map(drop)
            .map_err(|e| driver_error("SQLite", e));
    }
    // Violations come back as rows, never as an error.
    let rows = query(c, sql, &[]).await?;
    sqlite::foreign_key_check_result(rows.into_iter().map(|r| {
        let text = |i: usize| {
            r.get(i)
                .and_then(Value::as_text)
                .unwrap_or_default()
                .to_string()
        };
        (text(0), r.get(1).and_then(Value::as_int), text(2))
    }))
}

pub(crate) async fn query(
    c: &mut SqliteConnection,
    sql: &str,
    params: &[Value],
) -> Result<Vec<Vec<Value>>> {
    let q = params
        .iter()
        .fold(sqlx::query(AssertSqlSafe(sql.to_string())), crate::bind);
    let rows = q
        .fetch_all(c)
        .await
        .map_err(|e| driver_error("SQLite", e))?;
    rows.iter().map(read).collect()
}

/// A row's values by their storage class, as SQLite keeps them.
fn read(row: &SqliteRow) -> Result<Vec<Value>> {
    (0..row.len())
        .map(|i| {
            let raw = row.try_get_raw(i).map_err(|e| driver_error("SQLite", e))?;
            if raw.is_null() {
                return Ok(Value::Null);
            }
            let got = match raw.type_info().name() {
                "INTEGER" | "BOOLEAN" => row.try_get_unchecked::<i64, _>(i).map(Value::Int),
                "BLOB" => row
                    .try_get_unchecked::<Vec<u8>, _>(i)
                    .map(|b| Value::Text(String::from_utf8_lossy(&b).into_owned())),
                "REAL" => row
                    .try_get_unchecked::<f64, _>(i)
                    .map(|f| Value::Text(f.to_string())),
                _ => row.try_get_unchecked::<String, _>(i).map(Value::Text),
            };
            got.map_err(|e| driver_error("SQLite", e))
        })
        .collect()
}

/// Rolls back the open transaction, if SQLite has not ended it already.
pub(crate) async fn rollback(c: &mut SqliteConnection) -> Result<()> {
    match execute(c, "ROLLBACK").await {
        Err(e) if e.to_string().contains("no transaction is active") => Ok(()),
        other => other,
    }
}

/// Leaves the connection as it was taken: no transaction, foreign keys as
/// they were.
pub(crate) async fn restore(c: &mut SqliteConnection, foreign_keys: bool) -> Result<()> {
    rollback(c).await?;
    let on = if foreign_keys { "ON" } else { "OFF" };
    execute(c, &format!("PRAGMA foreign_keys = {on}")).await
}
