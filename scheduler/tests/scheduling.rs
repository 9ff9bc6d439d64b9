//! The scheduler against an in-process api-server (127.0.0.1:0, temporary
//! RocksDB), driven through the kube crate as any client would: every test
//! registers nodes, creates pods and looks at what the scheduler did (the
//! node bound, events, conditions, evictions).

use std::time::Duration;

use api_server::server::{Config as ServerConfig, Server, StorageConfig, Transport};
use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::core::v1::{Event, Node, Pod};
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use k8s_openapi::api::scheduling::v1::PriorityClass;
use kube::Client;
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams, PostParams};
use scheduler::leader::LeaderElection;
use serde_json::{Value, json};
use tokio::sync::oneshot;

struct TestCluster {
    client: Client,
    _dir: tempfile::TempDir,
    _server: oneshot::Sender<()>,
    /// Dropping it stops the scheduler.
    scheduler: Option<oneshot::Sender<()>>,
}

async fn api_server() -> (Client, tempfile::TempDir, oneshot::Sender<()>) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let config = ServerConfig {
        storage: StorageConfig::RocksDb(dir.path().to_owned()),
        bind: "127.0.0.1:0".parse().expect("address"),
        transport: Transport::InsecureHttp,
        storage_options: Default::default(),
        cache_options: Default::default(),
        service_network: Default::default(),
    };
    let server = Server::start(config).await.expect("server starts");
    let url = format!("http://{}", server.addr).parse().expect("url");
    let (shutdown, stopped) = oneshot::channel::<()>();
    tokio::spawn(server.serve(async {
        let _ = stopped.await;
    }));
    let mut config = kube::Config::new(url);
    config.default_retry = false;
    (Client::try_from(config).expect("client"), dir, shutdown)
}

fn start_scheduler(
    client: &Client,
    leader_election: Option<LeaderElection>,
) -> oneshot::Sender<()> {
    let (shutdown, stopped) = oneshot::channel::<()>();
    let config = scheduler::Config {
        client: client.clone(),
        scheduler_name: "default-scheduler".into(),
        identity: leader_election
            .as_ref()
            .map_or("test-scheduler".into(), |l| l.identity.clone()),
        leader_election,
        http: None,
    };
    tokio::spawn(async move {
        let result = scheduler::run(config, async {
            let _ = stopped.await;
        })
        .await;
        if let Err(error) = result {
            panic!("scheduler stopped: {error:?}");
        }
    });
    shutdown
}

async fn start() -> TestCluster {
    let (client, dir, server) = api_server().await;
    let scheduler = start_scheduler(&client, None);
    TestCluster {
        client,
        _dir: dir,
        _server: server,
        scheduler: Some(scheduler),
    }
}

impl TestCluster {
    fn pods(&self) -> Api<Pod> {
        Api::namespaced(self.client.clone(), "default")
    }

    /// Registers a Ready node with this allocatable cpu and memory (110
    /// pods) and these labels and taints.
    async fn node(&self, name: &str, cpu: &str, memory: &str, labels: Value, taints: Value) {
        add_node(&self.client, name, cpu, memory, labels, taints, true).await;
    }

    async fn pod(&self, spec: Value) -> Pod {
        let pod: Pod = serde_json::from_value(spec).expect("pod");
        self.pods()
            .create(&PostParams::default(), &pod)
            .await
            .expect("pod created")
    }

