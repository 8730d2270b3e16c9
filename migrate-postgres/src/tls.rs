//! TLS with rustls (ring provider) for the `require`, `verify-ca` and
//! `verify-full` modes.

use std::sync::Arc;

use migrate_core::{Error, Result};
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::ParsedCertificate;
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio_postgres::config::SslNegotiation;
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::url::{Roots, Target, TlsMode};

/// The connector for a target whose mode uses TLS.
pub fn connector(target: &Target) -> Result<MakeRustlsConnect> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .map_err(|e| tls_setup_error(target, e))?;
    let mut config = match target.tls {
        TlsMode::Plain | TlsMode::Require => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(Lenient {
                roots: None,
                provider,
            }))
            .with_no_client_auth(),
        TlsMode::VerifyCa => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(Lenient {
                roots: Some(Arc::new(load_roots(target)?)),
                provider,
            }))
            .with_no_client_auth(),
        TlsMode::VerifyFull => {
            let verifier = WebPkiServerVerifier::builder_with_provider(
                Arc::new(load_roots(target)?),
                Arc::clone(&provider),
            )
            .build()
            .map_err(|e| tls_setup_error(target, e))?;
            builder.with_webpki_verifier(verifier).with_no_client_auth()
        }
    };
    if target.config.get_ssl_negotiation() == SslNegotiation::Direct {
        // Direct TLS (PostgreSQL 17+) requires this ALPN protocol.
        config.alpn_protocols = vec![b"postgresql".to_vec()];
    }
    Ok(MakeRustlsConnect::new(config))
}

fn tls_setup_error(target: &Target, e: impl std::fmt::Display) -> Error {
    Error::database(
        format!("cannot connect to {}", target.redacted),
        format!("cannot set up TLS: {e}"),
    )
}

fn load_roots(target: &Target) -> Result<RootCertStore> {
    match &target.roots {
        Roots::Mozilla => Ok(RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        }),
        Roots::File(path) => {
            let bad = |what: String| {
                Error::Usage(format!(
                    "sslrootcert `{}` of {}: {what}",
                    path.display(),
                    target.redacted
                ))
            };
            let certs = CertificateDer::pem_file_iter(path)
                .map_err(|e| bad(format!("cannot read it: {e}")))?
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| bad(format!("not a PEM certificate file: {e}")))?;
            if certs.is_empty() {
                return Err(bad("holds no PEM certificate".to_string()));
            }
            let mut roots = RootCertStore::empty();
            for cert in certs {
                roots
                    .add(cert)
                    .map_err(|e| bad(format!("unusable certificate: {e}")))?;
            }
            Ok(roots)
        }
    }
}

/// The verifier of `sslmode=require` (`roots: None`: any certificate is
/// accepted, as libpq does) and `sslmode=verify-ca` (the chain must lead to
/// a trusted root; the host name is not checked). Either way the server
/// must own the key of the certificate it shows.
#[derive(Debug)]
struct Lenient {
    roots: Option<Arc<RootCertStore>>,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for Lenient {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        if let Some(roots) = &self.roots {
            let cert = ParsedCertificate::try_from(end_entity)?;
            rustls::client::verify_server_cert_signed_by_trust_anchor(
                &cert,
                roots,
                intermediates,
                now,
                self.provider.signature_verification_algorithms.all,
            )?;
        }
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::url::parse_url;

    #[test]
    fn every_mode_builds_a_connector() {
        for mode in ["require", "verify-ca", "verify-full"] {
            let target = parse_url(&format!("postgres://u@h/db?sslmode={mode}")).unwrap();
            connector(&target).unwrap();
        }
    }

    #[test]
    fn missing_root_file_is_reported() {
        let target =
            parse_url("postgres://u:pw@h/db?sslmode=verify-full&sslrootcert=/no/such/ca.pem")
                .unwrap();
        let Err(e) = connector(&target) else {
            panic!("a missing root file must fail")
        };
        let text = e.to_string();
        assert!(text.contains("/no/such/ca.pem"), "{text}");
        assert!(!text.contains(":pw@"), "{text}");
    }
}
