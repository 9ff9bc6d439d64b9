//! ServiceAccounts. Counterpart of k8s
//! `pkg/registry/core/serviceaccount/strategy.go`: upstream validates
//! nothing of theirs beyond the metadata
//! (`ValidateServiceAccount`), which the generic store already does.

use k8s_openapi::api::core::v1::ServiceAccount;

use crate::registry::{ResourceInfo, Strategy};

pub static INFO: &ResourceInfo = &ResourceInfo {
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

#[derive(Clone, Copy, Default)]
pub struct ServiceAccountStrategy;

impl Strategy for ServiceAccountStrategy {
    type Object = ServiceAccount;

    fn info(&self) -> &'static ResourceInfo {
        INFO
    }
}
