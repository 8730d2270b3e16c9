//! The statement journal against a real server: the inverse read before a
//! destructive statement runs puts the definition back exactly, and probes
//! see objects come and go.

mod common;

use migrate_core::BackendExt;
use migrate_core::SqlDialect;
use migrate_core::backend::{Backend, ConnectOptions, Dialect};
use migrate_core::journal::{self, Probe};
use migrate_core::testkit::journal::{column, exists, index, journaled, run, table, undo, view};
use migrate_mysql::{MysqlBackend, MysqlDialect};
use mysql_async::prelude::Queryable;

async fn connect(db: &common::Scratch) -> MysqlBackend {
    MysqlBackend::connect(&db.url, &ConnectOptions::default())
        .await
        .expect("connects")
}

/// Column 1 of `SHOW CREATE TABLE|VIEW`, read on a connection of its own.
async fn show_create(db: &common::Scratch, what: &str, name: &str) -> String {
    let mut conn = db.admin().await;
    let row: mysql_async::Row = conn
        .query_first(format!("SHOW CREATE {what} `{name}`"))
        .await
        .unwrap_or_else(|e| panic!("SHOW CREATE {what} {name}: {e}"))
        .expect("a row");
    let _ = conn.disconnect().await;
    row.get(1).expect("the definition")
}

/// The lines of a definition, sorted: the order of its keys is the
/// server's choice.
fn sorted(ddl: &str) -> Vec<&str> {
    let mut lines: Vec<&str> = ddl.lines().map(|l| l.trim_end_matches(',')).collect();
    lines.sort_unstable();
    lines
}

const TABLE: &str = "CREATE TABLE t (\
    id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, \
    a VARCHAR(20) NOT NULL DEFAULT 'it''s' COMMENT 'the a', \
    c INT NULL, \
    d INT NULL, \
    KEY c_idx (c), \
    KEY cd (c, d), \
    UNIQUE KEY a_uniq (a), \
    CONSTRAINT d_positive CHECK (d > 0)\
    ) ENGINE=InnoDB";

async fn with_table(backend: &mut MysqlBackend) {
    run(backend, TABLE).await;
    run(
        backend,
        "INSERT INTO t (a, c, d) VALUES ('x', 1, 2), ('y', 3, 4)",
    )
    .await;
}

#[tokio::test]
async fn probes_see_what_exists_in_this_database() {
    let Some(db) = common::scratch().await else {
        return;
    };
    let mut backend = connect(&db).await;
    with_table(&mut backend).await;
    run(&mut backend, "CREATE VIEW v AS SELECT id, a FROM t").await;
    assert_eq!(exists(&mut backend, table("t")).await, Some(true));
    assert_eq!(exists(&mut backend, table("v")).await, Some(false));
    assert_eq!(exists(&mut backend, table("nope")).await, Some(false));
    assert_eq!(exists(&mut backend, column("t", "a")).await, Some(true));
    assert_eq!(exists(&mut backend, column("t", "zz")).await, Some(false));
    assert_eq!(exists(&mut backend, column("nope", "a")).await, Some(false));
    assert_eq!(
        exists(&mut backend, index(Some("t"), "c_idx")).await,
        Some(true)
    );
    assert_eq!(exists(&mut backend, index(None, "c_idx")).await, Some(true));
    assert_eq!(
        exists(&mut backend, index(Some("t"), "PRIMARY")).await,
        Some(true)
    );
    assert_eq!(
        exists(&mut backend, index(Some("v"), "c_idx")).await,
        Some(false)
    );
    assert_eq!(exists(&mut backend, view("v")).await, Some(true));
    assert_eq!(exists(&mut backend, view("t")).await, Some(false));
    let constraint = |name: &str| Probe::Constraint {
        table: "t".into(),
        name: name.into(),
        exists_after: true,
    };
    assert_eq!(
        exists(&mut backend, constraint("d_positive")).await,
        Some(true)
    );
    assert_eq!(exists(&mut backend, constraint("nope")).await, Some(false));
    // Another database's table of the same name is not this one's.
    let mut admin = db.admin().await;
    let other = format!("{}_other", db.name);
    admin
        .query_drop(format!("CREATE DATABASE `{other}`"))
        .await
        .unwrap();
    admin
        .query_drop(format!("CREATE TABLE `{other}`.elsewhere (x INT)"))
        .await
        .unwrap();
    let seen = exists(&mut backend, table("elsewhere")).await;
    admin
        .query_drop(format!("DROP DATABASE `{other}`"))
        .await
        .unwrap();
    let _ = admin.disconnect().await;
    assert_eq!(seen, Some(false));
    Box::new(backend).close().await.expect("closes");
}

