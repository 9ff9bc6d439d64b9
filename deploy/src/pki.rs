//! The cluster's certificate authority and what it issues: the
//! api-server's serving certificate and client certificates whose subject
//! names a user (CN) and its groups (O), as the real api-server reads them.
//!
//! Counterpart of kubeadm's `certs` phase (cmd/kubeadm/app/phases/certs).

use std::time::Duration;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use time::OffsetDateTime;

/// Result alias of this module.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Failures while making or reading certificates.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{what}: {source}")]
    Certificate {
        what: String,
        #[source]
        source: rcgen::Error,
    },
}

/// How long the authority is valid (kubeadm: ten years).
const AUTHORITY_VALIDITY: Duration = Duration::from_secs(10 * 365 * 24 * 3600);
/// How long issued certificates are valid (kubeadm: one year).
const LEAF_VALIDITY: Duration = Duration::from_secs(365 * 24 * 3600);
/// Clock skew tolerated between the machines of a cluster.
const BACKDATE: Duration = Duration::from_secs(3600);

/// A certificate and its private key, both PEM.
#[derive(Clone, Debug)]
pub struct Pem {
    pub cert: String,
    pub key: String,
}

/// A certificate authority able to issue certificates.
pub struct Authority {
    issuer: Issuer<'static, KeyPair>,
    pem: Pem,
}

fn error(what: impl Into<String>) -> impl FnOnce(rcgen::Error) -> Error {
    let what = what.into();
    move |source| Error::Certificate { what, source }
}

/// Parameters valid from a little before now for `validity`.
fn params(sans: Vec<String>, validity: Duration, what: &str) -> Result<CertificateParams> {
    let mut params = CertificateParams::new(sans).map_err(error(what))?;
    let now = OffsetDateTime::now_utc();
    params.not_before = now - BACKDATE;
    params.not_after = now + validity;
    Ok(params)
}

impl Authority {
    /// A new self-signed authority named `common_name`.
    pub fn generate(common_name: &str) -> Result<Self> {
        let key = KeyPair::generate().map_err(error("authority key"))?;
        let mut params = params(Vec::new(), AUTHORITY_VALIDITY, "authority")?;
        params
            .distinguished_name
            .push(DnType::CommonName, common_name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let cert = params.self_signed(&key).map_err(error("authority"))?;
        let pem = Pem {
            cert: cert.pem(),
            key: key.serialize_pem(),
        };
        Ok(Self {
            issuer: Issuer::new(params, key),
            pem,
        })
    }

    /// The authority stored as `pem`.
    pub fn load(pem: Pem) -> Result<Self> {
        let key = KeyPair::from_pem(&pem.key).map_err(error("authority key"))?;
        let issuer = Issuer::from_ca_cert_pem(&pem.cert, key).map_err(error("authority"))?;
        Ok(Self { issuer, pem })
    }

    /// The authority's own certificate and key.
    pub fn pem(&self) -> &Pem {
        &self.pem
    }

    /// A serving certificate for `hosts` (DNS names or IP addresses).
    pub fn issue_serving(&self, common_name: &str, hosts: &[String]) -> Result<Pem> {
        let mut params = params(hosts.to_vec(), LEAF_VALIDITY, common_name)?;
        params
            .distinguished_name
            .push(DnType::CommonName, common_name);
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        self.sign(params, common_name)
    }

    /// A client certificate for `user`, member of `group` when given (the
    /// names written here hold one organization each).
    pub fn issue_client(&self, user: &str, group: Option<&str>) -> Result<Pem> {
        let mut params = params(Vec::new(), LEAF_VALIDITY, user)?;
        params.distinguished_name.push(DnType::CommonName, user);
        if let Some(group) = group {
            params
                .distinguished_name
                .push(DnType::OrganizationName, group);
        }
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        self.sign(params, user)
    }

    fn sign(&self, mut params: CertificateParams, what: &str) -> Result<Pem> {
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        params.use_authority_key_identifier_extension = true;
        let key = KeyPair::generate().map_err(error(what))?;
        let cert = params.signed_by(&key, &self.issuer).map_err(error(what))?;
        Ok(Pem {
            cert: cert.pem(),
            key: key.serialize_pem(),
        })
    }
}
