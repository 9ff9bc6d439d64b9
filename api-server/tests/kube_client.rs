//! The api-server driven by the kube crate over real HTTP: every test starts
//! an in-process server on 127.0.0.1:0 with a temporary RocksDB and talks to
//! it as any kube-rs program would.

use std::time::Duration;

use api_server::server::{Config, Server, StorageConfig, Transport};
use api_server::storage::Options;
use api_server::storage::cacher::CacheOptions;
use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace, Pod, Service};
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use k8s_openapi::api::rbac::v1::RoleBinding;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use kube::api::{
    Api, DeleteParams, EvictParams, ListParams, Patch, PatchParams, PostParams, WatchEvent,
    WatchParams,
};
use kube::runtime::watcher;
use kube::{Client, Error};
use serde_json::json;

struct TestServer {
    client: Client,
    port: u16,
    _dir: tempfile::TempDir,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

async fn start_with(storage_options: Options, cache_options: CacheOptions) -> TestServer {
    let dir = tempfile::tempdir().expect("temporary directory");
    let config = Config {
        storage: StorageConfig::RocksDb(dir.path().to_owned()),
        bind: "127.0.0.1:0".parse().expect("address"),
        transport: Transport::InsecureHttp,
        storage_options,
        cache_options,
        service_network: Default::default(),
    };
    let server = Server::start(config).await.expect("server starts");
    let port = server.addr.port();
    let url = format!("http://{}", server.addr).parse().expect("url");
    let (shutdown, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(server.serve(async {
        let _ = stopped.await;
    }));
    let mut config = kube::Config::new(url);
    // Tests look at every 429 themselves instead of waiting out retries.
    config.default_retry = false;
    let client = Client::try_from(config).expect("client");
    TestServer {
        client,
        port,
        _dir: dir,
        _shutdown: shutdown,
    }
}

async fn start() -> TestServer {
    start_with(Options::default(), CacheOptions::default()).await
}

fn pod(name: &str, labels: serde_json::Value) -> Pod {
    serde_json::from_value(json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": labels},
        "spec": {"containers": [{"name": "app", "image": "busybox:1.32.0"}]},
    }))
    .expect("pod")
}

fn status_code(error: &Error) -> Option<u16> {
    match error {
        Error::Api(status) => Some(status.code),
        _ => None,
    }
}

#[tokio::test]
async fn system_namespaces_exist() {
    let server = start().await;
    let namespaces: Api<Namespace> = Api::all(server.client.clone());
    let names: Vec<String> = namespaces
        .list(&ListParams::default())
        .await
        .expect("list")
        .items
        .into_iter()
        .filter_map(|n| n.metadata.name)
        .collect();
    for expected in ["default", "kube-node-lease", "kube-public", "kube-system"] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} in {names:?}"
        );
    }
    let default = namespaces.get("default").await.expect("get");
    assert_eq!(
        default.status.and_then(|s| s.phase).as_deref(),
        Some("Active")
    );
}

#[tokio::test]
async fn create_get_patch_delete() {
    let server = start().await;
    let pods: Api<Pod> = Api::namespaced(server.client.clone(), "default");
    let created = pods
        .create(&PostParams::default(), &pod("web", json!({"app": "web"})))
        .await
        .expect("create");
    let meta = &created.metadata;
    assert!(meta.uid.is_some() && meta.creation_timestamp.is_some());
    assert_eq!(
        created.status.as_ref().and_then(|s| s.phase.as_deref()),
        Some("Pending")
    );
    let again = pods
        .create(&PostParams::default(), &pod("web", json!({})))
        .await
        .expect_err("duplicate");
    assert_eq!(status_code(&again), Some(409));

    let patched = pods
        .patch(
            "web",
            &PatchParams::default(),
            &Patch::Merge(json!({"metadata": {"labels": {"tier": "front"}}})),
        )
        .await
        .expect("merge patch");
    let labels = patched.metadata.labels.clone().unwrap_or_default();
    assert_eq!(labels.get("tier").map(String::as_str), Some("front"));
    assert_eq!(labels.get("app").map(String::as_str), Some("web"));
    let strategic = pods
        .patch(
            "web",
            &PatchParams::default(),
            &Patch::Strategic(
                json!({"spec": {"containers": [{"name": "app", "image": "busybox:1.33.0"}]}}),
            ),
        )
        .await
        .expect("strategic patch");
    let containers = strategic.spec.expect("spec").containers;
    assert_eq!(containers.len(), 1);
    assert_eq!(containers[0].image.as_deref(), Some("busybox:1.33.0"));

    let fetched = pods.get("web").await.expect("get");
    assert_eq!(
        fetched.metadata.resource_version,
        strategic.metadata.resource_version
    );
    pods.delete("web", &DeleteParams::default())
        .await
        .expect("delete");
    let gone = pods.get("web").await.expect_err("deleted");
    assert_eq!(status_code(&gone), Some(404));
}

#[tokio::test]
async fn stale_update_conflicts() {
    let server = start().await;
    let pods: Api<Pod> = Api::namespaced(server.client.clone(), "default");
    let created = pods
        .create(&PostParams::default(), &pod("c", json!({})))
        .await
        .expect("create");
    let mut first = created.clone();
    first.metadata.labels = Some([("v".to_owned(), "1".to_owned())].into());
    pods.replace("c", &PostParams::default(), &first)
        .await
        .expect("first update");
    let mut stale = created;
    stale.metadata.labels = Some([("v".to_owned(), "2".to_owned())].into());
    let error = pods
        .replace("c", &PostParams::default(), &stale)
        .await
        .expect_err("stale update");
    assert_eq!(status_code(&error), Some(409));
    let Error::Api(status) = error else {
        unreachable!()
    };
    assert_eq!(status.reason, "Conflict");
    assert!(
        status.message.contains("the object has been modified"),
        "{}",
        status.message
    );
}

