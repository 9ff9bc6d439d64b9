//! `scheduler-bench`: measures the scheduler against the real api-server.
//!
//! By default it starts the `api-server` binary (next to this one; plain
//! HTTP on loopback, RocksDB in a temporary directory) and the `scheduler`
//! binary as separate processes. It registers N simulated nodes (Node
//! objects with capacity and a Ready condition, and a Lease in
//! `kube-node-lease` renewed every 10 s, as a kubelet would; no containers
//! run), then creates M pods from concurrent clients and watches them.
//! It prints the pods scheduled per second (from the first create to the
//! last binding seen), the p50/p99 latency from the start of each create
//! request to its binding seen through the watch, and the scheduler
//! process's peak RSS (`VmHWM`).
//!
//! With `--kubeconfig` it targets a running cluster and scheduler instead
//! (the peak RSS is then not measured).

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::Parser;
use futures::StreamExt;
use jiff::Timestamp;
use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::core::v1::{Node, Pod};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::MicroTime;
use kube::Client;
use kube::api::{Api, Patch, PatchParams, PostParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::runtime::watcher;
use parking_lot::Mutex;
use serde_json::json;
use tokio::process::{Child, Command};
use tokio::time::Instant;

#[derive(Parser, Debug)]
#[command(about = "Benchmarks the scheduler against the api-server")]
struct Flags {
    /// Simulated nodes to register.
    #[arg(long, default_value_t = 1_000)]
    nodes: usize,
    /// Pods to create.
    #[arg(long, default_value_t = 10_000)]
    pods: usize,
    /// Concurrent creating clients.
    #[arg(long, default_value_t = 32)]
    clients: usize,
    /// Pods created per second at most (0: as fast as the clients go).
    #[arg(long, default_value_t = 0)]
    rate: u32,
    /// Target this cluster (with its scheduler running) instead of
    /// starting the api-server and scheduler binaries.
    #[arg(long)]
    kubeconfig: Option<PathBuf>,
}

/// The api-server and scheduler processes, killed on drop.
struct Processes {
    api_server: Child,
    scheduler: Child,
    dir: tempfile::TempDir,
}

impl Processes {
    async fn start() -> Result<(Self, Client)> {
        let dir = tempfile::tempdir()?;
        let bin = std::env::current_exe()?
            .parent()
            .context("bench binary directory")?
            .to_owned();
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let api_server = Command::new(bin.join("api-server"))
            .arg("--data-dir")
            .arg(dir.path().join("data"))
            .arg("--bind-address")
            .arg(format!("127.0.0.1:{port}"))
            .arg("--insecure-http")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .context(
                "starting api-server (build it with: cargo build --release -p api-server --bins)",
            )?;
        let server = format!("http://127.0.0.1:{port}");
        let client = Client::try_from(kube::Config::new(server.parse()?))?;
        wait_ready(&client).await?;
        let kubeconfig = dir.path().join("kubeconfig");
        std::fs::write(
            &kubeconfig,
            format!(
                "apiVersion: v1\nkind: Config\nclusters:\n- name: bench\n  cluster:\n    server: {server}\n\
                 users:\n- name: bench\n  user: {{}}\ncontexts:\n- name: bench\n  context:\n    cluster: bench\n    user: bench\n\
                 current-context: bench\n"
            ),
        )?;
        let metrics_port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let scheduler = Command::new(bin.join("scheduler"))
            .arg("--kubeconfig")
            .arg(&kubeconfig)
            .arg("--leader-elect=false")
            .arg("--bind-address")
            .arg(format!("127.0.0.1:{metrics_port}"))
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .context("starting scheduler")?;
        Ok((
            Processes {
                api_server,
                scheduler,
                dir,
            },
            client,
        ))
    }

    /// Peak resident set size of the scheduler in MiB (`VmHWM`).
    fn scheduler_peak_rss_mib(&self) -> Result<f64> {
        let pid = self.scheduler.id().context("scheduler exited")?;
        let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
        let kib: f64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.split_whitespace().next())
            .context("VmHWM in /proc status")?
            .parse()?;
        Ok(kib / 1024.0)
    }
}

