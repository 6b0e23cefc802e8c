//! TLS for the outgoing connections of a local node (`--sync-to https://…`): one rustls client configuration,
//! with the ring provider (the one sqlx uses), trusting the system's root certificates plus, optionally, a PEM
//! bundle (`--sync-ca FILE`, a team server with a private CA). The same configuration serves the HTTP listing
//! (reqwest) and the sync WebSocket (`wss://`, tokio-tungstenite).
//!
//! [`failure`] finds the TLS error inside a connection error, so that a refused certificate is reported as such
//! (and not as "error sending request").

use std::error::Error as StdError;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Re-exported for the configuration's users (`SyncToConfig`, `ClientOptions`).
pub use rustls::ClientConfig;
use rustls::RootCertStore;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

/// Why the TLS configuration could not be built.
#[derive(Debug, thiserror::Error)]
pub enum TlsConfigError {
    #[error("cannot read the CA bundle {}: {source}", path.display())]
    ReadCa { path: PathBuf, source: std::io::Error },
    #[error("the CA bundle {} holds no certificate (expected PEM: -----BEGIN CERTIFICATE-----)", path.display())]
    NoCertificate { path: PathBuf },
    #[error("the CA bundle {} is not valid PEM: {reason}", path.display())]
    BadPem { path: PathBuf, reason: String },
    #[error("certificate {index} of the CA bundle {} cannot be a trust anchor: {reason}", path.display())]
    BadCa { path: PathBuf, index: usize, reason: String },
    #[error("no trusted root certificates: none could be read from the system ({system}) and no --sync-ca was given")]
    NoRoots { system: String },
    #[error("TLS setup: {0}")]
    Rustls(#[from] rustls::Error),
    #[error("HTTP client setup: {0}")]
    Http(String),
}

/// A TLS failure met while connecting, as the local node reports it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TlsFailure {
    /// The server's certificate was refused (unknown issuer, expired, wrong name…).
    #[error("the server's certificate is not trusted: {0}")]
    Certificate(String),
    /// Any other TLS error (handshake, protocol versions, alert from the server…).
    #[error("TLS handshake failed: {0}")]
    Handshake(String),
}

impl TlsFailure {
    /// What the user can do about it, for the log and the status.
    pub fn hint(&self) -> &'static str {
        match self {
            TlsFailure::Certificate(_) => {
                " (if the team server's certificate comes from a private CA, pass that CA's certificate with --sync-ca FILE)"
            }
            TlsFailure::Handshake(_) => "",
        }
    }
}

/// The ring provider, named explicitly: a build may hold more than one provider (tests pull aws-lc-rs through
/// reqwest's defaults), and then rustls has no process default to fall back on.
fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Makes ring the process's default rustls provider, for clients built without a configuration of ours
/// (e.g. `reqwest::Client::new()`). Harmless when a default is already set.
pub fn install_default_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// The certificates of a PEM bundle.
pub fn read_pem_bundle(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsConfigError> {
    let bytes = std::fs::read(path).map_err(|source| TlsConfigError::ReadCa { path: path.to_owned(), source })?;
    let certs = CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsConfigError::BadPem { path: path.to_owned(), reason: e.to_string() })?;
    if certs.is_empty() {
        return Err(TlsConfigError::NoCertificate { path: path.to_owned() });
    }
    Ok(certs)
}