#[tokio::test]
async fn missing_namespace_is_refused() {
    let server = start().await;
    let pods: Api<Pod> = Api::namespaced(server.client.clone(), "nowhere");
    let error = pods
        .create(&PostParams::default(), &pod("p", json!({})))
        .await
        .expect_err("no namespace");
    let Error::Api(status) = error else {
        panic!("expected a Status")
    };
    assert_eq!((status.code, status.reason.as_str()), (404, "NotFound"));
    assert_eq!(status.message, "namespaces \"nowhere\" not found");
}

#[tokio::test]
async fn pagination_and_selectors() {
    let server = start().await;
    let pods: Api<Pod> = Api::namespaced(server.client.clone(), "default");
    for i in 0..25 {
        let tier = if i % 5 == 0 { "db" } else { "web" };
        pods.create(
            &PostParams::default(),
            &pod(&format!("p{i:02}"), json!({"tier": tier})),
        )
        .await
        .expect("create");
    }
    let mut names = Vec::new();
    let mut params = ListParams::default().limit(10);
    let mut pages = 0;
    loop {
        let page = pods.list(&params).await.expect("page");
        pages += 1;
        names.extend(page.items.into_iter().filter_map(|p| p.metadata.name));
        match page.metadata.continue_ {
            Some(token) if !token.is_empty() => params = params.continue_token(&token),
            _ => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(names.len(), 25);
    names.dedup();
    assert_eq!(names.len(), 25, "pages do not overlap");

    let db = pods
        .list(&ListParams::default().labels("tier=db"))
        .await
        .expect("labels");
    assert_eq!(db.items.len(), 5);
    let one = pods
        .list(&ListParams::default().fields("metadata.name=p07"))
        .await
        .expect("fields");
    assert_eq!(one.items.len(), 1);
    let unsupported = pods
        .list(&ListParams::default().fields("spec.bogus=x"))
        .await
        .expect_err("unsupported field");
    let Error::Api(status) = unsupported else {
        panic!("expected a Status")
    };
    assert_eq!(status.code, 400);
    assert!(
        status
            .message
            .contains("field label not supported: spec.bogus"),
        "{}",
        status.message
    );
}

#[tokio::test]
async fn watch_sees_changes_and_bookmarks() {
    let options = CacheOptions {
        bookmark_interval: Duration::from_millis(100),
        ..CacheOptions::default()
    };
    let server = start_with(Options::default(), options).await;
    let pods: Api<Pod> = Api::namespaced(server.client.clone(), "default");
    let listed = pods.list(&ListParams::default()).await.expect("list");
    let from = listed
        .metadata
        .resource_version
        .expect("list resourceVersion");
    let mut stream = pods
        .watch(&WatchParams::default().labels("app=w"), &from)
        .await
        .expect("watch")
        .boxed();
    pods.create(&PostParams::default(), &pod("w1", json!({"app": "w"})))
        .await
        .expect("create");
    pods.create(&PostParams::default(), &pod("other", json!({"app": "x"})))
        .await
        .expect("create");
    pods.delete("w1", &DeleteParams::default())
        .await
        .expect("delete");
    let mut seen = Vec::new();
    let mut bookmark = false;
    while seen.len() < 2 || !bookmark {
        let event = tokio::time::timeout(Duration::from_secs(5), stream.try_next())
            .await
            .expect("event in time")
            .expect("no error")
            .expect("stream open");
        match event {
            WatchEvent::Added(p) => {
                seen.push(format!("ADDED {}", p.metadata.name.unwrap_or_default()))
            }
            WatchEvent::Deleted(p) => {
                seen.push(format!("DELETED {}", p.metadata.name.unwrap_or_default()))
            }
            WatchEvent::Bookmark(_) => bookmark = true,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(seen, ["ADDED w1", "DELETED w1"]);
}

#[tokio::test]
async fn watch_from_compacted_revision_is_gone_and_watcher_relists() {
    let options = Options {
        retention_window: Duration::ZERO,
        retention_min_events: 0,
        compaction_interval: Duration::ZERO,
        ..Options::default()
    };
    let cache = CacheOptions {
        window_events: 1,
        ..CacheOptions::default()
    };
    let server = start_with(options, cache).await;
    let pods: Api<Pod> = Api::namespaced(server.client.clone(), "default");
    for i in 0..5 {
        pods.create(&PostParams::default(), &pod(&format!("g{i}"), json!({})))
            .await
            .expect("create");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut stream = pods
        .watch(&WatchParams::default(), "1")
        .await
        .expect("watch")
        .boxed();
    let first = tokio::time::timeout(Duration::from_secs(5), stream.try_next())
        .await
        .expect("in time");
    match first {
        Ok(Some(WatchEvent::Error(status))) => {
            assert_eq!((status.code, status.reason.as_str()), (410, "Expired"));
        }
        Err(error) => assert_eq!(status_code(&error), Some(410), "{error:?}"),
        other => panic!("expected 410 Gone, got {other:?}"),
    }
    // The watcher state machine recovers by relisting.
    let names: Vec<String> = tokio::time::timeout(
        Duration::from_secs(10),
        watcher(pods.clone(), watcher::Config::default())
            .take_while(|e| futures::future::ready(!matches!(e, Ok(watcher::Event::InitDone))))
            .filter_map(|e| async move {
                match e {
                    Ok(watcher::Event::InitApply(p)) => p.metadata.name,
                    _ => None,
                }
            })
            .collect(),
    )
    .await
    .expect("watcher initialises");
    assert_eq!(names.len(), 5, "{names:?}");
}

#[tokio::test]
async fn finalizers_hold_deletion() {
    let server = start().await;
    let pods: Api<Pod> = Api::namespaced(server.client.clone(), "default");
    let mut held = pod("held", json!({}));
    held.metadata.finalizers = Some(vec!["example.com/hold".into()]);
    pods.create(&PostParams::default(), &held)
        .await
        .expect("create");
    pods.delete("held", &DeleteParams::default())
        .await
        .expect("delete");
    let pending = pods.get("held").await.expect("still there");
    assert!(pending.metadata.deletion_timestamp.is_some());
    pods.patch(
        "held",
        &PatchParams::default(),
        &Patch::Merge(json!({"metadata": {"finalizers": null}})),
    )
    .await
    .expect("remove finalizer");
    let gone = pods
        .get("held")
        .await
        .expect_err("removed with its last finalizer");
    assert_eq!(status_code(&gone), Some(404));
}

#[tokio::test]
async fn bound_pods_are_deleted_gracefully() {
    let server = start().await;
    let pods: Api<Pod> = Api::namespaced(server.client.clone(), "default");
    pods.create(&PostParams::default(), &pod("bound", json!({})))
        .await
        .expect("create");
    let binding = json!({
        "apiVersion": "v1", "kind": "Binding",
        "metadata": {"name": "bound"},
        "target": {"apiVersion": "v1", "kind": "Node", "name": "node-1"},
    });
    let request = http::Request::post("/api/v1/namespaces/default/pods/bound/binding")
        .header("content-type", "application/json")
        .body(serde_json::to_vec(&binding).expect("json"))
        .expect("request");
    let answer = server
        .client
        .request_text(request)
        .await
        .expect("binding accepted");
    let answer: serde_json::Value = serde_json::from_str(&answer).expect("a Status");
    assert_eq!(
        (answer["status"].as_str(), answer["code"].as_i64()),
        (Some("Success"), Some(201))
    );
    let bound = pods.get("bound").await.expect("get");
    assert_eq!(
        bound.spec.as_ref().and_then(|s| s.node_name.as_deref()),
        Some("node-1")
    );
    pods.delete("bound", &DeleteParams::default())
        .await
        .expect("delete");
    let terminating = pods.get("bound").await.expect("still there");
    assert_eq!(terminating.metadata.deletion_grace_period_seconds, Some(30));
    assert!(terminating.metadata.deletion_timestamp.is_some());
    // The node agent confirms with grace period 0.
    pods.delete("bound", &DeleteParams::default().grace_period(0))
        .await
        .expect("confirm");
    let gone = pods.get("bound").await.expect_err("removed");
    assert_eq!(status_code(&gone), Some(404));
}

#[tokio::test]
async fn eviction_respects_the_disruption_budget() {
    let server = start().await;
    let pods: Api<Pod> = Api::namespaced(server.client.clone(), "default");
    let budgets: Api<PodDisruptionBudget> = Api::namespaced(server.client.clone(), "default");
    // A pending pod is evicted at once, whatever budgets say.
    pods.create(
        &PostParams::default(),
        &pod("pending", json!({"app": "web"})),
    )
    .await
    .expect("create");
    pods.create(
        &PostParams::default(),
        &pod("running", json!({"app": "web"})),
    )
    .await
    .expect("create");
    let running = json!({"status": {
        "phase": "Running",
        "conditions": [{"type": "Ready", "status": "True"}],
    }});
    pods.patch_status("running", &PatchParams::default(), &Patch::Merge(&running))
        .await
        .expect("running");
    let budget: PodDisruptionBudget = serde_json::from_value(json!({
        "metadata": {"name": "web"},
        "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app": "web"}}},
    }))
    .expect("budget");
    budgets
        .create(&PostParams::default(), &budget)
        .await
        .expect("create budget");
    let exhausted = json!({"status": {
        "observedGeneration": 1, "disruptionsAllowed": 0,
        "currentHealthy": 1, "desiredHealthy": 1, "expectedPods": 1,
    }});
    budgets
        .patch_status("web", &PatchParams::default(), &Patch::Merge(&exhausted))
        .await
        .expect("budget status");

    pods.evict("pending", &EvictParams::default())
        .await
        .expect("pending pod evicted");
    let gone = pods.get("pending").await.expect_err("removed");
    assert_eq!(status_code(&gone), Some(404));

    let refused = pods
        .evict("running", &EvictParams::default())
        .await
        .expect_err("budget exhausted");
    let Error::Api(status) = refused else {
        panic!("unexpected error {refused:?}");
    };
    assert_eq!(status.code, 429);
    assert_eq!(
        status.message,
        "Cannot evict pod as it would violate the pod's disruption budget."
    );

    let allowed =
        json!({"status": {"disruptionsAllowed": 1, "currentHealthy": 2, "desiredHealthy": 1}});
    budgets
        .patch_status("web", &PatchParams::default(), &Patch::Merge(&allowed))
        .await
        .expect("budget status");
    pods.evict("running", &EvictParams::default())
        .await
        .expect("evicted");
    let status = budgets
        .get_status("web")
        .await
        .expect("budget")
        .status
        .expect("status");
    assert_eq!(status.disruptions_allowed, 0);
    assert!(
        status
            .disrupted_pods
            .is_some_and(|pods| pods.contains_key("running"))
    );
    let gone = pods.get("running").await.expect_err("unbound pod removed");
    assert_eq!(status_code(&gone), Some(404));
}

/// The Deployment of the user's walkthrough.
fn nginx_deployment() -> Deployment {
    serde_json::from_value(json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "nginx-deployment", "labels": {"app": "nginx"}},
        "spec": {
            "replicas": 3,
            "selector": {"matchLabels": {"app": "nginx"}},
            "template": {
                "metadata": {"labels": {"app": "nginx"}},
                "spec": {"containers": [{
                    "name": "nginx",
                    "image": "nginx:1.17.10-alpine",
                    "ports": [{"containerPort": 80}],
                }]},
            },
        },
    }))
    .expect("deployment")
}

