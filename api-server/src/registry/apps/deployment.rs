//! Deployments. Counterpart of k8s `pkg/registry/apps/deployment/strategy.go`,
//! with defaulting from `pkg/apis/apps/v1/defaults.go` (`SetDefaults_Deployment`)
//! and validation from `pkg/apis/apps/validation/validation.go`
//! (`ValidateDeploymentSpec` and friends).

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
    resource: "deployments",
    singular: "deployment",
    kind: "Deployment",
    namespaced: true,
    short_names: &["deploy"],
    categories: &["all"],
    has_status: true,
    has_scale: true,
    printer: &crate::printers::DEPLOYMENTS,
};

const CONTROLLER: Controller = Controller {
    kind: "Deployment",
    selector_noun: Some("deployment"),
    selector_required: true,
    invalid_selector_detail: "invalid label selector",
    restart_policies: ALWAYS,
    forbids_active_deadline: true,
    validates_pod_spec: true,
};

const RECREATE: &str = "Recreate";
const ROLLING_UPDATE: &str = "RollingUpdate";

#[derive(Clone, Copy, Default)]
pub struct DeploymentStrategy;

impl Strategy for DeploymentStrategy {
    type Object = v1::Deployment;

    fn info(&self) -> &'static ResourceInfo {
        INFO
    }

    fn apply_defaults(&self, deployment: &mut v1::Deployment) {
        default_deployment(deployment.spec.get_or_insert_with(Default::default));
    }

    fn tracks_generation(&self) -> bool {
        true
    }

    // k8s: pkg/registry/apps/deployment/strategy.go (PrepareForUpdate)
    fn prepare_for_update(&self, new: &mut v1::Deployment, old: &v1::Deployment) {
        // Annotations are copied to the replica sets, so they count as a
        // change of the desired state too.
        if new.metadata.annotations != old.metadata.annotations {
            new.metadata.generation = Some(old.metadata.generation.unwrap_or(0) + 1);
        }
    }

    fn validate(&self, deployment: &v1::Deployment) -> ErrorList {
        match deployment.spec.as_ref() {
            Some(spec) => validate_deployment_spec(spec, &Path::new("spec")),
            None => FieldError::required(&Path::new("spec"), "").into(),
        }
    }

    // k8s: pkg/registry/apps/deployment/strategy.go (ValidateUpdate)
    fn validate_update(&self, new: &v1::Deployment, old: &v1::Deployment) -> ErrorList {
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

// k8s: pkg/apis/apps/v1/defaults.go (SetDefaults_Deployment)
fn default_deployment(spec: &mut v1::DeploymentSpec) {
    spec.replicas.get_or_insert(1);
    let strategy = spec.strategy.get_or_insert_with(Default::default);
    let type_ = strategy.type_.get_or_insert_with(|| ROLLING_UPDATE.into());
    if type_.is_empty() {
        *type_ = ROLLING_UPDATE.into();
    }
    if type_ == ROLLING_UPDATE {
        let rolling = strategy.rolling_update.get_or_insert_with(Default::default);
        let quarter = || IntOrString::String("25%".into());
        rolling.max_unavailable.get_or_insert_with(quarter);
        rolling.max_surge.get_or_insert_with(quarter);
    }
    spec.revision_history_limit.get_or_insert(10);
    spec.progress_deadline_seconds.get_or_insert(600);
    default_template(&mut spec.template);
}

/// Validation of a deployment's spec at `path`.
// k8s: pkg/apis/apps/validation/validation.go (ValidateDeploymentSpec)
pub fn validate_deployment_spec(spec: &v1::DeploymentSpec, path: &Path) -> ErrorList {
    let mut errs = validate_nonnegative_field(
        i64::from(spec.replicas.unwrap_or(0)),
        &path.child("replicas"),
    );
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
    errs.append(validate_strategy(
        spec.strategy.as_ref(),
        &path.child("strategy"),
    ));
    let min_ready = spec.min_ready_seconds.unwrap_or(0);
    errs.append(validate_nonnegative_field(
        i64::from(min_ready),
        &path.child("minReadySeconds"),
    ));
    if let Some(limit) = spec.revision_history_limit {
        errs.append(validate_nonnegative_field(
            i64::from(limit),
            &path.child("revisionHistoryLimit"),
        ));
    }
    if let Some(deadline) = spec.progress_deadline_seconds {
        let deadline_path = path.child("progressDeadlineSeconds");
        errs.append(validate_nonnegative_field(
            i64::from(deadline),
            &deadline_path,
        ));
        if deadline <= min_ready {
            errs.push(FieldError::invalid(
                &deadline_path,
                deadline,
                "must be greater than minReadySeconds",
            ));
        }
    }
    errs
}

// k8s: pkg/apis/apps/validation/validation.go (ValidateDeploymentStrategy)
fn validate_strategy(strategy: Option<&v1::DeploymentStrategy>, path: &Path) -> ErrorList {
    let type_ = strategy.and_then(|s| s.type_.as_deref());
    let rolling = strategy.and_then(|s| s.rolling_update.as_ref());
    match (type_, rolling) {
        (Some(RECREATE), None) => ErrorList::new(),
        (Some(RECREATE), Some(_)) => FieldError::forbidden(
            &path.child("rollingUpdate"),
            "may not be specified when strategy `type` is 'Recreate'",
        )
        .into(),
        (Some(ROLLING_UPDATE), None) => FieldError::required(
            &path.child("rollingUpdate"),
            "this should be defaulted and never be nil",
        )
        .into(),
        (Some(ROLLING_UPDATE), Some(rolling)) => {
            validate_rolling_update(rolling, &path.child("rollingUpdate"))
        }
        _ => FieldError::not_supported(
            path,
            strategy_value(
                "DeploymentStrategy",
                type_,
                "RollingUpdateDeployment",
                rolling.is_some(),
            ),
            &[RECREATE, ROLLING_UPDATE],
        )
        .into(),
    }
}

// k8s: pkg/apis/apps/validation/validation.go (ValidateRollingUpdateDeployment)
fn validate_rolling_update(rolling: &v1::RollingUpdateDeployment, path: &Path) -> ErrorList {
    let unavailable = or_zero(rolling.max_unavailable.as_ref());
    let surge = or_zero(rolling.max_surge.as_ref());
    let unavailable_path = path.child("maxUnavailable");
    let mut errs = validate_int_or_percent(unavailable, &unavailable_path);
    errs.append(validate_int_or_percent(surge, &path.child("maxSurge")));
    if int_or_percent(unavailable) == 0 && int_or_percent(surge) == 0 {
        errs.push(FieldError::invalid(
            &unavailable_path,
            BadValue::int_or_string(unavailable),
            "may not be 0 when `maxSurge` is 0",
        ));
    }
    errs.append(not_more_than_100_percent(unavailable, &unavailable_path));
    errs
}
