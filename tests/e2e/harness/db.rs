//! The engines under test: scratch databases and introspection, each
//! through the engine's own driver (never through the tool under test).

use std::sync::atomic::{AtomicU32, Ordering};

use mysql_async::prelude::Queryable;

/// An engine the scenarios run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Sqlite,
    Postgres,
    Mysql,
}

/// One row of the history table, as the database holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryRow {
    pub app: String,
    pub name: String,
    pub state: String,
    pub done: i64,
    pub total: i64,
    pub up_sql: String,
    pub down_sql: Option<String>,
    pub last_error: Option<String>,
}

/// A scratch database, dropped by [`Scratch::drop_database`].
pub struct Scratch {
    pub kind: Kind,
    /// The URL the tool is given.
    pub url: String,
    name: String,
    admin_url: String,
    _dir: Option<tempfile::TempDir>,
}

fn unique_name() -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "migrate_e2e_{}_{}_{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

pub fn postgres_admin_url() -> String {
    std::env::var("MIGRATE_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_string())
}

pub fn mysql_admin_url() -> String {
    std::env::var("MIGRATE_TEST_MYSQL_URL")
        .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306".to_string())
}

/// Replaces the database part of a server URL.
fn with_database(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    format!("{}/{db}{query}", &base[..host_end])
}

impl Scratch {
    /// Creates a new empty database; `Err` when the server is unreachable.
    pub async fn create(kind: Kind) -> Result<Scratch, String> {
        let name = unique_name();
        match kind {
            Kind::Sqlite => {
                let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
                let path = dir.path().join(format!("{name}.db"));
                Ok(Scratch {
                    kind,
                    url: format!("sqlite://{}", path.display()),
                    name,
                    admin_url: String::new(),
                    _dir: Some(dir),
                })
            }
            Kind::Postgres => {
                let admin = postgres_admin_url();
                let (client, conn) = tokio_postgres::connect(&admin, tokio_postgres::NoTls)
                    .await
                    .map_err(|e| format!("PostgreSQL not reachable at {admin}: {e}"))?;
                tokio::spawn(conn);
                client
                    .batch_execute(&format!("CREATE DATABASE \"{name}\""))
                    .await
                    .map_err(|e| e.to_string())?;
                Ok(Scratch {
                    kind,
                    url: with_database(&admin, &name),
                    name,
                    admin_url: admin,
                    _dir: None,
                })
            }
            Kind::Mysql => {
                let admin = mysql_admin_url();
                let opts = mysql_async::Opts::from_url(&admin).map_err(|e| e.to_string())?;
                let mut conn = mysql_async::Conn::new(opts)
                    .await
                    .map_err(|e| format!("MySQL not reachable at {admin}: {e}"))?;
                conn.query_drop(format!("CREATE DATABASE `{name}`"))
                    .await
                    .map_err(|e| e.to_string())?;
                let _ = conn.disconnect().await;
                Ok(Scratch {
                    kind,
                    url: with_database(&admin, &name),
                    name,
                    admin_url: admin,
                    _dir: None,
                })
            }
        }
    }

    /// The database's URL with another user and password.
    pub fn url_as(&self, user: &str, password: &str) -> String {
        let (scheme, rest) = self.url.split_once("://").expect("a server URL");
        let host = rest.split_once('@').map_or(rest, |(_, host)| host);
        format!("{scheme}://{user}:{password}@{host}")
    }

    /// Drops the database (the SQLite file goes with its temp folder).
    pub async fn drop_database(&self) {
        match self.kind {
            Kind::Sqlite => {}
            Kind::Postgres => {
                if let Ok((client, conn)) =
                    tokio_postgres::connect(&self.admin_url, tokio_postgres::NoTls).await
                {
                    tokio::spawn(conn);
                    let _ = client
                        .batch_execute(&format!(
                            "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
                            self.name
                        ))
                        .await;
                }
            }
            Kind::Mysql => {
                if let Ok(opts) = mysql_async::Opts::from_url(&self.admin_url)
                    && let Ok(mut conn) = mysql_async::Conn::new(opts).await
                {
                    let _ = conn
                        .query_drop(format!("DROP DATABASE IF EXISTS `{}`", self.name))
                        .await;
                    let _ = conn.disconnect().await;
                }
            }
        }
    }

    /// Runs statements directly on the database (setting up, or doing by
    /// hand what a user would do in a database client).
    pub async fn exec(&self, sql: &str) {
        match self.kind {
            Kind::Sqlite => {
                let conn = self.sqlite();
                conn.execute_batch(sql)
                    .unwrap_or_else(|e| panic!("{sql}: {e}"));
            }
            Kind::Postgres => {
                let client = self.postgres().await;
                client
                    .batch_execute(sql)
                    .await
                    .unwrap_or_else(|e| panic!("{sql}: {e}"));
            }
            Kind::Mysql => {
                let mut conn = self.mysql().await;
                conn.query_drop(sql)
                    .await
                    .unwrap_or_else(|e| panic!("{sql}: {e}"));
                let _ = conn.disconnect().await;
            }
        }
    }

    /// The first column of the first row of a query, as an integer.
    pub async fn count(&self, sql: &str) -> i64 {
        match self.kind {
            Kind::Sqlite => self
                .sqlite()
                .query_row(sql, [], |r| r.get(0))
                .unwrap_or_else(|e| panic!("{sql}: {e}")),
            Kind::Postgres => {
                let row = self
                    .postgres()
                    .await
                    .query_one(sql, &[])
                    .await
                    .unwrap_or_else(|e| panic!("{sql}: {e}"));
                row.get::<_, i64>(0)
            }
            Kind::Mysql => {
                let mut conn = self.mysql().await;
                let value: Option<i64> = conn
                    .query_first(sql)
                    .await
                    .unwrap_or_else(|e| panic!("{sql}: {e}"));
                let _ = conn.disconnect().await;
                value.unwrap_or_default()
            }
        }
    }

    /// User tables, sorted, without the history and log tables.
    pub async fn tables(&self) -> Vec<String> {
        let sql = match self.kind {
            Kind::Sqlite => {
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            }
            Kind::Postgres => {
                "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema()"
            }
            Kind::Mysql => {
                "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()"
            }
        };
        let mut names: Vec<String> = self
            .strings(sql)
            .await
            .into_iter()
            .filter(|t| t != "migrate_history" && t != "migrate_history_log")
            .collect();
        names.sort();
        names
    }

    /// A table's columns, in order.
    pub async fn columns(&self, table: &str) -> Vec<String> {
        let sql = match self.kind {
            Kind::Sqlite => format!("SELECT name FROM pragma_table_info('{table}') ORDER BY cid"),
            Kind::Postgres => format!(
                "SELECT column_name::text FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = '{table}' ORDER BY ordinal_position"
            ),
            Kind::Mysql => format!(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = '{table}' ORDER BY ordinal_position"
            ),
        };
        self.strings(&sql).await
    }

    /// Every user table with its columns: what two databases are compared
    /// on.
    pub async fn schema(&self) -> Vec<(String, Vec<String>)> {
        let mut schema = Vec::new();
        for table in self.tables().await {
            let columns = self.columns(&table).await;
            schema.push((table, columns));
        }
        schema
    }

    /// `true` when the history table exists.
    pub async fn has_history_table(&self) -> bool {
        let sql = match self.kind {
            Kind::Sqlite => "SELECT name FROM sqlite_master WHERE name = 'migrate_history'",
            Kind::Postgres => {
                "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'migrate_history'"
            }
            Kind::Mysql => {
                "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'migrate_history'"
            }
        };
        !self.strings(sql).await.is_empty()
    }

    /// Every history row, by app and name (none when there is no table).
    pub async fn history(&self) -> Vec<HistoryRow> {
        if !self.has_history_table().await {
            return Vec::new();
        }
        let sql = "SELECT app, name, state, statements_done, statements_total, up_sql, down_sql, last_error FROM migrate_history ORDER BY app, name";
        match self.kind {
            Kind::Sqlite => {
                let conn = self.sqlite();
                let mut stmt = conn.prepare(sql).unwrap();
                stmt.query_map([], |r| {
                    Ok(HistoryRow {
                        app: r.get(0)?,
                        name: r.get(1)?,
                        state: r.get(2)?,
                        done: r.get(3)?,
                        total: r.get(4)?,
                        up_sql: r.get(5)?,
                        down_sql: r.get(6)?,
                        last_error: r.get(7)?,
                    })
                })
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap()
            }
            Kind::Postgres => self
                .postgres()
                .await
                .query(sql, &[])
                .await
                .unwrap()
                .into_iter()
                .map(|r| HistoryRow {
                    app: r.get(0),
                    name: r.get(1),
                    state: r.get(2),
                    done: r.get(3),
                    total: r.get(4),
                    up_sql: r.get(5),
                    down_sql: r.get(6),
                    last_error: r.get(7),
                })
                .collect(),
            Kind::Mysql => {
                let mut conn = self.mysql().await;
                type Row = (
                    String,
                    String,
                    String,
                    i64,
                    i64,
                    String,
                    Option<String>,
                    Option<String>,
                );
                let rows: Vec<Row> = conn.query(sql).await.unwrap();
                let _ = conn.disconnect().await;
                rows.into_iter()
                    .map(
                        |(app, name, state, done, total, up_sql, down_sql, last_error)| {
                            HistoryRow {
                                app,
                                name,
                                state,
                                done,
                                total,
                                up_sql,
                                down_sql,
                                last_error,
                            }
                        },
                    )
                    .collect()
            }
        }
    }

    /// The first column of every row of a query, as text.
    pub async fn strings(&self, sql: &str) -> Vec<String> {
        match self.kind {
            Kind::Sqlite => {
                let conn = self.sqlite();
                let mut stmt = conn.prepare(sql).unwrap();
                stmt.query_map([], |r| r.get(0))
                    .unwrap()
                    .collect::<Result<_, _>>()
                    .unwrap()
            }
            Kind::Postgres => self
                .postgres()
                .await
                .query(sql, &[])
                .await
                .unwrap()
                .into_iter()
                .map(|r| r.get(0))
                .collect(),
            Kind::Mysql => {
                let mut conn = self.mysql().await;
                let rows: Vec<String> = conn.query(sql).await.unwrap();
                let _ = conn.disconnect().await;
                rows
            }
        }
    }

    fn sqlite(&self) -> rusqlite::Connection {
        let path = self.url.strip_prefix("sqlite://").unwrap();
        rusqlite::Connection::open(path).unwrap()
    }

    async fn postgres(&self) -> tokio_postgres::Client {
        let (client, conn) = tokio_postgres::connect(&self.url, tokio_postgres::NoTls)
            .await
            .unwrap();
        tokio::spawn(conn);
        client
    }

    pub async fn mysql(&self) -> mysql_async::Conn {
        mysql_async::Conn::new(mysql_async::Opts::from_url(&self.url).unwrap())
            .await
            .unwrap()
    }
}