#[tokio::test]
async fn deployment_comes_back_defaulted() {
    let server = start().await;
    let deployments: Api<Deployment> = Api::namespaced(server.client.clone(), "default");
    deployments
        .create(&PostParams::default(), &nginx_deployment())
        .await
        .expect("create");
    let stored = deployments.get("nginx-deployment").await.expect("get");
    assert_eq!(stored.metadata.generation, Some(1));
    assert!(stored.status.is_none());
    let spec = serde_json::to_value(stored.spec.expect("spec")).expect("json");
    assert_eq!(spec["replicas"], json!(3));
    assert_eq!(spec["revisionHistoryLimit"], json!(10));
    assert_eq!(spec["progressDeadlineSeconds"], json!(600));
    assert_eq!(
        spec["strategy"],
        json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}})
    );
    let pod_spec = &spec["template"]["spec"];
    assert_eq!(pod_spec["restartPolicy"], json!("Always"));
    assert_eq!(pod_spec["dnsPolicy"], json!("ClusterFirst"));
    assert_eq!(pod_spec["schedulerName"], json!("default-scheduler"));
    assert_eq!(pod_spec["terminationGracePeriodSeconds"], json!(30));
    assert_eq!(
        pod_spec["containers"][0]["imagePullPolicy"],
        json!("IfNotPresent")
    );
    assert_eq!(
        pod_spec["containers"][0]["ports"][0]["protocol"],
        json!("TCP")
    );

    // Scaling changes the spec: the generation counts it.
    let scaled = deployments
        .patch(
            "nginx-deployment",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"replicas": 1}})),
        )
        .await
        .expect("patch");
    assert_eq!(scaled.metadata.generation, Some(2));

    // Through the scale subresource, the replicas belong to a manager
    // entry that names it.
    deployments
        .patch_scale(
            "nginx-deployment",
            &PatchParams {
                field_manager: Some("autoscaler".into()),
                ..PatchParams::default()
            },
            &Patch::Merge(json!({"spec": {"replicas": 2}})),
        )
        .await
        .expect("scale");
    let scaled = deployments.get("nginx-deployment").await.expect("get");
    let entry = scaled
        .metadata
        .managed_fields
        .unwrap_or_default()
        .into_iter()
        .find(|entry| entry.manager.as_deref() == Some("autoscaler"))
        .expect("the scaler's entry");
    assert_eq!(entry.subresource.as_deref(), Some("scale"));
    assert_eq!(
        entry.fields_v1.map(|fields| fields.0),
        Some(json!({"f:spec": {"f:replicas": {}}}))
    );
}

