//! SQLite's SQL, usable without a connection.

use migrate_core::backend::{Capabilities, Dialect, StatementClass};
use migrate_core::dialect::{SqlDialect, leading_keywords};
use migrate_core::history::{ColumnTypes, Value};

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
            ..Capabilities::NONE
        }
    }

    /// Portable operations as SQLite SQL ([`crate::render`]).
    fn renderer(&self) -> Option<&dyn migrate_core::portable::Renderer> {
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
pub(crate) fn is_foreign_key_check(sql: &str) -> bool {
    let words = leading_keywords(sql, 3);
    words.first().is_some_and(|w| w == "PRAGMA")
        && words
            .get(1)
            .is_some_and(|w| w.rsplit('.').next() == Some("FOREIGN_KEY_CHECK"))
}
