//! Events about pods: `Scheduled`, `FailedScheduling` and `Preempted`,
//! written as core/v1 Events (what `kubectl get events` and
//! `kubectl describe pod` read) carrying the events.k8s.io fields
//! (reportingController, action, eventTime) kube-scheduler fills.
//!
//! A repeat of the last event of a pod (same reason and message) within
//! [`AGGREGATION_WINDOW`] counts up that event instead of writing another,
//! so `kubectl describe` shows `(x3 over 2m)` as on a real cluster.
//!
//! Counterpart of `staging/src/k8s.io/client-go/tools/events` as used by
//! `pkg/scheduler/schedule_one.go` (the recorder of the profile) and of the
//! aggregation of `staging/src/k8s.io/client-go/tools/record/events_cache.go`.

use std::collections::HashMap;
use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use k8s_openapi::api::core::v1::{Event, EventSource, ObjectReference};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta, Time};
use kube::Client;
use kube::api::{Api, Patch, PatchParams, PostParams};
use parking_lot::Mutex;
use serde_json::json;

use crate::framework::PodInfo;

/// Result alias of this module.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Failures while recording an event.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("creating event {reason} for pod {pod}")]
    Create {
        pod: String,
        reason: &'static str,
        #[source]
        source: kube::Error,
    },
    #[error("counting up event {event} for pod {pod}")]
    CountUp {
        pod: String,
        event: String,
        #[source]
        source: kube::Error,
    },
}

/// How long a repeated event counts up the earlier one.
pub const AGGREGATION_WINDOW: SignedDuration = SignedDuration::from_mins(10);
/// How many pods' last events are remembered for aggregation.
const REMEMBERED: usize = 4096;

/// The last event written about a pod.
struct Last {
    reason: &'static str,
    message: String,
    event: String,
    count: i32,
    first: Timestamp,
}

/// What an event reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    /// The pod was bound (Normal, action Binding).
    Scheduled,
    /// No node fits (Warning, action Scheduling).
    FailedScheduling,
    /// The pod is evicted for a higher-priority one (Normal, action
    /// Preempting).
    Preempted,
}

impl Reason {
    fn parts(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Reason::Scheduled => ("Scheduled", "Normal", "Binding"),
            Reason::FailedScheduling => ("FailedScheduling", "Warning", "Scheduling"),
            Reason::Preempted => ("Preempted", "Normal", "Preempting"),
        }
    }
}

/// Writes events as one scheduler instance.
#[derive(Clone)]
pub struct Recorder {
    client: Client,
    /// The scheduler name (`default-scheduler`).
    component: String,
    instance: String,
    /// The last event of each pod, by pod uid.
    last: Arc<Mutex<HashMap<String, Last>>>,
}

impl Recorder {
    pub fn new(client: Client, component: String, instance: String) -> Self {
        Recorder {
            client,
            component,
            instance,
            last: Arc::default(),
        }
    }

    /// Records `reason` with `message` on `pod`.
    pub async fn record(&self, pod: &PodInfo, reason: Reason, message: String) -> Result<()> {
        let (reason_text, type_, action) = reason.parts();
        let now = Timestamp::now();
        let events = Api::<Event>::namespaced(self.client.clone(), &pod.namespace);
        let repeat = self.last.lock().get(&pod.uid).and_then(|last| {
            let same = last.reason == reason_text && last.message == message;
            (same && now.duration_since(last.first) < AGGREGATION_WINDOW)
                .then(|| (last.event.clone(), last.count + 1))
        });
        if let Some((name, count)) = repeat {
            let patch = json!({"count": count, "lastTimestamp": Time(now)});
            match events
                .patch(&name, &PatchParams::default(), &Patch::Merge(&patch))
                .await
            {
                Ok(_) => {
                    if let Some(last) = self.last.lock().get_mut(&pod.uid) {
                        last.count = count;
                    }
                    return Ok(());
                }
                // The event is gone (expired or deleted): write a new one.
                Err(kube::Error::Api(status)) if status.code == 404 => {}
                Err(source) => {
                    return Err(Error::CountUp {
                        pod: pod.key(),
                        event: name,
                        source,
                    });
                }
            }
        }
        let event = Event {
            metadata: ObjectMeta {
                name: Some(format!("{}.{:x}", pod.name, now.as_nanosecond())),
                namespace: Some(pod.namespace.clone()),
                ..ObjectMeta::default()
            },
            involved_object: ObjectReference {
                api_version: Some("v1".into()),
                kind: Some("Pod".into()),
                name: Some(pod.name.clone()),
                namespace: Some(pod.namespace.clone()),
                uid: Some(pod.uid.clone()),
                resource_version: pod.pod.metadata.resource_version.clone(),
                ..ObjectReference::default()
            },
            reason: Some(reason_text.into()),
            message: Some(message),
            type_: Some(type_.into()),
            action: Some(action.into()),
            source: Some(EventSource {
                component: Some(self.component.clone()),
                host: None,
            }),
            reporting_component: Some(self.component.clone()),
            reporting_instance: Some(self.instance.clone()),
            first_timestamp: Some(Time(now)),
            last_timestamp: Some(Time(now)),
            event_time: Some(MicroTime(now)),
            count: Some(1),
            ..Event::default()
        };
        let name = event.metadata.name.clone().unwrap_or_default();
        events
            .create(&PostParams::default(), &event)
            .await
            .map_err(|source| Error::Create {
                pod: pod.key(),
                reason: reason_text,
                source,
            })?;
        let mut last = self.last.lock();
        if last.len() >= REMEMBERED {
            last.clear();
        }
        last.insert(
            pod.uid.clone(),
            Last {
                reason: reason_text,
                message: event.message.unwrap_or_default(),
                event: name,
                count: 1,
                first: now,
            },
        );
        Ok(())
    }
}
