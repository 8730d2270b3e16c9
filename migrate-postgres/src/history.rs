//! The history table's SQL and rows.

use migrate_core::history::{self, COLUMNS, ColumnTypes, HistoryRecord, RecordState};
use migrate_core::{Dialect, Error, Result};
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;

use crate::PostgresDialect;

/// Column types of the history table.
pub const TYPES: ColumnTypes = ColumnTypes {
    name: "TEXT",
    short_text: "TEXT",
    long_text: "TEXT",
    integer: "BIGINT",
};

fn q(ident: &str) -> String {
    PostgresDialect.quote_identifier(ident)
}

/// `"schema"."table"`, or `"table"` when no schema is set.
pub fn qualified_table(schema: Option<&str>, table: &str) -> String {
    match schema {
        Some(schema) => format!("{}.{}", q(schema), q(table)),
        None => q(table),
    }
}

/// The `CREATE TABLE IF NOT EXISTS` statement.
pub fn create_sql(table: &str) -> String {
    history::create_table_sql(table, &q, &TYPES)
}

fn column_list() -> String {
    COLUMNS.iter().map(|c| q(c)).collect::<Vec<_>>().join(", ")
}

/// Reads every row, in key order.
pub fn select_sql(table: &str) -> String {
    format!(
        "SELECT {} FROM {table} ORDER BY {}, {}",
        column_list(),
        q("app"),
        q("name")
    )
}

/// Inserts a row or replaces the one with the same key.
pub fn upsert_sql(table: &str) -> String {
    let placeholders = (1..=COLUMNS.len())
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ");
    let updates = COLUMNS
        .iter()
        .filter(|c| !matches!(**c, "app" | "name"))
        .map(|c| format!("{0} = EXCLUDED.{0}", q(c)))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "INSERT INTO {table} ({}) VALUES ({placeholders}) ON CONFLICT ({}, {}) DO UPDATE SET {updates}",
        column_list(),
        q("app"),
        q("name")
    )
}

/// Deletes one row.
pub fn delete_sql(table: &str) -> String {
    format!(
        "DELETE FROM {table} WHERE {} = $1 AND {} = $2",
        q("app"),
        q("name")
    )
}

/// The values of a record, in [`COLUMNS`] order.
pub struct Values {
    state: &'static str,
    up: String,
    down: Option<String>,
}

impl Values {
    pub fn new(record: &HistoryRecord) -> Self {
        Values {
            state: record.state.as_str(),
            up: history::encode_statements(&record.up_sql),
            down: record.down_sql.as_deref().map(history::encode_statements),
        }
    }

    pub fn params<'a>(&'a self, r: &'a HistoryRecord) -> [&'a (dyn ToSql + Sync); 13] {
        [
            &r.app,
            &r.name,
            &r.checksum,
            &r.applied_at,
            &r.duration_ms,
            &self.state,
            &r.statements_done,
            &r.statements_total,
            &r.last_error,
            &self.up,
            &self.down,
            &r.applied_by,
            &r.tool_version,
        ]
    }
}

/// Turns a row into a record, rejecting values this version does not
/// understand rather than guessing.
pub fn decode_row(row: &Row) -> Result<HistoryRecord> {
    let raw = |e: tokio_postgres::Error| {
        Error::database(
            "cannot read the history table",
            crate::conn::error_chain(&e),
        )
    };
    let app: String = row.try_get(0).map_err(raw)?;
    let name: String = row.try_get(1).map_err(raw)?;
    let bad = |what: String| Error::database(format!("history row {app}:{name}"), what);
    let state: String = row.try_get(5).map_err(raw)?;
    let up: String = row.try_get(9).map_err(raw)?;
    let down: Option<String> = row.try_get(10).map_err(raw)?;
    let state = RecordState::parse(&state).ok_or_else(|| {
        bad(format!(
            "unknown state `{state}` (expected applied, partial or reverting; was it written by a newer version?)"
        ))
    })?;
    let up_sql = history::decode_statements(&up).map_err(bad)?;
    let down_sql = down
        .map(|d| history::decode_statements(&d))
        .transpose()
        .map_err(bad)?;
    Ok(HistoryRecord {
        checksum: row.try_get(2).map_err(raw)?,
        applied_at: row.try_get(3).map_err(raw)?,
        duration_ms: row.try_get(4).map_err(raw)?,
        state,
        statements_done: row.try_get(6).map_err(raw)?,
        statements_total: row.try_get(7).map_err(raw)?,
        last_error: row.try_get(8).map_err(raw)?,
        up_sql,
        down_sql,
        applied_by: row.try_get(11).map_err(raw)?,
        tool_version: row.try_get(12).map_err(raw)?,
        app,
        name,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sql_uses_the_shared_columns() {
        let t = qualified_table(Some("app\"s"), "hist");
        assert_eq!(t, "\"app\"\"s\".\"hist\"");
        assert_eq!(qualified_table(None, "hist"), "\"hist\"");
        assert!(create_sql(&t).starts_with("CREATE TABLE IF NOT EXISTS \"app\"\"s\".\"hist\""));
        assert!(create_sql(&t).contains("\"duration_ms\" BIGINT NOT NULL"));
        let upsert = upsert_sql("\"h\"");
        assert!(upsert.contains("$13)"), "{upsert}");
        assert!(upsert.contains(
            "ON CONFLICT (\"app\", \"name\") DO UPDATE SET \"checksum\" = EXCLUDED.\"checksum\""
        ));
        assert!(!upsert.contains("\"app\" = EXCLUDED"));
        assert!(select_sql("\"h\"").starts_with("SELECT \"app\", \"name\", \"checksum\""));
    }
}
