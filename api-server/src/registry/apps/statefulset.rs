//! Stateful sets. Counterpart of k8s `pkg/registry/apps/statefulset/strategy.go`,
//! with defaulting from `pkg/apis/apps/v1/defaults.go` (`SetDefaults_StatefulSet`)
//! and validation from `pkg/apis/apps/validation/validation.go`
//! (`ValidateStatefulSetSpec`, `ValidateStatefulSetUpdate`).

use apimachinery::validation::{BadValue, ErrorList, FieldError, Path, validate_nonnegative_field};
use k8s_openapi::api::apps::v1;
use k8s_openapi::api::core::v1::{PersistentVolumeClaimSpec, PersistentVolumeClaimStatus};

use super::rolling::{
    go_pointer, int_or_percent, not_more_than_100_percent, strategy_value, validate_int_or_percent,
};
use crate::registry::core::pod::set_if_empty;
use crate::registry::meta::NameRule;
use crate::registry::workload::{
    ALWAYS, Controller, default_template, validate_selector, validate_template,
};
use crate::registry::{ResourceInfo, Strategy};

pub static INFO: &ResourceInfo = &ResourceInfo {
    group: "apps",
    version: "v1",
    resource: "statefulsets",
    singular: "statefulset",
    kind: "StatefulSet",
    namespaced: true,
    short_names: &["sts"],
    categories: &["all"],
    has_status: true,
    has_scale: true,
    printer: &crate::printers::STATEFUL_SETS,
};

const CONTROLLER: Controller = Controller {
    kind: "StatefulSet",
    selector_noun: Some("statefulset"),
    selector_required: true,
    invalid_selector_detail: "",
    restart_policies: ALWAYS,
    forbids_active_deadline: true,
    validates_pod_spec: false,
};

const ROLLING_UPDATE: &str = "RollingUpdate";
const ON_DELETE: &str = "OnDelete";
const RETAIN: &str = "Retain";

/// What an update may change in the spec.
const UPDATE_FORBIDDEN: &str = "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden";

#[derive(Clone, Copy, Default)]
pub struct StatefulSetStrategy;

impl Strategy for StatefulSetStrategy {
    type Object = v1::StatefulSet;

    fn info(&self) -> &'static ResourceInfo {
        INFO
    }

    fn apply_defaults(&self, sts: &mut v1::StatefulSet) {
        default_stateful_set(sts.spec.get_or_insert_with(Default::default));
    }

    fn tracks_generation(&self) -> bool {
        true
    }

    // k8s: pkg/apis/apps/validation/validation.go (ValidateStatefulSetName)
    fn name_rule(&self) -> NameRule {
        NameRule::Label
    }

    fn validate(&self, sts: &v1::StatefulSet) -> ErrorList {
        match sts.spec.as_ref() {
            Some(spec) => validate_spec(spec, &Path::new("spec")),
            None => FieldError::required(&Path::new("spec"), "").into(),
        }
    }

    // k8s: pkg/apis/apps/validation/validation.go (ValidateStatefulSetUpdate)
    fn validate_update(&self, new: &v1::StatefulSet, old: &v1::StatefulSet) -> ErrorList {
        let mut errs = self.validate(new);
        if let (Some(new), Some(old)) = (new.spec.as_ref(), old.spec.as_ref()) {
            let mut frozen = new.clone();
            frozen.replicas = old.replicas;
            frozen.ordinals.clone_from(&old.ordinals);
            frozen.template.clone_from(&old.template);
            frozen.update_strategy.clone_from(&old.update_strategy);
            frozen.min_ready_seconds = old.min_ready_seconds;
            frozen
                .persistent_volume_claim_retention_policy
                .clone_from(&old.persistent_volume_claim_retention_policy);
            if &frozen != old {
                errs.push(FieldError::forbidden(&Path::new("spec"), UPDATE_FORBIDDEN));
            }
        }
        errs
    }
}

// k8s: pkg/apis/apps/v1/defaults.go (SetDefaults_StatefulSet)
fn default_stateful_set(spec: &mut v1::StatefulSetSpec) {
    set_if_empty(&mut spec.pod_management_policy, "OrderedReady");
    let strategy = spec.update_strategy.get_or_insert_with(Default::default);
    if strategy.type_.as_deref().is_none_or(str::is_empty) {
        strategy.type_ = Some(ROLLING_UPDATE.into());
        strategy.rolling_update.get_or_insert_with(Default::default);
    }
    if strategy.type_.as_deref() == Some(ROLLING_UPDATE)
        && let Some(rolling) = strategy.rolling_update.as_mut()
    {
        rolling.partition.get_or_insert(0);
    }
    let retention = spec
        .persistent_volume_claim_retention_policy
        .get_or_insert_with(Default::default);
    set_if_empty(&mut retention.when_deleted, RETAIN);
    set_if_empty(&mut retention.when_scaled, RETAIN);
    spec.replicas.get_or_insert(1);
    spec.revision_history_limit.get_or_insert(10);
    default_template(&mut spec.template);
    // k8s: pkg/apis/core/v1/defaults.go (SetDefaults_PersistentVolumeClaim, SetDefaults_PersistentVolumeClaimSpec)
    for claim in spec.volume_claim_templates.iter_mut().flatten() {
        let claim_spec = claim
            .spec
            .get_or_insert_with(PersistentVolumeClaimSpec::default);
        set_if_empty(&mut claim_spec.volume_mode, "Filesystem");
        let status = claim
            .status
            .get_or_insert_with(PersistentVolumeClaimStatus::default);
        set_if_empty(&mut status.phase, "Pending");
    }
}

