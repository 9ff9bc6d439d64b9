//! The `api` suite: API semantics as a kube-rs client sees them (CRUD, optimistic
//! concurrency, watch, pagination, selectors, finalizers, graceful deletion, eviction).

use std::time::Duration;

use anyhow::Context as _;
use futures::{StreamExt as _, TryStreamExt as _};
use k8s_openapi::api::core::v1::{ConfigMap, Pod};
use kube::api::{
    Api, DeleteParams, EvictParams, ListParams, Patch, PatchParams, PostParams, WatchEvent,
    WatchParams,
};
use kube::core::ObjectList;

use crate::cluster::{Feature, Scope, manifest, unique_suffix};
use crate::report::{Check, check, expect_eq};

pub fn checks() -> Vec<Check> {
    vec![
        check("api-create-get-list", create_get_list),
        check("api-create-already-exists", create_already_exists),
        check(
            "api-create-in-missing-namespace",
            create_in_missing_namespace,
        ),
        check("api-update-stale-conflict", update_stale_conflict),
        check("api-watch-events", watch_events),
        check("api-watch-old-resource-version", watch_old_resource_version),
        check("api-list-pagination", list_pagination),
        check("api-label-selectors", label_selectors),
        check("api-field-selectors", field_selectors),
        check("api-finalizer-holds-deletion", finalizer_holds_deletion),
        check("api-graceful-delete-bound-pod", graceful_delete_bound_pod),
        check("api-evict-pending-pod", evict_pending_pod),
        check("api-table-pods", table_pods),
        check("api-aggregated-discovery", aggregated_discovery),
    ]
}

/// Label every configmap here carries, so lists ignore what a cluster adds on its own
/// (e.g. `kube-root-ca.crt`).
const MARK: &str = "conformance.kube-rs.dev/check";

fn config_map(name: &str, labels: serde_json::Value) -> anyhow::Result<ConfigMap> {
    let mut labels = labels;
    labels[MARK] = "yes".into();
    Ok(serde_json::from_value(serde_json::json!({
        "metadata": { "name": name, "labels": labels },
        "data": { "key": "value" },
    }))?)
}

fn marked() -> ListParams {
    ListParams::default().labels(MARK)
}

/// The seed-free pod no scheduler picks up, renamed.
fn unscheduled_pod(name: &str) -> anyhow::Result<Pod> {
    let mut pod: Pod =
        serde_yaml::from_str(&std::fs::read_to_string(manifest("unscheduled-pod.yaml"))?)?;
    pod.metadata.name = Some(name.to_owned());
    Ok(pod)
}

/// The listed names, comma-separated.
fn names<K: kube::Resource + Clone>(list: &ObjectList<K>) -> String {
    let names: Vec<&str> = list
        .items
        .iter()
        .filter_map(|o| o.meta().name.as_deref())
        .collect();
    names.join(",")
}

/// Fails unless `result` is an API error with this code and reason; returns its message.
fn expect_status<T: std::fmt::Debug>(
    result: kube::Result<T>,
    code: u16,
    reason: &str,
) -> anyhow::Result<String> {
    match result {
        Err(kube::Error::Api(status)) => {
            expect_eq(
                "status code and reason",
                &(code, reason),
                &(status.code, status.reason.as_str()),
            )?;
            Ok(status.message)
        }
        other => anyhow::bail!("expected a {code} {reason} Status, got {other:?}"),
    }
}

async fn create_get_list(scope: Scope) -> anyhow::Result<()> {
    let api: Api<ConfigMap> = scope.api();
    let created = api
        .create(
            &PostParams::default(),
            &config_map("first", serde_json::json!({}))?,
        )
        .await?;
    let meta = &created.metadata;
    expect_eq(
        "server-set uid, resourceVersion, creationTimestamp, namespace",
        &(true, true, true, Some(scope.namespace.as_str())),
        &(
            meta.uid.is_some(),
            meta.resource_version.is_some(),
            meta.creation_timestamp.is_some(),
            meta.namespace.as_deref(),
        ),
    )?;
    let got = api.get("first").await?;
    expect_eq("data read back", &created.data, &got.data)?;
    let list = api.list(&marked()).await?;
    expect_eq("listed names", "first", names(&list).as_str())?;
    let list_rv: u64 = list
        .metadata
        .resource_version
        .as_deref()
        .unwrap_or_default()
        .parse()
        .unwrap_or(0);
    let object_rv: u64 = meta
        .resource_version
        .as_deref()
        .unwrap_or_default()
        .parse()
        .unwrap_or(u64::MAX);
    expect_eq(
        "list resourceVersion is at least the object's",
        &true,
        &(list_rv >= object_rv),
    )?;
    expect_status(api.get("absent").await, 404, "NotFound").map(drop)
}