/// A client configuration trusting the system's roots and the certificates of `extra_ca` (a PEM bundle).
/// System roots that cannot be read are logged and skipped; having no root at all is an error.
pub fn client_config(extra_ca: Option<&Path>) -> Result<Arc<ClientConfig>, TlsConfigError> {
    let mut roots = RootCertStore::empty();
    let system = rustls_native_certs::load_native_certs();
    for e in &system.errors {
        tracing::warn!(error = %e, "sync-to: could not read some of the system's root certificates");
    }
    let (added, ignored) = roots.add_parsable_certificates(system.certs);
    if ignored > 0 {
        tracing::debug!(added, ignored, "sync-to: system root certificates that rustls cannot use were skipped");
    }
    if let Some(path) = extra_ca {
        for (index, cert) in read_pem_bundle(path)?.into_iter().enumerate() {
            roots.add(cert).map_err(|e| TlsConfigError::BadCa {
                path: path.to_owned(),
                index: index + 1,
                reason: e.to_string(),
            })?;
        }
    }
    if roots.is_empty() {
        let system = match system.errors.first() {
            Some(e) => e.to_string(),
            None => "the system store is empty".to_owned(),
        };
        return Err(TlsConfigError::NoRoots { system });
    }
    let config = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// An HTTP client using `tls` for https (or, without one, good for plain http only: it trusts nothing).
pub fn http_client(tls: Option<&Arc<ClientConfig>>) -> Result<reqwest::Client, TlsConfigError> {
    let config = match tls {
        Some(c) => ClientConfig::clone(c),
        None => ClientConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()?
            .with_root_certificates(RootCertStore::empty())
            .with_no_client_auth(),
    };
    reqwest::Client::builder()
        .tls_backend_preconfigured(config)
        .build()
        .map_err(|e| TlsConfigError::Http(e.to_string()))
}

/// The TLS failure behind `err`, if it is one: rustls' error is looked for along the chain of sources,
/// including inside `std::io::Error`s (whose `source` skips the error they wrap).
pub fn failure(err: &(dyn StdError + 'static)) -> Option<TlsFailure> {
    let mut next = Some(err);
    while let Some(e) = next {
        if let Some(r) = e.downcast_ref::<rustls::Error>() {
            return Some(describe(r));
        }
        if let Some(io) = e.downcast_ref::<std::io::Error>()
            && let Some(inner) = io.get_ref()
        {
            if let Some(r) = inner.downcast_ref::<rustls::Error>() {
                return Some(describe(r));
            }
            next = Some(inner);
            continue;
        }
        next = e.source();
    }
    None
}

fn describe(e: &rustls::Error) -> TlsFailure {
    match e {
        rustls::Error::InvalidCertificate(c) => TlsFailure::Certificate(certificate_reason(c)),
        other => TlsFailure::Handshake(other.to_string()),
    }
}

fn certificate_reason(c: &rustls::CertificateError) -> String {
    use rustls::CertificateError as C;
    match c {
        C::UnknownIssuer => "it is signed by an unknown issuer (not a trusted root)".to_owned(),
        C::Expired | C::ExpiredContext { .. } => "it has expired".to_owned(),
        C::NotValidYet | C::NotValidYetContext { .. } => "it is not valid yet".to_owned(),
        C::NotValidForName | C::NotValidForNameContext { .. } => {
            "it is not valid for the team server's host name".to_owned()
        }
        C::Revoked => "it has been revoked".to_owned(),
        C::BadSignature => "its signature is invalid".to_owned(),
        other => format!("{other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bundle_without_certificates_is_a_clear_error() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("ca.pem");
        std::fs::write(&path, "not a certificate\n").expect("write");
        let err = client_config(Some(&path)).expect_err("no certificate");
        assert!(matches!(err, TlsConfigError::NoCertificate { .. }), "{err}");
        assert!(err.to_string().contains("BEGIN CERTIFICATE"), "{err}");
        let missing = dir.path().join("missing.pem");
        let err = client_config(Some(&missing)).expect_err("missing file");
        assert!(matches!(err, TlsConfigError::ReadCa { .. }), "{err}");
        std::fs::write(&path, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n").expect("write");
        let err = client_config(Some(&path)).expect_err("not a certificate");
        assert!(matches!(err, TlsConfigError::BadCa { index: 1, .. }), "{err}");
    }

    #[test]
    fn a_refused_certificate_is_found_inside_io_errors() {
        let rustls_error = rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer);
        let io = std::io::Error::new(std::io::ErrorKind::InvalidData, rustls_error);
        let outer = tokio_tungstenite::tungstenite::Error::Io(io);
        let found = failure(&outer).expect("found");
        assert!(matches!(found, TlsFailure::Certificate(_)), "{found:?}");
        assert!(found.hint().contains("--sync-ca"));
        let plain = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        assert_eq!(failure(&plain), None);
    }

    #[test]
    fn http_clients_build_without_a_process_default_provider() {
        http_client(None).expect("plain http client");
    }
}
