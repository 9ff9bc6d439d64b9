//! The pod table: READY, the STATUS string kubectl users know (`Init:0/2`,
//! `PodInitializing`, `CrashLoopBackOff`, `Completed`, `Terminating` ...)
//! and RESTARTS with the time of the last one.
//!
//! Counterpart of k8s.io/kubernetes `pkg/printers/internalversion/printers.go`
//! (printPod, hasPodReadyCondition).

use jiff::Timestamp;
use k8s_openapi::api::core::v1::{PodSpec, PodStatus};
use serde_json::{Value, json};

use super::{Column, Doc, Printer, Row, age, ago, field, int, items, or, text, timestamp};

pub static PODS: Printer = Printer::new(
    &[
        Column::NAME,
        Column::string(
            "Ready",
            Doc::Text("Ready containers out of all containers of the pod."),
        ),
        Column::string(
            "Status",
            Doc::Text("The state of the pod, summed up from its phase and its containers."),
        ),
        Column::string(
            "Restarts",
            Doc::Text("How often the pod's containers restarted, and how long ago the last did."),
        ),
        Column::AGE,
        Column::string("IP", field::<PodStatus>("podIP")).wide(),
        Column::string("Node", field::<PodSpec>("nodeName")).wide(),
        Column::string("Nominated Node", field::<PodStatus>("nominatedNodeName")).wide(),
        Column::string("Readiness Gates", field::<PodSpec>("readinessGates")).wide(),
    ],
    row,
);

/// What a pod's container statuses add up to.
#[derive(Debug, Default, PartialEq)]
struct Summary {
    status: String,
    ready: usize,
    total: usize,
    restarts: i64,
    last_restart: Option<Timestamp>,
}

fn row(pod: &Value, now: Timestamp) -> Row {
    let summary = summarize(pod);
    let restarts = match summary.last_restart {
        Some(last) if summary.restarts != 0 => {
            format!("{} ({} ago)", summary.restarts, ago(Some(last), now))
        }
        _ => summary.restarts.to_string(),
    };
    let (spec, status) = (&pod["spec"], &pod["status"]);
    let pod_ip = items(&status["podIPs"])
        .first()
        .map_or("", |ip| text(&ip["ip"]));
    let gates = items(&spec["readinessGates"]);
    let readiness_gates = if gates.is_empty() {
        "<none>".to_owned()
    } else {
        let conditions = items(&status["conditions"]);
        let passed = gates
            .iter()
            .filter(|gate| {
                conditions
                    .iter()
                    .find(|c| c["type"] == gate["conditionType"])
                    .is_some_and(|c| c["status"] == "True")
            })
            .count();
        format!("{passed}/{}", gates.len())
    };
    let cells = vec![
        pod["metadata"]["name"].clone(),
        format!("{}/{}", summary.ready, summary.total).into(),
        summary.status.into(),
        restarts.into(),
        age(pod, now),
        or(pod_ip, "<none>").into(),
        or(text(&spec["nodeName"]), "<none>").into(),
        or(text(&status["nominatedNodeName"]), "<none>").into(),
        readiness_gates.into(),
    ];
    let conditions = match text(&status["phase"]) {
        phase @ ("Succeeded" | "Failed") => {
            let message = if phase == "Succeeded" {
                "The pod completed successfully."
            } else {
                "The pod failed."
            };
            vec![
                json!({"type": "Completed", "status": "True", "reason": phase, "message": message}),
            ]
        }
        _ => Vec::new(),
    };
    Row { cells, conditions }
}

/// An init container with `restartPolicy: Always`: a sidecar, counted with
/// the regular containers.
fn is_sidecar(container: Option<&Value>) -> bool {
    container.is_some_and(|c| c["restartPolicy"] == "Always")
}

fn has_condition(status: &Value, kind: &str) -> bool {
    items(&status["conditions"])
        .iter()
        .any(|c| c["type"] == kind && c["status"] == "True")
}

/// When a container last stopped, if it ever did.
fn last_terminated(container: &Value) -> Option<Timestamp> {
    timestamp(&container["lastState"]["terminated"]["finishedAt"])
}

