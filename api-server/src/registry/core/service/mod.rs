//! Services. Counterpart of upstream's `pkg/registry/core/service/`: the
//! strategy here, defaulting in [`defaults`], validation in [`validation`],
//! cluster IP and node port allocation in [`allocator`], which the store
//! calls around every write as upstream's service REST does.

mod allocator;
mod defaults;
#[cfg(test)]
mod tests;
mod validation;

use std::collections::BTreeMap;
use std::sync::Arc;

use apimachinery::validation::ErrorList;
use k8s_openapi::api::core::v1::{LoadBalancerStatus, Service, ServiceSpec, ServiceStatus};
use serde_json::{Value, json};

pub use allocator::{Allocators, Error, IpRange, PortRange, ServiceNetwork};
pub use defaults::default_service;
pub use validation::{validate_service, validate_service_update};

use crate::registry::meta::NameRule;
use crate::registry::store::Store;
use crate::registry::{Entry, ResourceInfo, Strategy};

/// The services resource.
pub static INFO: &ResourceInfo = &ResourceInfo {
    group: "",
    version: "v1",
    resource: "services",
    singular: "service",
    kind: "Service",
    namespaced: true,
    short_names: &["svc"],
    categories: &["all"],
    has_status: true,
    has_scale: false,
    printer: &crate::printers::SERVICES,
};

#[derive(Clone, Copy, Default)]
pub struct ServiceStrategy;

impl Strategy for ServiceStrategy {
    type Object = Service;

    fn info(&self) -> &'static ResourceInfo {
        INFO
    }

    fn apply_defaults(&self, service: &mut Service) {
        default_service(service);
    }

    // k8s: pkg/registry/core/service/strategy.go (PrepareForCreate)
    fn prepare_for_create(&self, service: &mut Service) {
        service.status = Some(ServiceStatus {
            load_balancer: Some(LoadBalancerStatus::default()),
            ..ServiceStatus::default()
        });
    }

    // k8s: pkg/registry/core/service/strategy.go (PrepareForUpdate)
    fn prepare_for_update(&self, new: &mut Service, old: &Service) {
        let (Some(new_spec), Some(old_spec)) = (new.spec.as_mut(), old.spec.as_ref()) else {
            return;
        };
        patch_allocated_values(new_spec, old_spec);
        drop_type_dependent_fields(new_spec, old_spec);
        if new_spec.type_.as_deref() != Some("LoadBalancer")
            && let Some(status) = new.status.as_mut()
        {
            status.load_balancer = Some(LoadBalancerStatus::default());
        }
    }

    fn validate(&self, service: &Service) -> ErrorList {
        validate_service(service)
    }

    fn validate_update(&self, new: &Service, old: &Service) -> ErrorList {
        validate_service_update(new, old)
    }

    fn name_rule(&self) -> NameRule {
        NameRule::Dns1035Label
    }
}

/// The entry of the services resource: the generic store with the
/// allocators of `network` around its writes.
pub fn entry(network: ServiceNetwork) -> Entry {
    let strategy = ServiceStrategy;
    Entry {
        info: INFO,
        attrs: Some(Arc::new(move |object: &Value| {
            crate::registry::strategy::attrs(&strategy, object)
        })),
        build: Box::new(move |storage, cache| {
            let allocators = Arc::new(Allocators::new(network, cache.clone()));
            Arc::new(Store::new(strategy, storage, cache).with_hooks(allocators))
        }),
    }
}

/// The `kubernetes` service of the `default` namespace, through which pods
/// reach the api-server listening on `port`.
// k8s: pkg/controlplane/reconcilers/instancecount.go (createOrUpdateMasterServiceIfNeeded)
pub fn kubernetes_service(network: ServiceNetwork, port: u16) -> Value {
    let ip = network.cluster_ip_range.first().to_string();
    json!({
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {
            "name": "kubernetes",
            "namespace": "default",
            "labels": {"component": "apiserver", "provider": "kubernetes"},
        },
        "spec": {
            "type": "ClusterIP",
            "clusterIP": ip,
            "clusterIPs": [ip],
            "ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": port}],
            "sessionAffinity": "None",
        },
    })
}

/// A headless service: `clusterIPs` is exactly `["None"]`.
fn is_headless(spec: &ServiceSpec) -> bool {
    spec.cluster_ips.as_deref() == Some(&["None".to_owned()][..])
}

/// Every type but ExternalName has a cluster IP (or `None`).
fn needs_cluster_ip(spec: &ServiceSpec) -> bool {
    spec.type_.as_deref() != Some("ExternalName")
}

