//! The resources served with the generic [`Plain`] strategy, with the
//! facts `kubectl api-resources` shows for them on a v1.33 cluster.

use k8s_openapi::api::{core, discovery, events, policy, rbac};

use super::plain::Plain;
use super::{Entry, ResourceInfo, entry};

pub static ENDPOINTS: &ResourceInfo = &ResourceInfo {
    group: "",
    version: "v1",
    resource: "endpoints",
    singular: "endpoints",
    kind: "Endpoints",
    namespaced: true,
    short_names: &["ep"],
    categories: &[],
    has_status: false,
    has_scale: false,
    printer: &crate::printers::ENDPOINTS,
};

pub static EVENTS: &ResourceInfo = &ResourceInfo {
    group: "",
    version: "v1",
    resource: "events",
    singular: "event",
    kind: "Event",
    namespaced: true,
    short_names: &["ev"],
    categories: &[],
    has_status: false,
    has_scale: false,
    printer: &crate::printers::EVENTS,
};

pub static LIMIT_RANGES: &ResourceInfo = &ResourceInfo {
    group: "",
    version: "v1",
    resource: "limitranges",
    singular: "limitrange",
    kind: "LimitRange",
    namespaced: true,
    short_names: &["limits"],
    categories: &[],
    has_status: false,
    has_scale: false,
    printer: &crate::printers::DEFAULT,
};

pub static NODES: &ResourceInfo = &ResourceInfo {
    group: "",
    version: "v1",
    resource: "nodes",
    singular: "node",
    kind: "Node",
    namespaced: false,
    short_names: &["no"],
    categories: &[],
    has_status: true,
    has_scale: false,
    printer: &crate::printers::NODES,
};

pub static PERSISTENT_VOLUME_CLAIMS: &ResourceInfo = &ResourceInfo {
    group: "",
    version: "v1",
    resource: "persistentvolumeclaims",
    singular: "persistentvolumeclaim",
    kind: "PersistentVolumeClaim",
    namespaced: true,
    short_names: &["pvc"],
    categories: &[],
    has_status: true,
    has_scale: false,
    printer: &crate::printers::PERSISTENT_VOLUME_CLAIMS,
};

pub static PERSISTENT_VOLUMES: &ResourceInfo = &ResourceInfo {
    group: "",
    version: "v1",
    resource: "persistentvolumes",
    singular: "persistentvolume",
    kind: "PersistentVolume",
    namespaced: false,
    short_names: &["pv"],
    categories: &[],
    has_status: true,
    has_scale: false,
    printer: &crate::printers::PERSISTENT_VOLUMES,
};

pub static RESOURCE_QUOTAS: &ResourceInfo = &ResourceInfo {
    group: "",
    version: "v1",
    resource: "resourcequotas",
    singular: "resourcequota",
    kind: "ResourceQuota",
    namespaced: true,
    short_names: &["quota"],
    categories: &[],
    has_status: true,
    has_scale: false,
    printer: &crate::printers::RESOURCE_QUOTAS,
};

pub static SERVICE_ACCOUNTS: &ResourceInfo = &ResourceInfo {
    group: "",
    version: "v1",
    resource: "serviceaccounts",
    singular: "serviceaccount",
    kind: "ServiceAccount",
    namespaced: true,
    short_names: &["sa"],
    categories: &[],
    has_status: false,
    has_scale: false,
    printer: &crate::printers::SERVICE_ACCOUNTS,
};

pub static ENDPOINT_SLICES: &ResourceInfo = &ResourceInfo {
    group: "discovery.k8s.io",
    version: "v1",
    resource: "endpointslices",
    singular: "endpointslice",
    kind: "EndpointSlice",
    namespaced: true,
    short_names: &[],
    categories: &[],
    has_status: false,
    has_scale: false,
    printer: &crate::printers::ENDPOINT_SLICES,
};

pub static EVENTS_V1: &ResourceInfo = &ResourceInfo {
    group: "events.k8s.io",
    version: "v1",
    resource: "events",
    singular: "event",
    kind: "Event",
    namespaced: true,
    short_names: &["ev"],
    categories: &[],
    has_status: false,
    has_scale: false,
    printer: &crate::printers::EVENTS_V1,
};

pub static POD_DISRUPTION_BUDGETS: &ResourceInfo = &ResourceInfo {
    group: "policy",
    version: "v1",
    resource: "poddisruptionbudgets",
    singular: "poddisruptionbudget",
    kind: "PodDisruptionBudget",
    namespaced: true,
    short_names: &["pdb"],
    categories: &[],
    has_status: true,
    has_scale: false,
    printer: &crate::printers::POD_DISRUPTION_BUDGETS,
};