async fn create_already_exists(scope: Scope) -> anyhow::Result<()> {
    let api: Api<ConfigMap> = scope.api();
    let cm = config_map("twice", serde_json::json!({}))?;
    api.create(&PostParams::default(), &cm).await?;
    let message = expect_status(
        api.create(&PostParams::default(), &cm).await,
        409,
        "AlreadyExists",
    )?;
    expect_eq(
        "message",
        r#"configmaps "twice" already exists"#,
        message.as_str(),
    )
}

async fn create_in_missing_namespace(scope: Scope) -> anyhow::Result<()> {
    let missing = format!("conf-missing-{}", unique_suffix());
    let api: Api<ConfigMap> = Api::namespaced(scope.client(), &missing);
    let result = api
        .create(
            &PostParams::default(),
            &config_map("orphan", serde_json::json!({}))?,
        )
        .await;
    let message = expect_status(result, 404, "NotFound")?;
    expect_eq(
        "message",
        format!(r#"namespaces "{missing}" not found"#).as_str(),
        message.as_str(),
    )
}

async fn update_stale_conflict(scope: Scope) -> anyhow::Result<()> {
    let api: Api<ConfigMap> = scope.api();
    let original = api
        .create(
            &PostParams::default(),
            &config_map("contended", serde_json::json!({}))?,
        )
        .await?;
    let mut first = original.clone();
    first.data = Some([("key".to_owned(), "first".to_owned())].into());
    let updated = api
        .replace("contended", &PostParams::default(), &first)
        .await?;
    expect_eq(
        "resourceVersion changes on update",
        &true,
        &(updated.metadata.resource_version != original.metadata.resource_version),
    )?;
    let mut stale = original;
    stale.data = Some([("key".to_owned(), "stale".to_owned())].into());
    let message = expect_status(
        api.replace("contended", &PostParams::default(), &stale)
            .await,
        409,
        "Conflict",
    )?;
    expect_eq(
        "message",
        r#"Operation cannot be fulfilled on configmaps "contended": the object has been modified; please apply your changes to the latest version and try again"#,
        message.as_str(),
    )?;
    let stored = api.get("contended").await?;
    expect_eq("stored data", &first.data, &stored.data)
}

/// The next watch event, failing after a few seconds of silence.
async fn next_event<S>(events: &mut S) -> anyhow::Result<WatchEvent<ConfigMap>>
where
    S: futures::Stream<Item = kube::Result<WatchEvent<ConfigMap>>> + Unpin,
{
    tokio::time::timeout(Duration::from_secs(10), events.try_next())
        .await
        .context("no watch event within 10s")??
        .context("watch ended")
}

fn describe_event(event: &WatchEvent<ConfigMap>) -> String {
    let name = |cm: &ConfigMap| cm.metadata.name.clone().unwrap_or_default();
    match event {
        WatchEvent::Added(cm) => format!("ADDED {}", name(cm)),
        WatchEvent::Modified(cm) => format!("MODIFIED {}", name(cm)),
        WatchEvent::Deleted(cm) => format!("DELETED {}", name(cm)),
        WatchEvent::Bookmark(_) => "BOOKMARK".into(),
        WatchEvent::Error(status) => format!("ERROR {} {}", status.code, status.reason),
    }
}

async fn watch_events(scope: Scope) -> anyhow::Result<()> {
    let api: Api<ConfigMap> = scope.api();
    let list = api.list(&marked()).await?;
    let rv = list.metadata.resource_version.unwrap_or_default();
    let mut events = api
        .watch(&WatchParams::default().labels(MARK).timeout(30), &rv)
        .await?
        .boxed();
    api.create(
        &PostParams::default(),
        &config_map("watched", serde_json::json!({}))?,
    )
    .await?;
    let patch = serde_json::json!({ "data": { "key": "changed" } });
    api.patch("watched", &PatchParams::default(), &Patch::Merge(&patch))
        .await?;
    api.delete("watched", &DeleteParams::default()).await?;
    let mut seen = Vec::new();
    for _ in 0..3 {
        seen.push(describe_event(&next_event(&mut events).await?));
    }
    expect_eq(
        "events",
        "ADDED watched, MODIFIED watched, DELETED watched",
        seen.join(", ").as_str(),
    )
}

// A watch from a revision the server no longer keeps ends with 410 Expired; while it
// still keeps it, the watch replays history from there. Either is documented.
async fn watch_old_resource_version(scope: Scope) -> anyhow::Result<()> {
    let api: Api<ConfigMap> = Api::all(scope.client());
    let result = api.watch(&WatchParams::default().timeout(5), "1").await;
    let event = match result {
        Err(err) => {
            expect_status(Err::<(), _>(err), 410, "Expired")?;
            return Ok(());
        }
        Ok(events) => next_event(&mut events.boxed()).await?,
    };
    match event {
        WatchEvent::Error(status) => expect_eq(
            "watch error code and reason",
            &(410, "Expired"),
            &(status.code, status.reason.as_str()),
        ),
        WatchEvent::Added(_) | WatchEvent::Modified(_) | WatchEvent::Deleted(_) => Ok(()),
        other => anyhow::bail!(
            "expected 410 Expired or a replayed event, got {}",
            describe_event(&other)
        ),
    }
}

async fn list_pagination(scope: Scope) -> anyhow::Result<()> {
    let api: Api<ConfigMap> = scope.api();
    for i in 0..5 {
        api.create(
            &PostParams::default(),
            &config_map(&format!("page-{i}"), serde_json::json!({}))?,
        )
        .await?;
    }
    let mut pages = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut params = marked().limit(2);
        if let Some(token) = &token {
            params = params.continue_token(token);
        }
        let page = api.list(&params).await?;
        pages.push(names(&page));
        token = page.metadata.continue_.filter(|t| !t.is_empty());
        if token.is_none() || pages.len() > 5 {
            break;
        }
    }
    expect_eq(
        "pages",
        "page-0,page-1 | page-2,page-3 | page-4",
        pages.join(" | ").as_str(),
    )
}

