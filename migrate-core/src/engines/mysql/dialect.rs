//! MySQL's SQL as the engine-neutral code sees it: quoting, and which
//! statements commit the open transaction by themselves.

use crate::backend::{Capabilities, Dialect, StatementClass};
use crate::dialect::{SqlDialect, leading_keywords};
use crate::history::{ColumnTypes, Value};
use crate::lock::LockId;

/// MySQL's and MariaDB's SQL, usable without a connection.
#[derive(Debug, Clone, Copy, Default)]
pub struct MysqlDialect;

impl Dialect for MysqlDialect {
    fn name(&self) -> &'static str {
        "mysql"
    }

    fn sql_dialect(&self) -> SqlDialect {
        SqlDialect::Mysql
    }

    fn capabilities(&self) -> Capabilities {
        // DDL commits by itself; GET_LOCK is held by the server; the
        // database in the URL is the only schema.
        Capabilities {
            server_lock: true,
            probes: true,
            captures: true,
            inspect: true,
            ..Capabilities::NONE
        }
    }

    /// Portable operations as MySQL SQL (`render.rs`).
    fn renderer(&self) -> Option<&dyn crate::portable::Renderer> {
        Some(self)
    }

    fn quote_identifier(&self, ident: &str) -> String {
        format!("`{}`", ident.replace('`', "``"))
    }

    fn classify(&self, statement: &str) -> StatementClass {
        classify(statement)
    }

    fn begin_statement(&self) -> &'static str {
        "START TRANSACTION"
    }

    fn location_query(&self) -> &'static str {
        "SELECT DATABASE(), NULL"
    }

    /// `GET_LOCK`, unless this connection holds the lock already (a second
    /// call would nest it on MariaDB and MySQL 5.7+). NULL (interrupted)
    /// reads as not taken.
    fn try_lock_query(&self, id: &LockId) -> Option<(String, Vec<Value>)> {
        Some((
            "SELECT IF(IS_USED_LOCK(?) = CONNECTION_ID(), 1, GET_LOCK(?, 0))".into(),
            vec![Value::from(id.name.as_str()), Value::from(id.name.as_str())],
        ))
    }

    /// `RELEASE_LOCK`, which does nothing when this connection does not hold
    /// it.
    fn release_lock_query(&self, id: &LockId) -> Option<(String, Vec<Value>)> {
        Some((
            "SELECT RELEASE_LOCK(?)".into(),
            vec![Value::from(id.name.as_str())],
        ))
    }

    fn placeholder(&self, _n: usize) -> String {
        "?".to_string()
    }

    fn column_types(&self) -> ColumnTypes {
        ColumnTypes {
            name: "VARCHAR(191)",
            short_text: "VARCHAR(255)",
            long_text: "LONGTEXT",
            integer: "BIGINT",
            auto_id: "BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY",
        }
    }

    /// A transactional engine, full Unicode, and binary comparison so that
    /// migration names are case-sensitive and sort as on every other
    /// engine.
    fn table_options(&self) -> &'static str {
        " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"
    }

    fn upsert_sql(&self, table: &str, columns: &[&str], key: &[&str]) -> String {
        let updates = columns
            .iter()
            .filter(|c| !key.contains(c))
            .map(|c| {
                let c = self.quote_identifier(c);
                format!("{c} = VALUES({c})")
            })
            .collect::<Vec<_>>()
            .join(", ");
        format!(
            "{} ON DUPLICATE KEY UPDATE {updates}",
            crate::store::insert_sql(self, table, columns)
        )
    }

    fn table_exists_query(&self, _schema: Option<&str>, table: &str) -> (String, Vec<Value>) {
        (
            "SELECT COUNT(*) FROM information_schema.TABLES \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?"
                .to_string(),
            vec![Value::from(table)],
        )
    }
}

/// How many leading words decide a statement's class: enough for
/// `CREATE OR REPLACE TEMPORARY TABLE` and `SET SESSION autocommit`.
const WORDS: usize = 5;