/// `Signal:9` or `ExitCode:1`, for a container that stopped without a reason.
fn exit_text(terminated: &Value) -> String {
    match int(&terminated["signal"]) {
        0 => format!("ExitCode:{}", int(&terminated["exitCode"])),
        signal => format!("Signal:{signal}"),
    }
}

// k8s: pkg/printers/internalversion/printers.go (printPod)
fn summarize(pod: &Value) -> Summary {
    let (spec, status) = (&pod["spec"], &pod["status"]);
    let init_specs = items(&spec["initContainers"]);
    let init_spec = |name: &Value| init_specs.iter().find(|c| &c["name"] == name);
    let phase = text(&status["phase"]);
    let mut summary = Summary {
        status: or(text(&status["reason"]), phase).to_owned(),
        total: items(&spec["containers"]).len()
            + init_specs.iter().filter(|c| is_sidecar(Some(c))).count(),
        ..Summary::default()
    };
    let gated = items(&status["conditions"])
        .iter()
        .any(|c| c["type"] == "PodScheduled" && c["reason"] == "SchedulingGated");
    if gated {
        summary.status = "SchedulingGated".to_owned();
    }

    let mut sidecar_restarts = 0;
    let mut sidecar_last_restart = None;
    let mut initializing = false;
    for (i, container) in items(&status["initContainerStatuses"]).iter().enumerate() {
        let sidecar = is_sidecar(init_spec(&container["name"]));
        summary.restarts += int(&container["restartCount"]);
        summary.last_restart = summary.last_restart.max(last_terminated(container));
        if sidecar {
            sidecar_restarts += int(&container["restartCount"]);
            sidecar_last_restart = sidecar_last_restart.max(last_terminated(container));
        }
        let state = &container["state"];
        let (terminated, waiting) = (&state["terminated"], &state["waiting"]);
        let waiting_reason = text(&waiting["reason"]);
        if terminated.is_object() && int(&terminated["exitCode"]) == 0 {
            continue;
        }
        if sidecar && container["started"] == true {
            if container["ready"] == true {
                summary.ready += 1;
            }
            continue;
        }
        summary.status = if terminated.is_object() {
            match text(&terminated["reason"]) {
                "" => format!("Init:{}", exit_text(terminated)),
                reason => format!("Init:{reason}"),
            }
        } else if !waiting_reason.is_empty() && waiting_reason != "PodInitializing" {
            format!("Init:{waiting_reason}")
        } else {
            format!("Init:{i}/{}", init_specs.len())
        };
        initializing = true;
        break;
    }

    if !initializing || has_condition(status, "Initialized") {
        summary.restarts = sidecar_restarts;
        summary.last_restart = sidecar_last_restart;
        let mut has_running = false;
        for container in items(&status["containerStatuses"]).iter().rev() {
            summary.restarts += int(&container["restartCount"]);
            summary.last_restart = summary.last_restart.max(last_terminated(container));
            let state = &container["state"];
            let (terminated, waiting) = (&state["terminated"], &state["waiting"]);
            if !text(&waiting["reason"]).is_empty() {
                summary.status = text(&waiting["reason"]).to_owned();
            } else if terminated.is_object() {
                summary.status = match text(&terminated["reason"]) {
                    "" => exit_text(terminated),
                    reason => reason.to_owned(),
                };
            } else if container["ready"] == true && state["running"].is_object() {
                has_running = true;
                summary.ready += 1;
            }
        }
        // A pod whose last container completed while another still runs.
        if summary.status == "Completed" && has_running {
            summary.status = if has_condition(status, "Ready") {
                "Running"
            } else {
                "NotReady"
            }
            .to_owned();
        }
    }

    let deleting = !pod["metadata"]["deletionTimestamp"].is_null();
    if deleting && text(&status["reason"]) == "NodeLost" {
        summary.status = "Unknown".to_owned();
    } else if deleting && !matches!(phase, "Succeeded" | "Failed") {
        summary.status = "Terminating".to_owned();
    }
    summary
}

#[cfg(test)]
mod tests {
    use super::*;

    const FINISHED: &str = "2026-01-01T00:00:00Z";

