//! Replication controllers. Counterpart of k8s
//! `pkg/registry/core/replicationcontroller/strategy.go`, with defaulting
//! from `pkg/apis/core/v1/defaults.go` (`SetDefaults_ReplicationController`)
//! and validation from `pkg/apis/core/validation/validation.go`
//! (`ValidateReplicationControllerSpec`).

use apimachinery::selector::labels::Selector;
use apimachinery::validation::{ErrorList, FieldError, Path, validate_nonnegative_field};
use k8s_openapi::api::core::v1::ReplicationController;
use serde_json::Value;

use crate::registry::workload::{
    ALWAYS, Controller, default_template, status_replicas_field, validate_template,
};
use crate::registry::{ResourceInfo, Strategy};

pub static INFO: &ResourceInfo = &ResourceInfo {
    group: "",
    version: "v1",
    resource: "replicationcontrollers",
    singular: "replicationcontroller",
    kind: "ReplicationController",
    namespaced: true,
    short_names: &["rc"],
    categories: &["all"],
    has_status: true,
    has_scale: true,
    printer: &crate::printers::REPLICATION_CONTROLLERS,
};

const CONTROLLER: Controller = Controller {
    kind: "ReplicationController",
    selector_noun: None,
    selector_required: true,
    invalid_selector_detail: "",
    restart_policies: ALWAYS,
    forbids_active_deadline: true,
    validates_pod_spec: true,
};

#[derive(Clone, Copy, Default)]
pub struct ReplicationControllerStrategy;

impl Strategy for ReplicationControllerStrategy {
    type Object = ReplicationController;

    fn info(&self) -> &'static ResourceInfo {
        INFO
    }

    // k8s: pkg/apis/core/v1/defaults.go (SetDefaults_ReplicationController)
    fn apply_defaults(&self, rc: &mut ReplicationController) {
        let spec = rc.spec.get_or_insert_with(Default::default);
        let template_labels = spec
            .template
            .as_ref()
            .and_then(|t| t.metadata.as_ref())
            .and_then(|m| m.labels.clone());
        if let Some(template_labels) = template_labels {
            if spec.selector.as_ref().is_none_or(|s| s.is_empty()) {
                spec.selector = Some(template_labels.clone());
            }
            if rc.metadata.labels.as_ref().is_none_or(|l| l.is_empty()) {
                rc.metadata.labels = Some(template_labels);
            }
        }
        spec.replicas.get_or_insert(1);
        if let Some(template) = spec.template.as_mut() {
            default_template(template);
        }
    }

    fn tracks_generation(&self) -> bool {
        true
    }

    // k8s: pkg/apis/core/validation/validation.go (ValidateReplicationControllerSpec)
    fn validate(&self, rc: &ReplicationController) -> ErrorList {
        let path = Path::new("spec");
        let Some(spec) = rc.spec.as_ref() else {
            return FieldError::required(&path, "").into();
        };
        let mut errs = validate_nonnegative_field(
            i64::from(spec.min_ready_seconds.unwrap_or(0)),
            &path.child("minReadySeconds"),
        );
        let selector = Selector::from_set(spec.selector.iter().flatten());
        // k8s: pkg/apis/core/validation/validation.go (ValidateNonEmptySelector)
        if selector.is_everything() {
            errs.push(FieldError::required(&path.child("selector"), ""));
        }
        errs.append(validate_nonnegative_field(
            i64::from(spec.replicas.unwrap_or(0)),
            &path.child("replicas"),
        ));
        errs.append(validate_template(
            spec.template.as_ref(),
            &selector,
            &CONTROLLER,
            &path.child("template"),
        ));
        errs
    }

    // k8s: pkg/registry/core/replicationcontroller/strategy.go (ControllerToSelectableFields)
    fn selectable_fields(&self, object: &Value) -> Vec<(&'static str, String)> {
        status_replicas_field(object)
    }
}
