//! Filter and score on `topologySpreadConstraints`: the pods matching a
//! constraint's selector must stay spread over its topology domains within
//! `maxSkew` (DoNotSchedule), or are spread as well as possible
//! (ScheduleAnyway).
//!
//! Counterpart of `pkg/scheduler/framework/plugins/podtopologyspread`
//! (common.go, filtering.go, scoring.go).

use std::collections::{BTreeMap, HashMap, HashSet};

use apimachinery::selector::labels::{Operator, Requirement, Selector};
use k8s_openapi::api::core::v1::PodSpec;

use super::taint_toleration::tolerates;
use super::{Cluster, Code, MAX_NODE_SCORE, NodeInfo, Plugin, PodInfo, Rejection, parse_selector};

const HOSTNAME: &str = "kubernetes.io/hostname";

/// One constraint with its selector parsed.
#[derive(Clone, Debug)]
pub struct Constraint {
    pub max_skew: i64,
    pub topology_key: String,
    /// `whenUnsatisfiable: DoNotSchedule` (a filter) rather than a score.
    pub hard: bool,
    pub selector: Selector,
    pub min_domains: Option<i64>,
    /// `nodeAffinityPolicy: Honor` (the default): only nodes matching the
    /// pod's node affinity count.
    pub honor_node_affinity: bool,
    /// `nodeTaintsPolicy: Honor`: only nodes whose taints the pod tolerates
    /// count (default Ignore).
    pub honor_taints: bool,
}

// k8s: pkg/scheduler/framework/plugins/podtopologyspread/common.go (filterTopologySpreadConstraints)
pub fn constraints(spec: &PodSpec, labels: &BTreeMap<String, String>) -> Vec<Constraint> {
    spec.topology_spread_constraints
        .iter()
        .flatten()
        .map(|c| {
            // matchLabelKeys: the pod's own values of these labels narrow
            // the selector.
            let extra = c
                .match_label_keys
                .iter()
                .flatten()
                .filter_map(|key| {
                    let value = labels.get(key)?;
                    Requirement::new(key.clone(), Operator::In, vec![value.clone()]).ok()
                })
                .collect::<Vec<_>>();
            Constraint {
                max_skew: i64::from(c.max_skew),
                topology_key: c.topology_key.clone(),
                hard: c.when_unsatisfiable == "DoNotSchedule",
                selector: parse_selector(c.label_selector.as_ref()).with_requirements(extra),
                min_domains: c.min_domains.map(i64::from),
                honor_node_affinity: c.node_affinity_policy.as_deref() != Some("Ignore"),
                honor_taints: c.node_taints_policy.as_deref() == Some("Honor"),
            }
        })
        .collect()
}

/// Whether `node` takes part in the spreading of `constraints`.
fn eligible(pod: &PodInfo, node: &NodeInfo, constraints: &[&Constraint]) -> bool {
    constraints.iter().all(|c| {
        node.labels.contains_key(&c.topology_key)
            && (!c.honor_node_affinity || pod.node_affinity.matches(node))
            && (!c.honor_taints
                || node.taints.iter().all(|taint| {
                    !(taint.effect == "NoSchedule" || taint.effect == "NoExecute")
                        || pod.tolerations.iter().any(|t| tolerates(t, taint))
                }))
    })
}

/// Matching pods per domain for each constraint, over the eligible nodes.
fn count(
    pod: &PodInfo,
    cluster: &Cluster<'_>,
    constraints: &[&Constraint],
    ignored: &[&str],
) -> Vec<HashMap<String, i64>> {
    let mut counts = vec![HashMap::new(); constraints.len()];
    for node in cluster.nodes {
        if !eligible(pod, node, constraints) {
            continue;
        }
        for (c, counts) in constraints.iter().zip(&mut counts) {
            let matching = node
                .pods
                .iter()
                .filter(|p| {
                    !p.terminating
                        && p.namespace == pod.namespace
                        && !ignored.contains(&p.uid.as_str())
                        && c.selector.matches(&p.labels)
                })
                .count() as i64;
            if let Some(value) = node.labels.get(&c.topology_key) {
                *counts.entry(value.clone()).or_insert(0) += matching;
            }
        }
    }
    counts
}

