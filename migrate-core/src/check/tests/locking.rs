use super::*;
use crate::check::codes;

fn up(sql: &str) -> String {
    format!("-- migrate:up\n{sql};\n-- migrate:down noop=true\n")
}

fn locks(sql: &str, engine: SqlDialect) -> Vec<String> {
    let r = report(&up(sql), engine);
    r.findings
        .iter()
        .filter(|f| {
            [
                codes::TABLE_REWRITE,
                codes::TABLE_SCAN,
                codes::BLOCKING_INDEX,
            ]
            .contains(&f.code)
        })
        .map(|f| f.code.to_string())
        .collect()
}

#[test]
fn postgres_create_index_blocks_writes_unless_concurrently() {
    assert_eq!(
        locks("CREATE INDEX orders_total ON orders (total)", POSTGRES),
        ["blocking-index"]
    );
    let m = message(
        &report(
            &up("CREATE UNIQUE INDEX orders_ref ON orders (ref)"),
            POSTGRES,
        ),
        codes::BLOCKING_INDEX,
    );
    assert!(
        m.contains("CONCURRENTLY") && m.contains("`-- migrate:up transaction=false`"),
        "{m}"
    );
    let concurrently = "-- migrate:up transaction=false\nCREATE INDEX CONCURRENTLY orders_total ON orders (total);\n-- migrate:down noop=true\n";
    assert!(
        report(concurrently, POSTGRES)
            .findings
            .iter()
            .all(|f| f.code != codes::BLOCKING_INDEX)
    );
}

#[test]
fn postgres_type_changes_rewrite_the_table_unless_they_widen_a_varchar() {
    assert_eq!(
        locks(
            "ALTER TABLE orders ALTER COLUMN total TYPE BIGINT",
            POSTGRES
        ),
        ["table-rewrite"]
    );
    assert_eq!(
        locks(
            "ALTER TABLE orders ALTER COLUMN note TYPE numeric(12,2) USING note::numeric",
            POSTGRES
        ),
        ["table-rewrite"]
    );
    assert!(
        locks(
            "ALTER TABLE orders ALTER COLUMN note TYPE VARCHAR(500)",
            POSTGRES
        )
        .is_empty()
    );
    assert!(
        locks(
            "ALTER TABLE orders ALTER COLUMN note SET DATA TYPE TEXT",
            POSTGRES
        )
        .is_empty()
    );
    assert!(
        locks(
            "ALTER TABLE orders ALTER COLUMN note TYPE varchar(500) USING note::varchar(500)",
            POSTGRES
        )
        .is_empty()
    );
    assert_eq!(
        locks(
            "ALTER TABLE orders ALTER COLUMN note TYPE varchar(500) USING trim(note)",
            POSTGRES
        ),
        ["table-rewrite"]
    );
}

#[test]
fn postgres_set_not_null_scans_the_table() {
    assert_eq!(
        locks(
            "ALTER TABLE orders ALTER COLUMN placed_at SET NOT NULL",
            POSTGRES
        ),
        ["table-scan"]
    );
    assert!(
        locks(
            "ALTER TABLE orders ALTER COLUMN placed_at DROP NOT NULL",
            POSTGRES
        )
        .is_empty()
    );
}

#[test]
fn postgres_rewrites_for_a_volatile_default_only() {
    assert_eq!(
        locks(
            "ALTER TABLE orders ADD COLUMN token UUID DEFAULT gen_random_uuid()",
            POSTGRES
        ),
        ["table-rewrite"]
    );
    assert_eq!(
        locks("ALTER TABLE orders ADD COLUMN seq BIGSERIAL", POSTGRES),
        ["table-rewrite"]
    );
    assert_eq!(
        locks(
            "ALTER TABLE orders ADD COLUMN n INT GENERATED ALWAYS AS IDENTITY",
            POSTGRES
        ),
        ["table-rewrite"]
    );
    assert!(
        locks(
            "ALTER TABLE orders ADD COLUMN flag BOOLEAN NOT NULL DEFAULT false",
            POSTGRES
        )
        .is_empty()
    );
    assert!(
        locks(
            "ALTER TABLE orders ADD COLUMN at TIMESTAMPTZ DEFAULT now()",
            POSTGRES
        )
        .is_empty()
    );
    assert!(
        locks(
            "ALTER TABLE orders ADD COLUMN note TEXT DEFAULT 'random()'",
            POSTGRES
        )
        .is_empty()
    );
}

#[test]
fn postgres_constraints_scan_unless_not_valid() {
    assert_eq!(
        locks(
            "ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id)",
            POSTGRES
        ),
        ["table-scan"]
    );
    assert_eq!(
        locks(
            "ALTER TABLE orders ADD CONSTRAINT positive CHECK (total >= 0)",
            POSTGRES
        ),
        ["table-scan"]
    );
    assert!(
        locks(
            "ALTER TABLE orders ADD CONSTRAINT positive CHECK (total >= 0) NOT VALID",
            POSTGRES
        )
        .is_empty()
    );
    assert!(locks("ALTER TABLE orders VALIDATE CONSTRAINT positive", POSTGRES).is_empty());
    assert_eq!(
        locks(
            "ALTER TABLE orders ADD CONSTRAINT orders_ref_key UNIQUE (ref)",
            POSTGRES
        ),
        ["blocking-index"]
    );
    assert!(
        locks(
            "ALTER TABLE orders ADD CONSTRAINT orders_ref_key UNIQUE USING INDEX orders_ref",
            POSTGRES
        )
        .is_empty()
    );
}