#[tokio::test]
async fn deployment_selector_mismatch_is_invalid() {
    let server = start().await;
    let deployments: Api<Deployment> = Api::namespaced(server.client.clone(), "default");
    let mut deployment = nginx_deployment();
    if let Some(spec) = deployment.spec.as_mut() {
        spec.selector.match_labels = Some([("app".to_owned(), "web".to_owned())].into());
    }
    let error = deployments
        .create(&PostParams::default(), &deployment)
        .await
        .expect_err("invalid");
    let Error::Api(status) = error else {
        panic!("not a Status: {error:?}");
    };
    assert_eq!(status.code, 422);
    assert_eq!(status.reason, "Invalid");
    assert_eq!(
        status.message,
        r#"Deployment.apps "nginx-deployment" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"app":"nginx"}: `selector` does not match template `labels`"#
    );
}

#[tokio::test]
async fn server_side_apply_tracks_owners_and_refuses_conflicts() {
    let server = start().await;
    let configmaps: Api<ConfigMap> = Api::namespaced(server.client.clone(), "default");
    let config = |data: serde_json::Value| json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings"}, "data": data});
    let created = configmaps
        .patch(
            "settings",
            &PatchParams::apply("deployer"),
            &Patch::Apply(config(json!({"mode": "fast", "level": "1"}))),
        )
        .await
        .expect("apply creates");
    let managers = created.metadata.managed_fields.expect("managedFields");
    assert_eq!(
        (
            managers[0].manager.as_deref(),
            managers[0].operation.as_deref()
        ),
        (Some("deployer"), Some("Apply"))
    );
    configmaps
        .patch(
            "settings",
            &PatchParams {
                field_manager: Some("editor".into()),
                ..PatchParams::default()
            },
            &Patch::Merge(json!({"data": {"mode": "slow"}})),
        )
        .await
        .expect("an update takes the field");
    let error = configmaps
        .patch(
            "settings",
            &PatchParams::apply("deployer"),
            &Patch::Apply(config(json!({"mode": "fast"}))),
        )
        .await
        .expect_err("conflict");
    let Error::Api(status) = error else {
        panic!("not a Status: {error:?}");
    };
    assert_eq!((status.code, status.reason.as_str()), (409, "Conflict"));
    assert_eq!(
        status.message,
        r#"Apply failed with 1 conflict: conflict with "editor" using v1: .data.mode"#
    );
    // Forced, the applier owns the field again, and the key it no longer
    // applies ("level") is removed, as nobody else owns it.
    let forced = configmaps
        .patch(
            "settings",
            &PatchParams::apply("deployer").force(),
            &Patch::Apply(config(json!({"mode": "fast"}))),
        )
        .await
        .expect("forced");
    assert_eq!(
        forced.data,
        Some([("mode".to_owned(), "fast".to_owned())].into())
    );
    let managers: Vec<_> = forced
        .metadata
        .managed_fields
        .unwrap_or_default()
        .into_iter()
        .filter_map(|entry| entry.manager)
        .collect();
    assert_eq!(managers, ["deployer"]);
    let missing_manager = http::Request::patch("/api/v1/namespaces/default/configmaps/settings")
        .header("content-type", "application/apply-patch+yaml")
        .body(b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n".to_vec())
        .expect("request");
    let error = server
        .client
        .request_text(missing_manager)
        .await
        .expect_err("a manager is required");
    assert!(
        matches!(&error, Error::Api(status) if status.code == 422),
        "{error:?}"
    );
}

/// A POST the way client-go's typed clients send it (kubectl create deployment).
fn protobuf_post(path: &str, body: &[u8]) -> http::Request<Vec<u8>> {
    http::Request::post(path)
        .header("content-type", "application/vnd.kubernetes.protobuf")
        .header(
            "accept",
            "application/vnd.kubernetes.protobuf,application/json",
        )
        .body(body.to_vec())
        .expect("request")
}

#[tokio::test]
async fn protobuf_bodies_create_objects() {
    let server = start().await;
    // What kubectl sends for
    // `kubectl create deployment web --image=nginx:1.17.10-alpine --replicas=2 --port=80`.
    let kubectl_body = include_bytes!("../../apimachinery/src/protobuf/testdata/deployment.pb");
    let path = "/apis/apps/v1/namespaces/default/deployments?fieldManager=kubectl-create";
    let answer = server
        .client
        .request::<Deployment>(protobuf_post(path, kubectl_body))
        .await
        .expect("created from protobuf, answered in JSON");
    let spec = answer.spec.expect("spec");
    assert_eq!(spec.replicas, Some(2));
    assert_eq!(
        spec.strategy.and_then(|s| s.type_).as_deref(),
        Some("RollingUpdate")
    );
    let container = &spec.template.spec.expect("pod spec").containers[0];
    assert_eq!(
        (container.name.as_str(), container.image.as_deref()),
        ("nginx", Some("nginx:1.17.10-alpine"))
    );
    let error = server
        .client
        .request_text(protobuf_post(path, b"{}"))
        .await
        .expect_err("not protobuf");
    let Error::Api(status) = error else {
        panic!("not a Status: {error:?}");
    };
    assert_eq!(status.code, 400);
    assert!(
        status.message.contains("expected prefix"),
        "{}",
        status.message
    );
}

#[tokio::test]
async fn invalid_bindings_and_budgets_are_refused() {
    let server = start().await;
    let bindings: Api<RoleBinding> = Api::namespaced(server.client.clone(), "default");
    let binding: RoleBinding = serde_json::from_value(json!({
        "metadata": {"name": "readers"},
        "roleRef": {"kind": "Policy", "name": "view"},
        "subjects": [{"kind": "User", "name": "jane"}, {"kind": "Robot", "name": "r2"}],
    }))
    .expect("binding");
    let refused = bindings
        .create(&PostParams::default(), &binding)
        .await
        .expect_err("invalid binding");
    assert_eq!(status_code(&refused), Some(422));
    assert_eq!(
        error_message(&refused),
        r#"RoleBinding.rbac.authorization.k8s.io "readers" is invalid: [roleRef.kind: Unsupported value: "Policy": supported values: "Role", "ClusterRole", subjects[1].kind: Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"]"#
    );

    let budgets: Api<PodDisruptionBudget> = Api::namespaced(server.client.clone(), "default");
    let budget: PodDisruptionBudget = serde_json::from_value(json!({
        "metadata": {"name": "web"},
        "spec": {"minAvailable": "150%", "selector": {"matchLabels": {"app": "web"}}},
    }))
    .expect("budget");
    let refused = budgets
        .create(&PostParams::default(), &budget)
        .await
        .expect_err("invalid budget");
    assert_eq!(status_code(&refused), Some(422));
    assert_eq!(
        error_message(&refused),
        r#"PodDisruptionBudget.policy "web" is invalid: spec.minAvailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"150%"}: must not be greater than 100%"#
    );
}

fn service_body(name: &str, spec: serde_json::Value) -> Service {
    serde_json::from_value(json!({
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name},
        "spec": spec,
    }))
    .expect("service")
}