#[tokio::test]
async fn a_dropped_table_comes_back_with_its_keys_but_not_its_rows() {
    let Some(db) = common::scratch().await else {
        return;
    };
    let mut backend = connect(&db).await;
    with_table(&mut backend).await;
    let before = show_create(&db, "TABLE", "t").await;
    let (entry, inverse) = journaled(&mut backend, "DROP TABLE t").await;
    assert!(entry.lossy, "{entry:?}");
    assert!(
        entry.note.as_deref().unwrap_or("").contains("rows of t"),
        "{entry:?}"
    );
    assert_eq!(inverse.len(), 1, "{inverse:?}");
    run(&mut backend, "DROP TABLE t").await;
    assert_eq!(exists(&mut backend, table("t")).await, Some(false));
    undo(&mut backend, &inverse).await;
    assert_eq!(exists(&mut backend, table("t")).await, Some(true));
    assert_eq!(show_create(&db, "TABLE", "t").await, before);
    assert_eq!(db.query_one::<i64>("SELECT COUNT(*) FROM t").await, Some(0));
    Box::new(backend).close().await.expect("closes");
}

#[tokio::test]
async fn dropping_a_missing_table_has_nothing_to_undo() {
    let Some(db) = common::scratch().await else {
        return;
    };
    let mut backend = connect(&db).await;
    let (entry, inverse) = journaled(&mut backend, "DROP TABLE IF EXISTS gone").await;
    assert!(inverse.is_empty(), "{entry:?}");
    assert!(!entry.lossy, "{entry:?}");
    Box::new(backend).close().await.expect("closes");
}

#[tokio::test]
async fn a_dropped_column_comes_back_in_place_with_its_indexes() {
    let Some(db) = common::scratch().await else {
        return;
    };
    let mut backend = connect(&db).await;
    with_table(&mut backend).await;
    let before = show_create(&db, "TABLE", "t").await;
    // `c` has an index of its own, which goes with it, and shares `cd`,
    // which only loses it.
    let sql = "ALTER TABLE t DROP COLUMN c";
    let (entry, inverse) = journaled(&mut backend, sql).await;
    assert!(entry.lossy, "{entry:?}");
    assert!(
        entry.note.as_deref().unwrap_or("").contains("t.c"),
        "{entry:?}"
    );
    run(&mut backend, sql).await;
    assert_eq!(exists(&mut backend, column("t", "c")).await, Some(false));
    assert_eq!(
        exists(&mut backend, index(Some("t"), "c_idx")).await,
        Some(false)
    );
    undo(&mut backend, &inverse).await;
    assert_eq!(exists(&mut backend, column("t", "c")).await, Some(true));
    assert_eq!(show_create(&db, "TABLE", "t").await, before);

    // A unique key needs distinct values to come back, which the rows of
    // a dropped column no longer have: on an empty table it does. So do a
    // check constraint that goes with its column (`d`), and the first
    // column with the primary key and the table's counter (`id`).
    run(&mut backend, "DELETE FROM t").await;
    for name in ["a", "d", "id"] {
        let before = show_create(&db, "TABLE", "t").await;
        let sql = format!("ALTER TABLE t DROP COLUMN {name}");
        let (_, inverse) = journaled(&mut backend, &sql).await;
        run(&mut backend, &sql).await;
        assert_eq!(exists(&mut backend, column("t", name)).await, Some(false));
        undo(&mut backend, &inverse).await;
        assert_eq!(show_create(&db, "TABLE", "t").await, before, "{sql}");
    }
    Box::new(backend).close().await.expect("closes");
}

