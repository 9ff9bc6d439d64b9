//! The scheduler's view of the cluster: nodes with the pods bound or
//! assumed on them, pods nominated to nodes by preemption, namespace labels
//! and disruption budgets. Fed by the watchers in
//! [`crate::informers`]; read under one lock by each scheduling attempt.
//!
//! Counterpart of `pkg/scheduler/backend/cache` (cache.go: assumed pods,
//! node infos) and the nominator of `pkg/scheduler/backend/queue`.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use apimachinery::selector::labels::Selector;
use k8s_openapi::api::core::v1::{Node, Pod};
use k8s_openapi::api::policy::v1::PodDisruptionBudget;

use crate::framework::{Cluster, NamespaceLabels, NodeInfo, PodInfo, parse_selector};

/// A PodDisruptionBudget as preemption weighs it.
#[derive(Clone, Debug)]
pub struct Budget {
    pub namespace: String,
    pub selector: Selector,
    pub disruptions_allowed: i64,
}

impl Budget {
    pub fn new(pdb: &PodDisruptionBudget) -> Self {
        Budget {
            namespace: pdb.metadata.namespace.clone().unwrap_or_default(),
            selector: parse_selector(pdb.spec.as_ref().and_then(|s| s.selector.as_ref())),
            disruptions_allowed: pdb
                .status
                .as_ref()
                .map_or(0, |s| i64::from(s.disruptions_allowed)),
        }
    }
}

/// A pod the cache places on a node.
#[derive(Debug)]
struct Placed {
    info: Arc<PodInfo>,
    /// Chosen by us and not yet seen bound in a watch event.
    assumed: bool,
}

/// See the module documentation.
#[derive(Default)]
pub struct Cache {
    nodes: Vec<NodeInfo>,
    index: HashMap<String, usize>,
    /// Bound and assumed pods by UID, including those on nodes not (yet) known.
    pods: HashMap<String, Placed>,
    /// Pending pods promised a node by preemption, by UID.
    nominated: HashMap<String, (String, Arc<PodInfo>)>,
    pub namespaces: NamespaceLabels,
    pub budgets: HashMap<String, Budget>,
}

