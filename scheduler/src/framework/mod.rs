//! The scheduling framework: what is known about a pod and a node while
//! deciding ([`PodInfo`], [`NodeInfo`]), the per-attempt state computed once
//! over the whole cluster ([`CycleState`]), and the filter and score plugins
//! run in upstream's default order and weights.
//!
//! Counterpart of `pkg/scheduler/framework` (types.go, runtime/framework.go)
//! and the default plugin set of `pkg/scheduler/apis/config/v1/default_plugins.go`.

pub mod inter_pod_affinity;
pub mod node_affinity;
pub mod node_ports;
pub mod node_resources;
pub mod node_unschedulable;
pub mod owner_spread;
pub mod pod_topology_spread;
pub mod taint_toleration;

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::Arc;

use apimachinery::selector::labels::{LabelSelector, Selector};
use jiff::Timestamp;
use k8s_openapi::api::core::v1::{Node, Pod, PodAffinityTerm, Taint, Toleration};

use crate::resources::{self, PodRequests, Resources};

/// Best score a plugin gives a node, before its weight.
// k8s: pkg/scheduler/framework/interface.go (MaxNodeScore)
pub const MAX_NODE_SCORE: i64 = 100;

/// The plugins that can reject a pod, in the order filters run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Plugin {
    NodeUnschedulable,
    TaintToleration,
    NodeAffinity,
    NodePorts,
    NodeResourcesFit,
    PodTopologySpread,
    InterPodAffinity,
}

impl Plugin {
    pub const fn name(self) -> &'static str {
        match self {
            Plugin::NodeUnschedulable => "NodeUnschedulable",
            Plugin::TaintToleration => "TaintToleration",
            Plugin::NodeAffinity => "NodeAffinity",
            Plugin::NodePorts => "NodePorts",
            Plugin::NodeResourcesFit => "NodeResourcesFit",
            Plugin::PodTopologySpread => "PodTopologySpread",
            Plugin::InterPodAffinity => "InterPodAffinity",
        }
    }
}

/// Whether removing pods from the node (preemption) could ever help.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Code {
    /// The node does not fit now; evicting pods may change that.
    Unschedulable,
    /// The node does not fit whatever runs on it.
    UnschedulableAndUnresolvable,
}

/// Why a plugin rejected a node; `reasons` are the texts counted in the
/// `FailedScheduling` message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    pub plugin: Plugin,
    pub code: Code,
    pub reasons: Vec<String>,
}

impl Rejection {
    pub fn new(plugin: Plugin, code: Code, reason: impl Into<String>) -> Self {
        Rejection {
            plugin,
            code,
            reasons: vec![reason.into()],
        }
    }
}

/// A pod-affinity term with its selectors parsed.
#[derive(Clone, Debug)]
pub struct AffinityTerm {
    pub selector: Selector,
    /// Namespaces named by the term (the pod's own when neither these nor a
    /// namespace selector are given).
    pub namespaces: Vec<String>,
    /// Namespaces selected by their labels.
    pub namespace_selector: Option<Selector>,
    pub topology_key: String,
}

impl AffinityTerm {
    // k8s: pkg/scheduler/framework/types.go (newAffinityTerm, AffinityTerm.Matches)
    fn parse(term: &PodAffinityTerm, own_namespace: &str) -> Self {
        let selector = parse_selector(term.label_selector.as_ref());
        let namespace_selector = term
            .namespace_selector
            .as_ref()
            .map(|s| parse_selector(Some(s)));
        let mut namespaces = term.namespaces.clone().unwrap_or_default();
        if namespaces.is_empty() && namespace_selector.is_none() {
            namespaces.push(own_namespace.to_owned());
        }
        AffinityTerm {
            selector,
            namespaces,
            namespace_selector,
            topology_key: term.topology_key.clone(),
        }
    }

    /// Whether `pod` is one of the pods this term selects.
    pub fn matches(&self, pod: &PodInfo, namespace_labels: &NamespaceLabels) -> bool {
        let in_namespace = self.namespaces.contains(&pod.namespace)
            || self.namespace_selector.as_ref().is_some_and(|s| {
                s.matches(
                    &namespace_labels
                        .get(&pod.namespace)
                        .cloned()
                        .unwrap_or_default(),
                )
            });
        in_namespace && self.selector.matches(&pod.labels)
    }
}

/// A pod-affinity term with the weight of a preferred rule.
#[derive(Clone, Debug)]
pub struct WeightedAffinityTerm {
    pub weight: i64,
    pub term: AffinityTerm,
}

/// Labels of every namespace, for affinity terms with a namespace selector.
pub type NamespaceLabels = HashMap<String, BTreeMap<String, String>>;

