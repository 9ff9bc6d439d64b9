//! The `scheduler` binary: flags, logging, then [`scheduler::run`].

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::Parser;
use kube::config::{KubeConfigOptions, Kubeconfig};
use scheduler::leader::LeaderElection;
use scheduler::{Config, run};

/// Kubernetes-compatible scheduler: binds pending pods to nodes.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Flags {
    /// Kubeconfig file; without it, $KUBECONFIG, ~/.kube/config or the
    /// in-cluster service account.
    #[arg(long)]
    kubeconfig: Option<PathBuf>,
    /// Pods whose spec.schedulerName is this are scheduled.
    #[arg(long, default_value = "default-scheduler")]
    scheduler_name: String,
    /// Hold a Lease before scheduling, so that one of several instances
    /// schedules.
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    leader_elect: bool,
    /// Namespace of the leader-election Lease.
    #[arg(long, default_value = "kube-system")]
    leader_elect_resource_namespace: String,
    /// Name of the leader-election Lease.
    #[arg(long, default_value = "kube-scheduler")]
    leader_elect_resource_name: String,
    /// Address serving /healthz and /metrics (plain HTTP).
    #[arg(long, default_value = "127.0.0.1:10259")]
    bind_address: SocketAddr,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let flags = Flags::parse();
    let kube_config = match &flags.kubeconfig {
        Some(path) => {
            let file = Kubeconfig::read_from(path)
                .with_context(|| format!("reading {}", path.display()))?;
            kube::Config::from_custom_kubeconfig(file, &KubeConfigOptions::default()).await?
        }
        None => kube::Config::infer()
            .await
            .context("finding a kubeconfig")?,
    };
    let client = kube::Client::try_from(kube_config).context("building the client")?;
    let host = std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "scheduler".into());
    let identity = format!("{host}_{:016x}", rand::random::<u64>());
    let leader_election = flags.leader_elect.then(|| LeaderElection {
        namespace: flags.leader_elect_resource_namespace.clone(),
        name: flags.leader_elect_resource_name.clone(),
        ..LeaderElection::new(identity.clone())
    });
    let http = tokio::net::TcpListener::bind(flags.bind_address)
        .await
        .with_context(|| format!("binding {}", flags.bind_address))?;
    tracing::info!(addr = %flags.bind_address, "serving /healthz and /metrics");
    run(
        Config {
            client,
            scheduler_name: flags.scheduler_name,
            identity,
            leader_election,
            http: Some(http),
        },
        shutdown_signal(),
    )
    .await?;
    Ok(())
}

/// SIGINT or SIGTERM: stop scheduling and give the lease up.
async fn shutdown_signal() {
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = terminate => {}
    }
}
