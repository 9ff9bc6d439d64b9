//! Pods. Counterpart of upstream's `pkg/registry/core/pod/`: the strategy
//! here, defaulting in [`defaults`], validation in [`validation`].

mod defaults;
#[cfg(test)]
mod tests;
mod validation;

use std::collections::BTreeMap;

use apimachinery::validation::ErrorList;
use k8s_openapi::api::core::v1::{Container, Pod, PodSpec, PodStatus};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use serde_json::Value;

pub use defaults::{default_pod, default_pod_spec, default_pod_spec_on_create, set_if_empty};
pub use validation::{
    UPDATE_FORBIDDEN, validate_containers_only_for_pod, validate_pod_create, validate_pod_spec,
    validate_pod_template_spec, validate_pod_update,
};

use crate::registry::scheduling::admit_pod_priority;
use crate::registry::strategy::Cluster;
use crate::registry::{ResourceInfo, Strategy};
use crate::status::Result;
use apimachinery::quantity;

/// The pods resource.
pub static INFO: &ResourceInfo = &ResourceInfo {
    group: "",
    version: "v1",
    resource: "pods",
    singular: "pod",
    kind: "Pod",
    namespaced: true,
    short_names: &["po"],
    categories: &["all"],
    has_status: true,
    has_scale: false,
    printer: &crate::printers::PODS,
};

/// Grace period when neither the request nor the pod names one.
const DEFAULT_GRACE_SECONDS: i64 = 30;

#[derive(Clone, Copy, Default)]
pub struct PodStrategy;

impl Strategy for PodStrategy {
    type Object = Pod;

    fn info(&self) -> &'static ResourceInfo {
        INFO
    }

    fn apply_defaults(&self, pod: &mut Pod) {
        default_pod(pod);
    }

    // k8s: pkg/registry/core/pod/strategy.go (PrepareForCreate)
    fn prepare_for_create(&self, pod: &mut Pod) {
        let spec = pod.spec.get_or_insert_with(PodSpec::default);
        default_pod_spec_on_create(spec);
        let qos_class = qos_class(spec);
        pod.status = Some(PodStatus {
            phase: Some("Pending".into()),
            qos_class: Some(qos_class.into()),
            ..PodStatus::default()
        });
    }

    fn admit_create(&self, pod: &mut Pod, cluster: &Cluster<'_>) -> Result<()> {
        admit_pod_priority(pod, cluster)
    }

    fn validate(&self, pod: &Pod) -> ErrorList {
        validate_pod_create(pod)
    }

    fn validate_update(&self, new: &Pod, old: &Pod) -> ErrorList {
        validate_pod_update(new, old)
    }

    // k8s: pkg/registry/core/pod/strategy.go (podStrategy.GetAttrs / ToSelectableFields)
    fn selectable_fields(&self, object: &Value) -> Vec<(&'static str, String)> {
        let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
        let spec = &object["spec"];
        let status = &object["status"];
        vec![
            ("spec.nodeName", text(&spec["nodeName"])),
            ("spec.restartPolicy", text(&spec["restartPolicy"])),
            ("spec.schedulerName", text(&spec["schedulerName"])),
            ("spec.serviceAccountName", text(&spec["serviceAccountName"])),
            (
                "spec.hostNetwork",
                spec["hostNetwork"].as_bool().unwrap_or(false).to_string(),
            ),
            ("status.phase", text(&status["phase"])),
            ("status.podIP", text(&status["podIP"])),
            (
                "status.nominatedNodeName",
                text(&status["nominatedNodeName"]),
            ),
        ]
    }

    // k8s: pkg/registry/core/pod/strategy.go (CheckGracefulDeletion)
    fn grace_period(&self, pod: &Pod, requested: Option<i64>) -> Option<i64> {
        let unbound = pod
            .spec
            .as_ref()
            .and_then(|s| s.node_name.as_deref())
            .is_none_or(str::is_empty);
        let terminal = pod
            .status
            .as_ref()
            .and_then(|s| s.phase.as_deref())
            .is_some_and(|p| p == "Succeeded" || p == "Failed");
        if unbound || terminal {
            return None;
        }
        let from_spec = pod
            .spec
            .as_ref()
            .and_then(|s| s.termination_grace_period_seconds);
        Some(
            requested
                .or(from_spec)
                .unwrap_or(DEFAULT_GRACE_SECONDS)
                .max(0),
        )
    }
}

/// The QoS class of a pod: `BestEffort` without any cpu or memory request or
/// limit, `Guaranteed` when every container limits both and requests equal
/// limits, `Burstable` otherwise.
// k8s: pkg/apis/core/helper/qos/qos.go (GetPodQOS)
fn qos_class(spec: &PodSpec) -> &'static str {
    const COMPUTE: [&str; 2] = ["cpu", "memory"];
    let containers: Vec<&Container> = spec
        .containers
        .iter()
        .chain(spec.init_containers.iter().flatten())
        .collect();
    let zero = quantity::parse("0");
    let non_zero = |list: Option<&BTreeMap<String, Quantity>>, name: &str| {
        list.and_then(|l| l.get(name))
            .and_then(|q| quantity::parse(&q.0))
            .filter(|a| Some(*a) > zero)
    };
    let mut any = false;
    let mut guaranteed = true;
    for ctr in containers {
        let resources = ctr.resources.as_ref();
        let requests = resources.and_then(|r| r.requests.as_ref());
        let limits = resources.and_then(|r| r.limits.as_ref());
        for name in COMPUTE {
            let request = non_zero(requests, name);
            let limit = non_zero(limits, name);
            any |= request.is_some() || limit.is_some();
            if limit.is_none() || (request.is_some() && request != limit) {
                guaranteed = false;
            }
        }
    }
    match (any, guaranteed) {
        (false, _) => "BestEffort",
        (true, true) => "Guaranteed",
        (true, false) => "Burstable",
    }
}
