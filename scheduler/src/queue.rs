//! The scheduling queue: pending pods wait in `active` (ordered by priority,
//! then by arrival), in `backoff` after a failed attempt, or in
//! `unschedulable` until a cluster change may let them fit.
//!
//! Counterpart of `pkg/scheduler/backend/queue/scheduling_queue.go`
//! (PriorityQueue: activeQ, podBackoffQ, unschedulablePods, moveRequestCycle,
//! the 1 s..10 s backoff and the 5 min flush of unschedulable pods).

use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use tokio::sync::Notify;
use tokio::time::Instant;

use crate::framework::{Plugin, PodInfo};

/// Backoff and waiting limits (upstream's `podInitialBackoffSeconds`,
/// `podMaxBackoffSeconds` and `podMaxInUnschedulablePodsDuration`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timing {
    /// Backoff after the first failed attempt; doubled after each other.
    pub initial_backoff: Duration,
    pub max_backoff: Duration,
    /// How long a pod stays unschedulable without any cluster change
    /// before it is tried again anyway.
    pub max_unschedulable: Duration,
}

impl Default for Timing {
    fn default() -> Self {
        Timing {
            initial_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(10),
            max_unschedulable: Duration::from_secs(5 * 60),
        }
    }
}

/// How often [`Queue::flush_unschedulable`] runs.
pub const FLUSH_PERIOD: Duration = Duration::from_secs(30);

/// A change in the cluster that may let unschedulable pods fit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClusterEvent {
    /// A node was added or changed in labels, taints, capacity ...
    NodeChanged,
    /// A bound pod was added: affinity or spreading may now be satisfied.
    PodAdded,
    /// A bound pod went away: its resources, ports and domains are free.
    PodDeleted,
}

