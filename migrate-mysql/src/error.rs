//! The driver's errors as plain messages: no "Server error: `...'" wrapper,
//! and a server's code and SQL state in the form its own client prints.

use mysql_async::{Error as DriverError, IoError};

/// The message of a failed query: `ERROR 1050 (42S01): Table 't' already
/// exists` for the server's errors, the driver's text for the others.
pub(crate) fn message(e: &DriverError) -> String {
    match e {
        DriverError::Server(server) => {
            format!(
                "ERROR {} ({}): {}",
                server.code, server.state, server.message
            )
        }
        DriverError::Io(IoError::Io(io)) => format!("connection to the server failed: {io}"),
        DriverError::Io(IoError::Tls(tls)) => format!("TLS error: {tls}"),
        DriverError::Driver(driver) => driver.to_string(),
        DriverError::Other(other) => other.to_string(),
        DriverError::Url(url) => url.to_string(),
    }
}

/// The message of a failed connection attempt to `address` (`host:port`).
pub(crate) fn connect_message(e: &DriverError, address: &str) -> String {
    match e {
        DriverError::Io(IoError::Io(io)) => {
            format!("cannot reach the server at {address}: {io}")
        }
        DriverError::Io(IoError::Tls(tls)) => {
            format!("TLS handshake with {address} failed: {tls}")
        }
        DriverError::Driver(mysql_async::DriverError::NoClientSslFlagFromServer) => {
            format!("the URL asks for TLS (ssl-mode) but the server at {address} does not offer it")
        }
        other => message(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mysql_async::ServerError;

    #[test]
    fn server_errors_read_like_the_mysql_client() {
        let e = DriverError::Server(ServerError {
            code: 1050,
            state: "42S01".into(),
            message: "Table 'x' already exists".into(),
        });
        assert_eq!(message(&e), "ERROR 1050 (42S01): Table 'x' already exists");
        assert_eq!(
            connect_message(&e, "h:3306"),
            "ERROR 1050 (42S01): Table 'x' already exists"
        );
    }

    #[test]
    fn io_errors_name_the_address() {
        let e = DriverError::Io(IoError::Io(std::io::Error::new(
            std::io::ErrorKind::ConnectionRefused,
            "Connection refused",
        )));
        assert_eq!(
            connect_message(&e, "127.0.0.1:1"),
            "cannot reach the server at 127.0.0.1:1: Connection refused"
        );
    }
}