#[test]
fn mysql_copies_the_table_for_type_changes_and_foreign_keys() {
    assert_eq!(
        locks("ALTER TABLE orders MODIFY total BIGINT NOT NULL", MYSQL),
        ["table-rewrite"]
    );
    assert_eq!(
        locks("ALTER TABLE orders CHANGE total amount BIGINT", MYSQL),
        ["table-rewrite"]
    );
    assert_eq!(
        locks(
            "ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (customer_id) REFERENCES customers (id)",
            MYSQL
        ),
        ["table-rewrite"]
    );
    assert_eq!(
        locks("ALTER TABLE orders ADD PRIMARY KEY (id)", MYSQL),
        ["table-rewrite"]
    );
    assert_eq!(
        locks("ALTER TABLE orders DROP PRIMARY KEY", MYSQL),
        ["table-rewrite"]
    );
    assert_eq!(
        locks("ALTER TABLE orders CONVERT TO CHARACTER SET utf8mb4", MYSQL),
        ["table-rewrite"]
    );
    assert_eq!(
        locks("ALTER TABLE orders ENGINE=InnoDB", MYSQL),
        ["table-rewrite"]
    );
    assert_eq!(
        locks(
            "ALTER TABLE orders ADD COLUMN note TEXT, ALGORITHM=COPY",
            MYSQL
        ),
        ["table-rewrite"]
    );
    assert_eq!(
        locks("CREATE FULLTEXT INDEX orders_note ON orders (note)", MYSQL),
        ["blocking-index"]
    );
}

#[test]
fn mysql_online_changes_are_not_reported() {
    for sql in [
        "ALTER TABLE orders ADD COLUMN note TEXT",
        "ALTER TABLE orders DROP COLUMN note",
        "ALTER TABLE orders RENAME COLUMN note TO remark",
        "ALTER TABLE orders ADD INDEX orders_total (total)",
        "CREATE INDEX orders_total ON orders (total)",
        "ALTER TABLE orders ALTER COLUMN total SET DEFAULT 0",
    ] {
        assert!(locks(sql, MYSQL).is_empty(), "{sql}");
    }
}

#[test]
fn sqlite_reports_no_lock() {
    for sql in [
        "CREATE INDEX orders_total ON orders (total)",
        "ALTER TABLE orders ADD COLUMN note TEXT DEFAULT 'x'",
    ] {
        assert!(locks(sql, SQLITE).is_empty(), "{sql}");
    }
}

#[test]
fn a_table_the_migration_created_is_not_reported() {
    let text = "-- migrate:up
CREATE TABLE orders (id BIGINT PRIMARY KEY, total INT);
CREATE INDEX orders_total ON orders (total);
ALTER TABLE orders ALTER COLUMN total TYPE BIGINT;
ALTER TABLE orders ADD CONSTRAINT positive CHECK (total >= 0);
ALTER TABLE orders RENAME TO purchases;
CREATE INDEX purchases_total ON purchases (total);
-- migrate:down
DROP TABLE purchases;
";
    let r = report(text, POSTGRES);
    assert!(r.findings.is_empty(), "{}", dump(&r));
    let mysql = report(
        &text.replace("ALTER COLUMN total TYPE BIGINT", "MODIFY total BIGINT"),
        MYSQL,
    );
    assert!(
        with_code(&mysql, codes::TABLE_REWRITE).is_empty(),
        "{}",
        dump(&mysql)
    );
}

#[test]
fn a_portable_index_on_postgres_points_to_a_variant() {
    let files = [
        (
            "0001_item.toml",
            "[[operations]]\nop = \"create_table\"\ntable = \"item\"\ncolumns = [{ name = \"id\", type = \"auto_id\" }, { name = \"label\", type = \"string\", length = 40 }]\n",
        ),
        (
            "0002_index.toml",
            "[[operations]]\nop = \"create_index\"\ntable = \"item\"\ncolumns = [\"label\"]\n",
        ),
    ];
    let r = report_of(&files, POSTGRES);
    assert_eq!(with_code(&r, codes::BLOCKING_INDEX), ["1 warning"]);
    assert!(message(&r, codes::BLOCKING_INDEX).contains("`NNNN_name.postgres.sql` variant"));
    assert!(report_of(&files, MYSQL).findings.is_empty());
}

#[test]
fn findings_come_in_line_then_code_order() {
    let text = "-- migrate:up
ALTER TABLE orders ALTER COLUMN total TYPE BIGINT;
CREATE INDEX orders_total ON orders (total);
DELETE FROM carts;
-- migrate:down
SELECT 1;
";
    let r = report(text, POSTGRES);
    assert_eq!(
        found(&r),
        [
            "2 lossy warning",
            "2 table-rewrite warning",
            "3 blocking-index warning",
            "4 lossy warning"
        ]
    );
    let dir = tempfile::tempdir().unwrap();
    let source = load(dir.path(), &[("0001_x.sql", text)], POSTGRES);
    let m = &source.app("app").unwrap()[0];
    let d = dialect(POSTGRES).unwrap();
    assert_eq!(analyze(m, d), analyze(m, d));
}

#[test]
fn mysql_rewrites_suggest_online_sections_which_are_not_reported() {
    let sql = "ALTER TABLE orders MODIFY total BIGINT";
    let m = message(&report(&up(sql), MYSQL), codes::TABLE_REWRITE);
    assert!(m.contains("`-- migrate:up online=pt-osc`"), "{m}");
    let online = format!("-- migrate:up online=pt-osc\n{sql};\n-- migrate:down noop=true\n");
    let r = report(&online, MYSQL);
    assert!(
        !r.findings.iter().any(|f| f.code == codes::TABLE_REWRITE),
        "{:?}",
        r.findings
    );
}