fn needs_node_ports(spec: &ServiceSpec) -> bool {
    matches!(spec.type_.as_deref(), Some("NodePort" | "LoadBalancer"))
}

// k8s: pkg/api/service/util.go (NeedsHealthCheck)
fn needs_health_check_port(spec: &ServiceSpec) -> bool {
    spec.type_.as_deref() == Some("LoadBalancer")
        && spec.external_traffic_policy.as_deref() == Some("Local")
}

// k8s: pkg/api/service/util.go (ExternallyAccessible)
fn externally_accessible(spec: &ServiceSpec) -> bool {
    match spec.type_.as_deref() {
        Some("LoadBalancer" | "NodePort") => true,
        Some("ClusterIP") => spec
            .external_ips
            .as_ref()
            .is_some_and(|ips| !ips.is_empty()),
        _ => false,
    }
}

/// Keeps the allocated values a client left out of an update (as
/// `kubectl apply` and `kubectl replace` of a manifest without them do).
// k8s: pkg/registry/core/service/storage/storage.go (patchAllocatedValues)
fn patch_allocated_values(new: &mut ServiceSpec, old: &ServiceSpec) {
    if needs_cluster_ip(old) && needs_cluster_ip(new) {
        if new.cluster_ip.as_deref().is_none_or(str::is_empty) {
            new.cluster_ip.clone_from(&old.cluster_ip);
        }
        if new.cluster_ips.as_ref().is_none_or(Vec::is_empty) {
            new.cluster_ips.clone_from(&old.cluster_ips);
        }
    }
    if needs_node_ports(old) && needs_node_ports(new) {
        let node_port = |p: &k8s_openapi::api::core::v1::ServicePort| p.node_port.unwrap_or(0);
        let old_ports = old.ports.as_deref().unwrap_or_default();
        let new_ports = new.ports.get_or_insert_with(Vec::new);
        let in_use: Vec<i32> = new_ports.iter().map(node_port).collect();
        let by_name: BTreeMap<&str, i32> = old_ports
            .iter()
            .map(|p| (p.name.as_deref().unwrap_or_default(), node_port(p)))
            .collect();
        for port in new_ports.iter_mut().filter(|p| node_port(p) == 0) {
            let name = port.name.as_deref().unwrap_or_default();
            if let Some(&value) = by_name.get(name).filter(|v| !in_use.contains(v)) {
                port.node_port = Some(value);
            }
        }
    }
    if needs_health_check_port(old)
        && needs_health_check_port(new)
        && new.health_check_node_port.unwrap_or(0) == 0
    {
        new.health_check_node_port = old.health_check_node_port;
    }
}

/// Clears what the old type needed and the new one does not, unless the
/// client changed it too (then validation speaks).
// k8s: pkg/registry/core/service/strategy.go (dropTypeDependentFields)
fn drop_type_dependent_fields(new: &mut ServiceSpec, old: &ServiceSpec) {
    if needs_cluster_ip(old) && !needs_cluster_ip(new) {
        if new.cluster_ip == old.cluster_ip && new.cluster_ips == old.cluster_ips {
            new.cluster_ip = None;
            new.cluster_ips = None;
        }
        if new.ip_families == old.ip_families {
            new.ip_families = None;
        }
        if new.ip_family_policy == old.ip_family_policy {
            new.ip_family_policy = None;
        }
    }
    let node_ports = |s: &ServiceSpec| -> Vec<Option<i32>> {
        s.ports.iter().flatten().map(|p| p.node_port).collect()
    };
    if needs_node_ports(old) && !needs_node_ports(new) && node_ports(new) == node_ports(old) {
        for port in new.ports.iter_mut().flatten() {
            port.node_port = None;
        }
    }
    if needs_health_check_port(old)
        && !needs_health_check_port(new)
        && new.health_check_node_port == old.health_check_node_port
    {
        new.health_check_node_port = None;
    }
    if old.type_.as_deref() == Some("LoadBalancer")
        && new.type_.as_deref() != Some("LoadBalancer")
        && new.allocate_load_balancer_node_ports.is_some()
        && new.allocate_load_balancer_node_ports == old.allocate_load_balancer_node_ports
    {
        new.allocate_load_balancer_node_ports = None;
    }
    if externally_accessible(old)
        && !externally_accessible(new)
        && new.external_traffic_policy == old.external_traffic_policy
    {
        new.external_traffic_policy = None;
    }
}
