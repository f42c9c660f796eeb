//! TLS: one rustls crypto provider (ring) for every connection arshif
//! makes, to PostgreSQL (`db::pg::tls`) and to an S3 bucket (`store::s3`).

use std::sync::Arc;

use rustls::crypto::CryptoProvider;

/// The crypto provider, installed as the process's default the first time
/// (the S3 client's HTTP client takes the process's default).
pub fn provider() -> Arc<CryptoProvider> {
    // An error means it is installed already.
    let _ = rustls::crypto::ring::default_provider().install_default();
    CryptoProvider::get_default()
        .cloned()
        .expect("a crypto provider was just installed")
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_provider_is_installed_as_the_default_and_offers_tls13_suites() {
        let p = super::provider();
        assert!(rustls::crypto::CryptoProvider::get_default().is_some());
        assert!(p
            .cipher_suites
            .iter()
            .any(|s| s.version() == &rustls::version::TLS13));
        // A second call finds it installed and returns the same one.
        assert!(std::sync::Arc::ptr_eq(&p, &super::provider()));
    }
}
