//! One portable migration set on every engine: equivalent schemas, every
//! step reversible, rows surviving SQLite rebuilds and MySQL `MODIFY`.

use std::sync::Arc;

use crate::harness::shape::shape;
use crate::harness::{Ctx, Kind};

fn write_set(ctx: &Ctx) {
    ctx.write(
        "clinic",
        "0001_initial.toml",
        r#"
[[operations]]
op = "create_table"
table = "doctor"
columns = [
  { name = "id", type = "auto_id" },
  { name = "name", type = "string", length = 100 },
]

[[operations]]
op = "create_table"
table = "patient"
columns = [
  { name = "id", type = "auto_id" },
  { name = "name", type = "string", length = 100 },
  { name = "doctor_id", type = "integer", nullable = true },
  { name = "balance", type = "decimal", precision = 10, scale = 2, default = "0" },
]
indexes = [{ columns = ["doctor_id"] }]
foreign_keys = [{ columns = ["doctor_id"], references = "doctor", on_delete = "cascade" }]
"#,
    );
    ctx.write(
        "clinic",
        "0002_email.toml",
        r#"
[[operations]]
op = "add_column"
table = "patient"
column = { name = "email", type = "string", length = 200, nullable = true }

[[operations]]
op = "create_index"
table = "patient"
columns = ["email"]
unique = true
"#,
    );
    ctx.write(
        "clinic",
        "0003_longer_name.toml",
        r#"
[[operations]]
op = "alter_column"
table = "patient"
column = "name"
type = "string"
length = 200

[[operations]]
op = "rename_column"
table = "patient"
column = "balance"
to = "credit"
"#,
    );
    ctx.write(
        "clinic",
        "0004_upper.toml",
        r#"
[[operations]]
op = "sql"
up = "UPDATE patient SET name = upper(name)"
down = "UPDATE patient SET name = lower(name)"
"#,
    );
}

/// The schema every engine must end with, after normalizing types.
const FINAL: &[&str] = &[
    "table doctor",
    "  column id integer primary key auto_increment",
    "  column name string(100) not null",
    "table patient",
    "  column id integer primary key auto_increment",
    "  column name string(200) not null",
    "  column doctor_id integer null",
    "  column credit decimal(10,2) not null default 0",
    "  column email string(200) null",
    "  index patient_doctor_id_idx (doctor_id)",
    "  unique index patient_email_idx (email)",
    "  foreign key (doctor_id) references doctor (id) on delete cascade",
];

pub async fn portable_set_is_equivalent_everywhere(ctx: Arc<Ctx>) {
    write_set(&ctx);
    ctx.migrate(&["clinic", "0001"]).expect_code(0);
    ctx.db
        .exec("INSERT INTO doctor (id, name) VALUES (1, 'House')")
        .await;
    ctx.db
        .exec("INSERT INTO patient (id, name, doctor_id, balance) VALUES (1, 'ann', 1, 10.5)")
        .await;
    ctx.db
        .exec("INSERT INTO patient (id, name, doctor_id) VALUES (2, 'bob', NULL)")
        .await;
    let mut shapes = vec![shape(&ctx.db).await];
    for target in ["0002", "0003", "0004"] {
        ctx.migrate(&["clinic", target]).expect_code(0);
        shapes.push(shape(&ctx.db).await);
    }
    assert_eq!(shapes[3], FINAL, "{:?}: {:#?}", ctx.kind(), shapes[3]);
    // Rows survived the rebuild (SQLite) or MODIFY (MySQL) of patient.
    assert_eq!(ctx.db.count("SELECT COUNT(*) FROM patient").await, 2);
    assert_eq!(
        ctx.db
            .count("SELECT COUNT(*) FROM patient WHERE name = 'ANN' AND credit = 10.5")
            .await,
        1
    );
    assert_eq!(
        ctx.db.count("SELECT COUNT(*) FROM doctor").await,
        1,
        "no cascade ran"
    );
    // Every step back restores the schema before it, rows included.
    for (target, expected) in [("0003", 2), ("0002", 1), ("0001", 0)] {
        ctx.migrate(&["clinic", target]).expect_code(0);
        assert_eq!(
            shape(&ctx.db).await,
            shapes[expected],
            "back to {target} on {:?}",
            ctx.kind()
        );
        assert_eq!(ctx.db.count("SELECT COUNT(*) FROM patient").await, 2);
    }
    assert_eq!(
        ctx.db
            .count("SELECT COUNT(*) FROM patient WHERE name = 'ann' AND balance = 10.5")
            .await,
        1
    );
    // What production will run, shown from here without a connection.
    ctx.migrate(&["sql", "clinic", "0003", "--dialect", "mysql"])
        .expect_code(0)
        .expect_text("ALTER TABLE `patient` MODIFY COLUMN `name` VARCHAR(200) NOT NULL;");
    ctx.migrate(&[
        "sql",
        "clinic",
        "0003",
        "--dialect",
        "sqlite",
        "--backwards",
    ])
    .expect_code(0)
    .expect_text("PRAGMA foreign_keys = OFF;\nBEGIN IMMEDIATE;");
    ctx.migrate(&["sql", "clinic", "0003", "--dialect", "postgres"])
        .expect_code(0)
        .expect_text("ALTER TABLE \"patient\" ALTER COLUMN \"name\" TYPE varchar(200)");
}

