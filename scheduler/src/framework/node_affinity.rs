//! Filter and score on node labels: `nodeSelector` and required node
//! affinity must match; preferred node-affinity terms add their weight.
//!
//! Counterpart of `pkg/scheduler/framework/plugins/nodeaffinity` and
//! `staging/src/k8s.io/component-helpers/scheduling/corev1/nodeaffinity`.

use apimachinery::selector::labels::{Operator, Requirement, Selector};
use k8s_openapi::api::core::v1::{NodeSelectorRequirement, PodSpec};

use super::{Code, NodeInfo, Plugin, PodInfo, Rejection, normalize};

/// One node-selector term: label expressions AND field expressions (only
/// `metadata.name` exists). A term with neither matches no node.
#[derive(Clone, Debug)]
pub struct NodeSelectorTerm {
    labels: Vec<Requirement>,
    name: Vec<Requirement>,
    /// Set when an expression could not be parsed: the term matches nothing.
    invalid: bool,
}

impl NodeSelectorTerm {
    // k8s: staging/src/k8s.io/component-helpers/scheduling/corev1/nodeaffinity/nodeaffinity.go (newNodeSelectorTerm)
    fn new(term: &k8s_openapi::api::core::v1::NodeSelectorTerm) -> Self {
        let mut invalid = false;
        let mut parse = |exprs: Option<&Vec<NodeSelectorRequirement>>| {
            exprs
                .into_iter()
                .flatten()
                .filter_map(|e| match requirement(e) {
                    Some(r) => Some(r),
                    None => {
                        invalid = true;
                        None
                    }
                })
                .collect::<Vec<_>>()
        };
        let labels = parse(term.match_expressions.as_ref());
        let name = parse(term.match_fields.as_ref());
        let name_only = name.iter().all(|r| r.key() == "metadata.name");
        NodeSelectorTerm {
            invalid: invalid || !name_only,
            labels,
            name,
        }
    }

    pub fn matches(&self, node: &NodeInfo) -> bool {
        if self.invalid || (self.labels.is_empty() && self.name.is_empty()) {
            return false;
        }
        let fields = [("metadata.name", node.name.as_str())];
        self.labels.iter().all(|r| r.matches(&node.labels))
            && self.name.iter().all(|r| r.matches(&fields))
    }
}

fn requirement(expr: &NodeSelectorRequirement) -> Option<Requirement> {
    let operator = match expr.operator.as_str() {
        "In" => Operator::In,
        "NotIn" => Operator::NotIn,
        "Exists" => Operator::Exists,
        "DoesNotExist" => Operator::DoesNotExist,
        "Gt" => Operator::GreaterThan,
        "Lt" => Operator::LessThan,
        _ => return None,
    };
    Requirement::new(
        expr.key.clone(),
        operator,
        expr.values.clone().unwrap_or_default(),
    )
    .ok()
}

/// `nodeSelector` and the required node-affinity terms of a pod.
#[derive(Clone, Debug)]
pub struct RequiredNodeAffinity {
    selector: Option<Selector>,
    /// ORed; `None` when the pod has no required node affinity.
    terms: Option<Vec<NodeSelectorTerm>>,
}

impl RequiredNodeAffinity {
    // k8s: staging/src/k8s.io/component-helpers/scheduling/corev1/nodeaffinity/nodeaffinity.go (GetRequiredNodeAffinity)
    pub fn new(spec: &PodSpec) -> Self {
        let selector = spec
            .node_selector
            .as_ref()
            .filter(|s| !s.is_empty())
            .map(|s| Selector::validated_from_set(s.clone()).unwrap_or(Selector::nothing()));
        let terms = spec
            .affinity
            .as_ref()
            .and_then(|a| a.node_affinity.as_ref())
            .and_then(|a| {
                a.required_during_scheduling_ignored_during_execution
                    .as_ref()
            })
            .map(|s| {
                s.node_selector_terms
                    .iter()
                    .map(NodeSelectorTerm::new)
                    .collect()
            });
        RequiredNodeAffinity { selector, terms }
    }

    pub fn matches(&self, node: &NodeInfo) -> bool {
        self.selector
            .as_ref()
            .is_none_or(|s| s.matches(&node.labels))
            && self
                .terms
                .as_ref()
                .is_none_or(|terms| terms.iter().any(|t| t.matches(node)))
    }
}

/// The preferred terms of a pod with their weights.
pub fn preferred_terms(spec: &PodSpec) -> Vec<(i64, NodeSelectorTerm)> {
    spec.affinity
        .as_ref()
        .and_then(|a| a.node_affinity.as_ref())
        .and_then(|a| {
            a.preferred_during_scheduling_ignored_during_execution
                .as_ref()
        })
        .into_iter()
        .flatten()
        .filter(|t| t.weight != 0)
        .map(|t| (i64::from(t.weight), NodeSelectorTerm::new(&t.preference)))
        .collect()
}

// k8s: pkg/scheduler/framework/plugins/nodeaffinity/node_affinity.go (Filter)
pub fn filter(pod: &PodInfo, node: &NodeInfo) -> Result<(), Rejection> {
    if pod.node_affinity.matches(node) {
        Ok(())
    } else {
        Err(Rejection::new(
            Plugin::NodeAffinity,
            Code::UnschedulableAndUnresolvable,
            "node(s) didn't match Pod's node affinity/selector",
        ))
    }
}

// k8s: pkg/scheduler/framework/plugins/nodeaffinity/node_affinity.go (Score, NormalizeScore)
pub fn score(pod: &PodInfo, nodes: &[&NodeInfo]) -> Vec<i64> {
    if pod.preferred_node_affinity.is_empty() {
        return vec![0; nodes.len()];
    }
    let mut scores: Vec<i64> = nodes
        .iter()
        .map(|node| {
            pod.preferred_node_affinity
                .iter()
                .filter(|(_, term)| term.matches(node))
                .map(|(weight, _)| weight)
                .sum()
        })
        .collect();
    normalize(&mut scores, false);
    scores
}
