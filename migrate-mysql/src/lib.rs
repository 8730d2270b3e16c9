#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod batch;
mod error;
mod online;
mod url;

use std::time::Duration;

use async_trait::async_trait;
use migrate_core::backend::{
    Backend, BatchItem, ConnectOptions, Dialect, HistoryLocation, open_session,
};
use migrate_core::history::Value;
use migrate_core::lock::LockId;
use migrate_core::online::{OnlineAlter, OnlineTool};
use migrate_core::redact::redact_url;
use migrate_core::{Error, Result};
use mysql_async::consts::ColumnType;
use mysql_async::prelude::Queryable;
use mysql_async::{Conn, Row, Value as MyValue};

pub use migrate_core::engines::mysql::{MysqlDialect, render};

use crate::url::Target;

/// How long to wait for the server to answer a connection attempt.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// A connection to one MySQL or MariaDB database, for statements, the
/// history and the lock.
pub struct MysqlBackend {
    conn: Conn,
    /// The URL with its password removed, for every message.
    redacted: String,
    location: HistoryLocation,
    /// The driver's options, for the tools run beside the connection
    /// (`online=pt-osc`).
    opts: mysql_async::Opts,
}

impl MysqlBackend {
    /// Connects to the database a `mysql://` or `mariadb://` URL names and
    /// runs the init statements on the new connection.
    ///
    /// The URL must name a database, which is where the history table lives
    /// and what unqualified names refer to. `ssl-mode=REQUIRED|VERIFY_CA|
    /// VERIFY_IDENTITY` (or `sslmode=require|verify-ca|verify-full`) turns
    /// TLS on.
    pub async fn connect(url: &str, options: &ConnectOptions) -> Result<MysqlBackend> {
        if options.schema.is_some() {
            return Err(Error::Unsupported(
                "--schema is a PostgreSQL option; on MySQL the database in the URL is the schema"
                    .into(),
            ));
        }
        let target = url::parse(url)?;
        let redacted = redact_url(url);
        let conn = open(&target, &redacted).await?;
        let mut backend = MysqlBackend {
            conn,
            redacted,
            location: HistoryLocation::default(),
            opts: target.opts.clone(),
        };
        backend.location = open_session(&mut backend, options).await?;
        Ok(backend)
    }

    fn failed(&self, doing: &str, e: mysql_async::Error) -> Error {
        driver_error(format!("cannot {doing} on {}", self.redacted), e)
    }
}

/// A driver error as the core's error, the driver's error kept as its
/// source.
fn driver_error(context: String, e: mysql_async::Error) -> Error {
    let message = error::message(&e);
    Error::driver(context, message, e)
}

/// Opens one connection, mapping failures to plain messages.
async fn open(target: &Target, redacted: &str) -> Result<Conn> {
    let context = || format!("cannot connect to {redacted}");
    match tokio::time::timeout(CONNECT_TIMEOUT, Conn::new(target.opts.clone())).await {
        Ok(Ok(conn)) => Ok(conn),
        Ok(Err(e)) => Err(Error::database(
            context(),
            error::connect_message(&e, &target.address),
        )),
        Err(_) => Err(Error::database(
            context(),
            format!(
                "cannot reach the server at {}: no answer within {}s",
                target.address,
                CONNECT_TIMEOUT.as_secs()
            ),
        )),
    }
}

/// A row's columns as plain values: numbers sent as text (the text
/// protocol) are read back as numbers by their column's type.
fn row_values(row: Row) -> std::result::Result<Vec<Value>, String> {
    let columns = row.columns();
    let raw = row.unwrap();
    // Sized up front: a result of thousands of rows would otherwise hold
    // a list grown past its size for each.
    let mut values = Vec::with_capacity(raw.len());
    for (value, column) in raw.into_iter().zip(columns.iter()) {
        values.push(match value {
            MyValue::NULL => Value::Null,
            MyValue::Int(n) => Value::Int(n),
            MyValue::UInt(n) => Value::Int(
                i64::try_from(n)
                    .map_err(|_| format!("column `{}`: {n} is out of range", column.name_str()))?,
            ),
            MyValue::Bytes(bytes) if is_integer(column.column_type()) => Value::Int(
                String::from_utf8_lossy(&bytes)
                    .parse()
                    .map_err(|e| format!("column `{}`: {e}", column.name_str()))?,
            ),
            MyValue::Bytes(bytes) => Value::Text(
                String::from_utf8(bytes)
                    .map_err(|_| format!("column `{}` is not UTF-8", column.name_str()))?,
            ),
            other => Value::Text(other.as_sql(true)),
        });
    }
    Ok(values)
}

