//! Portable migrations on a real PostgreSQL server (a scratch database, see
//! `common`): the rendered statements run through the backend, rows
//! survive type changes and drops, and the reverse gives the schema back.
//! The fixtures and `run_ops` are shared with the other drivers
//! (`migrate_core::testkit::portable`).

mod common;

use migrate_core::backend::{Backend, ConnectOptions};
use migrate_core::portable::{SchemaState, reverse_all};
use migrate_core::testkit::portable::{self, ops, run_ops};
use migrate_postgres::PostgresBackend;
use tokio_postgres::Client;

/// Columns, constraints and indexes of the public schema, as text.
async fn schema(client: &Client) -> Vec<String> {
    let mut out = Vec::new();
    for row in client
        .query(
            "SELECT table_name::text, column_name::text, data_type::text, \
             coalesce(character_maximum_length, 0), coalesce(numeric_precision, 0), \
             coalesce(numeric_scale, 0), is_nullable::text, coalesce(column_default::text, ''), \
             is_identity::text \
             FROM information_schema.columns WHERE table_schema = 'public' \
             ORDER BY table_name, ordinal_position",
            &[],
        )
        .await
        .expect("columns")
    {
        out.push(format!(
            "{}.{} {} len={} p={} s={} null={} default={} identity={}",
            row.get::<_, String>(0),
            row.get::<_, String>(1),
            row.get::<_, String>(2),
            row.get::<_, i32>(3),
            row.get::<_, i32>(4),
            row.get::<_, i32>(5),
            row.get::<_, String>(6),
            row.get::<_, String>(7),
            row.get::<_, String>(8),
        ));
    }
    for row in client
        .query(
            "SELECT conrelid::regclass::text, conname::text, pg_get_constraintdef(oid) \
             FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2",
            &[],
        )
        .await
        .expect("constraints")
    {
        out.push(format!(
            "{} constraint {}: {}",
            row.get::<_, String>(0),
            row.get::<_, String>(1),
            row.get::<_, String>(2)
        ));
    }
    for row in client
        .query(
            "SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY indexname",
            &[],
        )
        .await
        .expect("indexes")
    {
        out.push(row.get::<_, String>(0));
    }
    out
}

async fn rows(client: &Client, sql: &str) -> Vec<String> {
    client
        .query(sql, &[])
        .await
        .unwrap_or_else(|e| panic!("`{sql}`: {e}"))
        .iter()
        .map(|row| {
            (0..row.len())
                .map(|i| {
                    row.get::<_, Option<String>>(i)
                        .unwrap_or_else(|| "NULL".into())
                })
                .collect::<Vec<_>>()
                .join("|")
        })
        .collect()
}

#[tokio::test]
async fn rows_survive_and_the_reverse_restores_the_schema() {
    let Some(db) = common::scratch().await else {
        return;
    };
    let mut backend = PostgresBackend::connect(&db.url, &ConnectOptions::default())
        .await
        .expect("connects");
    let look = common::client(&db.url).await.expect("client");

    let initial = run_ops(
        &mut backend,
        &portable::initial(portable::SERVER_COLUMNS),
        &SchemaState::new(),
    )
    .await;
    for sql in [
        "INSERT INTO doctor (name, code) VALUES ('House', 'H1'), ('Grey', NULL)",
        "INSERT INTO patient (name, dob, balance, doctor_id, notes) VALUES ('Ann', '1990-01-02', 10.5, 1, 'n1'), ('Bob', NULL, 0, 2, NULL), ('Cid', '2001-03-04', 3.25, NULL, 'x')",
    ] {
        backend.execute(sql).await.expect("rows");
    }
    let schema_before = schema(&look).await;
    let rows_before = rows(
        &look,
        "SELECT id::text, name, dob::text, balance::text, doctor_id::text, notes FROM patient ORDER BY id",
    )
    .await;
    assert_eq!(
        rows_before,
        [
            "1|Ann|1990-01-02|10.50|1|n1",
            "2|Bob|NULL|0.00|2|NULL",
            "3|Cid|2001-03-04|3.25|NULL|x"
        ]
    );

    let changes = portable::changes(portable::SERVER_CHANGES);
    let after = run_ops(&mut backend, &changes, &initial).await;
    assert_eq!(
        rows(
            &look,
            "SELECT id::text, name, born::text, balance::text, doctor_id::text, notes, active::text FROM patient ORDER BY id",
        )
        .await,
        [
            "1|Ann|1990-01-02 00:00:00|11.500|1|n1!|true",
            "2|Bob|NULL|1.000|2|!|true",
            "3|Cid|2001-03-04 00:00:00|4.250|NULL|x!|true"
        ]
    );
    assert_eq!(
        rows(
            &look,
            "SELECT count(*)::text FROM patient WHERE seen IS NOT NULL"
        )
        .await,
        ["3"]
    );
    assert_eq!(
        rows(
            &look,
            "SELECT id::text, name, code FROM physician ORDER BY id"
        )
        .await,
        ["1|House|H1", "2|Grey|NULL"]
    );
    // The identity goes on after the existing rows.
    backend
        .execute("INSERT INTO patient (name) VALUES ('Dee')")
        .await
        .expect("insert");
    assert_eq!(
        rows(&look, "SELECT born::text FROM patient WHERE name = 'Dee'").await,
        ["2000-01-01 00:00:00"]
    );
    backend
        .execute("DELETE FROM patient WHERE name = 'Dee'")
        .await
        .expect("delete");

    let undo = reverse_all(&changes, &initial).expect("reversible");
    let back = run_ops(&mut backend, &undo, &after).await;
    assert_eq!(back, initial, "the reverse restores the schema state");
    assert_eq!(
        schema(&look).await,
        schema_before,
        "the reverse restores the schema"
    );
    // The dropped column comes back with its default; the rest as it was.
    assert_eq!(
        rows(
            &look,
            "SELECT id::text, name, dob::text, balance::text, doctor_id::text, notes, data::text FROM patient ORDER BY id",
        )
        .await,
        [
            "1|Ann|1990-01-02|10.50|1|n1|{}",
            "2|Bob|NULL|0.00|2|NULL|{}",
            "3|Cid|2001-03-04|3.25|NULL|x|{}"
        ]
    );
    Box::new(backend).close().await.expect("closes");
}

#[tokio::test]
async fn a_default_that_cannot_be_cast_is_set_again_after_a_type_change() {
    let Some(db) = common::scratch().await else {
        return;
    };
    let mut backend = PostgresBackend::connect(&db.url, &ConnectOptions::default())
        .await
        .expect("connects");
    let look = common::client(&db.url).await.expect("client");
    let state = run_ops(
        &mut backend,
        &ops(
            "[[operations]]\nop = \"create_table\"\ntable = \"t\"\ncolumns = [{ name = \"code\", type = \"string\", length = 10, default = \"none\" }]\n",
        ),
        &SchemaState::new(),
    )
    .await;
    backend
        .execute("INSERT INTO t (code) VALUES ('42')")
        .await
        .expect("row");
    // 'none' cannot become an integer: PostgreSQL would fail casting the
    // default if it were still there during the type change.
    run_ops(
        &mut backend,
        &ops(
            "[[operations]]\nop = \"alter_column\"\ntable = \"t\"\ncolumn = \"code\"\ntype = \"integer\"\ndefault = 7\n",
        ),
        &state,
    )
    .await;
    backend
        .execute("INSERT INTO t DEFAULT VALUES")
        .await
        .expect("default row");
    assert_eq!(
        rows(&look, "SELECT code::text FROM t ORDER BY t.code").await,
        ["7", "42"]
    );
}
