//! PostgreSQL's SQL, usable without a connection.

use crate::backend::{Capabilities, Dialect, StatementClass};
use crate::dialect::{SqlDialect, leading_keywords};
use crate::history::Value;
use crate::lock::LockId;

/// PostgreSQL's SQL, usable without a connection.
#[derive(Debug, Clone, Copy, Default)]
pub struct PostgresDialect;

/// Whether this session holds the advisory lock of key `$1` (an `int8`,
/// which `pg_locks` splits into two `oid` halves).
const HELD: &str = "EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' \
     AND pid = pg_backend_pid() AND granted AND objsubid = 1 \
     AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
     AND classid = (($1::int8 >> 32) & 4294967295)::oid \
     AND objid = ($1::int8 & 4294967295)::oid)";

impl Dialect for PostgresDialect {
    fn name(&self) -> &'static str {
        "postgres"
    }

    fn sql_dialect(&self) -> SqlDialect {
        SqlDialect::Postgres
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            transactional_ddl: true,
            server_lock: true,
            schemas: true,
            probes: true,
            captures: true,
            inspect: true,
        }
    }

    /// Portable operations as PostgreSQL SQL (`render.rs`).
    fn renderer(&self) -> Option<&dyn crate::portable::Renderer> {
        Some(self)
    }

    fn classify(&self, statement: &str) -> StatementClass {
        if refuses_transaction(strip_leading_comments(statement)) {
            StatementClass::NoTransaction
        } else {
            StatementClass::Transactional
        }
    }

    /// `to_regclass`, which sees a table whatever the privileges on it
    /// (`information_schema` shows only tables one may use).
    fn table_exists_query(&self, schema: Option<&str>, table: &str) -> (String, Vec<Value>) {
        let name = match schema {
            Some(schema) => format!(
                "{}.{}",
                self.quote_identifier(schema),
                self.quote_identifier(table)
            ),
            None => self.quote_identifier(table),
        };
        (
            "SELECT to_regclass($1) IS NOT NULL".to_string(),
            vec![Value::from(name)],
        )
    }

    /// `pg_try_advisory_lock`, unless this session holds the lock already
    /// (a second call would nest it, and one unlock would not free it).
    fn try_lock_query(&self, id: &LockId) -> Option<(String, Vec<Value>)> {
        Some((
            format!("SELECT {HELD} OR pg_try_advisory_lock($1::int8)"),
            vec![Value::Int(id.key)],
        ))
    }

    /// `pg_advisory_unlock`, only when this session holds the lock (it
    /// warns otherwise).
    fn release_lock_query(&self, id: &LockId) -> Option<(String, Vec<Value>)> {
        Some((
            format!("SELECT {HELD} AND pg_advisory_unlock($1::int8)"),
            vec![Value::Int(id.key)],
        ))
    }
}

/// Whether PostgreSQL refuses to run `sql` inside a transaction block
/// (SQLSTATE 25001), as documented for each command.
fn refuses_transaction(sql: &str) -> bool {
    let words = leading_keywords(sql, 4);
    let w: Vec<&str> = words.iter().map(String::as_str).collect();
    match w.as_slice() {
        ["CREATE", "INDEX", "CONCURRENTLY", ..]
        | ["CREATE", "UNIQUE", "INDEX", "CONCURRENTLY", ..]
        | ["DROP", "INDEX", "CONCURRENTLY", ..]
        | ["CREATE" | "DROP", "DATABASE", ..]
        | ["CREATE" | "DROP", "TABLESPACE", ..]
        | ["DROP", "SUBSCRIPTION", ..]
        | ["ALTER", "SYSTEM", ..]
        | ["VACUUM", ..]
        | ["DISCARD", "ALL", ..]
        | ["COMMIT" | "ROLLBACK", "PREPARED", ..] => true,
        ["CREATE", "SUBSCRIPTION", ..] => !option_is_false(sql, &["create_slot", "connect"]),
        ["REINDEX", ..] => reindex_refuses(after_word(sql)),
        ["CLUSTER", ..] => cluster_is_database_wide(after_word(sql)),
        ["ALTER", "DATABASE", ..] => alter_database_moves_tablespace(sql),
        ["ALTER", "SUBSCRIPTION", ..] => alter_subscription_refreshes(sql),
        ["ALTER", "TABLE", ..] => detaches_concurrently(sql),
        _ => false,
    }
}