fn is_integer(ty: ColumnType) -> bool {
    use ColumnType::*;
    matches!(
        ty,
        MYSQL_TYPE_TINY
            | MYSQL_TYPE_SHORT
            | MYSQL_TYPE_LONG
            | MYSQL_TYPE_INT24
            | MYSQL_TYPE_LONGLONG
    )
}

fn params(values: &[Value]) -> Vec<MyValue> {
    values
        .iter()
        .map(|v| match v {
            Value::Text(s) => MyValue::Bytes(s.clone().into_bytes()),
            Value::Int(n) => MyValue::Int(*n),
            Value::Null => MyValue::NULL,
        })
        .collect()
}

#[async_trait]
impl Backend for MysqlBackend {
    fn dialect(&self) -> &dyn Dialect {
        &MysqlDialect
    }

    fn target(&self) -> String {
        self.redacted.clone()
    }

    fn location(&self) -> &HistoryLocation {
        &self.location
    }

    async fn execute(&mut self, sql: &str) -> Result<()> {
        let result = self.conn.query_drop(sql).await;
        result.map_err(|e| self.failed("run a statement", e))
    }

    async fn query(&mut self, sql: &str, values: &[Value]) -> Result<Vec<Vec<Value>>> {
        let result: mysql_async::Result<Vec<Row>> = if values.is_empty() {
            self.conn.query(sql).await
        } else {
            self.conn.exec(sql, params(values)).await
        };
        let rows = result.map_err(|e| self.failed("run a query", e))?;
        rows.into_iter()
            .map(row_values)
            .collect::<std::result::Result<_, _>>()
            .map_err(|e| Error::database(format!("cannot read a result on {}", self.redacted), e))
    }

    /// One request for the whole batch ([`batch`]); the server stops at
    /// the first statement that fails, and the results read before its
    /// error say which one it was.
    async fn run_batch(
        &mut self,
        items: &[BatchItem],
        _in_transaction: bool,
    ) -> std::result::Result<(), (usize, Error)> {
        if items.is_empty() {
            return Ok(());
        }
        let request = batch::request(
            items
                .iter()
                .map(|item| (item.sql.as_str(), item.params.as_deref())),
        );
        let mut result = match self.conn.query_iter(request).await {
            Ok(result) => result,
            Err(e) => return Err((0, self.failed("run a statement", e))),
        };
        // Each `Ok(None)` ends one statement's result, and the read that
        // ends it also reads the next statement's first packet. The
        // server stops at the first failing statement; the driver hands
        // its error out on the read after the last `Ok(None)`. A lost
        // connection, though, surfaces at once, on the read that moved on
        // to the statement the server was running: when the current
        // result had no rows to stream, that is the next statement.
        let mut done = 0;
        let failed = loop {
            let moving_on = result.columns_ref().is_empty();
            match result.next().await {
                Ok(Some(_row)) => {}
                Ok(None) => {
                    done += 1;
                    if result.is_empty() {
                        break result.next().await.err().map(|e| (done, e));
                    }
                }
                Err(e @ mysql_async::Error::Server(_)) => break Some((done, e)),
                Err(e) => break Some((if moving_on { done + 1 } else { done }, e)),
            }
        };
        drop(result);
        match failed {
            None => Ok(()),
            Some((index, e)) => Err((index, self.failed("run a statement", e))),
        }
    }

    /// `pt-online-schema-change` must be on `PATH`, and the connection
    /// must not ask for TLS, which the option file does not carry.
    async fn online_ready(&mut self, tool: OnlineTool) -> Result<()> {
        if self.opts.ssl_opts().is_some() {
            return Err(online::no_tls(tool));
        }
        match online::find_program(tool.program()) {
            Some(_) => Ok(()),
            None => Err(online::missing(tool)),
        }
    }

    /// Runs the tool with this connection's credentials in a private
    /// option file ([`online`]).
    async fn online_alter(&mut self, tool: OnlineTool, alter: &OnlineAlter) -> Result<()> {
        let program = online::find_program(tool.program()).ok_or_else(|| online::missing(tool))?;
        online::run(&program, &self.opts, &self.location.database, alter).await
    }

    async fn close(mut self: Box<Self>) -> Result<()> {
        let id = LockId::of(&self.location);
        let unlocked = self.release_lock(&id).await;
        let MysqlBackend { conn, redacted, .. } = *self;
        let closed = conn
            .disconnect()
            .await
            .map_err(|e| driver_error(format!("cannot close the connection to {redacted}"), e));
        unlocked?;
        closed
    }
}

impl std::fmt::Debug for MysqlBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MysqlBackend")
            .field("target", &self.redacted)
            .field("location", &self.location)
            .finish_non_exhaustive()
    }
}
