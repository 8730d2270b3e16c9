//! SQLite's SQL, usable without a connection.

use crate::backend::{Capabilities, Dialect, StatementClass};
use crate::dialect::{SqlDialect, leading_keywords};
use crate::history::{ColumnTypes, Value};

/// SQLite's SQL.
#[derive(Debug, Clone, Copy, Default)]
pub struct SqliteDialect;

impl Dialect for SqliteDialect {
    fn name(&self) -> &'static str {
        "sqlite"
    }

    fn sql_dialect(&self) -> SqlDialect {
        SqlDialect::Sqlite
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            transactional_ddl: true,
            probes: true,
            captures: true,
            inspect: true,
            ..Capabilities::NONE
        }
    }

    /// `IMMEDIATE`: take the write lock at once, so that two writers wait
    /// for each other instead of one failing at its first write.
    fn begin_statement(&self) -> &'static str {
        "BEGIN IMMEDIATE"
    }

    /// Portable operations as SQLite SQL ([`super::render`]).
    fn renderer(&self) -> Option<&dyn crate::portable::Renderer> {
        Some(self)
    }

    fn classify(&self, statement: &str) -> StatementClass {
        let words = leading_keywords(statement, 2);
        match words
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .as_slice()
        {
            ["VACUUM", ..] => StatementClass::NoTransaction,
            ["PRAGMA", pragma] => {
                let pragma = pragma.rsplit('.').next().unwrap_or(pragma);
                match pragma {
                    // Ignored inside a transaction: set around it.
                    "FOREIGN_KEYS" => StatementClass::Session,
                    // Fails inside a transaction.
                    "JOURNAL_MODE" => StatementClass::NoTransaction,
                    _ => StatementClass::Transactional,
                }
            }
            _ => StatementClass::Transactional,
        }
    }

    /// The main database's file as SQLite names it: absolute, and empty
    /// in memory. Every SQLite backend locks by this name.
    fn location_query(&self) -> &'static str {
        "SELECT file, NULL FROM pragma_database_list WHERE name = 'main'"
    }

    fn placeholder(&self, n: usize) -> String {
        format!("?{n}")
    }

    fn column_types(&self) -> ColumnTypes {
        ColumnTypes {
            name: "TEXT",
            short_text: "TEXT",
            long_text: "TEXT",
            integer: "INTEGER",
            auto_id: "INTEGER PRIMARY KEY AUTOINCREMENT",
        }
    }

    fn table_exists_query(&self, schema: Option<&str>, table: &str) -> (String, Vec<Value>) {
        let _ = schema;
        (
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?1".into(),
            vec![Value::from(table)],
        )
    }
}

/// `PRAGMA foreign_key_check...`, whose rows are violations.
pub fn is_foreign_key_check(sql: &str) -> bool {
    let words = leading_keywords(sql, 3);
    words.first().is_some_and(|w| w == "PRAGMA")
        && words
            .get(1)
            .is_some_and(|w| w.rsplit('.').next() == Some("FOREIGN_KEY_CHECK"))
}

/// The error of a `PRAGMA foreign_key_check` that returned rows, each
/// `(table, rowid, parent)`: SQLite reports violations as rows, never as
/// an error, and in a migration they must stop it. `Ok` when there are
/// none. Every SQLite backend runs a foreign key check's rows through this.
pub fn foreign_key_check_result(
    violations: impl IntoIterator<Item = (String, Option<i64>, String)>,
) -> crate::Result<()> {
    let found: Vec<String> = violations
        .into_iter()
        .take(5)
        .map(|(table, rowid, parent)| {
            format!(
                "row {} of {table} references a missing row of {parent}",
                rowid.map_or("?".to_string(), |r| r.to_string())
            )
        })
        .collect();
    if found.is_empty() {
        return Ok(());
    }
    Err(crate::Error::database(
        "SQLite",
        format!("FOREIGN KEY constraint failed: {}", found.join("; ")),
    ))
}
