//! Prometheus metrics of the scheduler, with upstream's names: attempts by
//! result, attempt latency, end-to-end scheduling latency, pending pods per
//! queue, preemption attempts and victims.
//!
//! Counterpart of `pkg/scheduler/metrics/metrics.go`.

use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets, linear_buckets};
use prometheus_client::registry::Registry;

use crate::queue::Sizes;

/// How an attempt ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Scheduled,
    Unschedulable,
    Error,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Outcome::Scheduled => "scheduled",
            Outcome::Unschedulable => "unschedulable",
            Outcome::Error => "error",
        }
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct AttemptLabels {
    result: String,
    profile: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct QueueLabels {
    queue: String,
}

type HistogramFamily<L> = Family<L, Histogram, fn() -> Histogram>;

fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

/// The scheduler's metrics and their registry.
pub struct Metrics {
    registry: Registry,
    profile: String,
    attempts: Family<AttemptLabels, Counter>,
    attempt_duration: HistogramFamily<AttemptLabels>,
    pod_scheduling_duration: Histogram,
    pending: Family<QueueLabels, Gauge>,
    preemption_attempts: Counter,
    preemption_victims: Histogram,
}

impl Metrics {
    pub fn new(profile: &str) -> Self {
        let mut registry = Registry::default();
        let attempts = Family::<AttemptLabels, Counter>::default();
        registry.register(
            "scheduler_schedule_attempts",
            "Number of attempts to schedule pods, by the result.",
            attempts.clone(),
        );
        let attempt_duration: HistogramFamily<AttemptLabels> =
            Family::new_with_constructor(latency_histogram);
        registry.register(
            "scheduler_scheduling_attempt_duration_seconds",
            "Scheduling attempt latency in seconds (scheduling algorithm + binding).",
            attempt_duration.clone(),
        );
        let pod_scheduling_duration = latency_histogram();
        registry.register(
            "scheduler_pod_scheduling_duration_seconds",
            "Latency from a pod entering the queue to its binding, in seconds.",
            pod_scheduling_duration.clone(),
        );
        let pending = Family::<QueueLabels, Gauge>::default();
        registry.register(
            "scheduler_pending_pods",
            "Number of pending pods, by the queue type.",
            pending.clone(),
        );
        let preemption_attempts = Counter::default();
        registry.register(
            "scheduler_preemption_attempts",
            "Total preemption attempts in the cluster till now.",
            preemption_attempts.clone(),
        );
        let preemption_victims = Histogram::new(linear_buckets(1.0, 1.0, 10));
        registry.register(
            "scheduler_preemption_victims",
            "Number of selected preemption victims.",
            preemption_victims.clone(),
        );
        Metrics {
            registry,
            profile: profile.to_owned(),
            attempts,
            attempt_duration,
            pod_scheduling_duration,
            pending,
            preemption_attempts,
            preemption_victims,
        }
    }

    /// Counts one attempt and its latency.
    pub fn attempt(&self, outcome: Outcome, took: Duration) {
        let labels = AttemptLabels {
            result: outcome.as_str().into(),
            profile: self.profile.clone(),
        };
        self.attempts.get_or_create(&labels).inc();
        self.attempt_duration
            .get_or_create(&labels)
            .observe(took.as_secs_f64());
    }

    /// A pod was bound `took` after entering the queue.
    pub fn pod_scheduled(&self, took: Duration) {
        self.pod_scheduling_duration.observe(took.as_secs_f64());
    }

    pub fn preemption(&self, victims: usize) {
        self.preemption_attempts.inc();
        if victims > 0 {
            self.preemption_victims.observe(victims as f64);
        }
    }

    /// The Prometheus text exposition, with the queue sizes of now.
    pub fn encode(&self, sizes: Sizes) -> String {
        for (queue, size) in [
            ("active", sizes.active),
            ("backoff", sizes.backoff),
            ("unschedulable", sizes.unschedulable),
        ] {
            self.pending
                .get_or_create(&QueueLabels {
                    queue: queue.into(),
                })
                .set(size as i64);
        }
        let mut text = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }
}
