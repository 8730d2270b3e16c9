//! Portable migrations on a real MySQL or MariaDB server (a scratch
//! database, see `common`): the rendered statements run through the
//! backend, rows survive `MODIFY COLUMN` and drops, and the reverse gives
//! the schema back. The fixtures and `run_ops` are shared with the other
//! drivers (`migrate_core::testkit::portable`).

mod common;

use migrate_core::backend::{Backend, ConnectOptions};
use migrate_core::portable::{SchemaState, reverse_all};
use migrate_core::testkit::portable::{self, run_ops};
use migrate_mysql::MysqlBackend;
use mysql_async::prelude::Queryable;
use mysql_async::{Row, Value};

/// The rows of `sql`, each as its values joined by `|`.
async fn rows(db: &common::Scratch, sql: &str) -> Vec<String> {
    let mut conn = db.admin().await;
    let result: Vec<Row> = conn
        .query(sql)
        .await
        .unwrap_or_else(|e| panic!("`{sql}`: {e}"));
    let _ = conn.disconnect().await;
    result
        .into_iter()
        .map(|row| {
            row.unwrap()
                .into_iter()
                .map(|v| match v {
                    Value::NULL => "NULL".to_string(),
                    Value::Bytes(b) => String::from_utf8_lossy(&b).into_owned(),
                    Value::Int(i) => i.to_string(),
                    Value::UInt(u) => u.to_string(),
                    other => format!("{other:?}"),
                })
                .collect::<Vec<_>>()
                .join("|")
        })
        .collect()
}

/// Columns, indexes and constraints of the scratch database, as text.
async fn schema(db: &common::Scratch) -> Vec<String> {
    let mut out = rows(
        db,
        "SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COALESCE(COLUMN_DEFAULT, '-'), EXTRA \
         FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() \
         ORDER BY TABLE_NAME, ORDINAL_POSITION",
    )
    .await;
    out.extend(
        rows(
            db,
            "SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, SEQ_IN_INDEX, COLUMN_NAME \
             FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() \
             ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX",
        )
        .await,
    );
    out.extend(
        rows(
            db,
            "SELECT TABLE_NAME, CONSTRAINT_NAME, CONSTRAINT_TYPE \
             FROM information_schema.TABLE_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE() \
             ORDER BY TABLE_NAME, CONSTRAINT_NAME",
        )
        .await,
    );
    out.extend(
        rows(
            db,
            "SELECT TABLE_NAME, CONSTRAINT_NAME, REFERENCED_TABLE_NAME, DELETE_RULE, UPDATE_RULE \
             FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE() \
             ORDER BY TABLE_NAME, CONSTRAINT_NAME",
        )
        .await,
    );
    out
}

#[tokio::test]
async fn rows_survive_modify_and_the_reverse_restores_the_schema() {
    let Some(db) = common::scratch().await else {
        return;
    };
    let mut backend = MysqlBackend::connect(&db.url, &ConnectOptions::default())
        .await
        .expect("connects");

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
    let schema_before = schema(&db).await;
    assert_eq!(
        rows(
            &db,
            "SELECT id, name, dob, balance, doctor_id, notes, data FROM patient ORDER BY id"
        )
        .await,
        [
            "1|Ann|1990-01-02|10.50|1|n1|{}",
            "2|Bob|NULL|0.00|2|NULL|{}",
            "3|Cid|2001-03-04|3.25|NULL|x|{}"
        ]
    );

    let changes = portable::changes(portable::SERVER_CHANGES);
    let after = run_ops(&mut backend, &changes, &initial).await;
    assert_eq!(
        rows(
            &db,
            "SELECT id, name, born, balance, doctor_id, notes, active FROM patient ORDER BY id"
        )
        .await,
        [
            "1|Ann|1990-01-02 00:00:00.000000|11.500|1|n1!|1",
            "2|Bob|NULL|1.000|2|!|1",
            "3|Cid|2001-03-04 00:00:00.000000|4.250|NULL|x!|1"
        ]
    );
    assert_eq!(
        rows(&db, "SELECT COUNT(*) FROM patient WHERE seen IS NOT NULL").await,
        ["3"]
    );
    assert_eq!(
        rows(&db, "SELECT id, name, code FROM physician ORDER BY id").await,
        ["1|House|H1", "2|Grey|NULL"]
    );
    backend
        .execute("INSERT INTO patient (name) VALUES ('Dee')")
        .await
        .expect("insert");
    assert_eq!(
        rows(&db, "SELECT id, born FROM patient WHERE name = 'Dee'").await,
        ["4|2000-01-01 00:00:00.000000"]
    );
    backend
        .execute("DELETE FROM patient WHERE name = 'Dee'")
        .await
        .expect("delete");

    let undo = reverse_all(&changes, &initial).expect("reversible");
    let back = run_ops(&mut backend, &undo, &after).await;
    assert_eq!(back, initial, "the reverse restores the schema state");
    assert_eq!(
        schema(&db).await,
        schema_before,
        "the reverse restores the schema"
    );
    assert_eq!(
        rows(
            &db,
            "SELECT id, name, dob, balance, doctor_id, notes, data FROM patient ORDER BY id"
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
