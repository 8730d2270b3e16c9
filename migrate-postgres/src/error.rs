//! The driver's errors as plain messages: the server's error as `psql`
//! words it, the driver's with its causes, and why a connection failed.

use std::error::Error as StdError;

use tokio_postgres::error::{DbError, SqlState};

use crate::url::{Target, describe_hosts};

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
pub(crate) fn connect_message(e: &tokio_postgres::Error, target: &Target) -> String {
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
