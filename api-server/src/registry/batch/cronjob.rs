//! CronJobs. Counterpart of k8s `pkg/registry/batch/cronjob/strategy.go`,
//! with defaulting from `pkg/apis/batch/v1/defaults.go` (`SetDefaults_CronJob`)
//! and validation from `pkg/apis/batch/validation/validation.go`
//! (`ValidateCronJobCreate`, `ValidateCronJobSpec`, `ValidateJobTemplateSpec`).

use apimachinery::selector::labels::Selector;
use apimachinery::validation::{BadValue, ErrorList, FieldError, Path, validate_nonnegative_field};
use k8s_openapi::api::batch::v1::{CronJob, CronJobSpec, JobTemplateSpec};

use super::cron;
use super::job::{CONTROLLER, validate_job_spec};
use crate::registry::workload::{default_template, validate_template};
use crate::registry::{ResourceInfo, Strategy};

pub static INFO: &ResourceInfo = &ResourceInfo {
    group: "batch",
    version: "v1",
    resource: "cronjobs",
    singular: "cronjob",
    kind: "CronJob",
    namespaced: true,
    short_names: &["cj"],
    categories: &["all"],
    has_status: true,
    has_scale: false,
    printer: &crate::printers::CRON_JOBS,
};

/// Longest name: the jobs get an 11-character suffix and must stay DNS labels.
const MAX_NAME_LENGTH: usize = 52;

const CONCURRENCY_POLICIES: [&str; 3] = ["Allow", "Forbid", "Replace"];

#[derive(Clone, Copy, Default)]
pub struct CronJobStrategy;

impl Strategy for CronJobStrategy {
    type Object = CronJob;

    fn info(&self) -> &'static ResourceInfo {
        INFO
    }

    // k8s: pkg/apis/batch/v1/defaults.go (SetDefaults_CronJob)
    fn apply_defaults(&self, cron_job: &mut CronJob) {
        let spec = cron_job.spec.get_or_insert_with(Default::default);
        if spec.concurrency_policy.as_deref().is_none_or(str::is_empty) {
            spec.concurrency_policy = Some("Allow".into());
        }
        spec.suspend.get_or_insert(false);
        spec.successful_jobs_history_limit.get_or_insert(3);
        spec.failed_jobs_history_limit.get_or_insert(1);
        let job_spec = spec.job_template.spec.get_or_insert_with(Default::default);
        default_template(&mut job_spec.template);
    }

    fn tracks_generation(&self) -> bool {
        true
    }

    // k8s: pkg/apis/batch/validation/validation.go (ValidateCronJobCreate)
    fn validate(&self, cron_job: &CronJob) -> ErrorList {
        let mut errs = ErrorList::new();
        let name = cron_job.metadata.name.as_deref().unwrap_or_default();
        if name.len() > MAX_NAME_LENGTH {
            errs.push(FieldError::invalid(
                &Path::new("metadata").child("name"),
                name,
                "must be no more than 52 characters",
            ));
        }
        errs.append(validate_spec(cron_job.spec.as_ref(), false));
        errs
    }

    // k8s: pkg/apis/batch/validation/validation.go (ValidateCronJobUpdate)
    fn validate_update(&self, new: &CronJob, old: &CronJob) -> ErrorList {
        // A schedule stored with a time zone prefix may keep it.
        let had_tz = old.spec.as_ref().is_some_and(|s| s.schedule.contains("TZ"));
        validate_spec(new.spec.as_ref(), had_tz)
    }
}

// k8s: pkg/apis/batch/validation/validation.go (validateCronJobSpec)
fn validate_spec(spec: Option<&CronJobSpec>, allow_tz_in_schedule: bool) -> ErrorList {
    let path = Path::new("spec");
    let Some(spec) = spec else {
        return FieldError::required(&path, "").into();
    };
    let mut errs = ErrorList::new();
    let schedule_path = path.child("schedule");
    if spec.schedule.is_empty() {
        errs.push(FieldError::required(&schedule_path, ""));
    } else {
        errs.append(validate_schedule(
            spec,
            allow_tz_in_schedule,
            &schedule_path,
        ));
    }
    if let Some(deadline) = spec.starting_deadline_seconds {
        errs.append(validate_nonnegative_field(
            deadline,
            &path.child("startingDeadlineSeconds"),
        ));
    }
    let policy_path = path.child("concurrencyPolicy");
    match spec.concurrency_policy.as_deref().unwrap_or_default() {
        "" => errs.push(FieldError::required(&policy_path, "")),
        policy if CONCURRENCY_POLICIES.contains(&policy) => {}
        policy => errs.push(FieldError::not_supported(
            &policy_path,
            policy,
            &CONCURRENCY_POLICIES,
        )),
    }
    errs.append(validate_job_template(
        &spec.job_template,
        &path.child("jobTemplate"),
    ));
    for (name, limit) in [
        (
            "successfulJobsHistoryLimit",
            spec.successful_jobs_history_limit,
        ),
        ("failedJobsHistoryLimit", spec.failed_jobs_history_limit),
    ] {
        if let Some(limit) = limit {
            errs.append(validate_nonnegative_field(
                i64::from(limit),
                &path.child(name),
            ));
        }
    }
    errs
}

// k8s: pkg/apis/batch/validation/validation.go (validateScheduleFormat)
fn validate_schedule(spec: &CronJobSpec, allow_tz_in_schedule: bool, path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    let schedule = spec.schedule.as_str();
    if let Err(message) = cron::check(schedule) {
        errs.push(FieldError::invalid(path, schedule, message));
    }
    if schedule.contains("TZ") {
        if !allow_tz_in_schedule {
            errs.push(FieldError::invalid(
                path,
                schedule,
                "cannot use TZ or CRON_TZ in schedule, use timeZone field instead",
            ));
        } else if spec.time_zone.is_some() {
            errs.push(FieldError::invalid(
                path,
                schedule,
                "cannot use both timeZone field and TZ or CRON_TZ in schedule",
            ));
        }
    }
    errs
}

/// A CronJob's job template: a valid job spec whose selector the server
/// will generate for each job.
// k8s: pkg/apis/batch/validation/validation.go (ValidateJobTemplateSpec)
fn validate_job_template(template: &JobTemplateSpec, path: &Path) -> ErrorList {
    let spec_path = path.child("spec");
    let Some(spec) = template.spec.as_ref() else {
        return FieldError::required(&spec_path, "").into();
    };
    let mut errs = validate_job_spec(spec, &spec_path);
    errs.append(validate_template(
        Some(&spec.template),
        &Selector::everything(),
        &CONTROLLER,
        &spec_path.child("template"),
    ));
    if let Some(selector) = spec.selector.as_ref() {
        errs.push(FieldError::invalid(
            &spec_path.child("selector"),
            BadValue::label_selector(selector),
            "`selector` will be auto-generated",
        ));
    }
    if spec.manual_selector == Some(true) {
        errs.push(FieldError::not_supported(
            &spec_path.child("manualSelector"),
            true,
            &["nil", "false"],
        ));
    }
    errs
}
