//! The migration lock: a session-level advisory lock held on a connection of
//! its own.
//!
//! The lock connection runs nothing but `pg_try_advisory_lock` and
//! `pg_advisory_unlock`, each in autocommit, so it never holds a transaction
//! or a snapshot: `CREATE INDEX CONCURRENTLY` on the migration connection,
//! which waits for every older snapshot, does not wait for it. Who holds
//! the lock is asked on the migration connection
//! (`migrate_core::engines::postgres::catalog::lock_holder`).

use crate::conn::Conn;
use crate::url::Target;

/// `pg_try_advisory_lock(key)`: whether this connection now holds it.
pub(crate) async fn try_lock(conn: &Conn, key: i64) -> Result<bool, tokio_postgres::Error> {
    let row = conn
        .client
        .query_one("SELECT pg_try_advisory_lock($1)", &[&key])
        .await?;
    Ok(row.get(0))
}

/// Releases the lock and closes its connection (closing alone would
/// release it too).
pub(crate) async fn release(conn: Conn, key: i64, target: &Target) -> migrate_core::Result<()> {
    let unlocked = conn
        .client
        .query_one("SELECT pg_advisory_unlock($1)", &[&key])
        .await;
    let result = match unlocked {
        Ok(_) => Ok(()),
        // The connection is gone, and the lock with it.
        Err(e) if e.is_closed() => Ok(()),
        Err(e) => Err(conn.error(
            format!("cannot release the migration lock on {}", target.redacted),
            e,
        )),
    };
    conn.close().await;
    result
}