fn error_message(error: &Error) -> String {
    match error {
        Error::Api(status) => status.message.clone(),
        other => other.to_string(),
    }
}

#[tokio::test]
async fn services_get_cluster_ips_and_node_ports() {
    let server = start().await;
    let services: Api<Service> = Api::namespaced(server.client.clone(), "default");

    let kubernetes = services
        .get("kubernetes")
        .await
        .expect("kubernetes service");
    let labels = kubernetes.metadata.labels.clone().unwrap_or_default();
    assert_eq!(
        labels.get("component").map(String::as_str),
        Some("apiserver")
    );
    assert_eq!(
        labels.get("provider").map(String::as_str),
        Some("kubernetes")
    );
    let spec = kubernetes.spec.expect("spec");
    assert_eq!(spec.cluster_ip.as_deref(), Some("10.96.0.1"));
    assert_eq!(spec.ip_families, Some(vec!["IPv4".to_owned()]));
    let https = &spec.ports.expect("ports")[0];
    assert_eq!(
        (https.name.as_deref(), https.port, https.protocol.as_deref()),
        (Some("https"), 443, Some("TCP"))
    );
    assert_eq!(
        https.target_port,
        Some(IntOrString::Int(i32::from(server.port)))
    );

    let web = services
        .create(
            &PostParams::default(),
            &service_body(
                "web",
                json!({"type": "NodePort", "selector": {"app": "web"}, "ports": [{"port": 80}]}),
            ),
        )
        .await
        .expect("create");
    let spec = web.spec.clone().expect("spec");
    let ip: std::net::Ipv4Addr = spec.cluster_ip.clone().expect("ip").parse().expect("ip");
    let [a, b, _, _] = ip.octets();
    assert!(
        a == 10 && (96..112).contains(&b) && ip.to_string() != "10.96.0.1",
        "{ip}"
    );
    assert_eq!(spec.cluster_ips, Some(vec![ip.to_string()]));
    assert_eq!(spec.ip_family_policy.as_deref(), Some("SingleStack"));
    let node_port = spec.ports.expect("ports")[0].node_port.expect("node port");
    assert!((30000..=32767).contains(&node_port), "{node_port}");

    // The same node port is refused while "web" holds it.
    let clash = service_body(
        "clash",
        json!({"type": "NodePort", "ports": [{"port": 81, "nodePort": node_port}]}),
    );
    let refused = services
        .create(&PostParams::default(), &clash)
        .await
        .expect_err("taken node port");
    assert_eq!(status_code(&refused), Some(422));
    assert_eq!(
        error_message(&refused),
        format!(
            "Service \"clash\" is invalid: spec.ports[0].nodePort: Invalid value: {node_port}: provided port is already allocated"
        )
    );

    // A replace without the allocated values keeps them.
    let mut replacement = service_body(
        "web",
        json!({"type": "NodePort", "selector": {"app": "web2"}, "ports": [{"port": 80}]}),
    );
    replacement.metadata.resource_version = web.metadata.resource_version.clone();
    let replaced = services
        .replace("web", &PostParams::default(), &replacement)
        .await
        .expect("replace");
    let spec = replaced.spec.expect("spec");
    assert_eq!(spec.cluster_ip, Some(ip.to_string()));
    assert_eq!(spec.ports.expect("ports")[0].node_port, Some(node_port));

    // A dry run holds nothing; a delete gives the values back.
    let reuse = service_body(
        "reuse",
        json!({"type": "NodePort", "clusterIP": ip.to_string(),
            "ports": [{"port": 80, "nodePort": node_port}]}),
    );
    services
        .delete("web", &DeleteParams::default())
        .await
        .expect("delete");
    let dry_run = PostParams {
        dry_run: true,
        ..PostParams::default()
    };
    services
        .create(&dry_run, &reuse)
        .await
        .expect("dry-run create");
    let reused = services
        .create(&PostParams::default(), &reuse)
        .await
        .expect("released values are free again");
    let spec = reused.spec.expect("spec");
    assert_eq!(spec.cluster_ip, Some(ip.to_string()));
    assert_eq!(spec.ports.expect("ports")[0].node_port, Some(node_port));
}

