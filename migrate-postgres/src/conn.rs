//! Opening connections, and the task that drives each one.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use migrate_core::{Error, Result};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::task::JoinHandle;
use tokio_postgres::error::{DbError, SqlState};
use tokio_postgres::tls::MakeTlsConnect;
use tokio_postgres::{AsyncMessage, Client, Connection, NoTls, Socket};

use crate::error::{connect_message, describe_error, format_db_error};
use crate::url::{Target, TlsMode};

/// One open connection: the client, and the task that drives its socket.
pub struct Conn {
    pub client: Client,
    task: JoinHandle<()>,
    /// Why the connection broke, once it has.
    broken: Arc<Mutex<Option<String>>>,
}

impl Conn {
    /// Connects to `target`, with TLS when its mode asks for it.
    pub async fn open(target: &Target) -> Result<Conn> {
        let opened = match target.tls {
            TlsMode::Plain => start(target, NoTls).await,
            _ => start(target, crate::tls::connector(target)?).await,
        };
        opened.map_err(|e| {
            let message = connect_message(&e, target);
            Error::driver(format!("cannot connect to {}", target.redacted), message, e)
        })
    }

    /// A driver error on this connection as the core's error, the driver's
    /// error kept as its source.
    pub fn error(&self, context: impl Into<String>, e: tokio_postgres::Error) -> Error {
        let message = self.describe(&e);
        Error::driver(context, message, e)
    }

    /// Describes a driver error of a statement on this connection,
    /// with the reason the connection broke when that is the cause.
    pub fn describe(&self, e: &tokio_postgres::Error) -> String {
        let text = describe_error(e);
        if e.is_closed()
            && let Some(why) = self
                .broken
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .as_ref()
        {
            return format!("{text} ({why})");
        }
        text
    }

    /// Closes the connection and waits (briefly) for its task to end.
    pub async fn close(self) {
        drop(self.client);
        let _ = tokio::time::timeout(Duration::from_secs(5), self.task).await;
    }
}

async fn start<T>(target: &Target, tls: T) -> std::result::Result<Conn, tokio_postgres::Error>
where
    T: MakeTlsConnect<Socket>,
    T::Stream: Send + 'static,
{
    let (client, connection) = target.config.connect(tls).await?;
    let broken = Arc::new(Mutex::new(None));
    let task = tokio::spawn(drive(connection, Arc::clone(&broken)));
    Ok(Conn {
        client,
        task,
        broken,
    })
}

/// Drives the socket until the client is dropped, passing the server's
/// notices (`RAISE NOTICE`, warnings) on to the log.
async fn drive<S, T>(mut connection: Connection<S, T>, broken: Arc<Mutex<Option<String>>>)
where
    S: AsyncRead + AsyncWrite + Unpin,
    T: AsyncRead + AsyncWrite + Unpin,
{
    loop {
        match std::future::poll_fn(|cx| connection.poll_message(cx)).await {
            Some(Ok(AsyncMessage::Notice(notice))) => log_notice(&notice),
            Some(Ok(_)) => {}
            Some(Err(e)) => {
                let text = describe_error(&e);
                tracing::debug!("PostgreSQL connection ended: {text}");
                *broken.lock().unwrap_or_else(|p| p.into_inner()) = Some(text);
                return;
            }
            None => return,
        }
    }
}

fn log_notice(notice: &DbError) {
    let text = format_db_error(notice);
    if notice.code() == &SqlState::NO_ACTIVE_SQL_TRANSACTION {
        // `ROLLBACK` with no transaction open: expected, not news.
        tracing::debug!("PostgreSQL: {text}");
        return;
    }
    match notice.severity() {
        "WARNING" => tracing::warn!("PostgreSQL: {text}"),
        "NOTICE" | "INFO" => tracing::info!("PostgreSQL: {text}"),
        _ => tracing::debug!("PostgreSQL: {text}"),
    }
}
