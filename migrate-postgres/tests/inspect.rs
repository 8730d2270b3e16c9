//! Inspection against a real server (a scratch database, see `common`):
//! every kind of object PostgreSQL keeps, written in raw SQL, read back as
//! the normalized model of the session's current schema.

mod common;

use std::collections::BTreeMap;

use migrate_core::BackendExt;
use migrate_core::backend::{Backend, ConnectOptions};
use migrate_core::schema::{ForeignKey, Index, Sequence, Table, Trigger, View, diff};
use migrate_core::testkit::schema::{
    auto, check, column, foreign_key, index, inspect, nullable, table, unique, with_default,
};
use migrate_postgres::PostgresBackend;

const SCHEMA: &str = "
    CREATE SCHEMA other;
    CREATE TABLE other.region (code text PRIMARY KEY);
    CREATE SEQUENCE ticket START 100 INCREMENT 5;
    CREATE TABLE customer (
        id serial PRIMARY KEY,
        email varchar(200) NOT NULL,
        name text DEFAULT 'it''s',
        active boolean NOT NULL DEFAULT true,
        balance numeric(10,2) NOT NULL DEFAULT 0.00,
        created timestamp DEFAULT now(),
        ticket bigint DEFAULT nextval('ticket'),
        CONSTRAINT balance_positive CHECK (balance >= 0)
    );
    CREATE UNIQUE INDEX customer_email ON customer (email);
    CREATE INDEX customer_lower_name ON customer (lower(name));
    CREATE INDEX customer_active ON customer (created DESC) WHERE active;
    CREATE TABLE tag (
        name varchar(20) PRIMARY KEY,
        note bytea,
        id bigint GENERATED ALWAYS AS IDENTITY,
        region text REFERENCES other.region
    );
    CREATE TABLE customer_tag (
        customer_id integer NOT NULL REFERENCES customer (id) ON DELETE CASCADE,
        tag varchar(20) CONSTRAINT ct_tag_fk REFERENCES tag ON DELETE SET NULL ON UPDATE CASCADE,
        since date,
        data jsonb DEFAULT '{}',
        uid uuid,
        seen timestamptz(3),
        PRIMARY KEY (customer_id, tag),
        CHECK (since > '2000-01-01'),
        UNIQUE (tag, since)
    );
    CREATE VIEW active_customer AS SELECT id, email FROM customer WHERE active;
    CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN NEW.created := now(); RETURN NEW; END $$;
    CREATE TRIGGER customer_touch BEFORE UPDATE ON customer
        FOR EACH ROW EXECUTE FUNCTION touch();
";

async fn connect(url: &str, schema: Option<&str>) -> PostgresBackend {
    let options = ConnectOptions {
        schema: schema.map(Into::into),
        ..ConnectOptions::default()
    };
    PostgresBackend::connect(url, &options)
        .await
        .unwrap_or_else(|e| panic!("connect: {e}"))
}

