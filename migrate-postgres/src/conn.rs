//! Opening connections and turning driver errors into plain messages.

use std::error::Error as StdError;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use migrate_core::{Error, Result};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::task::JoinHandle;
use tokio_postgres::error::{DbError, SqlState};
use tokio_postgres::tls::MakeTlsConnect;
use tokio_postgres::{AsyncMessage, Client, Connection, NoTls, Socket};

use crate::url::{Target, TlsMode, describe_hosts};

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

/// `ERROR 42P01: relation "x" does not exist`, then the server's detail,
/// hint and context lines when it sent them.
pub fn format_db_error(db: &DbError) -> String {
    let mut text = format!("{} {}: {}", db.severity(), db.code().code(), db.message());
    if let Some(detail) = db.detail() {
        text.push_str("\nDETAIL: ");
        text.push_str(detail);
    }
    if let Some(hint) = db.hint() {
        text.push_str("\nHINT: ");
        text.push_str(hint);
    }
    if let Some(context) = db.where_() {
        text.push_str("\nCONTEXT: ");
        text.push_str(context);
    }
    text
}

/// The server's error when there is one, otherwise the driver's error with
/// its causes.
pub fn describe_error(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format_db_error(db),
        None => error_chain(e),
    }
}

/// An error and its causes, `outer: inner: innermost`.
pub fn error_chain(e: &dyn StdError) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let part = cause.to_string();
        if !text.ends_with(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = cause.source();
    }
    text
}

/// A plain-words reason a connection attempt failed.
fn connect_message(e: &tokio_postgres::Error, target: &Target) -> String {
    let hosts = describe_hosts(&target.config);
    let user = target.config.get_user().unwrap_or("?");
    if let Some(db) = e.as_db_error() {
        let advice = match *db.code() {
            SqlState::INVALID_PASSWORD => "check the user and password in the URL",
            SqlState::INVALID_CATALOG_NAME => {
                "create the database first, or fix its name in the URL"
            }
            SqlState::INVALID_AUTHORIZATION_SPECIFICATION => {
                "check the user name in the URL and the server's pg_hba.conf"
            }
            SqlState::CANNOT_CONNECT_NOW => "the server is starting up or shutting down: try again",
            SqlState::TOO_MANY_CONNECTIONS => "the server has no free connection slots",
            _ => "",
        };
        let server = format_db_error(db);
        return if advice.is_empty() {
            server
        } else {
            format!(
                "{server}
({advice})"
            )
        };
    }
    let chain = error_chain(e);
    let cause = chain.split_once(": ").map_or(chain.as_str(), |(_, c)| c);
    if chain.starts_with("error connecting to server")
        || chain.starts_with("timeout waiting for server")
    {
        let reason = if chain.starts_with("timeout") {
            "no answer before the connect timeout".to_string()
        } else {
            cause.to_string()
        };
        if reason.contains("lookup address") {
            return format!(
                "server unreachable: cannot resolve the host name of {hosts}: {reason}"
            );
        }
        return format!(
            "server unreachable at {hosts}: {reason} (is PostgreSQL running and accepting connections there?)"
        );
    }
    if chain.starts_with("error performing TLS handshake") {
        let advice = if cause.contains("does not support TLS") {
            "the server does not accept TLS connections; use sslmode=disable or enable ssl on the server"
        } else if cause.contains("UnknownIssuer") || cause.contains("unknown issuer") {
            "the server's certificate is not signed by a trusted root: pass sslrootcert=/path/to/ca.pem, or use sslmode=require to encrypt without checking the certificate"
        } else if cause.contains("NotValidForName") || cause.contains("not valid for name") {
            "the server's certificate does not name this host: connect with the host name the certificate names, or use sslmode=verify-ca"
        } else {
            "check the sslmode and sslrootcert of the URL"
        };
        return format!("TLS handshake with {hosts} failed: {cause} ({advice})");
    }
    if chain.contains("password missing") {
        return format!(
            "the server at {hosts} asks for a password for user \"{user}\" and the URL gives none: write postgres://{user}:PASSWORD@host/database"
        );
    }
    chain
}