/// Classifies one statement by its leading keywords, following MySQL's list
/// of statements that cause an implicit commit
/// (<https://dev.mysql.com/doc/refman/8.0/en/implicit-commit.html>).
///
/// When in doubt a statement is classified as committing: that only makes
/// its migration journaled, while the opposite mistake would let a
/// "rolled back" migration leave changes behind.
fn classify(statement: &str) -> StatementClass {
    use StatementClass::{ImplicitCommit, NoTransaction, Transactional};

    let words = leading_keywords(&uncomment_prefix(statement), WORDS);
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    match words.as_slice() {
        // `CREATE TEMPORARY TABLE` and `DROP TEMPORARY TABLE` are the only
        // data-definition statements that do not commit (ALTER TABLE or
        // CREATE INDEX on a temporary table still do).
        ["CREATE", "TEMPORARY", "TABLE", ..]
        | ["CREATE", "OR", "REPLACE", "TEMPORARY", "TABLE", ..]
        | ["DROP", "TEMPORARY", "TABLE", ..] => Transactional,
        // `DROP PREPARE` is `DEALLOCATE PREPARE`, not DDL.
        ["DROP", "PREPARE", ..] => Transactional,
        // Every other data-definition statement, whatever its object
        // (DATABASE/SCHEMA, EVENT, FUNCTION, INDEX, PROCEDURE, ROLE, SERVER,
        // SPATIAL REFERENCE SYSTEM, TABLE, TABLESPACE, TRIGGER, USER, VIEW,
        // SEQUENCE, ...) and prefix (`OR REPLACE`, `DEFINER = ...`,
        // `ALGORITHM = ...`, `SQL SECURITY ...`, `UNIQUE`, `FULLTEXT`,
        // `SPATIAL`, `ONLINE`, `IGNORE`, `AGGREGATE`).
        ["CREATE" | "ALTER" | "DROP" | "RENAME" | "TRUNCATE", ..] => ImplicitCommit,
        ["IMPORT", "TABLE", ..] => ImplicitCommit,

        // Statements that use or modify the tables of the `mysql` database.
        ["GRANT" | "REVOKE", ..] => ImplicitCommit,
        ["SET", "PASSWORD", ..] | ["SET", "DEFAULT", "ROLE", ..] => ImplicitCommit,
        ["INSTALL" | "UNINSTALL", ..] => ImplicitCommit,

        // Transaction control and locking.
        ["BEGIN", ..] | ["START", "TRANSACTION", ..] => ImplicitCommit,
        ["COMMIT", ..] => ImplicitCommit,
        ["ROLLBACK", "TO", ..] | ["ROLLBACK", "WORK", "TO", ..] => Transactional,
        ["ROLLBACK", ..] => ImplicitCommit,
        ["LOCK", "TABLE" | "TABLES", ..] | ["UNLOCK", "TABLE" | "TABLES", ..] => ImplicitCommit,
        ["SET", "AUTOCOMMIT", ..] | ["SET", "SESSION" | "LOCAL", "AUTOCOMMIT", ..] => {
            ImplicitCommit
        }
        // `XA START` fails while a transaction is open.
        ["XA", ..] => NoTransaction,

        // Administrative statements. MariaDB's `ANALYZE SELECT ...` is a
        // query plan, not `ANALYZE TABLE`.
        [
            "ANALYZE" | "OPTIMIZE" | "REPAIR",
            "TABLE" | "TABLES" | "NO_WRITE_TO_BINLOG" | "LOCAL",
            ..,
        ] => ImplicitCommit,
        ["CHECK", "TABLE" | "TABLES", ..] => ImplicitCommit,
        ["CACHE", "INDEX", ..] => ImplicitCommit,
        ["LOAD", "INDEX", ..] => ImplicitCommit,
        ["FLUSH", ..] => ImplicitCommit,
        ["RESET", "PERSIST", ..] => Transactional,
        ["RESET", ..] => ImplicitCommit,

        // Replication control.
        ["CHANGE", "MASTER" | "REPLICATION", ..] => ImplicitCommit,
        [
            "START" | "STOP",
            "SLAVE" | "REPLICA" | "ALL" | "GROUP_REPLICATION",
            ..,
        ] => ImplicitCommit,

        // Data manipulation and everything else: INSERT, UPDATE, DELETE,
        // REPLACE, SELECT, WITH, SET, CALL, DO, LOAD DATA, SAVEPOINT, ...
        _ => Transactional,
    }
}

