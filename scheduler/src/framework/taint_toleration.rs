//! Filter and score on taints: a pod must tolerate every `NoSchedule` and
//! `NoExecute` taint of a node, and prefers nodes with fewer untolerated
//! `PreferNoSchedule` taints. A node whose Ready condition is not True is
//! treated as carrying the `not-ready`/`unreachable` NoSchedule taint, as
//! the node lifecycle controller taints it upstream.
//!
//! Counterpart of `pkg/scheduler/framework/plugins/tainttoleration` and
//! `pkg/controller/nodelifecycle` (TaintNodesByCondition).

use k8s_openapi::api::core::v1::{Node, Taint, Toleration};

use super::{Code, NodeInfo, Plugin, PodInfo, Rejection, normalize};

const NOT_READY: &str = "node.kubernetes.io/not-ready";
const UNREACHABLE: &str = "node.kubernetes.io/unreachable";

/// The node's taints, plus the NoSchedule taint its Ready condition implies.
pub fn node_taints(node: &Node) -> Vec<Taint> {
    let mut taints = node
        .spec
        .as_ref()
        .and_then(|s| s.taints.clone())
        .unwrap_or_default();
    let ready = node
        .status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .and_then(|c| c.iter().find(|c| c.type_ == "Ready"))
        .map(|c| c.status.as_str());
    let implied = match ready {
        Some("True") => None,
        Some("False") => Some(NOT_READY),
        _ => Some(UNREACHABLE),
    };
    if let Some(key) = implied
        && !taints
            .iter()
            .any(|t| t.key == key && t.effect == "NoSchedule")
    {
        taints.push(Taint {
            key: key.into(),
            effect: "NoSchedule".into(),
            ..Taint::default()
        });
    }
    taints
}

/// Whether `toleration` tolerates `taint`.
// k8s: staging/src/k8s.io/api/core/v1/toleration.go (ToleratesTaint)
pub fn tolerates(toleration: &Toleration, taint: &Taint) -> bool {
    let effect = toleration.effect.as_deref().unwrap_or_default();
    if !effect.is_empty() && effect != taint.effect {
        return false;
    }
    let key = toleration.key.as_deref().unwrap_or_default();
    if !key.is_empty() && key != taint.key {
        return false;
    }
    match toleration.operator.as_deref().unwrap_or("Equal") {
        "Exists" => true,
        "Equal" | "" => {
            toleration.value.as_deref().unwrap_or_default()
                == taint.value.as_deref().unwrap_or_default()
        }
        _ => false,
    }
}

// k8s: pkg/scheduler/framework/plugins/tainttoleration/taint_toleration.go (Filter)
pub fn filter(pod: &PodInfo, node: &NodeInfo) -> Result<(), Rejection> {
    let untolerated = node.taints.iter().find(|taint| {
        (taint.effect == "NoSchedule" || taint.effect == "NoExecute")
            && !pod.tolerations.iter().any(|t| tolerates(t, taint))
    });
    match untolerated {
        None => Ok(()),
        Some(taint) => Err(Rejection::new(
            Plugin::TaintToleration,
            Code::UnschedulableAndUnresolvable,
            format!(
                "node(s) had untolerated taint {{{}: {}}}",
                taint.key,
                taint.value.as_deref().unwrap_or_default()
            ),
        )),
    }
}

/// Fewer untolerated `PreferNoSchedule` taints score higher; only
/// tolerations with that effect (or none) count.
// k8s: pkg/scheduler/framework/plugins/tainttoleration/taint_toleration.go (Score, NormalizeScore)
pub fn score(pod: &PodInfo, nodes: &[&NodeInfo]) -> Vec<i64> {
    let tolerations: Vec<&Toleration> = pod
        .tolerations
        .iter()
        .filter(|t| {
            matches!(
                t.effect.as_deref(),
                None | Some("") | Some("PreferNoSchedule")
            )
        })
        .collect();
    let mut scores: Vec<i64> = nodes
        .iter()
        .map(|node| {
            node.taints
                .iter()
                .filter(|taint| {
                    taint.effect == "PreferNoSchedule"
                        && !tolerations.iter().any(|t| tolerates(t, taint))
                })
                .count() as i64
        })
        .collect();
    normalize(&mut scores, true);
    scores
}