async fn get_json(client: &Client, path: &str) -> serde_json::Value {
    let request = http::Request::get(path)
        .header("Accept", "application/json")
        .body(Vec::new())
        .expect("request");
    let text = client.request_text(request).await.expect(path);
    serde_json::from_str(&text).expect("json")
}

#[tokio::test]
async fn openapi_documents_describe_kinds_and_server_side_validation() {
    let server = start().await;
    let index = get_json(&server.client, "/openapi/v3").await;
    let url = index["paths"]["api/v1"]["serverRelativeURL"]
        .as_str()
        .expect("core document");
    assert!(url.starts_with("/openapi/v3/api/v1?hash="), "{url}");
    assert!(index["paths"]["apis/apps/v1"].is_object());

    let core = get_json(&server.client, url).await;
    let schemas = &core["components"]["schemas"];
    assert_eq!(
        schemas["io.k8s.api.core.v1.Pod"]["x-kubernetes-group-version-kind"],
        json!([{"group": "", "version": "v1", "kind": "Pod"}])
    );
    let containers = &schemas["io.k8s.api.core.v1.PodSpec"]["properties"]["containers"];
    assert_eq!(containers["x-kubernetes-patch-merge-key"], "name");
    assert_eq!(containers["x-kubernetes-patch-strategy"], "merge");
    assert_eq!(
        containers["items"]["$ref"],
        "#/components/schemas/io.k8s.api.core.v1.Container"
    );
    let probe = &schemas["io.k8s.api.core.v1.Container"]["properties"]["livenessProbe"];
    assert_eq!(
        probe["allOf"][0]["$ref"],
        "#/components/schemas/io.k8s.api.core.v1.Probe"
    );
    // What kubectl looks for before it leaves field validation to the server.
    let patch = &core["paths"]["/api/v1/namespaces/{namespace}/pods/{name}"]["patch"];
    assert_eq!(patch["x-kubernetes-group-version-kind"]["kind"], "Pod");
    let parameters = patch["parameters"].as_array().expect("parameters");
    assert!(parameters.iter().any(|p| p["name"] == "fieldValidation"));

    let v2 = get_json(&server.client, "/openapi/v2").await;
    assert_eq!(
        v2["definitions"]["io.k8s.api.apps.v1.Deployment"]["x-kubernetes-group-version-kind"][0]["kind"],
        "Deployment"
    );
    assert!(!v2.to_string().contains("#/components/"));
}

#[tokio::test]
async fn aggregated_discovery_lists_resources_and_subresources() {
    let server = start().await;
    let request = http::Request::get("/apis")
        .header(
            "Accept",
            "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json",
        )
        .body(Vec::new())
        .expect("request");
    let list: serde_json::Value = serde_json::from_str(
        &server
            .client
            .request_text(request)
            .await
            .expect("discovery"),
    )
    .expect("json");
    assert_eq!(list["kind"], "APIGroupDiscoveryList");
    let apps = list["items"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|g| g["metadata"]["name"] == "apps")
        .expect("apps group");
    let deployments = apps["versions"][0]["resources"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|r| r["resource"] == "deployments")
        .expect("deployments");
    assert_eq!(deployments["scope"], "Namespaced");
    assert_eq!(deployments["shortNames"], json!(["deploy"]));
    let subresources: Vec<&str> = deployments["subresources"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["subresource"].as_str())
        .collect();
    assert_eq!(subresources, ["scale", "status"]);
    // Plain JSON still gets the legacy list.
    let legacy = get_json(&server.client, "/apis").await;
    assert_eq!(legacy["kind"], "APIGroupList");
}