/// How much of a statement's text (outside comments) is enough to read its
/// leading keywords.
const PREFIX_CHARS: usize = 512;

/// The start of a statement with its comments removed and the text of
/// MySQL's executable comments (`/*!50003 CREATE*/`, `/*M!100100 ...*/`)
/// kept, as `mysqldump` writes triggers and views; quoted text is copied
/// unchanged so a comment marker inside it is not mistaken for one.
fn uncomment_prefix(sql: &str) -> String {
    let mut out = String::new();
    let mut rest = sql;
    while !rest.is_empty() && out.len() < PREFIX_CHARS {
        if let Some(after) = rest
            .strip_prefix("/*!")
            .or_else(|| rest.strip_prefix("/*M!"))
        {
            // Keep the content; drop the version number.
            rest = after.trim_start_matches(|c: char| c.is_ascii_digit());
            out.push(' ');
        } else if let Some(after) = rest.strip_prefix("/*") {
            rest = after.find("*/").map_or("", |end| &after[end + 2..]);
            out.push(' ');
        } else if starts_line_comment(rest) {
            rest = rest.find('\n').map_or("", |end| &rest[end..]);
            out.push(' ');
        } else if let Some(quote) = rest
            .chars()
            .next()
            .filter(|c| matches!(c, '\'' | '"' | '`'))
        {
            let end = closing_quote(rest, quote);
            if out.len() + end > PREFIX_CHARS {
                // A long literal: its start is all that can matter.
                let mut cut = PREFIX_CHARS.saturating_sub(out.len()).min(end);
                while !rest.is_char_boundary(cut) {
                    cut -= 1;
                }
                out.push_str(&rest[..cut]);
                break;
            }
            out.push_str(&rest[..end]);
            rest = &rest[end..];
        } else {
            let c = rest.chars().next().expect("rest is not empty");
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

/// `#` comments, and `--` comments, which MySQL requires to be followed by
/// whitespace or the end of the text (`1--2` is arithmetic).
fn starts_line_comment(s: &str) -> bool {
    s.starts_with('#')
        || s.strip_prefix("--")
            .is_some_and(|after| after.is_empty() || after.starts_with(char::is_whitespace))
}

/// The byte index just past the quoted text at the start of `s` (or the end
/// of `s` when it is not closed). A doubled quote or a backslash escape
/// stays inside.
fn closing_quote(s: &str, quote: char) -> usize {
    let mut chars = s.char_indices().skip(1).peekable();
    while let Some((i, c)) = chars.next() {
        if c == '\\' && quote != '`' {
            chars.next();
        } else if c == quote {
            if chars.peek().is_some_and(|&(_, next)| next == quote) {
                chars.next();
            } else {
                return i + c.len_utf8();
            }
        }
    }
    s.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use StatementClass::{ImplicitCommit, NoTransaction, Transactional};

    fn assert_class(expected: StatementClass, statements: &[&str]) {
        for sql in statements {
            assert_eq!(MysqlDialect.classify(sql), expected, "classify({sql:?})");
        }
    }

    #[test]
    fn facts() {
        assert_eq!(MysqlDialect.name(), "mysql");
        assert_eq!(MysqlDialect.sql_dialect(), SqlDialect::Mysql);
        assert_eq!(
            MysqlDialect.capabilities(),
            Capabilities {
                server_lock: true,
                probes: true,
                captures: true,
                inspect: true,
                ..Capabilities::NONE
            }
        );
        assert_eq!(MysqlDialect.begin_statement(), "START TRANSACTION");
    }

    #[test]
    fn quotes_with_backticks() {
        assert_eq!(MysqlDialect.quote_identifier("users"), "`users`");
        assert_eq!(MysqlDialect.quote_identifier("we`ird"), "`we``ird`");
        assert_eq!(MysqlDialect.quote_identifier("a\"b"), "`a\"b`");
        assert_eq!(MysqlDialect.quote_identifier("``"), "``````");
    }

    #[test]
    fn data_definition_commits() {
        let objects = [
            "DATABASE app",
            "SCHEMA app",
            "EVENT e ON SCHEDULE EVERY 1 DAY DO SELECT 1",
            "FUNCTION f() RETURNS INT RETURN 1",
            "INDEX i ON t (a)",
            "PROCEDURE p() SELECT 1",
            "ROLE r",
            "SERVER s FOREIGN DATA WRAPPER mysql OPTIONS (HOST 'h')",
            "SPATIAL REFERENCE SYSTEM 4120 NAME 'x' DEFINITION 'y'",
            "TABLE t (id INT)",
            "TABLESPACE ts ADD DATAFILE 'ts.ibd'",
            "TRIGGER trg BEFORE INSERT ON t FOR EACH ROW SET NEW.a = 1",
            "USER 'u'@'%'",
            "VIEW v AS SELECT 1",
            "SEQUENCE s",
            "LOGFILE GROUP lg ADD UNDOFILE 'u'",
            "RESOURCE GROUP rg TYPE = USER",
        ];
        for verb in ["CREATE", "ALTER", "DROP"] {
            for object in objects {
                let sql = format!("{verb} {object}");
                assert_eq!(MysqlDialect.classify(&sql), ImplicitCommit, "{sql}");
            }
        }
        assert_class(
            ImplicitCommit,
            &[
                "RENAME TABLE a TO b",
                "RENAME TABLE a TO b, c TO d",
                "RENAME USER 'a'@'%' TO 'b'@'%'",
                "TRUNCATE TABLE t",
                "TRUNCATE t",
                "ALTER TABLE t ADD COLUMN c INT",
                "ALTER ONLINE TABLE t ADD COLUMN c INT",
                "ALTER IGNORE TABLE t ADD UNIQUE (c)",
                "ALTER INSTANCE ROTATE INNODB MASTER KEY",
                "DROP TABLE IF EXISTS t",
                "DROP INDEX i ON t",
                "DROP DATABASE IF EXISTS app",
                "CREATE TABLE IF NOT EXISTS t (id INT)",
                "CREATE TABLE t2 LIKE t",
                "CREATE TABLE t2 AS SELECT * FROM t",
                "IMPORT TABLE FROM '/tmp/t.sdi'",
            ],
        );
    }

    #[test]
    fn data_definition_variants_commit() {
        assert_class(
            ImplicitCommit,
            &[
                "CREATE OR REPLACE VIEW v AS SELECT 1",
                "CREATE OR REPLACE TABLE t (id INT)",
                "CREATE OR REPLACE TRIGGER trg BEFORE INSERT ON t FOR EACH ROW SET NEW.a = 1",
                "CREATE DEFINER=`root`@`localhost` TRIGGER trg BEFORE INSERT ON t FOR EACH ROW BEGIN SET NEW.a = 1; END",
                "CREATE DEFINER = 'admin'@'%' PROCEDURE p() BEGIN SELECT 1; END",
                "CREATE DEFINER=CURRENT_USER FUNCTION f() RETURNS INT RETURN 1",
                "CREATE DEFINER=`temporary`@`%` TRIGGER trg BEFORE INSERT ON t FOR EACH ROW SET NEW.a = 1",
                "CREATE DEFINER=`root`@`%` EVENT e ON SCHEDULE EVERY 1 DAY DO DELETE FROM t",
                "CREATE ALGORITHM=MERGE DEFINER=`root`@`%` SQL SECURITY INVOKER VIEW v AS SELECT 1",
                "CREATE SQL SECURITY DEFINER VIEW v AS SELECT 1",
                "ALTER DEFINER=`root`@`%` VIEW v AS SELECT 2",
                "ALTER ALGORITHM=UNDEFINED VIEW v AS SELECT 2",
                "CREATE UNIQUE INDEX i ON t (a)",
                "CREATE FULLTEXT INDEX i ON t (body)",
                "CREATE SPATIAL INDEX i ON t (g)",
                "CREATE AGGREGATE FUNCTION f RETURNS INTEGER SONAME 'udf.so'",
                "create table lower_case (id int)",
                "  CREATE\n\tTABLE spaced (id INT)",
                // An ALTER or index on a temporary table still commits.
                "ALTER TABLE tmp ADD COLUMN c INT",
                "CREATE INDEX i ON tmp (a)",
            ],
        );
    }

    #[test]
    fn temporary_tables_do_not_commit() {
        assert_class(
            Transactional,
            &[
                "CREATE TEMPORARY TABLE tmp (id INT)",
                "create temporary table tmp (id int)",
                "CREATE TEMPORARY TABLE IF NOT EXISTS tmp LIKE t",
                "CREATE TEMPORARY TABLE tmp AS SELECT * FROM t",
                "CREATE OR REPLACE TEMPORARY TABLE tmp (id INT)",
                "DROP TEMPORARY TABLE tmp",
                "DROP TEMPORARY TABLE IF EXISTS tmp",
                "drop temporary table if exists a, b",
            ],
        );
    }

    #[test]
    fn account_management_commits() {
        assert_class(
            ImplicitCommit,
            &[
                "GRANT SELECT ON app.* TO 'u'@'%'",
                "GRANT r TO 'u'@'%'",
                "REVOKE ALL PRIVILEGES ON *.* FROM 'u'@'%'",
                "SET PASSWORD FOR 'u'@'%' = PASSWORD('x')",
                "SET PASSWORD = 'x'",
                "SET DEFAULT ROLE r FOR 'u'@'%'",
                "INSTALL PLUGIN p SONAME 'p.so'",
                "INSTALL SONAME 'p'",
                "INSTALL COMPONENT 'file://component_validate_password'",
                "UNINSTALL PLUGIN p",
                "UNINSTALL COMPONENT 'file://component_validate_password'",
            ],
        );
    }

    #[test]
    fn transaction_control_and_locking_commit() {
        assert_class(
            ImplicitCommit,
            &[
                "BEGIN",
                "BEGIN WORK",
                "BEGIN NOT ATOMIC INSERT INTO t VALUES (1); END",
                "START TRANSACTION",
                "START TRANSACTION READ ONLY",
                "start transaction with consistent snapshot",
                "COMMIT",
                "COMMIT WORK",
                "ROLLBACK",
                "LOCK TABLES t WRITE",
                "LOCK TABLE t READ",
                "UNLOCK TABLES",
                "UNLOCK TABLE",
                "SET autocommit = 1",
                "SET AUTOCOMMIT=ON",
                "SET @@autocommit = 1",
                "SET SESSION autocommit = 1",
                "SET @@session.autocommit = 1",
            ],
        );
        assert_class(
            Transactional,
            &[
                "SAVEPOINT s",
                "ROLLBACK TO SAVEPOINT s",
                "ROLLBACK TO s",
                "ROLLBACK WORK TO SAVEPOINT s",
                "RELEASE SAVEPOINT s",
            ],
        );
        assert_class(NoTransaction, &["XA START 'x'", "XA COMMIT 'x'"]);
    }

    #[test]
    fn administrative_statements_commit() {
        assert_class(
            ImplicitCommit,
            &[
                "ANALYZE TABLE t",
                "ANALYZE NO_WRITE_TO_BINLOG TABLE t",
                "ANALYZE LOCAL TABLE t",
                "CACHE INDEX t IN hot_cache",
                "CHECK TABLE t",
                "CHECK TABLE t FOR UPGRADE",
                "FLUSH PRIVILEGES",
                "FLUSH TABLES",
                "FLUSH LOCAL STATUS",
                "LOAD INDEX INTO CACHE t",
                "OPTIMIZE TABLE t",
                "OPTIMIZE LOCAL TABLE t",
                "REPAIR TABLE t",
                "REPAIR NO_WRITE_TO_BINLOG TABLE t QUICK",
                "RESET MASTER",
                "RESET QUERY CACHE",
            ],
        );
        assert_class(
            Transactional,
            &[
                "ANALYZE SELECT * FROM t",
                "ANALYZE FORMAT=JSON SELECT * FROM t",
                "CHECKSUM TABLE t",
                "RESET PERSIST",
                "RESET PERSIST IF EXISTS max_connections",
                "LOAD DATA INFILE '/tmp/x' INTO TABLE t",
                "LOAD XML INFILE '/tmp/x' INTO TABLE t",
            ],
        );
    }

    #[test]
    fn replication_control_commits() {
        assert_class(
            ImplicitCommit,
            &[
                "START SLAVE",
                "START REPLICA",
                "START ALL SLAVES",
                "STOP SLAVE",
                "STOP REPLICA IO_THREAD",
                "RESET SLAVE ALL",
                "RESET REPLICA",
                "CHANGE MASTER TO MASTER_HOST = 'h'",
                "CHANGE REPLICATION SOURCE TO SOURCE_HOST = 'h'",
                "START GROUP_REPLICATION",
                "STOP GROUP_REPLICATION",
            ],
        );
    }

    #[test]
    fn data_manipulation_is_transactional() {
        assert_class(
            Transactional,
            &[
                "INSERT INTO t VALUES (1)",
                "INSERT IGNORE INTO t VALUES (1)",
                "UPDATE t SET a = 1",
                "DELETE FROM t WHERE a = 1",
                "REPLACE INTO t VALUES (1)",
                "SELECT 1",
                "(SELECT 1) UNION (SELECT 2)",
                "WITH x AS (SELECT 1) SELECT * FROM x",
                "SET FOREIGN_KEY_CHECKS = 0",
                "SET @a = 1",
                "SET NAMES utf8mb4",
                "SET SESSION sql_mode = 'ANSI'",
                "SET TRANSACTION ISOLATION LEVEL READ COMMITTED",
                "CALL p()",
                "DO SLEEP(0)",
                "DROP PREPARE s",
                "DEALLOCATE PREPARE s",
                "PREPARE s FROM 'SELECT 1'",
                "EXECUTE s",
                "SHOW TABLES",
                "EXPLAIN SELECT 1",
                "VALUES ROW(1)",
                "",
                "   ",
                // A keyword in a later position decides nothing.
                "INSERT INTO log (msg) VALUES ('CREATE TABLE t')",
                "UPDATE t SET drop_at = NULL",
                "SELECT `create`, `drop` FROM t",
            ],
        );
    }

    #[test]
    fn comments_in_front_are_skipped() {
        assert_class(
            ImplicitCommit,
            &[
                "/* note */ CREATE TABLE t (id INT)",
                "-- note\nCREATE TABLE t (id INT)",
                "# note\nDROP TABLE t",
                "/*!50003 CREATE*/ /*!50017 DEFINER=`root`@`%`*/ /*!50003 TRIGGER trg BEFORE INSERT ON t FOR EACH ROW SET NEW.a = 1 */",
                "/*!40101 CREATE TABLE t (id INT) */",
                "/*M!100100 CREATE SEQUENCE s */",
                "CREATE /* temporary */ TABLE t (id INT)",
                "DROP -- TEMPORARY\nTABLE t",
            ],
        );
        assert_class(
            Transactional,
            &[
                "/* DROP TABLE t */ SELECT 1",
                "-- CREATE TABLE t\nINSERT INTO t VALUES (1)",
                "/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */",
                "/*!32312 CREATE TEMPORARY TABLE tmp (id INT) */",
            ],
        );
    }

    #[test]
    fn uncommenting_keeps_quoted_text() {
        assert_eq!(
            uncomment_prefix("SELECT '/* not a comment */' -- gone\n, 1"),
            "SELECT '/* not a comment */'  \n, 1"
        );
        assert_eq!(uncomment_prefix("SELECT 'it''s' /*x*/"), "SELECT 'it''s'  ");
        assert_eq!(uncomment_prefix("SELECT 'a\\'b' #c"), "SELECT 'a\\'b'  ");
        assert_eq!(uncomment_prefix("SELECT `a``b`"), "SELECT `a``b`");
        assert_eq!(uncomment_prefix("SELECT 'open"), "SELECT 'open");
        assert_eq!(uncomment_prefix("/* open"), " ");
        assert_eq!(uncomment_prefix("SELECT 1--2"), "SELECT 1--2");
        assert_eq!(uncomment_prefix("SELECT 'é' /*ü*/ ö"), "SELECT 'é'   ö");
    }
}
