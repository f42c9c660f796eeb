//! Where to connect and how: the URL's settings, and TLS with rustls when
//! its `sslmode` asks for it.
//!
//! | `sslmode` | connection |
//! | --- | --- |
//! | absent, `disable`, `prefer` | plain (as before there was TLS) |
//! | `require` | TLS; the server's certificate is not checked, unless `sslrootcert` is given (then as `verify-ca`), as libpq does |
//! | `verify-ca` | TLS; the certificate must chain to a root of `sslrootcert` |
//! | `verify-full` | TLS; that, and it must name the host connected to |
//!
//! `sslrootcert=PATH` is a PEM file of root certificates; without it (or
//! with `sslrootcert=system`) the system's roots are used.

use std::sync::Arc;

use ::postgres::{Client, Config, NoTls};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio_postgres_rustls::MakeRustlsConnect;

use super::super::url::{take_param, url_for_display, with_param};
use super::DbError;

/// How the server's certificate is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// No TLS.
    Off,
    /// TLS, any certificate.
    Require,
    /// TLS, a certificate that chains to a trusted root.
    VerifyCa,
    /// TLS, a certificate that chains to a trusted root and names the host.
    VerifyFull,
}

/// A parsed connection target.
#[derive(Clone)]
pub struct Target {
    pub(crate) config: Config,
    pub(crate) tls: Option<MakeRustlsConnect>,
    pub(crate) mode: TlsMode,
    /// The URL without password.
    pub(crate) display: String,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Target")
            .field("url", &self.display)
            .field("tls", &self.mode)
            .finish()
    }
}

impl Target {
    /// Read `url` (a `postgres://` URL or a key-value string).
    pub fn parse(url: &str) -> Result<Self, DbError> {
        let display = url_for_display(url);
        let tls_err = |detail: String| DbError::Tls {
            url: display.clone(),
            detail,
        };
        let (rest, mode) = take_param(url, "sslmode");
        let (rest, root) = take_param(&rest, "sslrootcert");
        let mode = match mode.as_deref() {
            None | Some("disable") | Some("prefer") => TlsMode::Off,
            Some("require") if root.is_some() => TlsMode::VerifyCa,
            Some("require") => TlsMode::Require,
            Some("verify-ca") => TlsMode::VerifyCa,
            Some("verify-full") => TlsMode::VerifyFull,
            Some(other) => {
                return Err(tls_err(format!(
                    "sslmode={other} is not one of disable, prefer, require, verify-ca, verify-full"
                )))
            }
        };
        // The client knows `disable`, `prefer` and `require`: the checks
        // beyond are made here.
        let rest = match (mode, mode_given(url)) {
            (TlsMode::Off, Some(m)) => with_param(&rest, "sslmode", &m),
            (TlsMode::Off, None) => rest,
            _ => with_param(&rest, "sslmode", "require"),
        };
        let config: Config = rest.parse().map_err(|source| DbError::Pg {
            url: display.clone(),
            source,
        })?;
        let tls = match mode {
            TlsMode::Off => None,
            _ => Some(MakeRustlsConnect::new(
                client_config(mode, root.as_deref()).map_err(tls_err)?,
            )),
        };
        Ok(Target {
            config,
            tls,
            mode,
            display,
        })
    }

    /// The URL without its password.
    pub fn display_url(&self) -> &str {
        &self.display
    }

    pub fn tls_mode(&self) -> TlsMode {
        self.mode
    }

    /// A new connection.
    pub fn connect(&self) -> Result<Client, ::postgres::Error> {
        match &self.tls {
            None => self.config.connect(NoTls),
            Some(tls) => self.config.connect(tls.clone()),
        }
    }
}

/// The `sslmode` of `url` as given, for the plain modes.
fn mode_given(url: &str) -> Option<String> {
    take_param(url, "sslmode").1
}

fn client_config(mode: TlsMode, root: Option<&str>) -> Result<ClientConfig, String> {
    let provider = crate::tls::provider();
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?;
    if mode == TlsMode::Require {
        return Ok(builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider)))
            .with_no_client_auth());
    }
    let roots = Arc::new(roots(root)?);
    let webpki = WebPkiServerVerifier::builder_with_provider(roots, provider)
        .build()
        .map_err(|e| e.to_string())?;
    let verifier: Arc<dyn ServerCertVerifier> = if mode == TlsMode::VerifyCa {
        Arc::new(AnyName(webpki))
    } else {
        webpki
    };
    Ok(builder
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth())
}

/// The trusted roots: those of the PEM file `root`, or the system's.
fn roots(root: Option<&str>) -> Result<RootCertStore, String> {
    let mut store = RootCertStore::empty();
    match root {
        Some(path) if path != "system" => {
            let certs = CertificateDer::pem_file_iter(path)
                .map_err(|e| format!("sslrootcert {path}: {e}"))?
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| format!("sslrootcert {path}: {e}"))?;
            if certs.is_empty() {
                return Err(format!("sslrootcert {path}: no certificate in it"));
            }
            for c in certs {
                store
                    .add(c)
                    .map_err(|e| format!("sslrootcert {path}: {e}"))?;
            }
        }
        _ => {
            let found = rustls_native_certs::load_native_certs();
            store.add_parsable_certificates(found.certs);
            if store.is_empty() {
                return Err("no system root certificates found; give sslrootcert=PATH".into());
            }
        }
    }
    Ok(store)
}

/// `sslmode=require`: encrypted, the certificate not checked (the
/// handshake's signatures still are).
#[derive(Debug)]
struct AnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// `sslmode=verify-ca`: the chain is checked, the name in it is not.
#[derive(Debug)]
struct AnyName(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for AnyName {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(rustls::Error::InvalidCertificate(rustls::CertificateError::NotValidForName))
            | Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sslmode_chooses_the_connection() {
        let mode = |url: &str| Target::parse(url).map(|t| t.tls_mode());
        assert_eq!(mode("postgres://h/db").unwrap(), TlsMode::Off);
        assert_eq!(
            mode("postgres://h/db?sslmode=disable").unwrap(),
            TlsMode::Off
        );
        assert_eq!(
            mode("postgres://h/db?sslmode=prefer").unwrap(),
            TlsMode::Off
        );
        assert_eq!(
            mode("postgres://h/db?sslmode=require").unwrap(),
            TlsMode::Require
        );
        assert_eq!(mode("host=h sslmode=require").unwrap(), TlsMode::Require);
        let e = mode("postgres://u:pw@h/db?sslmode=sometimes").unwrap_err();
        assert!(matches!(e, DbError::Tls { .. }), "{e}");
        assert!(!e.to_string().contains("pw"), "{e}");
        let e = mode("postgres://h/db?sslmode=verify-full&sslrootcert=/nonexistent/ca.crt")
            .unwrap_err();
        assert!(e.to_string().contains("/nonexistent/ca.crt"), "{e}");
        // The client is given only what it knows.
        let t = Target::parse("postgres://h/db?sslmode=require&application_name=x").unwrap();
        assert_eq!(t.config.get_application_name(), Some("x"));
    }
}