/// A structured selector as a matcher; an invalid one matches nothing, as
/// upstream treats selectors it cannot parse.
pub fn parse_selector(
    selector: Option<&k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector>,
) -> Selector {
    match selector {
        None => Selector::nothing(),
        Some(s) => Selector::from_label_selector(Some(&LabelSelector::from(s)))
            .unwrap_or(Selector::nothing()),
    }
}

/// What the scheduler needs of a pod, parsed once when the pod is seen.
// k8s: pkg/scheduler/framework/types.go (PodInfo)
#[derive(Clone, Debug)]
pub struct PodInfo {
    pub pod: Arc<Pod>,
    pub uid: String,
    pub namespace: String,
    pub name: String,
    pub labels: BTreeMap<String, String>,
    /// The node the pod runs on or is assumed on.
    pub node_name: Option<String>,
    pub priority: i32,
    /// `preemptionPolicy: Never`: the pod waits instead of evicting others.
    pub never_preempts: bool,
    pub requests: PodRequests,
    pub host_ports: Vec<node_ports::HostPort>,
    pub tolerations: Vec<Toleration>,
    pub node_affinity: node_affinity::RequiredNodeAffinity,
    pub preferred_node_affinity: Vec<(i64, node_affinity::NodeSelectorTerm)>,
    pub required_affinity: Vec<AffinityTerm>,
    pub required_anti_affinity: Vec<AffinityTerm>,
    pub preferred_affinity: Vec<WeightedAffinityTerm>,
    pub preferred_anti_affinity: Vec<WeightedAffinityTerm>,
    pub spread_constraints: Vec<pod_topology_spread::Constraint>,
    /// The UID of the controller owning the pod (ReplicaSet, Job ...).
    pub owner_uid: Option<String>,
    pub creation: Option<Timestamp>,
    pub start_time: Option<Timestamp>,
    pub terminating: bool,
}

impl PodInfo {
    /// Parses `pod`. Its priority and preemption policy are in its spec,
    /// where priority admission put them from its PriorityClass.
    // k8s: staging/src/k8s.io/component-helpers/scheduling/corev1/helpers.go (PodPriority)
    pub fn new(pod: Arc<Pod>) -> Self {
        let meta = &pod.metadata;
        let namespace = meta.namespace.clone().unwrap_or_default();
        let spec = pod.spec.clone().unwrap_or_default();
        let priority = spec.priority.unwrap_or_default();
        let never_preempts = spec.preemption_policy.as_deref() == Some("Never");
        let affinity = spec.affinity.as_ref();
        let pod_affinity = affinity.and_then(|a| a.pod_affinity.as_ref());
        let pod_anti_affinity = affinity.and_then(|a| a.pod_anti_affinity.as_ref());
        let required = |terms: Option<&Vec<PodAffinityTerm>>| {
            terms
                .into_iter()
                .flatten()
                .map(|t| AffinityTerm::parse(t, &namespace))
                .collect::<Vec<_>>()
        };
        let preferred =
            |terms: Option<&Vec<k8s_openapi::api::core::v1::WeightedPodAffinityTerm>>| {
                terms
                    .into_iter()
                    .flatten()
                    .map(|t| WeightedAffinityTerm {
                        weight: i64::from(t.weight),
                        term: AffinityTerm::parse(&t.pod_affinity_term, &namespace),
                    })
                    .collect::<Vec<_>>()
            };
        let labels = meta.labels.clone().unwrap_or_default();
        let owner_uid = meta
            .owner_references
            .iter()
            .flatten()
            .find(|o| o.controller == Some(true))
            .map(|o| o.uid.clone());
        PodInfo {
            uid: meta.uid.clone().unwrap_or_default(),
            name: meta.name.clone().unwrap_or_default(),
            node_name: spec.node_name.clone().filter(|n| !n.is_empty()),
            priority,
            never_preempts,
            requests: resources::pod_requests(&spec),
            host_ports: node_ports::host_ports(&spec),
            tolerations: spec.tolerations.clone().unwrap_or_default(),
            node_affinity: node_affinity::RequiredNodeAffinity::new(&spec),
            preferred_node_affinity: node_affinity::preferred_terms(&spec),
            required_affinity: required(pod_affinity.and_then(|a| {
                a.required_during_scheduling_ignored_during_execution
                    .as_ref()
            })),
            required_anti_affinity: required(pod_anti_affinity.and_then(|a| {
                a.required_during_scheduling_ignored_during_execution
                    .as_ref()
            })),
            preferred_affinity: preferred(pod_affinity.and_then(|a| {
                a.preferred_during_scheduling_ignored_during_execution
                    .as_ref()
            })),
            preferred_anti_affinity: preferred(pod_anti_affinity.and_then(|a| {
                a.preferred_during_scheduling_ignored_during_execution
                    .as_ref()
            })),
            spread_constraints: pod_topology_spread::constraints(&spec, &labels),
            owner_uid,
            creation: meta.creation_timestamp.as_ref().map(|t| t.0),
            start_time: pod
                .status
                .as_ref()
                .and_then(|s| s.start_time.as_ref())
                .map(|t| t.0),
            terminating: meta.deletion_timestamp.is_some(),
            labels,
            namespace,
            pod: pod.clone(),
        }
    }

