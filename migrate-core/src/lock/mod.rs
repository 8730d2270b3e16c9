//! The lock protocol: one migration run at a time per history table.
//!
//! # The protocol
//! A run that may change the history takes the lock of the history's
//! [`HistoryLocation`] before reading it, and keeps it until its last
//! history write is committed. The lock's identity is [`LockId::of`] that
//! location — the database, the schema (empty when the engine has none) and
//! the history table — so that any two backends, in-tree or not, that
//! migrate the same history exclude each other. Each engine takes it with
//! its own primitive, from the part of the identity that fits:
//!
//! | engine kind | primitive | identity used |
//! |---|---|---|
//! | integer-keyed server locks (PostgreSQL) | `pg_try_advisory_lock(key)` on the migration connection | [`LockId::key`] |
//! | named server locks (MySQL, MariaDB) | `GET_LOCK(name, 0)` on the migration connection | [`LockId::name`] |
//! | a database that is a file (SQLite) | an OS lock on the file `<database>.migrate.lock` | [`LockId::file`] |
//!
//! A new backend for one of these engines gets the primitive from the
//! dialect ([`crate::Dialect::try_lock_query`]) and must not change it, or it
//! will not exclude the others; a backend for another engine picks a
//! primitive that the server releases when the holder's connection or
//! process dies. Server locks are taken on the migration connection itself:
//! the lock cannot be lost while the migration goes on (if the connection
//! dies, so does the run), and a server that goes on running a killed
//! client's statement keeps holding it until that statement ends, so no
//! other run starts, or judges the statement, before then. The core polls [`Backend::try_lock`] until
//! the timeout and asks [`Backend::lock_holder`] who holds it when it gives
//! up.

pub mod file;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use crate::backend::{Backend, HistoryLocation};
use crate::error::{Error, Result};

/// How often a waiting run asks for the lock again.
const POLL: Duration = Duration::from_millis(100);

/// The longest lock name MySQL accepts (5.7 and later), in characters.
const MAX_NAME_CHARS: usize = 64;

/// The identity of the migration lock of one history table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockId {
    /// A 64-bit key: FNV-1a of `migrate`, the database, the schema and the
    /// table, each followed by a NUL byte. Stable across versions.
    pub key: i64,
    /// A name of at most 64 characters: `migrate:<database>.<table>`
    /// (`migrate:<database>.<schema>.<table>` where there is a schema), or
    /// `migrate:` and a hex SHA-256 of that text when it is longer.
    pub name: String,
    /// The lock file of a database that is a file: `<database>.migrate.lock`;
    /// `None` for an in-memory database, which needs no lock.
    pub file: Option<PathBuf>,
}

impl LockId {
    /// The lock of the history at `location`.
    pub fn of(location: &HistoryLocation) -> LockId {
        let schema = location.schema.as_deref().unwrap_or("");
        let plain = match &location.schema {
            Some(schema) => format!("migrate:{}.{schema}.{}", location.database, location.table),
            None => format!("migrate:{}.{}", location.database, location.table),
        };
        let name = if plain.chars().count() <= MAX_NAME_CHARS {
            plain
        } else {
            let prefix = "migrate:";
            let digest = hex::encode(Sha256::digest(plain.as_bytes()));
            format!("{prefix}{}", &digest[..MAX_NAME_CHARS - prefix.len()])
        };
        let file = (!location.database.is_empty())
            .then(|| PathBuf::from(format!("{}.migrate.lock", location.database)));
        LockId {
            key: key(&location.database, schema, &location.table),
            name,
            file,
        }
    }
}

fn key(database: &str, schema: &str, table: &str) -> i64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in ["migrate", database, schema, table] {
        for byte in part.bytes().chain([0]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    hash as i64
}

/// Takes the lock of `backend`'s history, polling until `timeout`.
pub async fn acquire<B: Backend + ?Sized>(backend: &mut B, timeout: Duration) -> Result<()> {
    let id = LockId::of(backend.location());
    let started = Instant::now();
    loop {
        if backend.try_lock(&id).await? {
            return Ok(());
        }
        let waited = started.elapsed();
        if waited >= timeout {
            let holder = backend.lock_holder(&id).await;
            return Err(Error::LockTimeout {
                target: backend.target(),
                waited_secs: timeout.as_secs(),
                holder,
            });
        }
        tokio::time::sleep(POLL.min(timeout - waited)).await;
    }
}

/// Takes the lock with the dialect's [`crate::Dialect::try_lock_query`] on
/// the backend's connection: what [`Backend::try_lock`] does by default,
/// for a backend that overrides it for some engines only.
pub async fn try_lock_by_query<B: Backend + ?Sized>(backend: &mut B, id: &LockId) -> Result<bool> {
    let Some((sql, params)) = backend.dialect().try_lock_query(id) else {
        return Err(Error::Unsupported(format!(
            "{} has no lock query: its backend must take the lock itself",
            backend.dialect().name()
        )));
    };
    let rows = backend.query(&sql, &params).await.map_err(|e| {
        e.in_context(format!(
            "cannot take the migration lock on {}",
            backend.target()
        ))
    })?;
    Ok(rows
        .first()
        .and_then(|r| r.first())
        .is_some_and(crate::Value::is_true))
}

/// Releases the lock with the dialect's
/// [`crate::Dialect::release_lock_query`]; nothing to do without one.
pub async fn release_by_query<B: Backend + ?Sized>(backend: &mut B, id: &LockId) -> Result<()> {
    let Some((sql, params)) = backend.dialect().release_lock_query(id) else {
        return Ok(());
    };
    backend.query(&sql, &params).await.map(drop).map_err(|e| {
        e.in_context(format!(
            "cannot release the migration lock on {}",
            backend.target()
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(database: &str, schema: Option<&str>, table: &str) -> LockId {
        LockId::of(&HistoryLocation {
            database: database.into(),
            schema: schema.map(Into::into),
            table: table.into(),
        })
    }

    #[test]
    fn identity_is_pinned_and_distinguishes_parts() {
        // Pinned: a changed identity would let an old and a new version of
        // the tool migrate the same database at once.
        assert_eq!(at("", Some(""), "").key, 0x20ff_5b18_2039_01de);
        assert_eq!(at("", None, "").key, 0x20ff_5b18_2039_01de);
        assert_eq!(
            at("shop", None, "migrate_history").name,
            "migrate:shop.migrate_history"
        );
        assert_eq!(
            at("shop", Some("public"), "h").name,
            "migrate:shop.public.h"
        );
        assert_ne!(
            at("db", Some("public"), "t").key,
            at("db", Some("publict"), "").key
        );
        assert_ne!(at("db1", Some("p"), "t").key, at("db2", Some("p"), "t").key);
        assert_ne!(at("db", Some("a"), "t").key, at("db", Some("b"), "t").key);
        let long = at(&"d".repeat(80), None, "migrate_history");
        assert_eq!(long.name.chars().count(), 64);
        assert!(long.name.starts_with("migrate:"));
        // Exactly at the limit (in characters, not bytes) is kept as is.
        let fits = "é".repeat(64 - "migrate:.t".len());
        assert_eq!(at(&fits, None, "t").name, format!("migrate:{fits}.t"));
        assert_ne!(
            at(&format!("{fits}x"), None, "t").name,
            format!("migrate:{fits}x.t")
        );
        assert_eq!(
            at("/tmp/x.db", None, "h").file,
            Some(PathBuf::from("/tmp/x.db.migrate.lock"))
        );
        assert_eq!(at("", None, "h").file, None);
    }
}
