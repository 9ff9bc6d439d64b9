//! Acknowledged writes survive `kill -9`: the real api-server binary takes a
//! burst of concurrent creates over HTTP, is killed mid-burst, restarts on the
//! same RocksDB directory, and must list every create it acknowledged, each
//! as a whole, valid object.

use std::collections::BTreeSet;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::ConfigMap;
use kube::Client;
use kube::api::{Api, ListParams, PostParams};

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn spawn(dir: &std::path::Path, port: u16) -> Child {
    Command::new(env!("CARGO_BIN_EXE_api-server"))
        .arg("--data-dir")
        .arg(dir)
        .arg("--bind-address")
        .arg(format!("127.0.0.1:{port}"))
        .arg("--insecure-http")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("api-server starts")
}

async fn client(port: u16) -> Client {
    let url = format!("http://127.0.0.1:{port}").parse().expect("url");
    let client = Client::try_from(kube::Config::new(url)).expect("client");
    let deadline = Instant::now() + Duration::from_secs(30);
    while client.apiserver_version().await.is_err() {
        assert!(Instant::now() < deadline, "api-server did not come up");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    client
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_kill_9() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let port = free_port();
    let mut server = spawn(dir.path(), port);
    let configmaps: Api<ConfigMap> = Api::namespaced(client(port).await, "default");

    let acknowledged = Arc::new(Mutex::new(BTreeSet::new()));
    let writers: Vec<_> = (0..16)
        .map(|writer| {
            let configmaps = configmaps.clone();
            let acknowledged = acknowledged.clone();
            tokio::spawn(async move {
                for i in 0.. {
                    let name = format!("w{writer}-{i}");
                    let object: ConfigMap = serde_json::from_value(serde_json::json!({
                        "metadata": {"name": name},
                        "data": {"payload": "x".repeat(512)},
                    }))
                    .expect("configmap");
                    match configmaps.create(&PostParams::default(), &object).await {
                        Ok(_) => {
                            acknowledged.lock().expect("lock").insert(name);
                        }
                        Err(_) => break,
                    }
                }
            })
        })
        .collect();
    // Let the burst run, then kill the server without warning.
    let started = Instant::now();
    while acknowledged.lock().expect("lock").len() < 200
        && started.elapsed() < Duration::from_secs(30)
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.kill().expect("kill -9");
    server.wait().expect("reaped");
    for writer in writers {
        writer.await.expect("writer task");
    }
    let acknowledged = acknowledged.lock().expect("lock").clone();
    assert!(
        acknowledged.len() >= 200,
        "burst too small: {}",
        acknowledged.len()
    );

    let mut restarted = spawn(dir.path(), port);
    let configmaps: Api<ConfigMap> = Api::namespaced(client(port).await, "default");
    let stored: BTreeSet<String> = configmaps
        .list(&ListParams::default())
        .await
        .expect("list after restart")
        .items
        .into_iter()
        .map(|c| {
            assert_eq!(
                c.data
                    .as_ref()
                    .and_then(|d| d.get("payload"))
                    .map(String::len),
                Some(512)
            );
            c.metadata.name.expect("name")
        })
        .collect();
    restarted.kill().expect("stop");
    restarted.wait().expect("reaped");
    let lost: Vec<_> = acknowledged.difference(&stored).collect();
    assert!(lost.is_empty(), "acknowledged but lost: {lost:?}");
}
