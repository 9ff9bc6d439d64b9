//! The resources served with the generic [`Plain`] strategy, with the
//! facts `kubectl api-resources` shows for them on a v1.33 cluster.

use k8s_openapi::api::{core, discovery, events};

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
    ]
}