#[tokio::test]
async fn a_changed_column_gets_its_name_type_and_place_back() {
    let Some(db) = common::scratch().await else {
        return;
    };
    let mut backend = connect(&db).await;
    with_table(&mut backend).await;
    let before = show_create(&db, "TABLE", "t").await;
    for sql in [
        "ALTER TABLE t CHANGE COLUMN a renamed TEXT NULL FIRST",
        "ALTER TABLE t MODIFY COLUMN d BIGINT NOT NULL DEFAULT 7 AFTER id",
        "ALTER TABLE t MODIFY d BIGINT",
    ] {
        let (entry, inverse) = journaled(&mut backend, sql).await;
        assert!(entry.lossy, "{entry:?}");
        run(&mut backend, sql).await;
        assert_ne!(show_create(&db, "TABLE", "t").await, before, "{sql}");
        undo(&mut backend, &inverse).await;
        assert_eq!(show_create(&db, "TABLE", "t").await, before, "{sql}");
    }
    assert_eq!(
        db.query_one::<String>("SELECT a FROM t WHERE id = 2").await,
        Some("y".into())
    );
    Box::new(backend).close().await.expect("closes");
}

#[tokio::test]
async fn a_dropped_index_comes_back_as_it_was() {
    let Some(db) = common::scratch().await else {
        return;
    };
    let mut backend = connect(&db).await;
    with_table(&mut backend).await;
    run(
        &mut backend,
        "CREATE FULLTEXT INDEX a_text ON t (a) COMMENT 'words'",
    )
    .await;
    run(&mut backend, "CREATE INDEX a_prefix ON t (a(5) DESC, d)").await;
    let before = show_create(&db, "TABLE", "t").await;
    for (sql, name) in [
        ("DROP INDEX a_text ON t", "a_text"),
        ("DROP INDEX a_prefix ON t", "a_prefix"),
        ("DROP INDEX a_uniq ON t", "a_uniq"),
        ("ALTER TABLE t DROP INDEX cd", "cd"),
    ] {
        assert_eq!(
            exists(&mut backend, index(Some("t"), name)).await,
            Some(true)
        );
        let (entry, inverse) = journaled(&mut backend, sql).await;
        assert!(!entry.lossy, "{entry:?}");
        run(&mut backend, sql).await;
        assert_eq!(
            exists(&mut backend, index(Some("t"), name)).await,
            Some(false)
        );
        undo(&mut backend, &inverse).await;
        let after = show_create(&db, "TABLE", "t").await;
        assert_eq!(sorted(&after), sorted(&before), "{sql}");
    }
    Box::new(backend).close().await.expect("closes");
}

#[tokio::test]
async fn a_dropped_view_comes_back_as_it_was() {
    let Some(db) = common::scratch().await else {
        return;
    };
    let mut backend = connect(&db).await;
    with_table(&mut backend).await;
    run(
        &mut backend,
        "CREATE VIEW v AS SELECT id, a AS `the a` FROM t WHERE d > 1 WITH CHECK OPTION",
    )
    .await;
    let before = show_create(&db, "VIEW", "v").await;
    let (entry, inverse) = journaled(&mut backend, "DROP VIEW v").await;
    assert!(!entry.lossy, "{entry:?}");
    run(&mut backend, "DROP VIEW v").await;
    assert_eq!(exists(&mut backend, view("v")).await, Some(false));
    undo(&mut backend, &inverse).await;
    assert_eq!(exists(&mut backend, view("v")).await, Some(true));
    assert_eq!(show_create(&db, "VIEW", "v").await, before);
    Box::new(backend).close().await.expect("closes");
}

#[tokio::test]
async fn statements_that_need_no_capture_are_journaled_from_their_text() {
    let Some(db) = common::scratch().await else {
        return;
    };
    let mut backend = connect(&db).await;
    let quote = |s: &str| MysqlDialect.quote_identifier(s);
    for sql in [
        "CREATE TABLE x (a INT)",
        "INSERT INTO x VALUES (1)",
        "CREATE INDEX xa ON x (a)",
    ] {
        let entry = backend.journal_entry(sql).await.expect("entry");
        assert_eq!(
            entry,
            journal::entry_from_text(sql, SqlDialect::Mysql, &quote),
            "{sql}"
        );
        run(&mut backend, sql).await;
    }
    Box::new(backend).close().await.expect("closes");
}
