//! Controller revisions: immutable snapshots of a controller's template.
//! Counterpart of k8s `pkg/registry/apps/controllerrevision/strategy.go` and
//! `ValidateControllerRevision(Update)` in `pkg/apis/apps/validation/validation.go`.

use apimachinery::validation::{
    BadValue, ErrorList, FieldError, Path, validate_immutable, validate_nonnegative_field,
};
use k8s_openapi::api::apps::v1::ControllerRevision;

use crate::registry::{ResourceInfo, Strategy};

pub static INFO: &ResourceInfo = &ResourceInfo {
    group: "apps",
    version: "v1",
    resource: "controllerrevisions",
    singular: "controllerrevision",
    kind: "ControllerRevision",
    namespaced: true,
    short_names: &[],
    categories: &[],
    has_status: false,
    has_scale: false,
    printer: &crate::printers::CONTROLLER_REVISIONS,
};

#[derive(Clone, Copy, Default)]
pub struct ControllerRevisionStrategy;

impl Strategy for ControllerRevisionStrategy {
    type Object = ControllerRevision;

    fn info(&self) -> &'static ResourceInfo {
        INFO
    }

    // k8s: pkg/apis/apps/validation/validation.go (ValidateControllerRevision)
    fn validate(&self, revision: &ControllerRevision) -> ErrorList {
        let mut errs = ErrorList::new();
        if revision.data.is_none() {
            errs.push(FieldError::required(
                &Path::new("data"),
                "data is mandatory",
            ));
        }
        errs.append(validate_nonnegative_field(
            revision.revision,
            &Path::new("revision"),
        ));
        errs
    }

    // k8s: pkg/apis/apps/validation/validation.go (ValidateControllerRevisionUpdate)
    fn validate_update(&self, new: &ControllerRevision, old: &ControllerRevision) -> ErrorList {
        let mut errs = self.validate(new);
        // Upstream prints the raw bytes of the data; they say nothing useful.
        errs.append(validate_immutable(
            &new.data,
            &old.data,
            || BadValue::Omitted,
            &Path::new("data"),
        ));
        errs
    }
}
