//! Strategy tests of the batch group: defaults, the generated selector and
//! validation messages word for word.

use k8s_openapi::api::batch::v1::{CronJob, Job};
use serde_json::{Value, json};

use super::cronjob::CronJobStrategy;
use super::job::JobStrategy;
use crate::registry::Strategy;

const UID: &str = "0b4f7c1e-5d2a-4c3b-9e8f-123456789abc";

fn job_manifest(restart_policy: &str) -> Value {
    json!({
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "pi"},
        "spec": {"template": {"spec": {
            "containers": [{"name": "pi", "image": "perl:5.34.0", "command": ["perl", "-e", "1"]}],
            "restartPolicy": restart_policy
        }}}
    })
}

/// A job as a create leaves it: defaulted, with the uid the store assigns
/// before the strategy prepares it.
fn created_job(value: Value) -> Job {
    let mut job: Job = serde_json::from_value(value).expect("job decodes");
    JobStrategy.apply_defaults(&mut job);
    job.metadata.uid = Some(UID.into());
    JobStrategy.prepare_for_create(&mut job);
    job
}

#[test]
fn job_defaults_and_generated_selector() {
    let job = created_job(job_manifest("Never"));
    assert_eq!(JobStrategy.validate(&job).to_string(), "");
    let got = serde_json::to_value(&job).expect("encodes");
    let spec = &got["spec"];
    assert_eq!(spec["backoffLimit"], json!(6));
    assert_eq!(spec["completions"], json!(1));
    assert_eq!(spec["parallelism"], json!(1));
    assert_eq!(spec["completionMode"], json!("NonIndexed"));
    assert_eq!(spec["suspend"], json!(false));
    assert_eq!(spec["podReplacementPolicy"], json!("TerminatingOrFailed"));
    assert_eq!(
        spec["selector"],
        json!({"matchLabels": {"batch.kubernetes.io/controller-uid": UID}})
    );
    let labels = json!({
        "batch.kubernetes.io/controller-uid": UID,
        "batch.kubernetes.io/job-name": "pi",
        "controller-uid": UID,
        "job-name": "pi"
    });
    assert_eq!(spec["template"]["metadata"]["labels"], labels);
    assert_eq!(spec["template"]["spec"]["dnsPolicy"], json!("ClusterFirst"));
    assert_eq!(
        spec["template"]["spec"]["terminationGracePeriodSeconds"],
        json!(30)
    );

    // Parallel jobs keep completions unset; templates lend their labels.
    let mut parallel = job_manifest("OnFailure");
    parallel["spec"]["parallelism"] = json!(3);
    parallel["spec"]["template"]["metadata"] = json!({"labels": {"app": "pi"}});
    let parallel: Job = {
        let mut job: Job = serde_json::from_value(parallel).expect("job decodes");
        JobStrategy.apply_defaults(&mut job);
        job
    };
    let spec = parallel.spec.as_ref().expect("spec");
    assert_eq!(spec.completions, None);
    assert_eq!(spec.parallelism, Some(3));
    assert_eq!(
        serde_json::to_value(&parallel.metadata.labels).expect("encodes"),
        json!({"app": "pi"})
    );
}

#[test]
fn job_rules() {
    assert_eq!(
        JobStrategy
            .validate(&created_job(job_manifest("")))
            .to_string(),
        r#"spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never""#
    );
    let mut indexed = job_manifest("Never");
    indexed["spec"]["completionMode"] = json!("Indexed");
    indexed["spec"]["parallelism"] = json!(2);
    indexed["spec"]["backoffLimit"] = json!(-1);
    assert_eq!(
        JobStrategy.validate(&created_job(indexed)).to_string(),
        "[spec.backoffLimit: Invalid value: -1: must be greater than or equal to 0, spec.completions: Required value: when completion mode is Indexed]"
    );
    let mut foreign = job_manifest("Never");
    foreign["spec"]["selector"] = json!({"matchLabels": {"app": "other"}});
    let message = JobStrategy.validate(&created_job(foreign)).to_string();
    assert!(
        message.contains("spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{\"app\":\"other\", \"batch.kubernetes.io/controller-uid\":"),
        "{message}"
    );
    assert!(
        message.contains("`selector` not auto-generated"),
        "{message}"
    );
}

