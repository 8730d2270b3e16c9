//! Reading `postgres://` URLs: the parts `tokio_postgres::Config` parses, plus
//! the libpq TLS settings it does not know (`sslmode=verify-ca`,
//! `verify-full`, `sslrootcert`).

use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use migrate_core::redact::redact_url;
use migrate_core::{Error, Result};
use tokio_postgres::Config;
use tokio_postgres::config::Host;

/// How a connection uses TLS, after libpq's `sslmode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// No TLS: `disable`, `allow`, `prefer` or no `sslmode` at all.
    /// (`prefer` does not try TLS first.)
    Plain,
    /// TLS without checking the certificate (`require`), like libpq.
    Require,
    /// TLS with the certificate chain checked against the trusted roots, but
    /// not the host name (`verify-ca`).
    VerifyCa,
    /// TLS with the chain and the host name checked (`verify-full`).
    VerifyFull,
}

impl TlsMode {
    fn parse(value: &str) -> Option<Self> {
        match value {
            "disable" | "allow" | "prefer" => Some(TlsMode::Plain),
            "require" => Some(TlsMode::Require),
            "verify-ca" => Some(TlsMode::VerifyCa),
            "verify-full" => Some(TlsMode::VerifyFull),
            _ => None,
        }
    }
}

/// Where the trusted root certificates come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Roots {
    /// The Mozilla root program (`webpki-roots`): the default, and
    /// `sslrootcert=system`.
    Mozilla,
    /// A PEM file named by `sslrootcert=/path/to/ca.pem`.
    File(PathBuf),
}

/// A parsed URL, ready to connect with.
#[derive(Debug, Clone)]
pub struct Target {
    /// What tokio-postgres connects with.
    pub config: Config,
    /// How TLS is used.
    pub tls: TlsMode,
    /// Trusted roots for the verifying modes.
    pub roots: Roots,
    /// The URL with its password removed, for messages.
    pub redacted: String,
}

/// How long to wait for a server that does not answer, unless the URL says
/// `connect_timeout`.
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// Parses a `postgres://` or `postgresql://` URL.
pub fn parse_url(url: &str) -> Result<Target> {
    let redacted = redact_url(url);
    let rest = ["postgres://", "postgresql://"]
        .iter()
        .find_map(|p| url.strip_prefix(p))
        .ok_or_else(|| {
            Error::Usage(format!(
                "not a PostgreSQL URL: `{redacted}` (write postgres://user@host:5432/database)"
            ))
        })?;
    // tokio-postgres ends the user part at the first `@`; find the query
    // after it the same way, so a `?` in a password stays a password.
    let after_user = rest.find('@').map_or(0, |at| at + 1);
    let query_at = rest[after_user..].find('?').map(|i| after_user + i);

    let mut tls = TlsMode::Plain;
    let mut roots = Roots::Mozilla;
    let mut root_file_given = false;
    let mut kept = Vec::new();
    let base = match query_at {
        None => rest,
        Some(q) => {
            for param in rest[q + 1..].split('&').filter(|p| !p.is_empty()) {
                let (key, value) = param.split_once('=').unwrap_or((param, ""));
                match percent_decode(key).as_str() {
                    "sslmode" => {
                        let value = percent_decode(value);
                        tls = TlsMode::parse(&value).ok_or_else(|| {
                            Error::Usage(format!(
                                "invalid PostgreSQL URL `{redacted}`: unknown sslmode `{value}` \
                                 (use disable, prefer, require, verify-ca or verify-full)"
                            ))
                        })?;
                    }
                    "sslrootcert" => {
                        let value = percent_decode(value);
                        roots = if value == "system" {
                            Roots::Mozilla
                        } else {
                            root_file_given = true;
                            Roots::File(PathBuf::from(value))
                        };
                    }
                    _ => kept.push(param),
                }
            }
            &rest[..q]
        }
    };
    // libpq: with a root certificate file given, `require` verifies the
    // chain like `verify-ca`.
    if tls == TlsMode::Require && root_file_given {
        tls = TlsMode::VerifyCa;
    }

    let mut rebuilt = format!("postgres://{base}");
    if !kept.is_empty() {
        rebuilt.push('?');
        rebuilt.push_str(&kept.join("&"));
    }
    let mut config = Config::from_str(&rebuilt).map_err(|e| {
        Error::Usage(format!(
            "invalid PostgreSQL URL `{redacted}`: {}",
            crate::error::error_chain(&e)
        ))
    })?;

    config.ssl_mode(match tls {
        TlsMode::Plain => tokio_postgres::config::SslMode::Disable,
        _ => tokio_postgres::config::SslMode::Require,
    });
    if config.get_application_name().is_none() {
        config.application_name("migrate");
    }
    if config.get_user().is_none() {
        // libpq's default: the operating-system user.
        config.user(whoami::username());
    }
    if config.get_hosts().is_empty() && config.get_hostaddrs().is_empty() {
        default_host(&mut config);
    }
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(DEFAULT_CONNECT_TIMEOUT);
    }
    Ok(Target {
        config,
        tls,
        roots,
        redacted,
    })
}

/// libpq's default when the URL names no host: the Unix socket directory.
#[cfg(unix)]
fn default_host(config: &mut Config) {
    let dir = if std::path::Path::new("/var/run/postgresql").is_dir() {
        "/var/run/postgresql"
    } else {
        "/tmp"
    };
    config.host_path(dir);
}

#[cfg(not(unix))]
fn default_host(config: &mut Config) {
    config.host("localhost");
}

