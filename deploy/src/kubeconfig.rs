//! Kubeconfig files as kubectl and the client libraries read them, with the
//! certificates embedded so each file stands alone.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::pki::Pem;

/// One cluster, one user, one context, current.
pub struct Kubeconfig<'a> {
    pub cluster: &'a str,
    /// `https://host:port`.
    pub server: &'a str,
    /// The authority that signed the server's certificate.
    pub authority: &'a str,
    pub user: &'a str,
    pub credentials: &'a Pem,
}

impl Kubeconfig<'_> {
    /// The YAML text.
    pub fn render(&self) -> String {
        let encode = |text: &str| STANDARD.encode(text);
        format!(
            "apiVersion: v1
kind: Config
clusters:
- name: {cluster}
  cluster:
    server: {server}
    certificate-authority-data: {authority}
users:
- name: {user}
  user:
    client-certificate-data: {cert}
    client-key-data: {key}
contexts:
- name: {user}@{cluster}
  context:
    cluster: {cluster}
    user: {user}
    namespace: default
current-context: {user}@{cluster}
",
            cluster = self.cluster,
            server = self.server,
            authority = encode(self.authority),
            user = self.user,
            cert = encode(&self.credentials.cert),
            key = encode(&self.credentials.key),
        )
    }
}