    fn pod(containers: usize, init: usize, status: Value) -> Value {
        let named = |prefix: &str, n: usize| -> Vec<Value> {
            (0..n)
                .map(|i| json!({"name": format!("{prefix}{i}"), "image": "busybox"}))
                .collect()
        };
        json!({
            "metadata": {"name": "p", "creationTimestamp": "2026-01-01T00:00:00Z"},
            "spec": {"containers": named("c", containers), "initContainers": named("i", init)},
            "status": status,
        })
    }

    fn running() -> Value {
        json!({"name": "c0", "ready": true, "restartCount": 0, "state": {"running": {}}})
    }

    fn waiting(name: &str, reason: &str) -> Value {
        json!({"name": name, "ready": false, "restartCount": 0,
            "state": {"waiting": {"reason": reason}}})
    }

    fn terminated(name: &str, reason: &str, exit_code: i64) -> Value {
        json!({"name": name, "ready": false, "restartCount": 0,
            "state": {"terminated": {"reason": reason, "exitCode": exit_code}}})
    }

    fn status_of(pod: &Value) -> String {
        summarize(pod).status
    }

    #[test]
    fn phases_and_container_states_name_the_status() {
        let cases = [
            (json!({"phase": "Pending"}), "Pending"),
            (
                json!({"phase": "Pending", "containerStatuses": [waiting("c0", "ContainerCreating")]}),
                "ContainerCreating",
            ),
            (
                json!({"phase": "Running", "containerStatuses": [running()]}),
                "Running",
            ),
            (
                json!({"phase": "Succeeded", "containerStatuses": [terminated("c0", "Completed", 0)]}),
                "Completed",
            ),
            (
                json!({"phase": "Failed", "containerStatuses": [terminated("c0", "Error", 1)]}),
                "Error",
            ),
            (
                json!({"phase": "Running", "containerStatuses": [waiting("c0", "CrashLoopBackOff")]}),
                "CrashLoopBackOff",
            ),
            (
                json!({"phase": "Pending", "containerStatuses": [waiting("c0", "ImagePullBackOff")]}),
                "ImagePullBackOff",
            ),
            (
                json!({"phase": "Pending", "containerStatuses": [waiting("c0", "ErrImagePull")]}),
                "ErrImagePull",
            ),
            (
                json!({"phase": "Running", "containerStatuses": [terminated("c0", "OOMKilled", 137)]}),
                "OOMKilled",
            ),
            (
                json!({"phase": "Running", "containerStatuses": [terminated("c0", "", 3)]}),
                "ExitCode:3",
            ),
            (
                json!({"phase": "Running", "containerStatuses": [
                    {"name": "c0", "state": {"terminated": {"exitCode": 0, "signal": 9}}}]}),
                "Signal:9",
            ),
            (
                json!({"phase": "Unknown", "reason": "NodeLost"}),
                "NodeLost",
            ),
            (
                json!({"phase": "Pending", "conditions": [
                    {"type": "PodScheduled", "status": "False", "reason": "SchedulingGated"}]}),
                "SchedulingGated",
            ),
            (json!({"phase": "Failed", "reason": "Evicted"}), "Evicted"),
        ];
        for (status, expected) in cases {
            assert_eq!(status_of(&pod(1, 0, status.clone())), expected, "{status}");
        }
    }

    #[test]
    fn init_containers_report_progress_and_failures() {
        let done = || terminated("i0", "Completed", 0);
        let cases = [
            (json!({"phase": "Pending"}), "Pending"),
            (
                json!({"phase": "Pending", "initContainerStatuses": [
                    waiting("i0", "PodInitializing"), waiting("i1", "PodInitializing")]}),
                "Init:0/2",
            ),
            (
                json!({"phase": "Pending", "initContainerStatuses": [
                    done(), {"name": "i1", "state": {"running": {}}}]}),
                "Init:1/2",
            ),
            (
                json!({"phase": "Pending", "initContainerStatuses": [
                    terminated("i0", "Error", 1), waiting("i1", "PodInitializing")]}),
                "Init:Error",
            ),
            (
                json!({"phase": "Pending", "initContainerStatuses": [
                    terminated("i0", "", 2), waiting("i1", "PodInitializing")]}),
                "Init:ExitCode:2",
            ),
            (
                json!({"phase": "Pending", "initContainerStatuses": [
                    waiting("i0", "CrashLoopBackOff"), waiting("i1", "PodInitializing")]}),
                "Init:CrashLoopBackOff",
            ),
            (
                json!({"phase": "Pending",
                    "initContainerStatuses": [done(), terminated("i1", "Completed", 0)],
                    "containerStatuses": [waiting("c0", "PodInitializing")]}),
                "PodInitializing",
            ),
            (
                json!({"phase": "Running",
                    "conditions": [{"type": "Initialized", "status": "True"}],
                    "initContainerStatuses": [done(), terminated("i1", "Completed", 0)],
                    "containerStatuses": [running()]}),
                "Running",
            ),
        ];
        for (status, expected) in cases {
            assert_eq!(status_of(&pod(1, 2, status.clone())), expected, "{status}");
        }
    }

