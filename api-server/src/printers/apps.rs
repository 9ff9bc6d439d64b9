//! Tables of the apps group: deployments, replica sets, stateful sets,
//! daemon sets and controller revisions.
//!
//! Counterpart of k8s.io/kubernetes `pkg/printers/internalversion/printers.go`
//! (printDeployment, printReplicaSet, printStatefulSet, printDaemonSet,
//! printControllerRevision).

use k8s_openapi::api::apps::v1::{
    ControllerRevision, DaemonSetSpec, DaemonSetStatus, DeploymentSpec, DeploymentStatus,
    ReplicaSetSpec, ReplicaSetStatus,
};
use k8s_openapi::api::core::v1::PodSpec;
use serde_json::Value;

use super::{
    Column, Doc, Printer, age, containers, field, format_label_selector, format_labels, int, items,
    name, selector_string, text,
};

/// `ready/desired`, as deployments and stateful sets show READY.
fn ready_of_desired(object: &Value) -> Value {
    format!(
        "{}/{}",
        int(&object["status"]["readyReplicas"]),
        int(&object["spec"]["replicas"])
    )
    .into()
}

pub static DEPLOYMENTS: Printer = Printer::new(
    &[
        Column::NAME,
        Column::string("Ready", Doc::Text("Ready pods out of the desired number.")),
        Column::string("Up-to-date", field::<DeploymentStatus>("updatedReplicas")),
        Column::string("Available", field::<DeploymentStatus>("availableReplicas")),
        Column::AGE,
        Column::CONTAINERS,
        Column::IMAGES,
        Column::string("Selector", field::<DeploymentSpec>("selector")).wide(),
    ],
    |deployment, now| {
        let (spec, status) = (&deployment["spec"], &deployment["status"]);
        let [names, images] = containers(&spec["template"]["spec"]);
        let selector = selector_string(&spec["selector"]).unwrap_or_else(|| "<invalid>".into());
        vec![
            name(deployment),
            ready_of_desired(deployment),
            int(&status["updatedReplicas"]).into(),
            int(&status["availableReplicas"]).into(),
            age(deployment, now),
            names,
            images,
            selector.into(),
        ]
        .into()
    },
);

pub static REPLICA_SETS: Printer = Printer::new(
    &[
        Column::NAME,
        Column::integer("Desired", field::<ReplicaSetSpec>("replicas")),
        Column::integer("Current", field::<ReplicaSetStatus>("replicas")),
        Column::integer("Ready", field::<ReplicaSetStatus>("readyReplicas")),
        Column::AGE,
        Column::CONTAINERS,
        Column::IMAGES,
        Column::string("Selector", field::<ReplicaSetSpec>("selector")).wide(),
    ],
    |rs, now| {
        let (spec, status) = (&rs["spec"], &rs["status"]);
        let [names, images] = containers(&spec["template"]["spec"]);
        vec![
            name(rs),
            int(&spec["replicas"]).into(),
            int(&status["replicas"]).into(),
            int(&status["readyReplicas"]).into(),
            age(rs, now),
            names,
            images,
            format_label_selector(&spec["selector"]).into(),
        ]
        .into()
    },
);

pub static STATEFUL_SETS: Printer = Printer::new(
    &[
        Column::NAME,
        Column::string("Ready", Doc::Text("Ready pods out of the desired number.")),
        Column::AGE,
        Column::CONTAINERS,
        Column::IMAGES,
    ],
    |sts, now| {
        let [names, images] = containers(&sts["spec"]["template"]["spec"]);
        vec![
            name(sts),
            ready_of_desired(sts),
            age(sts, now),
            names,
            images,
        ]
        .into()
    },
);

pub static DAEMON_SETS: Printer = Printer::new(
    &[
        Column::NAME,
        Column::integer(
            "Desired",
            field::<DaemonSetStatus>("desiredNumberScheduled"),
        ),
        Column::integer(
            "Current",
            field::<DaemonSetStatus>("currentNumberScheduled"),
        ),
        Column::integer("Ready", field::<DaemonSetStatus>("numberReady")),
        Column::integer(
            "Up-to-date",
            field::<DaemonSetStatus>("updatedNumberScheduled"),
        ),
        Column::integer("Available", field::<DaemonSetStatus>("numberAvailable")),
        Column::string("Node Selector", field::<PodSpec>("nodeSelector")),
        Column::AGE,
        Column::CONTAINERS,
        Column::IMAGES,
        Column::string("Selector", field::<DaemonSetSpec>("selector")).wide(),
    ],
    |ds, now| {
        let (spec, status) = (&ds["spec"], &ds["status"]);
        let pod_spec = &spec["template"]["spec"];
        let [names, images] = containers(pod_spec);
        let number = |key: &str| Value::from(int(&status[key]));
        vec![
            name(ds),
            number("desiredNumberScheduled"),
            number("currentNumberScheduled"),
            number("numberReady"),
            number("updatedNumberScheduled"),
            number("numberAvailable"),
            format_labels(&pod_spec["nodeSelector"]).into(),
            age(ds, now),
            names,
            images,
            format_label_selector(&spec["selector"]).into(),
        ]
        .into()
    },
);

pub static CONTROLLER_REVISIONS: Printer = Printer::new(
    &[
        Column::NAME,
        Column::string(
            "Controller",
            Doc::Text("The object that owns the revision."),
        ),
        Column::string("Revision", field::<ControllerRevision>("revision")),
        Column::AGE,
    ],
    // k8s: pkg/printers/internalversion/printers.go (printControllerRevision, formatResourceName)
    |revision, now| {
        let owner = items(&revision["metadata"]["ownerReferences"])
            .iter()
            .find(|o| o["controller"] == true);
        let controller = owner.map_or_else(
            || "<none>".to_owned(),
            |owner| {
                let group = text(&owner["apiVersion"])
                    .rsplit_once('/')
                    .map_or("", |(group, _)| group);
                let kind = match group {
                    "" => text(&owner["kind"]).to_owned(),
                    group => format!("{}.{group}", text(&owner["kind"])),
                };
                format!("{}/{}", kind.to_lowercase(), text(&owner["name"]))
            },
        );
        vec![
            name(revision),
            controller.into(),
            int(&revision["revision"]).into(),
            age(revision, now),
        ]
        .into()
    },
);

#[cfg(test)]
mod tests {
    use jiff::Timestamp;
    use serde_json::json;

    use super::*;

    #[test]
    fn deployments_show_ready_of_desired_and_the_selector() {
        let deployment = json!({"metadata": {"name": "web"},
            "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
                "template": {"spec": {"containers": [
                    {"name": "nginx", "image": "nginx:1.27"}, {"name": "log", "image": "busybox"}]}}},
            "status": {"readyReplicas": 2, "updatedReplicas": 3, "availableReplicas": 2}});
        let cells = DEPLOYMENTS.row(&deployment, Timestamp::now()).cells;
        assert_eq!(cells[1..4], [json!("2/3"), json!(3), json!(2)]);
        assert_eq!(
            cells[5..],
            [
                json!("nginx,log"),
                json!("nginx:1.27,busybox"),
                json!("app=web")
            ]
        );
    }

    #[test]
    fn revisions_name_their_controller_with_its_group() {
        let revision = json!({"metadata": {"name": "web-7d4", "ownerReferences": [
            {"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "web", "controller": true}]},
            "revision": 2});
        let cells = CONTROLLER_REVISIONS.row(&revision, Timestamp::now()).cells;
        assert_eq!(cells[1..3], [json!("statefulset.apps/web"), json!(2)]);
    }
}
