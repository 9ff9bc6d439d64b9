//! Discovery: the legacy documents (`/api`, `/apis`, `/api/v1`, `/apis/{g}`,
//! `/apis/{g}/{v}`) and the aggregated ones (`/api` and `/apis` asked for
//! as `APIGroupDiscoveryList`, `apidiscovery.k8s.io/v2`), which let kubectl
//! learn every resource in two requests.
//!
//! Counterpart of k8s.io/apiserver `pkg/endpoints/discovery/` and
//! `pkg/endpoints/discovery/aggregated/`.

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, HeaderValue, StatusCode, header};
use serde_json::{Value, json};

use super::{AppState, json_response};
use crate::registry::{ResourceInfo, Subresource};
use crate::status::ApiError;

fn respond(body: Value) -> Response {
    json_response(StatusCode::OK, body.to_string().into())
}

/// The media type of an aggregated discovery document.
const AGGREGATED: &str = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

/// Whether the client's first acceptable media type is the aggregated
/// discovery document (clients list it before plain JSON as a fallback).
fn wants_aggregated(headers: &HeaderMap) -> bool {
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    for range in accept.split(',') {
        let mut parts = range.split(';').map(str::trim);
        let media = parts.next().unwrap_or_default();
        let params: Vec<&str> = parts.collect();
        let aggregated = ["g=apidiscovery.k8s.io", "v=v2", "as=APIGroupDiscoveryList"]
            .iter()
            .all(|p| params.contains(p));
        if media == "application/json" && aggregated {
            return true;
        }
        if params.iter().all(|p| !p.starts_with("as=")) {
            return false;
        }
    }
    false
}

/// One subresource of a resource: (name, kind's group, version, kind, verbs).
type DiscoveredSubresource = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
);

const STATUS_VERBS: &[&str] = &["get", "patch", "update"];
const CREATE_ONLY: &[&str] = &["create"];
const VERBS: &[&str] = &[
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];

/// What discovery tells of each subresource of `info`: its name, response
/// kind and verbs.
fn subresources(info: &ResourceInfo) -> Vec<DiscoveredSubresource> {
    info.subresources()
        .into_iter()
        .map(|subresource| {
            let (group, version, kind, verbs) = match subresource {
                Subresource::Binding => ("", "v1", "Binding", CREATE_ONLY),
                Subresource::Eviction => ("policy", "v1", "Eviction", CREATE_ONLY),
                Subresource::Log => ("", "v1", "Pod", &["get"][..]),
                Subresource::Scale => ("autoscaling", "v1", "Scale", STATUS_VERBS),
                Subresource::Status => (info.group, info.version, info.kind, STATUS_VERBS),
            };
            (subresource.name(), group, version, kind, verbs)
        })
        .collect()
}

pub(super) async fn api_versions(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
) -> Response {
    if wants_aggregated(&headers) {
        return aggregated(&state, |group| group.is_empty());
    }
    respond(json!({
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": ""}],
    }))
}

fn group_versions(state: &AppState) -> Vec<(&'static str, BTreeSet<&'static str>)> {
    let mut groups: Vec<(&'static str, BTreeSet<&'static str>)> = Vec::new();
    for rest in state.registry.all() {
        let info = rest.info();
        if info.group.is_empty() {
            continue;
        }
        let g = position_or_push(&mut groups, info.group);
        groups[g].1.insert(info.version);
    }
    groups
}

fn group_json(group: &str, versions: &BTreeSet<&str>) -> Value {
    let versions: Vec<Value> = versions
        .iter()
        .map(|v| json!({"groupVersion": format!("{group}/{v}"), "version": v}))
        .collect();
    json!({
        "name": group,
        "versions": versions,
        "preferredVersion": versions.first().cloned().unwrap_or(Value::Null),
    })
}

pub(super) async fn api_groups(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    if wants_aggregated(&headers) {
        return aggregated(&state, |group| !group.is_empty());
    }
    let groups: Vec<Value> = group_versions(&state)
        .iter()
        .map(|(g, v)| group_json(g, v))
        .collect();
    respond(json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}))
}

pub(super) async fn group(
    State(state): State<Arc<AppState>>,
    Path(group): Path<String>,
) -> Response {
    match group_versions(&state)
        .into_iter()
        .find(|(g, _)| *g == group)
    {
        Some((g, versions)) => {
            let mut body = group_json(g, &versions);
            body["kind"] = "APIGroup".into();
            body["apiVersion"] = "v1".into();
            respond(body)
        }
        None => ApiError::not_found_path().into_response(),
    }
}