/// `REINDEX [ (options) ] {INDEX|TABLE|SCHEMA|DATABASE|SYSTEM} [CONCURRENTLY] name`:
/// the concurrent forms and the schema-, database- and system-wide forms.
fn reindex_refuses(rest: &str) -> bool {
    let words = leading_keywords(skip_options(rest), 2);
    let w: Vec<&str> = words.iter().map(String::as_str).collect();
    matches!(
        w.as_slice(),
        ["SCHEMA" | "DATABASE" | "SYSTEM", ..] | [_, "CONCURRENTLY"]
    )
}

/// `CLUSTER [VERBOSE]` or `CLUSTER (options)` without a table reclusters
/// every table of the database.
fn cluster_is_database_wide(rest: &str) -> bool {
    let words = leading_keywords(skip_options(rest), 2);
    let w: Vec<&str> = words.iter().map(String::as_str).collect();
    matches!(w.as_slice(), [] | ["VERBOSE"])
}

/// `ALTER DATABASE name SET TABLESPACE new`.
fn alter_database_moves_tablespace(sql: &str) -> bool {
    let words = leading_keywords(sql, 8);
    words
        .windows(2)
        .any(|pair| pair[0] == "SET" && pair[1] == "TABLESPACE")
}

/// `ALTER SUBSCRIPTION name REFRESH PUBLICATION`, and
/// `ALTER SUBSCRIPTION name {SET|ADD|DROP} PUBLICATION ...` unless it says
/// `refresh = false` (the default is true).
fn alter_subscription_refreshes(sql: &str) -> bool {
    let words = leading_keywords(sql, 5);
    let w: Vec<&str> = words.iter().map(String::as_str).collect();
    match w.as_slice() {
        ["ALTER", "SUBSCRIPTION", _, "REFRESH", "PUBLICATION"] => true,
        [
            "ALTER",
            "SUBSCRIPTION",
            _,
            "SET" | "ADD" | "DROP",
            "PUBLICATION",
        ] => !option_is_false(sql, &["refresh"]),
        _ => false,
    }
}

/// Whether a `WITH (...)` option of `sql` named in `names` is set to false
/// (`create_slot = false`, `refresh = off`, ...).
fn option_is_false(sql: &str, names: &[&str]) -> bool {
    let compact: String = sql
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\'' && *c != '"')
        .collect::<String>()
        .to_ascii_lowercase();
    names.iter().any(|name| {
        ["false", "off", "no", "0", "f"].iter().any(|v| {
            [",", ")"]
                .iter()
                .any(|end| compact.contains(&format!("{name}={v}{end}")))
        })
    })
}

/// `ALTER TABLE parent DETACH PARTITION child CONCURRENTLY` (PostgreSQL 14+).
fn detaches_concurrently(sql: &str) -> bool {
    let words = leading_keywords(sql, 16);
    let Some(at) = words
        .windows(2)
        .position(|pair| pair[0] == "DETACH" && pair[1] == "PARTITION")
    else {
        return false;
    };
    words[at + 2..].iter().any(|w| w == "CONCURRENTLY")
}

/// The text after the first word.
fn after_word(sql: &str) -> &str {
    let sql = sql.trim_start();
    let end = sql
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(sql.len());
    &sql[end..]
}

/// Skips a parenthesized option list such as `(VERBOSE, TABLESPACE x)`.
fn skip_options(rest: &str) -> &str {
    let rest = rest.trim_start();
    if !rest.starts_with('(') {
        return rest;
    }
    let mut depth = 0usize;
    for (i, c) in rest.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return &rest[i + 1..];
                }
            }
            _ => {}
        }
    }
    ""
}

