//! Rules every pod-template controller shares (Deployment, ReplicaSet,
//! ReplicationController, StatefulSet, DaemonSet, Job): the pod template's
//! defaults, the label selector's validation and the template's agreement
//! with the selector.
//!
//! Counterparts: the `ValidatePodTemplateSpecFor*` functions of k8s
//! `pkg/apis/apps/validation/validation.go` and
//! `pkg/apis/core/validation/validation.go`, and the selector checks at the
//! top of each `Validate*Spec`.

use std::collections::BTreeMap;

use apimachinery::selector::labels::{self, LabelSelectorValidationOptions, Selector};
use apimachinery::validation::{BadValue, ErrorList, FieldError, Path, validate_labels};
use k8s_openapi::api::core::v1::{PodSpec, PodTemplateSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use serde_json::Value;

use super::core::pod::{default_pod_spec, validate_pod_template_spec};

/// How one controller checks its selector and pod template.
#[derive(Clone, Copy, Debug)]
pub struct Controller {
    /// The kind named in the `activeDeadlineSeconds` message.
    pub kind: &'static str,
    /// The word ending `empty selector is invalid for ...` (upstream says
    /// `deployment` for replica sets too); `None` allows an empty selector.
    pub selector_noun: Option<&'static str>,
    /// Whether a selector must be given at all (a daemon set only reports
    /// that it matches nothing).
    pub selector_required: bool,
    /// The detail of the error on a selector that does not convert.
    pub invalid_selector_detail: &'static str,
    /// The restart policies the template may use.
    pub restart_policies: &'static [&'static str],
    /// Whether `activeDeadlineSeconds` is forbidden in the template.
    pub forbids_active_deadline: bool,
    /// Whether the template's pod spec is validated (upstream skips it for
    /// stateful sets and checks only the labels).
    pub validates_pod_spec: bool,
}

/// The restart policy of long-running controllers.
pub const ALWAYS: &[&str] = &["Always"];

/// Defaults of a workload's pod template: its spec gets the pod spec
/// defaults, as upstream's generated defaulters apply them to every
/// embedded `PodTemplateSpec`.
// k8s: pkg/apis/apps/v1/zz_generated.defaults.go (SetObjectDefaults_Deployment and siblings)
pub fn default_template(template: &mut PodTemplateSpec) {
    default_pod_spec(template.spec.get_or_insert_with(PodSpec::default));
}

/// Validates a structured selector at `path` and converts it. Returns the
/// selector to check the template against, or `None` when it does not
/// convert. A selector with neither `matchLabels` nor `matchExpressions`
/// counts as absent: the typed object cannot tell the two apart.
// k8s: pkg/apis/apps/validation/validation.go (ValidateDeploymentSpec, selector part)
pub fn validate_selector(
    selector: &LabelSelector,
    controller: &Controller,
    path: &Path,
) -> (ErrorList, Option<Selector>) {
    let mut errs = ErrorList::new();
    if selector.match_labels.is_none() && selector.match_expressions.is_none() {
        if controller.selector_required {
            errs.push(FieldError::required(path, ""));
        }
        // An absent selector converts to one that selects nothing.
        return (errs, Some(Selector::nothing()));
    }
    let structured = labels::LabelSelector::from(selector);
    errs.append(structured.validate(LabelSelectorValidationOptions::default(), path));
    if let Some(noun) = controller.selector_noun
        && structured.match_labels.is_empty()
        && structured.match_expressions.is_empty()
    {
        errs.push(FieldError::invalid(
            path,
            BadValue::label_selector(selector),
            format!("empty selector is invalid for {noun}"),
        ));
    }
    match Selector::from_label_selector(Some(&structured)) {
        Ok(converted) => (errs, Some(converted)),
        Err(_) => {
            errs.push(FieldError::invalid(
                path,
                BadValue::label_selector(selector),
                controller.invalid_selector_detail,
            ));
            (errs, None)
        }
    }
}

/// Validates a controller's pod template at `path` (`spec.template`): it
/// must exist, its labels must match `selector`, its spec must be a valid
/// pod spec with one of the allowed restart policies.
// k8s: pkg/apis/apps/validation/validation.go (ValidatePodTemplateSpecForReplicaSet, ValidatePodTemplateSpecForStatefulSet)
// k8s: pkg/apis/core/validation/validation.go (ValidatePodTemplateSpecForRC)
pub fn validate_template(
    template: Option<&PodTemplateSpec>,
    selector: &Selector,
    controller: &Controller,
    path: &Path,
) -> ErrorList {
    let Some(template) = template else {
        return FieldError::required(path, "").into();
    };
    let mut errs = ErrorList::new();
    let template_labels = template.metadata.as_ref().and_then(|m| m.labels.as_ref());
    if !selector.is_everything() {
        let empty = BTreeMap::new();
        if !selector.matches(template_labels.unwrap_or(&empty)) {
            errs.push(FieldError::invalid(
                &path.child("metadata").child("labels"),
                BadValue::string_map(template_labels),
                "`selector` does not match template `labels`",
            ));
        }
    }
    if controller.validates_pod_spec {
        errs.append(validate_pod_template_spec(template, path));
    } else if let Some(template_labels) = template_labels {
        errs.append(validate_labels(template_labels, &path.child("labels")));
    }
    let spec_path = path.child("spec");
    let spec = template.spec.as_ref();
    let restart_policy = spec.and_then(|s| s.restart_policy.as_deref());
    if !controller
        .restart_policies
        .contains(&restart_policy.unwrap_or_default())
    {
        errs.push(FieldError::not_supported(
            &spec_path.child("restartPolicy"),
            restart_policy.unwrap_or_default(),
            controller.restart_policies,
        ));
    }
    if controller.forbids_active_deadline && spec.and_then(|s| s.active_deadline_seconds).is_some()
    {
        errs.push(FieldError::forbidden(
            &spec_path.child("activeDeadlineSeconds"),
            format!(
                "activeDeadlineSeconds in {} is not Supported",
                controller.kind
            ),
        ));
    }
    errs
}

/// The `status.replicas` field selector of replica sets and replication
/// controllers: the count as text, `0` before any status is written.
// k8s: pkg/registry/apps/replicaset/strategy.go (ReplicaSetToSelectableFields)
pub fn status_replicas_field(object: &Value) -> Vec<(&'static str, String)> {
    let replicas = object["status"]["replicas"].as_i64().unwrap_or(0);
    vec![("status.replicas", replicas.to_string())]
}