    /// Waits for `name` to be bound and returns its node.
    async fn bound(&self, name: &str) -> String {
        for _ in 0..200 {
            let pod = self.pods().get(name).await.expect("pod");
            if let Some(node) = pod.spec.and_then(|s| s.node_name) {
                return node;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("pod {name} was not bound");
    }

    /// Waits for the newest event `reason` about pod `name`; returns its
    /// message.
    async fn event(&self, name: &str, reason: &str) -> String {
        let events: Api<Event> = Api::namespaced(self.client.clone(), "default");
        for _ in 0..200 {
            let list = events.list(&ListParams::default()).await.expect("events");
            let found = list
                .items
                .into_iter()
                .filter(|e| {
                    e.involved_object.name.as_deref() == Some(name)
                        && e.reason.as_deref() == Some(reason)
                })
                .max_by_key(|e| e.event_time.as_ref().map(|t| t.0));
            if let Some(event) = found {
                assert_eq!(
                    event.source.and_then(|s| s.component).as_deref(),
                    Some("default-scheduler")
                );
                assert_eq!(
                    event.reporting_component.as_deref(),
                    Some("default-scheduler")
                );
                return event.message.unwrap_or_default();
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("no {reason} event for pod {name}");
    }

    /// Waits until pod `name` has the PodScheduled condition with `status`;
    /// returns its reason and message.
    async fn scheduled_condition(&self, name: &str, status: &str) -> (String, String) {
        for _ in 0..200 {
            let pod = self.pods().get(name).await.expect("pod");
            let condition = pod
                .status
                .and_then(|s| s.conditions)
                .into_iter()
                .flatten()
                .find(|c| c.type_ == "PodScheduled" && c.status == status);
            if let Some(c) = condition {
                return (c.reason.unwrap_or_default(), c.message.unwrap_or_default());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("pod {name} never got PodScheduled={status}");
    }

    /// The message of the pod's FailedScheduling event, once it says
    /// `expected` (earlier attempts may have seen fewer nodes).
    async fn failure(&self, name: &str, expected: &str) -> String {
        let mut message = String::new();
        for _ in 0..40 {
            message = self.event(name, "FailedScheduling").await;
            if message == expected {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        message
    }

    async fn unbound_after_a_while(&self, name: &str) {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let pod = self.pods().get(name).await.expect("pod");
        assert_eq!(
            pod.spec.and_then(|s| s.node_name),
            None,
            "{name} must stay pending"
        );
    }
}

async fn add_node(
    client: &Client,
    name: &str,
    cpu: &str,
    memory: &str,
    labels: Value,
    taints: Value,
    ready: bool,
) {
    let nodes: Api<Node> = Api::all(client.clone());
    let mut labels = labels;
    labels["kubernetes.io/hostname"] = json!(name);
    let node: Node = serde_json::from_value(json!({
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "labels": labels},
        "spec": {"taints": taints},
    }))
    .expect("node");
    nodes
        .create(&PostParams::default(), &node)
        .await
        .expect("node created");
    let resources =
        json!({"cpu": cpu, "memory": memory, "pods": "110", "ephemeral-storage": "10Gi"});
    let status = json!({"status": {
        "capacity": resources,
        "allocatable": resources,
        "conditions": [{"type": "Ready", "status": if ready { "True" } else { "False" }, "reason": "KubeletReady"}],
    }});
    nodes
        .patch_status(name, &PatchParams::default(), &Patch::Merge(status))
        .await
        .expect("node status");
}

fn pod(name: &str, cpu: &str) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": {"app": name}},
        "spec": {"containers": [{"name": "app", "image": "busybox", "resources": {"requests": {"cpu": cpu, "memory": "64Mi"}}}]},
    })
}

fn with(mut base: Value, path: &[&str], value: Value) -> Value {
    let mut at = &mut base;
    for key in &path[..path.len() - 1] {
        at = &mut at[*key];
    }
    at[path[path.len() - 1]] = value;
    base
}

#[tokio::test]
async fn binds_a_pod_and_reports_it() {
    let c = start().await;
    c.node("node1", "1", "1Gi", json!({}), json!([])).await;
    c.node("node2", "4", "8Gi", json!({}), json!([])).await;
    c.pod(pod("web", "2")).await;
    assert_eq!(c.bound("web").await, "node2");
    assert_eq!(
        c.event("web", "Scheduled").await,
        "Successfully assigned default/web to node2"
    );
    c.scheduled_condition("web", "True").await;
}

#[tokio::test]
async fn failure_lists_every_reason_and_a_new_node_lets_the_pod_fit() {
    let c = start().await;
    let taint = json!([{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}]);
    c.node("small", "1", "1Gi", json!({}), json!([])).await;
    c.node("gpu1", "8", "8Gi", json!({}), taint.clone()).await;
    c.node("gpu2", "8", "8Gi", json!({}), taint).await;
    c.pod(pod("big", "2")).await;
    let expected = "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint {dedicated: gpu}. \
                    preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, \
                    2 Preemption is not helpful for scheduling..";
    assert_eq!(c.failure("big", expected).await, expected);
    let (reason, message) = c.scheduled_condition("big", "False").await;
    assert_eq!(reason, "Unschedulable");
    assert_eq!(message, expected);
    // A node that fits arrives: the pod is tried again at once.
    c.node("large", "4", "4Gi", json!({}), json!([])).await;
    assert_eq!(c.bound("big").await, "large");
}

#[tokio::test]
async fn cordoned_and_not_ready_nodes_are_skipped() {
    let c = start().await;
    c.node("cordoned", "4", "4Gi", json!({}), json!([])).await;
    let nodes: Api<Node> = Api::all(c.client.clone());
    nodes
        .patch(
            "cordoned",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"unschedulable": true}})),
        )
        .await
        .expect("cordon");
    add_node(
        &c.client,
        "notready",
        "4",
        "4Gi",
        json!({}),
        json!([]),
        false,
    )
    .await;
    c.pod(pod("p", "100m")).await;
    let expected = "0/2 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/not-ready: }, \
                    1 node(s) were unschedulable. preemption: 0/2 nodes are available: \
                    2 Preemption is not helpful for scheduling..";
    assert_eq!(c.failure("p", expected).await, expected);
    // A pod tolerating the cordon goes to the cordoned node.
    c.pod(with(
        pod("tolerant", "100m"),
        &["spec", "tolerations"],
        json!([{"key": "node.kubernetes.io/unschedulable", "operator": "Exists", "effect": "NoSchedule"}]),
    ))
    .await;
    assert_eq!(c.bound("tolerant").await, "cordoned");
}

