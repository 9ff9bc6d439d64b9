//! `kube-pki`: makes (once) the cluster's certificate authority, the
//! api-server's serving certificate and the client certificates of the admin
//! and of each component, and (every time) their kubeconfigs.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Parser;
use deploy::kubeconfig::Kubeconfig;
use deploy::pki::{Authority, Pem};

/// Certificates and kubeconfigs of a cluster.
#[derive(Parser, Debug)]
#[command(about)]
struct Flags {
    /// Where certificates (pki/) and kubeconfigs go.
    #[arg(long)]
    dir: PathBuf,
    /// The api-server URL written into kubeconfigs.
    #[arg(long)]
    server: String,
    /// Extra names or addresses the serving certificate covers (the host's
    /// addresses); 127.0.0.1, localhost and the in-cluster names are always in.
    #[arg(long = "host")]
    hosts: Vec<String>,
    /// The first address of the service range (the `kubernetes` service).
    #[arg(long, default_value = "10.96.0.1")]
    service_ip: IpAddr,
}

/// Client identities: file stem, user (CN), group (O).
const CLIENTS: [(&str, &str, Option<&str>); 3] = [
    ("admin", "kubernetes-admin", Some("system:masters")),
    ("controller-manager", "system:kube-controller-manager", None),
    ("scheduler", "system:kube-scheduler", None),
];

/// Reads `stem.crt`/`stem.key` from `dir`, or makes and writes them.
fn pair(dir: &Path, stem: &str, make: impl FnOnce() -> anyhow::Result<Pem>) -> anyhow::Result<Pem> {
    let (cert, key) = (
        dir.join(format!("{stem}.crt")),
        dir.join(format!("{stem}.key")),
    );
    if cert.exists() && key.exists() {
        return Ok(Pem {
            cert: std::fs::read_to_string(&cert).with_context(|| cert.display().to_string())?,
            key: std::fs::read_to_string(&key).with_context(|| key.display().to_string())?,
        });
    }
    let pem = make()?;
    write_private(&key, &pem.key)?;
    std::fs::write(&cert, &pem.cert).with_context(|| cert.display().to_string())?;
    Ok(pem)
}

/// Writes a file only its owner may read.
fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .with_context(|| path.display().to_string())?;
    file.write_all(text.as_bytes())
        .with_context(|| path.display().to_string())
}

fn main() -> anyhow::Result<()> {
    let flags = Flags::parse();
    let pki = flags.dir.join("pki");
    std::fs::create_dir_all(&pki).with_context(|| pki.display().to_string())?;
    let ca = pair(&pki, "ca", || {
        Ok(Authority::generate("kubernetes")?.pem().clone())
    })?;
    let authority = Authority::load(ca.clone())?;
    let mut hosts: Vec<String> = [
        "127.0.0.1",
        "localhost",
        "kubernetes",
        "kubernetes.default",
        "kubernetes.default.svc",
        "kubernetes.default.svc.cluster.local",
    ]
    .map(str::to_owned)
    .to_vec();
    for host in std::iter::once(flags.service_ip.to_string()).chain(flags.hosts) {
        if !hosts.contains(&host) {
            hosts.push(host);
        }
    }
    pair(&pki, "apiserver", || {
        Ok(authority.issue_serving("kube-apiserver", &hosts)?)
    })?;
    for (stem, user, group) in CLIENTS {
        let credentials = pair(&pki, stem, || Ok(authority.issue_client(user, group)?))?;
        let config = Kubeconfig {
            cluster: "kube-rs",
            server: &flags.server,
            authority: &ca.cert,
            user: stem,
            credentials: &credentials,
        };
        write_private(
            &flags.dir.join(format!("{stem}.kubeconfig")),
            &config.render(),
        )?;
    }
    Ok(())
}
