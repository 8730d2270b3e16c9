//! Scratch databases on the test server.
//!
//! The server comes from `MIGRATE_TEST_MYSQL_URL` (default
//! `mysql://root@127.0.0.1:3306`). Each test gets a database of its own,
//! dropped when the [`Scratch`] is dropped, even if the test panics. When
//! the server cannot be reached a test is skipped with a `SKIP:` line on
//! stderr, or fails when `CI=true`.
#![allow(dead_code)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use migrate_core::redact::redact_url;
use mysql_async::prelude::Queryable;
use mysql_async::{Conn, Opts, OptsBuilder, SslOpts};

/// The server every test uses.
pub fn server_url() -> String {
    std::env::var("MIGRATE_TEST_MYSQL_URL")
        .ok()
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| "mysql://root@127.0.0.1:3306".to_string())
}

/// One scratch database.
pub struct Scratch {
    /// The database's name.
    pub name: String,
    /// A URL for it, as the tool takes it.
    pub url: String,
    /// Driver options for the server, without a database.
    server: Opts,
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// Creates a scratch database, or returns `None` after printing why the test
/// is skipped.
pub async fn scratch() -> Option<Scratch> {
    let server_url = server_url();
    let server = match server_opts(&server_url) {
        Ok(opts) => opts,
        Err(e) => panic!(
            "MIGRATE_TEST_MYSQL_URL `{}` is not usable: {e}",
            redact_url(&server_url)
        ),
    };
    let mut conn = match connect(&server).await {
        Ok(conn) => conn,
        Err(e) => {
            let message = format!("MySQL not reachable at {}: {e}", redact_url(&server_url));
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("{message}");
            }
            eprintln!("SKIP: {message}");
            return None;
        }
    };
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let name = format!(
        "migrate_test_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        nanos
    );
    conn.query_drop(format!("CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
        .await
        .unwrap_or_else(|e| panic!("cannot create scratch database {name}: {e}"));
    let _ = conn.disconnect().await;
    let url = database_url(&server_url, &name);
    Some(Scratch { name, url, server })
}

impl Scratch {
    /// A driver connection to the scratch database, for checking what the
    /// backend did.
    pub async fn admin(&self) -> Conn {
        let opts = OptsBuilder::from_opts(self.server.clone()).db_name(Some(&self.name));
        connect(&opts.into())
            .await
            .unwrap_or_else(|e| panic!("cannot connect to scratch database {}: {e}", self.name))
    }

    /// The first column of the first row of `sql`, run on a fresh admin
    /// connection.
    pub async fn query_one<T: mysql_async::prelude::FromValue + Send + 'static>(
        &self,
        sql: &str,
    ) -> Option<T> {
        let mut conn = self.admin().await;
        let value: Option<T> = conn
            .query_first(sql)
            .await
            .unwrap_or_else(|e| panic!("`{sql}` failed: {e}"));
        let _ = conn.disconnect().await;
        value
    }

    /// The scratch database's URL with `password` as the user's password.
    pub fn url_with_password(&self, password: &str) -> String {
        let mut url = url::Url::parse(&self.url).expect("the scratch URL parses");
        url.set_password(Some(password))
            .expect("the URL has a host");
        url.to_string()
    }

    /// The scratch database's URL with another database name.
    pub fn url_for_database(&self, database: &str) -> String {
        database_url(&self.url, database)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let server = self.server.clone();
        let name = self.name.clone();
        // A runtime of its own, on a thread of its own: this may run inside
        // the test's runtime, or while a panic unwinds.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime");
            runtime.block_on(drop_database(server, name))
        })
        .join();
        match dropped {
            Ok(Ok(())) => {}
            Ok(Err(e)) => eprintln!("warning: cannot drop scratch database {}: {e}", self.name),
            Err(_) => eprintln!("warning: dropping scratch database {} panicked", self.name),
        }
    }
}

async fn drop_database(server: Opts, name: String) -> mysql_async::Result<()> {
    let mut conn = connect(&server).await?;
    // Connections a failed test left open may hold metadata locks that
    // would block DROP DATABASE: end them first.
    let ids: Vec<u64> = conn
        .exec(
            "SELECT ID FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> CONNECTION_ID()",
            (&name,),
        )
        .await?;
    for id in ids {
        let _ = conn.query_drop(format!("KILL {id}")).await;
    }
    conn.query_drop("SET SESSION lock_wait_timeout = 10")
        .await?;
    conn.query_drop(format!("DROP DATABASE IF EXISTS `{name}`"))
        .await?;
    conn.disconnect().await
}

async fn connect(opts: &Opts) -> mysql_async::Result<Conn> {
    match tokio::time::timeout(Duration::from_secs(10), Conn::new(opts.clone())).await {
        Ok(result) => result,
        Err(_) => Err(mysql_async::Error::Other("no answer within 10s".into())),
    }
}

/// `url` with its path replaced by `/database`.
fn database_url(url: &str, database: &str) -> String {
    let (scheme, rest) = url.split_once("://").expect("a URL with a scheme");
    let mut parsed = url::Url::parse(&format!("mysql://{rest}")).expect("a valid URL");
    parsed.set_path(&format!("/{database}"));
    let rest = parsed
        .as_str()
        .strip_prefix("mysql://")
        .expect("the scheme was set");
    format!("{scheme}://{rest}")
}

/// Driver options for a server URL as the tool takes it: `mariadb://` and
/// the tool's `ssl-mode` parameters understood, no database, TCP only.
fn server_opts(url: &str) -> Result<Opts, String> {
    let (_, rest) = url.split_once("://").ok_or("no scheme")?;
    let mut parsed = url::Url::parse(&format!("mysql://{rest}")).map_err(|e| e.to_string())?;
    parsed.set_path("");
    let mut tls = false;
    let kept: Vec<(String, String)> = parsed
        .query_pairs()
        .filter(|(k, v)| {
            let ours =
                ["ssl-mode", "sslmode", "ssl_mode"].contains(&k.to_ascii_lowercase().as_str());
            if ours {
                tls = !v.to_ascii_lowercase().starts_with("disable");
            }
            !ours
        })
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if kept.is_empty() {
        parsed.set_query(None);
    } else {
        parsed.query_pairs_mut().clear().extend_pairs(&kept);
    }
    let opts = Opts::from_url(parsed.as_str()).map_err(|e| e.to_string())?;
    let mut builder = OptsBuilder::from_opts(opts).prefer_socket(false);
    if tls {
        builder = builder.ssl_opts(Some(
            SslOpts::default()
                .with_danger_accept_invalid_certs(true)
                .with_danger_skip_domain_validation(true),
        ));
    }
    Ok(builder.into())
}
