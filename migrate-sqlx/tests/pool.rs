//! The backend runs on the application's pool and leaves it clean: no
//! session setting, transaction or lock comes back with a connection.

mod common;

use migrate_core::backend::{BackendExt, ConnectOptions};
use migrate_core::testkit::Scratch;
use migrate_core::{Backend, Request};
use migrate_sqlx::SqlxBackend;
use sqlx::Row;

async fn apply(backend: &mut SqlxBackend, files: &Scratch) {
    let source = files.load(backend);
    migrate_core::executor::migrate(
        backend,
        &source,
        &Request::All,
        &migrate_core::RunOptions::default(),
        &mut migrate_core::executor::Silent,
    )
    .await
    .expect("apply");
}

#[tokio::test]
async fn postgres_connections_come_back_clean() {
    let Some(db) = common::ServerDb::postgres().await else {
        return;
    };
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(2)
        .connect(&db.url)
        .await
        .unwrap();
    let options = ConnectOptions {
        init_statements: vec!["SET statement_timeout = '7s'".into()],
        schema: Some("app_schema".into()),
        ..ConnectOptions::default()
    };
    let mut backend = SqlxBackend::from_pool(&pool, &options).await.unwrap();
    let files = Scratch::new("sqlx-pg");
    files.write(
        "app",
        "0001_t.sql",
        "-- migrate:up\nCREATE TABLE t (id INTEGER);\nSET work_mem = '9MB';\n-- migrate:down\nDROP TABLE t;\n",
    );
    backend
        .lock(std::time::Duration::from_secs(5))
        .await
        .unwrap();
    backend.unlock().await.unwrap();
    apply(&mut backend, &files).await;
    Box::new(backend).close().await.unwrap();

    // Every connection the pool hands out now is as new.
    let mut a = pool.acquire().await.unwrap();
    let mut b = pool.acquire().await.unwrap();
    for conn in [&mut a, &mut b] {
        let row = sqlx::query(
            "SELECT current_setting('statement_timeout'), current_setting('work_mem'), \
             current_setting('search_path'), \
             (SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid())",
        )
        .fetch_one(&mut **conn)
        .await
        .unwrap();
        assert_eq!(row.get::<String, _>(0), "0");
        assert_eq!(row.get::<String, _>(1), "4MB");
        assert_eq!(row.get::<String, _>(2), "\"$user\", public");
        assert_eq!(row.get::<i64, _>(3), 0, "no advisory lock held");
    }
    let rows = sqlx::query("SELECT count(*) FROM app_schema.migrate_history")
        .fetch_one(&mut *a)
        .await
        .unwrap();
    assert_eq!(rows.get::<i64, _>(0), 1);
}

#[tokio::test]
async fn sqlite_memory_database_survives_and_comes_back_clean() {
    let pool = sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(1)
        .connect("sqlite::memory:")
        .await
        .unwrap();
    let options = ConnectOptions {
        init_statements: vec!["PRAGMA foreign_keys = OFF".into()],
        ..ConnectOptions::default()
    };
    let mut backend = SqlxBackend::from_pool(&pool, &options).await.unwrap();
    assert_eq!(backend.location().database, "", "an in-memory database");
    let files = Scratch::new("sqlx-lite");
    files.write(
        "app",
        "0001_t.sql",
        "-- migrate:up\nCREATE TABLE t (id INTEGER);\nINSERT INTO t VALUES (1);\n-- migrate:down\nDROP TABLE t;\n",
    );
    apply(&mut backend, &files).await;
    Box::new(backend).close().await.unwrap();

    let mut conn = pool.acquire().await.unwrap();
    let on: i64 = sqlx::query("PRAGMA foreign_keys")
        .fetch_one(&mut *conn)
        .await
        .unwrap()
        .get(0);
    assert_eq!(on, 1, "foreign keys as the pool had them");
    let rows: i64 = sqlx::query("SELECT count(*) FROM t")
        .fetch_one(&mut *conn)
        .await
        .unwrap()
        .get(0);
    assert_eq!(
        rows, 1,
        "the in-memory database and its rows are still there"
    );
    sqlx::query("BEGIN")
        .execute(&mut *conn)
        .await
        .expect("no transaction left open");
}
