//! Filter and scores on cpu, memory, ephemeral storage and the pod count:
//! the pod must fit in what the node has left; nodes with more left
//! (least-allocated) and with cpu and memory used in the same proportion
//! (balanced allocation) score higher.
//!
//! Counterpart of `pkg/scheduler/framework/plugins/noderesources` (fit.go,
//! least_allocated.go, balanced_allocation.go).

use std::sync::Arc;

use super::{Code, MAX_NODE_SCORE, NodeInfo, Plugin, PodInfo, Rejection};
use crate::resources::Resources;

// k8s: pkg/scheduler/framework/plugins/noderesources/fit.go (Filter, fitsRequest)
pub fn filter(pod: &PodInfo, node: &NodeInfo, nominated: &[Arc<PodInfo>]) -> Result<(), Rejection> {
    let mut requested = node.requested;
    for other in nominated {
        requested.add(&other.requests.requests);
    }
    let pod_count = node.pods.len() + nominated.len();
    let mut reasons = Vec::new();
    if pod_count as i64 + 1 > node.allowed_pods {
        reasons.push("Too many pods".to_owned());
    }
    let want = &pod.requests.requests;
    let free = |allocatable: i64, used: i64| allocatable - used;
    if want.milli_cpu > 0 && want.milli_cpu > free(node.allocatable.milli_cpu, requested.milli_cpu)
    {
        reasons.push("Insufficient cpu".to_owned());
    }
    if want.memory > 0 && want.memory > free(node.allocatable.memory, requested.memory) {
        reasons.push("Insufficient memory".to_owned());
    }
    if want.ephemeral_storage > 0
        && want.ephemeral_storage
            > free(
                node.allocatable.ephemeral_storage,
                requested.ephemeral_storage,
            )
    {
        reasons.push("Insufficient ephemeral-storage".to_owned());
    }
    if reasons.is_empty() {
        Ok(())
    } else {
        Err(Rejection {
            plugin: Plugin::NodeResourcesFit,
            code: Code::Unschedulable,
            reasons,
        })
    }
}

/// `(requested, allocatable)` of cpu and memory once the pod is added,
/// counting defaults for containers without requests.
fn usage(pod: &PodInfo, node: &NodeInfo) -> [(i64, i64); 2] {
    let mut requested: Resources = node.non_zero_requested;
    requested.add(&pod.requests.non_zero);
    [
        (requested.milli_cpu, node.allocatable.milli_cpu),
        (requested.memory, node.allocatable.memory),
    ]
}

/// Equal weights for cpu and memory; each resource scores the share of it
/// left free.
// k8s: pkg/scheduler/framework/plugins/noderesources/least_allocated.go (leastResourceScorer)
pub fn least_allocated(pod: &PodInfo, nodes: &[&NodeInfo]) -> Vec<i64> {
    nodes
        .iter()
        .map(|node| {
            let resources = usage(pod, node);
            let sum: i64 = resources
                .iter()
                .map(|&(requested, allocatable)| {
                    if allocatable == 0 || requested > allocatable {
                        0
                    } else {
                        (allocatable - requested) * MAX_NODE_SCORE / allocatable
                    }
                })
                .sum();
            sum / resources.len() as i64
        })
        .collect()
}

/// One minus the standard deviation of the used fractions of cpu and
/// memory: a node used evenly scores the most.
// k8s: pkg/scheduler/framework/plugins/noderesources/balanced_allocation.go (balancedResourceScorer)
pub fn balanced_allocation(pod: &PodInfo, nodes: &[&NodeInfo]) -> Vec<i64> {
    nodes
        .iter()
        .map(|node| {
            let fractions: Vec<f64> = usage(pod, node)
                .iter()
                .filter(|&&(_, allocatable)| allocatable > 0)
                .map(|&(requested, allocatable)| (requested as f64 / allocatable as f64).min(1.0))
                .collect();
            let std = match fractions.as_slice() {
                [a, b] => (a - b).abs() / 2.0,
                _ => 0.0,
            };
            ((1.0 - std) * MAX_NODE_SCORE as f64) as i64
        })
        .collect()
}
