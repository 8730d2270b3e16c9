//! MySQL and MariaDB through sqlx: values moved between sqlx and the core,
//! the server's errors worded as by its client, the named lock.

use migrate_core::{Result, Value};
use sqlx::mysql::{MySqlDatabaseError, MySqlRow};
use sqlx::{AssertSqlSafe, Column, MySqlConnection, Row, TypeInfo, ValueRef};

use crate::driver_error;

/// `ERROR 1050 (42S01): Table 'x' already exists`, as the `mysql` client
/// and the in-tree backend word it.
pub(crate) fn message(e: &MySqlDatabaseError) -> String {
    format!(
        "ERROR {} ({}): {}",
        e.number(),
        e.code().unwrap_or("HY000"),
        e.message()
    )
}

pub(crate) async fn execute(c: &mut MySqlConnection, sql: &str) -> Result<()> {
    sqlx::raw_sql(AssertSqlSafe(sql))
        .execute(c)
        .await
        .map(drop)
        .map_err(|e| driver_error("MySQL", e))
}

pub(crate) async fn query(
    c: &mut MySqlConnection,
    sql: &str,
    params: &[Value],
) -> Result<Vec<Vec<Value>>> {
    let rows = if params.is_empty() {
        // The text protocol: SHOW and other statements that cannot be
        // prepared work too.
        sqlx::raw_sql(AssertSqlSafe(sql)).fetch_all(&mut *c).await
    } else {
        let q = params
            .iter()
            .fold(sqlx::query(AssertSqlSafe(sql.to_string())), crate::bind);
        q.fetch_all(&mut *c).await
    };
    let rows = rows.map_err(|e| driver_error("MySQL", e))?;
    rows.iter().map(read).collect()
}

/// A row's columns as plain values, by their types.
fn read(row: &MySqlRow) -> Result<Vec<Value>> {
    (0..row.len())
        .map(|i| {
            let raw = row.try_get_raw(i).map_err(|e| driver_error("MySQL", e))?;
            if raw.is_null() {
                return Ok(Value::Null);
            }
            let ty = row.column(i).type_info().name();
            let got = if ty.contains("INT") {
                row.try_get::<i64, _>(i)
                    .or_else(|_| row.try_get::<u64, _>(i).map(|n| n as i64))
                    .map(Value::Int)
            } else if ty.contains("BLOB") || ty.contains("BINARY") {
                row.try_get::<Vec<u8>, _>(i)
                    .map(|b| Value::Text(String::from_utf8_lossy(&b).into_owned()))
            } else {
                row.try_get_unchecked::<String, _>(i).map(Value::Text)
            };
            got.map_err(|e| driver_error("MySQL", e))
        })
        .collect()
}
