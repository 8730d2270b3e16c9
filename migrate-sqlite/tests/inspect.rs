//! Inspection of a real SQLite file: every kind of object SQLite keeps,
//! written in raw SQL, read back as the normalized model.

use std::collections::BTreeMap;

use migrate_core::BackendExt;
use migrate_core::backend::{Backend, ConnectOptions};
use migrate_core::schema::{ForeignKey, Index, Table, Trigger, View};
use migrate_core::testkit::schema::{
    auto, check, column, foreign_key, index, inspect, nullable, table, unique, with_default,
};
use migrate_sqlite::SqliteBackend;

const SCHEMA: &[&str] = &[
    "CREATE TABLE customer (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        email VARCHAR(200) NOT NULL,
        name TEXT DEFAULT 'it''s',
        active BOOLEAN NOT NULL DEFAULT 1,
        balance DECIMAL(10,2) NOT NULL DEFAULT 0.00,
        created DATETIME DEFAULT CURRENT_TIMESTAMP,
        uid CHAR(36),
        CONSTRAINT balance_positive CHECK (\"balance\" >= 0)
    )",
    "CREATE UNIQUE INDEX customer_email ON customer (email)",
    "CREATE INDEX customer_lower_name ON customer (lower(name))",
    "CREATE INDEX customer_active ON customer (created DESC) WHERE active = 1",
    "CREATE TABLE tag (name VARCHAR(20) PRIMARY KEY, note BLOB) WITHOUT ROWID",
    "CREATE TABLE customer_tag (
        customer_id INTEGER NOT NULL REFERENCES customer (id) ON DELETE CASCADE,
        tag VARCHAR(20) CONSTRAINT ct_tag_fk REFERENCES tag ON DELETE SET NULL ON UPDATE CASCADE,
        since DATE,
        PRIMARY KEY (customer_id, tag),
        CHECK (since > '2000-01-01'),
        UNIQUE (tag, since)
    )",
    "CREATE VIEW active_customer AS SELECT id, email FROM customer WHERE active = 1",
    "CREATE TRIGGER customer_touch AFTER UPDATE ON customer BEGIN
        UPDATE customer SET created = CURRENT_TIMESTAMP WHERE id = NEW.id;
    END",
    // AUTOINCREMENT has made SQLite create sqlite_sequence; ANALYZE makes
    // sqlite_stat1.
    "INSERT INTO customer (email) VALUES ('a@example.com')",
    "ANALYZE",
];

async fn open(dir: &tempfile::TempDir) -> SqliteBackend {
    let url = format!("sqlite://{}", dir.path().join("inspect.db").display());
    SqliteBackend::connect(&url, &ConnectOptions::default())
        .await
        .expect("opens")
}

#[tokio::test]
async fn every_kind_of_object_is_inspected() {
    let dir = tempfile::tempdir().unwrap();
    let mut b = open(&dir).await;
    b.ensure_history().await.unwrap();
    for sql in SCHEMA {
        b.execute(sql)
            .await
            .unwrap_or_else(|e| panic!("`{sql}`: {e}"));
    }
    let schema = inspect(&mut b).await;

    let customer = Table {
        indexes: vec![
            Index {
                predicate: Some("active = 1".into()),
                ..index("customer_active", &["created desc"])
            },
            unique("customer_email", &["email"]),
            index("customer_lower_name", &["(lower(name))"]),
        ],
        checks: vec![check(Some("balance_positive"), "balance >= 0")],
        ..table(
            "customer",
            vec![
                // The rowid alias: filled by SQLite, never NULL.
                auto(column("id", "integer")),
                column("email", "string(200)"),
                with_default(nullable(column("name", "text")), "'it''s'"),
                with_default(column("active", "boolean"), "true"),
                with_default(column("balance", "decimal(10,2)"), "0"),
                with_default(
                    nullable(column("created", "timestamp")),
                    "current_timestamp",
                ),
                nullable(column("uid", "uuid")),
            ],
            &["id"],
        )
    };
    // WITHOUT ROWID: its key is NOT NULL, and its index is the table.
    let tag = table(
        "tag",
        vec![
            column("name", "string(20)"),
            nullable(column("note", "binary")),
        ],
        &["name"],
    );
    let customer_tag = Table {
        indexes: vec![unique("sqlite_autoindex_customer_tag_2", &["tag", "since"])],
        foreign_keys: vec![
            ForeignKey {
                on_delete: "cascade".into(),
                ..foreign_key(None, &["customer_id"], "customer", &["id"])
            },
            // REFERENCES tag: its primary key.
            ForeignKey {
                on_delete: "set null".into(),
                on_update: "cascade".into(),
                ..foreign_key(Some("ct_tag_fk"), &["tag"], "tag", &["name"])
            },
        ],
        checks: vec![check(None, "since > '2000-01-01'")],
        ..table(
            "customer_tag",
            vec![
                column("customer_id", "integer"),
                // A key column of a rowid table may hold NULL unless it
                // says NOT NULL.
                nullable(column("tag", "string(20)")),
                nullable(column("since", "date")),
            ],
            &["customer_id", "tag"],
        )
    };
    let tables: BTreeMap<String, Table> = [customer, customer_tag, tag]
        .into_iter()
        .map(|t| (t.name.clone(), t))
        .collect();
    assert_eq!(schema.tables, tables);
    assert_eq!(
        schema.views.into_values().collect::<Vec<_>>(),
        [View {
            name: "active_customer".into(),
            definition: "select id, email from customer where active = 1".into(),
        }]
    );
    assert_eq!(
        schema.triggers.into_values().collect::<Vec<_>>(),
        [Trigger {
            name: "customer_touch".into(),
            table: "customer".into(),
            definition: "create trigger customer_touch after update on customer begin update \
                         customer set created = current_timestamp where id = new.id; end"
                .into(),
        }]
    );
    assert!(schema.sequences.is_empty());
}

#[tokio::test]
async fn a_rebuilt_table_inspects_as_before_but_for_its_column_order() {
    let dir = tempfile::tempdir().unwrap();
    let mut b = open(&dir).await;
    b.execute("CREATE TABLE t (a INTEGER NOT NULL, b TEXT DEFAULT 'x', c INT)")
        .await
        .unwrap();
    let before = inspect(&mut b).await;
    for sql in [
        "ALTER TABLE t ADD COLUMN d INT",
        "ALTER TABLE t DROP COLUMN d",
    ] {
        b.execute(sql).await.unwrap();
    }
    assert_eq!(
        migrate_core::schema::diff(&before, &inspect(&mut b).await),
        []
    );
    for sql in [
        "ALTER TABLE t DROP COLUMN b",
        "ALTER TABLE t ADD COLUMN b TEXT DEFAULT 'x'",
    ] {
        b.execute(sql).await.unwrap();
    }
    let differences = migrate_core::schema::diff(&before, &inspect(&mut b).await);
    let words: Vec<String> = differences.iter().map(ToString::to_string).collect();
    assert_eq!(words, ["columns of t in another order: a, b, c → a, c, b"]);
    assert!(differences[0].is_minor());
}
