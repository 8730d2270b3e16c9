//! Scratch databases for the tests, made with sqlx itself, and connectors
//! whose peer is the in-tree backend of the same engine.

#![allow(dead_code)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use migrate_core::backend::{Backend, ConnectOptions};
use migrate_core::{Error, Result};
use sqlx::{AssertSqlSafe, Connection};

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A name no other test uses.
pub fn unique_name() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!(
        "migrate_sqlx_{}_{}_{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// The server URL from the environment, or the README's default.
pub fn server(var: &str, default: &str) -> String {
    std::env::var(var)
        .ok()
        .filter(|url| !url.is_empty())
        .unwrap_or_else(|| default.to_string())
}

/// `None` after saying why when a server cannot be reached, except under
/// `CI=true`, where that fails the test.
fn unreachable(server: &str, e: sqlx::Error) -> Option<ServerDb> {
    let message = format!(
        "server not reachable at {}: {e}",
        migrate_core::redact::redact_url(server)
    );
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{message} (CI=true)");
    }
    eprintln!("SKIP: {message}");
    None
}

/// `url` with its path (database) replaced.
pub fn with_database(url: &str, database: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    let mut out = format!("{}/{database}", &base[..host_end]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

/// A database created on a server for one test, dropped when this value
/// is dropped.
pub struct ServerDb {
    pub url: String,
    server: String,
    drop_sql: String,
    postgres: bool,
}

impl ServerDb {
    pub async fn postgres() -> Option<ServerDb> {
        let server = server(
            "MIGRATE_TEST_POSTGRES_URL",
            "postgres://postgres@127.0.0.1:5432/postgres",
        );
        ServerDb::create(server, true).await
    }

    pub async fn mysql() -> Option<ServerDb> {
        let server = server("MIGRATE_TEST_MYSQL_URL", "mysql://root@127.0.0.1:3306");
        ServerDb::create(server, false).await
    }

    /// Creates a uniquely named database on the server.
    async fn create(server: String, postgres: bool) -> Option<ServerDb> {
        let name = unique_name();
        let (create, drop_sql) = if postgres {
            (
                format!("CREATE DATABASE \"{name}\""),
                format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"),
            )
        } else {
            (
                format!("CREATE DATABASE `{name}`"),
                format!("DROP DATABASE IF EXISTS `{name}`"),
            )
        };
        if let Err(e) = run_on(&server, postgres, create).await {
            return unreachable(&server, e);
        }
        Some(ServerDb {
            url: with_database(&server, &name),
            server,
            drop_sql,
            postgres,
        })
    }
}

/// Runs one statement on a new connection to the server.
async fn run_on(server: &str, postgres: bool, sql: String) -> Result<(), sqlx::Error> {
    let sql = AssertSqlSafe(sql);
    if postgres {
        let mut c = sqlx::PgConnection::connect(server).await?;
        sqlx::raw_sql(sql).execute(&mut c).await.map(drop)
    } else {
        let mut c = sqlx::MySqlConnection::connect(server).await?;
        sqlx::raw_sql(sql).execute(&mut c).await.map(drop)
    }
}

impl Drop for ServerDb {
    fn drop(&mut self) {
        let (server, sql, postgres) = (self.server.clone(), self.drop_sql.clone(), self.postgres);
        // A thread of its own: this may run inside a test's runtime.
        let _ = std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime")
                .block_on(run_on(&server, postgres, sql))
        })
        .join();
    }
}

/// A backend from a new pool, as an application would make one.
pub async fn from_new_pool(url: &str, options: &ConnectOptions) -> Result<Box<dyn Backend>> {
    let failed = |e: sqlx::Error| Error::database("cannot open the pool", e);
    let backend = if url.starts_with("postgres") {
        let pool = sqlx::postgres::PgPoolOptions::new()
            .max_connections(3)
            .connect(url)
            .await;
        migrate_sqlx::SqlxBackend::from_pool(&pool.map_err(failed)?, options).await?
    } else if url.starts_with("mysql") {
        let pool = sqlx::mysql::MySqlPoolOptions::new()
            .max_connections(3)
            .connect(url)
            .await;
        migrate_sqlx::SqlxBackend::from_pool(&pool.map_err(failed)?, options).await?
    } else {
        let pool = sqlx::sqlite::SqlitePoolOptions::new()
            .max_connections(3)
            .connect(url)
            .await;
        migrate_sqlx::SqlxBackend::from_pool(&pool.map_err(failed)?, options).await?
    };
    Ok(Box::new(backend))
}
