//! The migration lock across connections.

mod common;

use migrate_core::BackendExt;
use std::time::{Duration, Instant};

use migrate_core::Error;
use migrate_core::backend::{Backend, ConnectOptions};
use migrate_mysql::MysqlBackend;

async fn connect(db: &common::Scratch) -> MysqlBackend {
    MysqlBackend::connect(&db.url, &ConnectOptions::default())
        .await
        .expect("connects")
}

#[tokio::test]
async fn one_holder_at_a_time() {
    let Some(db) = common::scratch().await else {
        return;
    };
    let mut first = connect(&db).await;
    let mut second = connect(&db).await;

    first
        .lock(Duration::from_secs(5))
        .await
        .expect("first locks");
    first
        .lock(Duration::from_secs(5))
        .await
        .expect("locking again is a no-op");

    let started = Instant::now();
    let e = second
        .lock(Duration::from_secs(1))
        .await
        .expect_err("second waits");
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "{:?}",
        started.elapsed()
    );
    match &e {
        Error::LockTimeout {
            target,
            waited_secs,
            holder,
        } => {
            assert_eq!(target, &second.target());
            assert_eq!(*waited_secs, 1);
            let holder = holder.as_deref().expect("the holder is known");
            assert!(holder.starts_with("connection "), "{holder}");
            assert!(holder.contains(" of root@"), "{holder}");
            assert!(holder.contains("idle for "), "{holder}");
        }
        other => panic!("expected a lock timeout, got {other:?}"),
    }
    assert!(e.to_string().contains("(held by connection "), "{e}");

    first.unlock().await.expect("first unlocks");
    first.unlock().await.expect("unlocking twice is fine");
    second
        .lock(Duration::from_secs(1))
        .await
        .expect("second locks");
    let e = first
        .lock(Duration::ZERO)
        .await
        .expect_err("now first waits");
    assert!(
        matches!(e, Error::LockTimeout { waited_secs: 0, .. }),
        "{e:?}"
    );
    second.unlock().await.expect("second unlocks");

    Box::new(first).close().await.expect("closes");
    Box::new(second).close().await.expect("closes");
}

#[tokio::test]
async fn the_migration_connection_stays_usable_while_waiting_elsewhere() {
    let Some(db) = common::scratch().await else {
        return;
    };
    let mut first = connect(&db).await;
    first.lock(Duration::from_secs(1)).await.expect("locks");
    // The lock lives on its own connection: transactions on the migration
    // connection do not touch it.
    first.begin().await.expect("begins");
    first
        .execute("CREATE TABLE t (id INT)")
        .await
        .expect("DDL commits");
    first.rollback().await.expect("rolls back");
    let mut second = connect(&db).await;
    assert!(second.lock(Duration::ZERO).await.is_err(), "still held");
    Box::new(first).close().await.expect("closes and unlocks");
    second
        .lock(Duration::from_secs(2))
        .await
        .expect("free after close");
    Box::new(second).close().await.expect("closes");
}

#[tokio::test]
async fn dropping_the_backend_releases_the_lock() {
    let Some(db) = common::scratch().await else {
        return;
    };
    let mut first = connect(&db).await;
    first.lock(Duration::from_secs(1)).await.expect("locks");
    drop(first);
    let mut second = connect(&db).await;
    second
        .lock(Duration::from_secs(5))
        .await
        .expect("released when the holder's connection closed");
    Box::new(second).close().await.expect("closes");
}

#[tokio::test]
async fn locks_are_per_history_table() {
    let Some(db) = common::scratch().await else {
        return;
    };
    let mut first = connect(&db).await;
    let mut other = MysqlBackend::connect(
        &db.url,
        &ConnectOptions {
            history_table: "other_history".into(),
            ..ConnectOptions::default()
        },
    )
    .await
    .expect("connects");
    first.lock(Duration::from_secs(1)).await.expect("locks");
    other
        .lock(Duration::ZERO)
        .await
        .expect("another table, another lock");
    Box::new(first).close().await.expect("closes");
    Box::new(other).close().await.expect("closes");
}
