//! Namespaces. Counterpart of upstream's `pkg/registry/core/namespace/`.

use k8s_openapi::api::core::v1::{Namespace, NamespaceSpec, NamespaceStatus};
use serde_json::Value;

use crate::registry::meta::NameRule;
use crate::registry::{ResourceInfo, Strategy};

/// The namespaces resource.
pub static INFO: &ResourceInfo = &ResourceInfo {
    group: "",
    version: "v1",
    resource: "namespaces",
    singular: "namespace",
    kind: "Namespace",
    namespaced: false,
    short_names: &["ns"],
    categories: &[],
    has_status: true,
    has_scale: false,
    printer: &crate::printers::NAMESPACES,
};

/// The finalizer that keeps a namespace until its content is gone.
pub const KUBERNETES_FINALIZER: &str = "kubernetes";

/// Namespaces every cluster has from the start.
pub const SYSTEM_NAMESPACES: [&str; 4] =
    ["default", "kube-system", "kube-public", "kube-node-lease"];

#[derive(Clone, Copy, Default)]
pub struct NamespaceStrategy;

impl Strategy for NamespaceStrategy {
    type Object = Namespace;

    fn info(&self) -> &'static ResourceInfo {
        INFO
    }

    fn name_rule(&self) -> NameRule {
        NameRule::Label
    }

    // k8s: pkg/registry/core/namespace/strategy.go (PrepareForCreate)
    fn prepare_for_create(&self, namespace: &mut Namespace) {
        namespace.status = Some(NamespaceStatus {
            phase: Some("Active".into()),
            ..NamespaceStatus::default()
        });
        let finalizers = namespace
            .spec
            .get_or_insert_with(NamespaceSpec::default)
            .finalizers
            .get_or_insert_with(Vec::new);
        if !finalizers.iter().any(|f| f == KUBERNETES_FINALIZER) {
            finalizers.push(KUBERNETES_FINALIZER.into());
        }
    }

    // k8s: pkg/registry/core/namespace/strategy.go (PrepareForUpdate): the
    // spec finalizers only change through the finalize subresource.
    fn prepare_for_update(&self, new: &mut Namespace, old: &Namespace) {
        new.spec = old.spec.clone();
    }

    fn selectable_fields(&self, object: &Value) -> Vec<(&'static str, String)> {
        let phase = object["status"]["phase"].as_str().unwrap_or_default();
        vec![("status.phase", phase.to_owned())]
    }

    fn prepare_for_delete(&self, namespace: &mut Namespace) {
        namespace
            .status
            .get_or_insert_with(NamespaceStatus::default)
            .phase = Some("Terminating".into());
    }

    fn deletion_blocked(&self, namespace: &Namespace) -> bool {
        namespace
            .spec
            .as_ref()
            .and_then(|s| s.finalizers.as_ref())
            .is_some_and(|f| !f.is_empty())
    }
}