#[tokio::test]
async fn pod_logs_pick_a_container() {
    let server = start().await;
    let pods: Api<Pod> = Api::namespaced(server.client.clone(), "default");
    let mut two = pod("two", json!({}));
    if let Some(spec) = two.spec.as_mut() {
        let mut sidecar = spec.containers[0].clone();
        sidecar.name = "sidecar".into();
        spec.containers.push(sidecar);
    }
    pods.create(&PostParams::default(), &two)
        .await
        .expect("create");
    let error = pods
        .logs("two", &Default::default())
        .await
        .expect_err("two containers need a name");
    assert_eq!(status_code(&error), Some(400));
    assert!(
        error.to_string().contains(
            "a container name must be specified for pod two, choose one of: [app sidecar]"
        ),
        "{error}"
    );
    pods.create(&PostParams::default(), &pod("one", json!({})))
        .await
        .expect("create");
    assert_eq!(
        pods.logs("one", &Default::default())
            .await
            .expect("empty log"),
        ""
    );
}

/// What kubectl v1.32 sends with GET, LIST and WATCH.
const KUBECTL_ACCEPT: &str = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";

/// GET `path` with `accept`, answering the JSON body or the error.
async fn get_as(server: &TestServer, path: &str, accept: &str) -> Result<serde_json::Value, Error> {
    let request = http::Request::get(path)
        .header("accept", accept)
        .body(Vec::new())
        .expect("request");
    let text = server.client.request_text(request).await?;
    Ok(serde_json::from_str(&text).expect("JSON"))
}

fn cell_texts(row: &serde_json::Value, n: usize) -> Vec<String> {
    row["cells"]
        .as_array()
        .expect("cells")
        .iter()
        .take(n)
        .map(|c| c.as_str().map_or_else(|| c.to_string(), str::to_owned))
        .collect()
}

