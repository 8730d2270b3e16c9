//! Inspection against a real server (a scratch database, see `common`):
//! every kind of object MySQL and MariaDB keep, written in raw SQL, read
//! back as the normalized model of the connection's database.

mod common;

use std::collections::BTreeMap;

use migrate_core::BackendExt;
use migrate_core::backend::{Backend, ConnectOptions};
use migrate_core::schema::{ForeignKey, Table, Trigger, View, diff};
use migrate_core::testkit::schema::{
    auto, check, column, foreign_key, index, inspect, nullable, table, unique, with_default,
};
use migrate_mysql::MysqlBackend;

const SCHEMA: &[&str] = &[
    "CREATE TABLE customer (
        id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
        email VARCHAR(200) NOT NULL,
        name TEXT DEFAULT 'it''s',
        active TINYINT(1) NOT NULL DEFAULT 1,
        balance DECIMAL(10,2) NOT NULL DEFAULT 0.00,
        created DATETIME(6) DEFAULT CURRENT_TIMESTAMP(6),
        data JSON,
        uid CHAR(36),
        CONSTRAINT balance_positive CHECK (balance >= 0),
        UNIQUE KEY customer_email (email),
        KEY customer_name_prefix (name(10)),
        KEY customer_created (created DESC)
    ) ENGINE=InnoDB",
    "CREATE TABLE tag (
        name VARCHAR(20) NOT NULL PRIMARY KEY,
        note LONGBLOB,
        stamp TIMESTAMP(6) NULL,
        day DATETIME
    ) ENGINE=InnoDB",
    "CREATE TABLE customer_tag (
        customer_id INT NOT NULL,
        tag VARCHAR(20) NOT NULL,
        since DATE,
        referrer_id INT NULL,
        PRIMARY KEY (customer_id, tag),
        CHECK (since > '2000-01-01'),
        UNIQUE KEY tag_since (tag, since),
        CONSTRAINT ct_customer_fk FOREIGN KEY (customer_id) REFERENCES customer (id)
            ON DELETE CASCADE,
        CONSTRAINT ct_tag_fk FOREIGN KEY (tag) REFERENCES tag (name) ON UPDATE RESTRICT,
        CONSTRAINT ct_referrer_fk FOREIGN KEY (referrer_id) REFERENCES customer (id)
            ON DELETE SET NULL ON UPDATE CASCADE
    ) ENGINE=InnoDB",
    "CREATE VIEW active_customer AS SELECT id, email FROM customer WHERE active = 1",
    "CREATE TRIGGER customer_touch BEFORE UPDATE ON customer
        FOR EACH ROW SET NEW.created = NOW(6)",
];

async fn connect(db: &common::Scratch) -> MysqlBackend {
    MysqlBackend::connect(&db.url, &ConnectOptions::default())
        .await
        .expect("connects")
}

#[tokio::test]
async fn every_kind_of_object_is_inspected() {
    let Some(db) = common::scratch().await else {
        return;
    };
    let mariadb = db
        .query_one::<String>("SELECT VERSION()")
        .await
        .is_some_and(|v| v.to_ascii_lowercase().contains("mariadb"));
    let mut b = connect(&db).await;
    b.ensure_history().await.unwrap();
    for sql in SCHEMA {
        b.execute(sql)
            .await
            .unwrap_or_else(|e| panic!("`{sql}`: {e}"));
    }
    let schema = inspect(&mut b).await;

    let customer = Table {
        indexes: vec![
            index("customer_created", &["created desc"]),
            unique("customer_email", &["email"]),
            index("customer_name_prefix", &["name(10)"]),
        ],
        checks: vec![check(Some("balance_positive"), "balance >= 0")],
        ..table(
            "customer",
            vec![
                auto(column("id", "integer")),
                column("email", "string(200)"),
                with_default(nullable(column("name", "text")), "'it''s'"),
                with_default(column("active", "boolean"), "true"),
                with_default(column("balance", "decimal(10,2)"), "0"),
                with_default(
                    nullable(column("created", "timestamp")),
                    "current_timestamp",
                ),
                // MariaDB's LONGTEXT with a json_valid check.
                nullable(column("data", "json")),
                nullable(column("uid", "uuid")),
            ],
            &["id"],
        )
    };
    let tag = table(
        "tag",
        vec![
            column("name", "string(20)"),
            nullable(column("note", "binary")),
            nullable(column("stamp", "timestamp_tz")),
            nullable(column("day", "timestamp(0)")),
        ],
        &["name"],
    );
    let customer_tag = Table {
        // InnoDB's own index for the foreign key no other index serves.
        indexes: vec![
            index("ct_referrer_fk", &["referrer_id"]),
            unique("tag_since", &["tag", "since"]),
        ],
        foreign_keys: vec![
            ForeignKey {
                on_delete: "cascade".into(),
                ..foreign_key(
                    Some("ct_customer_fk"),
                    &["customer_id"],
                    "customer",
                    &["id"],
                )
            },
            ForeignKey {
                on_delete: "set null".into(),
                on_update: "cascade".into(),
                ..foreign_key(
                    Some("ct_referrer_fk"),
                    &["referrer_id"],
                    "customer",
                    &["id"],
                )
            },
            // RESTRICT and NO ACTION are one thing on InnoDB.
            foreign_key(Some("ct_tag_fk"), &["tag"], "tag", &["name"]),
        ],
        checks: vec![check(
            Some(if mariadb {
                "CONSTRAINT_1"
            } else {
                "customer_tag_chk_1"
            }),
            "since > '2000-01-01'",
        )],
        ..table(
            "customer_tag",
            vec![
                column("customer_id", "integer"),
                column("tag", "string(20)"),
                nullable(column("since", "date")),
                nullable(column("referrer_id", "integer")),
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
            definition: "select customer.id as id, customer.email as email from customer \
                         where customer.active = 1"
                .into(),
        }]
    );
    assert_eq!(
        schema.triggers.into_values().collect::<Vec<_>>(),
        [Trigger {
            name: "customer_touch".into(),
            table: "customer".into(),
            definition: "before update on customer for each row set new.created = now(6)".into(),
        }]
    );
    assert!(schema.sequences.is_empty());
}

#[tokio::test]
async fn a_column_changed_and_changed_back_inspects_as_before() {
    let Some(db) = common::scratch().await else {
        return;
    };
    let mut b = connect(&db).await;
    b.execute("CREATE TABLE t (a INT NOT NULL, b VARCHAR(10) DEFAULT 'x', c INT)")
        .await
        .unwrap();
    let before = inspect(&mut b).await;
    b.execute("ALTER TABLE t MODIFY COLUMN b TEXT NOT NULL")
        .await
        .unwrap();
    let changed = diff(&before, &inspect(&mut b).await);
    assert_eq!(
        changed.iter().map(ToString::to_string).collect::<Vec<_>>(),
        ["column t.b: type string(10) → text, NULL → NOT NULL, default 'x' → none"]
    );
    b.execute("ALTER TABLE t MODIFY COLUMN b VARCHAR(10) NULL DEFAULT 'x'")
        .await
        .unwrap();
    assert_eq!(diff(&before, &inspect(&mut b).await), []);
    // Dropped and added back: last.
    for sql in [
        "ALTER TABLE t DROP COLUMN b",
        "ALTER TABLE t ADD COLUMN b VARCHAR(10) DEFAULT 'x'",
    ] {
        b.execute(sql).await.unwrap();
    }
    let moved = diff(&before, &inspect(&mut b).await);
    assert_eq!(moved.len(), 1);
    assert!(moved[0].is_minor(), "{}", moved[0]);
}