// k8s: pkg/apis/apps/validation/validation.go (ValidateStatefulSetSpec)
fn validate_spec(spec: &v1::StatefulSetSpec, path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    let policy_path = path.child("podManagementPolicy");
    match spec.pod_management_policy.as_deref().unwrap_or_default() {
        "" => errs.push(FieldError::required(&policy_path, "")),
        "OrderedReady" | "Parallel" => {}
        other => errs.push(FieldError::invalid(
            &policy_path,
            other,
            "must be 'OrderedReady' or 'Parallel'",
        )),
    }
    errs.append(validate_update_strategy(
        spec.update_strategy.as_ref(),
        &path.child("updateStrategy"),
    ));
    if let Some(retention) = spec.persistent_volume_claim_retention_policy.as_ref() {
        let retention_path = path.child("persistentVolumeClaimRetentionPolicy");
        for (name, value) in [
            ("whenDeleted", &retention.when_deleted),
            ("whenScaled", &retention.when_scaled),
        ] {
            let value = value.as_deref().unwrap_or_default();
            if value != RETAIN && value != "Delete" {
                errs.push(FieldError::not_supported(
                    &retention_path.child(name),
                    value,
                    &[RETAIN, "Delete"],
                ));
            }
        }
    }
    errs.append(validate_nonnegative_field(
        i64::from(spec.replicas.unwrap_or(0)),
        &path.child("replicas"),
    ));
    errs.append(validate_nonnegative_field(
        i64::from(spec.min_ready_seconds.unwrap_or(0)),
        &path.child("minReadySeconds"),
    ));
    if let Some(ordinals) = spec.ordinals.as_ref() {
        // Upstream names the field with a dot in one child.
        errs.append(validate_nonnegative_field(
            i64::from(ordinals.start.unwrap_or(0)),
            &path.child("ordinals.start"),
        ));
    }
    let (selector_errs, selector) =
        validate_selector(&spec.selector, &CONTROLLER, &path.child("selector"));
    errs.append(selector_errs);
    if let Some(selector) = selector {
        errs.append(validate_template(
            Some(&spec.template),
            &selector,
            &CONTROLLER,
            &path.child("template"),
        ));
    }
    errs
}

// k8s: pkg/apis/apps/validation/validation.go (ValidateStatefulSetSpec, validateRollingUpdateStatefulSet)
fn validate_update_strategy(
    strategy: Option<&v1::StatefulSetUpdateStrategy>,
    path: &Path,
) -> ErrorList {
    let type_ = strategy.and_then(|s| s.type_.as_deref());
    let rolling = strategy.and_then(|s| s.rolling_update.as_ref());
    let rolling_path = path.child("rollingUpdate");
    let mut errs = ErrorList::new();
    match type_.unwrap_or_default() {
        "" => errs.push(FieldError::required(path, "")),
        ON_DELETE => {
            if let Some(rolling) = rolling {
                errs.push(FieldError::invalid(
                    &rolling_path,
                    rolling_value(rolling),
                    "only allowed for updateStrategy 'RollingUpdate'",
                ));
            }
        }
        ROLLING_UPDATE => {
            if let Some(rolling) = rolling {
                errs.append(validate_nonnegative_field(
                    i64::from(rolling.partition.unwrap_or(0)),
                    &rolling_path.child("partition"),
                ));
                if let Some(unavailable) = rolling.max_unavailable.as_ref() {
                    let unavailable_path = rolling_path.child("maxUnavailable");
                    errs.append(validate_int_or_percent(unavailable, &unavailable_path));
                    if int_or_percent(unavailable) == 0 {
                        errs.push(FieldError::invalid(
                            &unavailable_path,
                            BadValue::int_or_string(unavailable),
                            "cannot be 0",
                        ));
                    }
                    errs.append(not_more_than_100_percent(unavailable, &unavailable_path));
                }
            }
        }
        _ => errs.push(FieldError::invalid(
            path,
            strategy_value(
                "StatefulSetUpdateStrategy",
                type_,
                "RollingUpdateStatefulSetStrategy",
                rolling.is_some(),
            ),
            "must be 'RollingUpdate' or 'OnDelete'",
        )),
    }
    errs
}

/// A rolling update as upstream prints it (Go's `%#v` of the internal
/// struct; a set `maxUnavailable` is a [`go_pointer`]).
fn rolling_value(rolling: &v1::RollingUpdateStatefulSetStrategy) -> BadValue {
    let pointer = go_pointer(rolling.max_unavailable.is_some());
    BadValue::Raw(format!(
        "apps.RollingUpdateStatefulSetStrategy{{Partition:{}, MaxUnavailable:(*intstr.IntOrString)({pointer})}}",
        rolling.partition.unwrap_or(0)
    ))
}