/// Removes whitespace and `--` or (nested) `/* */` comments in front of the
/// first keyword.
fn strip_leading_comments(mut sql: &str) -> &str {
    loop {
        sql = sql.trim_start();
        if let Some(rest) = sql.strip_prefix("--") {
            sql = rest.find('\n').map_or("", |i| &rest[i + 1..]);
        } else if sql.starts_with("/*") {
            let mut depth = 0usize;
            let bytes = sql.as_bytes();
            let mut i = 0;
            let mut end = sql.len();
            while i + 1 < bytes.len() {
                if bytes[i] == b'/' && bytes[i + 1] == b'*' {
                    depth += 1;
                    i += 2;
                } else if bytes[i] == b'*' && bytes[i + 1] == b'/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        end = i;
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            sql = &sql[end..];
        } else {
            return sql;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class(sql: &str) -> StatementClass {
        PostgresDialect.classify(sql)
    }

    #[test]
    fn facts() {
        let d = PostgresDialect;
        assert_eq!(d.name(), "postgres");
        assert_eq!(d.sql_dialect(), SqlDialect::Postgres);
        assert_eq!(
            d.capabilities(),
            Capabilities {
                transactional_ddl: true,
                server_lock: true,
                schemas: true,
                probes: true,
                captures: true,
                inspect: true,
            }
        );
        assert_eq!(d.quote_identifier("a\"b"), "\"a\"\"b\"");
        assert_eq!(d.begin_statement(), "BEGIN");
    }

    #[test]
    fn statements_refused_in_a_transaction() {
        for sql in [
            "CREATE INDEX CONCURRENTLY i ON t (a)",
            "create index concurrently if not exists i on t(a)",
            "CREATE UNIQUE INDEX CONCURRENTLY i ON t (a)",
            "DROP INDEX CONCURRENTLY i",
            "DROP INDEX CONCURRENTLY IF EXISTS i",
            "REINDEX INDEX CONCURRENTLY i",
            "REINDEX TABLE CONCURRENTLY t",
            "REINDEX (VERBOSE) TABLE CONCURRENTLY t",
            "REINDEX (VERBOSE, TABLESPACE ts) INDEX CONCURRENTLY i",
            "REINDEX SCHEMA public",
            "REINDEX DATABASE db",
            "REINDEX SYSTEM",
            "CREATE DATABASE db",
            "DROP DATABASE IF EXISTS db",
            "ALTER DATABASE db SET TABLESPACE ts",
            "CREATE TABLESPACE ts LOCATION '/x'",
            "DROP TABLESPACE ts",
            "VACUUM",
            "VACUUM (FULL, ANALYZE) t",
            "vacuum analyze t",
            "ALTER SYSTEM SET work_mem = '64MB'",
            "CREATE SUBSCRIPTION s CONNECTION 'host=x' PUBLICATION p",
            "DROP SUBSCRIPTION s",
            "ALTER SUBSCRIPTION s REFRESH PUBLICATION",
            "ALTER SUBSCRIPTION s SET PUBLICATION p",
            "ALTER SUBSCRIPTION s ADD PUBLICATION p WITH (copy_data = false)",
            "ALTER SUBSCRIPTION s DROP PUBLICATION p WITH (refresh = true)",
            "ALTER TABLE p DETACH PARTITION c CONCURRENTLY",
            "CLUSTER",
            "CLUSTER VERBOSE",
            "CLUSTER (VERBOSE)",
            "DISCARD ALL",
            "COMMIT PREPARED 'x'",
            "ROLLBACK PREPARED 'x'",
            "-- build it online\nCREATE INDEX CONCURRENTLY i ON t (a)",
            "/* a /* nested */ comment */ VACUUM",
        ] {
            assert_eq!(class(sql), StatementClass::NoTransaction, "{sql}");
        }
    }

    #[test]
    fn ordinary_statements_are_transactional() {
        for sql in [
            "CREATE TABLE t (a int)",
            "CREATE INDEX i ON t (a)",
            "CREATE UNIQUE INDEX i ON t (a)",
            "CREATE INDEX concurrently_named ON t (a)",
            "DROP INDEX i",
            "REINDEX INDEX i",
            "REINDEX TABLE t",
            "REINDEX (VERBOSE) TABLE t",
            "ALTER DATABASE db SET search_path TO x",
            "ALTER DATABASE db RENAME TO y",
            "ALTER TABLESPACE ts RENAME TO y",
            "ALTER SUBSCRIPTION s DISABLE",
            "CREATE SUBSCRIPTION s CONNECTION 'host=x' PUBLICATION p WITH (connect = false)",
            "CREATE SUBSCRIPTION s CONNECTION 'host=x' PUBLICATION p WITH (create_slot = false, enabled = false)",
            "ALTER SUBSCRIPTION s SET PUBLICATION p WITH (refresh = false)",
            "ALTER SUBSCRIPTION s ADD PUBLICATION p WITH (copy_data = true, refresh = off)",
            "ALTER TABLE p DETACH PARTITION c",
            "ALTER TABLE p ADD COLUMN concurrently int",
            "CLUSTER t USING i",
            "CLUSTER VERBOSE t",
            "ANALYZE t",
            "DISCARD PLANS",
            "ALTER TYPE mood ADD VALUE 'meh'",
            "REFRESH MATERIALIZED VIEW CONCURRENTLY v",
            "DO $$ BEGIN VACUUM; END $$",
            "SELECT 1",
            "",
            "-- only a comment",
        ] {
            assert_eq!(class(sql), StatementClass::Transactional, "{sql}");
        }
    }
}
