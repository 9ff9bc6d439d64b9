//! Filter: cordoned nodes (`spec.unschedulable`) take only pods tolerating
//! the `node.kubernetes.io/unschedulable` taint.
//!
//! Counterpart of `pkg/scheduler/framework/plugins/nodeunschedulable`.

use super::taint_toleration::tolerates;
use super::{Code, NodeInfo, Plugin, PodInfo, Rejection};
use k8s_openapi::api::core::v1::Taint;

pub const TAINT_KEY: &str = "node.kubernetes.io/unschedulable";

// k8s: pkg/scheduler/framework/plugins/nodeunschedulable/node_unschedulable.go (Filter)
pub fn filter(pod: &PodInfo, node: &NodeInfo) -> Result<(), Rejection> {
    if !node.unschedulable {
        return Ok(());
    }
    let taint = Taint {
        key: TAINT_KEY.into(),
        effect: "NoSchedule".into(),
        ..Taint::default()
    };
    if pod.tolerations.iter().any(|t| tolerates(t, &taint)) {
        return Ok(());
    }
    Err(Rejection::new(
        Plugin::NodeUnschedulable,
        Code::UnschedulableAndUnresolvable,
        "node(s) were unschedulable",
    ))
}
