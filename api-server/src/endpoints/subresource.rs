//! Subresources other than `status`: `scale` of workloads, `binding`,
//! `eviction` and `log` of pods.
//!
//! Counterpart of upstream's `pkg/registry/apps/deployment/storage`
//! (ScaleREST), `pkg/registry/core/pod/storage` (BindingREST, EvictionREST,
//! LogREST) and `pkg/registry/core/pod/strategy.go` (LogLocation).

use apimachinery::selector::labels;
use apimachinery::validation::{ErrorList, FieldError, Path};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::{HeaderMap, Method, StatusCode};
use serde_json::{Value, json};

use super::json_response;
use super::request::Query;
use crate::registry::decode::parse_body;
use crate::registry::meta::now_rfc3339;
use crate::registry::{ListOptions, Part, PatchKind, Registry, Rest, WriteOptions};
use crate::status::{ApiError, Result, success};

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
        "PUT" => parse_body(&body, super::resource::content_type(headers))?,
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
    let options = WriteOptions {
        via: "scale",
        ..query.write_options(super::resource::user_agent(headers))?
    };
    let written = rest
        .update(namespace, name, Part::Main, updated, &options)
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
    let binding = parse_body(&body, super::resource::content_type(headers))?;
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
    let now = now_rfc3339();
    let dry_run = query.dry_run()?;
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
    let status = success(Some(201), None);
    Ok(json_response(
        StatusCode::CREATED,
        status.to_string().into(),
    ))
}

/// Evictions whose PodDisruptionBudget update conflicts are retried this
/// many times before the client gets a timeout.
const EVICTION_RETRIES: usize = 20;
/// Unconfirmed evictions a budget may record before evictions stop.
const MAX_DISRUPTED_PODS: usize = 2000;

/// Serves `POST pods/{name}/eviction` (policy/v1 Eviction): deletes the pod
/// unless its PodDisruptionBudget allows no more disruptions.
// k8s: pkg/registry/core/pod/storage/eviction.go (EvictionREST.Create)
pub(super) async fn eviction(
    registry: &Registry,
    pods: &dyn Rest,
    namespace: &str,
    name: &str,
    headers: &HeaderMap,
    query: &Query,
    body: Bytes,
) -> Result<Response> {
    let eviction = parse_body(&body, super::resource::content_type(headers))?;
    match eviction["apiVersion"].as_str() {
        None | Some("policy/v1" | "policy/v1beta1") => {}
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "the API version in the data ({other}) does not match the expected API version (policy/v1)"
            )));
        }
    }
    if eviction["metadata"]["name"].as_str() != Some(name) {
        return Err(ApiError::bad_request(
            "name in URL does not match name in Eviction object",
        ));
    }
    let mut options = query.delete_options(b"", "")?;
    if let Some(body_options) = eviction.get("deleteOptions").filter(|o| o.is_object()) {
        options.merge(body_options)?;
    }
    let namespace = Some(namespace);
    let caller_pinned_version = options.precondition_resource_version.is_some();
    for _ in 0..EVICTION_RETRIES {
        let pod: Value = serde_json::from_slice(&pods.get(namespace, name).await?)
            .map_err(ApiError::internal)?;
        let phase = pod["status"]["phase"].as_str().unwrap_or_default();
        let terminal = matches!(phase, "Succeeded" | "Failed");
        let terminating = pod["metadata"]["deletionTimestamp"].is_string();
        let admission = if terminal || terminating {
            Admission::Free
        } else if phase == "Pending" {
            Admission::Pinned(None)
        } else {
            admit_by_budget(registry, &pod, options.dry_run).await?
        };
        let mut delete = options.clone();
        if let Admission::Pinned(_) = admission
            && !caller_pinned_version
        {
            // Deleting exactly the pod that was checked keeps a pod that
            // turned ready meanwhile from slipping past its budget.
            delete.precondition_resource_version = pod["metadata"]["resourceVersion"]
                .as_str()
                .map(str::to_owned);
        }
        match (pods.delete(namespace, name, &delete).await, admission) {
            (Ok(_), _) => {
                return Ok(json_response(
                    StatusCode::CREATED,
                    success(Some(201), None).to_string().into(),
                ));
            }
            (Err(error), Admission::Pinned(None))
                if error.code == 409 && !caller_pinned_version => {}
            (Err(error), Admission::Pinned(Some(budget)))
                if error.code == 409 && !caller_pinned_version =>
            {
                return Err(budget_in_progress(&budget));
            }
            (Err(error), _) => return Err(error),
        }
    }
    Err(ApiError::timeout(
        format!("couldn't evict pod {name:?} due to conflicts"),
        10,
    ))
}