pub async fn portable_errors_name_file_line_and_operation(ctx: Arc<Ctx>) {
    ctx.write(
        "clinic",
        "0001_bad.toml",
        "[[operations]]\nop = \"create_table\"\ntable = \"t\"\ncolumns = [{ name = \"a\", type = \"strng\" }]\n",
    );
    ctx.migrate(&[])
        .expect_code(2)
        .expect_text("0001_bad.toml:4: operation 1 (create_table), field `columns[1].type`");
    ctx.write(
        "clinic",
        "0001_bad.toml",
        "[[operations]]\nop = \"create_table\"\ntable = \"t\"\ncolumns = [{ name = \"id\", type = \"auto_id\" }]\n\n[[operations]]\nop = \"drop_column\"\ntable = \"t\"\ncolumn = \"nope\"\n",
    );
    ctx.migrate(&[])
        .expect_code(2)
        .expect_text("0001_bad.toml:6: operation 2 (drop_column)")
        .expect_text("nope");
    // Raw SQL without `down` makes the migration irreversible, said clearly.
    ctx.write(
        "clinic",
        "0001_bad.toml",
        "[[operations]]\nop = \"sql\"\nup = \"CREATE TABLE t (id INTEGER)\"\n",
    );
    ctx.migrate(&[]).expect_code(0);
    ctx.migrate(&["clinic", "zero"])
        .expect_code(3)
        .expect_text("clinic:0001_bad is irreversible: it cannot be unapplied")
        .expect_text("operation 1 (sql)");
    ctx.migrate(&["new", "clinic", "next", "--portable"])
        .expect_code(0)
        .expect_text("0002_next.toml");
}

pub async fn a_variant_replaces_a_portable_migration_on_one_engine(ctx: Arc<Ctx>) {
    ctx.write(
        "app",
        "0001_t.toml",
        "[[operations]]\nop = \"create_table\"\ntable = \"t\"\ncolumns = [{ name = \"id\", type = \"auto_id\" }, { name = \"name\", type = \"string\", length = 50 }]\n",
    );
    ctx.write(
        "app",
        "0001_t.mysql.sql",
        "-- migrate:up\nCREATE TABLE t (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, name VARCHAR(50) NOT NULL) ENGINE=InnoDB ROW_FORMAT=DYNAMIC;\n-- migrate:down\nDROP TABLE t;\n",
    );
    // A later portable migration builds on the table on every engine.
    ctx.write(
        "app",
        "0002_note.toml",
        "[[operations]]\nop = \"add_column\"\ntable = \"t\"\ncolumn = { name = \"note\", type = \"text\", nullable = true }\n",
    );
    ctx.migrate(&[]).expect_code(0);
    assert_eq!(ctx.db.columns("t").await, ["id", "name", "note"]);
    ctx.migrate(&["sql", "app", "0001", "--dialect", "mysql"])
        .expect_code(0)
        .expect_text("ROW_FORMAT=DYNAMIC");
    ctx.migrate(&["sql", "app", "0001", "--dialect", "postgres"])
        .expect_code(0)
        .expect_text("GENERATED BY DEFAULT AS IDENTITY")
        .expect_no_text("ROW_FORMAT");
    ctx.migrate(&["app", "zero"]).expect_code(0);
    assert!(ctx.db.tables().await.is_empty());
}