impl ClusterEvent {
    /// Whether a pod rejected by `plugin` may fit after this event.
    // k8s: pkg/scheduler/framework/plugins/*/ (EventsToRegister)
    fn may_help(self, plugin: Plugin) -> bool {
        match self {
            ClusterEvent::NodeChanged => true,
            ClusterEvent::PodAdded => {
                matches!(plugin, Plugin::InterPodAffinity | Plugin::PodTopologySpread)
            }
            ClusterEvent::PodDeleted => matches!(
                plugin,
                Plugin::NodeResourcesFit
                    | Plugin::NodePorts
                    | Plugin::InterPodAffinity
                    | Plugin::PodTopologySpread
            ),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Place {
    Active,
    Backoff,
    Unschedulable,
    /// Popped and being scheduled.
    InFlight,
}

struct Entry {
    info: Arc<PodInfo>,
    place: Place,
    /// Bumped whenever the entry moves, so stale heap items are skipped.
    seq: u64,
    attempts: u32,
    /// When the pod entered the queue (orders equal priorities).
    queued_at: Instant,
    /// When it was last popped.
    last_attempt: Option<Instant>,
    /// When it entered `unschedulable`.
    unschedulable_since: Option<Instant>,
    /// The plugins that rejected it in its last attempt.
    rejected_by: Vec<Plugin>,
    /// The scheduling cycle of its last attempt.
    cycle: u64,
}

impl Entry {
    fn backoff_until(&self, timing: &Timing) -> Instant {
        let mut backoff = timing.initial_backoff;
        for _ in 1..self.attempts {
            backoff = (backoff * 2).min(timing.max_backoff);
        }
        self.last_attempt.unwrap_or(self.queued_at) + backoff
    }
}

/// Heap item of `active`: higher priority first, then earlier arrival.
#[derive(PartialEq, Eq)]
struct ActiveItem {
    priority: i32,
    queued_at: Instant,
    seq: u64,
    uid: String,
}

impl Ord for ActiveItem {
    fn cmp(&self, other: &Self) -> Ordering {
        self.priority
            .cmp(&other.priority)
            .then_with(|| other.queued_at.cmp(&self.queued_at))
            .then_with(|| other.seq.cmp(&self.seq))
    }
}

impl PartialOrd for ActiveItem {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[derive(Default)]
struct Inner {
    timing: Timing,
    entries: HashMap<String, Entry>,
    active: BinaryHeap<ActiveItem>,
    backoff: BinaryHeap<Reverse<(Instant, u64, String)>>,
    next_seq: u64,
    cycle: u64,
    /// The cycle in which the last cluster event moved pods.
    move_request_cycle: u64,
    closed: bool,
}

/// A popped pod and the attempt number.
pub struct Popped {
    pub info: Arc<PodInfo>,
    pub attempts: u32,
    /// When the pod entered the queue.
    pub queued_at: Instant,
}

/// Queue sizes, for metrics.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sizes {
    pub active: usize,
    pub backoff: usize,
    pub unschedulable: usize,
}

/// See the module documentation.
pub struct Queue {
    inner: Mutex<Inner>,
    wake: Notify,
}

impl Inner {
    fn seq(&mut self) -> u64 {
        self.next_seq += 1;
        self.next_seq
    }

    fn push_active(&mut self, uid: &str) {
        let seq = self.seq();
        let Some(entry) = self.entries.get_mut(uid) else {
            return;
        };
        entry.place = Place::Active;
        entry.seq = seq;
        entry.unschedulable_since = None;
        self.active.push(ActiveItem {
            priority: entry.info.priority,
            queued_at: entry.queued_at,
            seq,
            uid: uid.to_owned(),
        });
    }

    fn push_backoff(&mut self, uid: &str) {
        let seq = self.seq();
        let Some(entry) = self.entries.get_mut(uid) else {
            return;
        };
        entry.place = Place::Backoff;
        entry.seq = seq;
        entry.unschedulable_since = None;
        let until = entry.backoff_until(&self.timing);
        self.backoff.push(Reverse((until, seq, uid.to_owned())));
    }

    /// Active if its backoff is over, else backoff.
    fn requeue(&mut self, uid: &str, now: Instant) {
        let done = self
            .entries
            .get(uid)
            .is_some_and(|e| e.backoff_until(&self.timing) <= now);
        if done {
            self.push_active(uid);
        } else {
            self.push_backoff(uid);
        }
    }

    /// Moves pods whose backoff is over to `active`; returns when the next
    /// backoff ends.
    fn flush_backoff(&mut self, now: Instant) -> Option<Instant> {
        while let Some(Reverse((at, seq, uid))) = self.backoff.peek().cloned() {
            let valid = self
                .entries
                .get(&uid)
                .is_some_and(|e| e.place == Place::Backoff && e.seq == seq);
            if !valid {
                self.backoff.pop();
                continue;
            }
            if at > now {
                return Some(at);
            }
            self.backoff.pop();
            self.push_active(&uid);
        }
        None
    }
}

impl Queue {
    pub fn new(timing: Timing) -> Arc<Self> {
        Arc::new(Queue {
            inner: Mutex::new(Inner {
                timing,
                ..Inner::default()
            }),
            wake: Notify::new(),
        })
    }

    /// Adds a pending pod, or updates the one queued. An unschedulable pod
    /// whose spec, labels or annotations changed is tried again.
    // k8s: pkg/scheduler/backend/queue/scheduling_queue.go (Add, Update, isPodUpdated)
    pub fn add(&self, info: Arc<PodInfo>) {
        let mut inner = self.inner.lock();
        let now = Instant::now();
        let uid = info.uid.clone();
        match inner.entries.get_mut(&uid) {
            Some(entry) => {
                let old = &entry.info.pod;
                let changed = old.spec != info.pod.spec
                    || old.metadata.labels != info.pod.metadata.labels
                    || old.metadata.annotations != info.pod.metadata.annotations;
                let priority_changed = entry.info.priority != info.priority;
                let place = entry.place;
                entry.info = info;
                if changed && place == Place::Unschedulable {
                    inner.requeue(&uid, now);
                } else if priority_changed && place == Place::Active {
                    inner.push_active(&uid);
                }
            }
            None => {
                inner.entries.insert(
                    uid.clone(),
                    Entry {
                        info,
                        place: Place::Active,
                        seq: 0,
                        attempts: 0,
                        queued_at: now,
                        last_attempt: None,
                        unschedulable_since: None,
                        rejected_by: Vec::new(),
                        cycle: 0,
                    },
                );
                inner.push_active(&uid);
            }
        }
        drop(inner);
        self.wake.notify_one();
    }

    /// Forgets a pod (deleted, bound, or no longer ours).
    pub fn remove(&self, uid: &str) {
        self.inner.lock().entries.remove(uid);
    }

    /// Waits for the next pod to schedule; `None` once closed.
    pub async fn pop(&self) -> Option<Popped> {
        loop {
            let notified = self.wake.notified();
            let next_backoff = {
                let mut inner = self.inner.lock();
                if inner.closed {
                    return None;
                }
                let now = Instant::now();
                let next_backoff = inner.flush_backoff(now);
                while let Some(item) = inner.active.pop() {
                    inner.cycle += 1;
                    let cycle = inner.cycle;
                    let Some(entry) = inner.entries.get_mut(&item.uid) else {
                        continue;
                    };
                    if entry.place != Place::Active || entry.seq != item.seq {
                        continue;
                    }
                    entry.place = Place::InFlight;
                    entry.attempts += 1;
                    entry.last_attempt = Some(now);
                    entry.cycle = cycle;
                    return Some(Popped {
                        info: entry.info.clone(),
                        attempts: entry.attempts,
                        queued_at: entry.queued_at,
                    });
                }
                next_backoff
            };
            match next_backoff {
                Some(at) => {
                    let _ = tokio::time::timeout_at(at, notified).await;
                }
                None => notified.await,
            }
        }
    }

    /// The attempt for this pod ended with a node chosen.
    pub fn done(&self, uid: &str) {
        self.remove(uid);
    }

    /// The attempt found no node. If a cluster event arrived while it ran,
    /// the pod backs off and retries; otherwise it waits in `unschedulable`
    /// for an event that may help one of the `rejected_by` plugins.
    // k8s: pkg/scheduler/backend/queue/scheduling_queue.go (AddUnschedulableIfNotPresent)
    pub fn unschedulable(&self, uid: &str, rejected_by: Vec<Plugin>) {
        let mut inner = self.inner.lock();
        let move_request_cycle = inner.move_request_cycle;
        let Some(entry) = inner.entries.get_mut(uid) else {
            return;
        };
        if entry.place != Place::InFlight {
            return;
        }
        entry.rejected_by = rejected_by;
        if move_request_cycle >= entry.cycle {
            inner.push_backoff(uid);
        } else {
            let seq = inner.seq();
            if let Some(entry) = inner.entries.get_mut(uid) {
                entry.place = Place::Unschedulable;
                entry.seq = seq;
                entry.unschedulable_since = Some(Instant::now());
            }
        }
        drop(inner);
        self.wake.notify_one();
    }

    /// The attempt failed for another reason (an API error while binding):
    /// the pod backs off. A pod no longer queued is added back.
    pub fn retry(&self, info: Arc<PodInfo>) {
        let mut inner = self.inner.lock();
        let uid = info.uid.clone();
        let now = Instant::now();
        let entry = inner.entries.entry(uid.clone()).or_insert_with(|| Entry {
            info,
            place: Place::InFlight,
            seq: 0,
            attempts: 1,
            queued_at: now,
            last_attempt: Some(now),
            unschedulable_since: None,
            rejected_by: Vec::new(),
            cycle: 0,
        });
        entry.last_attempt = Some(now);
        inner.push_backoff(&uid);
        drop(inner);
        self.wake.notify_one();
    }

    /// Moves the unschedulable pods this event may help to backoff or
    /// active.
    // k8s: pkg/scheduler/backend/queue/scheduling_queue.go (MoveAllToActiveOrBackoffQueue)
    pub fn on_event(&self, event: ClusterEvent) {
        let mut inner = self.inner.lock();
        inner.move_request_cycle = inner.cycle;
        let now = Instant::now();
        let moved: Vec<String> = inner
            .entries
            .iter()
            .filter(|(_, e)| {
                e.place == Place::Unschedulable
                    && (e.rejected_by.is_empty()
                        || e.rejected_by.iter().any(|p| event.may_help(*p)))
            })
            .map(|(uid, _)| uid.clone())
            .collect();
        for uid in &moved {
            inner.requeue(uid, now);
        }
        drop(inner);
        if !moved.is_empty() {
            self.wake.notify_one();
        }
    }

    /// Retries pods unschedulable for longer than
    /// [`Timing::max_unschedulable`].
    // k8s: pkg/scheduler/backend/queue/scheduling_queue.go (flushUnschedulablePodsLeftover)
    pub fn flush_unschedulable(&self) {
        let mut inner = self.inner.lock();
        let now = Instant::now();
        let limit = inner.timing.max_unschedulable;
        let stale: Vec<String> = inner
            .entries
            .iter()
            .filter(|(_, e)| {
                e.unschedulable_since
                    .is_some_and(|since| now.duration_since(since) >= limit)
            })
            .map(|(uid, _)| uid.clone())
            .collect();
        for uid in &stale {
            inner.requeue(uid, now);
        }
        drop(inner);
        if !stale.is_empty() {
            self.wake.notify_one();
        }
    }

    pub fn sizes(&self) -> Sizes {
        let inner = self.inner.lock();
        let mut sizes = Sizes::default();
        for entry in inner.entries.values() {
            match entry.place {
                Place::Active | Place::InFlight => sizes.active += 1,
                Place::Backoff => sizes.backoff += 1,
                Place::Unschedulable => sizes.unschedulable += 1,
            }
        }
        sizes
    }

    /// Ends every [`Queue::pop`], now and later.
    pub fn close(&self) {
        self.inner.lock().closed = true;
        self.wake.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::Pod;
    use serde_json::json;

    const TIMING: Timing = Timing {
        initial_backoff: Duration::from_millis(20),
        max_backoff: Duration::from_millis(160),
        max_unschedulable: Duration::from_millis(100),
    };

    fn info(name: &str, priority: i32) -> Arc<PodInfo> {
        let pod: Pod = serde_json::from_value(json!({
            "metadata": {"name": name, "namespace": "default", "uid": name},
            "spec": {"priority": priority, "containers": [{"name": "c"}]},
        }))
        .expect("pod");
        Arc::new(PodInfo::new(Arc::new(pod)))
    }

    async fn pop_name(queue: &Queue) -> String {
        queue
            .pop()
            .await
            .map(|p| p.info.name.clone())
            .unwrap_or_default()
    }

    #[tokio::test]
    async fn higher_priority_first_then_arrival() {
        let queue = Queue::new(TIMING);
        queue.add(info("low", 0));
        queue.add(info("high", 10));
        queue.add(info("low2", 0));
        assert_eq!(pop_name(&queue).await, "high");
        assert_eq!(pop_name(&queue).await, "low");
        assert_eq!(pop_name(&queue).await, "low2");
    }

    #[tokio::test]
    async fn unschedulable_pods_wait_for_a_helpful_event() {
        let queue = Queue::new(TIMING);
        queue.add(info("a", 0));
        let popped = queue.pop().await.expect("pod");
        queue.unschedulable(&popped.info.uid, vec![Plugin::NodeResourcesFit]);
        // An event that cannot help a resource failure does not move it.
        queue.on_event(ClusterEvent::PodAdded);
        assert_eq!(queue.sizes().unschedulable, 1);
        queue.on_event(ClusterEvent::PodDeleted);
        assert_eq!(queue.sizes().unschedulable, 0);
        let again = queue.pop().await.expect("pod");
        assert_eq!(again.attempts, 2);
    }

    #[tokio::test]
    async fn an_event_during_the_attempt_sends_the_pod_to_backoff() {
        let queue = Queue::new(TIMING);
        queue.add(info("a", 0));
        let popped = queue.pop().await.expect("pod");
        let failed_at = Instant::now();
        queue.on_event(ClusterEvent::NodeChanged);
        queue.unschedulable(&popped.info.uid, vec![Plugin::NodeResourcesFit]);
        assert_eq!(queue.sizes().backoff, 1);
        assert_eq!(pop_name(&queue).await, "a");
        assert!(failed_at.elapsed() >= TIMING.initial_backoff - Duration::from_millis(2));
    }

    #[tokio::test]
    async fn backoff_doubles_up_to_the_maximum() {
        let queue = Queue::new(TIMING);
        queue.add(info("a", 0));
        let mut popped = queue.pop().await.expect("pod");
        for expected in [20, 40, 80, 160, 160] {
            queue.retry(popped.info.clone());
            let start = Instant::now();
            popped = queue.pop().await.expect("pod");
            let waited = start.elapsed().as_millis();
            assert!(
                waited + 2 >= expected && waited < expected + 150,
                "waited {waited} ms, expected {expected}"
            );
        }
    }

    #[tokio::test]
    async fn stale_unschedulable_pods_are_retried() {
        let queue = Queue::new(TIMING);
        queue.add(info("a", 0));
        let popped = queue.pop().await.expect("pod");
        queue.unschedulable(&popped.info.uid, vec![Plugin::NodeAffinity]);
        queue.flush_unschedulable();
        assert_eq!(queue.sizes().unschedulable, 1);
        tokio::time::sleep(TIMING.max_unschedulable).await;
        queue.flush_unschedulable();
        assert_eq!(queue.sizes().unschedulable, 0);
        assert_eq!(pop_name(&queue).await, "a");
    }

    #[tokio::test]
    async fn close_ends_pop() {
        let queue = Queue::new(TIMING);
        let waiting = tokio::spawn({
            let queue = queue.clone();
            async move { queue.pop().await.is_none() }
        });
        tokio::time::sleep(Duration::from_millis(10)).await;
        queue.close();
        assert!(waiting.await.expect("task"));
    }
}
