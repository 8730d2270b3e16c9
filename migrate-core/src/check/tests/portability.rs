use super::*;
use crate::check::codes;

/// A migration written against SQLite, as it often is on a laptop.
const SQLITE_WRITTEN: &str = "-- migrate:up
CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    email TEXT NOT NULL
);
INSERT OR IGNORE INTO users (email) VALUES ('admin@example.com');

-- migrate:down
DROP TABLE users;
";

#[test]
fn a_migration_written_on_sqlite_fails_on_the_servers_at_the_right_lines() {
    let r = report(SQLITE_WRITTEN, SQLITE);
    assert!(r.findings.is_empty(), "{}", dump(&r));
    for engine in [POSTGRES, MYSQL] {
        let r = report(SQLITE_WRITTEN, engine);
        assert_eq!(
            with_code(&r, codes::NOT_PORTABLE),
            ["2 error", "6 error"],
            "{engine}: {}",
            dump(&r)
        );
        let messages: Vec<&str> = r
            .findings
            .iter()
            .filter(|f| f.code == codes::NOT_PORTABLE)
            .map(|f| f.message.as_str())
            .collect();
        assert!(
            messages
                .iter()
                .any(|m| m.starts_with("`CREATE TABLE users ( ...`: AUTOINCREMENT is SQLite's"))
        );
        assert!(
            messages
                .iter()
                .any(|m| m.starts_with("`INSERT OR IGNORE INTO users"))
        );
        let tag = engine.name();
        assert!(
            messages.iter().all(|m| !m.contains("not-portable")
                && m.contains(&format!("`0001_x.{tag}.sql` replaces this file"))),
            "{messages:#?}"
        );
    }
}