async fn wait_ready(client: &Client) -> Result<()> {
    let nodes: Api<Node> = Api::all(client.clone());
    for _ in 0..200 {
        if nodes.list(&Default::default()).await.is_ok() {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    bail!("the api-server did not answer")
}

fn node_name(i: usize) -> String {
    format!("bench-node-{i}")
}

async fn register_nodes(client: &Client, count: usize, clients: usize) -> Result<()> {
    let nodes: Api<Node> = Api::all(client.clone());
    let leases: Api<Lease> = Api::namespaced(client.clone(), "kube-node-lease");
    let results: Vec<Result<()>> = futures::stream::iter(0..count)
        .map(|i| {
            let (nodes, leases) = (nodes.clone(), leases.clone());
            async move {
                let name = node_name(i);
                let node: Node = serde_json::from_value(json!({
                    "metadata": {"name": name, "labels": {
                        "kubernetes.io/hostname": name,
                        "topology.kubernetes.io/zone": format!("zone-{}", i % 3),
                    }},
                }))?;
                nodes.create(&PostParams::default(), &node).await?;
                let resources = json!({"cpu": "4", "memory": "16Gi", "pods": "110", "ephemeral-storage": "100Gi"});
                let status = json!({"status": {
                    "capacity": resources,
                    "allocatable": resources,
                    "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady"}],
                }});
                nodes
                    .patch_status(&name, &PatchParams::default(), &Patch::Merge(status))
                    .await?;
                let lease: Lease = serde_json::from_value(json!({
                    "metadata": {"name": name, "namespace": "kube-node-lease"},
                    "spec": {"holderIdentity": name, "leaseDurationSeconds": 40,
                             "renewTime": MicroTime(Timestamp::now())},
                }))?;
                leases.create(&PostParams::default(), &lease).await?;
                Ok(())
            }
        })
        .buffer_unordered(clients)
        .collect()
        .await;
    results.into_iter().collect()
}