#[test]
fn job_updates() {
    let old = created_job(job_manifest("Never"));
    let mut new = old.clone();
    if let Some(spec) = new.spec.as_mut() {
        spec.template.spec.as_mut().expect("pod spec").containers[0].image =
            Some("perl:5.36".into());
        spec.completions = Some(2);
    }
    assert_eq!(
        JobStrategy.validate_update(&new, &old).to_string(),
        "[spec.template: Invalid value: field is immutable, spec.completions: Invalid value: 2: field is immutable]"
    );
    let mut suspended = old.clone();
    if let Some(spec) = suspended.spec.as_mut() {
        spec.suspend = Some(true);
    }
    assert_eq!(
        JobStrategy.validate_update(&suspended, &old).to_string(),
        ""
    );
    assert_eq!(
        JobStrategy.selectable_fields(&json!({"status": {"succeeded": 1}})),
        vec![("status.successful", "1".to_owned())]
    );
}

fn cron_job(schedule: &str) -> CronJob {
    let value = json!({
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": "hello"},
        "spec": {
            "schedule": schedule,
            "jobTemplate": {"spec": {"template": {"spec": {
                "containers": [{"name": "hello", "image": "busybox:1.28"}],
                "restartPolicy": "OnFailure"
            }}}}
        }
    });
    let mut cron_job: CronJob = serde_json::from_value(value).expect("cron job decodes");
    CronJobStrategy.apply_defaults(&mut cron_job);
    cron_job
}

#[test]
fn cron_job_defaults() {
    let cron_job = cron_job("* * * * *");
    assert_eq!(CronJobStrategy.validate(&cron_job).to_string(), "");
    let got = serde_json::to_value(&cron_job).expect("encodes");
    let spec = &got["spec"];
    assert_eq!(spec["concurrencyPolicy"], json!("Allow"));
    assert_eq!(spec["suspend"], json!(false));
    assert_eq!(spec["successfulJobsHistoryLimit"], json!(3));
    assert_eq!(spec["failedJobsHistoryLimit"], json!(1));
    // The job template gets pod defaults, not job defaults.
    let job_spec = &spec["jobTemplate"]["spec"];
    assert_eq!(job_spec["backoffLimit"], Value::Null);
    assert_eq!(
        job_spec["template"]["spec"]["schedulerName"],
        json!("default-scheduler")
    );
}

#[test]
fn cron_job_rules() {
    let validate = |cron_job: &CronJob| CronJobStrategy.validate(cron_job).to_string();
    assert_eq!(
        validate(&cron_job("* * * *")),
        r#"spec.schedule: Invalid value: "* * * *": expected exactly 5 fields, found 4: [* * * *]"#
    );
    assert_eq!(
        validate(&cron_job("61 * * * *")),
        r#"spec.schedule: Invalid value: "61 * * * *": end of range (61) above maximum (59): 61"#
    );
    assert_eq!(validate(&cron_job("@hourly")), "");
    assert_eq!(
        validate(&cron_job("CRON_TZ=UTC 0 * * * *")),
        r#"spec.schedule: Invalid value: "CRON_TZ=UTC 0 * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead"#
    );
    assert_eq!(validate(&cron_job("")), "spec.schedule: Required value");
    let mut replace = cron_job("0 * * * *");
    if let Some(spec) = replace.spec.as_mut() {
        spec.concurrency_policy = Some("Sometimes".into());
        let job_spec = spec.job_template.spec.as_mut().expect("job spec");
        job_spec.manual_selector = Some(true);
    }
    assert_eq!(
        validate(&replace),
        r#"[spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace", spec.jobTemplate.spec.manualSelector: Unsupported value: true: supported values: "nil", "false"]"#
    );
    let mut long = cron_job("0 * * * *");
    long.metadata.name = Some("a".repeat(53));
    assert_eq!(
        validate(&long),
        format!(
            r#"metadata.name: Invalid value: "{}": must be no more than 52 characters"#,
            "a".repeat(53)
        )
    );
}