impl Cache {
    /// The nodes and namespaces, as an attempt sees them.
    pub fn cluster(&self) -> Cluster<'_> {
        Cluster {
            nodes: &self.nodes,
            namespaces: &self.namespaces,
        }
    }

    pub fn node(&self, name: &str) -> Option<&NodeInfo> {
        self.index.get(name).map(|&i| &self.nodes[i])
    }

    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    pub fn pod_info(&self, pod: Arc<Pod>) -> PodInfo {
        PodInfo::new(pod)
    }

    /// Adds or replaces a node; returns whether anything that can make a
    /// pending pod fit changed (always for a new node).
    pub fn upsert_node(&mut self, node: Arc<Node>) -> bool {
        let name = node.metadata.name.clone().unwrap_or_default();
        match self.index.get(&name) {
            Some(&i) => {
                let old = &self.nodes[i];
                let updated = old.with_node(node);
                let relevant = updated.labels != old.labels
                    || updated.taints != old.taints
                    || updated.unschedulable != old.unschedulable
                    || updated.allocatable != old.allocatable
                    || updated.allowed_pods != old.allowed_pods;
                self.nodes[i] = updated;
                relevant
            }
            None => {
                let mut info = NodeInfo::new(node);
                for placed in self.pods.values() {
                    if placed.info.node_name.as_deref() == Some(name.as_str()) {
                        info.add_pod(placed.info.clone());
                    }
                }
                self.index.insert(name, self.nodes.len());
                self.nodes.push(info);
                true
            }
        }
    }

    pub fn remove_node(&mut self, name: &str) {
        let Some(i) = self.index.remove(name) else {
            return;
        };
        self.nodes.swap_remove(i);
        if let Some(moved) = self.nodes.get(i) {
            self.index.insert(moved.name.clone(), i);
        }
    }

    /// Keeps only the nodes named in `names` (after a relist).
    pub fn retain_nodes(&mut self, names: &HashSet<String>) {
        let gone: Vec<String> = self
            .index
            .keys()
            .filter(|n| !names.contains(*n))
            .cloned()
            .collect();
        for name in gone {
            self.remove_node(&name);
        }
    }

    fn place(&mut self, info: Arc<PodInfo>, assumed: bool) {
        self.remove_pod(&info.uid);
        self.nominated.remove(&info.uid);
        if let Some(node) = info.node_name.as_deref()
            && let Some(&i) = self.index.get(node)
        {
            self.nodes[i].add_pod(info.clone());
        }
        self.pods.insert(info.uid.clone(), Placed { info, assumed });
    }

    /// Records a pod seen bound to its node; returns whether it is new to
    /// the cache (neither bound nor assumed before).
    pub fn add_bound(&mut self, info: Arc<PodInfo>) -> bool {
        let new = !self.pods.contains_key(&info.uid);
        self.place(info, false);
        new
    }

    /// Places a pod on the node chosen for it before the binding is
    /// confirmed, so the next attempts count it.
    pub fn assume(&mut self, info: Arc<PodInfo>) {
        self.place(info, true);
    }

    /// Drops an assumed pod whose binding failed.
    pub fn forget(&mut self, uid: &str) {
        if self.pods.get(uid).is_some_and(|p| p.assumed) {
            self.remove_pod(uid);
        }
    }

    /// Removes a pod (deleted, or finished); returns it when it was placed.
    pub fn remove_pod(&mut self, uid: &str) -> Option<Arc<PodInfo>> {
        self.nominated.remove(uid);
        let placed = self.pods.remove(uid)?;
        if let Some(node) = placed.info.node_name.as_deref()
            && let Some(&i) = self.index.get(node)
        {
            self.nodes[i].remove_pod(uid);
        }
        Some(placed.info)
    }

    /// After a relist: drops bound pods that were not listed (assumed ones
    /// stay until their binding answers).
    pub fn retain_pods(&mut self, uids: &HashSet<String>) {
        let gone: Vec<String> = self
            .pods
            .iter()
            .filter(|(uid, placed)| !placed.assumed && !uids.contains(*uid))
            .map(|(uid, _)| uid.clone())
            .collect();
        for uid in gone {
            self.remove_pod(&uid);
        }
    }

    /// Whether the cache holds this pod bound or assumed.
    pub fn is_placed(&self, uid: &str) -> bool {
        self.pods.contains_key(uid)
    }

    /// Records (or clears) the node a pending pod was nominated to.
    pub fn set_nominated(&mut self, info: Arc<PodInfo>, node: Option<String>) {
        match node.filter(|n| !n.is_empty()) {
            Some(node) => {
                self.nominated.insert(info.uid.clone(), (node, info));
            }
            None => {
                self.nominated.remove(&info.uid);
            }
        }
    }

    /// The node a pending pod was nominated to.
    pub fn nominated_node(&self, uid: &str) -> Option<&str> {
        self.nominated.get(uid).map(|(node, _)| node.as_str())
    }

    /// The pods nominated to `node` that `pod` must leave room for: those
    /// of at least its priority, other than itself.
    // k8s: pkg/scheduler/framework/runtime/framework.go (addGENominatedPods)
    pub fn nominated_for(&self, node: &str, pod: &PodInfo) -> Vec<Arc<PodInfo>> {
        if self.nominated.is_empty() {
            return Vec::new();
        }
        self.nominated
            .values()
            .filter(|(n, p)| n == node && p.uid != pod.uid && p.priority >= pod.priority)
            .map(|(_, p)| p.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn node(name: &str, cpu: &str) -> Arc<Node> {
        Arc::new(
            serde_json::from_value(json!({
                "metadata": {"name": name},
                "status": {"allocatable": {"cpu": cpu, "memory": "1Gi", "pods": "10"},
                           "conditions": [{"type": "Ready", "status": "True"}]},
            }))
            .expect("node"),
        )
    }

    fn pod(uid: &str, node: &str, cpu: &str) -> Arc<PodInfo> {
        let pod: Pod = serde_json::from_value(json!({
            "metadata": {"name": uid, "namespace": "default", "uid": uid},
            "spec": {"nodeName": node, "containers": [{"name": "c", "resources": {"requests": {"cpu": cpu}}}]},
        }))
        .expect("pod");
        Arc::new(PodInfo::new(Arc::new(pod)))
    }

    #[test]
    fn pods_follow_their_nodes() {
        let mut cache = Cache::default();
        // A pod bound to a node the cache does not know yet.
        assert!(cache.add_bound(pod("a", "n1", "1")));
        cache.upsert_node(node("n1", "4"));
        cache.upsert_node(node("n2", "4"));
        assert_eq!(cache.node("n1").map(|n| n.requested.milli_cpu), Some(1000));
        cache.assume(pod("b", "n1", "500m"));
        assert_eq!(cache.node("n1").map(|n| n.requested.milli_cpu), Some(1500));
        // The binding is confirmed: counted once.
        assert!(!cache.add_bound(pod("b", "n1", "500m")));
        assert_eq!(cache.node("n1").map(|n| n.pods.len()), Some(2));
        cache.forget("b");
        assert_eq!(
            cache.node("n1").map(|n| n.pods.len()),
            Some(2),
            "bound pods stay"
        );
        cache.remove_node("n1");
        assert_eq!(cache.node("n2").map(|n| n.name.as_str()), Some("n2"));
        cache.remove_pod("a");
        cache.upsert_node(node("n1", "4"));
        assert_eq!(cache.node("n1").map(|n| n.requested.milli_cpu), Some(500));
    }
}