    /// The same pod placed on `node` (assumed there).
    pub fn on_node(&self, node: &str) -> Self {
        PodInfo {
            node_name: Some(node.to_owned()),
            ..self.clone()
        }
    }

    /// `namespace/name`, as messages name pods.
    pub fn key(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }

    pub fn has_affinity(&self) -> bool {
        !(self.required_affinity.is_empty()
            && self.required_anti_affinity.is_empty()
            && self.preferred_affinity.is_empty()
            && self.preferred_anti_affinity.is_empty())
    }
}

impl fmt::Display for PodInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.namespace, self.name)
    }
}

/// A node with the pods on it (bound or assumed) and their sums.
// k8s: pkg/scheduler/framework/types.go (NodeInfo)
#[derive(Clone, Debug)]
pub struct NodeInfo {
    pub name: String,
    pub node: Arc<Node>,
    pub labels: BTreeMap<String, String>,
    /// The node's taints plus those its conditions imply.
    pub taints: Vec<Taint>,
    pub unschedulable: bool,
    pub allocatable: Resources,
    pub allowed_pods: i64,
    pub pods: Vec<Arc<PodInfo>>,
    pub requested: Resources,
    pub non_zero_requested: Resources,
    pub used_ports: Vec<node_ports::HostPort>,
    /// How many pods on the node have (anti-)affinity terms.
    pub pods_with_affinity: usize,
    pub pods_with_required_anti_affinity: usize,
    /// Pods per controller UID.
    pub owner_counts: HashMap<String, i64>,
}

impl NodeInfo {
    pub fn new(node: Arc<Node>) -> Self {
        let status = node.status.as_ref();
        let allocatable = status.and_then(|s| s.allocatable.as_ref().or(s.capacity.as_ref()));
        let spec = node.spec.as_ref();
        NodeInfo {
            name: node.metadata.name.clone().unwrap_or_default(),
            labels: node.metadata.labels.clone().unwrap_or_default(),
            taints: taint_toleration::node_taints(&node),
            unschedulable: spec.and_then(|s| s.unschedulable).unwrap_or(false),
            allocatable: Resources::from_list(allocatable),
            allowed_pods: allocatable
                .and_then(|a| a.get("pods"))
                .and_then(resources::quantity_value)
                .unwrap_or(0),
            pods: Vec::new(),
            requested: Resources::default(),
            non_zero_requested: Resources::default(),
            used_ports: Vec::new(),
            pods_with_affinity: 0,
            pods_with_required_anti_affinity: 0,
            owner_counts: HashMap::new(),
            node,
        }
    }

    /// The same pods on an updated node object.
    pub fn with_node(&self, node: Arc<Node>) -> Self {
        let mut info = NodeInfo::new(node);
        for pod in &self.pods {
            info.add_pod(pod.clone());
        }
        info
    }

    pub fn add_pod(&mut self, pod: Arc<PodInfo>) {
        self.requested.add(&pod.requests.requests);
        self.non_zero_requested.add(&pod.requests.non_zero);
        self.used_ports.extend(pod.host_ports.iter().cloned());
        if pod.has_affinity() {
            self.pods_with_affinity += 1;
        }
        if !pod.required_anti_affinity.is_empty() {
            self.pods_with_required_anti_affinity += 1;
        }
        if let Some(owner) = &pod.owner_uid {
            *self.owner_counts.entry(owner.clone()).or_default() += 1;
        }
        self.pods.push(pod);
    }

    /// Removes the pod with this UID; false when it is not on the node.
    pub fn remove_pod(&mut self, uid: &str) -> bool {
        let Some(at) = self.pods.iter().position(|p| p.uid == uid) else {
            return false;
        };
        let pod = self.pods.swap_remove(at);
        self.requested.sub(&pod.requests.requests);
        self.non_zero_requested.sub(&pod.requests.non_zero);
        for port in &pod.host_ports {
            if let Some(i) = self.used_ports.iter().position(|p| p == port) {
                self.used_ports.swap_remove(i);
            }
        }
        if pod.has_affinity() {
            self.pods_with_affinity -= 1;
        }
        if !pod.required_anti_affinity.is_empty() {
            self.pods_with_required_anti_affinity -= 1;
        }
        if let Some(owner) = &pod.owner_uid
            && let Some(count) = self.owner_counts.get_mut(owner)
        {
            *count -= 1;
            if *count == 0 {
                self.owner_counts.remove(owner);
            }
        }
        true
    }
}