const DROP_PLACED_AT: &str =
    "[[operations]]\nop = \"drop_column\"\ntable = \"orders\"\ncolumn = \"placed_at\"\n";

/// What every engine says when asked to step back across the drop of a NOT
/// NULL column without a default.
const NO_WAY_BACK: &str = "shop:0002_drop_placed_at is irreversible: it cannot be unapplied: operation 1 (drop_column) is irreversible: \
column `placed_at` of `orders` is NOT NULL without a default, so the rows of `orders` would have no value for it when it is added back: \
give this `drop_column` a `restore_default` (the value those rows get), \
or write `.sql` variants of the migration (`NNNN_name.sqlite.sql`, `.postgres.sql`, `.mysql.sql`) with a `-- migrate:down` section, \
or undo it by hand and record that with `migrate --fake`.";

/// The drop of a NOT NULL column without a default, unapplied with a row in
/// the table: refused before anything runs without `restore_default`, and
/// with it the column comes back NOT NULL, filled, without a default, on
/// every engine.
pub async fn dropped_not_null_column_unapplies_alike_everywhere(ctx: Arc<Ctx>) {
    ctx.write(
        "shop",
        "0001_orders.toml",
        r#"
[[operations]]
op = "create_table"
table = "orders"
columns = [
  { name = "id", type = "auto_id" },
  { name = "item", type = "string", length = 50 },
  { name = "placed_at", type = "timestamp" },
]
"#,
    );
    ctx.migrate(&["shop", "0001"]).expect_code(0);
    ctx.db
        .exec("INSERT INTO orders (id, item, placed_at) VALUES (1, 'tea', '2024-05-01 10:00:00')")
        .await;
    let before_drop = shape(&ctx.db).await;
    assert_eq!(
        before_drop,
        [
            "table orders",
            "  column id integer primary key auto_increment",
            "  column item string(50) not null",
            "  column placed_at timestamp not null",
        ],
        "{:?}",
        ctx.kind()
    );
    ctx.write("shop", "0002_drop_placed_at.toml", DROP_PLACED_AT);
    ctx.migrate(&[]).expect_code(0);
    let after_drop = shape(&ctx.db).await;
    assert_eq!(ctx.db.columns("orders").await, ["id", "item"]);

    // (a) Nothing says what the row gets: refused before anything runs.
    ctx.migrate(&["shop", "0001"])
        .expect_code(3)
        .expect_text(NO_WAY_BACK)
        .expect_no_text("Nothing of this migration");
    assert_eq!(shape(&ctx.db).await, after_drop, "{:?}", ctx.kind());
    assert_eq!(
        ctx.db.strings("SELECT item FROM orders WHERE id = 1").await,
        ["tea"]
    );
    ctx.migrate(&["status"])
        .expect_text(" [X] 0002_drop_placed_at");
    ctx.migrate(&["sql", "shop", "0002", "--backwards", "--dialect", "mysql"])
        .expect_code(3)
        .expect_text("shop:0002_drop_placed_at is irreversible");

    // (b) With `restore_default`, the row gets it and the schema is the one
    // before the drop. Unapplying the edited file runs its down section,
    // since none was stored when the drop was applied.
    ctx.write(
        "shop",
        "0002_drop_placed_at.toml",
        &format!("{DROP_PLACED_AT}restore_default = \"2000-01-01 00:00:00\"\n"),
    );
    ctx.migrate(&["shop", "0001"]).expect_code(0);
    assert_eq!(shape(&ctx.db).await, before_drop, "{:?}", ctx.kind());
    let restored = "SELECT COUNT(*) FROM orders WHERE id = 1 AND item = 'tea' AND placed_at = '2000-01-01 00:00:00'";
    assert_eq!(ctx.db.count(restored).await, 1, "{:?}", ctx.kind());
    assert_eq!(ctx.db.count("SELECT COUNT(*) FROM orders").await, 1);
    // Applied again with the field, its down is stored and runs the same.
    ctx.db
        .exec("UPDATE orders SET placed_at = '2024-05-01 10:00:00'")
        .await;
    ctx.migrate(&[]).expect_code(0);
    assert_eq!(shape(&ctx.db).await, after_drop, "{:?}", ctx.kind());
    ctx.migrate(&["shop", "0001"]).expect_code(0);
    assert_eq!(shape(&ctx.db).await, before_drop, "{:?}", ctx.kind());
    assert_eq!(ctx.db.count(restored).await, 1, "{:?}", ctx.kind());
}

