//! The history table through the `Backend` trait.

mod common;

use migrate_core::BackendExt;
use migrate_core::backend::{Backend, ConnectOptions};
use migrate_core::history::{HistoryRecord, RecordState};
use migrate_mysql::MysqlBackend;

fn record(app: &str, name: &str) -> HistoryRecord {
    HistoryRecord {
        app: app.into(),
        name: name.into(),
        checksum: "0123456789abcdef".repeat(4),
        applied_at: "2025-01-02T03:04:05.678Z".into(),
        duration_ms: 1234,
        state: RecordState::Applied,
        statements_done: 3,
        statements_total: 3,
        last_error: None,
        up_sql: vec!["CREATE TABLE t (id INT)".into()],
        down_sql: Some(vec!["DROP TABLE t".into()]),
        applied_by: Some("dev@laptop".into()),
        tool_version: migrate_core::VERSION.into(),
        source_commit: None,
        journal: Vec::new(),
    }
}

async fn table_exists(db: &common::Scratch, table: &str) -> bool {
    let sql = format!(
        "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '{}' AND TABLE_NAME = '{}'",
        db.name,
        table.replace('\'', "''")
    );
    db.query_one::<i64>(&sql).await == Some(1)
}

#[tokio::test]
async fn round_trip() {
    let Some(db) = common::scratch().await else {
        return;
    };
    let mut backend = MysqlBackend::connect(&db.url, &ConnectOptions::default())
        .await
        .expect("connects");

    // A missing table is an empty history, and reading does not create it.
    assert_eq!(backend.load_history().await.expect("loads"), vec![]);
    assert!(!table_exists(&db, "migrate_history").await);

    backend.ensure_history().await.expect("creates");
    backend.ensure_history().await.expect("idempotent");
    assert!(table_exists(&db, "migrate_history").await);
    assert_eq!(backend.load_history().await.expect("loads"), vec![]);

    let mut tricky = record("ünïcödé", "0002_snow☃_crab🦀");
    tricky.up_sql = vec![
        "INSERT INTO t VALUES ('it''s', \"double\", `tick`)".into(),
        "INSERT INTO t VALUES ('back\\slash \\' \\\\ \\n')".into(),
        "CREATE TRIGGER trg BEFORE INSERT ON t FOR EACH ROW\nBEGIN\r\n\tSET NEW.a = 1;\nEND".into(),
        "SELECT 'Ω≈ç√∫ 日本語 עברית \u{0}nul'".into(),
        String::new(),
    ];
    tricky.down_sql = Some(vec![]);
    tricky.last_error = Some("ERROR 1050 (42S01): Table 'x' already exists\n«quoted»".into());
    tricky.state = RecordState::Partial;
    tricky.statements_done = 2;
    tricky.statements_total = 5;
    tricky.applied_by = None;

    let mut irreversible = record("app", "0001_initial");
    irreversible.down_sql = None;
    // Names differ only by case: both are kept (binary collation).
    let upper = record("app", "0001_INITIAL");
    let reverting = HistoryRecord {
        state: RecordState::Reverting,
        statements_done: 1,
        ..record("app", "0003_more")
    };

    for r in [&tricky, &irreversible, &upper, &reverting] {
        backend.write_record(r).await.expect("writes");
    }
    let loaded = backend.load_history().await.expect("loads");
    assert_eq!(
        loaded,
        vec![
            upper.clone(),
            irreversible.clone(),
            reverting.clone(),
            tricky.clone()
        ]
    );

    // Writing the same migration again replaces its row.
    let mut finished = tricky.clone();
    finished.state = RecordState::Applied;
    finished.statements_done = 5;
    finished.last_error = None;
    finished.applied_by = Some("ci@runner".into());
    backend.write_record(&finished).await.expect("upserts");
    let loaded = backend.load_history().await.expect("loads");
    assert_eq!(loaded.len(), 4);
    assert_eq!(loaded[3], finished);

    backend
        .delete_record("app", "0001_initial")
        .await
        .expect("deletes");
    backend
        .delete_record("app", "0001_initial")
        .await
        .expect("deleting nothing is fine");
    backend
        .delete_record("nope", "nothing")
        .await
        .expect("deleting nothing is fine");
    let loaded = backend.load_history().await.expect("loads");
    assert_eq!(loaded, vec![upper, reverting, finished]);

    Box::new(backend).close().await.expect("closes");
}

#[tokio::test]
async fn custom_table_name_is_quoted() {
    let Some(db) = common::scratch().await else {
        return;
    };
    let options = ConnectOptions {
        history_table: "odd`name history".into(),
        ..ConnectOptions::default()
    };
    let mut backend = MysqlBackend::connect(&db.url, &options)
        .await
        .expect("connects");
    assert_eq!(backend.load_history().await.expect("loads"), vec![]);
    backend.ensure_history().await.expect("creates");
    assert!(table_exists(&db, "odd`name history").await);
    let r = record("app", "0001_x");
    backend.write_record(&r).await.expect("writes");
    assert_eq!(backend.load_history().await.expect("loads"), vec![r]);
    backend
        .lock(std::time::Duration::from_secs(1))
        .await
        .expect("locks");
    backend.unlock().await.expect("unlocks");
    Box::new(backend).close().await.expect("closes");
}

#[tokio::test]
async fn history_writes_follow_the_transaction() {
    let Some(db) = common::scratch().await else {
        return;
    };
    let mut backend = MysqlBackend::connect(&db.url, &ConnectOptions::default())
        .await
        .expect("connects");
    backend.ensure_history().await.expect("creates");
    backend.begin().await.expect("begins");
    backend
        .write_record(&record("app", "0001_a"))
        .await
        .expect("writes");
    backend.rollback().await.expect("rolls back");
    assert_eq!(backend.load_history().await.expect("loads"), vec![]);

    backend.begin().await.expect("begins");
    backend
        .write_record(&record("app", "0001_a"))
        .await
        .expect("writes");
    backend.commit().await.expect("commits");
    assert_eq!(
        db.query_one::<i64>("SELECT COUNT(*) FROM migrate_history")
            .await,
        Some(1)
    );
    Box::new(backend).close().await.expect("closes");
}

#[tokio::test]
async fn unreadable_rows_are_reported() {
    let Some(db) = common::scratch().await else {
        return;
    };
    let mut backend = MysqlBackend::connect(&db.url, &ConnectOptions::default())
        .await
        .expect("connects");
    backend.ensure_history().await.expect("creates");
    backend
        .write_record(&record("app", "0001_a"))
        .await
        .expect("writes");
    backend
        .execute("UPDATE migrate_history SET state = 'exploded'")
        .await
        .expect("updates");
    let e = backend.load_history().await.expect_err("unknown state");
    assert!(e.to_string().contains("unknown state `exploded`"), "{e}");
    assert!(e.to_string().contains("app:0001_a"), "{e}");
    Box::new(backend).close().await.expect("closes");
}
