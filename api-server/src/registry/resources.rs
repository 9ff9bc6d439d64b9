//! The resources served with the generic [`Plain`] strategy, with the
//! facts `kubectl api-resources` shows for them on a v1.33 cluster.
//! ServiceAccounts belong here for good: upstream validates nothing of
//! theirs beyond the metadata.

use k8s_openapi::api::{core, policy, rbac};

use super::plain::Plain;
use super::{Entry, ResourceInfo, entry};

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
};

/// Entries of every resource above.
pub(super) fn plain_entries() -> Vec<Entry> {
    vec![
        entry(Plain::<core::v1::ServiceAccount>::new(SERVICE_ACCOUNTS)),
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
