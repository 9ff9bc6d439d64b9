//! Score: pods of the same controller (ReplicaSet, StatefulSet, Job ...)
//! spread over nodes; a node with fewer of the pod's siblings scores higher.
//!
//! Counterpart of the node part of `SelectorSpread`
//! (`pkg/scheduler/framework/plugins/selectorspread`, removed upstream in
//! favour of default topology spreading), keyed by the controller's UID
//! rather than by the selectors of services and workloads.

use super::{NodeInfo, PodInfo, normalize};

// k8s: pkg/scheduler/framework/plugins/selectorspread/selector_spread.go (Score, NormalizeScore)
pub fn score(pod: &PodInfo, nodes: &[&NodeInfo]) -> Vec<i64> {
    let Some(owner) = &pod.owner_uid else {
        return vec![0; nodes.len()];
    };
    let mut scores: Vec<i64> = nodes
        .iter()
        .map(|node| node.owner_counts.get(owner).copied().unwrap_or(0))
        .collect();
    normalize(&mut scores, true);
    scores
}
