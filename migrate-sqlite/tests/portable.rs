//! Portable migrations on a real SQLite file: the rendered statements run
//! through the backend, rows survive every table rebuild, and the reverse
//! gives the schema back. The fixtures and `run_ops` are shared with the
//! other drivers (`migrate_core::testkit::portable`).

use migrate_core::backend::{Backend, ConnectOptions, Dialect};
use migrate_core::portable::{SchemaState, reverse_all};
use migrate_core::testkit::portable::{self, ops, run_ops};
use migrate_sqlite::SqliteBackend;
use migrate_sqlite::render::rebuilt_table;
use rusqlite::Connection;

/// SQLite's own change: `notes`, patient's last column, is dropped (and
/// comes back empty with the reverse).
const DROP_NOTES: &str = r#"
[[operations]]
op = "drop_column"
table = "patient"
column = "notes"
"#;

/// Everything SQLite says about the user tables: columns, indexes (with
/// columns and uniqueness) and foreign keys.
fn schema(conn: &Connection) -> Vec<String> {
    let mut out = Vec::new();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for table in tables {
        let mut columns = conn
            .prepare(&format!("PRAGMA table_info(\"{table}\")"))
            .unwrap();
        let rows = columns
            .query_map([], |r| {
                Ok(format!(
                    "{table}.{} {} notnull={} default={:?} pk={}",
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, Option<String>>(4)?,
                    r.get::<_, i64>(5)?
                ))
            })
            .unwrap();
        out.extend(rows.map(Result::unwrap));
        let indexes: Vec<(String, i64)> = conn
            .prepare(&format!(
                "SELECT name, \"unique\" FROM pragma_index_list('{table}') WHERE origin = 'c' ORDER BY name"
            ))
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        for (index, unique) in indexes {
            let columns: Vec<String> = conn
                .prepare(&format!(
                    "SELECT name FROM pragma_index_info('{index}') ORDER BY seqno"
                ))
                .unwrap()
                .query_map([], |r| r.get(0))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            out.push(format!("{table} index {index} unique={unique} {columns:?}"));
        }
        let fks = conn
            .prepare(&format!(
                "SELECT \"table\", \"from\", \"to\", on_delete FROM pragma_foreign_key_list('{table}')"
            ))
            .unwrap()
            .query_map([], |r| {
                Ok(format!(
                    "{table} fk {}.{} -> {}.{} on delete {}",
                    table,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?
                ))
            })
            .unwrap()
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
        out.extend(fks);
    }
    out
}

