//! The migration lock: a session-level advisory lock held on a connection of
//! its own.
//!
//! The lock connection runs nothing but `pg_try_advisory_lock` and
//! `pg_advisory_unlock`, each in autocommit, so it never holds a transaction
//! or a snapshot: `CREATE INDEX CONCURRENTLY` on the migration connection,
//! which waits for every older snapshot, does not wait for it.

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

/// Who holds the lock, from `pg_locks` and `pg_stat_activity`. The holder's
/// lock connection ran nothing since it got the lock, so its last query's
/// start is when it took it.
pub(crate) async fn holder(conn: &Conn, key: i64) -> Option<String> {
    let bits = key as u64;
    let (high, low) = ((bits >> 32) as i64, (bits & 0xffff_ffff) as i64);
    let sql = "SELECT a.pid, a.application_name, a.usename::text, host(a.client_addr), \
               a.client_hostname, a.client_port, \
               to_char(coalesce(a.query_start, a.backend_start) AT TIME ZONE 'UTC', \
                       'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), \
               extract(epoch FROM now() - coalesce(a.query_start, a.backend_start))::bigint \
               FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
               WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 \
               AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
               AND l.classid::bigint = $1 AND l.objid::bigint = $2 \
               LIMIT 1";
    let row = match conn.client.query_opt(sql, &[&high, &low]).await {
        Ok(Some(row)) => row,
        Ok(None) => return None,
        Err(e) => {
            tracing::debug!(
                "cannot tell who holds the migration lock: {}",
                conn.describe(&e)
            );
            return None;
        }
    };
    let pid: i32 = row.get(0);
    let application: Option<String> = row.get(1);
    let user: Option<String> = row.get(2);
    let address: Option<String> = row.get(3);
    let host_name: Option<String> = row.get(4);
    let port: Option<i32> = row.get(5);
    let since: Option<String> = row.get(6);
    let seconds: Option<i64> = row.get(7);

    let mut parts = Vec::new();
    if let Some(app) = application.filter(|a| !a.is_empty()) {
        parts.push(format!("application {app:?}"));
    }
    if let Some(user) = user {
        parts.push(format!("user {user}"));
    }
    match (host_name.or(address), port) {
        (Some(host), Some(port)) if port > 0 => parts.push(format!("from {host}:{port}")),
        (Some(host), _) => parts.push(format!("from {host}")),
        (None, Some(-1)) => parts.push("over a Unix socket".to_string()),
        _ => {}
    }
    if let Some(since) = since {
        match seconds {
            Some(s) => parts.push(format!("since {since}, {s}s ago")),
            None => parts.push(format!("since {since}")),
        }
    }
    Some(if parts.is_empty() {
        format!("server process {pid}")
    } else {
        format!("server process {pid}: {}", parts.join(", "))
    })
}