#[tokio::test]
async fn taints_need_tolerations() {
    let c = start().await;
    c.node("plain", "1", "1Gi", json!({}), json!([])).await;
    c.node(
        "special",
        "8",
        "8Gi",
        json!({}),
        json!([{"key": "team", "value": "ml", "effect": "NoExecute"}]),
    )
    .await;
    // Only the tainted node has room; the tolerating pod lands there.
    c.pod(with(
        pod("ml", "2"),
        &["spec", "tolerations"],
        json!([{"key": "team", "operator": "Equal", "value": "ml", "effect": "NoExecute"}]),
    ))
    .await;
    assert_eq!(c.bound("ml").await, "special");
    c.pod(pod("other", "2")).await;
    let expected = "0/2 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint {team: ml}. \
                    preemption: 0/2 nodes are available: 1 No preemption victims found for incoming pod, \
                    1 Preemption is not helpful for scheduling..";
    assert_eq!(c.failure("other", expected).await, expected);
}

#[tokio::test]
async fn node_selector_and_node_affinity() {
    let c = start().await;
    c.node(
        "a",
        "4",
        "4Gi",
        json!({"zone": "z1", "disk": "hdd"}),
        json!([]),
    )
    .await;
    c.node(
        "b",
        "4",
        "4Gi",
        json!({"zone": "z2", "disk": "ssd"}),
        json!([]),
    )
    .await;
    c.node(
        "c",
        "4",
        "4Gi",
        json!({"zone": "z3", "disk": "ssd"}),
        json!([]),
    )
    .await;
    c.pod(with(
        pod("selected", "100m"),
        &["spec", "nodeSelector"],
        json!({"disk": "hdd"}),
    ))
    .await;
    assert_eq!(c.bound("selected").await, "a");
    // Required: zone in (z2, z3); preferred: z3.
    let affinity = json!({"nodeAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
            {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["z2", "z3"]}]}
        ]},
        "preferredDuringSchedulingIgnoredDuringExecution": [
            {"weight": 100, "preference": {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["z3"]}]}}
        ],
    }});
    for i in 0..3 {
        let name = format!("pref{i}");
        c.pod(with(
            pod(&name, "100m"),
            &["spec", "affinity"],
            affinity.clone(),
        ))
        .await;
        assert_eq!(c.bound(&name).await, "c");
    }
    c.pod(with(
        pod("nowhere", "100m"),
        &["spec", "nodeSelector"],
        json!({"disk": "nvme"}),
    ))
    .await;
    let expected = "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector. \
                    preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling..";
    assert_eq!(c.failure("nowhere", expected).await, expected);
}

