//! From a `mysql://` or `mariadb://` URL to the driver's connection options.

use migrate_core::redact::redact_url;
use migrate_core::{Error, Result};
use std::path::PathBuf;

use mysql_async::{Opts, OptsBuilder, SslOpts};

/// How the connection is encrypted, as asked by `ssl-mode` (MySQL client
/// names) or `sslmode` (PostgreSQL names).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SslMode {
    /// No TLS: `DISABLED`, `disable`.
    Disabled,
    /// Encrypted, certificate not checked: `REQUIRED`, `require`.
    Required,
    /// Encrypted, certificate chain checked, host name not: `VERIFY_CA`,
    /// `verify-ca`.
    VerifyCa,
    /// Encrypted, certificate and host name checked: `VERIFY_IDENTITY`,
    /// `verify-full`.
    VerifyIdentity,
}

impl SslMode {
    fn parse(value: &str) -> Option<SslMode> {
        match value.to_ascii_lowercase().replace('-', "_").as_str() {
            "disabled" | "disable" => Some(SslMode::Disabled),
            "required" | "require" => Some(SslMode::Required),
            "verify_ca" => Some(SslMode::VerifyCa),
            "verify_identity" | "verify_full" => Some(SslMode::VerifyIdentity),
            _ => None,
        }
    }
}

/// Everything needed to open connections to the database a URL names.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    /// The driver's options, TLS included.
    pub opts: Opts,
    /// `host:port`, for "cannot reach" messages.
    pub address: String,
}

/// Parses a `mysql://user:password@host:port/database?params` URL
/// (`mariadb://` works too). Besides the driver's own parameters it accepts
/// `ssl-mode` / `sslmode` and `ssl-ca` / `sslrootcert` (a PEM file of root
/// certificates to trust).
pub(crate) fn parse(url: &str) -> Result<Target> {
    let invalid =
        |why: String| Error::Usage(format!("invalid MySQL URL `{}`: {why}", redact_url(url)));

    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| invalid("write mysql://user:password@host:3306/database".into()))?;
    if !scheme.eq_ignore_ascii_case("mysql") && !scheme.eq_ignore_ascii_case("mariadb") {
        return Err(invalid(format!(
            "the scheme must be mysql:// or mariadb://, not {scheme}://"
        )));
    }
    let mut parsed =
        url::Url::parse(&format!("mysql://{rest}")).map_err(|e| invalid(e.to_string()))?;

    // Take out the parameters the driver does not know; keep the others in
    // order for it to read.
    let mut ssl_mode = None;
    let mut ssl_ca = None;
    let mut kept = Vec::new();
    for (key, value) in parsed.query_pairs() {
        match key.to_ascii_lowercase().replace('_', "-").as_str() {
            "ssl-mode" | "sslmode" => {
                ssl_mode = Some(SslMode::parse(&value).ok_or_else(|| {
                    invalid(format!(
                        "unsupported {key}={value}: use ssl-mode=DISABLED, REQUIRED, VERIFY_CA or VERIFY_IDENTITY (or sslmode=disable, require, verify-ca, verify-full){}",
                        if value.eq_ignore_ascii_case("preferred") || value.eq_ignore_ascii_case("prefer") {
                            "; PREFERRED is not supported because the driver cannot fall back to an unencrypted connection"
                        } else {
                            ""
                        }
                    ))
                })?);
            }
            "ssl-ca" | "sslrootcert" => ssl_ca = Some(value.into_owned()),
            _ => kept.push((key.into_owned(), value.into_owned())),
        }
    }
    if kept.is_empty() {
        parsed.set_query(None);
    } else {
        parsed.query_pairs_mut().clear().extend_pairs(&kept);
    }

    let opts = Opts::from_url(parsed.as_str()).map_err(|e| invalid(e.to_string()))?;
    if opts.db_name().is_none() {
        return Err(invalid(
            "it names no database: write mysql://user@host:3306/database".into(),
        ));
    }
    let address = format!("{}:{}", opts.ip_or_hostname(), opts.tcp_port());

    let mut builder = OptsBuilder::from_opts(opts.clone());
    if !kept.iter().any(|(key, _)| key == "prefer_socket") {
        // Connect where the URL says; the driver would otherwise switch to
        // the server's Unix socket, where accounts and TLS differ.
        builder = builder.prefer_socket(false);
    }
    if ssl_ca.is_some() && !matches!(ssl_mode, Some(SslMode::VerifyCa | SslMode::VerifyIdentity)) {
        return Err(invalid(
            "ssl-ca is used to verify the server: add ssl-mode=VERIFY_CA or VERIFY_IDENTITY".into(),
        ));
    }
    if let Some(mode) = ssl_mode {
        builder = builder.ssl_opts(ssl_opts(mode, ssl_ca.map(PathBuf::from)));
    }
    Ok(Target {
        opts: builder.into(),
        address,
    })
}