/// A migration written against MySQL.
const MYSQL_WRITTEN: &str = "-- migrate:up
CREATE TABLE `orders` (
  `id` INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  `total` DECIMAL(10,2) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
INSERT INTO orders (id, total) VALUES (1, 0) ON DUPLICATE KEY UPDATE total = VALUES(total);
INSERT IGNORE INTO orders (id, total) VALUES (2, 0);
-- migrate:down
DROP TABLE orders;
";

#[test]
fn a_migration_written_on_mysql() {
    let r = report(MYSQL_WRITTEN, MYSQL);
    assert!(
        r.findings.iter().all(|f| f.code == codes::NO_INVERSE),
        "{}",
        dump(&r)
    );
    let pg = report(MYSQL_WRITTEN, POSTGRES);
    let lines: Vec<String> = with_code(&pg, codes::NOT_PORTABLE);
    assert!(lines.iter().all(|l| l.ends_with("error")), "{}", dump(&pg));
    assert!(
        lines.contains(&"2 error".to_string())
            && lines.contains(&"6 error".to_string())
            && lines.contains(&"7 error".to_string())
    );
    for needle in [
        "backtick",
        "AUTO_INCREMENT",
        "ENGINE=",
        "unsigned",
        "ON DUPLICATE KEY UPDATE",
        "INSERT IGNORE",
    ] {
        assert!(
            pg.findings.iter().any(|f| f.message.contains(needle)),
            "{needle}: {}",
            dump(&pg)
        );
    }
    // SQLite takes backticks (a warning) but not the rest.
    let sqlite = report(MYSQL_WRITTEN, SQLITE);
    let backticks: Vec<&str> = sqlite
        .findings
        .iter()
        .filter(|f| f.message.contains("backtick"))
        .map(|f| f.severity.name())
        .collect();
    assert_eq!(backticks, ["warning"]);
    assert!(
        sqlite
            .findings
            .iter()
            .any(|f| f.severity == Severity::Error && f.message.contains("AUTO_INCREMENT"))
    );
    assert!(
        sqlite
            .findings
            .iter()
            .any(|f| f.severity == Severity::Warning && f.message.contains("UNSIGNED"))
    );
}

/// A migration written against PostgreSQL.
const POSTGRES_WRITTEN: &str = "-- migrate:up
CREATE TABLE events (
    id BIGSERIAL PRIMARY KEY,
    payload JSONB NOT NULL,
    at TIMESTAMPTZ NOT NULL DEFAULT now()
);
SELECT id::text FROM events WHERE payload::text ILIKE '%x%';
CREATE FUNCTION touch() RETURNS trigger AS $$ BEGIN NEW.at = now(); RETURN NEW; END $$ LANGUAGE plpgsql;
-- migrate:down
DROP FUNCTION touch();
DROP TABLE events;
";

#[test]
fn a_migration_written_on_postgres() {
    let pg = report(POSTGRES_WRITTEN, POSTGRES);
    assert!(pg.findings.is_empty(), "{}", dump(&pg));
    let sqlite = report(POSTGRES_WRITTEN, SQLITE);
    let serial = sqlite
        .findings
        .iter()
        .find(|f| f.message.contains("BIGSERIAL is PostgreSQL's"))
        .expect("serial");
    assert_eq!((serial.line, serial.severity), (Some(2), Severity::Error));
    for needle in ["`::` casts", "ILIKE", "dollar-quoted"] {
        assert!(
            sqlite
                .findings
                .iter()
                .any(|f| f.severity == Severity::Error && f.message.contains(needle)),
            "{needle}: {}",
            dump(&sqlite)
        );
    }
    let mysql = report(POSTGRES_WRITTEN, MYSQL);
    for needle in [
        "BIGSERIAL",
        "JSONB is not a MySQL type",
        "TIMESTAMPTZ is not a MySQL type",
        "ILIKE",
        "dollar-quoted",
    ] {
        assert!(
            mysql
                .findings
                .iter()
                .any(|f| f.severity == Severity::Error && f.message.contains(needle)),
            "{needle}: {}",
            dump(&mysql)
        );
    }
}

#[test]
fn serial_makes_a_plain_column_on_sqlite_and_an_unsigned_one_on_mysql() {
    let text =
        "-- migrate:up\nCREATE TABLE t (id SERIAL PRIMARY KEY);\n-- migrate:down\nDROP TABLE t;\n";
    assert_eq!(
        with_code(&report(text, SQLITE), codes::NOT_PORTABLE),
        ["2 error"]
    );
    assert_eq!(
        with_code(&report(text, MYSQL), codes::NOT_PORTABLE),
        ["2 warning"]
    );
    assert!(report(text, POSTGRES).findings.is_empty());
}

#[test]
fn words_in_strings_comments_and_quoted_names_do_not_count() {
    let text = "-- migrate:up
-- AUTOINCREMENT, INSERT OR IGNORE, ON CONFLICT, $$ and :: in a comment
INSERT INTO notes (body) VALUES ('AUTOINCREMENT ON DUPLICATE KEY UPDATE ILIKE $$ :: PRAGMA'); /* ILIKE */
-- migrate:down
DELETE FROM notes WHERE body LIKE 'AUTO%';
";
    for engine in ENGINES {
        let r = report(text, engine);
        assert!(
            with_code(&r, codes::NOT_PORTABLE).is_empty(),
            "{engine}: {}",
            dump(&r)
        );
    }
}

#[test]
fn upserts_are_spelled_per_engine() {
    let on_conflict = "-- migrate:up\nINSERT INTO s (k) VALUES ('a') ON CONFLICT DO NOTHING;\n-- migrate:down\nDELETE FROM s WHERE k = 'a';\n";
    assert!(with_code(&report(on_conflict, SQLITE), codes::NOT_PORTABLE).is_empty());
    assert!(with_code(&report(on_conflict, POSTGRES), codes::NOT_PORTABLE).is_empty());
    assert_eq!(
        with_code(&report(on_conflict, MYSQL), codes::NOT_PORTABLE),
        ["2 error"]
    );
    let replace = "-- migrate:up\nREPLACE INTO s (k) VALUES ('a');\n-- migrate:down\nDELETE FROM s WHERE k = 'a';\n";
    assert!(with_code(&report(replace, SQLITE), codes::NOT_PORTABLE).is_empty());
    assert!(with_code(&report(replace, MYSQL), codes::NOT_PORTABLE).is_empty());
    assert_eq!(
        with_code(&report(replace, POSTGRES), codes::NOT_PORTABLE),
        ["2 error"]
    );
}

#[test]
fn sqlite_pragmas_and_postgres_indexes_built_concurrently_are_theirs() {
    let pragma = "-- migrate:up\nPRAGMA foreign_keys = ON;\n-- migrate:down noop=true\n";
    assert!(
        report(pragma, SQLITE)
            .findings
            .iter()
            .all(|f| f.code == codes::NOOP_DOWN)
    );
    for engine in [POSTGRES, MYSQL] {
        assert_eq!(
            with_code(&report(pragma, engine), codes::NOT_PORTABLE),
            ["2 error"]
        );
    }
    let concurrently = "-- migrate:up transaction=false\nCREATE INDEX CONCURRENTLY i ON t (c);\n-- migrate:down\nDROP INDEX i;\n";
    assert!(with_code(&report(concurrently, POSTGRES), codes::NOT_PORTABLE).is_empty());
    assert_eq!(
        with_code(&report(concurrently, SQLITE), codes::NOT_PORTABLE),
        ["2 error"]
    );
    // MySQL also needs the table in DROP INDEX.
    assert_eq!(
        with_code(&report(concurrently, MYSQL), codes::NOT_PORTABLE),
        ["2 error", "4 error"]
    );
}

#[test]
fn returning_is_refused_by_mysql_only() {
    let text =
        "-- migrate:up\nDELETE FROM s WHERE k = 'a' RETURNING k;\n-- migrate:down noop=true\n";
    assert!(with_code(&report(text, SQLITE), codes::NOT_PORTABLE).is_empty());
    assert!(with_code(&report(text, POSTGRES), codes::NOT_PORTABLE).is_empty());
    assert_eq!(
        with_code(&report(text, MYSQL), codes::NOT_PORTABLE),
        ["2 error"]
    );
}

#[test]
fn alter_table_forms_that_belong_to_one_engine() {
    let modify =
        "-- migrate:up\nALTER TABLE t MODIFY c VARCHAR(20) NOT NULL;\n-- migrate:down\nSELECT 1;\n";
    assert!(with_code(&report(modify, MYSQL), codes::NOT_PORTABLE).is_empty());
    assert_eq!(
        with_code(&report(modify, POSTGRES), codes::NOT_PORTABLE),
        ["2 error"]
    );
    assert_eq!(
        with_code(&report(modify, SQLITE), codes::NOT_PORTABLE),
        ["2 error"]
    );

    let alter_type = "-- migrate:up\nALTER TABLE t ALTER COLUMN c TYPE VARCHAR(20);\n-- migrate:down\nSELECT 1;\n";
    assert!(with_code(&report(alter_type, POSTGRES), codes::NOT_PORTABLE).is_empty());
    assert_eq!(
        with_code(&report(alter_type, MYSQL), codes::NOT_PORTABLE),
        ["2 error"]
    );
    assert!(message(&report(alter_type, MYSQL), codes::NOT_PORTABLE).contains("MODIFY"));

    let two_actions = "-- migrate:up\nALTER TABLE t ADD COLUMN a INT, ADD COLUMN b INT;\n-- migrate:down\nSELECT 1;\n";
    assert!(with_code(&report(two_actions, POSTGRES), codes::NOT_PORTABLE).is_empty());
    assert!(with_code(&report(two_actions, MYSQL), codes::NOT_PORTABLE).is_empty());
    assert_eq!(
        with_code(&report(two_actions, SQLITE), codes::NOT_PORTABLE),
        ["2 error"]
    );

    let constraint = "-- migrate:up\nALTER TABLE t ADD CONSTRAINT t_c CHECK (c > 0);\n-- migrate:down\nSELECT 1;\n";
    assert!(
        message(&report(constraint, SQLITE), codes::NOT_PORTABLE)
            .contains("only renames the table")
    );

    let not_null =
        "-- migrate:up\nALTER TABLE t ADD COLUMN c INT NOT NULL;\n-- migrate:down\nSELECT 1;\n";
    assert!(message(&report(not_null, SQLITE), codes::NOT_PORTABLE).contains("without a DEFAULT"));
    assert!(with_code(&report(not_null, POSTGRES), codes::NOT_PORTABLE).is_empty());
}

#[test]
fn drop_index_names_the_table_on_mysql_only() {
    let with_table =
        "-- migrate:up\nDROP INDEX i ON t;\n-- migrate:down\nCREATE INDEX i ON t (c);\n";
    let without = "-- migrate:up\nDROP INDEX i;\n-- migrate:down\nCREATE INDEX i ON t (c);\n";
    assert!(with_code(&report(with_table, MYSQL), codes::NOT_PORTABLE).is_empty());
    assert_eq!(
        with_code(&report(without, MYSQL), codes::NOT_PORTABLE),
        ["2 error"]
    );
    for engine in [SQLITE, POSTGRES] {
        assert_eq!(
            with_code(&report(with_table, engine), codes::NOT_PORTABLE),
            ["2 error"]
        );
        assert!(with_code(&report(without, engine), codes::NOT_PORTABLE).is_empty());
    }
}

#[test]
fn column_references_are_ignored_by_mysql() {
    let text = "-- migrate:up\nCREATE TABLE visit (id INT PRIMARY KEY, patient_id INT REFERENCES patient (id));\n-- migrate:down\nDROP TABLE visit;\n";
    assert_eq!(
        with_code(&report(text, MYSQL), codes::NOT_PORTABLE),
        ["2 warning"]
    );
    assert!(with_code(&report(text, POSTGRES), codes::NOT_PORTABLE).is_empty());
}

#[test]
fn double_quotes_are_strings_on_mysql() {
    let ddl =
        "-- migrate:up\nCREATE TABLE \"t\" (\"c\" INT);\n-- migrate:down\nDROP TABLE \"t\";\n";
    assert!(with_code(&report(ddl, POSTGRES), codes::NOT_PORTABLE).is_empty());
    assert_eq!(
        with_code(&report(ddl, MYSQL), codes::NOT_PORTABLE),
        ["2 error", "4 error"]
    );
    let dml = "-- migrate:up\nUPDATE t SET c = \"x\";\n-- migrate:down noop=true\n";
    assert_eq!(
        with_code(&report(dml, MYSQL), codes::NOT_PORTABLE),
        ["2 warning"]
    );
    // A file written for MySQL alone means MySQL's strings.
    let r = report_of(
        &[("0001_x.sql", "SELECT 1;\n"), ("0001_x.mysql.sql", dml)],
        MYSQL,
    );
    assert!(
        with_code(&r, codes::NOT_PORTABLE).is_empty(),
        "{}",
        dump(&r)
    );
}

#[test]
fn a_statement_only_another_engine_parses_is_not_portable() {
    // MySQL's INSERT ... SET, which no rule knows.
    let text = "-- migrate:up\nINSERT INTO t SET c = 1;\n-- migrate:down noop=true\n";
    assert!(with_code(&report(text, MYSQL), codes::NOT_PORTABLE).is_empty());
    for engine in [SQLITE, POSTGRES] {
        let r = report(text, engine);
        assert_eq!(
            with_code(&r, codes::NOT_PORTABLE),
            ["2 error"],
            "{}",
            dump(&r)
        );
        let m = message(&r, codes::NOT_PORTABLE);
        assert!(
            m.contains("does not parse as") && m.contains("but does as MySQL/MariaDB's"),
            "{m}"
        );
    }
}

#[test]
fn update_and_delete_with_limit_are_mysql_s() {
    let text = "-- migrate:up\nDELETE FROM t WHERE old ORDER BY id LIMIT 100;\n-- migrate:down noop=true\n";
    assert!(with_code(&report(text, MYSQL), codes::NOT_PORTABLE).is_empty());
    for engine in [SQLITE, POSTGRES] {
        assert_eq!(
            with_code(&report(text, engine), codes::NOT_PORTABLE),
            ["2 error"]
        );
    }
    let nested = "-- migrate:up\nDELETE FROM t WHERE id IN (SELECT id FROM t ORDER BY id LIMIT 100);\n-- migrate:down noop=true\n";
    assert!(with_code(&report(nested, POSTGRES), codes::NOT_PORTABLE).is_empty());
}

#[test]
fn what_no_parser_reads_is_reported_as_not_checked() {
    let text = "-- migrate:up\nCREATE TABLE t (c INT) PARTITION BY WEIRD (c) FROBNICATE;\n-- migrate:down\nDROP TABLE t;\n";
    for engine in ENGINES {
        let r = report(text, engine);
        assert_eq!(
            with_code(&r, codes::NOT_CHECKED),
            ["2 info"],
            "{engine}: {}",
            dump(&r)
        );
    }
}

#[test]
fn a_sqlite_trigger_is_not_judged_by_another_engine_s_parser() {
    let text = "-- migrate:up
CREATE TRIGGER touch AFTER UPDATE ON t FOR EACH ROW BEGIN UPDATE t SET at = 1 WHERE id = NEW.id; END;
-- migrate:down
DROP TRIGGER touch;
";
    let r = report(text, SQLITE);
    assert!(
        with_code(&r, codes::NOT_PORTABLE).is_empty(),
        "{}",
        dump(&r)
    );
    assert_eq!(with_code(&r, codes::NOT_CHECKED), ["2 info", "4 info"]);
}

#[test]
fn portable_operations_are_portable_but_their_sql_is_checked() {
    let files = [(
        "0001_seed.toml",
        r#"
[[operations]]
op = "create_table"
table = "setting"
columns = [{ name = "id", type = "auto_id" }, { name = "k", type = "string", length = 40 }]
unique = [["k"]]

[[operations]]
op = "sql"
up = "INSERT OR IGNORE INTO setting (k) VALUES ('theme')"
down = "DELETE FROM setting WHERE k = 'theme'"
mysql = { up = "INSERT IGNORE INTO setting (k) VALUES ('theme')", down = "DELETE FROM setting WHERE k = 'theme'" }
"#,
    )];
    assert!(report_of(&files, SQLITE).findings.is_empty());
    assert!(with_code(&report_of(&files, MYSQL), codes::NOT_PORTABLE).is_empty());
    let pg = report_of(&files, POSTGRES);
    assert_eq!(
        with_code(&pg, codes::NOT_PORTABLE),
        ["8 error"],
        "{}",
        dump(&pg)
    );
    assert!(message(&pg, codes::NOT_PORTABLE).contains("`postgres = { up = \"...\" }`"));
}

/// The SQL the tool renders for each engine passes the checks written
/// for hand-written SQL: the rules know each engine's own forms.
#[test]
fn rendered_portable_sql_is_portable_on_its_engine() {
    use crate::portable::{SchemaState, render_all, reverse_all};
    use crate::testkit::portable as kit;
    for engine in ENGINES {
        let (columns, changes) = if engine == SQLITE {
            ("", "")
        } else {
            (kit::SERVER_COLUMNS, kit::SERVER_CHANGES)
        };
        let renderer = dialect(engine).unwrap().renderer().unwrap();
        let (create, state) =
            render_all(renderer, &kit::initial(columns), &SchemaState::default()).unwrap();
        let (up, after) = render_all(renderer, &kit::changes(changes), &state).unwrap();
        let back = reverse_all(&kit::changes(changes), &state).unwrap();
        let (down, _) = render_all(renderer, &back, &after).unwrap();
        let text = format!(
            "-- migrate:up\n{};\n{};\n-- migrate:down\n{};\n",
            create.join(";\n"),
            up.join(";\n"),
            down.join(";\n")
        );
        let r = report(&text, engine);
        let wrong: Vec<String> = r
            .findings
            .iter()
            .filter(|f| {
                f.code == codes::NOT_PORTABLE
                    || f.code == codes::NOT_CHECKED
                    || f.code == codes::TRANSACTION_REFUSED
            })
            .map(|f| f.to_string())
            .collect();
        assert!(wrong.is_empty(), "{engine}: {wrong:#?}");
    }
}

#[test]
fn columns_named_like_keywords_are_names() {
    let text = "-- migrate:up
CREATE TABLE car (id INT PRIMARY KEY, engine VARCHAR(20), charset VARCHAR(20), CHECK (engine <> 'steam'));
UPDATE car SET engine = 'electric' WHERE id IN (SELECT id FROM ignore);
-- migrate:down
DROP TABLE car;
";
    for engine in ENGINES {
        let r = report(text, engine);
        assert!(
            with_code(&r, codes::NOT_PORTABLE).is_empty(),
            "{engine}: {}",
            dump(&r)
        );
    }
}

#[test]
fn postgres_only_objects_and_settings() {
    let text = "-- migrate:up
CREATE EXTENSION IF NOT EXISTS pgcrypto;
COMMENT ON TABLE t IS 'x';
SET statement_timeout = 0;
-- migrate:down noop=true
";
    assert!(with_code(&report(text, POSTGRES), codes::NOT_PORTABLE).is_empty());
    for engine in [SQLITE, MYSQL] {
        let r = report(text, engine);
        assert_eq!(
            with_code(&r, codes::NOT_PORTABLE),
            ["2 error", "3 error", "4 error"],
            "{engine}: {}",
            dump(&r)
        );
    }
    let mysql_setting = "-- migrate:up\nSET FOREIGN_KEY_CHECKS = 0;\n-- migrate:down noop=true\n";
    assert!(with_code(&report(mysql_setting, MYSQL), codes::NOT_PORTABLE).is_empty());
    assert_eq!(
        with_code(&report(mysql_setting, POSTGRES), codes::NOT_PORTABLE),
        ["2 error"]
    );
    assert_eq!(
        with_code(&report(mysql_setting, SQLITE), codes::NOT_PORTABLE),
        ["2 error"]
    );
}

#[test]
fn mysql_types_on_postgres_and_postgres_types_on_mysql() {
    let mysql_types = "-- migrate:up\nCREATE TABLE t (a DATETIME, b TINYINT, c LONGTEXT, d DOUBLE);\n-- migrate:down\nDROP TABLE t;\n";
    assert!(with_code(&report(mysql_types, MYSQL), codes::NOT_PORTABLE).is_empty());
    assert!(with_code(&report(mysql_types, SQLITE), codes::NOT_PORTABLE).is_empty());
    let pg = report(mysql_types, POSTGRES);
    assert_eq!(
        with_code(&pg, codes::NOT_PORTABLE),
        ["2 error", "2 error", "2 error", "2 error"],
        "{}",
        dump(&pg)
    );
    let pg_types = "-- migrate:up\nCREATE TABLE t (a BYTEA, b VARCHAR, c UUID, d TIMESTAMP WITH TIME ZONE, e DOUBLE PRECISION);\n-- migrate:down\nDROP TABLE t;\n";
    assert!(with_code(&report(pg_types, POSTGRES), codes::NOT_PORTABLE).is_empty());
    let my = report(pg_types, MYSQL);
    let mut severities = with_code(&my, codes::NOT_PORTABLE);
    severities.sort();
    assert_eq!(
        severities,
        ["2 error", "2 error", "2 error", "2 warning"],
        "{}",
        dump(&my)
    );
}

#[test]
fn the_clinic_example_has_no_error_on_any_engine() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/clinic/migrations");
    for engine in ENGINES {
        let d = dialect(engine).unwrap();
        let source = Source::load_for(&dir, d).unwrap();
        for m in analyze_source(&source, d) {
            assert!(
                m.report.worst() < Some(Severity::Error),
                "{engine} {}: {}",
                m.key,
                dump(&m.report)
            );
        }
    }
}