#[tokio::test]
async fn kubectl_gets_tables_page_by_page() {
    let server = start().await;
    let pods: Api<Pod> = Api::namespaced(server.client.clone(), "default");
    for name in ["t1", "t2", "t3"] {
        pods.create(&PostParams::default(), &pod(name, json!({})))
            .await
            .expect("create");
    }
    let path = "/api/v1/namespaces/default/pods";
    let page = get_as(&server, &format!("{path}?limit=2"), KUBECTL_ACCEPT)
        .await
        .expect("table");
    assert_eq!(
        (page["kind"].as_str(), page["apiVersion"].as_str()),
        (Some("Table"), Some("meta.k8s.io/v1"))
    );
    let columns: Vec<(&str, i64)> = page["columnDefinitions"]
        .as_array()
        .expect("columns")
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap_or_default(),
                c["priority"].as_i64().unwrap_or(-1),
            )
        })
        .collect();
    assert_eq!(
        columns,
        [
            ("Name", 0),
            ("Ready", 0),
            ("Status", 0),
            ("Restarts", 0),
            ("Age", 0),
            ("IP", 1),
            ("Node", 1),
            ("Nominated Node", 1),
            ("Readiness Gates", 1)
        ]
    );
    let rows = page["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 2);
    assert_eq!(cell_texts(&rows[0], 4), ["t1", "0/1", "Pending", "0"]);
    assert_eq!(rows[0]["object"]["kind"], "PartialObjectMetadata");
    assert_eq!(rows[0]["object"]["metadata"]["name"], "t1");
    let token = page["metadata"]["continue"].as_str().expect("continue");
    assert!(page["metadata"]["resourceVersion"].is_string());

    let rest = get_as(
        &server,
        &format!("{path}?limit=2&continue={token}&includeObject=Object"),
        KUBECTL_ACCEPT,
    )
    .await
    .expect("second page");
    let rows = rest["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["object"]["kind"], "Pod");
    assert_eq!(rows[0]["object"]["spec"]["containers"][0]["name"], "app");

    let one = get_as(
        &server,
        &format!("{path}/t2?includeObject=None"),
        KUBECTL_ACCEPT,
    )
    .await
    .expect("one row");
    assert_eq!(one["rows"].as_array().map(Vec::len), Some(1));
    assert!(one["rows"][0]["object"].is_null());
    assert_eq!(
        one["metadata"]["resourceVersion"],
        pods.get("t2")
            .await
            .expect("get")
            .metadata
            .resource_version
            .expect("rv")
    );

    let roles = get_as(
        &server,
        "/apis/rbac.authorization.k8s.io/v1/roles",
        KUBECTL_ACCEPT,
    )
    .await
    .expect("default table");
    let names: Vec<&str> = roles["columnDefinitions"]
        .as_array()
        .expect("columns")
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert_eq!(names, ["Name", "Created At"]);
}

#[tokio::test]
async fn metadata_only_and_unknown_transforms() {
    let server = start().await;
    let pods: Api<Pod> = Api::namespaced(server.client.clone(), "default");
    pods.create(&PostParams::default(), &pod("m1", json!({"app": "m"})))
        .await
        .expect("create");
    let path = "/api/v1/namespaces/default/pods";
    let list = get_as(
        &server,
        path,
        "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1",
    )
    .await
    .expect("metadata list");
    assert_eq!(list["kind"], "PartialObjectMetadataList");
    assert_eq!(list["items"][0]["kind"], "PartialObjectMetadata");
    assert_eq!(list["items"][0]["metadata"]["labels"]["app"], "m");
    assert!(list["items"][0]["spec"].is_null());
    let one = get_as(
        &server,
        &format!("{path}/m1"),
        "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1",
    )
    .await
    .expect("metadata");
    assert_eq!(one["apiVersion"], "meta.k8s.io/v1");
    let refused = get_as(
        &server,
        path,
        "application/json;as=Scale;g=autoscaling;v=v1",
    )
    .await
    .expect_err("not acceptable");
    assert_eq!(status_code(&refused), Some(406));
}

#[tokio::test]
async fn watch_streams_one_row_tables() {
    use futures::AsyncBufReadExt;

    let server = start().await;
    let pods: Api<Pod> = Api::namespaced(server.client.clone(), "default");
    pods.create(&PostParams::default(), &pod("w0", json!({})))
        .await
        .expect("create");
    let request = http::Request::get("/api/v1/namespaces/default/pods?watch=true")
        .header("accept", KUBECTL_ACCEPT)
        .body(Vec::new())
        .expect("request");
    let reader = server.client.request_stream(request).await.expect("watch");
    let mut lines = std::pin::pin!(reader.lines());
    let mut next = async || -> serde_json::Value {
        let line = tokio::time::timeout(Duration::from_secs(5), lines.next())
            .await
            .expect("event in time")
            .expect("stream open")
            .expect("line");
        serde_json::from_str(&line).expect("JSON event")
    };
    let first = next().await;
    assert_eq!(first["type"], "ADDED");
    assert_eq!(first["object"]["kind"], "Table");
    assert!(first["object"]["columnDefinitions"].is_array());
    assert_eq!(
        cell_texts(&first["object"]["rows"][0], 3),
        ["w0", "0/1", "Pending"]
    );
    pods.create(&PostParams::default(), &pod("w1", json!({})))
        .await
        .expect("create");
    let second = next().await;
    assert_eq!(second["type"], "ADDED");
    assert!(second["object"]["columnDefinitions"].is_null());
    assert_eq!(second["object"]["rows"].as_array().map(Vec::len), Some(1));
    assert_eq!(cell_texts(&second["object"]["rows"][0], 1), ["w1"]);
}

#[tokio::test]
async fn events_of_both_groups_are_one_set() {
    use k8s_openapi::api::core::v1::Event as CoreEvent;
    use k8s_openapi::api::events::v1::Event;
    let server = start().await;
    let new_events: Api<Event> = Api::namespaced(server.client.clone(), "default");
    let core_events: Api<CoreEvent> = Api::namespaced(server.client.clone(), "default");
    let scheduled: Event = serde_json::from_value(json!({
        "metadata": {"name": "web.scheduled"},
        "regarding": {"kind": "Pod", "name": "web", "namespace": "default"},
        "eventTime": "2026-01-01T00:00:00.000000Z",
        "type": "Normal",
        "reason": "Scheduled",
        "action": "Binding",
        "reportingController": "default-scheduler",
        "reportingInstance": "default-scheduler-node1",
        "note": "Successfully assigned default/web to node1",
    }))
    .expect("event");
    let created = new_events
        .create(&PostParams::default(), &scheduled)
        .await
        .expect("events.k8s.io create");
    assert_eq!(
        created.note.as_deref(),
        Some("Successfully assigned default/web to node1")
    );

    // kubectl describe reads core events by the involved object.
    let listed = core_events
        .list(&ListParams::default().fields("involvedObject.name=web"))
        .await
        .expect("core list");
    assert_eq!(listed.items.len(), 1);
    let core = &listed.items[0];
    assert_eq!(
        core.message.as_deref(),
        Some("Successfully assigned default/web to node1")
    );
    assert_eq!(
        core.reporting_component.as_deref(),
        Some("default-scheduler")
    );

    // The strict checks of events.k8s.io apply to its writes only.
    let mut incomplete = scheduled.clone();
    incomplete.metadata.name = Some("web.other".into());
    incomplete.action = None;
    let error = new_events
        .create(&PostParams::default(), &incomplete)
        .await
        .expect_err("action is required");
    assert_eq!(status_code(&error), Some(422));

    let patched = new_events
        .patch(
            "web.scheduled",
            &PatchParams::default(),
            &Patch::Merge(
                json!({"series": {"count": 2, "lastObservedTime": "2026-01-01T00:01:00.000000Z"}}),
            ),
        )
        .await
        .expect("patch through events.k8s.io");
    assert_eq!(patched.series.map(|s| s.count), Some(2));
    let selected = new_events
        .list(&ListParams::default().fields("regarding.name=web"))
        .await
        .expect("events.k8s.io list by regarding");
    assert_eq!(selected.items.len(), 1);
    assert_eq!(
        core_events
            .get("web.scheduled")
            .await
            .expect("get")
            .series
            .and_then(|s| s.count),
        Some(2)
    );
}

#[tokio::test]
async fn pods_take_their_priority_from_their_class() {
    use k8s_openapi::api::scheduling::v1::PriorityClass;
    let server = start().await;
    let classes: Api<PriorityClass> = Api::all(server.client.clone());
    let pods: Api<Pod> = Api::namespaced(server.client.clone(), "default");
    for (name, value, global_default) in [("high", 1000, false), ("everyone", 10, true)] {
        let class: PriorityClass = serde_json::from_value(json!({
            "metadata": {"name": name},
            "value": value,
            "globalDefault": global_default,
            "preemptionPolicy": if name == "high" { "Never" } else { "PreemptLowerPriority" },
        }))
        .expect("class");
        classes
            .create(&PostParams::default(), &class)
            .await
            .expect("create class");
    }
    let mut important = pod("important", json!({}));
    if let Some(spec) = important.spec.as_mut() {
        spec.priority_class_name = Some("high".into());
    }
    let created = pods
        .create(&PostParams::default(), &important)
        .await
        .expect("create");
    let spec = created.spec.expect("spec");
    assert_eq!(spec.priority, Some(1000));
    assert_eq!(spec.preemption_policy.as_deref(), Some("Never"));

    let plain = pods
        .create(&PostParams::default(), &pod("plain", json!({})))
        .await
        .expect("create");
    let spec = plain.spec.expect("spec");
    assert_eq!(
        (spec.priority, spec.priority_class_name.as_deref()),
        (Some(10), Some("everyone"))
    );

    let mut unknown = pod("unknown", json!({}));
    if let Some(spec) = unknown.spec.as_mut() {
        spec.priority_class_name = Some("missing".into());
    }
    let error = pods
        .create(&PostParams::default(), &unknown)
        .await
        .expect_err("unknown class");
    assert_eq!(status_code(&error), Some(403));
    assert!(
        error.to_string().contains(
            r#"pods "unknown" is forbidden: no PriorityClass with name missing was found"#
        ),
        "{error}"
    );
}
