//! Scratch databases for `migrate check`'s proof: their names, the SQL that
//! creates and drops them, and how a killed run's leftovers are found.
//!
//! A scratch database is named `migrate_check_<host>_<pid>_<unix seconds>`.
//! The run that creates it drops it at the end, after a failure and on
//! Ctrl-C too. A run killed outright (`kill -9`, a lost machine) cannot,
//! so every run first sweeps the server for leftovers: those of this host
//! whose process is gone, and those of any host older than a day.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::backend::Dialect;
use crate::dialect::SqlDialect;

/// The prefix of every scratch database's name.
pub const PREFIX: &str = "migrate_check_";

/// How old a scratch database of another host must be before a sweep
/// drops it: no proof runs that long, and another host's process cannot be
/// asked whether it is alive.
pub const STALE_AFTER_SECS: u64 = 24 * 60 * 60;

/// A new scratch database name for this process. The last part counts
/// the names this process made, since a run over many databases makes
/// several in the same second.
pub fn new_name() -> String {
    static MADE: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    format!(
        "{PREFIX}{}_{}_{}_{}",
        host_id(),
        std::process::id(),
        unix_now(),
        MADE.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    )
}

/// `CREATE DATABASE` for a server engine; `None` for SQLite (a temporary
/// file instead) and engines the core does not know.
pub fn create_sql(dialect: &dyn Dialect, name: &str) -> Option<String> {
    match dialect.sql_dialect() {
        SqlDialect::Postgres | SqlDialect::Mysql => Some(format!(
            "CREATE DATABASE {}",
            dialect.quote_identifier(name)
        )),
        _ => None,
    }
}

/// `DROP DATABASE` for a server engine. PostgreSQL's `WITH (FORCE)` ends
/// the sessions still connected to it, such as one a killed proof left.
pub fn drop_sql(dialect: &dyn Dialect, name: &str) -> Option<String> {
    let quoted = dialect.quote_identifier(name);
    match dialect.sql_dialect() {
        SqlDialect::Postgres => Some(format!("DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")),
        SqlDialect::Mysql => Some(format!("DROP DATABASE IF EXISTS {quoted}")),
        _ => None,
    }
}

/// The query that lists the server's scratch databases (one text column).
pub fn list_query(dialect: &dyn Dialect) -> Option<String> {
    let pattern = "migrate\\_check\\_%";
    match dialect.sql_dialect() {
        SqlDialect::Postgres => Some(format!(
            "SELECT datname::text FROM pg_database WHERE datname LIKE '{pattern}'"
        )),
        SqlDialect::Mysql => Some(format!(
            "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE '{}'",
            pattern.replace('\\', "\\\\")
        )),
        _ => None,
    }
}

/// Whether a scratch database named `name` was left by a run that is gone:
/// this host's and its process no longer runs, or older than
/// [`STALE_AFTER_SECS`].
pub fn is_leftover(name: &str) -> bool {
    let Some(rest) = name.strip_prefix(PREFIX) else {
        return false;
    };
    let parts: Vec<&str> = rest.split('_').collect();
    // Names made before the count was added have three parts.
    let (host, pid, created) = match parts.as_slice() {
        [host, pid, created] | [host, pid, created, _] => (host, pid, created),
        _ => return false,
    };
    let (Ok(pid), Ok(created)) = (pid.parse::<u32>(), created.parse::<u64>()) else {
        return false;
    };
    if unix_now().saturating_sub(created) > STALE_AFTER_SECS {
        return true;
    }
    *host == host_id() && pid != std::process::id() && !process_alive(pid)
}

/// The URL of database `name` on the server of `url`: the path of a
/// `scheme://user@host:port/database?options` URL replaced.
pub fn url_with_database(url: &str, name: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let (body, query) = match rest.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (rest, String::new()),
    };
    // The password may hold a `/`: the host part starts after the last `@`.
    let host_start = body.rfind('@').map_or(0, |i| i + 1);
    let host_end = body[host_start..]
        .find('/')
        .map_or(body.len(), |i| host_start + i);
    Some(format!("{scheme}://{}/{name}{query}", &body[..host_end]))
}

/// The URL to create scratch databases from: `url` itself, or, when it
/// names no database (`mysql://root@host:3306`), the same server with a
/// database every server of the engine has, since drivers refuse a URL
/// without one.
pub fn admin_url(dialect: &dyn Dialect, url: &str) -> String {
    let always_there = match dialect.sql_dialect() {
        SqlDialect::Postgres => "postgres",
        SqlDialect::Mysql => "information_schema",
        _ => return url.to_string(),
    };
    let names_database = url
        .split_once("://")
        .map(|(_, rest)| rest.split('?').next().unwrap_or(rest))
        .map(|body| &body[body.rfind('@').map_or(0, |i| i + 1)..])
        .and_then(|host| host.split_once('/'))
        .is_some_and(|(_, db)| !db.is_empty());
    if names_database {
        url.to_string()
    } else {
        url_with_database(url, always_there).unwrap_or_else(|| url.to_string())
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Eight hex digits naming this host (FNV-1a of its name), so that a sweep
/// judges only its own host's processes by their ids.
fn host_id() -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .unwrap_or_default();
    let mut hash: u32 = 0x811c_9dc5;
    for byte in host.bytes() {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    format!("{hash:08x}")
}

/// Whether process `pid` runs on this host. Where that cannot be told
/// (no `/proc`), it is taken as alive: a leftover then waits for the age
/// rule rather than a live run losing its database.
fn process_alive(pid: u32) -> bool {
    let proc_root = std::path::Path::new("/proc");
    if !proc_root.is_dir() {
        return true;
    }
    proc_root.join(pid.to_string()).exists()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_keeps_credentials_host_and_options() {
        assert_eq!(
            url_with_database("postgres://u:p/w@h:5432/app?sslmode=disable", "s").as_deref(),
            Some("postgres://u:p/w@h:5432/s?sslmode=disable")
        );
        assert_eq!(
            url_with_database("mysql://root@127.0.0.1:3306", "s").as_deref(),
            Some("mysql://root@127.0.0.1:3306/s")
        );
        assert_eq!(url_with_database("not a url", "s"), None);
        let mysql = crate::engines::dialect(SqlDialect::Mysql).unwrap();
        assert_eq!(
            admin_url(mysql, "mysql://root@h:3306"),
            "mysql://root@h:3306/information_schema"
        );
        assert_eq!(admin_url(mysql, "mysql://root@h/app"), "mysql://root@h/app");
    }

    #[test]
    fn leftovers_are_dead_processes_of_this_host_or_old_ones() {
        let mine = new_name();
        assert!(!is_leftover(&mine), "this process is alive");
        let host = host_id();
        let now = unix_now();
        // No process has this id on Linux (pid_max is at most 2^22).
        assert!(is_leftover(&format!("{PREFIX}{host}_4294967295_{now}")));
        assert!(!is_leftover(&format!("{PREFIX}0badc0de_4294967295_{now}")));
        assert!(is_leftover(&format!(
            "{PREFIX}0badc0de_1_{}",
            now - STALE_AFTER_SECS - 1
        )));
        assert!(!is_leftover("migrate_check_not_ours"));
        assert!(!is_leftover("production"));
    }
}