/// Counts per topology domain: key -> value -> count.
#[derive(Clone, Debug, Default)]
pub struct TopologyCounts(HashMap<String, HashMap<String, i64>>);

impl TopologyCounts {
    pub fn add(&mut self, key: &str, value: &str, by: i64) {
        *self
            .0
            .entry(key.to_owned())
            .or_default()
            .entry(value.to_owned())
            .or_default() += by;
    }

    pub fn get(&self, key: &str, value: &str) -> i64 {
        self.0
            .get(key)
            .and_then(|values| values.get(value))
            .copied()
            .unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.0
            .values()
            .all(|values| values.values().all(|c| *c == 0))
    }

    /// The counts of every domain `node` is in, summed.
    pub fn sum_on_node(&self, node: &NodeInfo) -> i64 {
        self.0
            .iter()
            .filter_map(|(key, values)| node.labels.get(key).and_then(|v| values.get(v)))
            .sum()
    }
}

/// The cluster as one scheduling attempt sees it.
pub struct Cluster<'a> {
    pub nodes: &'a [NodeInfo],
    pub namespaces: &'a NamespaceLabels,
}

/// What one attempt computes once over the whole cluster before filtering
/// nodes one by one (upstream's PreFilter results).
pub struct CycleState {
    pub affinity: inter_pod_affinity::State,
    pub spread: pod_topology_spread::State,
}

impl CycleState {
    /// Computes the state for `pod`; pods whose UID is in `ignored` are
    /// treated as gone (victims during preemption).
    pub fn new(pod: &PodInfo, cluster: &Cluster<'_>, ignored: &[&str]) -> Self {
        CycleState {
            affinity: inter_pod_affinity::State::new(pod, cluster, ignored),
            spread: pod_topology_spread::State::new(pod, cluster, ignored),
        }
    }
}

/// Runs every filter on one node, stopping at the first rejection.
/// `nominated` are the requests of higher-priority pods that preemption has
/// promised this node to.
// k8s: pkg/scheduler/framework/runtime/framework.go (RunFilterPlugins)
pub fn filter(
    state: &CycleState,
    pod: &PodInfo,
    node: &NodeInfo,
    nominated: &[Arc<PodInfo>],
) -> Result<(), Rejection> {
    node_unschedulable::filter(pod, node)?;
    taint_toleration::filter(pod, node)?;
    node_affinity::filter(pod, node)?;
    node_ports::filter(pod, node, nominated)?;
    node_resources::filter(pod, node, nominated)?;
    pod_topology_spread::filter(&state.spread, pod, node)?;
    inter_pod_affinity::filter(&state.affinity, pod, node)
}

/// Scores the feasible nodes: each plugin's scores are normalised to
/// 0..=[`MAX_NODE_SCORE`], then summed with upstream's default weights.
// k8s: pkg/scheduler/schedule_one.go (prioritizeNodes)
pub fn score(pod: &PodInfo, cluster: &Cluster<'_>, feasible: &[usize]) -> Vec<i64> {
    let nodes: Vec<&NodeInfo> = feasible.iter().map(|&i| &cluster.nodes[i]).collect();
    let mut total = vec![0; nodes.len()];
    let mut add = |weight: i64, scores: Vec<i64>| {
        for (t, s) in total.iter_mut().zip(scores) {
            *t += weight * s;
        }
    };
    add(3, taint_toleration::score(pod, &nodes));
    add(2, node_affinity::score(pod, &nodes));
    add(2, pod_topology_spread::score(pod, cluster, &nodes));
    add(2, inter_pod_affinity::score(pod, cluster, &nodes));
    add(1, node_resources::least_allocated(pod, &nodes));
    add(1, node_resources::balanced_allocation(pod, &nodes));
    add(2, owner_spread::score(pod, &nodes));
    total
}

/// Scales raw scores to 0..=[`MAX_NODE_SCORE`] by the highest one, or the
/// reverse (the highest raw score gets 0) when `reverse`.
// k8s: pkg/scheduler/framework/plugins/helper/normalize_score.go (DefaultNormalizeScore)
pub fn normalize(scores: &mut [i64], reverse: bool) {
    let max = scores.iter().copied().max().unwrap_or(0);
    if max == 0 {
        if reverse {
            scores.fill(MAX_NODE_SCORE);
        }
        return;
    }
    for s in scores {
        let scaled = MAX_NODE_SCORE * *s / max;
        *s = if reverse {
            MAX_NODE_SCORE - scaled
        } else {
            scaled
        };
    }
}
