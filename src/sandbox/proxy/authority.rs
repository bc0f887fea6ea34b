//! The drill proxy's certificate authority: made fresh for each run, kept
//! in memory, able to vouch for `api.clickup.com` only.
//!
//! The CA's private key never leaves the process: only its certificate is
//! written (for the child to trust), and the leaf's key lives in the TLS
//! server's configuration. The CA is valid for a day around the run and
//! carries a name constraint permitting `api.clickup.com` alone, so a copy of
//! the certificate left behind is worth nothing to anyone else: no one holds
//! its key, and clients that honour name constraints would refuse any other
//! name it signed.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use base64::Engine;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, GeneralSubtree, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, NameConstraints,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use time::OffsetDateTime;

use super::{HOST, ProxyError};

/// How far before now the certificates are valid: a child whose clock is a
/// little behind still accepts them.
const VALID_BEFORE: time::Duration = time::Duration::hours(1);
/// How long after now they stay valid: a drill lasts a minute, not a day.
const VALID_AFTER: time::Duration = time::Duration::days(1);

/// A run's CA and the TLS server identity it signed for `api.clickup.com`.
pub(super) struct Authority {
    /// The CA certificate as PEM: what the child is told to trust.
    pub(super) ca_pem: String,
    /// A TLS server presenting the leaf, speaking HTTP/1.1 only (the world
    /// behind it is HTTP/1.1, and the tunnel relays bytes).
    pub(super) server: Arc<rustls::ServerConfig>,
}

impl Authority {
    /// Generates a CA named after `run` and a leaf for [`HOST`] signed by
    /// it, both valid around `now`.
    pub(super) fn generate(run: &str, now: OffsetDateTime) -> Result<Authority, ProxyError> {
        let ca_key = KeyPair::generate()?;
        let ca_params = ca_params(run, now)?;
        let ca_cert = ca_params.self_signed(&ca_key)?;
        let issuer = Issuer::new(ca_params, ca_key);
        let leaf_key = KeyPair::generate()?;
        let leaf_cert = leaf_params(now)?.signed_by(&leaf_key, &issuer)?;
        let leaf_private = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut server = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_single_cert(vec![CertificateDer::from(leaf_cert.der().to_vec())], leaf_private)?;
        server.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Authority { ca_pem: pem(ca_cert.der()), server: Arc::new(server) })
    }
}

/// The CA: may sign end-entity certificates (path length 0) for [`HOST`] only.
fn ca_params(run: &str, now: OffsetDateTime) -> Result<CertificateParams, ProxyError> {
    let mut params = CertificateParams::new(Vec::<String>::new())?;
    // A name of its own per run: a client that meets two drill CAs (one
    // left in a bundle) finds the right issuer by name.
    let name = format!("clickup-preflight drill CA {run} (one run, api.clickup.com only)");
    params.distinguished_name.push(DnType::CommonName, name);
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    params.name_constraints = Some(NameConstraints {
        permitted_subtrees: vec![GeneralSubtree::DnsName(HOST.to_owned())],
        excluded_subtrees: Vec::new(),
    });
    valid_around(&mut params, now);
    Ok(params)
}

/// The leaf: a TLS server certificate naming [`HOST`] in its SAN.
fn leaf_params(now: OffsetDateTime) -> Result<CertificateParams, ProxyError> {
    let mut params = CertificateParams::new(vec![HOST.to_owned()])?;
    params.distinguished_name.push(DnType::CommonName, HOST);
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.use_authority_key_identifier_extension = true;
    valid_around(&mut params, now);
    Ok(params)
}

fn valid_around(params: &mut CertificateParams, now: OffsetDateTime) {
    params.not_before = now - VALID_BEFORE;
    params.not_after = now + VALID_AFTER;
}

/// A certificate in PEM, the form every client's CA-bundle variable reads.
fn pem(der: &[u8]) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
    // Base64 is ASCII, so cutting at any byte keeps whole characters.
    for line in encoded.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str("-----END CERTIFICATE-----\n");
    out
}

/// The CA certificate on disk, in a directory of its own that only this
/// user can read; both are removed when this is dropped.
#[derive(Debug)]
pub(super) struct CaFile {
    dir: PathBuf,
    path: PathBuf,
}

impl CaFile {
    /// Writes `pem` to `ca.pem` in a new private directory, named after
    /// `run`, under the system's temporary directory. The directory is
    /// created, never reused: a name that already exists (someone else's, or
    /// a link) is an error, not a place to write.
    pub(super) fn write(pem: &str, run: &str) -> io::Result<CaFile> {
        let dir = std::env::temp_dir().join(format!("clickup-preflight-drill-{}-{run}", std::process::id()));
        private_dir(&dir)?;
        let ca = CaFile { path: dir.join("ca.pem"), dir };
        let mut file = private_file(&ca.path)?;
        file.write_all(pem.as_bytes())?;
        file.sync_all()?;
        Ok(ca)
    }

    /// Where the certificate is.
    pub(super) fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for CaFile {
    fn drop(&mut self) {
        if let Err(e) = fs::remove_dir_all(&self.dir) {
            tracing::debug!(error = %e, "the drill proxy's CA directory could not be removed");
        }
    }
}

/// A run's name: 16 random hex digits, so that the CA's name is its own and
/// the directory's name cannot be guessed ahead of the run.
pub(super) fn run_id() -> Result<String, ProxyError> {
    let mut bytes = [0u8; 8];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut bytes).map_err(|_| ProxyError::Randomness)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(unix)]
fn private_dir(dir: &Path) -> io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    fs::DirBuilder::new().mode(0o700).create(dir)
}

#[cfg(not(unix))]
fn private_dir(dir: &Path) -> io::Result<()> {
    fs::DirBuilder::new().create(dir)
}

#[cfg(unix)]
fn private_file(path: &Path) -> io::Result<fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)
}

#[cfg(not(unix))]
fn private_file(path: &Path) -> io::Result<fs::File> {
    fs::OpenOptions::new().write(true).create_new(true).open(path)
}
