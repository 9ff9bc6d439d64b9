//! Events about pods: `Scheduled`, `FailedScheduling` and `Preempted`,
//! written as core/v1 Events (what `kubectl get events` and
//! `kubectl describe pod` read) carrying the events.k8s.io fields
//! (reportingController, action, eventTime) kube-scheduler fills.
//!
//! Counterpart of `staging/src/k8s.io/client-go/tools/events` as used by
//! `pkg/scheduler/schedule_one.go` (the recorder of the profile).

use jiff::Timestamp;
use k8s_openapi::api::core::v1::{Event, EventSource, ObjectReference};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta, Time};
use kube::Client;
use kube::api::{Api, PostParams};

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
}

impl Recorder {
    pub fn new(client: Client, component: String, instance: String) -> Self {
        Recorder {
            client,
            component,
            instance,
        }
    }

    /// Records `reason` with `message` on `pod`.
    pub async fn record(&self, pod: &PodInfo, reason: Reason, message: String) -> Result<()> {
        let (reason_text, type_, action) = reason.parts();
        let now = Timestamp::now();
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
        Api::<Event>::namespaced(self.client.clone(), &pod.namespace)
            .create(&PostParams::default(), &event)
            .await
            .map_err(|source| Error::Create {
                pod: pod.key(),
                reason: reason_text,
                source,
            })?;
        Ok(())
    }
}
