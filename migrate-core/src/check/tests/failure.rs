use super::*;
use crate::check::{Failure, Inverses, codes};

const THREE_DDL: &str = "-- migrate:up
CREATE TABLE orders (id INT PRIMARY KEY, total INT);
ALTER TABLE orders ADD COLUMN placed_at DATE;
DROP TABLE legacy_orders;

-- migrate:down
DROP TABLE orders;
";

#[test]
fn ddl_runs_in_one_transaction_on_sqlite_and_postgres() {
    for engine in [SQLITE, POSTGRES] {
        let r = report(THREE_DDL, engine);
        assert_eq!((r.failure, r.inverses), (Failure::Atomic, None), "{engine}");
        assert!(with_code(&r, codes::NO_INVERSE).is_empty());
    }
}

#[test]
fn mysql_ddl_is_journaled_with_an_inverse_for_each_statement() {
    let r = report(THREE_DDL, MYSQL);
    assert_eq!(r.failure, Failure::Journaled);
    // CREATE TABLE and ADD COLUMN are undone from their text; DROP TABLE
    // needs the table's definition read before it runs.
    assert_eq!(
        r.inverses,
        Some(Inverses {
            derived: 2,
            capture: 1,
            none: 0
        })
    );
    assert!(with_code(&r, codes::NO_INVERSE).is_empty(), "{}", dump(&r));
}

#[test]
fn a_data_change_among_mysql_ddl_has_no_inverse() {
    let r = report(
        "-- migrate:up
ALTER TABLE orders ADD COLUMN placed_at DATE;
UPDATE orders SET placed_at = '2020-01-01';
ALTER TABLE orders ADD INDEX orders_placed (placed_at);
-- migrate:down
ALTER TABLE orders DROP INDEX orders_placed;
ALTER TABLE orders DROP COLUMN placed_at;
",
        MYSQL,
    );
    assert_eq!(r.failure, Failure::Journaled);
    assert_eq!(
        r.inverses,
        Some(Inverses {
            derived: 2,
            capture: 0,
            none: 1
        })
    );
    assert_eq!(with_code(&r, codes::NO_INVERSE), ["3 warning"]);
    let m = message(&r, codes::NO_INVERSE);
    assert!(
        m.starts_with("`UPDATE orders SET placed_at = '2020-01-01'`"),
        "{m}"
    );
    assert!(m.contains("migrate repair --undo"), "{m}");
}

#[test]
fn mysql_data_changes_alone_run_in_one_transaction() {
    let r = report(
        "-- migrate:up\nINSERT INTO roles (name) VALUES ('admin');\n-- migrate:down\nDELETE FROM roles WHERE name = 'admin';\n",
        MYSQL,
    );
    assert_eq!((r.failure, r.inverses), (Failure::Atomic, None));
}

#[test]
fn transaction_false_runs_statement_by_statement_on_every_engine() {
    let text = "-- migrate:up transaction=false
CREATE TABLE tags (id INT PRIMARY KEY);
INSERT INTO tags (id) VALUES (1);
-- migrate:down
DROP TABLE tags;
";
    for engine in ENGINES {
        let r = report(text, engine);
        assert_eq!(r.failure, Failure::NoTransaction, "{engine}");
        assert_eq!(
            r.inverses,
            Some(Inverses {
                derived: 1,
                capture: 0,
                none: 1
            }),
            "{engine}"
        );
        assert_eq!(with_code(&r, codes::NO_INVERSE), ["3 warning"], "{engine}");
    }
}

#[test]
fn a_statement_refused_in_a_transaction_is_an_error_until_the_section_opts_out() {
    let refused = report(
        "-- migrate:up
CREATE TABLE audit (id INT);
CREATE INDEX CONCURRENTLY orders_total ON orders (total);
-- migrate:down
DROP INDEX CONCURRENTLY orders_total;
DROP TABLE audit;
",
        POSTGRES,
    );
    assert_eq!(
        with_code(&refused, codes::TRANSACTION_REFUSED),
        ["3 error", "5 error"],
        "{}",
        dump(&refused)
    );
    let messages: Vec<&str> = refused
        .findings
        .iter()
        .filter(|f| f.code == codes::TRANSACTION_REFUSED)
        .map(|f| f.message.as_str())
        .collect();
    assert!(
        messages[0].contains("`-- migrate:up transaction=false`"),
        "{}",
        messages[0]
    );
    assert!(
        messages[1].contains("`-- migrate:down transaction=false`"),
        "{}",
        messages[1]
    );

    let opted_out = report(
        "-- migrate:up transaction=false
CREATE INDEX CONCURRENTLY orders_total ON orders (total);
-- migrate:down transaction=false
DROP INDEX CONCURRENTLY orders_total;
",
        POSTGRES,
    );
    assert_eq!(opted_out.failure, Failure::NoTransaction);
    assert_eq!(
        opted_out.inverses,
        Some(Inverses {
            derived: 1,
            capture: 0,
            none: 0
        })
    );
    assert!(with_code(&opted_out, codes::TRANSACTION_REFUSED).is_empty());
    assert!(with_code(&opted_out, codes::BLOCKING_INDEX).is_empty());
}

#[test]
fn a_sqlite_session_pragma_is_refused_only_between_other_statements() {
    let edges = report(
        "-- migrate:up
PRAGMA foreign_keys = OFF;
CREATE TABLE a (id INTEGER PRIMARY KEY);
PRAGMA foreign_keys = ON;
-- migrate:down
DROP TABLE a;
",
        SQLITE,
    );
    assert_eq!(edges.failure, Failure::Atomic);
    assert!(
        with_code(&edges, codes::TRANSACTION_REFUSED).is_empty(),
        "{}",
        dump(&edges)
    );

    let middle = report(
        "-- migrate:up
CREATE TABLE a (id INTEGER PRIMARY KEY);
PRAGMA foreign_keys = OFF;
CREATE TABLE b (id INTEGER PRIMARY KEY);
-- migrate:down
DROP TABLE b;
DROP TABLE a;
",
        SQLITE,
    );
    assert_eq!(with_code(&middle, codes::TRANSACTION_REFUSED), ["3 error"]);
}

#[test]
fn a_portable_migration_is_journaled_on_mysql_only() {
    let files = [(
        "0001_tags.toml",
        r#"
[[operations]]
op = "create_table"
table = "tag"
columns = [{ name = "id", type = "auto_id" }, { name = "label", type = "string", length = 40 }]
indexes = [{ columns = ["label"] }]
"#,
    )];
    for engine in ENGINES {
        let r = report_of(&files, engine);
        let expected = if engine == MYSQL {
            Failure::Journaled
        } else {
            Failure::Atomic
        };
        assert_eq!(r.failure, expected, "{engine}");
        assert_eq!(r.inverses.is_some(), engine == MYSQL);
        assert!(r.findings.is_empty(), "{engine}: {}", dump(&r));
    }
}

#[test]
fn failure_and_inverses_serialize_as_documented() {
    assert_eq!(
        serde_json::to_string(&Failure::NoTransaction).unwrap(),
        "\"no-transaction\""
    );
    assert_eq!(
        serde_json::to_string(&Failure::Journaled).unwrap(),
        "\"journaled\""
    );
    assert_eq!(
        serde_json::to_string(&Failure::Atomic).unwrap(),
        "\"atomic\""
    );
    assert_eq!(
        serde_json::to_value(Inverses {
            derived: 1,
            capture: 2,
            none: 3
        })
        .unwrap(),
        serde_json::json!({"derived": 1, "capture": 2, "none": 3})
    );
}