/// Domain counts and minimums of the DoNotSchedule constraints.
// k8s: pkg/scheduler/framework/plugins/podtopologyspread/filtering.go (preFilterState)
#[derive(Debug, Default)]
pub struct State {
    counts: Vec<HashMap<String, i64>>,
    minimums: Vec<i64>,
}

impl State {
    pub fn new(pod: &PodInfo, cluster: &Cluster<'_>, ignored: &[&str]) -> Self {
        let hard: Vec<&Constraint> = pod.spread_constraints.iter().filter(|c| c.hard).collect();
        if hard.is_empty() {
            return State::default();
        }
        let counts = count(pod, cluster, &hard, ignored);
        let minimums = hard
            .iter()
            .zip(&counts)
            .map(|(c, counts)| {
                let domains = counts.len() as i64;
                if c.min_domains.is_some_and(|m| domains < m) {
                    0
                } else {
                    counts.values().copied().min().unwrap_or(0)
                }
            })
            .collect();
        State { counts, minimums }
    }
}

// k8s: pkg/scheduler/framework/plugins/podtopologyspread/filtering.go (Filter)
pub fn filter(state: &State, pod: &PodInfo, node: &NodeInfo) -> Result<(), Rejection> {
    let hard = pod.spread_constraints.iter().filter(|c| c.hard);
    for ((c, counts), min) in hard.zip(&state.counts).zip(&state.minimums) {
        let Some(value) = node.labels.get(&c.topology_key) else {
            return Err(Rejection::new(
                Plugin::PodTopologySpread,
                Code::UnschedulableAndUnresolvable,
                "node(s) didn't match pod topology spread constraints (missing required label)",
            ));
        };
        let self_match = i64::from(c.selector.matches(&pod.labels));
        let skew = counts.get(value).copied().unwrap_or(0) + self_match - min;
        if skew > c.max_skew {
            return Err(Rejection::new(
                Plugin::PodTopologySpread,
                Code::Unschedulable,
                "node(s) didn't match pod topology spread constraints",
            ));
        }
    }
    Ok(())
}

/// For ScheduleAnyway constraints: nodes in domains with fewer matching
/// pods score higher; each constraint weighs the log of its domain count.
// k8s: pkg/scheduler/framework/plugins/podtopologyspread/scoring.go (PreScore, Score, NormalizeScore)
pub fn score(pod: &PodInfo, cluster: &Cluster<'_>, nodes: &[&NodeInfo]) -> Vec<i64> {
    let soft: Vec<&Constraint> = pod.spread_constraints.iter().filter(|c| !c.hard).collect();
    if soft.is_empty() {
        return vec![0; nodes.len()];
    }
    let counts = count(pod, cluster, &soft, &[]);
    let weights: Vec<f64> = soft
        .iter()
        .map(|c| {
            let domains = if c.topology_key == HOSTNAME {
                nodes.len()
            } else {
                nodes
                    .iter()
                    .filter_map(|n| n.labels.get(&c.topology_key))
                    .collect::<HashSet<_>>()
                    .len()
            };
            ((domains + 2) as f64).ln()
        })
        .collect();
    let raw: Vec<Option<i64>> = nodes
        .iter()
        .map(|node| {
            if !eligible(pod, node, &soft) {
                return None;
            }
            let mut total = 0.0;
            for ((c, counts), weight) in soft.iter().zip(&counts).zip(&weights) {
                let value = node.labels.get(&c.topology_key)?;
                let matching = counts.get(value).copied().unwrap_or(0);
                total += (matching + c.max_skew - 1) as f64 * weight;
            }
            Some(total.round() as i64)
        })
        .collect();
    let scored = raw.iter().flatten().copied();
    let max = scored.clone().max().unwrap_or(0);
    let min = scored.min().unwrap_or(0);
    raw.iter()
        .map(|s| match s {
            None => 0,
            Some(_) if max == 0 => MAX_NODE_SCORE,
            Some(s) => MAX_NODE_SCORE * (max + min - s) / max,
        })
        .collect()
}