#[tokio::test]
async fn init_containers_and_sidecars_count_as_kubelet_admits_them() {
    let c = start().await;
    c.node("n", "2", "4Gi", json!({}), json!([])).await;
    // Init peak 3 cpu does not fit in 2.
    let too_big = with(
        pod("init-heavy", "500m"),
        &["spec", "initContainers"],
        json!([{"name": "init", "image": "busybox", "resources": {"requests": {"cpu": "3"}}}]),
    );
    c.pod(too_big).await;
    let expected = "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: \
                    1 No preemption victims found for incoming pod..";
    assert_eq!(c.failure("init-heavy", expected).await, expected);
    // Init 1.5 cpu, then 1 cpu container: the peak is 1.5 and fits.
    let fits = with(
        pod("init-light", "1"),
        &["spec", "initContainers"],
        json!([{"name": "init", "image": "busybox", "resources": {"requests": {"cpu": "1500m"}}}]),
    );
    c.pod(fits).await;
    assert_eq!(c.bound("init-light").await, "n");
    // A 600m sidecar runs next to the 500m container: 1.1 cpu > 1 left.
    let sidecar = with(
        pod("sidecar", "500m"),
        &["spec", "initContainers"],
        json!([{"name": "proxy", "image": "busybox", "restartPolicy": "Always", "resources": {"requests": {"cpu": "600m"}}}]),
    );
    c.pod(sidecar).await;
    c.unbound_after_a_while("sidecar").await;
    let message = c.event("sidecar", "FailedScheduling").await;
    assert!(
        message.starts_with("0/1 nodes are available: 1 Insufficient cpu."),
        "{message}"
    );
}

#[tokio::test]
async fn host_ports_conflict() {
    let c = start().await;
    c.node("a", "4", "4Gi", json!({}), json!([])).await;
    c.node("b", "4", "4Gi", json!({}), json!([])).await;
    let ported = |name: &str| {
        with(
            pod(name, "100m"),
            &["spec", "containers"],
            json!([{"name": "app", "image": "busybox", "ports": [{"containerPort": 80, "hostPort": 8080}]}]),
        )
    };
    c.pod(ported("p1")).await;
    let first = c.bound("p1").await;
    c.pod(ported("p2")).await;
    let second = c.bound("p2").await;
    assert_ne!(first, second);
    c.pod(ported("p3")).await;
    let expected = "0/2 nodes are available: 2 node(s) didn't have free ports for the requested pod ports. \
                    preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod..";
    assert_eq!(c.failure("p3", expected).await, expected);
}

#[tokio::test]
async fn pod_anti_affinity_and_affinity() {
    let c = start().await;
    for (name, zone) in [("a", "z1"), ("b", "z1"), ("c", "z2")] {
        c.node(name, "4", "4Gi", json!({"zone": zone}), json!([]))
            .await;
    }
    let anti = json!({"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
        {"labelSelector": {"matchLabels": {"app": "cache"}}, "topologyKey": "kubernetes.io/hostname"}
    ]}});
    let mut nodes = Vec::new();
    for i in 0..3 {
        let name = format!("cache{i}");
        let spec = with(
            pod(&name, "100m"),
            &["metadata", "labels"],
            json!({"app": "cache"}),
        );
        c.pod(with(spec, &["spec", "affinity"], anti.clone())).await;
        nodes.push(c.bound(&name).await);
    }
    nodes.sort();
    assert_eq!(nodes, ["a", "b", "c"]);
    let spec = with(
        pod("cache3", "100m"),
        &["metadata", "labels"],
        json!({"app": "cache"}),
    );
    c.pod(with(spec, &["spec", "affinity"], anti)).await;
    // The running replicas' own anti-affinity is checked first.
    let expected = "0/3 nodes are available: 3 node(s) didn't satisfy existing pods anti-affinity rules. \
                    preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod..";
    assert_eq!(c.failure("cache3", expected).await, expected);

    // Affinity to the zone of the database pod.
    c.pod(with(
        pod("db", "100m"),
        &["spec", "nodeSelector"],
        json!({"kubernetes.io/hostname": "c"}),
    ))
    .await;
    assert_eq!(c.bound("db").await, "c");
    let near = json!({"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
        {"labelSelector": {"matchLabels": {"app": "db"}}, "topologyKey": "zone"}
    ]}});
    for i in 0..3 {
        let name = format!("near{i}");
        c.pod(with(
            pod(&name, "100m"),
            &["spec", "affinity"],
            near.clone(),
        ))
        .await;
        assert_eq!(c.bound(&name).await, "c");
    }
    let lonely = json!({"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
        {"labelSelector": {"matchLabels": {"app": "missing"}}, "topologyKey": "zone"}
    ]}});
    c.pod(with(pod("lonely", "100m"), &["spec", "affinity"], lonely))
        .await;
    let expected = "0/3 nodes are available: 3 node(s) didn't match pod affinity rules. \
                    preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling..";
    assert_eq!(c.failure("lonely", expected).await, expected);
}

