//! One scheduling attempt after another: pop a pod, filter and score the
//! nodes under the cache lock, assume the pod on the best node and bind it
//! in the background; or, when no node fits, try preemption, record the
//! failure (event, PodScheduled condition) and park the pod in the queue.
//!
//! Counterpart of `pkg/scheduler/schedule_one.go` (ScheduleOne,
//! schedulePod, findNodesThatFitPod, numFeasibleNodesToFind, selectHost,
//! bind, handleSchedulingFailure) and `pkg/scheduler/framework/types.go`
//! (FitError.Error).

use std::collections::BTreeMap;
use std::sync::Arc;

use jiff::Timestamp;
use k8s_openapi::api::core::v1::{Binding, ObjectReference, Pod};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::api::{Api, DeleteParams, Patch, PatchParams, PostParams};
use kube::{Client, Error as KubeError};
use parking_lot::Mutex;
use rand::Rng;
use serde_json::json;
use tokio::sync::Semaphore;
use tokio::time::Instant;

use crate::cache::Cache;
use crate::events::{Reason, Recorder};
use crate::framework::{self, CycleState, Plugin, PodInfo, Rejection};
use crate::metrics::{Metrics, Outcome};
use crate::preemption::{self, Candidate};
use crate::queue::{Popped, Queue};

/// API requests (binds, events, status patches, evictions) in flight at
/// once; more wait, the scheduling loop does not.
const MAX_CONCURRENT_REQUESTS: usize = 64;

/// Why no node was chosen.
#[derive(Debug)]
pub struct Diagnosis {
    pub num_nodes: usize,
    /// Each rejected node (index into the cache's nodes) and why.
    pub rejections: Vec<(usize, Rejection)>,
}

impl Diagnosis {
    /// The plugins that rejected some node, for the queue's hints.
    fn plugins(&self) -> Vec<Plugin> {
        let mut plugins: Vec<Plugin> = self.rejections.iter().map(|(_, r)| r.plugin).collect();
        plugins.sort();
        plugins.dedup();
        plugins
    }

    /// The `FailedScheduling` message: `0/3 nodes are available: 1
    /// Insufficient cpu, 2 node(s) had untolerated taint {k: v}.`, then the
    /// preemption outcome when preemption was tried.
    // k8s: pkg/scheduler/framework/types.go (FitError.Error)
    pub fn message(&self, preemption: Option<&str>) -> String {
        if self.num_nodes == 0 {
            return "no nodes available to schedule pods".into();
        }
        let reasons = self
            .rejections
            .iter()
            .flat_map(|(_, r)| r.reasons.iter().map(String::as_str));
        let mut message = format!(
            "0/{} nodes are available: {}.",
            self.num_nodes,
            reasons_histogram(reasons)
        );
        if let Some(preemption) = preemption {
            message.push_str(&format!(" preemption: {preemption}."));
        }
        message
    }
}

/// `"<count> <reason>"` per distinct reason, sorted as text, joined by
/// commas.
pub fn reasons_histogram<'a>(reasons: impl Iterator<Item = &'a str>) -> String {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for reason in reasons {
        *counts.entry(reason).or_default() += 1;
    }
    let mut parts: Vec<String> = counts
        .into_iter()
        .map(|(reason, count)| format!("{count} {reason}"))
        .collect();
    parts.sort();
    parts.join(", ")
}

/// How many feasible nodes to look for before scoring: all of a small
/// cluster, then a share decreasing with size (50% minus 1% per 125 nodes,
/// at least 5%), never fewer than 100.
// k8s: pkg/scheduler/schedule_one.go (numFeasibleNodesToFind)
pub fn feasible_nodes_to_find(num_nodes: usize) -> usize {
    const MIN_FEASIBLE: usize = 100;
    if num_nodes < MIN_FEASIBLE {
        return num_nodes;
    }
    let percentage = 50usize.saturating_sub(num_nodes / 125).max(5);
    (num_nodes * percentage / 100).max(MIN_FEASIBLE)
}

/// What the scheduling loop shares with its background requests.
#[derive(Clone)]
struct Shared {
    client: Client,
    name: String,
    cache: Arc<Mutex<Cache>>,
    queue: Arc<Queue>,
    recorder: Recorder,
    metrics: Arc<Metrics>,
    requests: Arc<Semaphore>,
}

/// The scheduling loop.
pub struct Scheduler {
    shared: Shared,
    /// Where the next attempt starts looking, so nodes take turns.
    next_start: usize,
}

