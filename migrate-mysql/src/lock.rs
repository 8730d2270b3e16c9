//! The migration lock: a named server lock (`GET_LOCK`) held by a
//! connection of its own, so that the migration connection can commit,
//! fail or reconnect without touching it, and so that the server releases it
//! the moment that connection closes, however the process ends.

use mysql_async::Conn;
use mysql_async::prelude::Queryable;

/// `GET_LOCK(name, 0)`: `Some(1)` taken, `Some(0)` held by another
/// connection, `None` interrupted.
pub(crate) async fn get(conn: &mut Conn, name: &str) -> mysql_async::Result<Option<i64>> {
    let row: Option<Option<i64>> = conn.exec_first("SELECT GET_LOCK(?, 0)", (name,)).await?;
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