#[tokio::test]
async fn preferred_pod_affinity_scores() {
    let c = start().await;
    for name in ["a", "b", "c"] {
        c.node(name, "4", "4Gi", json!({}), json!([])).await;
    }
    c.pod(with(
        pod("web", "100m"),
        &["spec", "nodeSelector"],
        json!({"kubernetes.io/hostname": "b"}),
    ))
    .await;
    assert_eq!(c.bound("web").await, "b");
    let near = json!({"podAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
        {"weight": 100, "podAffinityTerm": {"labelSelector": {"matchLabels": {"app": "web"}}, "topologyKey": "kubernetes.io/hostname"}}
    ]}});
    for i in 0..3 {
        let name = format!("near{i}");
        c.pod(with(
            pod(&name, "100m"),
            &["spec", "affinity"],
            near.clone(),
        ))
        .await;
        assert_eq!(c.bound(&name).await, "b");
    }
}

#[tokio::test]
async fn topology_spread_constraints() {
    let c = start().await;
    for (name, zone) in [("a1", "z1"), ("a2", "z1"), ("b1", "z2")] {
        c.node(name, "8", "8Gi", json!({"zone": zone}), json!([]))
            .await;
    }
    let spread = json!([{"maxSkew": 1, "topologyKey": "zone", "whenUnsatisfiable": "DoNotSchedule",
                         "labelSelector": {"matchLabels": {"app": "spread"}}}]);
    let mut zones = std::collections::BTreeMap::<&str, i32>::new();
    for i in 0..6 {
        let name = format!("s{i}");
        let spec = with(
            pod(&name, "100m"),
            &["metadata", "labels"],
            json!({"app": "spread"}),
        );
        c.pod(with(
            spec,
            &["spec", "topologySpreadConstraints"],
            spread.clone(),
        ))
        .await;
        let node = c.bound(&name).await;
        *zones
            .entry(if node == "b1" { "z2" } else { "z1" })
            .or_default() += 1;
        let skew =
            (zones.get("z1").copied().unwrap_or(0) - zones.get("z2").copied().unwrap_or(0)).abs();
        assert!(skew <= 1, "after {name}: {zones:?}");
    }
    // A node without the zone label cannot take part.
    let nodes: Api<Node> = Api::all(c.client.clone());
    for name in ["a1", "a2", "b1"] {
        nodes
            .patch(
                name,
                &PatchParams::default(),
                &Patch::Merge(json!({"spec": {"unschedulable": true}})),
            )
            .await
            .expect("cordon");
    }
    c.node("nolabel", "8", "8Gi", json!({}), json!([])).await;
    let spec = with(
        pod("s6", "100m"),
        &["metadata", "labels"],
        json!({"app": "spread"}),
    );
    c.pod(with(spec, &["spec", "topologySpreadConstraints"], spread))
        .await;
    let expected = "0/4 nodes are available: 1 node(s) didn't match pod topology spread constraints (missing required label), \
                    3 node(s) were unschedulable. preemption: 0/4 nodes are available: \
                    4 Preemption is not helpful for scheduling..";
    assert_eq!(c.failure("s6", expected).await, expected);
}

