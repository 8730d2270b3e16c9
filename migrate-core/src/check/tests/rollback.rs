use super::*;
use crate::check::{Rollback, codes};

#[test]
fn no_down_section_is_irreversible() {
    for engine in ENGINES {
        let r = report("CREATE TABLE a (id INT);\n", engine);
        assert_eq!(r.rollback, Rollback::Irreversible, "{engine}");
        assert_eq!(with_code(&r, codes::IRREVERSIBLE), ["- warning"]);
        assert!(message(&r, codes::IRREVERSIBLE).contains("app:0001_x has no down section"));
    }
}

#[test]
fn an_empty_down_section_is_an_error() {
    for engine in ENGINES {
        let r = report(
            "-- migrate:up\nCREATE TABLE a (id INT);\n-- migrate:down\n",
            engine,
        );
        assert_eq!(r.rollback, Rollback::EmptyDown, "{engine}");
        assert_eq!(found(&r), ["- empty-down error"]);
        assert!(message(&r, codes::EMPTY_DOWN).contains("noop=true"));
    }
}

#[test]
fn an_empty_down_section_in_its_own_file_is_an_error_there() {
    let dir = tempfile::tempdir().unwrap();
    let source = load(
        dir.path(),
        &[
            ("0001_x.up.sql", "CREATE TABLE a (id INT);\n"),
            ("0001_x.down.sql", "-- nothing yet\n"),
        ],
        SQLITE,
    );
    let r = analyze(&source.app("app").unwrap()[0], dialect(SQLITE).unwrap());
    assert_eq!(r.rollback, Rollback::EmptyDown);
    assert!(r.findings[0].file.ends_with("0001_x.down.sql"));
}

#[test]
fn a_noop_down_section_is_reversible_with_a_note() {
    for engine in ENGINES {
        let r = report(
            "-- migrate:up\nINSERT INTO settings (k, v) VALUES ('theme', 'dark');\n-- migrate:down noop=true\n",
            engine,
        );
        assert_eq!(r.rollback, Rollback::Reversible, "{engine}");
        assert_eq!(found(&r), ["- noop-down info"]);
    }
}

#[test]
fn a_noop_down_after_a_destructive_up_is_lossy() {
    let r = report(
        "-- migrate:up\nDELETE FROM sessions;\n-- migrate:down noop=true\n",
        POSTGRES,
    );
    assert_eq!(r.rollback, Rollback::Lossy);
    assert_eq!(found(&r), ["- noop-down info", "2 lossy warning"]);
}

#[test]
fn a_down_that_drops_what_the_up_made_is_reversible() {
    let text = "-- migrate:up
CREATE TABLE orders (id INT PRIMARY KEY);
ALTER TABLE customers ADD COLUMN vip BOOLEAN;
INSERT INTO roles (name) VALUES ('clerk');
-- migrate:down
DELETE FROM roles WHERE name = 'clerk';
ALTER TABLE customers DROP COLUMN vip;
DROP TABLE orders;
";
    for engine in ENGINES {
        let r = report(text, engine);
        assert_eq!(r.rollback, Rollback::Reversible, "{engine}: {}", dump(&r));
        assert!(with_code(&r, codes::LOSSY).is_empty());
    }
}

#[test]
fn dropping_a_table_or_a_column_is_lossy_and_says_what_is_lost() {
    let text = "-- migrate:up
ALTER TABLE orders DROP COLUMN placed_at;
DROP TABLE legacy_orders;
-- migrate:down
CREATE TABLE legacy_orders (id INT);
ALTER TABLE orders ADD COLUMN placed_at DATE;
";
    for engine in ENGINES {
        let r = report(text, engine);
        assert_eq!(r.rollback, Rollback::Lossy, "{engine}");
        assert_eq!(with_code(&r, codes::LOSSY), ["2 warning", "3 warning"]);
        let first = &r
            .findings
            .iter()
            .find(|f| f.code == codes::LOSSY)
            .unwrap()
            .message;
        assert!(
            first.starts_with("`ALTER TABLE orders DROP COLUMN placed_at`")
                && first.contains("the values of column orders.placed_at"),
            "{first}"
        );
    }
}

#[test]
fn mysql_drop_without_the_column_keyword_is_a_dropped_column() {
    let r = report(
        "-- migrate:up\nALTER TABLE orders DROP placed_at;\n-- migrate:down\nALTER TABLE orders ADD placed_at DATE;\n",
        MYSQL,
    );
    assert!(message(&r, codes::LOSSY).contains("orders.placed_at"));
}

