//! The watches feeding the cache and the queue: pods (bound ones into the
//! cache, pending ones of this scheduler into the queue), nodes,
//! namespaces and disruption budgets (a pod's priority is in its spec,
//! filled from its PriorityClass by the api-server's admission). Each is a
//! `kube::runtime::watcher` that relists on its own after a 410 Gone or a
//! broken connection; after a relist the objects not listed are dropped.
//!
//! Counterpart of `pkg/scheduler/eventhandlers.go` (addAllEventHandlers and
//! the add/update/delete handlers of pods and nodes).

use std::collections::HashSet;
use std::fmt::Debug;
use std::sync::Arc;

use futures::StreamExt;
use k8s_openapi::api::core::v1::{Namespace, Node, Pod};
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use kube::api::Api;
use kube::runtime::WatchStreamExt;
use kube::runtime::watcher::{self, Event};
use kube::{Client, Resource, ResourceExt};
use parking_lot::Mutex;
use serde::de::DeserializeOwned;
use tokio::sync::oneshot;
use tokio::task::JoinSet;

use crate::cache::{Budget, Cache};
use crate::queue::{ClusterEvent, Queue};

/// What a watch does with its objects.
trait Handler<K>: Send + 'static {
    fn apply(&mut self, object: K);
    fn delete(&mut self, object: K);
    /// Drops what the last full list did not contain.
    fn retain(&mut self, listed: &HashSet<String>);
    /// The identity used by [`Handler::retain`].
    fn key(object: &K) -> String;
}

/// Starts the watches; each `oneshot` in the result fires once its first
/// full list is in the cache.
pub fn start(
    client: &Client,
    scheduler_name: &str,
    cache: &Arc<Mutex<Cache>>,
    queue: &Arc<Queue>,
) -> (JoinSet<()>, Vec<oneshot::Receiver<()>>) {
    let mut tasks = JoinSet::new();
    // Namespaces first: pods are parsed with them.
    let synced = vec![
        spawn(
            &mut tasks,
            Api::<Namespace>::all(client.clone()),
            Namespaces(cache.clone()),
        ),
        spawn(
            &mut tasks,
            Api::<PodDisruptionBudget>::all(client.clone()),
            Budgets(cache.clone()),
        ),
        spawn(
            &mut tasks,
            Api::<Node>::all(client.clone()),
            Nodes {
                cache: cache.clone(),
                queue: queue.clone(),
            },
        ),
        spawn(
            &mut tasks,
            Api::<Pod>::all(client.clone()),
            Pods {
                scheduler_name: scheduler_name.to_owned(),
                cache: cache.clone(),
                queue: queue.clone(),
            },
        ),
    ];
    (tasks, synced)
}

fn spawn<K, H>(tasks: &mut JoinSet<()>, api: Api<K>, mut handler: H) -> oneshot::Receiver<()>
where
    K: Resource<DynamicType = ()> + Clone + DeserializeOwned + Debug + Send + Sync + 'static,
    H: Handler<K>,
{
    let (synced, receiver) = oneshot::channel();
    tasks.spawn(async move {
        let mut synced = Some(synced);
        let mut listed = HashSet::new();
        let stream = watcher::watcher(api, watcher::Config::default()).default_backoff();
        let mut stream = std::pin::pin!(stream);
        while let Some(event) = stream.next().await {
            match event {
                Ok(Event::Init) => listed.clear(),
                Ok(Event::InitApply(object)) => {
                    listed.insert(H::key(&object));
                    handler.apply(object);
                }
                Ok(Event::InitDone) => {
                    handler.retain(&listed);
                    listed.clear();
                    if let Some(synced) = synced.take() {
                        let _ = synced.send(());
                    }
                }
                Ok(Event::Apply(object)) => handler.apply(object),
                Ok(Event::Delete(object)) => handler.delete(object),
                Err(error) => {
                    tracing::warn!(%error, kind = %K::kind(&()), "watch failed; retrying")
                }
            }
        }
    });
    receiver
}

struct Pods {
    scheduler_name: String,
    cache: Arc<Mutex<Cache>>,
    queue: Arc<Queue>,
}

