//! Jobs. Counterpart of k8s `pkg/registry/batch/job/strategy.go` (selector
//! generation), with defaulting from `pkg/apis/batch/v1/defaults.go`
//! (`SetDefaults_Job`) and validation from
//! `pkg/apis/batch/validation/validation.go` (`ValidateJob`, `ValidateJobSpec`,
//! `ValidateJobSpecUpdate`).

use std::collections::BTreeMap;

use apimachinery::selector::labels::{self, Selector};
use apimachinery::validation::{
    BadValue, ErrorList, FIELD_IMMUTABLE_ERROR_MSG, FieldError, Path, validate_immutable,
    validate_nonnegative_field,
};
use k8s_openapi::api::batch::v1::{Job, JobSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use serde_json::Value;

use crate::registry::workload::{
    Controller, default_template, validate_selector, validate_template,
};
use crate::registry::{ResourceInfo, Strategy};

pub static INFO: &ResourceInfo = &ResourceInfo {
    group: "batch",
    version: "v1",
    resource: "jobs",
    singular: "job",
    kind: "Job",
    namespaced: true,
    short_names: &[],
    categories: &["all"],
    has_status: true,
    has_scale: false,
    printer: &crate::printers::JOBS,
};

/// The restart policies of a job's pods.
pub const RESTART_POLICIES: &[&str] = &["OnFailure", "Never"];

/// How a job checks its selector and template.
pub const CONTROLLER: Controller = Controller {
    kind: "Job",
    selector_noun: None,
    selector_required: true,
    invalid_selector_detail: "",
    restart_policies: RESTART_POLICIES,
    forbids_active_deadline: false,
    validates_pod_spec: true,
};

/// Labels the generated selector relies on (current and legacy names).
const CONTROLLER_UID: &str = "batch.kubernetes.io/controller-uid";
const LEGACY_CONTROLLER_UID: &str = "controller-uid";
const JOB_NAME: &str = "batch.kubernetes.io/job-name";
const LEGACY_JOB_NAME: &str = "job-name";

const INDEXED: &str = "Indexed";
/// Most pods an indexed job may run at once.
const MAX_INDEXED_PARALLELISM: i32 = 100_000;

#[derive(Clone, Copy, Default)]
pub struct JobStrategy;

impl Strategy for JobStrategy {
    type Object = Job;

    fn info(&self) -> &'static ResourceInfo {
        INFO
    }

    // k8s: pkg/apis/batch/v1/defaults.go (SetDefaults_Job)
    fn apply_defaults(&self, job: &mut Job) {
        let spec = job.spec.get_or_insert_with(Default::default);
        default_job_spec(spec);
        let template_labels = spec
            .template
            .metadata
            .as_ref()
            .and_then(|m| m.labels.as_ref());
        if let Some(template_labels) = template_labels
            && job.metadata.labels.as_ref().is_none_or(BTreeMap::is_empty)
        {
            job.metadata.labels = Some(template_labels.clone());
        }
    }

    fn tracks_generation(&self) -> bool {
        true
    }

    // k8s: pkg/registry/batch/job/strategy.go (PrepareForCreate, generateSelector)
    fn prepare_for_create(&self, job: &mut Job) {
        let spec = job.spec.get_or_insert_with(Default::default);
        if spec.manual_selector == Some(true) {
            return;
        }
        let name = job.metadata.name.clone().unwrap_or_default();
        let uid = job.metadata.uid.clone().unwrap_or_default();
        // Labels the client set win; validation rejects wrong ones.
        let labels = spec
            .template
            .metadata
            .get_or_insert_with(ObjectMeta::default)
            .labels
            .get_or_insert_with(BTreeMap::new);
        for (key, value) in [
            (LEGACY_JOB_NAME, &name),
            (JOB_NAME, &name),
            (LEGACY_CONTROLLER_UID, &uid),
            (CONTROLLER_UID, &uid),
        ] {
            labels.entry(key.into()).or_insert_with(|| value.clone());
        }
        spec.selector
            .get_or_insert_with(LabelSelector::default)
            .match_labels
            .get_or_insert_with(BTreeMap::new)
            .entry(CONTROLLER_UID.into())
            .or_insert(uid);
    }

    // k8s: pkg/apis/batch/validation/validation.go (ValidateJob)
    fn validate(&self, job: &Job) -> ErrorList {
        let path = Path::new("spec");
        let Some(spec) = job.spec.as_ref() else {
            return FieldError::required(&path, "").into();
        };
        let mut errs = validate_generated_selector(job, spec);
        errs.append(validate_job_spec(spec, &path));
        let (selector_errs, selector) = validate_selector(
            spec.selector.as_ref().unwrap_or(&LabelSelector::default()),
            &CONTROLLER,
            &path.child("selector"),
        );
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

    // k8s: pkg/apis/batch/validation/validation.go (ValidateJobSpecUpdate)
    fn validate_update(&self, new: &Job, old: &Job) -> ErrorList {
        let mut errs = self.validate(new);
        let (Some(new), Some(old)) = (new.spec.as_ref(), old.spec.as_ref()) else {
            return errs;
        };
        let path = Path::new("spec");
        errs.append(validate_immutable(
            &new.selector,
            &old.selector,
            || {
                new.selector
                    .as_ref()
                    .map_or(BadValue::Null, BadValue::label_selector)
            },
            &path.child("selector"),
        ));
        // Upstream prints the whole pod template; the path says enough.
        errs.append(validate_immutable(
            &new.template,
            &old.template,
            || BadValue::Omitted,
            &path.child("template"),
        ));
        errs.append(validate_immutable(
            &new.completion_mode,
            &old.completion_mode,
            || BadValue::from(new.completion_mode.clone()),
            &path.child("completionMode"),
        ));
        errs.append(validate_completions_update(new, old, &path));
        errs
    }

    // k8s: pkg/registry/batch/job/strategy.go (JobToSelectableFields)
    fn selectable_fields(&self, object: &Value) -> Vec<(&'static str, String)> {
        let succeeded = object["status"]["succeeded"].as_i64().unwrap_or(0);
        vec![("status.successful", succeeded.to_string())]
    }
}

/// Defaults of a job's spec (not applied to CronJob job templates, which
/// upstream leaves as sent).
// k8s: pkg/apis/batch/v1/defaults.go (SetDefaults_Job)
fn default_job_spec(spec: &mut JobSpec) {
    if spec.completions.is_none() && spec.parallelism.is_none() {
        spec.completions = Some(1);
    }
    spec.parallelism.get_or_insert(1);
    let backoff = if spec.backoff_limit_per_index.is_some() {
        i32::MAX
    } else {
        6
    };
    spec.backoff_limit.get_or_insert(backoff);
    spec.completion_mode
        .get_or_insert_with(|| "NonIndexed".into());
    spec.suspend.get_or_insert(false);
    if let Some(policy) = spec.pod_failure_policy.as_mut() {
        for pattern in policy
            .rules
            .iter_mut()
            .flat_map(|rule| rule.on_pod_conditions.iter_mut().flatten())
        {
            if pattern.status.is_empty() {
                pattern.status = "True".into();
            }
        }
    }
    let replacement = if spec.pod_failure_policy.is_some() {
        "Failed"
    } else {
        "TerminatingOrFailed"
    };
    spec.pod_replacement_policy
        .get_or_insert_with(|| replacement.into());
    default_template(&mut spec.template);
}

/// Checks of a job spec shared with CronJob templates (everything but the
/// selector).
// k8s: pkg/apis/batch/validation/validation.go (validateJobSpec)
pub fn validate_job_spec(spec: &JobSpec, path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    for (name, value) in [
        ("parallelism", spec.parallelism),
        ("completions", spec.completions),
        ("backoffLimit", spec.backoff_limit),
        ("backoffLimitPerIndex", spec.backoff_limit_per_index),
        ("ttlSecondsAfterFinished", spec.ttl_seconds_after_finished),
    ] {
        if let Some(value) = value {
            errs.append(validate_nonnegative_field(
                i64::from(value),
                &path.child(name),
            ));
        }
    }
    if let Some(deadline) = spec.active_deadline_seconds {
        errs.append(validate_nonnegative_field(
            deadline,
            &path.child("activeDeadlineSeconds"),
        ));
    }
    match spec.completion_mode.as_deref() {
        None | Some("NonIndexed") => {}
        Some(INDEXED) => {
            if spec.completions.is_none() {
                errs.push(FieldError::required(
                    &path.child("completions"),
                    "when completion mode is Indexed",
                ));
            }
            if let Some(parallelism) = spec.parallelism
                && parallelism > MAX_INDEXED_PARALLELISM
            {
                errs.push(FieldError::invalid(
                    &path.child("parallelism"),
                    parallelism,
                    "must be less than or equal to 100000 when completion mode is Indexed",
                ));
            }
        }
        Some(other) => errs.push(FieldError::not_supported(
            &path.child("completionMode"),
            other,
            &["NonIndexed", INDEXED],
        )),
    }
    if let Some(policy) = spec.pod_replacement_policy.as_deref()
        && policy != "TerminatingOrFailed"
        && policy != "Failed"
    {
        errs.push(FieldError::not_supported(
            &path.child("podReplacementPolicy"),
            policy,
            &["TerminatingOrFailed", "Failed"],
        ));
    }
    errs
}

/// A generated selector must select exactly this job's pods: the template
/// carries the job's uid and name, and the selector matches them.
// k8s: pkg/apis/batch/validation/validation.go (validateGeneratedSelector)
fn validate_generated_selector(job: &Job, spec: &JobSpec) -> ErrorList {
    let mut errs = ErrorList::new();
    let Some(selector) = spec.selector.as_ref() else {
        return errs;
    };
    if spec.manual_selector == Some(true) {
        return errs;
    }
    let uid = job.metadata.uid.as_deref().unwrap_or_default();
    let name = job.metadata.name.as_deref().unwrap_or_default();
    if uid.is_empty() {
        errs.push(FieldError::required(
            &Path::new("metadata").child("uid"),
            "",
        ));
    }
    let labels_path = Path::new("spec")
        .child("template")
        .child("metadata")
        .child("labels");
    let template_labels = spec
        .template
        .metadata
        .as_ref()
        .and_then(|m| m.labels.as_ref());
    let expected = [
        (LEGACY_CONTROLLER_UID, uid),
        (LEGACY_JOB_NAME, name),
        (CONTROLLER_UID, uid),
        (JOB_NAME, name),
    ];
    // k8s: pkg/apis/core/validation/validation.go (ValidateHasLabel)
    for (key, value) in expected {
        let detail = format!("must be '{value}'");
        match template_labels.and_then(|l| l.get(key)) {
            None => errs.push(FieldError::required(&labels_path.key(key), detail)),
            Some(actual) if actual != value => errs.push(FieldError::invalid(
                &labels_path.key(key),
                BadValue::string_map(template_labels),
                detail,
            )),
            Some(_) => {}
        }
    }
    let expected_labels: BTreeMap<String, String> = expected
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let matches = Selector::from_label_selector(Some(&labels::LabelSelector::from(selector)))
        .is_ok_and(|s| s.matches(&expected_labels));
    if !matches {
        errs.push(FieldError::invalid(
            &Path::new("spec").child("selector"),
            BadValue::label_selector(selector),
            "`selector` not auto-generated",
        ));
    }
    errs
}

/// Completions may change only for indexed jobs, together with parallelism.
// k8s: pkg/apis/batch/validation/validation.go (validateCompletions)
fn validate_completions_update(new: &JobSpec, old: &JobSpec, path: &Path) -> ErrorList {
    if new.completions == old.completions {
        return ErrorList::new();
    }
    let completions_path = path.child("completions");
    let shown = BadValue::from(new.completions);
    if new.completion_mode.as_deref() != Some(INDEXED) {
        return FieldError::invalid(&completions_path, shown, FIELD_IMMUTABLE_ERROR_MSG).into();
    }
    if new.completions != new.parallelism {
        return FieldError::invalid(
            &completions_path,
            shown,
            "can only be modified in tandem with spec.parallelism",
        )
        .into();
    }
    ErrorList::new()
}
