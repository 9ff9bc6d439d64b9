//! `api-bench`: measures the real api-server binary over HTTP on loopback.
//!
//! It starts `api-server` (the binary next to this one) on a temporary
//! RocksDB directory, then prints: pod creates per second with 32 concurrent
//! clients and their p50/p99 latency, LIST latency of all created pods, the
//! p99 delivery latency of one event to 1000 watchers, and the server's peak
//! RSS. Run it with `cargo run --release -p api-server --bin api-bench`.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use bytes::Bytes;
use clap::Parser;
use futures::StreamExt;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

type HttpClient = Client<HttpConnector, Full<Bytes>>;

#[derive(Parser, Debug)]
#[command(about = "Benchmarks the api-server over HTTP")]
struct Flags {
    /// Pods to create.
    #[arg(long, default_value_t = 10_000)]
    pods: usize,
    /// Concurrent creating clients.
    #[arg(long, default_value_t = 32)]
    clients: usize,
    /// Watchers for the fan-out measurement.
    #[arg(long, default_value_t = 1_000)]
    watchers: usize,
    /// LIST repetitions.
    #[arg(long, default_value_t = 20)]
    lists: usize,
}

struct ServerProcess {
    child: Child,
    base: String,
    dir: std::path::PathBuf,
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl ServerProcess {
    fn start() -> Result<Self> {
        let dir = std::env::temp_dir().join(format!("api-bench-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let binary = std::env::current_exe()?
            .parent()
            .context("bench binary directory")?
            .join("api-server");
        let child = Command::new(&binary)
            .arg("--data-dir")
            .arg(&dir)
            .arg("--bind-address")
            .arg(format!("127.0.0.1:{port}"))
            .arg("--insecure-http")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("starting {}", binary.display()))?;
        Ok(Self {
            child,
            base: format!("http://127.0.0.1:{port}"),
            dir,
        })
    }

    /// Peak resident set size in MiB (VmHWM).
    fn peak_rss_mib(&self) -> Result<f64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))?;
        let line = status
            .lines()
            .find(|l| l.starts_with("VmHWM:"))
            .context("VmHWM in /proc status")?;
        let kib: f64 = line
            .split_whitespace()
            .nth(1)
            .context("VmHWM value")?
            .parse()?;
        Ok(kib / 1024.0)
    }
}

async fn request(
    client: &HttpClient,
    method: &str,
    url: &str,
    body: Option<Bytes>,
) -> Result<(u16, Bytes)> {
    let request = http::Request::builder()
        .method(method)
        .uri(url)
        .header("content-type", "application/json")
        .body(Full::new(body.unwrap_or_default()))?;
    let response = client.request(request).await?;
    let status = response.status().as_u16();
    let body = response.into_body().collect().await?.to_bytes();
    Ok((status, body))
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

fn pod(name: &str) -> Bytes {
    serde_json::json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "bench", "labels": {"app": "bench"}},
        "spec": {"containers": [{"name": "app", "image": "busybox:1.32.0",
            "command": ["sh", "-c", "sleep 3600"]}]},
    })
    .to_string()
    .into()
}

