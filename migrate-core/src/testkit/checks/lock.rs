//! The lock protocol: one holder per history, across connections and
//! backends, released on close.

use std::time::Duration;

use crate::backend::BackendExt;
use crate::error::Error;
use crate::testkit::{Connector, Kit, connect};

const WAIT: Duration = Duration::from_millis(600);
const LONG: Duration = Duration::from_secs(10);

fn expect_timeout(result: crate::Result<()>, what: &str) {
    match result {
        Err(Error::LockTimeout { .. }) => {}
        other => panic!("{what} must time out while the lock is held, got {other:?}"),
    }
}

/// Only one connection holds the lock; the other times out, then gets it
/// once released.
pub async fn lock_is_exclusive(c: &dyn Connector) {
    let kit = Kit::new("lock");
    let mut a = connect(c, &kit.options()).await;
    let mut b = connect(c, &kit.options()).await;
    a.lock(LONG).await.expect("first lock");
    a.lock(LONG)
        .await
        .expect("taking a held lock again is no error");
    expect_timeout(b.lock(WAIT).await, "a second connection");
    a.unlock().await.expect("unlock");
    b.lock(LONG).await.expect("lock after release");
    expect_timeout(a.lock(WAIT).await, "the first connection");
    b.unlock().await.expect("unlock second");
    b.unlock().await.expect("unlocking twice is no error");
}

/// Closing a connection that holds the lock releases it.
pub async fn closing_releases_the_lock(c: &dyn Connector) {
    let kit = Kit::new("close");
    let mut a = connect(c, &kit.options()).await;
    let mut b = connect(c, &kit.options()).await;
    a.lock(LONG).await.expect("lock");
    a.close().await.expect("close");
    b.lock(LONG)
        .await
        .expect("the lock is free once its holder closed");
    b.unlock().await.expect("unlock");
}

/// The backend under test and another backend of the same engine exclude
/// each other on the same history: both follow the lock protocol.
pub async fn lock_excludes_a_peer_backend(c: &dyn Connector) {
    let kit = Kit::new("peer");
    let mut a = connect(c, &kit.options()).await;
    let mut p = c
        .peer(&kit.options())
        .await
        .expect("the connector claims a peer backend");
    assert_eq!(
        crate::LockId::of(a.location()),
        crate::LockId::of(p.location()),
        "both backends must name the same history"
    );
    a.lock(LONG).await.expect("lock");
    expect_timeout(p.lock(WAIT).await, "the peer backend");
    a.unlock().await.expect("unlock");
    p.lock(LONG).await.expect("the peer takes it once released");
    expect_timeout(a.lock(WAIT).await, "the backend under test");
    p.unlock().await.expect("peer unlock");
}
