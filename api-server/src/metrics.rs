//! Prometheus metrics of the api-server, named after upstream's
//! (k8s.io/apiserver `pkg/endpoints/metrics/metrics.go`).

use std::sync::Arc;
use std::sync::atomic::AtomicI64;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use crate::storage::Storage;

/// Labels of a served request.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    pub verb: String,
    pub group: String,
    pub version: String,
    pub resource: String,
    pub subresource: String,
    pub code: String,
}

/// Labels of request latency (no code, as upstream).
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct LatencyLabels {
    pub verb: String,
    pub group: String,
    pub version: String,
    pub resource: String,
    pub subresource: String,
}

/// Labels of open watches.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct WatchLabels {
    pub group: String,
    pub kind: String,
}

/// Every metric the api-server exports.
pub struct Metrics {
    registry: Registry,
    pub requests: Family<RequestLabels, Counter>,
    pub latency: Family<LatencyLabels, Histogram>,
    pub watchers: Family<WatchLabels, Gauge>,
    revision: Gauge<i64, AtomicI64>,
    storage: Arc<dyn Storage>,
}

impl Metrics {
    pub fn new(storage: Arc<dyn Storage>) -> Self {
        let mut registry = Registry::default();
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "apiserver_request",
            "Counter of apiserver requests broken out by verb, resource and HTTP response code",
            requests.clone(),
        );
        let latency = Family::<LatencyLabels, Histogram>::new_with_constructor(|| {
            Histogram::new([
                0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0,
            ])
        });
        registry.register(
            "apiserver_request_duration_seconds",
            "Response latency distribution in seconds for each verb and resource",
            latency.clone(),
        );
        let watchers = Family::<WatchLabels, Gauge>::default();
        registry.register(
            "apiserver_registered_watchers",
            "Number of currently registered watchers for a given resource",
            watchers.clone(),
        );
        let revision = Gauge::<i64, AtomicI64>::default();
        registry.register(
            "apiserver_storage_revision",
            "The newest revision committed to storage",
            revision.clone(),
        );
        Self {
            registry,
            requests,
            latency,
            watchers,
            revision,
            storage,
        }
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        self.revision
            .set(i64::try_from(self.storage.current_revision()).unwrap_or(i64::MAX));
        let mut out = String::new();
        if prometheus_client::encoding::text::encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }
}