#[test]
fn a_type_change_whose_old_type_the_text_cannot_tell_may_narrow() {
    let cases = [
        (
            POSTGRES,
            "ALTER TABLE orders ALTER COLUMN note TYPE VARCHAR(20)",
        ),
        (MYSQL, "ALTER TABLE orders MODIFY note VARCHAR(20) NOT NULL"),
        (MYSQL, "ALTER TABLE orders CHANGE note remark VARCHAR(20)"),
    ];
    for (engine, sql) in cases {
        let r = report(
            &format!("-- migrate:up\n{sql};\n-- migrate:down\nSELECT 1;\n"),
            engine,
        );
        assert_eq!(r.rollback, Rollback::Lossy, "{sql}");
        let m = message(&r, codes::LOSSY);
        assert!(m.contains("may narrow column orders.note"), "{m}");
    }
}

#[test]
fn setting_not_null_is_lossy() {
    let r = report(
        "-- migrate:up\nALTER TABLE orders ALTER COLUMN placed_at SET NOT NULL;\n-- migrate:down\nALTER TABLE orders ALTER COLUMN placed_at DROP NOT NULL;\n",
        POSTGRES,
    );
    assert_eq!(r.rollback, Rollback::Lossy);
    assert!(message(&r, codes::LOSSY).contains("sets NOT NULL on column orders.placed_at"));
}

#[test]
fn deleting_updating_and_emptying_rows_is_lossy_unless_the_table_is_new() {
    let r = report(
        "-- migrate:up
DELETE FROM sessions WHERE expired;
UPDATE users SET email = lower(email);
TRUNCATE TABLE audit_log;
INSERT INTO settings (k, v) VALUES ('a', 'b') ON CONFLICT (k) DO UPDATE SET v = excluded.v;
CREATE TABLE scratch (id INT);
INSERT INTO scratch VALUES (1);
UPDATE scratch SET id = 2;
DELETE FROM scratch;
-- migrate:down
DROP TABLE scratch;
",
        POSTGRES,
    );
    assert_eq!(
        with_code(&r, codes::LOSSY),
        ["2 warning", "3 warning", "4 warning", "5 warning"],
        "{}",
        dump(&r)
    );
}

#[test]
fn a_table_rebuild_loses_nothing_by_itself() {
    let r = report(
        "-- migrate:up
CREATE TABLE new_orders (id INTEGER PRIMARY KEY, total INTEGER NOT NULL DEFAULT 0);
INSERT INTO new_orders (id, total) SELECT id, total FROM orders;
DROP TABLE orders;
ALTER TABLE new_orders RENAME TO orders;
-- migrate:down
SELECT 1;
",
        SQLITE,
    );
    assert_eq!(r.rollback, Rollback::Reversible, "{}", dump(&r));
    // The rebuilt table holds the old rows: changing them is a loss.
    let after = report(
        "-- migrate:up
CREATE TABLE new_orders (id INTEGER PRIMARY KEY, total INTEGER);
INSERT INTO new_orders (id, total) SELECT id, total FROM orders;
DROP TABLE orders;
ALTER TABLE new_orders RENAME TO orders;
UPDATE orders SET total = 0;
-- migrate:down
SELECT 1;
",
        SQLITE,
    );
    assert_eq!(with_code(&after, codes::LOSSY), ["6 warning"]);
}

#[test]
fn a_down_that_destroys_what_the_up_did_not_make_is_lossy() {
    let r = report(
        "-- migrate:up
ALTER TABLE orders ADD COLUMN note TEXT;
-- migrate:down
ALTER TABLE orders DROP COLUMN placed_at;
DROP TABLE customers;
DELETE FROM invoices;
",
        SQLITE,
    );
    assert_eq!(r.rollback, Rollback::Lossy);
    assert_eq!(
        with_code(&r, codes::LOSSY),
        ["4 warning", "5 warning", "6 warning"]
    );
    assert!(r.findings.iter().all(|f| f.message.contains("(down)")));
}

#[test]
fn a_portable_drop_column_is_lossy() {
    let files = [
        (
            "0001_orders.toml",
            r#"
[[operations]]
op = "create_table"
table = "orders"
columns = [{ name = "id", type = "auto_id" }, { name = "placed_at", type = "date", nullable = true }]
"#,
        ),
        (
            "0002_drop.toml",
            r#"
[[operations]]
op = "drop_column"
table = "orders"
column = "placed_at"
"#,
        ),
    ];
    for engine in ENGINES {
        let r = report_of(&files, engine);
        assert_eq!(r.rollback, Rollback::Lossy, "{engine}");
        assert_eq!(
            with_code(&r, codes::LOSSY),
            ["2 warning"],
            "{engine}: {}",
            dump(&r)
        );
        assert!(message(&r, codes::LOSSY).contains("column orders.placed_at"));
    }
}

