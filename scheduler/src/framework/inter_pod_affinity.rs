//! Filter and score on pod (anti-)affinity: the pods already running in a
//! topology domain (a node, a zone ...) decide whether the pod may join it.
//!
//! Counterpart of `pkg/scheduler/framework/plugins/interpodaffinity`
//! (filtering.go, scoring.go).

use super::{Cluster, Code, MAX_NODE_SCORE, NodeInfo, PodInfo, Rejection, TopologyCounts};
use crate::framework::Plugin;

/// Weight of an existing pod's required affinity term that selects the
/// incoming pod, in scoring.
// k8s: pkg/scheduler/apis/config/v1/defaults.go (DefaultHardPodAffinitySymmetricWeight)
const HARD_POD_AFFINITY_WEIGHT: i64 = 1;

/// Counts computed once per attempt.
// k8s: pkg/scheduler/framework/plugins/interpodaffinity/filtering.go (preFilterState)
#[derive(Debug, Default)]
pub struct State {
    /// Domains where a running pod's required anti-affinity selects the pod.
    existing_anti: TopologyCounts,
    /// Domains with pods matching all the pod's required affinity terms.
    affinity: TopologyCounts,
    /// Domains with pods matching one of the pod's anti-affinity terms.
    anti: TopologyCounts,
    /// The pod matches its own affinity terms (a group's first pod).
    self_match: bool,
}

impl State {
    pub fn new(pod: &PodInfo, cluster: &Cluster<'_>, ignored: &[&str]) -> Self {
        let mut state = State::default();
        let needs_all =
            !(pod.required_affinity.is_empty() && pod.required_anti_affinity.is_empty());
        for node in cluster.nodes {
            if !needs_all && node.pods_with_required_anti_affinity == 0 {
                continue;
            }
            for existing in &node.pods {
                if ignored.contains(&existing.uid.as_str()) {
                    continue;
                }
                for term in &existing.required_anti_affinity {
                    if let Some(value) = node.labels.get(&term.topology_key)
                        && term.matches(pod, cluster.namespaces)
                    {
                        state.existing_anti.add(&term.topology_key, value, 1);
                    }
                }
                if !needs_all {
                    continue;
                }
                if !pod.required_affinity.is_empty()
                    && pod
                        .required_affinity
                        .iter()
                        .all(|t| t.matches(existing, cluster.namespaces))
                {
                    for term in &pod.required_affinity {
                        if let Some(value) = node.labels.get(&term.topology_key) {
                            state.affinity.add(&term.topology_key, value, 1);
                        }
                    }
                }
                for term in &pod.required_anti_affinity {
                    if let Some(value) = node.labels.get(&term.topology_key)
                        && term.matches(existing, cluster.namespaces)
                    {
                        state.anti.add(&term.topology_key, value, 1);
                    }
                }
            }
        }
        state.self_match = pod
            .required_affinity
            .iter()
            .all(|t| t.matches(pod, cluster.namespaces));
        state
    }
}

// k8s: pkg/scheduler/framework/plugins/interpodaffinity/filtering.go (Filter)
pub fn filter(state: &State, pod: &PodInfo, node: &NodeInfo) -> Result<(), Rejection> {
    if node
        .labels
        .iter()
        .any(|(key, value)| state.existing_anti.get(key, value) > 0)
    {
        return Err(Rejection::new(
            Plugin::InterPodAffinity,
            Code::Unschedulable,
            "node(s) didn't satisfy existing pods anti-affinity rules",
        ));
    }
    if !pod.required_affinity.is_empty() {
        let satisfied = pod.required_affinity.iter().all(|term| {
            node.labels
                .get(&term.topology_key)
                .is_some_and(|value| state.affinity.get(&term.topology_key, value) > 0)
        });
        // With no matching pod anywhere, a pod matching its own terms may
        // start the group on any node having the topology keys.
        let first_of_group = state.affinity.is_empty()
            && state.self_match
            && pod
                .required_affinity
                .iter()
                .all(|term| node.labels.contains_key(&term.topology_key));
        if !(satisfied || first_of_group) {
            return Err(Rejection::new(
                Plugin::InterPodAffinity,
                Code::UnschedulableAndUnresolvable,
                "node(s) didn't match pod affinity rules",
            ));
        }
    }
    let anti_violated = pod.required_anti_affinity.iter().any(|term| {
        node.labels
            .get(&term.topology_key)
            .is_some_and(|value| state.anti.get(&term.topology_key, value) > 0)
    });
    if anti_violated {
        return Err(Rejection::new(
            Plugin::InterPodAffinity,
            Code::Unschedulable,
            "node(s) didn't match pod anti-affinity rules",
        ));
    }
    Ok(())
}

/// Sums, per topology domain, the weights of the preferred terms of the pod
/// that select running pods (anti-affinity subtracts), and of the terms of
/// running pods that select this pod; a node scores its domains' sums,
/// scaled between the lowest and the highest.
// k8s: pkg/scheduler/framework/plugins/interpodaffinity/scoring.go (PreScore, Score, NormalizeScore)
pub fn score(pod: &PodInfo, cluster: &Cluster<'_>, nodes: &[&NodeInfo]) -> Vec<i64> {
    let own_terms = !(pod.preferred_affinity.is_empty() && pod.preferred_anti_affinity.is_empty());
    let mut domains = TopologyCounts::default();
    let ns = cluster.namespaces;
    for node in cluster.nodes {
        if !own_terms && node.pods_with_affinity == 0 {
            continue;
        }
        let mut add = |key: &str, weight: i64| {
            if let Some(value) = node.labels.get(key) {
                domains.add(key, value, weight);
            }
        };
        for existing in &node.pods {
            for t in &pod.preferred_affinity {
                if t.term.matches(existing, ns) {
                    add(&t.term.topology_key, t.weight);
                }
            }
            for t in &pod.preferred_anti_affinity {
                if t.term.matches(existing, ns) {
                    add(&t.term.topology_key, -t.weight);
                }
            }
            for term in &existing.required_affinity {
                if term.matches(pod, ns) {
                    add(&term.topology_key, HARD_POD_AFFINITY_WEIGHT);
                }
            }
            for t in &existing.preferred_affinity {
                if t.term.matches(pod, ns) {
                    add(&t.term.topology_key, t.weight);
                }
            }
            for t in &existing.preferred_anti_affinity {
                if t.term.matches(pod, ns) {
                    add(&t.term.topology_key, -t.weight);
                }
            }
        }
    }
    let raw: Vec<i64> = nodes.iter().map(|node| domains.sum_on_node(node)).collect();
    let (min, max) = (
        raw.iter().copied().min().unwrap_or(0),
        raw.iter().copied().max().unwrap_or(0),
    );
    raw.iter()
        .map(|&s| {
            if max == min {
                0
            } else {
                MAX_NODE_SCORE * (s - min) / (max - min)
            }
        })
        .collect()
}