async fn label_selectors(scope: Scope) -> anyhow::Result<()> {
    let api: Api<ConfigMap> = scope.api();
    for (name, labels) in [
        ("front", serde_json::json!({"tier": "front", "env": "prod"})),
        ("back", serde_json::json!({"tier": "back", "env": "prod"})),
        ("plain", serde_json::json!({})),
    ] {
        api.create(&PostParams::default(), &config_map(name, labels)?)
            .await?;
    }
    for (selector, expected) in [
        ("tier=front", "front"),
        ("tier!=front", "back,plain"),
        ("tier in (front,back),env=prod", "back,front"),
        ("tier notin (front)", "back,plain"),
        ("tier", "back,front"),
        ("!tier", "plain"),
    ] {
        let list = api
            .list(&ListParams::default().labels(&format!("{MARK},{selector}")))
            .await?;
        expect_eq(
            &format!("names for {selector:?}"),
            expected,
            names(&list).as_str(),
        )?;
    }
    Ok(())
}

async fn field_selectors(scope: Scope) -> anyhow::Result<()> {
    let configmaps: Api<ConfigMap> = scope.api();
    for name in ["one", "two"] {
        configmaps
            .create(
                &PostParams::default(),
                &config_map(name, serde_json::json!({}))?,
            )
            .await?;
    }
    let list = configmaps
        .list(&marked().fields("metadata.name=two"))
        .await?;
    expect_eq(
        "configmaps with metadata.name=two",
        "two",
        names(&list).as_str(),
    )?;
    let pods: Api<Pod> = scope.api();
    for name in ["bound", "waiting"] {
        pods.create(&PostParams::default(), &unscheduled_pod(name)?)
            .await?;
    }
    bind(&pods, "bound", "conformance-fake-node").await?;
    for (selector, expected) in [
        ("spec.nodeName=conformance-fake-node", "bound"),
        ("spec.nodeName=", "waiting"),
        ("status.phase=Pending,metadata.name!=bound", "waiting"),
    ] {
        let list = pods.list(&ListParams::default().fields(selector)).await?;
        expect_eq(
            &format!("pods with {selector:?}"),
            expected,
            names(&list).as_str(),
        )?;
    }
    let result = pods
        .list(&ListParams::default().fields("spec.nosuchfield=x"))
        .await;
    let message = expect_status(result, 400, "BadRequest")?;
    expect_eq(
        "message",
        "field label not supported: spec.nosuchfield",
        message.as_str(),
    )
}

async fn finalizer_holds_deletion(scope: Scope) -> anyhow::Result<()> {
    let api: Api<ConfigMap> = scope.api();
    let mut cm = config_map("held", serde_json::json!({}))?;
    cm.metadata.finalizers = Some(vec!["conformance.kube-rs.dev/hold".into()]);
    api.create(&PostParams::default(), &cm).await?;
    api.delete("held", &DeleteParams::default()).await?;
    let held = api
        .get("held")
        .await
        .context("object with a finalizer vanished on delete")?;
    expect_eq(
        "deletionTimestamp set",
        &true,
        &held.metadata.deletion_timestamp.is_some(),
    )?;
    let release = serde_json::json!({ "metadata": { "finalizers": null } });
    api.patch("held", &PatchParams::default(), &Patch::Merge(&release))
        .await?;
    expect_status(api.get("held").await, 404, "NotFound").map(drop)
}

