//! The `api-server` binary: flags, logging, then [`api_server::server::run`].

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use api_server::registry::core::service::{IpRange, PortRange, ServiceNetwork};
use api_server::server::{Config, StorageConfig, TlsFiles, Transport, run};
use api_server::storage::Options;
use api_server::storage::cacher::CacheOptions;
use clap::Parser;

/// Kubernetes-compatible API server.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Flags {
    /// Directory of the embedded RocksDB database.
    #[arg(long, default_value = "/var/lib/kube-rs/api-server")]
    data_dir: PathBuf,
    /// Keep everything in memory instead (lost at exit).
    #[arg(long)]
    in_memory: bool,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:6443")]
    bind_address: SocketAddr,
    /// Serving certificate (PEM chain) for HTTPS.
    #[arg(long, requires = "tls_private_key_file")]
    tls_cert_file: Option<PathBuf>,
    /// Private key (PEM) of the serving certificate.
    #[arg(long, requires = "tls_cert_file")]
    tls_private_key_file: Option<PathBuf>,
    /// Authority whose client certificates authenticate users (CN = user,
    /// O = groups).
    #[arg(long, requires = "tls_cert_file")]
    client_ca_file: Option<PathBuf>,
    /// Static bearer tokens, CSV lines `token,user,uid,"group1,group2"`.
    #[arg(long, requires = "tls_cert_file")]
    token_auth_file: Option<PathBuf>,
    /// Serve plain HTTP without authentication (loopback addresses only).
    #[arg(long, conflicts_with = "tls_cert_file")]
    insecure_http: bool,
    /// How long the revision log is kept for watch resumption, in seconds.
    #[arg(long, default_value_t = 300)]
    watch_window_seconds: u64,
    /// Fewest revision-log events always kept.
    #[arg(long, default_value_t = 10_000)]
    watch_window_min_events: u64,
    /// IPv4 CIDR service cluster IPs are allocated from.
    #[arg(long, default_value = "10.96.0.0/12")]
    service_cluster_ip_range: IpRange,
    /// Inclusive port range node ports are allocated from.
    #[arg(long, default_value = "30000-32767")]
    service_node_port_range: PortRange,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let flags = Flags::parse();
    let storage = if flags.in_memory {
        StorageConfig::Memory
    } else {
        std::fs::create_dir_all(&flags.data_dir)
            .with_context(|| format!("creating {}", flags.data_dir.display()))?;
        StorageConfig::RocksDb(flags.data_dir.clone())
    };
    let transport = match (flags.tls_cert_file, flags.tls_private_key_file) {
        (Some(cert), Some(key)) => Transport::Https(TlsFiles {
            cert,
            key,
            client_ca: flags.client_ca_file,
            token_file: flags.token_auth_file,
        }),
        _ if flags.insecure_http => Transport::InsecureHttp,
        _ => anyhow::bail!(
            "give --tls-cert-file and --tls-private-key-file, or --insecure-http on a loopback address"
        ),
    };
    let config = Config {
        storage,
        bind: flags.bind_address,
        transport,
        storage_options: Options {
            retention_window: Duration::from_secs(flags.watch_window_seconds),
            retention_min_events: flags.watch_window_min_events,
            ..Options::default()
        },
        cache_options: CacheOptions::default(),
        service_network: ServiceNetwork {
            cluster_ip_range: flags.service_cluster_ip_range,
            node_port_range: flags.service_node_port_range,
        },
    };
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .context("installing the SIGTERM handler")?;
    let shutdown = async move {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = terminate.recv() => {}
        }
        tracing::info!("shutting down");
    };
    run(config, shutdown).await.context("api-server failed")
}