enum Decision {
    Bind(String),
    /// With the outcome of preemption, when it was tried.
    Fail(Diagnosis, Option<Result<Candidate, String>>),
}

impl Scheduler {
    pub fn new(
        client: Client,
        name: String,
        cache: Arc<Mutex<Cache>>,
        queue: Arc<Queue>,
        recorder: Recorder,
        metrics: Arc<Metrics>,
    ) -> Self {
        Scheduler {
            shared: Shared {
                client,
                name,
                cache,
                queue,
                recorder,
                metrics,
                requests: Arc::new(Semaphore::new(MAX_CONCURRENT_REQUESTS)),
            },
            next_start: 0,
        }
    }

    /// Schedules pods until the queue is closed.
    pub async fn run(mut self) {
        let queue = self.shared.queue.clone();
        while let Some(popped) = queue.pop().await {
            self.schedule_one(popped);
            // Attempts are synchronous; let the watches and bindings run.
            tokio::task::yield_now().await;
        }
    }

    fn schedule_one(&mut self, popped: Popped) {
        let started = Instant::now();
        let pod = popped.info;
        let decision = {
            let cache = self.shared.cache.lock();
            match find_node(&cache, &pod, &mut self.next_start) {
                Ok(node) => Decision::Bind(node),
                Err(diagnosis) if diagnosis.num_nodes == 0 => Decision::Fail(diagnosis, None),
                Err(diagnosis) => {
                    let candidate = preemption::find(&cache, &pod, &diagnosis.rejections);
                    Decision::Fail(diagnosis, Some(candidate))
                }
            }
        };
        match decision {
            Decision::Bind(node) => {
                self.shared
                    .cache
                    .lock()
                    .assume(Arc::new(pod.on_node(&node)));
                self.shared.queue.done(&pod.uid);
                tokio::spawn(self.bind(pod, node, started, popped.queued_at));
            }
            Decision::Fail(diagnosis, candidate) => {
                self.shared
                    .metrics
                    .attempt(Outcome::Unschedulable, started.elapsed());
                let (message, nominated) = match candidate {
                    Some(Ok(candidate)) => {
                        let message = diagnosis.message(None);
                        let node = candidate.node.clone();
                        self.shared
                            .cache
                            .lock()
                            .set_nominated(pod.clone(), Some(node.clone()));
                        self.shared.metrics.preemption(candidate.victims.len());
                        tokio::spawn(self.evict(pod.clone(), candidate));
                        (message, Some(node))
                    }
                    None => (diagnosis.message(None), None),
                    Some(Err(why)) => {
                        self.shared.metrics.preemption(0);
                        (diagnosis.message(Some(&why)), None)
                    }
                };
                tracing::info!(pod = %pod, %message, "unable to schedule pod");
                self.shared
                    .queue
                    .unschedulable(&pod.uid, diagnosis.plugins());
                tokio::spawn(self.record_failure(pod, message, nominated));
            }
        }
    }

