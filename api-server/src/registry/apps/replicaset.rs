//! Replica sets. Counterpart of k8s `pkg/registry/apps/replicaset/strategy.go`,
//! with defaulting from `pkg/apis/apps/v1/defaults.go` (`SetDefaults_ReplicaSet`)
//! and validation from `pkg/apis/apps/validation/validation.go`
//! (`ValidateReplicaSetSpec`).

use apimachinery::validation::{
    BadValue, ErrorList, FieldError, Path, validate_immutable, validate_nonnegative_field,
};
use k8s_openapi::api::apps::v1;
use serde_json::Value;

use crate::registry::workload::{
    ALWAYS, Controller, default_template, status_replicas_field, validate_selector,
    validate_template,
};
use crate::registry::{ResourceInfo, Strategy};

pub static INFO: &ResourceInfo = &ResourceInfo {
    group: "apps",
    version: "v1",
    resource: "replicasets",
    singular: "replicaset",
    kind: "ReplicaSet",
    namespaced: true,
    short_names: &["rs"],
    categories: &["all"],
    has_status: true,
    has_scale: true,
    printer: &crate::printers::REPLICA_SETS,
};

const CONTROLLER: Controller = Controller {
    kind: "ReplicaSet",
    // Upstream's message names deployments here too.
    selector_noun: Some("deployment"),
    selector_required: true,
    invalid_selector_detail: "invalid label selector",
    restart_policies: ALWAYS,
    forbids_active_deadline: true,
    validates_pod_spec: true,
};

#[derive(Clone, Copy, Default)]
pub struct ReplicaSetStrategy;

impl Strategy for ReplicaSetStrategy {
    type Object = v1::ReplicaSet;

    fn info(&self) -> &'static ResourceInfo {
        INFO
    }

    // k8s: pkg/apis/apps/v1/defaults.go (SetDefaults_ReplicaSet)
    fn apply_defaults(&self, rs: &mut v1::ReplicaSet) {
        let spec = rs.spec.get_or_insert_with(Default::default);
        spec.replicas.get_or_insert(1);
        // The v1 template is a plain struct upstream: always present.
        default_template(spec.template.get_or_insert_with(Default::default));
    }

    fn tracks_generation(&self) -> bool {
        true
    }

    fn validate(&self, rs: &v1::ReplicaSet) -> ErrorList {
        let path = Path::new("spec");
        let Some(spec) = rs.spec.as_ref() else {
            return FieldError::required(&path, "").into();
        };
        let mut errs = validate_nonnegative_field(
            i64::from(spec.replicas.unwrap_or(0)),
            &path.child("replicas"),
        );
        errs.append(validate_nonnegative_field(
            i64::from(spec.min_ready_seconds.unwrap_or(0)),
            &path.child("minReadySeconds"),
        ));
        let (selector_errs, selector) =
            validate_selector(&spec.selector, &CONTROLLER, &path.child("selector"));
        errs.append(selector_errs);
        if let Some(selector) = selector {
            errs.append(validate_template(
                spec.template.as_ref(),
                &selector,
                &CONTROLLER,
                &path.child("template"),
            ));
        }
        errs
    }

    // k8s: pkg/registry/apps/replicaset/strategy.go (ValidateUpdate)
    fn validate_update(&self, new: &v1::ReplicaSet, old: &v1::ReplicaSet) -> ErrorList {
        let mut errs = self.validate(new);
        if let (Some(new), Some(old)) = (new.spec.as_ref(), old.spec.as_ref()) {
            errs.append(validate_immutable(
                &new.selector,
                &old.selector,
                || BadValue::label_selector(&new.selector),
                &Path::new("spec").child("selector"),
            ));
        }
        errs
    }

    // k8s: pkg/registry/apps/replicaset/strategy.go (ReplicaSetToSelectableFields)
    fn selectable_fields(&self, object: &Value) -> Vec<(&'static str, String)> {
        status_replicas_field(object)
    }
}