fn resource_list(state: &AppState, group: &str, version: &str) -> Option<Value> {
    let infos: Vec<&ResourceInfo> = state
        .registry
        .all()
        .map(|r| r.info())
        .filter(|i| i.group == group && i.version == version)
        .collect();
    if infos.is_empty() {
        return None;
    }
    let mut resources = Vec::new();
    for info in &infos {
        let mut entry = json!({
            "name": info.resource,
            "singularName": info.singular,
            "namespaced": info.namespaced,
            "kind": info.kind,
            "verbs": VERBS,
        });
        if !info.short_names.is_empty() {
            entry["shortNames"] = json!(info.short_names);
        }
        if !info.categories.is_empty() {
            entry["categories"] = json!(info.categories);
        }
        resources.push(entry);
        for (name, group, version, kind, verbs) in subresources(info) {
            let mut sub = json!({
                "name": format!("{}/{name}", info.resource),
                "singularName": "",
                "namespaced": info.namespaced,
                "kind": kind,
                "verbs": verbs,
            });
            if (group, version) != (info.group, info.version) {
                sub["group"] = group.into();
                sub["version"] = version.into();
            }
            resources.push(sub);
        }
    }
    let group_version = if group.is_empty() {
        version.to_owned()
    } else {
        format!("{group}/{version}")
    };
    Some(json!({
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": group_version,
        "resources": resources,
    }))
}

pub(super) async fn core_resources(State(state): State<Arc<AppState>>) -> Response {
    resource_list(&state, "", "v1")
        .map_or_else(|| ApiError::not_found_path().into_response(), respond)
}

pub(super) async fn group_resources(
    State(state): State<Arc<AppState>>,
    Path((group, version)): Path<(String, String)>,
) -> Response {
    resource_list(&state, &group, &version)
        .map_or_else(|| ApiError::not_found_path().into_response(), respond)
}

/// A version of a group with its resources' discovery entries.
type Versioned = (&'static str, Vec<Value>);

/// The aggregated discovery document of the groups `wanted` selects (the
/// core group at `/api`, the others at `/apis`).
fn aggregated(state: &AppState, wanted: impl Fn(&str) -> bool) -> Response {
    let mut groups: Vec<(&'static str, Vec<Versioned>)> = Vec::new();
    for rest in state.registry.all() {
        let info = rest.info();
        if !wanted(info.group) {
            continue;
        }
        let g = position_or_push(&mut groups, info.group);
        let versions = &mut groups[g].1;
        let v = position_or_push(versions, info.version);
        let resources = &mut versions[v].1;
        resources.push(aggregated_resource(info));
    }
    let items: Vec<Value> = groups
        .into_iter()
        .map(|(group, versions)| {
            let versions: Vec<Value> = versions
                .into_iter()
                .map(|(version, resources)| {
                    json!({"version": version, "resources": resources, "freshness": "Current"})
                })
                .collect();
            json!({"metadata": {"name": group, "creationTimestamp": null}, "versions": versions})
        })
        .collect();
    let body = json!({
        "kind": "APIGroupDiscoveryList",
        "apiVersion": "apidiscovery.k8s.io/v2",
        "metadata": {},
        "items": items,
    });
    let mut response = respond(body);
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(AGGREGATED));
    response
}

/// The index of the entry named `name`, added (empty) when missing.
fn position_or_push<T: Default>(entries: &mut Vec<(&'static str, T)>, name: &'static str) -> usize {
    entries
        .iter()
        .position(|(n, _)| *n == name)
        .unwrap_or_else(|| {
            entries.push((name, T::default()));
            entries.len() - 1
        })
}

fn aggregated_resource(info: &ResourceInfo) -> Value {
    let mut resource = json!({
        "resource": info.resource,
        "responseKind": {"group": info.group, "version": info.version, "kind": info.kind},
        "scope": if info.namespaced { "Namespaced" } else { "Cluster" },
        "singularResource": info.singular,
        "verbs": VERBS,
    });
    if !info.short_names.is_empty() {
        resource["shortNames"] = json!(info.short_names);
    }
    if !info.categories.is_empty() {
        resource["categories"] = json!(info.categories);
    }
    let subresources: Vec<Value> = subresources(info)
        .into_iter()
        .map(|(name, group, version, kind, verbs)| {
            json!({
                "subresource": name,
                "responseKind": {"group": group, "version": version, "kind": kind},
                "verbs": verbs,
            })
        })
        .collect();
    if !subresources.is_empty() {
        resource["subresources"] = Value::Array(subresources);
    }
    resource
}
