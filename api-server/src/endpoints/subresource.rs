//! Subresources other than `status`: `scale` of workloads and `binding` of
//! pods.
//!
//! Counterpart of upstream's `pkg/registry/apps/deployment/storage`
//! (ScaleREST), `pkg/registry/core/pod/storage` (BindingREST).

use apimachinery::selector::labels;
use apimachinery::validation::{ErrorList, FieldError, Path};
use axum::response::Response;
use bytes::Bytes;
use http::{HeaderMap, Method, StatusCode};
use serde_json::{Value, json};

use super::json_response;
use super::request::Query;
use crate::registry::decode::parse_body;
use crate::registry::{Part, PatchKind, Rest};
use crate::status::{ApiError, Details, Result, success};

/// Serves `GET|PUT|PATCH .../{name}/scale` (autoscaling/v1 Scale).
pub(super) async fn scale(
    rest: &dyn Rest,
    namespace: Option<&str>,
    name: &str,
    method: &Method,
    headers: &HeaderMap,
    query: &Query,
    body: Bytes,
) -> Result<Response> {
    let current: Value =
        serde_json::from_slice(&rest.get(namespace, name).await?).map_err(ApiError::internal)?;
    let scale = scale_of(&current)?;
    let requested = match method.as_str() {
        "GET" => return Ok(json_response(StatusCode::OK, scale.to_string().into())),
        "PUT" => parse_body(&body, super::resource::is_yaml(headers))?,
        "PATCH" => {
            let kind = PatchKind::from_content_type(super::resource::content_type(headers))?;
            crate::patch::apply::<k8s_openapi::api::autoscaling::v1::Scale>(kind, &scale, &body)?
        }
        other => {
            return Err(ApiError::method_not_supported(
                rest.info().qualified(),
                &other.to_ascii_lowercase(),
            ));
        }
    };
    let replicas = requested["spec"]["replicas"].as_i64().unwrap_or(0);
    if replicas < 0 {
        let error = FieldError::invalid(
            &Path::new("spec").child("replicas"),
            replicas,
            "must be greater than or equal to 0",
        );
        return Err(ApiError::invalid(
            "Scale",
            "autoscaling",
            name,
            &ErrorList::from(error),
        ));
    }
    let mut updated = current;
    updated["spec"]["replicas"] = replicas.into();
    if let Some(rv) = requested["metadata"]["resourceVersion"].as_str() {
        updated["metadata"]["resourceVersion"] = rv.into();
    }
    let written = rest
        .update(
            namespace,
            name,
            Part::Main,
            updated,
            &query.write_options()?,
        )
        .await?;
    let stored: Value = serde_json::from_slice(&written.object).map_err(ApiError::internal)?;
    Ok(json_response(
        StatusCode::OK,
        scale_of(&stored)?.to_string().into(),
    ))
}

/// The Scale view of a workload object.
fn scale_of(object: &Value) -> Result<Value> {
    let selector = &object["spec"]["selector"];
    // Workloads use a LabelSelector; replication controllers a plain map.
    let selector =
        if selector.get("matchLabels").is_some() || selector.get("matchExpressions").is_some() {
            let parsed: labels::LabelSelector =
                serde_json::from_value(selector.clone()).map_err(ApiError::internal)?;
            labels::Selector::from_label_selector(Some(&parsed))
                .map_err(|e| ApiError::bad_request(e.to_string()))?
                .to_string()
        } else {
            let pairs = selector
                .as_object()
                .into_iter()
                .flatten()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())));
            labels::Selector::from_set(pairs).to_string()
        };
    let metadata = &object["metadata"];
    Ok(json!({
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            "name": metadata["name"],
            "namespace": metadata["namespace"],
            "uid": metadata["uid"],
            "resourceVersion": metadata["resourceVersion"],
            "creationTimestamp": metadata["creationTimestamp"],
        },
        "spec": {"replicas": object["spec"]["replicas"].as_i64().unwrap_or(1)},
        "status": {
            "replicas": object["status"]["replicas"].as_i64().unwrap_or(0),
            "selector": selector,
        },
    }))
}

/// Serves `POST pods/{name}/binding`: assigns the pod to a node once.
// k8s: pkg/registry/core/pod/storage/storage.go (BindingREST.Create, setPodNodeAndMetadata)
pub(super) async fn binding(
    rest: &dyn Rest,
    namespace: Option<&str>,
    name: &str,
    headers: &HeaderMap,
    query: &Query,
    body: Bytes,
) -> Result<Response> {
    let binding = parse_body(&body, super::resource::is_yaml(headers))?;
    let node = binding["target"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    if node.is_empty() {
        let error = FieldError::required(&Path::new("target").child("name"), "");
        return Err(ApiError::invalid(
            "Binding",
            "",
            name,
            &ErrorList::from(error),
        ));
    }
    let conflict = |why: String| {
        ApiError::conflict(
            crate::status::Qualified {
                resource: "pods/binding",
                group: "",
            },
            name,
            &why,
        )
    };
    let now = jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let dry_run = query.write_options()?.dry_run;
    let change = |pod: &mut Value| -> Result<()> {
        if pod["metadata"]["deletionTimestamp"].is_string() {
            return Err(conflict(format!(
                "pod {name} is being deleted, cannot be assigned to a host"
            )));
        }
        match pod["spec"]["nodeName"].as_str() {
            Some(existing) if !existing.is_empty() => {
                return Err(conflict(format!(
                    "pod {name} is already assigned to node \"{existing}\""
                )));
            }
            _ => {}
        }
        pod["spec"]["nodeName"] = node.clone().into();
        let condition = json!({
            "type": "PodScheduled",
            "status": "True",
            "lastProbeTime": null,
            "lastTransitionTime": now,
        });
        let conditions = pod["status"]["conditions"].as_array_mut();
        match conditions {
            Some(list) => {
                list.retain(|c| c["type"] != "PodScheduled");
                list.push(condition);
            }
            None => pod["status"]["conditions"] = json!([condition]),
        }
        Ok(())
    };
    rest.mutate(namespace, name, &change, dry_run).await?;
    let status = success(Details::default());
    Ok(json_response(
        StatusCode::CREATED,
        status.to_string().into(),
    ))
}
