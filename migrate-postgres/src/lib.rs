#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod conn;
mod error;
mod tls;
mod url;

use async_trait::async_trait;
use migrate_core::backend::{Backend, ConnectOptions, Dialect, HistoryLocation, open_session};
use migrate_core::history::Value;
use migrate_core::lock::LockId;
use migrate_core::{Error, Result};
use tokio_postgres::types::{ToSql, Type};

pub use migrate_core::engines::postgres::{PostgresDialect, render};

use conn::Conn;
use url::Target;

/// A connection to one PostgreSQL database, for statements, the history and
/// the lock.
pub struct PostgresBackend {
    conn: Conn,
    target: Target,
    location: HistoryLocation,
}

impl PostgresBackend {
    /// Connects to a `postgres://` or `postgresql://` URL, sets the search
    /// path to `options.schema` when there is one, and runs the init
    /// statements in order.
    pub async fn connect(url: &str, options: &ConnectOptions) -> Result<PostgresBackend> {
        let target = url::parse_url(url)?;
        let conn = Conn::open(&target).await?;
        let mut backend = PostgresBackend {
            conn,
            target,
            location: HistoryLocation::default(),
        };
        backend.location = open_session(&mut backend, options).await?;
        Ok(backend)
    }

    /// A statement's error: `ERROR <SQLSTATE>: message` and the details.
    fn statement_error(&self, e: tokio_postgres::Error) -> Error {
        self.conn.error("PostgreSQL", e)
    }
}

#[async_trait]
impl Backend for PostgresBackend {
    fn dialect(&self) -> &dyn Dialect {
        &PostgresDialect
    }

    fn target(&self) -> String {
        self.target.redacted.clone()
    }

    fn location(&self) -> &HistoryLocation {
        &self.location
    }

    async fn execute(&mut self, sql: &str) -> Result<()> {
        // The simple query protocol: a statement may hold several commands
        // and needs no parameters.
        let result = self.conn.client.batch_execute(sql).await;
        result.map_err(|e| self.statement_error(e))
    }

    async fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Vec<Value>>> {
        const NULL: Option<String> = None;
        let params: Vec<&(dyn ToSql + Sync)> = params
            .iter()
            .map(|v| match v {
                Value::Text(s) => s as &(dyn ToSql + Sync),
                Value::Int(n) => n as &(dyn ToSql + Sync),
                Value::Null => &NULL as &(dyn ToSql + Sync),
            })
            .collect();
        let result = self.conn.client.query(sql, &params).await;
        let rows = result.map_err(|e| self.statement_error(e))?;
        rows.iter()
            .map(|row| (0..row.len()).map(|i| read_value(row, i)).collect())
            .collect::<std::result::Result<_, _>>()
            .map_err(|e| self.statement_error(e))
    }

    async fn close(mut self: Box<Self>) -> Result<()> {
        let id = LockId::of(&self.location);
        // Closing releases the lock too; releasing first says so in the
        // server's log and keeps a pooled connection clean.
        let released = self.release_lock(&id).await;
        self.conn.close().await;
        released
    }
}
/// One column of a row as a plain value, by its type.
fn read_value(
    row: &tokio_postgres::Row,
    i: usize,
) -> std::result::Result<Value, tokio_postgres::Error> {
    let ty = row.columns()[i].type_();
    Ok(match *ty {
        Type::INT2 => row.try_get::<_, Option<i16>>(i)?.map(i64::from).into(),
        Type::INT4 => row.try_get::<_, Option<i32>>(i)?.map(i64::from).into(),
        Type::INT8 => row.try_get::<_, Option<i64>>(i)?.into(),
        Type::OID => row.try_get::<_, Option<u32>>(i)?.map(i64::from).into(),
        Type::BOOL => row.try_get::<_, Option<bool>>(i)?.map(i64::from).into(),
        Type::CHAR => row
            .try_get::<_, Option<i8>>(i)?
            .map(|c| (c as u8 as char).to_string())
            .into(),
        // Text of any kind; anything else fails here with the driver's
        // "cannot convert" error, which names the type to cast.
        _ => row.try_get::<_, Option<String>>(i)?.into(),
    })
}