/// Renews every node's Lease each 10 s, as kubelets do, until dropped.
fn renew_leases(client: &Client, count: usize) -> tokio::task::JoinHandle<()> {
    let leases: Api<Lease> = Api::namespaced(client.clone(), "kube-node-lease");
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(10));
        tick.tick().await;
        loop {
            tick.tick().await;
            futures::stream::iter(0..count)
                .for_each_concurrent(8, |i| {
                    let leases = leases.clone();
                    async move {
                        let patch = json!({"spec": {"renewTime": MicroTime(Timestamp::now())}});
                        let _ = leases
                            .patch(&node_name(i), &PatchParams::default(), &Patch::Merge(patch))
                            .await;
                    }
                })
                .await;
        }
    })
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() -> Result<()> {
    let flags = Flags::parse();
    let (processes, client) = match &flags.kubeconfig {
        Some(path) => {
            let file = Kubeconfig::read_from(path)?;
            let config =
                kube::Config::from_custom_kubeconfig(file, &KubeConfigOptions::default()).await?;
            (None, Client::try_from(config)?)
        }
        None => {
            let (processes, client) = Processes::start().await?;
            (Some(processes), client)
        }
    };

    let started = Instant::now();
    register_nodes(&client, flags.nodes, flags.clients).await?;
    println!(
        "nodes: {} registered in {:.2} s (Ready, leases renewed every 10 s)",
        flags.nodes,
        started.elapsed().as_secs_f64()
    );
    let _renewals = renew_leases(&client, flags.nodes);
    // Let the scheduler see every node before pods arrive.
    tokio::time::sleep(Duration::from_secs(1)).await;

    let count = flags.pods;
    let created: Arc<Mutex<Vec<Option<Instant>>>> = Arc::new(Mutex::new(vec![None; count]));
    let bound: Arc<Mutex<Vec<Option<Instant>>>> = Arc::new(Mutex::new(vec![None; count]));
    let pods: Api<Pod> = Api::namespaced(client.clone(), "default");
    let (all_bound, mut all_bound_rx) = tokio::sync::watch::channel(0usize);
    let watch = {
        let bound = bound.clone();
        let stream = watcher::watcher(pods.clone(), watcher::Config::default().labels("app=bench"));
        tokio::spawn(async move {
            let mut stream = std::pin::pin!(stream);
            let mut seen = 0;
            while let Some(event) = stream.next().await {
                let pod = match event {
                    Ok(watcher::Event::Apply(pod) | watcher::Event::InitApply(pod)) => pod,
                    _ => continue,
                };
                let at = Instant::now();
                let on_node = pod
                    .spec
                    .as_ref()
                    .and_then(|s| s.node_name.as_ref())
                    .is_some();
                let index = pod
                    .metadata
                    .name
                    .as_deref()
                    .and_then(|n| n.strip_prefix("bench-"))
                    .and_then(|n| n.parse::<usize>().ok());
                if let (true, Some(i)) = (on_node, index) {
                    let mut bound = bound.lock();
                    if let Some(slot @ None) = bound.get_mut(i) {
                        *slot = Some(at);
                        seen += 1;
                        let _ = all_bound.send(seen);
                    }
                }
            }
        })
    };
    tokio::time::sleep(Duration::from_millis(500)).await;

    let start = Instant::now();
    let rate = flags.rate;
    let results: Vec<Result<()>> = futures::stream::iter(0..count)
        .map(|i| {
            let (pods, created) = (pods.clone(), created.clone());
            async move {
                if rate > 0 {
                    tokio::time::sleep_until(
                        start + Duration::from_secs_f64(i as f64 / f64::from(rate)),
                    )
                    .await;
                }
                let pod: Pod = serde_json::from_value(json!({
                    "metadata": {"name": format!("bench-{i}"), "labels": {"app": "bench"}},
                    "spec": {"containers": [{"name": "app", "image": "registry.k8s.io/pause:3.10",
                        "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}}}]},
                }))?;
                created.lock()[i] = Some(Instant::now());
                pods.create(&PostParams::default(), &pod).await?;
                Ok(())
            }
        })
        .buffer_unordered(flags.clients)
        .collect()
        .await;
    let created_in = start.elapsed();
    results.into_iter().collect::<Result<Vec<()>>>()?;
    println!(
        "pods: {count} created in {:.2} s = {:.0} creates/s ({} clients{})",
        created_in.as_secs_f64(),
        count as f64 / created_in.as_secs_f64(),
        flags.clients,
        if rate > 0 {
            format!(", paced at {rate}/s")
        } else {
            String::new()
        }
    );

    let deadline = Duration::from_secs(600);
    let waited = tokio::time::timeout(deadline, all_bound_rx.wait_for(|n| *n >= count)).await;
    watch.abort();
    let created = created.lock().clone();
    let bound = bound.lock().clone();
    let done = bound.iter().flatten().count();
    if waited.is_err() {
        println!("only {done} of {count} pods bound within {deadline:?}");
    }
    let last = bound.iter().flatten().max().copied().unwrap_or(start);
    let mut latencies: Vec<Duration> = created
        .iter()
        .zip(&bound)
        .filter_map(|(c, b)| Some(b.as_ref()?.saturating_duration_since(*c.as_ref()?)))
        .collect();
    latencies.sort();
    let span = last.saturating_duration_since(start);
    println!(
        "scheduled: {done} pods on {} nodes in {:.2} s = {:.0} pods/s",
        flags.nodes,
        span.as_secs_f64(),
        done as f64 / span.as_secs_f64()
    );
    println!(
        "latency creation->bind: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        ms(percentile(&latencies, 0.50)),
        ms(percentile(&latencies, 0.99)),
        ms(latencies.last().copied().unwrap_or_default())
    );
    match &processes {
        Some(p) => println!(
            "scheduler peak RSS: {:.0} MiB (VmHWM of the scheduler process)",
            p.scheduler_peak_rss_mib()?
        ),
        None => println!("scheduler peak RSS: not measured (external cluster)"),
    }
    if let Some(p) = processes {
        let Processes {
            mut api_server,
            mut scheduler,
            dir,
        } = p;
        let _ = scheduler.kill().await;
        let _ = api_server.kill().await;
        drop(dir);
    }
    Ok(())
}
