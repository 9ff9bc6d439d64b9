//! Legacy discovery documents: `/api`, `/apis`, `/api/v1`, `/apis/{g}`,
//! `/apis/{g}/{v}`.
//!
//! Counterpart of k8s.io/apiserver `pkg/endpoints/discovery/`.

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use serde_json::{Value, json};

use super::{AppState, json_response};
use crate::registry::ResourceInfo;
use crate::status::ApiError;

fn respond(body: Value) -> Response {
    json_response(StatusCode::OK, body.to_string().into())
}

pub(super) async fn api_versions() -> Response {
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
        match groups.iter_mut().find(|(g, _)| *g == info.group) {
            Some((_, versions)) => {
                versions.insert(info.version);
            }
            None => groups.push((info.group, BTreeSet::from([info.version]))),
        }
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

pub(super) async fn api_groups(State(state): State<Arc<AppState>>) -> Response {
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
            "verbs": ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
        });
        if !info.short_names.is_empty() {
            entry["shortNames"] = json!(info.short_names);
        }
        if !info.categories.is_empty() {
            entry["categories"] = json!(info.categories);
        }
        resources.push(entry);
        if info.has_status {
            resources.push(json!({
                "name": format!("{}/status", info.resource),
                "singularName": "",
                "namespaced": info.namespaced,
                "kind": info.kind,
                "verbs": ["get", "patch", "update"],
            }));
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