/// What an eviction may do to a pod.
enum Admission {
    /// Delete it as asked.
    Free,
    /// Delete it only at the resourceVersion checked; a conflict is retried,
    /// or answered with a 429 naming the budget that let it through.
    Pinned(Option<String>),
}

/// Checks the pod's PodDisruptionBudget, if any, and records the eviction
/// in its status.
// k8s: pkg/registry/core/pod/storage/eviction.go (getPodDisruptionBudgets, checkAndDecrement)
async fn admit_by_budget(registry: &Registry, pod: &Value, dry_run: bool) -> Result<Admission> {
    let Some(budgets) = registry.get("policy", "v1", "poddisruptionbudgets") else {
        return Ok(Admission::Free);
    };
    let namespace = pod["metadata"]["namespace"].as_str();
    let pod_name = pod["metadata"]["name"].as_str().unwrap_or_default();
    let empty = serde_json::Map::new();
    let pod_labels = pod["metadata"]["labels"].as_object().unwrap_or(&empty);
    for _ in 0..EVICTION_RETRIES {
        let listed = budgets.list(namespace, &ListOptions::default()).await?;
        let mut matching = Vec::new();
        for item in &listed.items {
            let budget: Value = serde_json::from_slice(&item.json).map_err(ApiError::internal)?;
            let selector =
                serde_json::from_value::<labels::LabelSelector>(budget["spec"]["selector"].clone())
                    .ok()
                    .filter(|_| budget["spec"]["selector"].is_object())
                    .and_then(|s| labels::Selector::from_label_selector(Some(&s)).ok());
            // An empty or invalid selector matches nothing.
            if selector.is_some_and(|s| !s.is_everything() && s.matches(pod_labels)) {
                matching.push(budget);
            }
        }
        let mut budget = match matching.len() {
            0 => return Ok(Admission::Free),
            1 => matching.remove(0),
            _ => {
                return Err(ApiError::from_status(
                    500,
                    "",
                    "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.".into(),
                ));
            }
        };
        let budget_name = budget["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let status = &budget["status"];
        let number = |field: &str| status[field].as_i64().unwrap_or(0);
        let (current, desired) = (number("currentHealthy"), number("desiredHealthy"));
        // An unready pod does not count as healthy: evicting it costs nothing.
        if !is_ready(pod) && current >= desired && desired > 0 {
            return Ok(Admission::Pinned(Some(budget_name)));
        }
        let generation = budget["metadata"]["generation"].as_i64().unwrap_or(0);
        if number("observedGeneration") < generation {
            return Err(budget_in_progress(&budget_name));
        }
        let allowed = number("disruptionsAllowed");
        let forbidden = |why: &str| {
            ApiError::forbidden(
                crate::status::Qualified {
                    resource: "poddisruptionbudget",
                    group: "policy",
                },
                &budget_name,
                why,
            )
        };
        if allowed < 0 {
            return Err(forbidden("pdb disruptions allowed is negative"));
        }
        let disrupted = status["disruptedPods"].as_object().map_or(0, |m| m.len());
        if disrupted > MAX_DISRUPTED_PODS {
            return Err(forbidden(
                "DisruptedPods map too big - too many evictions not confirmed by PDB controller",
            ));
        }
        if allowed == 0 {
            return Err(ApiError::too_many_requests(
                "Cannot evict pod as it would violate the pod's disruption budget.",
                0,
            )
            .with_cause(
                "DisruptionBudget",
                format!(
                    "The disruption budget {budget_name} needs {desired} healthy pods and has {current} currently"
                ),
            ));
        }
        if dry_run {
            return Ok(Admission::Free);
        }
        let now = now_rfc3339();
        let status = &mut budget["status"];
        status["disruptionsAllowed"] = (allowed - 1).into();
        status["disruptedPods"][pod_name] = now.clone().into();
        if allowed == 1 {
            set_disruption_allowed_condition(status, &now);
        }
        match budgets
            .update(
                namespace,
                &budget_name,
                Part::Status,
                budget,
                &WriteOptions::default(),
            )
            .await
        {
            Ok(_) => return Ok(Admission::Free),
            Err(error) if error.code == 409 => continue,
            Err(error) => return Err(error),
        }
    }
    Err(ApiError::timeout(
        "couldn't update PodDisruptionBudget due to conflicts",
        10,
    ))
}

/// The 429 of a budget the disruption controller has not caught up with.
fn budget_in_progress(budget: &str) -> ApiError {
    ApiError::too_many_requests(
        "Cannot evict pod as it would violate the pod's disruption budget.",
        10,
    )
    .with_cause(
        "DisruptionBudget",
        format!("The disruption budget {budget} is still being processed by the server."),
    )
}

/// Marks a budget that allows no more disruptions.
// k8s: staging/src/k8s.io/component-helpers/apps/poddisruptionbudget/helpers.go (UpdateDisruptionAllowedCondition)
fn set_disruption_allowed_condition(status: &mut Value, now: &str) {
    let observed = status["observedGeneration"].clone();
    let condition = json!({
        "type": "DisruptionAllowed",
        "status": "False",
        "reason": "InsufficientPods",
        "message": "",
        "observedGeneration": observed,
        "lastTransitionTime": now,
    });
    match status["conditions"].as_array_mut() {
        Some(list) => match list.iter_mut().find(|c| c["type"] == "DisruptionAllowed") {
            Some(existing) if existing["status"] == "False" => {}
            Some(existing) => *existing = condition,
            None => list.push(condition),
        },
        None => status["conditions"] = json!([condition]),
    }
}

/// Whether the pod's Ready condition is True.
fn is_ready(pod: &Value) -> bool {
    pod["status"]["conditions"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|c| c["type"] == "Ready" && c["status"] == "True")
}

/// Serves `GET .../pods/{name}/log`: picks the container as upstream does;
/// a pod on no node yet has an empty log. Logs live on the node that runs
/// the pod, and no node agent serves them to this server yet, so a
/// scheduled pod's log is refused with 503.
// k8s: pkg/registry/core/pod/strategy.go (LogLocation)
pub(super) async fn log(
    registry: &Registry,
    pods: &dyn Rest,
    namespace: Option<&str>,
    name: &str,
    query: &Query,
) -> Result<Response> {
    let pod: Value =
        serde_json::from_slice(&pods.get(namespace, name).await?).map_err(ApiError::internal)?;
    let names = |field: &str| -> Vec<String> {
        pod["spec"][field]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| c["name"].as_str().map(str::to_owned))
            .collect()
    };
    let (containers, init_containers) = (names("containers"), names("initContainers"));
    let container = match query.get("container").filter(|c| !c.is_empty()) {
        Some(container) => {
            if !containers
                .iter()
                .chain(&init_containers)
                .any(|c| c == container)
            {
                return Err(ApiError::bad_request(format!(
                    "container {container} is not valid for pod {name}"
                )));
            }
            container.to_owned()
        }
        None => match containers.as_slice() {
            [only] => only.clone(),
            [] => {
                return Err(ApiError::bad_request(format!(
                    "a container name must be specified for pod {name}"
                )));
            }
            many => {
                let mut message = format!(
                    "a container name must be specified for pod {name}, choose one of: [{}]",
                    many.join(" ")
                );
                if !init_containers.is_empty() {
                    message.push_str(&format!(
                        " or one of the init containers: [{}]",
                        init_containers.join(" ")
                    ));
                }
                return Err(ApiError::bad_request(message));
            }
        },
    };
    let node = pod["spec"]["nodeName"].as_str().unwrap_or_default();
    if node.is_empty() {
        let mut response = (StatusCode::OK, Bytes::new()).into_response();
        response.headers_mut().insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("text/plain"),
        );
        return Ok(response);
    }
    let nodes = crate::registry::core::node::INFO;
    let node_store = registry
        .get(nodes.group, nodes.version, nodes.resource)
        .ok_or_else(ApiError::not_found_path)?;
    node_store.get(None, node).await?;
    Err(ApiError::service_unavailable(format!(
        "the logs of container {container} of pod {name} are on node {node}, whose node agent does not serve logs to the api-server"
    )))
}