fn rows(conn: &Connection, sql: &str) -> Vec<String> {
    let mut stmt = conn.prepare(sql).unwrap();
    let n = stmt.column_count();
    stmt.query_map([], |r| {
        (0..n)
            .map(|i| {
                Ok(match r.get_ref(i)? {
                    rusqlite::types::ValueRef::Null => "NULL".to_string(),
                    rusqlite::types::ValueRef::Integer(v) => v.to_string(),
                    rusqlite::types::ValueRef::Real(v) => v.to_string(),
                    rusqlite::types::ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
                    rusqlite::types::ValueRef::Blob(_) => "<blob>".to_string(),
                })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(|v| v.join("|"))
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

#[tokio::test]
async fn rows_survive_rebuilds_and_the_reverse_restores_the_schema() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("portable.db");
    let url = format!("sqlite://{}", path.display());
    let mut backend = SqliteBackend::connect(&url, &ConnectOptions::default())
        .await
        .expect("opens");
    let look = Connection::open(&path).unwrap();

    let initial = run_ops(&mut backend, &portable::initial(""), &SchemaState::new()).await;
    for sql in [
        "INSERT INTO doctor (name, code) VALUES ('House', 'H1'), ('Grey', NULL)",
        "INSERT INTO patient (name, dob, balance, doctor_id, notes) VALUES ('Ann', '1990-01-02', 10.5, 1, 'n1'), ('Bob', NULL, 0, 2, NULL), ('Cid', '2001-03-04', 3.25, NULL, 'x')",
    ] {
        backend.execute(sql).await.expect("rows");
    }
    let schema_before = schema(&look);
    let rows_before = rows(
        &look,
        "SELECT id, name, dob, balance, doctor_id FROM patient ORDER BY id",
    );
    assert_eq!(
        rows_before,
        [
            "1|Ann|1990-01-02|10.5|1",
            "2|Bob|NULL|0|2",
            "3|Cid|2001-03-04|3.25|NULL"
        ]
    );

    let changes = portable::changes(DROP_NOTES);
    // Which operations rebuild a table, as the executor will ask.
    let mut state = initial.clone();
    let rebuilt: Vec<Option<String>> = changes
        .iter()
        .map(|op| {
            let table = rebuilt_table(op, &state);
            state.apply(op).expect("valid");
            table
        })
        .collect();
    let patient = Some("patient".to_string());
    assert_eq!(
        rebuilt,
        [
            None,
            patient.clone(),
            patient.clone(),
            patient.clone(),
            None,
            None,
            None,
            None,
            patient.clone(),
            patient,
            Some("doctor".to_string()),
            None,
            None
        ]
    );

    let after = run_ops(&mut backend, &changes, &initial).await;
    assert_eq!(
        rows(
            &look,
            "SELECT id, name, born, balance, doctor_id, active FROM patient ORDER BY id"
        ),
        [
            "1|Ann|1990-01-02|11.5|1|1",
            "2|Bob|NULL|1|2|1",
            "3|Cid|2001-03-04|4.25|NULL|1"
        ]
    );
    assert_eq!(
        rows(&look, "SELECT count(*) FROM patient WHERE seen IS NOT NULL"),
        ["3"]
    );
    assert_eq!(
        rows(&look, "SELECT id, name, code FROM physician ORDER BY id"),
        ["1|House|H1", "2|Grey|NULL"]
    );
    assert!(rows(&look, "PRAGMA foreign_key_check").is_empty());
    // The renamed parent is what the rebuilt foreign key references.
    assert_eq!(
        rows(
            &look,
            "SELECT \"table\", on_delete FROM pragma_foreign_key_list('patient')"
        ),
        ["physician|CASCADE"]
    );
    // Ids keep counting where they were after the rebuilds.
    backend
        .execute("INSERT INTO patient (name) VALUES ('Dee')")
        .await
        .expect("insert");
    assert_eq!(rows(&look, "SELECT max(id) FROM patient"), ["4"]);
    backend
        .execute("DELETE FROM patient WHERE name = 'Dee'")
        .await
        .expect("delete");

    let undo = reverse_all(&changes, &initial).expect("reversible");
    let back = run_ops(&mut backend, &undo, &after).await;
    assert_eq!(back, initial, "the reverse restores the schema state");
    assert_eq!(
        schema(&look),
        schema_before,
        "the reverse restores the schema"
    );
    // The dropped column comes back empty; everything else is as it was.
    assert_eq!(
        rows(
            &look,
            "SELECT id, name, dob, balance, doctor_id, notes FROM patient ORDER BY id"
        ),
        [
            "1|Ann|1990-01-02|10.5|1|NULL",
            "2|Bob|NULL|0|2|NULL",
            "3|Cid|2001-03-04|3.25|NULL|NULL"
        ]
    );
    Box::new(backend).close().await.expect("closes");
}

#[tokio::test]
async fn foreign_key_check_reports_rows_that_break_a_new_foreign_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fk.db");
    let url = format!("sqlite://{}", path.display());
    let mut backend = SqliteBackend::connect(&url, &ConnectOptions::default())
        .await
        .expect("opens");
    let state = run_ops(
        &mut backend,
        &ops(
            "[[operations]]\nop = \"create_table\"\ntable = \"doctor\"\ncolumns = [{ name = \"id\", type = \"auto_id\" }]\n\n[[operations]]\nop = \"create_table\"\ntable = \"patient\"\ncolumns = [{ name = \"id\", type = \"auto_id\" }, { name = \"doctor_id\", type = \"integer\" }]\n",
        ),
        &SchemaState::new(),
    )
    .await;
    backend
        .execute("INSERT INTO patient (doctor_id) VALUES (7)")
        .await
        .expect("orphan row");
    let add = ops(
        "[[operations]]\nop = \"add_foreign_key\"\ntable = \"patient\"\ncolumns = [\"doctor_id\"]\nreferences = \"doctor\"\n",
    );
    let renderer = migrate_sqlite::SqliteDialect
        .renderer()
        .expect("a renderer");
    let statements = renderer.render(&add[0], &state).expect("renders");
    let check = statements.last().expect("statements");
    assert_eq!(check, "PRAGMA foreign_key_check(\"patient\")");

    // With foreign keys on (this build's default), the copy itself fails.
    backend.begin().await.expect("begin");
    let mut failed = None;
    for sql in &statements {
        if let Err(e) = backend.execute(sql).await {
            failed = Some(e.to_string());
            break;
        }
    }
    backend.rollback().await.expect("rollback");
    assert!(
        failed
            .as_deref()
            .is_some_and(|e| e.contains("FOREIGN KEY constraint failed")),
        "{failed:?}"
    );

    // With foreign keys off, as the executor runs a rebuild, the last
    // statement finds the violation, and the backend turns it into an
    // error so the migration rolls back.
    backend
        .execute("PRAGMA foreign_keys = OFF")
        .await
        .expect("off");
    backend.begin().await.expect("begin");
    let (last, body) = statements.split_last().expect("statements");
    for sql in body {
        backend.execute(sql).await.expect("runs");
    }
    let err = backend.execute(last).await.expect_err("the check fails");
    assert!(
        err.to_string().contains(
            "FOREIGN KEY constraint failed: row 1 of patient references a missing row of doctor"
        ),
        "{err}"
    );
    backend.rollback().await.expect("rollback");
    let look = Connection::open(&path).unwrap();
    look.execute_batch("PRAGMA foreign_keys = OFF").unwrap();
    assert_eq!(
        rows(&look, check),
        Vec::<String>::new(),
        "rolled back: no violation left"
    );
}

/// Why the executor must turn foreign keys off around a rebuild: with them
/// on, rebuilding a parent table drops it, and dropping it runs the
/// children's ON DELETE actions.
#[tokio::test]
async fn a_rebuild_with_foreign_keys_on_would_cascade() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cascade.db");
    let url = format!("sqlite://{}", path.display());
    let mut backend = SqliteBackend::connect(&url, &ConnectOptions::default())
        .await
        .expect("opens");
    let state = run_ops(
        &mut backend,
        &ops(
            "[[operations]]\nop = \"create_table\"\ntable = \"doctor\"\ncolumns = [{ name = \"id\", type = \"auto_id\" }, { name = \"name\", type = \"string\", length = 10 }]\n\n[[operations]]\nop = \"create_table\"\ntable = \"patient\"\ncolumns = [{ name = \"id\", type = \"auto_id\" }, { name = \"doctor_id\", type = \"integer\" }]\nforeign_keys = [{ columns = [\"doctor_id\"], references = \"doctor\", on_delete = \"cascade\" }]\n",
        ),
        &SchemaState::new(),
    )
    .await;
    for sql in [
        "INSERT INTO doctor (name) VALUES ('House')",
        "INSERT INTO patient (doctor_id) VALUES (1)",
    ] {
        backend.execute(sql).await.expect("rows");
    }
    let widen = ops(
        "[[operations]]\nop = \"alter_column\"\ntable = \"doctor\"\ncolumn = \"name\"\ntype = \"string\"\nlength = 20\n",
    );
    assert_eq!(rebuilt_table(&widen[0], &state), Some("doctor".into()));
    let renderer = migrate_sqlite::SqliteDialect
        .renderer()
        .expect("a renderer");
    let statements = renderer.render(&widen[0], &state).expect("renders");
    // Deliberately against the contract: foreign keys stay on.
    backend.begin().await.expect("begin");
    for sql in &statements {
        backend.execute(sql).await.expect("runs");
    }
    // The patient row is gone: this insert passes its check only when
    // patient is empty.
    backend
        .execute("CREATE TEMP TABLE probe (n INTEGER CHECK (n = 0))")
        .await
        .expect("probe");
    backend
        .execute("INSERT INTO probe SELECT count(*) FROM patient")
        .await
        .expect("the cascade emptied patient");
    backend.rollback().await.expect("rollback");
    // Rolled back; now as the contract says.
    run_ops(&mut backend, &widen, &state).await;
    let look = Connection::open(&path).unwrap();
    assert_eq!(rows(&look, "SELECT id, doctor_id FROM patient"), ["1|1"]);
    assert_eq!(rows(&look, "SELECT id, name FROM doctor"), ["1|House"]);
}
