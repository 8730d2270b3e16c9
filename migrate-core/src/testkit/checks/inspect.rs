//! Inspection reads what SQL every engine accepts as one normalized
//! model, without the tool's own tables.

use std::collections::BTreeMap;

use crate::backend::BackendExt;
use crate::testkit::schema::{
    check, column, foreign_key, index, inspect, nullable, table, unique, with_default,
};
use crate::testkit::{Connector, Kit, connect, table_exists};

/// Two tables written in SQL that SQLite, PostgreSQL and MySQL read alike
/// (a primary key, a unique index and a plain one, a foreign key with `ON
/// DELETE CASCADE`, a check, defaults) and a view inspect to the same
/// model on every engine; the history and audit-log tables, which exist,
/// are not in it.
pub async fn inspection_reads_the_schema(c: &dyn Connector) {
    let kit = Kit::new("insp");
    let mut b = connect(c, &kit.options()).await;
    b.ensure_history().await.expect("create the history tables");
    let [parent, child, code, idx, fk, ck, view] =
        ["parent", "child", "code", "idx", "fk", "ck", "view"].map(|n| kit.name(n));
    for sql in [
        format!(
            "CREATE TABLE {parent} (id BIGINT NOT NULL, code VARCHAR(20) NOT NULL, PRIMARY KEY (id))"
        ),
        format!("CREATE UNIQUE INDEX {code} ON {parent} (code)"),
        format!(
            "CREATE TABLE {child} (id BIGINT NOT NULL, parent_id BIGINT, \
             amount DECIMAL(10,2) DEFAULT 0 NOT NULL, note VARCHAR(50) DEFAULT 'n/a', \
             PRIMARY KEY (id), \
             CONSTRAINT {fk} FOREIGN KEY (parent_id) REFERENCES {parent} (id) ON DELETE CASCADE, \
             CONSTRAINT {ck} CHECK (amount >= 0))"
        ),
        // Also what MySQL's foreign key uses, so that it keeps no index of
        // its own.
        format!("CREATE INDEX {idx} ON {child} (parent_id)"),
        format!("CREATE VIEW {view} AS SELECT id FROM {child}"),
    ] {
        b.execute(&sql)
            .await
            .unwrap_or_else(|e| panic!("`{sql}` failed: {e}"));
    }
    let schema = inspect(b.as_mut()).await;

    let history = b.location().table.clone();
    let log = crate::log::table_name(&history);
    assert!(table_exists(b.as_mut(), &history).await);
    assert!(table_exists(b.as_mut(), &log).await);
    assert!(
        !schema.tables.contains_key(&history) && !schema.tables.contains_key(&log),
        "the history tables are not the user's: {:?}",
        schema.tables.keys().collect::<Vec<_>>()
    );

    let prefix = kit.name("");
    let ours: BTreeMap<_, _> = schema
        .tables
        .into_iter()
        .filter(|(name, _)| name.starts_with(&prefix))
        .collect();
    let expected: BTreeMap<_, _> = [
        crate::schema::Table {
            indexes: vec![unique(&code, &["code"])],
            ..table(
                &parent,
                vec![column("id", "bigint"), column("code", "string(20)")],
                &["id"],
            )
        },
        crate::schema::Table {
            indexes: vec![index(&idx, &["parent_id"])],
            foreign_keys: vec![crate::schema::ForeignKey {
                on_delete: "cascade".into(),
                ..foreign_key(Some(&fk), &["parent_id"], &parent, &["id"])
            }],
            checks: vec![check(Some(&ck), "amount >= 0")],
            ..table(
                &child,
                vec![
                    column("id", "bigint"),
                    nullable(column("parent_id", "bigint")),
                    with_default(column("amount", "decimal(10,2)"), "0"),
                    with_default(nullable(column("note", "string(50)")), "'n/a'"),
                ],
                &["id"],
            )
        },
    ]
    .into_iter()
    .map(|t| (t.name.clone(), t))
    .collect();
    assert_eq!(ours, expected);
    assert!(
        schema.views.contains_key(&view),
        "the view is inspected: {:?}",
        schema.views
    );

    // Reading one table reads it as the whole read does, and nothing else.
    let scoped = b
        .inspect_tables(std::slice::from_ref(&child))
        .await
        .unwrap_or_else(|e| panic!("inspecting {child} alone failed: {e}"));
    assert_eq!(
        scoped.tables.keys().collect::<Vec<_>>(),
        vec![&child],
        "only {child} is read"
    );
    assert_eq!(scoped.tables[&child], expected[&child]);
    assert!(
        scoped.views.is_empty(),
        "no view is read: {:?}",
        scoped.views
    );
}