#[tokio::test]
async fn pods_bound_directly_use_resources_and_least_allocated_wins() {
    let c = start().await;
    c.node("a", "4", "8Gi", json!({}), json!([])).await;
    c.node("b", "4", "8Gi", json!({}), json!([])).await;
    // Bound without the scheduler: nodeName set at creation.
    c.pod(with(pod("direct", "3"), &["spec", "nodeName"], json!("a")))
        .await;
    let events: Api<Event> = Api::namespaced(c.client.clone(), "default");
    for i in 0..3 {
        let name = format!("p{i}");
        c.pod(pod(&name, "500m")).await;
        assert_eq!(
            c.bound(&name).await,
            "b",
            "{name} goes to the less used node"
        );
    }
    let direct_events = events
        .list(&ListParams::default())
        .await
        .expect("events")
        .items
        .into_iter()
        .filter(|e| e.involved_object.name.as_deref() == Some("direct"))
        .count();
    assert_eq!(
        direct_events, 0,
        "a pod with nodeName is not the scheduler's"
    );
}

#[tokio::test]
async fn balanced_allocation_prefers_even_use() {
    let c = start().await;
    c.node("a", "4", "4Gi", json!({}), json!([])).await;
    c.node("b", "4", "4Gi", json!({}), json!([])).await;
    // a: cpu half used, memory free; b: both a quarter used.
    let cpu_heavy = json!([{"name": "app", "image": "busybox", "resources": {"requests": {"cpu": "2", "memory": "1Mi"}}}]);
    c.pod(with(
        with(pod("cpu", "1"), &["spec", "containers"], cpu_heavy),
        &["spec", "nodeName"],
        json!("a"),
    ))
    .await;
    let even = json!([{"name": "app", "image": "busybox", "resources": {"requests": {"cpu": "1", "memory": "1Gi"}}}]);
    c.pod(with(
        with(pod("even", "1"), &["spec", "containers"], even),
        &["spec", "nodeName"],
        json!("b"),
    ))
    .await;
    // Needs memory only: least-allocated ties (a: 50+~75, b: 75+75 ...);
    // balanced allocation favours evening out a.
    let memory = json!([{"name": "app", "image": "busybox", "resources": {"requests": {"cpu": "10m", "memory": "2Gi"}}}]);
    c.pod(with(pod("mem", "1"), &["spec", "containers"], memory))
        .await;
    assert_eq!(c.bound("mem").await, "a");
}

#[tokio::test]
async fn pods_of_one_controller_spread_over_nodes() {
    let c = start().await;
    for name in ["a", "b", "c"] {
        c.node(name, "64", "64Gi", json!({}), json!([])).await;
    }
    // Unrelated load on a and b, so least-allocated alone would pick c.
    for (name, node) in [("load-a", "a"), ("load-b", "b")] {
        c.pod(with(pod(name, "2"), &["spec", "nodeName"], json!(node)))
            .await;
    }
    let owner = json!([{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "rs", "uid": "6a1f1b7c-0000-4000-8000-000000000001", "controller": true}]);
    let mut nodes = Vec::new();
    for i in 0..3 {
        let name = format!("rs-{i}");
        c.pod(with(
            pod(&name, "10m"),
            &["metadata", "ownerReferences"],
            owner.clone(),
        ))
        .await;
        nodes.push(c.bound(&name).await);
    }
    nodes.sort();
    assert_eq!(nodes, ["a", "b", "c"], "one replica per node");
}

#[tokio::test]
async fn other_schedulers_pods_are_left_alone() {
    let c = start().await;
    c.node("a", "4", "4Gi", json!({}), json!([])).await;
    c.pod(with(
        pod("theirs", "100m"),
        &["spec", "schedulerName"],
        json!("other-scheduler"),
    ))
    .await;
    c.pod(pod("ours", "100m")).await;
    assert_eq!(c.bound("ours").await, "a");
    c.unbound_after_a_while("theirs").await;
    let events: Api<Event> = Api::namespaced(c.client.clone(), "default");
    let list = events.list(&ListParams::default()).await.expect("events");
    assert!(
        !list
            .items
            .iter()
            .any(|e| e.involved_object.name.as_deref() == Some("theirs"))
    );
}

async fn priority_class(client: &Client, name: &str, value: i32) {
    let classes: Api<PriorityClass> = Api::all(client.clone());
    let class: PriorityClass = serde_json::from_value(json!({
        "apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass",
        "metadata": {"name": name}, "value": value,
    }))
    .expect("class");
    classes
        .create(&PostParams::default(), &class)
        .await
        .expect("class created");
}