pub static CLUSTER_ROLE_BINDINGS: &ResourceInfo = &ResourceInfo {
    group: "rbac.authorization.k8s.io",
    version: "v1",
    resource: "clusterrolebindings",
    singular: "clusterrolebinding",
    kind: "ClusterRoleBinding",
    namespaced: false,
    short_names: &[],
    categories: &[],
    has_status: false,
    has_scale: false,
    printer: &crate::printers::CLUSTER_ROLE_BINDINGS,
};

pub static CLUSTER_ROLES: &ResourceInfo = &ResourceInfo {
    group: "rbac.authorization.k8s.io",
    version: "v1",
    resource: "clusterroles",
    singular: "clusterrole",
    kind: "ClusterRole",
    namespaced: false,
    short_names: &[],
    categories: &[],
    has_status: false,
    has_scale: false,
    printer: &crate::printers::DEFAULT,
};

pub static ROLE_BINDINGS: &ResourceInfo = &ResourceInfo {
    group: "rbac.authorization.k8s.io",
    version: "v1",
    resource: "rolebindings",
    singular: "rolebinding",
    kind: "RoleBinding",
    namespaced: true,
    short_names: &[],
    categories: &[],
    has_status: false,
    has_scale: false,
    printer: &crate::printers::ROLE_BINDINGS,
};

pub static ROLES: &ResourceInfo = &ResourceInfo {
    group: "rbac.authorization.k8s.io",
    version: "v1",
    resource: "roles",
    singular: "role",
    kind: "Role",
    namespaced: true,
    short_names: &[],
    categories: &[],
    has_status: false,
    has_scale: false,
    printer: &crate::printers::DEFAULT,
};

/// Entries of every resource above.
pub(super) fn plain_entries() -> Vec<Entry> {
    vec![
        entry(Plain::<core::v1::Endpoints>::new(ENDPOINTS)),
        entry(Plain::<core::v1::Event>::new(EVENTS).with_fields(&[
            ("involvedObject.kind", &["involvedObject", "kind"]),
            ("involvedObject.namespace", &["involvedObject", "namespace"]),
            ("involvedObject.name", &["involvedObject", "name"]),
            ("involvedObject.uid", &["involvedObject", "uid"]),
            (
                "involvedObject.apiVersion",
                &["involvedObject", "apiVersion"],
            ),
            (
                "involvedObject.resourceVersion",
                &["involvedObject", "resourceVersion"],
            ),
            ("involvedObject.fieldPath", &["involvedObject", "fieldPath"]),
            ("reason", &["reason"]),
            ("reportingComponent", &["reportingComponent"]),
            ("source", &["source", "component"]),
            ("type", &["type"]),
        ])),
        entry(Plain::<core::v1::LimitRange>::new(LIMIT_RANGES)),
        entry(
            Plain::<core::v1::Node>::new(NODES)
                .with_fields(&[("spec.unschedulable", &["spec", "unschedulable"])]),
        ),
        entry(
            Plain::<core::v1::PersistentVolumeClaim>::new(PERSISTENT_VOLUME_CLAIMS)
                .with_fields(&[("status.phase", &["status", "phase"])]),
        ),
        entry(
            Plain::<core::v1::PersistentVolume>::new(PERSISTENT_VOLUMES)
                .with_fields(&[("status.phase", &["status", "phase"])]),
        ),
        entry(Plain::<core::v1::ResourceQuota>::new(RESOURCE_QUOTAS)),
        entry(Plain::<core::v1::ServiceAccount>::new(SERVICE_ACCOUNTS)),
        entry(Plain::<discovery::v1::EndpointSlice>::new(ENDPOINT_SLICES)),
        entry(Plain::<events::v1::Event>::new(EVENTS_V1)),
        entry(
            Plain::<policy::v1::PodDisruptionBudget>::new(POD_DISRUPTION_BUDGETS).with_generation(),
        ),
        entry(Plain::<rbac::v1::ClusterRoleBinding>::new(
            CLUSTER_ROLE_BINDINGS,
        )),
        entry(Plain::<rbac::v1::ClusterRole>::new(CLUSTER_ROLES)),
        entry(Plain::<rbac::v1::RoleBinding>::new(ROLE_BINDINGS)),
        entry(Plain::<rbac::v1::Role>::new(ROLES)),
    ]
}