#[test]
fn a_portable_drop_in_the_migration_that_creates_the_table_loses_nothing() {
    let files = [(
        "0001_draft.toml",
        r#"
[[operations]]
op = "create_table"
table = "draft"
columns = [
  { name = "id", type = "auto_id" },
  { name = "note", type = "text", nullable = true },
  { name = "title", type = "string", length = 100, nullable = true },
]

[[operations]]
op = "drop_column"
table = "draft"
column = "note"

[[operations]]
op = "rename_table"
table = "draft"
to = "draft2"

[[operations]]
op = "alter_column"
table = "draft2"
column = "title"
type = "string"
length = 10
nullable = false
"#,
    )];
    for engine in ENGINES {
        let r = report_of(&files, engine);
        assert_eq!(r.rollback, Rollback::Reversible, "{engine}: {}", dump(&r));
    }
}

#[test]
fn a_portable_drop_table_is_lossy() {
    let files = [
        (
            "0001_a.toml",
            "[[operations]]\nop = \"create_table\"\ntable = \"a\"\ncolumns = [{ name = \"id\", type = \"auto_id\" }]\n",
        ),
        (
            "0002_b.toml",
            "[[operations]]\nop = \"drop_table\"\ntable = \"a\"\n",
        ),
    ];
    let r = report_of(&files, POSTGRES);
    assert_eq!(r.rollback, Rollback::Lossy);
    assert!(message(&r, codes::LOSSY).contains("drops table a"));
}

const LABEL: &str = r#"
[[operations]]
op = "create_table"
table = "item"
columns = [{ name = "id", type = "auto_id" }, { name = "label", type = "string", length = 200, nullable = true }]
"#;

fn alter_label(fields: &str) -> String {
    format!(
        "[[operations]]\nop = \"alter_column\"\ntable = \"item\"\ncolumn = \"label\"\n{fields}\n"
    )
}

#[test]
fn a_portable_narrowing_is_lossy_once_the_old_type_is_known() {
    let narrow = alter_label("type = \"string\"\nlength = 50");
    let files = [
        ("0001_item.toml", LABEL),
        ("0002_narrow.toml", narrow.as_str()),
    ];
    for engine in ENGINES {
        let r = source_report_of(&files, engine);
        assert_eq!(r.rollback, Rollback::Lossy, "{engine}");
        let m = message(&r, codes::LOSSY);
        assert!(m.contains("from string(200) to string(50)"), "{m}");
    }
    // Alone, the migration does not tell the type it had.
    let alone = report_of(&files, SQLITE);
    assert!(message(&alone, codes::LOSSY).contains("may narrow"));
}

#[test]
fn a_portable_widening_is_reversible() {
    let widen = alter_label("type = \"string\"\nlength = 500");
    let files = [
        ("0001_item.toml", LABEL),
        ("0002_widen.toml", widen.as_str()),
    ];
    for engine in ENGINES {
        let r = source_report_of(&files, engine);
        assert_eq!(r.rollback, Rollback::Reversible, "{engine}: {}", dump(&r));
    }
    let in_one = format!("{LABEL}\n{widen}");
    let r = report_of(&[("0001_item.toml", in_one.as_str())], POSTGRES);
    assert_eq!(r.rollback, Rollback::Reversible, "{}", dump(&r));
}

#[test]
fn a_portable_not_null_is_lossy() {
    let not_null = alter_label("nullable = false");
    let files = [
        ("0001_item.toml", LABEL),
        ("0002_nn.toml", not_null.as_str()),
    ];
    let r = source_report_of(&files, MYSQL);
    assert_eq!(r.rollback, Rollback::Lossy);
    assert!(message(&r, codes::LOSSY).contains("sets NOT NULL on column item.label"));
}

#[test]
fn a_portable_sql_operation_without_down_is_irreversible() {
    let files = [(
        "0001_seed.toml",
        r#"
[[operations]]
op = "create_table"
table = "setting"
columns = [{ name = "id", type = "auto_id" }, { name = "k", type = "string", length = 40 }]

[[operations]]
op = "sql"
up = "INSERT INTO setting (k) VALUES ('a')"
postgres = { up = "INSERT INTO setting (k) VALUES ('a')", down = "DELETE FROM setting WHERE k = 'a'" }
"#,
    )];
    for engine in ENGINES {
        let r = report_of(&files, engine);
        assert_eq!(r.rollback, Rollback::Irreversible, "{engine}");
        assert_eq!(with_code(&r, codes::IRREVERSIBLE), ["7 warning"]);
        let m = message(&r, codes::IRREVERSIBLE);
        assert!(
            m.starts_with("app:0001_seed: it cannot be unapplied: operation 2 (sql)")
                && m.contains("no `down` for sqlite, mysql"),
            "{m}"
        );
    }
}

#[test]
fn rollback_serializes_as_documented() {
    let names: Vec<String> = [
        Rollback::Reversible,
        Rollback::Irreversible,
        Rollback::EmptyDown,
        Rollback::Lossy,
    ]
    .iter()
    .map(|r| serde_json::to_string(r).unwrap())
    .collect();
    assert_eq!(
        names,
        [
            "\"reversible\"",
            "\"irreversible\"",
            "\"empty-down\"",
            "\"lossy\""
        ]
    );
}
