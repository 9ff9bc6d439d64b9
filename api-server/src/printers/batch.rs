//! Tables of the batch group: jobs (STATUS, COMPLETIONS, DURATION) and cron
//! jobs.
//!
//! Counterpart of k8s.io/kubernetes `pkg/printers/internalversion/printers.go`
//! (printJob, hasJobCondition, printCronJob).

use jiff::Timestamp;
use k8s_openapi::api::batch::v1::{CronJobSpec, CronJobStatus, JobSpec, JobStatus};
use serde_json::Value;

use super::{
    Column, Doc, Printer, Row, age, containers, count, field, format_label_selector,
    human_duration, int, items, name, since, timestamp,
};

pub static JOBS: Printer = Printer::new(
    &[
        Column::NAME,
        Column::string("Status", Doc::Text("The state of the job.")),
        Column::string("Completions", field::<JobStatus>("succeeded")),
        Column::string(
            "Duration",
            Doc::Text("How long the job ran, or runs so far."),
        ),
        Column::AGE,
        Column::CONTAINERS,
        Column::IMAGES,
        Column::string("Selector", field::<JobSpec>("selector")).wide(),
    ],
    job_row,
);

/// Whether the job's condition of `kind` is True.
fn has_condition(job: &Value, kind: &str) -> bool {
    items(&job["status"]["conditions"])
        .iter()
        .find(|c| c["type"] == kind)
        .is_some_and(|c| c["status"] == "True")
}

fn job_row(job: &Value, now: Timestamp) -> Row {
    let (spec, status) = (&job["spec"], &job["status"]);
    let succeeded = int(&status["succeeded"]);
    let completions = match (spec["completions"].as_i64(), int(&spec["parallelism"])) {
        (Some(completions), _) => format!("{succeeded}/{completions}"),
        (None, parallelism) if parallelism > 1 => format!("{succeeded}/1 of {parallelism}"),
        (None, _) => format!("{succeeded}/1"),
    };
    let duration = match (
        timestamp(&status["startTime"]),
        timestamp(&status["completionTime"]),
    ) {
        (None, _) => String::new(),
        (Some(start), None) => human_duration(now.duration_since(start)),
        (Some(start), Some(end)) => human_duration(end.duration_since(start)),
    };
    let state = if has_condition(job, "Complete") {
        "Complete"
    } else if has_condition(job, "Failed") {
        "Failed"
    } else if !job["metadata"]["deletionTimestamp"].is_null() {
        "Terminating"
    } else if has_condition(job, "Suspended") {
        "Suspended"
    } else if has_condition(job, "FailureTarget") {
        "FailureTarget"
    } else {
        "Running"
    };
    let [names, images] = containers(&spec["template"]["spec"]);
    vec![
        name(job),
        state.into(),
        completions.into(),
        duration.into(),
        age(job, now),
        names,
        images,
        format_label_selector(&spec["selector"]).into(),
    ]
    .into()
}

pub static CRON_JOBS: Printer = Printer::new(
    &[
        Column::NAME,
        Column::string("Schedule", field::<CronJobSpec>("schedule")),
        Column::string("Timezone", field::<CronJobSpec>("timeZone")),
        Column::boolean("Suspend", field::<CronJobSpec>("suspend")),
        Column::integer("Active", field::<CronJobStatus>("active")),
        Column::string("Last Schedule", field::<CronJobStatus>("lastScheduleTime")),
        Column::AGE,
        Column::CONTAINERS,
        Column::IMAGES,
        Column::string("Selector", field::<JobSpec>("selector")).wide(),
    ],
    |cron, now| {
        let (spec, status) = (&cron["spec"], &cron["status"]);
        let suspend = match spec["suspend"].as_bool() {
            Some(true) => "True",
            Some(false) => "False",
            None => "<unset>",
        };
        let last_schedule = match status["lastScheduleTime"] {
            Value::Null => "<none>".to_owned(),
            ref time => since(time, now),
        };
        let job_spec = &spec["jobTemplate"]["spec"];
        let [names, images] = containers(&job_spec["template"]["spec"]);
        vec![
            name(cron),
            spec["schedule"].clone(),
            spec["timeZone"].as_str().unwrap_or("<none>").into(),
            suspend.into(),
            count(&status["active"]).into(),
            last_schedule.into(),
            age(cron, now),
            names,
            images,
            format_label_selector(&job_spec["selector"]).into(),
        ]
        .into()
    },
);

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn cell(row: &Row, i: usize) -> &str {
        super::super::text(&row.cells[i])
    }

    #[test]
    fn jobs_show_state_completions_and_duration() {
        let now: Timestamp = "2026-01-01T00:10:00Z".parse().expect("time");
        let mut job = json!({"metadata": {"name": "pi"},
            "spec": {"completions": 3, "parallelism": 2, "template": {"spec": {"containers": []}}},
            "status": {"succeeded": 1, "startTime": "2026-01-01T00:00:00Z"}});
        let row = job_row(&job, now);
        assert_eq!(
            (cell(&row, 1), cell(&row, 2), cell(&row, 3)),
            ("Running", "1/3", "10m")
        );
        job["spec"] = json!({"parallelism": 4});
        job["status"]["completionTime"] = json!("2026-01-01T00:00:42Z");
        job["status"]["conditions"] = json!([{"type": "Complete", "status": "True"}]);
        let row = job_row(&job, now);
        assert_eq!(
            (cell(&row, 1), cell(&row, 2), cell(&row, 3)),
            ("Complete", "1/1 of 4", "42s")
        );
    }
}