    /// Posts the binding; on success records the `Scheduled` event, on
    /// failure forgets the assumed pod and retries it after a backoff.
    // k8s: pkg/scheduler/schedule_one.go (bind, handleBindingCycleError)
    fn bind(
        &self,
        pod: Arc<PodInfo>,
        node: String,
        started: Instant,
        queued_at: Instant,
    ) -> impl Future<Output = ()> + Send + 'static {
        let api: Api<Pod> = Api::namespaced(self.shared.client.clone(), &pod.namespace);
        let Shared {
            cache,
            queue,
            metrics,
            recorder,
            requests,
            ..
        } = self.shared.clone();
        async move {
            let Ok(permit) = requests.acquire().await else {
                return;
            };
            let binding = Binding {
                metadata: ObjectMeta {
                    name: Some(pod.name.clone()),
                    namespace: Some(pod.namespace.clone()),
                    uid: Some(pod.uid.clone()),
                    ..ObjectMeta::default()
                },
                target: ObjectReference {
                    api_version: Some("v1".into()),
                    kind: Some("Node".into()),
                    name: Some(node.clone()),
                    ..ObjectReference::default()
                },
            };
            let result = api
                .create_subresource::<Binding, serde_json::Value>(
                    "binding",
                    &pod.name,
                    &PostParams::default(),
                    &binding,
                )
                .await;
            drop(permit);
            match result {
                Ok(_) => {
                    metrics.attempt(Outcome::Scheduled, started.elapsed());
                    metrics.pod_scheduled(queued_at.elapsed());
                    let message = format!("Successfully assigned {} to {node}", pod.key());
                    // Bindings go first; the event waits for its own turn.
                    let Ok(_permit) = requests.acquire().await else {
                        return;
                    };
                    if let Err(error) = recorder.record(&pod, Reason::Scheduled, message).await {
                        tracing::warn!(error = %error, "recording event");
                    }
                }
                Err(error) => {
                    metrics.attempt(Outcome::Error, started.elapsed());
                    cache.lock().forget(&pod.uid);
                    // Gone, or bound meanwhile: the watch settles it.
                    let settled =
                        matches!(&error, KubeError::Api(s) if s.code == 404 || s.code == 409);
                    tracing::warn!(pod = %pod, %node, %error, "binding failed");
                    if !settled {
                        queue.retry(pod);
                    }
                }
            }
        }
    }

    /// Records `FailedScheduling` and sets the PodScheduled=False condition
    /// (and the nominated node) unless the pod already says so.
    // k8s: pkg/scheduler/schedule_one.go (handleSchedulingFailure, updatePod)
    fn record_failure(
        &self,
        pod: Arc<PodInfo>,
        message: String,
        nominated: Option<String>,
    ) -> impl Future<Output = ()> + Send + 'static {
        let api: Api<Pod> = Api::namespaced(self.shared.client.clone(), &pod.namespace);
        let Shared {
            recorder, requests, ..
        } = self.shared.clone();
        async move {
            let Ok(_permit) = requests.acquire().await else {
                return;
            };
            if let Err(error) = recorder
                .record(&pod, Reason::FailedScheduling, message.clone())
                .await
            {
                tracing::warn!(error = %error, "recording event");
            }
            let status = pod.pod.status.as_ref();
            let current = status
                .and_then(|s| s.conditions.as_ref())
                .and_then(|c| c.iter().find(|c| c.type_ == "PodScheduled"));
            let same_condition = current.is_some_and(|c| {
                c.status == "False"
                    && c.reason.as_deref() == Some("Unschedulable")
                    && c.message.as_deref() == Some(message.as_str())
            });
            let current_nominated = status.and_then(|s| s.nominated_node_name.clone());
            if same_condition && (nominated.is_none() || nominated == current_nominated) {
                return;
            }
            let mut patch = json!({"status": {"conditions": [{
                "type": "PodScheduled",
                "status": "False",
                "reason": "Unschedulable",
                "message": message,
                "lastProbeTime": null,
                "lastTransitionTime": Timestamp::now().to_string(),
            }]}});
            if let Some(node) = nominated {
                patch["status"]["nominatedNodeName"] = json!(node);
            }
            if let Err(error) = api
                .patch_status(&pod.name, &PatchParams::default(), &Patch::Strategic(patch))
                .await
            {
                tracing::warn!(pod = %pod, %error, "updating the pod status");
            }
        }
    }

    /// Evicts the victims of a preemption: marks each with a
    /// DisruptionTarget condition, records `Preempted` and deletes it.
    // k8s: pkg/scheduler/framework/preemption/preemption.go (prepareCandidate)
    fn evict(
        &self,
        pod: Arc<PodInfo>,
        candidate: Candidate,
    ) -> impl Future<Output = ()> + Send + 'static {
        let client = self.shared.client.clone();
        let scheduler = self.shared.name.clone();
        let Shared {
            recorder, requests, ..
        } = self.shared.clone();
        async move {
            for victim in candidate.victims {
                let Ok(_permit) = requests.acquire().await else {
                    return;
                };
                let api: Api<Pod> = Api::namespaced(client.clone(), &victim.namespace);
                tracing::info!(victim = %victim, preemptor = %pod, node = %candidate.node, "preempting");
                let condition = json!({"status": {"conditions": [{
                    "type": "DisruptionTarget",
                    "status": "True",
                    "reason": "PreemptionByScheduler",
                    "message": format!("{scheduler}: preempting to accommodate a higher priority pod"),
                    "lastTransitionTime": Timestamp::now().to_string(),
                }]}});
                if let Err(error) = api
                    .patch_status(
                        &victim.name,
                        &PatchParams::default(),
                        &Patch::Strategic(condition),
                    )
                    .await
                {
                    tracing::warn!(victim = %victim, %error, "marking the victim");
                }
                let message = format!("Preempted by pod {} on node {}", pod.uid, candidate.node);
                if let Err(error) = recorder.record(&victim, Reason::Preempted, message).await {
                    tracing::warn!(error = %error, "recording event");
                }
                match api.delete(&victim.name, &DeleteParams::default()).await {
                    Ok(_) => {}
                    Err(KubeError::Api(status)) if status.code == 404 => {}
                    Err(error) => tracing::warn!(victim = %victim, %error, "deleting the victim"),
                }
            }
        }
    }
}

