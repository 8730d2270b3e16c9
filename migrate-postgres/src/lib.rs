#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod conn;
mod error;
mod tls;
mod url;

use std::collections::HashMap;

use async_trait::async_trait;
use futures_util::future::{Either, join_all};
use migrate_core::backend::{
    Backend, BatchItem, ConnectOptions, Dialect, HistoryLocation, open_session, run_each,
};
use migrate_core::history::Value;
use migrate_core::lock::LockId;
use migrate_core::{Error, Result};
use tokio_postgres::Statement;
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
    /// The parameterized statements of batches (the history and log
    /// writes), prepared once per connection so that a batch can be sent
    /// without waiting for a prepare.
    prepared: HashMap<String, Statement>,
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
            prepared: HashMap::new(),
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
        let params = to_sql(params);
        let result = self.conn.client.query(sql, &params).await;
        let rows = result.map_err(|e| self.statement_error(e))?;
        // Each row's list sized up front: a result of thousands of rows
        // would otherwise hold a list grown past its size for each.
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            let mut values = Vec::with_capacity(row.len());
            for i in 0..row.len() {
                values.push(read_value(row, i).map_err(|e| self.statement_error(e))?);
            }
            out.push(values);
        }
        Ok(out)
    }

    /// Inside a transaction, every item is sent before any reply is read
    /// (the driver pipelines requests polled together): the server refuses
    /// what follows a failure, and a batch costs one round trip.
    async fn run_batch(
        &mut self,
        items: &[BatchItem],
        in_transaction: bool,
    ) -> std::result::Result<(), (usize, Error)> {
        if !in_transaction || items.len() < 2 {
            return run_each(self, items).await;
        }
        let unprepared: Vec<(usize, &str)> = items
            .iter()
            .enumerate()
            .filter(|(_, item)| item.params.is_some() && !self.prepared.contains_key(&item.sql))
            .map(|(i, item)| (i, item.sql.as_str()))
            .collect();
        let client = &self.conn.client;
        let statements = join_all(unprepared.iter().map(|(_, sql)| client.prepare(sql))).await;
        for ((i, sql), statement) in unprepared.into_iter().zip(statements) {
            let statement = statement.map_err(|e| (i, self.statement_error(e)))?;
            self.prepared.insert(sql.to_string(), statement);
        }
        let client = &self.conn.client;
        let sent = items.iter().map(|item| match &item.params {
            None => Either::Left(client.batch_execute(&item.sql)),
            Some(params) => {
                let statement = &self.prepared[&item.sql];
                Either::Right(
                    async move { client.execute(statement, &to_sql(params)).await.map(drop) },
                )
            }
        });
        let results = join_all(sent).await;
        match results
            .into_iter()
            .enumerate()
            .find_map(|(i, r)| r.err().map(|e| (i, e)))
        {
            None => Ok(()),
            Some((i, e)) => {
                // A statement of the batch may have dropped a prepared one
                // (`DEALLOCATE ALL`, `DISCARD ALL`): prepare again next time.
                self.prepared.clear();
                Err((i, self.statement_error(e)))
            }
        }
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
/// Parameters as the driver takes them.
fn to_sql(params: &[Value]) -> Vec<&(dyn ToSql + Sync)> {
    const NULL: Option<String> = None;
    params
        .iter()
        .map(|v| match v {
            Value::Text(s) => s as &(dyn ToSql + Sync),
            Value::Int(n) => n as &(dyn ToSql + Sync),
            Value::Null => &NULL as &(dyn ToSql + Sync),
        })
        .collect()
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