#[tokio::test]
async fn every_kind_of_object_is_inspected() {
    let Some(db) = common::scratch().await else {
        return;
    };
    let mut b = connect(&db.url, None).await;
    b.ensure_history().await.unwrap();
    b.execute(SCHEMA).await.unwrap();
    let schema = inspect(&mut b).await;

    let customer = Table {
        indexes: vec![
            Index {
                predicate: Some("active".into()),
                ..index("customer_active", &["created desc"])
            },
            unique("customer_email", &["email"]),
            index("customer_lower_name", &["(lower(name))"]),
        ],
        checks: vec![check(Some("balance_positive"), "balance >= 0")],
        ..table(
            "customer",
            vec![
                // serial: a default of nextval(its own sequence).
                auto(column("id", "integer")),
                column("email", "string(200)"),
                with_default(nullable(column("name", "text")), "'it''s'"),
                with_default(column("active", "boolean"), "true"),
                with_default(column("balance", "decimal(10,2)"), "0"),
                with_default(
                    nullable(column("created", "timestamp")),
                    "current_timestamp",
                ),
                // nextval of a shared sequence fills the column too.
                auto(nullable(column("ticket", "bigint"))),
            ],
            &["id"],
        )
    };
    let tag = Table {
        foreign_keys: vec![foreign_key(
            Some("tag_region_fkey"),
            &["region"],
            "other.region",
            &["code"],
        )],
        ..table(
            "tag",
            vec![
                column("name", "string(20)"),
                nullable(column("note", "binary")),
                auto(column("id", "bigint")),
                nullable(column("region", "text")),
            ],
            &["name"],
        )
    };
    let customer_tag = Table {
        indexes: vec![unique("customer_tag_tag_since_key", &["tag", "since"])],
        foreign_keys: vec![
            ForeignKey {
                on_delete: "cascade".into(),
                ..foreign_key(
                    Some("customer_tag_customer_id_fkey"),
                    &["customer_id"],
                    "customer",
                    &["id"],
                )
            },
            ForeignKey {
                on_delete: "set null".into(),
                on_update: "cascade".into(),
                ..foreign_key(Some("ct_tag_fk"), &["tag"], "tag", &["name"])
            },
        ],
        checks: vec![check(
            Some("customer_tag_since_check"),
            "since > '2000-01-01'",
        )],
        ..table(
            "customer_tag",
            vec![
                column("customer_id", "integer"),
                column("tag", "string(20)"),
                nullable(column("since", "date")),
                with_default(nullable(column("data", "json")), "'{}'"),
                nullable(column("uid", "uuid")),
                nullable(column("seen", "timestamp_tz(3)")),
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
            definition: "select customer.id, customer.email from customer where customer.active"
                .into(),
        }]
    );
    assert_eq!(
        schema.triggers.into_values().collect::<Vec<_>>(),
        [Trigger {
            name: "customer_touch".into(),
            table: "customer".into(),
            definition: "create trigger customer_touch before update on customer for each row \
                         execute function touch()"
                .into(),
        }]
    );
    // The sequences of serial and identity columns (the history tables'
    // among them) belong to their columns.
    assert_eq!(
        schema.sequences.into_values().collect::<Vec<_>>(),
        [Sequence {
            name: "ticket".into(),
            data_type: "bigint".into(),
            start: 100,
            increment: 5,
            min_value: 1,
            max_value: i64::MAX,
            cycle: false,
        }]
    );
}

#[tokio::test]
async fn the_current_schema_alone_is_inspected() {
    let Some(db) = common::scratch().await else {
        return;
    };
    let mut public = connect(&db.url, None).await;
    public
        .execute("CREATE TABLE elsewhere (id int); CREATE VIEW seen_elsewhere AS SELECT 1 AS one")
        .await
        .unwrap();
    let mut app = connect(&db.url, Some("app")).await;
    app.ensure_history().await.unwrap();
    app.execute("CREATE TABLE mine (id int NOT NULL)")
        .await
        .unwrap();
    let schema = inspect(&mut app).await;
    assert_eq!(
        schema.tables.keys().collect::<Vec<_>>(),
        ["mine"],
        "neither public's tables nor app's history tables"
    );
    assert!(schema.views.is_empty());
    let public_schema = inspect(&mut public).await;
    assert_eq!(
        public_schema.tables.keys().collect::<Vec<_>>(),
        ["elsewhere"]
    );
    assert_eq!(
        public_schema.views.keys().collect::<Vec<_>>(),
        ["seen_elsewhere"]
    );
}

#[tokio::test]
async fn a_column_changed_and_changed_back_inspects_as_before() {
    let Some(db) = common::scratch().await else {
        return;
    };
    let mut b = connect(&db.url, None).await;
    b.execute("CREATE TABLE t (a integer NOT NULL, b varchar(10) DEFAULT 'x', c int)")
        .await
        .unwrap();
    let before = inspect(&mut b).await;
    b.execute("ALTER TABLE t ALTER COLUMN b TYPE text, ALTER COLUMN b DROP DEFAULT")
        .await
        .unwrap();
    let changed = diff(&before, &inspect(&mut b).await);
    assert_eq!(
        changed.iter().map(ToString::to_string).collect::<Vec<_>>(),
        ["column t.b: type string(10) → text, default 'x' → none"]
    );
    b.execute("ALTER TABLE t ALTER COLUMN b TYPE varchar(10), ALTER COLUMN b SET DEFAULT 'x'")
        .await
        .unwrap();
    assert_eq!(diff(&before, &inspect(&mut b).await), []);
}
