//! Daemon sets. Counterpart of k8s `pkg/registry/apps/daemonset/strategy.go`,
//! with defaulting from `pkg/apis/apps/v1/defaults.go` (`SetDefaults_DaemonSet`)
//! and validation from `pkg/apis/apps/validation/validation.go`
//! (`ValidateDaemonSetSpec`, `ValidateDaemonSetUpdateStrategy`).

use apimachinery::validation::{
    BadValue, ErrorList, FieldError, Path, validate_immutable, validate_nonnegative_field,
};
use k8s_openapi::api::apps::v1;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::rolling::{
    int_or_percent, not_more_than_100_percent, or_zero, strategy_value, validate_int_or_percent,
};
use crate::registry::workload::{
    ALWAYS, Controller, default_template, validate_selector, validate_template,
};
use crate::registry::{ResourceInfo, Strategy};

pub static INFO: &ResourceInfo = &ResourceInfo {
    group: "apps",
    version: "v1",
    resource: "daemonsets",
    singular: "daemonset",
    kind: "DaemonSet",
    namespaced: true,
    short_names: &["ds"],
    categories: &["all"],
    has_status: true,
    has_scale: false,
    printer: &crate::printers::DAEMON_SETS,
};

const CONTROLLER: Controller = Controller {
    kind: "DaemonSet",
    selector_noun: Some("daemonset"),
    selector_required: false,
    invalid_selector_detail: "",
    restart_policies: ALWAYS,
    forbids_active_deadline: true,
    validates_pod_spec: true,
};

const ROLLING_UPDATE: &str = "RollingUpdate";
const ON_DELETE: &str = "OnDelete";

#[derive(Clone, Copy, Default)]
pub struct DaemonSetStrategy;

impl Strategy for DaemonSetStrategy {
    type Object = v1::DaemonSet;

    fn info(&self) -> &'static ResourceInfo {
        INFO
    }

    // k8s: pkg/apis/apps/v1/defaults.go (SetDefaults_DaemonSet)
    fn apply_defaults(&self, ds: &mut v1::DaemonSet) {
        let spec = ds.spec.get_or_insert_with(Default::default);
        let strategy = spec.update_strategy.get_or_insert_with(Default::default);
        if strategy.type_.as_deref().is_none_or(str::is_empty) {
            strategy.type_ = Some(ROLLING_UPDATE.into());
        }
        if strategy.type_.as_deref() == Some(ROLLING_UPDATE) {
            let rolling = strategy.rolling_update.get_or_insert_with(Default::default);
            rolling.max_unavailable.get_or_insert(IntOrString::Int(1));
            rolling.max_surge.get_or_insert(IntOrString::Int(0));
        }
        spec.revision_history_limit.get_or_insert(10);
        default_template(&mut spec.template);
    }

    fn tracks_generation(&self) -> bool {
        true
    }

    fn validate(&self, ds: &v1::DaemonSet) -> ErrorList {
        match ds.spec.as_ref() {
            Some(spec) => validate_spec(spec, &Path::new("spec")),
            None => FieldError::required(&Path::new("spec"), "").into(),
        }
    }

    // k8s: pkg/registry/apps/daemonset/strategy.go (ValidateUpdate)
    fn validate_update(&self, new: &v1::DaemonSet, old: &v1::DaemonSet) -> ErrorList {
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
}

// k8s: pkg/apis/apps/validation/validation.go (ValidateDaemonSetSpec)
fn validate_spec(spec: &v1::DaemonSetSpec, path: &Path) -> ErrorList {
    let (mut errs, selector) =
        validate_selector(&spec.selector, &CONTROLLER, &path.child("selector"));
    if let Some(selector) = selector {
        errs.append(validate_template(
            Some(&spec.template),
            &selector,
            &CONTROLLER,
            &path.child("template"),
        ));
    }
    errs.append(validate_nonnegative_field(
        i64::from(spec.min_ready_seconds.unwrap_or(0)),
        &path.child("minReadySeconds"),
    ));
    errs.append(validate_update_strategy(
        spec.update_strategy.as_ref(),
        &path.child("updateStrategy"),
    ));
    if let Some(limit) = spec.revision_history_limit {
        errs.append(validate_nonnegative_field(
            i64::from(limit),
            &path.child("revisionHistoryLimit"),
        ));
    }
    errs
}

// k8s: pkg/apis/apps/validation/validation.go (ValidateDaemonSetUpdateStrategy)
fn validate_update_strategy(
    strategy: Option<&v1::DaemonSetUpdateStrategy>,
    path: &Path,
) -> ErrorList {
    let type_ = strategy.and_then(|s| s.type_.as_deref());
    let rolling = strategy.and_then(|s| s.rolling_update.as_ref());
    match (type_, rolling) {
        (Some(ON_DELETE), _) => ErrorList::new(),
        (Some(ROLLING_UPDATE), None) => {
            FieldError::required(&path.child("rollingUpdate"), "").into()
        }
        (Some(ROLLING_UPDATE), Some(rolling)) => {
            validate_rolling_update(rolling, &path.child("rollingUpdate"))
        }
        _ => FieldError::not_supported(
            path,
            strategy_value(
                "DaemonSetUpdateStrategy",
                type_,
                "RollingUpdateDaemonSet",
                rolling.is_some(),
            ),
            &[ROLLING_UPDATE, ON_DELETE],
        )
        .into(),
    }
}

// k8s: pkg/apis/apps/validation/validation.go (ValidateRollingUpdateDaemonSet)
fn validate_rolling_update(rolling: &v1::RollingUpdateDaemonSet, path: &Path) -> ErrorList {
    let unavailable = or_zero(rolling.max_unavailable.as_ref());
    let surge = or_zero(rolling.max_surge.as_ref());
    let (unavailable_path, surge_path) = (path.child("maxUnavailable"), path.child("maxSurge"));
    let mut errs = validate_int_or_percent(unavailable, &unavailable_path);
    errs.append(validate_int_or_percent(surge, &surge_path));
    errs.append(not_more_than_100_percent(unavailable, &unavailable_path));
    errs.append(not_more_than_100_percent(surge, &surge_path));
    match (int_or_percent(unavailable) != 0, int_or_percent(surge) != 0) {
        (true, true) => errs.push(FieldError::invalid(
            &surge_path,
            BadValue::int_or_string(surge),
            "may not be set when maxUnavailable is non-zero",
        )),
        (false, false) => errs.push(FieldError::required(
            &unavailable_path,
            "cannot be 0 when maxSurge is 0",
        )),
        _ => {}
    }
    errs
}