#[tokio::main]
async fn main() -> Result<()> {
    let flags = Flags::parse();
    let server = ServerProcess::start()?;
    let client: HttpClient = Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(flags.clients * 2)
        .build_http();
    let base = server.base.clone();
    let started = Instant::now();
    while request(&client, "GET", &format!("{base}/readyz"), None)
        .await
        .is_err()
    {
        if started.elapsed() > Duration::from_secs(30) {
            bail!("api-server did not become ready");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let namespace =
        serde_json::json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "bench"}});
    request(
        &client,
        "POST",
        &format!("{base}/api/v1/namespaces"),
        Some(namespace.to_string().into()),
    )
    .await?;

    // Creates.
    let url = Arc::new(format!("{base}/api/v1/namespaces/bench/pods"));
    let per_client = flags.pods.div_ceil(flags.clients);
    let started = Instant::now();
    let tasks: Vec<_> = (0..flags.clients)
        .map(|c| {
            let client = client.clone();
            let url = url.clone();
            tokio::spawn(async move {
                let mut latencies = Vec::with_capacity(per_client);
                for i in 0..per_client {
                    let body = pod(&format!("p-{c}-{i}"));
                    let sent = Instant::now();
                    let (status, _) = request(&client, "POST", &url, Some(body)).await?;
                    if status != 201 {
                        bail!("create answered {status}");
                    }
                    latencies.push(sent.elapsed());
                }
                Ok::<_, anyhow::Error>(latencies)
            })
        })
        .collect();
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await??);
    }
    let elapsed = started.elapsed();
    latencies.sort_unstable();
    let created = latencies.len();
    println!(
        "creates: {created} pods with {} clients in {:.2} s = {:.0} creates/s, latency p50 {:.2} ms, p99 {:.2} ms",
        flags.clients,
        elapsed.as_secs_f64(),
        created as f64 / elapsed.as_secs_f64(),
        ms(percentile(&latencies, 0.50)),
        ms(percentile(&latencies, 0.99)),
    );

    // LIST of every pod.
    let mut lists = Vec::new();
    let mut resource_version = String::new();
    for _ in 0..flags.lists {
        let sent = Instant::now();
        let (status, body) = request(&client, "GET", &url, None).await?;
        lists.push(sent.elapsed());
        if status != 200 {
            bail!("list answered {status}");
        }
        let list: serde_json::Value = serde_json::from_slice(&body)?;
        let items = list["items"].as_array().map_or(0, Vec::len);
        if items != created {
            bail!("list returned {items} pods, expected {created}");
        }
        resource_version = list["metadata"]["resourceVersion"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
    }
    lists.sort_unstable();
    println!(
        "list: {created} pods, {} runs, latency p50 {:.1} ms, p99 {:.1} ms",
        flags.lists,
        ms(percentile(&lists, 0.50)),
        ms(percentile(&lists, 0.99)),
    );

    // Watch fan-out: every watcher waits for one event.
    let watch_url =
        format!("{url}?watch=1&resourceVersion={resource_version}&labelSelector=app%3Dfanout");
    let (ready_tx, mut ready_rx) = tokio::sync::mpsc::channel::<()>(flags.watchers);
    let watcher_client: HttpClient = Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(flags.watchers)
        .build_http();
    let watchers: Vec<_> = (0..flags.watchers)
        .map(|_| {
            let client = watcher_client.clone();
            let url = watch_url.clone();
            let ready = ready_tx.clone();
            tokio::spawn(async move {
                let request = http::Request::get(url).body(Full::new(Bytes::new()))?;
                let response = client.request(request).await?;
                ready.send(()).await.ok();
                let mut body = response.into_body().into_data_stream();
                while let Some(chunk) = body.next().await {
                    if !chunk?.is_empty() {
                        return Ok::<_, anyhow::Error>(Instant::now());
                    }
                }
                bail!("watch ended without an event")
            })
        })
        .collect();
    drop(ready_tx);
    for _ in 0..flags.watchers {
        ready_rx.recv().await.context("a watcher failed to start")?;
    }
    // Response headers arrive before the server registers the watch; give
    // registrations a moment to finish.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut event = serde_json::from_slice::<serde_json::Value>(&pod("fanout"))?;
    event["metadata"]["labels"]["app"] = "fanout".into();
    let sent = Instant::now();
    request(&client, "POST", &url, Some(event.to_string().into())).await?;
    let mut deliveries = Vec::new();
    for watcher in watchers {
        let received = tokio::time::timeout(Duration::from_secs(30), watcher).await???;
        deliveries.push(received.saturating_duration_since(sent));
    }
    deliveries.sort_unstable();
    println!(
        "watch: 1 event to {} watchers, delivery p50 {:.1} ms, p99 {:.1} ms",
        flags.watchers,
        ms(percentile(&deliveries, 0.50)),
        ms(percentile(&deliveries, 0.99)),
    );
    println!("api-server peak RSS: {:.0} MiB", server.peak_rss_mib()?);
    Ok(())
}