impl Handler<Pod> for Pods {
    // k8s: pkg/scheduler/eventhandlers.go (addPodToCache, updatePodInCache, addPodToSchedulingQueue, responsibleForPod)
    fn apply(&mut self, pod: Pod) {
        let phase = pod.status.as_ref().and_then(|s| s.phase.as_deref());
        let finished = matches!(phase, Some("Succeeded" | "Failed"));
        let spec = pod.spec.as_ref();
        let bound = spec
            .and_then(|s| s.node_name.as_deref())
            .is_some_and(|n| !n.is_empty());
        let ours = spec
            .and_then(|s| s.scheduler_name.as_deref())
            .unwrap_or("default-scheduler")
            == self.scheduler_name;
        let gated = spec
            .and_then(|s| s.scheduling_gates.as_ref())
            .is_some_and(|g| !g.is_empty());
        let deleting = pod.metadata.deletion_timestamp.is_some();
        let nominated = pod
            .status
            .as_ref()
            .and_then(|s| s.nominated_node_name.clone());
        let mut cache = self.cache.lock();
        let info = Arc::new(cache.pod_info(Arc::new(pod)));
        let uid = info.uid.clone();
        if bound {
            self.queue.remove(&uid);
            if finished {
                if cache.remove_pod(&uid).is_some() {
                    self.queue.on_event(ClusterEvent::PodDeleted);
                }
            } else if cache.add_bound(info) {
                self.queue.on_event(ClusterEvent::PodAdded);
            }
        } else if finished || deleting || !ours || gated {
            cache.set_nominated(info, None);
            self.queue.remove(&uid);
        } else if !cache.is_placed(&uid) {
            // (A pod assumed here awaits its binding; it is not requeued.)
            cache.set_nominated(info.clone(), nominated);
            self.queue.add(info);
        }
    }

    fn delete(&mut self, pod: Pod) {
        let uid = pod.metadata.uid.unwrap_or_default();
        self.queue.remove(&uid);
        if self.cache.lock().remove_pod(&uid).is_some() {
            self.queue.on_event(ClusterEvent::PodDeleted);
        }
    }

    fn retain(&mut self, listed: &HashSet<String>) {
        self.cache.lock().retain_pods(listed);
    }

    fn key(pod: &Pod) -> String {
        pod.metadata.uid.clone().unwrap_or_default()
    }
}

struct Nodes {
    cache: Arc<Mutex<Cache>>,
    queue: Arc<Queue>,
}

impl Handler<Node> for Nodes {
    // k8s: pkg/scheduler/eventhandlers.go (addNodeToCache, updateNodeInCache)
    fn apply(&mut self, node: Node) {
        if self.cache.lock().upsert_node(Arc::new(node)) {
            self.queue.on_event(ClusterEvent::NodeChanged);
        }
    }

    fn delete(&mut self, node: Node) {
        self.cache.lock().remove_node(&node.name_any());
    }

    fn retain(&mut self, listed: &HashSet<String>) {
        self.cache.lock().retain_nodes(listed);
    }

    fn key(node: &Node) -> String {
        node.name_any()
    }
}

struct Namespaces(Arc<Mutex<Cache>>);

impl Handler<Namespace> for Namespaces {
    fn apply(&mut self, namespace: Namespace) {
        let labels = namespace.metadata.labels.clone().unwrap_or_default();
        self.0
            .lock()
            .namespaces
            .insert(namespace.name_any(), labels);
    }

    fn delete(&mut self, namespace: Namespace) {
        self.0.lock().namespaces.remove(&namespace.name_any());
    }

    fn retain(&mut self, listed: &HashSet<String>) {
        self.0
            .lock()
            .namespaces
            .retain(|name, _| listed.contains(name));
    }

    fn key(namespace: &Namespace) -> String {
        namespace.name_any()
    }
}

struct Budgets(Arc<Mutex<Cache>>);

impl Handler<PodDisruptionBudget> for Budgets {
    fn apply(&mut self, pdb: PodDisruptionBudget) {
        let budget = Budget::new(&pdb);
        self.0.lock().budgets.insert(Self::key(&pdb), budget);
    }

    fn delete(&mut self, pdb: PodDisruptionBudget) {
        self.0.lock().budgets.remove(&Self::key(&pdb));
    }

    fn retain(&mut self, listed: &HashSet<String>) {
        self.0.lock().budgets.retain(|key, _| listed.contains(key));
    }

    fn key(pdb: &PodDisruptionBudget) -> String {
        format!("{}/{}", pdb.namespace().unwrap_or_default(), pdb.name_any())
    }
}