/// Binds a pod to a node through the `pods/binding` subresource, as a scheduler does.
async fn bind(pods: &Api<Pod>, pod: &str, node: &str) -> anyhow::Result<()> {
    let binding = serde_json::json!({
        "apiVersion": "v1",
        "kind": "Binding",
        "metadata": { "name": pod },
        "target": { "apiVersion": "v1", "kind": "Node", "name": node },
    });
    pods.create_subresource::<_, serde_json::Value>(
        "binding",
        pod,
        &PostParams::default(),
        &binding,
    )
    .await
    .with_context(|| format!("binding pod {pod} to {node}"))?;
    Ok(())
}

async fn graceful_delete_bound_pod(scope: Scope) -> anyhow::Result<()> {
    let pods: Api<Pod> = scope.api();
    pods.create(&PostParams::default(), &unscheduled_pod("bound")?)
        .await?;
    bind(&pods, "bound", "conformance-fake-node").await?;
    let pod = pods.get("bound").await?;
    expect_eq(
        "spec.nodeName",
        &Some("conformance-fake-node"),
        &pod.spec.as_ref().and_then(|s| s.node_name.as_deref()),
    )?;
    pods.delete("bound", &DeleteParams::default()).await?;
    let terminating = pods
        .get("bound")
        .await
        .context("a bound pod vanished before its grace period")?;
    expect_eq(
        "deletionTimestamp set, deletionGracePeriodSeconds",
        &(true, Some(30)),
        &(
            terminating.metadata.deletion_timestamp.is_some(),
            terminating.metadata.deletion_grace_period_seconds,
        ),
    )?;
    pods.delete("bound", &DeleteParams::default().grace_period(0))
        .await?;
    expect_status(pods.get("bound").await, 404, "NotFound").map(drop)
}

async fn evict_pending_pod(scope: Scope) -> anyhow::Result<()> {
    let pods: Api<Pod> = scope.api();
    pods.create(&PostParams::default(), &unscheduled_pod("evicted")?)
        .await?;
    pods.evict("evicted", &EvictParams::default()).await?;
    expect_status(pods.get("evicted").await, 404, "NotFound").map(drop)
}

async fn table_pods(scope: Scope) -> anyhow::Result<()> {
    scope.require(Feature::Table)?;
    let pods: Api<Pod> = scope.api();
    pods.create(&PostParams::default(), &unscheduled_pod("tabled")?)
        .await?;
    let path = format!("/api/v1/namespaces/{}/pods", scope.namespace);
    let response = scope
        .cluster
        .raw(
            http::Method::GET,
            &path,
            &[("accept", "application/json;as=Table;v=v1;g=meta.k8s.io")],
            Vec::new(),
        )
        .await?;
    let table: serde_json::Value = serde_json::from_slice(&response.body)?;
    let columns: Vec<&str> = table["columnDefinitions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["name"].as_str())
        .collect();
    expect_eq(
        "column names",
        &[
            "Name",
            "Ready",
            "Status",
            "Restarts",
            "Age",
            "IP",
            "Node",
            "Nominated Node",
            "Readiness Gates",
        ][..],
        &columns[..],
    )?;
    let cells = &table["rows"][0]["cells"];
    expect_eq(
        "first cells",
        &serde_json::json!(["tabled", "0/1", "Pending", "0"]),
        &serde_json::json!(cells.as_array().map(|c| c[..4.min(c.len())].to_vec())),
    )
}

async fn aggregated_discovery(scope: Scope) -> anyhow::Result<()> {
    scope.require(Feature::AggregatedDiscovery)?;
    let accept = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";
    let response = scope
        .cluster
        .raw(
            http::Method::GET,
            "/apis",
            &[("accept", accept)],
            Vec::new(),
        )
        .await?;
    let list: serde_json::Value = serde_json::from_slice(&response.body)?;
    let apps = list["items"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|group| group["metadata"]["name"] == "apps")
        .context("no apps group in aggregated discovery")?;
    let deployments = apps["versions"][0]["resources"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|r| r["resource"] == "deployments")
        .context("no deployments resource in apps")?;
    expect_eq(
        "deployments scope and kind",
        &(Some("Namespaced"), Some("Deployment")),
        &(
            deployments["scope"].as_str(),
            deployments["responseKind"]["kind"].as_str(),
        ),
    )
}