/// Stands in for the kubelet: removes pods marked for deletion.
async fn finish_terminating(pods: &Api<Pod>, name: &str) -> bool {
    for _ in 0..200 {
        match pods.get_opt(name).await.expect("get") {
            None => return true,
            Some(pod) if pod.metadata.deletion_timestamp.is_some() => {
                let _ = pods
                    .delete(
                        name,
                        &DeleteParams {
                            grace_period_seconds: Some(0),
                            ..DeleteParams::default()
                        },
                    )
                    .await;
                return true;
            }
            Some(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
    false
}

#[tokio::test]
async fn high_priority_pods_preempt_and_are_nominated() {
    let c = start().await;
    priority_class(&c.client, "high", 1000).await;
    c.node("a", "2", "4Gi", json!({}), json!([])).await;
    c.pod(with(pod("low", "1500m"), &["spec", "nodeName"], json!("a")))
        .await;
    c.pod(with(
        pod("urgent", "1"),
        &["spec", "priorityClassName"],
        json!("high"),
    ))
    .await;
    let pods = c.pods();
    assert!(
        finish_terminating(&pods, "low").await,
        "the low-priority pod is evicted"
    );
    assert_eq!(c.bound("urgent").await, "a");
    let urgent = pods.get("urgent").await.expect("pod");
    assert_eq!(
        urgent.status.and_then(|s| s.nominated_node_name).as_deref(),
        Some("a")
    );
    let uid = urgent.metadata.uid.unwrap_or_default();
    assert_eq!(
        c.event("low", "Preempted").await,
        format!("Preempted by pod {uid} on node a")
    );

    // Pods of equal or higher priority are not preempted.
    c.pod(with(
        pod("peer", "1500m"),
        &["spec", "priorityClassName"],
        json!("high"),
    ))
    .await;
    let expected = "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: \
                    1 No preemption victims found for incoming pod..";
    assert_eq!(c.failure("peer", expected).await, expected);
}

#[tokio::test]
async fn preemption_spares_pods_protected_by_a_disruption_budget() {
    let c = start().await;
    priority_class(&c.client, "high", 1000).await;
    c.node("a", "2", "4Gi", json!({}), json!([])).await;
    c.node("b", "2", "4Gi", json!({}), json!([])).await;
    let pdb: PodDisruptionBudget = serde_json::from_value(json!({
        "apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
        "metadata": {"name": "protect", "namespace": "default"},
        "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app": "protected"}}},
    }))
    .expect("pdb");
    Api::<PodDisruptionBudget>::namespaced(c.client.clone(), "default")
        .create(&PostParams::default(), &pdb)
        .await
        .expect("pdb created");
    let protected = with(
        pod("protected", "1500m"),
        &["metadata", "labels"],
        json!({"app": "protected"}),
    );
    c.pod(with(protected, &["spec", "nodeName"], json!("a")))
        .await;
    c.pod(with(
        pod("spare", "1500m"),
        &["spec", "nodeName"],
        json!("b"),
    ))
    .await;
    c.pod(with(
        pod("urgent", "1"),
        &["spec", "priorityClassName"],
        json!("high"),
    ))
    .await;
    let pods = c.pods();
    assert!(finish_terminating(&pods, "spare").await);
    assert_eq!(c.bound("urgent").await, "b");
    let protected = pods.get("protected").await.expect("protected pod");
    assert!(protected.metadata.deletion_timestamp.is_none());
}