/// Every portable type, a unique constraint, indexes, a check and a
/// foreign key.
const EVERY_TYPE: &str = r#"
[[operations]]
op = "create_table"
table = "account"
columns = [
  { name = "id", type = "auto_id" },
  { name = "code", type = "string", length = 20 },
]
unique = [["code"]]

[[operations]]
op = "create_table"
table = "entry"
columns = [
  { name = "id", type = "big_auto_id" },
  { name = "account_id", type = "integer" },
  { name = "small", type = "smallint", default = -1 },
  { name = "big", type = "bigint", nullable = true },
  { name = "amount", type = "decimal", precision = 12, scale = 3, default = "0" },
  { name = "ratio", type = "float", default = 1.5 },
  { name = "exact", type = "double", nullable = true },
  { name = "active", type = "boolean", default = true },
  { name = "label", type = "string", length = 50, default = "it's" },
  { name = "body", type = "text", nullable = true },
  { name = "raw", type = "binary", nullable = true },
  { name = "day", type = "date", default = "2024-01-31" },
  { name = "at", type = "time", nullable = true },
  { name = "created", type = "timestamp", default = { now = true } },
  { name = "seen", type = "timestamp_tz", nullable = true },
  { name = "ref", type = "uuid", nullable = true },
  { name = "data", type = "json", nullable = true },
]
indexes = [{ columns = ["account_id"] }, { columns = ["day", "label"], unique = true }]
checks = [{ name = "entry_amount_positive", expr = "amount >= 0" }]
foreign_keys = [{ columns = ["account_id"], references = "account", on_delete = "cascade" }]
"#;

/// Changes that rebuild the table on SQLite and `MODIFY` it on MySQL.
const CHANGES: &str = r#"
[[operations]]
op = "alter_column"
table = "entry"
column = "label"
type = "string"
length = 100
nullable = true

[[operations]]
op = "rename_column"
table = "entry"
column = "small"
to = "tiny"

[[operations]]
op = "add_column"
table = "entry"
column = { name = "note", type = "string", length = 10, nullable = true }

[[operations]]
op = "drop_index"
table = "entry"
columns = ["day", "label"]
"#;

/// What SQLite stores differently, and so reads back differently: a
/// `big_auto_id` is its 64-bit `INTEGER` rowid, a `json` column `TEXT`.
const SQLITE_GAPS: &[&str] = &[
    "column entry.id: type bigint → integer",
    "column entry.data: type json → text",
];

/// The same portable migrations inspect to the same schema on every engine,
/// after creating and after changing tables, but for what SQLite cannot
/// store; and to no table at all once unapplied.
pub async fn same_schema_on_every_engine(ctxs: Vec<Arc<Ctx>>) {
    use migrate_core::schema::{Schema, diff};

    use crate::harness::shape::schema;

    for ctx in &ctxs {
        ctx.write("books", "0001_every_type.toml", EVERY_TYPE);
        ctx.write("books", "0002_changes.toml", CHANGES);
    }
    for target in ["0001", "0002"] {
        let mut schemas = Vec::new();
        for ctx in &ctxs {
            ctx.migrate(&["books", target]).expect_code(0);
            schemas.push((ctx.kind(), schema(&ctx.db).await));
        }
        let (_, postgres) = &schemas[1];
        for (kind, other) in &schemas {
            let differences: Vec<String> = diff(postgres, other)
                .iter()
                .map(ToString::to_string)
                .collect();
            let expected: &[&str] = if *kind == Kind::Sqlite {
                SQLITE_GAPS
            } else {
                &[]
            };
            assert_eq!(
                differences, expected,
                "after {target}: PostgreSQL → {kind:?}\n{postgres:#?}\n{other:#?}"
            );
        }
        if target == "0002" {
            let entry = &postgres.tables["entry"];
            assert_eq!(entry.columns[2].name, "tiny");
            assert_eq!(entry.columns.last().unwrap().name, "note");
            assert_eq!(entry.indexes.len(), 1, "{:?}", entry.indexes);
        }
    }
    for ctx in &ctxs {
        ctx.migrate(&["books", "zero"]).expect_code(0);
        assert_eq!(schema(&ctx.db).await, Schema::default(), "{:?}", ctx.kind());
    }
}
