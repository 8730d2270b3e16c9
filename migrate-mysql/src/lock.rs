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