/// Where the server is, as `host:port` (or the socket path), for messages.
pub fn describe_hosts(config: &Config) -> String {
    let ports = config.get_ports();
    let port_of = |i: usize| ports.get(i).or(ports.first()).copied().unwrap_or(5432);
    let mut hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .enumerate()
        .map(|(i, host)| match host {
            Host::Tcp(name) if name.contains(':') => format!("[{name}]:{}", port_of(i)),
            Host::Tcp(name) => format!("{name}:{}", port_of(i)),
            #[cfg(unix)]
            Host::Unix(dir) => format!("{}/.s.PGSQL.{}", dir.display(), port_of(i)),
        })
        .collect();
    if hosts.is_empty() {
        hosts = config
            .get_hostaddrs()
            .iter()
            .enumerate()
            .map(|(i, addr)| format!("{addr}:{}", port_of(i)))
            .collect();
    }
    hosts.join(", ")
}

/// Decodes `%XX` escapes (invalid ones are kept as written).
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push(h * 16 + l);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio_postgres::config::SslMode;

    #[test]
    fn plain_url() {
        let t = parse_url("postgres://u:secret@db.example:6543/app").unwrap();
        assert_eq!(t.tls, TlsMode::Plain);
        assert_eq!(t.config.get_ssl_mode(), SslMode::Disable);
        assert_eq!(t.config.get_user(), Some("u"));
        assert_eq!(t.config.get_password(), Some(&b"secret"[..]));
        assert_eq!(t.config.get_dbname(), Some("app"));
        assert_eq!(t.config.get_application_name(), Some("migrate"));
        assert_eq!(describe_hosts(&t.config), "db.example:6543");
        assert_eq!(t.redacted, "postgres://u:***@db.example:6543/app");
    }

    #[test]
    fn postgresql_scheme_and_application_name() {
        let t = parse_url("postgresql://u@h/db?application_name=deploy").unwrap();
        assert_eq!(t.config.get_application_name(), Some("deploy"));
        assert_eq!(describe_hosts(&t.config), "h:5432");
    }

    #[test]
    fn sslmodes() {
        for (mode, tls, ssl) in [
            ("disable", TlsMode::Plain, SslMode::Disable),
            ("allow", TlsMode::Plain, SslMode::Disable),
            ("prefer", TlsMode::Plain, SslMode::Disable),
            ("require", TlsMode::Require, SslMode::Require),
            ("verify-ca", TlsMode::VerifyCa, SslMode::Require),
            ("verify-full", TlsMode::VerifyFull, SslMode::Require),
        ] {
            let t = parse_url(&format!(
                "postgres://u@h/db?sslmode={mode}&application_name=x"
            ))
            .unwrap();
            assert_eq!(t.tls, tls, "{mode}");
            assert_eq!(t.config.get_ssl_mode(), ssl, "{mode}");
            assert_eq!(t.config.get_application_name(), Some("x"));
            assert_eq!(t.roots, Roots::Mozilla);
        }
    }

    #[test]
    fn sslrootcert() {
        let t =
            parse_url("postgres://u@h/db?sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem").unwrap();
        assert_eq!(t.tls, TlsMode::VerifyFull);
        assert_eq!(t.roots, Roots::File(PathBuf::from("/etc/ca.pem")));
        let t = parse_url("postgres://u@h/db?sslrootcert=system&sslmode=verify-ca").unwrap();
        assert_eq!(t.roots, Roots::Mozilla);
        // like libpq, `require` with a root file verifies the chain
        let t = parse_url("postgres://u@h/db?sslmode=require&sslrootcert=/ca.pem").unwrap();
        assert_eq!(t.tls, TlsMode::VerifyCa);
    }

    #[test]
    fn bad_sslmode_is_a_usage_error_without_password() {
        let e = parse_url("postgres://u:hunter2@h/db?sslmode=sometimes").unwrap_err();
        let text = e.to_string();
        assert!(matches!(e, Error::Usage(_)));
        assert!(text.contains("unknown sslmode `sometimes`"), "{text}");
        assert!(!text.contains("hunter2"), "{text}");
    }

    #[test]
    fn unknown_option_is_reported() {
        let e = parse_url("postgres://u:hunter2@h/db?bogus=1")
            .unwrap_err()
            .to_string();
        assert!(e.contains("bogus"), "{e}");
        assert!(!e.contains("hunter2"), "{e}");
    }

    #[test]
    fn question_mark_in_password_is_not_a_query() {
        let t = parse_url("postgres://u:pa?ss@h/db?sslmode=require").unwrap();
        assert_eq!(t.config.get_password(), Some(&b"pa?ss"[..]));
        assert_eq!(t.tls, TlsMode::Require);
    }

    #[test]
    fn other_schemes_are_refused() {
        assert!(matches!(parse_url("mysql://h/db"), Err(Error::Usage(_))));
    }

    #[test]
    fn defaults() {
        let t = parse_url("postgres://h").unwrap();
        assert!(t.config.get_user().is_some());
        assert_eq!(
            t.config.get_connect_timeout(),
            Some(&DEFAULT_CONNECT_TIMEOUT)
        );
        let t = parse_url("postgres://h/db?connect_timeout=5").unwrap();
        assert_eq!(
            t.config.get_connect_timeout(),
            Some(&Duration::from_secs(5))
        );
        let t = parse_url("postgres:///db").unwrap();
        assert!(!describe_hosts(&t.config).is_empty());
        let t = parse_url("postgres://a:1,b:2/db").unwrap();
        assert_eq!(describe_hosts(&t.config), "a:1, b:2");
        let t = parse_url("postgres://[::1]:5433/db").unwrap();
        assert_eq!(describe_hosts(&t.config), "[::1]:5433");
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("a%20b%2Fc"), "a b/c");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz"), "%zz");
    }
}
