//! Running statements and transactions.

mod common;

use migrate_core::Error;
use migrate_core::backend::{Backend, ConnectOptions};
use migrate_mysql::MysqlBackend;

async fn connect(db: &common::Scratch) -> MysqlBackend {
    MysqlBackend::connect(&db.url, &ConnectOptions::default())
        .await
        .expect("connects")
}

#[tokio::test]
async fn trigger_with_a_compound_body() {
    let Some(db) = common::scratch().await else {
        return;
    };
    let mut backend = connect(&db).await;
    backend
        .execute("CREATE TABLE t (a INT, b INT)")
        .await
        .expect("table");
    backend
        .execute(
            "CREATE TRIGGER t_fill_b BEFORE INSERT ON t FOR EACH ROW\n\
             BEGIN\n\
               IF NEW.b IS NULL THEN\n\
                 SET NEW.b = NEW.a * 2;\n\
               END IF;\n\
             END",
        )
        .await
        .expect("trigger");
    backend
        .execute("INSERT INTO t (a) VALUES (21)")
        .await
        .expect("insert");
    assert_eq!(db.query_one::<i64>("SELECT b FROM t").await, Some(42));
    Box::new(backend).close().await.expect("closes");
}

#[tokio::test]
async fn procedures_and_result_sets() {
    let Some(db) = common::scratch().await else {
        return;
    };
    let mut backend = connect(&db).await;
    backend
        .execute(
            "CREATE PROCEDURE two_results()\n\
             BEGIN\n\
               SELECT 1 AS one;\n\
               SELECT 2 AS two UNION ALL SELECT 3;\n\
             END",
        )
        .await
        .expect("procedure");
    // Every result set is read, so the connection is ready for more.
    backend.execute("CALL two_results()").await.expect("call");
    backend
        .execute("SELECT * FROM information_schema.TABLES")
        .await
        .expect("select");
    backend
        .execute("SELECT 1; SELECT 2")
        .await
        .expect("two statements");
    backend.execute("DO 1").await.expect("still usable");
    Box::new(backend).close().await.expect("closes");
}

#[tokio::test]
async fn statement_errors_read_like_the_mysql_client() {
    let Some(db) = common::scratch().await else {
        return;
    };
    let mut backend = connect(&db).await;
    backend
        .execute("CREATE TABLE x (id INT)")
        .await
        .expect("first");
    let e = backend
        .execute("CREATE TABLE x (id INT)")
        .await
        .expect_err("second");
    match &e {
        Error::Database { message, .. } => {
            assert_eq!(message, "ERROR 1050 (42S01): Table 'x' already exists");
        }
        other => panic!("expected a database error, got {other:?}"),
    }
    let e = backend.execute("SELEC 1").await.expect_err("syntax");
    assert!(e.to_string().contains("ERROR 1064 (42000): "), "{e}");
    backend.execute("DO 1").await.expect("usable after errors");
    Box::new(backend).close().await.expect("closes");
}

#[tokio::test]
async fn transactions_commit_and_roll_back() {
    let Some(db) = common::scratch().await else {
        return;
    };
    let mut backend = connect(&db).await;
    backend
        .execute("CREATE TABLE t (id INT PRIMARY KEY) ENGINE=InnoDB")
        .await
        .expect("table");

    backend.begin().await.expect("begins");
    backend
        .execute("INSERT INTO t VALUES (1)")
        .await
        .expect("insert");
    backend.rollback().await.expect("rolls back");
    assert_eq!(db.query_one::<i64>("SELECT COUNT(*) FROM t").await, Some(0));

    backend.begin().await.expect("begins");
    backend
        .execute("INSERT INTO t VALUES (2)")
        .await
        .expect("insert");
    let e = backend
        .execute("INSERT INTO t VALUES (2)")
        .await
        .expect_err("duplicate");
    assert!(e.to_string().contains("ERROR 1062 (23000)"), "{e}");
    backend.commit().await.expect("commits");
    assert_eq!(db.query_one::<i64>("SELECT COUNT(*) FROM t").await, Some(1));

    // A temporary table inside a transaction does not commit it.
    backend.begin().await.expect("begins");
    backend
        .execute("INSERT INTO t VALUES (3)")
        .await
        .expect("insert");
    backend
        .execute("CREATE TEMPORARY TABLE tmp (id INT)")
        .await
        .expect("temporary");
    backend.rollback().await.expect("rolls back");
    assert_eq!(db.query_one::<i64>("SELECT COUNT(*) FROM t").await, Some(1));

    // Rolling back with no transaction open is harmless.
    backend.rollback().await.expect("nothing to roll back");
    Box::new(backend).close().await.expect("closes");
}
