//! Resource amounts: summing what a pod asks for, init containers and
//! sidecars counted as the kubelet admits them (quantities are parsed by
//! [`apimachinery::quantity`]).
//!
//! Counterpart: k8s `pkg/api/v1/resource` (`PodRequests`).

use std::collections::BTreeMap;

use apimachinery::quantity::{self, Amount};
use k8s_openapi::api::core::v1::{Container, PodSpec};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;

/// CPU a container without a cpu request is counted as using when scoring.
// k8s: pkg/scheduler/util/pod_resources.go (DefaultMilliCPURequest)
pub const DEFAULT_MILLI_CPU_REQUEST: i64 = 100;
/// Memory a container without a memory request is counted as using when
/// scoring (200 MiB).
pub const DEFAULT_MEMORY_REQUEST: i64 = 200 * 1024 * 1024;

/// The amounts the scheduler compares: cpu in millicores, memory and
/// ephemeral storage in bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Resources {
    pub milli_cpu: i64,
    pub memory: i64,
    pub ephemeral_storage: i64,
}

impl Resources {
    /// Reads cpu, memory and ephemeral-storage from a resource list.
    pub fn from_list(list: Option<&BTreeMap<String, Quantity>>) -> Self {
        let Some(list) = list else {
            return Self::default();
        };
        let get = |name: &str, milli: bool| {
            list.get(name)
                .and_then(|q| quantity::parse(&q.0))
                .map_or(0, |a| if milli { a.milli_value() } else { a.value() })
        };
        Resources {
            milli_cpu: get("cpu", true),
            memory: get("memory", false),
            ephemeral_storage: get("ephemeral-storage", false),
        }
    }

    pub fn add(&mut self, other: &Resources) {
        self.milli_cpu += other.milli_cpu;
        self.memory += other.memory;
        self.ephemeral_storage += other.ephemeral_storage;
    }

    pub fn sub(&mut self, other: &Resources) {
        self.milli_cpu -= other.milli_cpu;
        self.memory -= other.memory;
        self.ephemeral_storage -= other.ephemeral_storage;
    }

    /// The larger amount of each resource.
    fn max(self, other: Resources) -> Resources {
        Resources {
            milli_cpu: self.milli_cpu.max(other.milli_cpu),
            memory: self.memory.max(other.memory),
            ephemeral_storage: self.ephemeral_storage.max(other.ephemeral_storage),
        }
    }
}

/// What a pod needs on a node: the real requests (for fitting) and the
/// requests with defaults for containers that ask for nothing (for scoring,
/// so that request-less pods still spread).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PodRequests {
    pub requests: Resources,
    pub non_zero: Resources,
}

/// Sums the requests of a pod: the regular containers and the sidecars
/// (restartable init containers) run together; each classic init container
/// runs alone next to the sidecars started before it; the pod needs the
/// larger of the two, plus its overhead.
// k8s: pkg/api/v1/resource/helpers.go (PodRequests, AggregateContainerRequests)
pub fn pod_requests(spec: &PodSpec) -> PodRequests {
    PodRequests {
        requests: requests_with(spec, |c| container_requests(c, false)),
        non_zero: requests_with(spec, |c| container_requests(c, true)),
    }
}

fn requests_with(spec: &PodSpec, of: impl Fn(&Container) -> Resources) -> Resources {
    let mut running = Resources::default();
    for container in &spec.containers {
        running.add(&of(container));
    }
    let mut sidecars = Resources::default();
    let mut init_peak = Resources::default();
    for init in spec.init_containers.iter().flatten() {
        let requests = of(init);
        if init.restart_policy.as_deref() == Some("Always") {
            sidecars.add(&requests);
            // A sidecar runs next to the sidecars started before it too.
            init_peak = init_peak.max(sidecars);
        } else {
            let mut during = sidecars;
            during.add(&requests);
            init_peak = init_peak.max(during);
        }
    }
    running.add(&sidecars);
    let mut total = running.max(init_peak);
    if let Some(overhead) = &spec.overhead {
        total.add(&Resources::from_list(Some(overhead)));
    }
    total
}

// k8s: pkg/scheduler/util/pod_resources.go (GetNonzeroRequestForResource)
fn container_requests(container: &Container, non_zero: bool) -> Resources {
    let list = container
        .resources
        .as_ref()
        .and_then(|r| r.requests.as_ref());
    let mut requests = Resources::from_list(list);
    if non_zero {
        let has = |name: &str| list.is_some_and(|l| l.contains_key(name));
        if !has("cpu") {
            requests.milli_cpu = DEFAULT_MILLI_CPU_REQUEST;
        }
        if !has("memory") {
            requests.memory = DEFAULT_MEMORY_REQUEST;
        }
    }
    requests
}

/// The value of a count-like quantity such as the `pods` allocatable.
pub fn quantity_value(quantity: &Quantity) -> Option<i64> {
    quantity::parse(&quantity.0).map(Amount::value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec(value: serde_json::Value) -> PodSpec {
        serde_json::from_value(value).expect("pod spec")
    }

    #[test]
    fn init_containers_count_as_their_peak() {
        let spec = spec(json!({
            "initContainers": [
                {"name": "a", "resources": {"requests": {"cpu": "2"}}},
                {"name": "b", "resources": {"requests": {"cpu": "500m", "memory": "1Gi"}}},
            ],
            "containers": [
                {"name": "c", "resources": {"requests": {"cpu": "1", "memory": "100Mi"}}},
                {"name": "d", "resources": {"requests": {"cpu": "200m"}}},
            ],
        }));
        let r = pod_requests(&spec).requests;
        assert_eq!(r.milli_cpu, 2000);
        assert_eq!(r.memory, 1 << 30);
    }

    #[test]
    fn sidecars_add_to_the_running_containers() {
        let spec = spec(json!({
            "initContainers": [
                {"name": "side", "restartPolicy": "Always", "resources": {"requests": {"cpu": "300m"}}},
                {"name": "init", "resources": {"requests": {"cpu": "1"}}},
            ],
            "containers": [{"name": "c", "resources": {"requests": {"cpu": "500m"}}}],
            "overhead": {"cpu": "10m"},
        }));
        // Running: 500m + 300m = 800m; during init: 300m + 1 = 1300m.
        assert_eq!(pod_requests(&spec).requests.milli_cpu, 1310);
    }

    #[test]
    fn scoring_counts_defaults_for_containers_without_requests() {
        let spec = spec(json!({"containers": [{"name": "c"}]}));
        let r = pod_requests(&spec);
        assert_eq!(r.requests, Resources::default());
        assert_eq!(r.non_zero.milli_cpu, DEFAULT_MILLI_CPU_REQUEST);
        assert_eq!(r.non_zero.memory, DEFAULT_MEMORY_REQUEST);
    }
}
