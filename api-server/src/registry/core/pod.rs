//! Pods. Counterpart of upstream's `pkg/registry/core/pod/`.

use k8s_openapi::api::core::v1::{Pod, PodStatus};
use serde_json::Value;

use crate::registry::{ResourceInfo, Strategy};

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

    // k8s: pkg/registry/core/pod/strategy.go (PrepareForCreate)
    fn prepare_for_create(&self, pod: &mut Pod) {
        pod.status = Some(PodStatus {
            phase: Some("Pending".into()),
            ..PodStatus::default()
        });
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