#[tokio::test]
async fn preemption_policy_never_waits() {
    let c = start().await;
    let classes: Api<PriorityClass> = Api::all(c.client.clone());
    let class: PriorityClass = serde_json::from_value(json!({
        "apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass",
        "metadata": {"name": "polite"}, "value": 1000, "preemptionPolicy": "Never",
    }))
    .expect("class");
    classes
        .create(&PostParams::default(), &class)
        .await
        .expect("class created");
    c.node("a", "2", "4Gi", json!({}), json!([])).await;
    c.pod(with(pod("low", "1500m"), &["spec", "nodeName"], json!("a")))
        .await;
    c.pod(with(
        pod("polite", "1"),
        &["spec", "priorityClassName"],
        json!("polite"),
    ))
    .await;
    let expected = "0/1 nodes are available: 1 Insufficient cpu. \
                    preemption: not eligible due to preemptionPolicy=Never..";
    assert_eq!(c.failure("polite", expected).await, expected);
    let low = c.pods().get("low").await.expect("low");
    assert!(low.metadata.deletion_timestamp.is_none());
    // Freed room lets it in.
    c.pods()
        .delete(
            "low",
            &DeleteParams {
                grace_period_seconds: Some(0),
                ..DeleteParams::default()
            },
        )
        .await
        .expect("delete");
    assert_eq!(c.bound("polite").await, "a");
}

#[tokio::test]
async fn only_the_lease_holder_schedules() {
    let (client, dir, server) = api_server().await;
    add_node(&client, "a", "4", "4Gi", json!({}), json!([]), true).await;
    let election = |identity: &str| LeaderElection {
        lease_duration: Duration::from_secs(2),
        renew_deadline: Duration::from_secs(1),
        retry_period: Duration::from_millis(200),
        ..LeaderElection::new(identity.into())
    };
    let mut c = TestCluster {
        client: client.clone(),
        _dir: dir,
        _server: server,
        scheduler: Some(start_scheduler(&client, Some(election("first")))),
    };
    let leases: Api<Lease> = Api::namespaced(client.clone(), "kube-system");
    let mut holder = None;
    for _ in 0..100 {
        holder = leases
            .get_opt("kube-scheduler")
            .await
            .expect("lease")
            .and_then(|l| l.spec)
            .and_then(|s| s.holder_identity);
        if holder.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(holder.as_deref(), Some("first"));
    let _second = start_scheduler(&client, Some(election("second")));
    let pods: Api<Pod> = Api::namespaced(client.clone(), "default");
    let p: Pod = serde_json::from_value(pod("p", "100m")).expect("pod");
    pods.create(&PostParams::default(), &p).await.expect("pod");
    assert_eq!(c.bound("p").await, "a");
    // The first steps down and releases the lease; the second takes over.
    c.scheduler.take();
    for _ in 0..100 {
        holder = leases
            .get("kube-scheduler")
            .await
            .expect("lease")
            .spec
            .and_then(|s| s.holder_identity);
        if holder.as_deref() == Some("second") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(holder.as_deref(), Some("second"));
    let q: Pod = serde_json::from_value(pod("q", "100m")).expect("pod");
    pods.create(&PostParams::default(), &q).await.expect("pod");
    assert_eq!(c.bound("q").await, "a");
}

#[tokio::test]
async fn repeated_failures_count_up_one_event() {
    let c = start().await;
    c.node("small", "1", "1Gi", json!({}), json!([])).await;
    c.pod(pod("big", "2")).await;
    let message = c.event("big", "FailedScheduling").await;
    // A node change sends the pod back to the queue; it fails the same way.
    let nodes: Api<Node> = Api::all(c.client.clone());
    let events: Api<Event> = Api::namespaced(c.client.clone(), "default");
    for attempt in 0..100 {
        nodes
            .patch(
                "small",
                &PatchParams::default(),
                &Patch::Merge(json!({"metadata": {"labels": {"attempt": attempt.to_string()}}})),
            )
            .await
            .expect("label node");
        tokio::time::sleep(Duration::from_millis(200)).await;
        let failures: Vec<Event> = events
            .list(&ListParams::default())
            .await
            .expect("events")
            .items
            .into_iter()
            .filter(|e| {
                e.involved_object.name.as_deref() == Some("big")
                    && e.reason.as_deref() == Some("FailedScheduling")
            })
            .collect();
        assert_eq!(failures.len(), 1, "one event for one repeated failure");
        assert_eq!(failures[0].message.as_deref(), Some(message.as_str()));
        if failures[0].count.unwrap_or(0) >= 2 {
            assert!(
                failures[0].last_timestamp.as_ref().map(|t| t.0)
                    > failures[0].first_timestamp.as_ref().map(|t| t.0)
            );
            return;
        }
    }
    panic!("the failure was never counted up");
}
