//! PostgreSQL through sqlx: values moved between sqlx and the core, the
//! server's errors worded as by the in-tree backend, the advisory lock.

use migrate_core::{Result, Value};
use sqlx::postgres::{PgDatabaseError, PgRow};
use sqlx::{AssertSqlSafe, Column, PgConnection, Row, TypeInfo};

use crate::driver_error;

/// `ERROR 42P01: relation "x" does not exist`, as the in-tree backend
/// words it, with the server's detail and hint.
pub(crate) fn message(e: &PgDatabaseError) -> String {
    let mut text = format!("ERROR {}: {}", e.code(), e.message());
    if let Some(detail) = e.detail() {
        text.push_str("\nDETAIL: ");
        text.push_str(detail);
    }
    if let Some(hint) = e.hint() {
        text.push_str("\nHINT: ");
        text.push_str(hint);
    }
    text
}

/// Runs SQL text with the simple query protocol, like the in-tree backend.
pub(crate) async fn execute(c: &mut PgConnection, sql: &str) -> Result<()> {
    sqlx::raw_sql(AssertSqlSafe(sql))
        .execute(c)
        .await
        .map(drop)
        .map_err(|e| driver_error("PostgreSQL", e))
}

pub(crate) async fn query(
    c: &mut PgConnection,
    sql: &str,
    params: &[Value],
) -> Result<Vec<Vec<Value>>> {
    let q = params
        .iter()
        .fold(sqlx::query(AssertSqlSafe(sql.to_string())), crate::bind);
    let rows = q
        .fetch_all(c)
        .await
        .map_err(|e| driver_error("PostgreSQL", e))?;
    rows.iter().map(read).collect()
}

/// A row's columns as plain values, by their types.
fn read(row: &PgRow) -> Result<Vec<Value>> {
    (0..row.len())
        .map(|i| {
            let got = match row.column(i).type_info().name() {
                "INT2" => row
                    .try_get::<Option<i16>, _>(i)
                    .map(|v| v.map(i64::from).into()),
                "INT4" => row
                    .try_get::<Option<i32>, _>(i)
                    .map(|v| v.map(i64::from).into()),
                "INT8" => row.try_get::<Option<i64>, _>(i).map(Value::from),
                "OID" => row
                    .try_get::<Option<sqlx::postgres::types::Oid>, _>(i)
                    .map(|v| v.map(|o| i64::from(o.0)).into()),
                "BOOL" => row
                    .try_get::<Option<bool>, _>(i)
                    .map(|v| v.map(i64::from).into()),
                "\"CHAR\"" => row
                    .try_get::<Option<i8>, _>(i)
                    .map(|v| v.map(|c| (c as u8 as char).to_string()).into()),
                _ => row.try_get::<Option<String>, _>(i).map(Value::from),
            };
            got.map_err(|e| driver_error("PostgreSQL", e))
        })
        .collect()
}
