//! The migration lock: a named server lock (`GET_LOCK`) held by a
//! connection of its own, so that the migration connection can commit,
//! fail or reconnect without touching it, and so that the server releases it
//! the moment that connection closes, however the process ends.

use std::time::Duration;

use mysql_async::Conn;
use mysql_async::prelude::Queryable;
use sha2::{Digest, Sha256};

/// The longest lock name MySQL accepts (5.7 and later), in characters.
const MAX_NAME_CHARS: usize = 64;

/// The longest wait passed to `GET_LOCK`: a year is "forever" for a
/// migration, and stays far from any server-side limit.
const MAX_WAIT_SECS: u64 = 365 * 24 * 3600;

/// The lock's name: one per database and history table, since lock names
/// are global to the server. Names longer than MySQL's limit are replaced
/// by a hash of themselves, which every run computes the same way.
pub(crate) fn name(database: &str, table: &str) -> String {
    let name = format!("migrate:{database}.{table}");
    if name.chars().count() <= MAX_NAME_CHARS {
        return name;
    }
    let digest = hex::encode(Sha256::digest(name.as_bytes()));
    let prefix = "migrate:";
    format!("{prefix}{}", &digest[..MAX_NAME_CHARS - prefix.len()])
}

/// The wait passed to `GET_LOCK`, in whole seconds, rounded up so that a
/// sub-second timeout still waits rather than giving up at once.
pub(crate) fn wait_secs(timeout: Duration) -> u64 {
    let secs = timeout
        .as_secs()
        .saturating_add(u64::from(timeout.subsec_nanos() > 0));
    secs.min(MAX_WAIT_SECS)
}

/// `GET_LOCK(name, secs)`: `Some(1)` taken, `Some(0)` timed out, `None`
/// interrupted.
pub(crate) async fn get(
    conn: &mut Conn,
    name: &str,
    secs: u64,
) -> mysql_async::Result<Option<i64>> {
    let row: Option<Option<i64>> = conn
        .exec_first("SELECT GET_LOCK(?, ?)", (name, secs))
        .await?;
    Ok(row.flatten())
}

/// `RELEASE_LOCK(name)`: `Some(1)` released, `Some(0)` held by another
/// connection, `None` not held at all.
pub(crate) async fn release(conn: &mut Conn, name: &str) -> mysql_async::Result<Option<i64>> {
    let row: Option<Option<i64>> = conn.exec_first("SELECT RELEASE_LOCK(?)", (name,)).await?;
    Ok(row.flatten())
}

/// `USER`, `HOST`, `COMMAND` and `TIME` of a `PROCESSLIST` row.
type Process = (Option<String>, Option<String>, Option<String>, Option<i64>);

/// Who holds the lock, for the timeout message: the connection and, when
/// this account may see it, its user, host and how long it has been idle.
/// `None` when the lock was released in the meantime or nothing can be read.
pub(crate) async fn holder(conn: &mut Conn, name: &str) -> Option<String> {
    let id: u64 = conn
        .exec_first::<Option<u64>, _, _>("SELECT IS_USED_LOCK(?)", (name,))
        .await
        .ok()
        .flatten()
        .flatten()?;
    let process: Option<Process> = conn
        .exec_first(
            "SELECT USER, HOST, COMMAND, TIME FROM information_schema.PROCESSLIST WHERE ID = ?",
            (id,),
        )
        .await
        .ok()
        .flatten();
    Some(describe(id, process))
}

fn describe(id: u64, process: Option<Process>) -> String {
    let Some((user, host, command, time)) = process else {
        // Without the PROCESS privilege only one's own connections show.
        return format!("connection {id}");
    };
    let mut text = format!("connection {id}");
    if let Some(user) = user {
        text.push_str(&format!(" of {user}"));
        if let Some(host) = host.filter(|h| !h.is_empty()) {
            text.push_str(&format!("@{host}"));
        }
    }
    if let Some(time) = time {
        match command.as_deref() {
            Some("Sleep") | None => text.push_str(&format!(", idle for {time}s")),
            Some(command) => text.push_str(&format!(", busy ({command}) for {time}s")),
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_by_database_and_table() {
        assert_eq!(
            name("shop", "migrate_history"),
            "migrate:shop.migrate_history"
        );
        assert_ne!(
            name("shop", "migrate_history"),
            name("shop2", "migrate_history")
        );
        assert_ne!(name("shop", "a"), name("shop", "b"));
    }

    #[test]
    fn long_names_are_hashed_to_the_limit() {
        let db = "d".repeat(64);
        let long = name(&db, "migrate_history");
        assert_eq!(long.chars().count(), MAX_NAME_CHARS);
        assert!(long.starts_with("migrate:"));
        assert!(
            long["migrate:".len()..]
                .chars()
                .all(|c| c.is_ascii_hexdigit())
        );
        assert_eq!(long, name(&db, "migrate_history"), "stable");
        assert_ne!(long, name(&db, "other_history"));
        // Exactly at the limit (in characters, not bytes) is kept as is.
        let fits = "é".repeat(64 - "migrate:.t".len());
        assert_eq!(name(&fits, "t"), format!("migrate:{fits}.t"));
        assert_ne!(name(&format!("{fits}x"), "t"), format!("migrate:{fits}x.t"));
    }

    #[test]
    fn waits_round_up_to_whole_seconds() {
        assert_eq!(wait_secs(Duration::ZERO), 0);
        assert_eq!(wait_secs(Duration::from_millis(1)), 1);
        assert_eq!(wait_secs(Duration::from_secs(60)), 60);
        assert_eq!(wait_secs(Duration::from_millis(1500)), 2);
        assert_eq!(wait_secs(Duration::MAX), MAX_WAIT_SECS);
    }

    #[test]
    fn describes_the_holder() {
        assert_eq!(describe(7, None), "connection 7");
        assert_eq!(
            describe(
                7,
                Some((
                    Some("app".into()),
                    Some("10.0.0.5:51234".into()),
                    Some("Sleep".into()),
                    Some(12)
                ))
            ),
            "connection 7 of app@10.0.0.5:51234, idle for 12s"
        );
        assert_eq!(
            describe(
                7,
                Some((Some("app".into()), None, Some("Query".into()), Some(3)))
            ),
            "connection 7 of app, busy (Query) for 3s"
        );
    }
}