    #[test]
    fn deletion_shows_terminating_or_unknown() {
        let mut deleted = pod(
            1,
            0,
            json!({"phase": "Running", "containerStatuses": [running()]}),
        );
        deleted["metadata"]["deletionTimestamp"] = json!("2026-01-01T00:01:00Z");
        assert_eq!(status_of(&deleted), "Terminating");
        deleted["status"]["reason"] = json!("NodeLost");
        assert_eq!(status_of(&deleted), "Unknown");
        deleted["status"] = json!({"phase": "Succeeded"});
        assert_eq!(status_of(&deleted), "Succeeded");
    }

    #[test]
    fn a_completed_container_beside_a_running_one_is_running_or_not_ready() {
        let mut two = pod(
            2,
            0,
            json!({"phase": "Running", "containerStatuses": [
                terminated("c1", "Completed", 0), running()]}),
        );
        assert_eq!(status_of(&two), "NotReady");
        two["status"]["conditions"] = json!([{"type": "Ready", "status": "True"}]);
        assert_eq!(status_of(&two), "Running");
    }

    #[test]
    fn restarts_count_with_the_time_of_the_last_one() {
        let now: Timestamp = "2026-01-01T00:05:00Z".parse().expect("time");
        let crashed = pod(
            1,
            0,
            json!({"phase": "Running", "containerStatuses": [{
                "name": "c0", "ready": false, "restartCount": 3,
                "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                "lastState": {"terminated": {"exitCode": 1, "finishedAt": FINISHED}}}]}),
        );
        let row = row(&crashed, now);
        assert_eq!(
            row.cells[..5],
            [
                json!("p"),
                json!("0/1"),
                json!("CrashLoopBackOff"),
                json!("3 (5m ago)"),
                json!("5m")
            ]
        );
        assert_eq!(
            row.cells[5..],
            [
                json!("<none>"),
                json!("<none>"),
                json!("<none>"),
                json!("<none>")
            ]
        );
    }

    #[test]
    fn sidecars_count_as_containers() {
        let mut with_sidecar = pod(
            1,
            1,
            json!({"phase": "Running",
                "initContainerStatuses": [{"name": "i0", "started": true, "ready": true,
                    "restartCount": 1, "state": {"running": {}},
                    "lastState": {"terminated": {"exitCode": 1, "finishedAt": FINISHED}}}],
                "containerStatuses": [running()]}),
        );
        with_sidecar["spec"]["initContainers"][0]["restartPolicy"] = json!("Always");
        let summary = summarize(&with_sidecar);
        assert_eq!((summary.ready, summary.total), (2, 2));
        assert_eq!(summary.status, "Running");
        assert_eq!(summary.restarts, 1);
    }

    #[test]
    fn finished_pods_carry_a_completed_condition_and_wide_cells() {
        let mut done = pod(
            1,
            0,
            json!({"phase": "Succeeded", "podIPs": [{"ip": "10.0.0.5"}]}),
        );
        done["spec"]["nodeName"] = json!("node-1");
        done["spec"]["readinessGates"] = json!([{"conditionType": "x"}, {"conditionType": "y"}]);
        done["status"]["conditions"] = json!([{"type": "x", "status": "True"}]);
        let row = row(&done, Timestamp::now());
        assert_eq!(row.conditions[0]["reason"], "Succeeded");
        assert_eq!(
            row.cells[5..],
            [
                json!("10.0.0.5"),
                json!("node-1"),
                json!("<none>"),
                json!("1/2")
            ]
        );
    }
}