fn ssl_opts(mode: SslMode, ca: Option<PathBuf>) -> Option<SslOpts> {
    let roots = ca.map(|path| vec![path.into()]).unwrap_or_default();
    let verify = SslOpts::default().with_root_certs(roots);
    match mode {
        SslMode::Disabled => None,
        SslMode::Required => Some(
            SslOpts::default()
                .with_danger_accept_invalid_certs(true)
                .with_danger_skip_domain_validation(true),
        ),
        SslMode::VerifyCa => Some(verify.with_danger_skip_domain_validation(true)),
        SslMode::VerifyIdentity => Some(verify),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(url: &str) -> Target {
        parse(url).unwrap_or_else(|e| panic!("{url}: {e}"))
    }

    fn err(url: &str) -> String {
        match parse(url) {
            Ok(t) => panic!("{url} parsed: {t:?}"),
            Err(e) => {
                assert!(matches!(e, Error::Usage(_)), "{e:?}");
                e.to_string()
            }
        }
    }

    #[test]
    fn reads_user_password_host_port_database() {
        let t = ok("mysql://app:s3cr%40t@db.example:3307/shop");
        assert_eq!(t.opts.user(), Some("app"));
        assert_eq!(t.opts.pass(), Some("s3cr@t"));
        assert_eq!(t.opts.ip_or_hostname(), "db.example");
        assert_eq!(t.opts.tcp_port(), 3307);
        assert_eq!(t.opts.db_name(), Some("shop"));
        assert_eq!(t.opts.db_name().unwrap(), "shop");
        assert_eq!(t.address, "db.example:3307");
        assert!(t.opts.ssl_opts().is_none());
        assert!(!t.opts.prefer_socket());
    }

    #[test]
    fn default_port_and_percent_encoded_database() {
        let t = ok("mysql://root@127.0.0.1/my%20db");
        assert_eq!(t.opts.tcp_port(), 3306);
        assert_eq!(t.opts.db_name().unwrap(), "my db");
        assert_eq!(t.address, "127.0.0.1:3306");
    }

    #[test]
    fn mariadb_scheme_is_mysql() {
        let t = ok("mariadb://root@localhost:3306/app");
        assert_eq!(t.opts.db_name().unwrap(), "app");
        assert_eq!(t.opts.ip_or_hostname(), "localhost");
        let t = ok("MariaDB://root@localhost/app");
        assert_eq!(t.opts.db_name().unwrap(), "app");
    }

    #[test]
    fn other_schemes_are_refused() {
        let e = err("postgres://u:pw@h/db");
        assert!(e.contains("mysql:// or mariadb://"), "{e}");
        assert!(!e.contains("pw@"), "{e}");
        err("localhost:3306/db");
    }

    #[test]
    fn database_is_required() {
        let e = err("mysql://root:hunter2@127.0.0.1:3306");
        assert!(e.contains("names no database"), "{e}");
        assert!(e.contains("mysql://root:***@127.0.0.1:3306"), "{e}");
        assert!(!e.contains("hunter2"), "{e}");
        err("mysql://root@127.0.0.1:3306/");
    }

    #[test]
    fn ssl_mode_required_encrypts_without_verifying() {
        for url in [
            "mysql://u@h/db?ssl-mode=REQUIRED",
            "mysql://u@h/db?ssl-mode=required",
            "mysql://u@h/db?sslmode=require",
            "mysql://u@h/db?ssl_mode=Required",
            "mysql://u@h/db?SSL-MODE=REQUIRED",
        ] {
            let t = ok(url);
            let ssl = t.opts.ssl_opts().unwrap_or_else(|| panic!("{url}: no TLS"));
            assert!(ssl.accept_invalid_certs(), "{url}");
            assert!(ssl.skip_domain_validation(), "{url}");
        }
    }

    #[test]
    fn ssl_mode_verify_ca_checks_the_chain_only() {
        for url in [
            "mysql://u@h/db?ssl-mode=VERIFY_CA",
            "mysql://u@h/db?sslmode=verify-ca",
            "mysql://u@h/db?sslmode=VERIFY-CA",
        ] {
            let t = ok(url);
            let ssl = t.opts.ssl_opts().unwrap_or_else(|| panic!("{url}: no TLS"));
            assert!(!ssl.accept_invalid_certs(), "{url}");
            assert!(ssl.skip_domain_validation(), "{url}");
        }
    }

    #[test]
    fn ssl_mode_verify_identity_checks_everything() {
        for url in [
            "mysql://u@h/db?ssl-mode=VERIFY_IDENTITY",
            "mysql://u@h/db?sslmode=verify-full",
            "mariadb://u@h/db?sslmode=Verify-Full",
        ] {
            let t = ok(url);
            let ssl = t.opts.ssl_opts().unwrap_or_else(|| panic!("{url}: no TLS"));
            assert!(!ssl.accept_invalid_certs(), "{url}");
            assert!(!ssl.skip_domain_validation(), "{url}");
        }
    }

    #[test]
    fn ssl_ca_adds_a_root() {
        let t = ok("mysql://u@h/db?ssl-mode=VERIFY_CA&ssl-ca=/etc/ca.pem");
        let ssl = t.opts.ssl_opts().expect("TLS");
        assert_eq!(ssl.root_certs().len(), 1);
        let e = err("mysql://u@h/db?ssl-ca=/etc/ca.pem");
        assert!(e.contains("VERIFY_CA"), "{e}");
    }

    #[test]
    fn ssl_mode_disabled_overrides_driver_params() {
        let t = ok("mysql://u@h/db?ssl-mode=DISABLED");
        assert!(t.opts.ssl_opts().is_none());
        let t = ok("mysql://u@h/db?require_ssl=true&sslmode=disable");
        assert!(t.opts.ssl_opts().is_none());
    }

    #[test]
    fn unknown_ssl_mode_is_refused() {
        let e = err("mysql://u:pw@h/db?ssl-mode=sometimes");
        assert!(e.contains("ssl-mode=sometimes"), "{e}");
        assert!(e.contains("REQUIRED"), "{e}");
        assert!(!e.contains(":pw@"), "{e}");
        let e = err("mysql://u@h/db?ssl-mode=PREFERRED");
        assert!(e.contains("cannot fall back"), "{e}");
    }

    #[test]
    fn driver_params_pass_through_around_ours() {
        let t = ok("mysql://u@h/db?stmt_cache_size=7&sslmode=require&prefer_socket=true");
        assert_eq!(t.opts.stmt_cache_size(), 7);
        assert!(t.opts.prefer_socket());
        assert!(t.opts.ssl_opts().is_some());
        let t = ok("mysql://u@h/db?require_ssl=true");
        assert!(t.opts.ssl_opts().is_some());
    }

    #[test]
    fn unknown_params_are_refused_without_the_password() {
        let e = err("mysql://u:topsecret@h/db?colour=blue");
        assert!(e.contains("colour"), "{e}");
        assert!(!e.contains("topsecret"), "{e}");
        let e = err("mysql://u@h/db?password=topsecret");
        assert!(!e.contains("topsecret"), "{e}");
    }
}