/// Filters nodes (stopping once enough fit, starting where the last
/// attempt stopped), scores those that fit and picks the best, ties broken
/// at random.
// k8s: pkg/scheduler/schedule_one.go (schedulePod, findNodesThatPassFilters, selectHost)
fn find_node(cache: &Cache, pod: &PodInfo, next_start: &mut usize) -> Result<String, Diagnosis> {
    let cluster = cache.cluster();
    let num_nodes = cluster.nodes.len();
    let mut diagnosis = Diagnosis {
        num_nodes,
        rejections: Vec::new(),
    };
    if num_nodes == 0 {
        return Err(diagnosis);
    }
    let state = CycleState::new(pod, &cluster, &[]);
    let wanted = feasible_nodes_to_find(num_nodes);
    let mut feasible = Vec::with_capacity(wanted);
    let mut visited = 0;
    for offset in 0..num_nodes {
        let index = (*next_start + offset) % num_nodes;
        let node = &cluster.nodes[index];
        visited += 1;
        let nominated = cache.nominated_for(&node.name, pod);
        match framework::filter(&state, pod, node, &nominated) {
            Ok(()) => {
                feasible.push(index);
                if feasible.len() >= wanted {
                    break;
                }
            }
            Err(rejection) => diagnosis.rejections.push((index, rejection)),
        }
    }
    *next_start = (*next_start + visited) % num_nodes;
    let chosen = match feasible.as_slice() {
        [] => return Err(diagnosis),
        [only] => *only,
        _ => {
            let scores = framework::score(pod, &cluster, &feasible);
            select_host(&feasible, &scores)
        }
    };
    Ok(cluster.nodes[chosen].name.clone())
}

/// The node with the highest score; among equals each is equally likely.
// k8s: pkg/scheduler/schedule_one.go (selectHost)
fn select_host(feasible: &[usize], scores: &[i64]) -> usize {
    let mut rng = rand::rng();
    let mut best = feasible[0];
    let mut best_score = i64::MIN;
    let mut ties = 0u32;
    for (&index, &score) in feasible.iter().zip(scores) {
        if score > best_score {
            best = index;
            best_score = score;
            ties = 1;
        } else if score == best_score {
            ties += 1;
            if rng.random_range(0..ties) == 0 {
                best = index;
            }
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::Code;

    #[test]
    fn feasible_node_counts_follow_upstream() {
        assert_eq!(feasible_nodes_to_find(50), 50);
        assert_eq!(feasible_nodes_to_find(100), 100);
        assert_eq!(feasible_nodes_to_find(1000), 420);
        assert_eq!(feasible_nodes_to_find(5000), 500);
        assert_eq!(feasible_nodes_to_find(10000), 500);
    }

    #[test]
    fn failure_message_counts_reasons_in_order() {
        let reject = |plugin, reasons: &[&str]| Rejection {
            plugin,
            code: Code::Unschedulable,
            reasons: reasons.iter().map(|r| r.to_string()).collect(),
        };
        let diagnosis = Diagnosis {
            num_nodes: 3,
            rejections: vec![
                (
                    0,
                    reject(
                        Plugin::TaintToleration,
                        &["node(s) had untolerated taint {k: v}"],
                    ),
                ),
                (1, reject(Plugin::NodeResourcesFit, &["Insufficient cpu"])),
                (
                    2,
                    reject(
                        Plugin::TaintToleration,
                        &["node(s) had untolerated taint {k: v}"],
                    ),
                ),
            ],
        };
        assert_eq!(
            diagnosis.message(Some(
                "0/3 nodes are available: 3 Preemption is not helpful for scheduling."
            )),
            "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint {k: v}. \
             preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.."
        );
    }

    #[test]
    fn ties_are_broken_at_random() {
        let mut seen = [0; 3];
        for _ in 0..300 {
            seen[select_host(&[0, 1, 2], &[5, 7, 7])] += 1;
        }
        assert_eq!(seen[0], 0);
        assert!(seen[1] > 50 && seen[2] > 50, "{seen:?}");
    }
}
