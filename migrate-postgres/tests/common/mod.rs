//! A scratch database per test on the server named by
//! `MIGRATE_TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`).
//!
//! When the server cannot be reached, a test fails under `CI=true` and is
//! otherwise skipped with a `SKIP:` line on stderr.

#![allow(dead_code)]

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use tokio_postgres::{Client, NoTls};

/// The server the tests run against.
pub fn server_url() -> String {
    std::env::var("MIGRATE_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/postgres".to_string())
}

/// `url` with its database replaced by `database` (query kept).
pub fn with_database(url: &str, database: &str) -> String {
    let scheme_end = url.find("://").expect("a URL") + 3;
    let after_user = url[scheme_end..]
        .find('@')
        .map_or(scheme_end, |at| scheme_end + at + 1);
    let path_at = url[after_user..]
        .find(['/', '?'])
        .map_or(url.len(), |i| after_user + i);
    let query = url[path_at..].find('?').map_or("", |q| &url[path_at + q..]);
    format!("{}/{database}{query}", &url[..path_at])
}

/// `url` with `params` (`key=value&...`) added to its query.
pub fn with_params(url: &str, params: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}{params}")
}

/// A plain tokio-postgres client, for looking at what a backend did.
pub async fn client(url: &str) -> Result<Client, tokio_postgres::Error> {
    let (client, connection) = tokio_postgres::connect(url, NoTls).await?;
    tokio::spawn(connection);
    Ok(client)
}

/// A database created for one test and dropped (`WITH (FORCE)`) when this
/// value is dropped, even when the test panics.
pub struct ScratchDb {
    /// The database's name.
    pub name: String,
    /// A URL that connects to it.
    pub url: String,
    server: String,
}

/// Prints `SKIP: <why>` where it shows: straight to stderr, since the test
/// harness captures `eprintln!` of passing tests.
pub fn skip(why: &str) {
    let _ = writeln!(std::io::stderr(), "SKIP: {why}");
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// Creates a scratch database, or returns `None` (after printing why) when
/// the server is not reachable outside CI.
pub async fn scratch() -> Option<ScratchDb> {
    let server = server_url();
    let admin = match client(&server).await {
        Ok(c) => c,
        Err(e) => {
            let mut reason = e.to_string();
            let mut source = std::error::Error::source(&e);
            while let Some(cause) = source {
                reason = format!("{reason}: {cause}");
                source = cause.source();
            }
            let e = migrate_core::redact::redact_url(&reason);
            let shown = migrate_core::redact::redact_url(&server);
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("PostgreSQL not reachable at {shown} (CI=true): {e}");
            }
            skip(&format!("PostgreSQL not reachable at {shown}: {e}"));
            return None;
        }
    };
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let name = format!(
        "migrate_test_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        nanos
    );
    admin
        .batch_execute(&format!("CREATE DATABASE \"{name}\""))
        .await
        .unwrap_or_else(|e| panic!("cannot create scratch database {name}: {e:?}"));
    Some(ScratchDb {
        url: with_database(&server, &name),
        name,
        server,
    })
}

impl Drop for ScratchDb {
    fn drop(&mut self) {
        let server = self.server.clone();
        let sql = format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name);
        // A thread of its own: this may run inside the test's runtime.
        let dropped = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                let admin = client(&server).await?;
                admin.batch_execute(&sql).await
            })
        })
        .join();
        if let Ok(Err(e)) = dropped {
            let _ = writeln!(
                std::io::stderr(),
                "warning: cannot drop scratch database {}: {e}",
                self.name
            );
        }
    }
}
