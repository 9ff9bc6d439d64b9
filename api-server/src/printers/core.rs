//! Tables of the core group (pods aside, see [`super::pod`]): namespaces,
//! nodes, services, endpoints, events (and `events.k8s.io` events, shown
//! alike), config maps, secrets, service accounts, volumes and claims,
//! resource quotas, replication controllers.
//!
//! Counterpart of k8s.io/kubernetes `pkg/printers/internalversion/printers.go`
//! (printNamespace, printNode, printService, printEndpoints, printEvent, ...).

use std::collections::BTreeSet;

use jiff::Timestamp;
use k8s_openapi::api::core::v1::{
    ConfigMap, Endpoints, Event, NodeStatus, NodeSystemInfo, ObjectReference,
    PersistentVolumeClaimSpec, PersistentVolumeClaimStatus, PersistentVolumeSpec,
    PersistentVolumeStatus, ReplicationControllerSpec, ReplicationControllerStatus, Secret,
    ServiceAccount, ServiceSpec,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde_json::{Value, json};

use super::{
    Column, Doc, Printer, Row, age, containers, count, field, format_labels, int, items, name, or,
    since, text, with_more,
};

pub static NAMESPACES: Printer = Printer::new(
    &[
        Column::NAME,
        Column::string("Status", Doc::Text("The phase of the namespace.")),
        Column::AGE,
    ],
    |ns, now| vec![name(ns), ns["status"]["phase"].clone(), age(ns, now)].into(),
);

pub static NODES: Printer = Printer::new(
    &[
        Column::NAME,
        Column::string(
            "Status",
            Doc::Text("Whether the node is Ready, and whether it takes new pods."),
        ),
        Column::string("Roles", Doc::Text("The roles the node's labels give it.")),
        Column::AGE,
        Column::string("Version", field::<NodeSystemInfo>("kubeletVersion")),
        Column::string("Internal-IP", field::<NodeStatus>("addresses")).wide(),
        Column::string("External-IP", field::<NodeStatus>("addresses")).wide(),
        Column::string("OS-Image", field::<NodeSystemInfo>("osImage")).wide(),
        Column::string("Kernel-Version", field::<NodeSystemInfo>("kernelVersion")).wide(),
        Column::string(
            "Container-Runtime",
            field::<NodeSystemInfo>("containerRuntimeVersion"),
        )
        .wide(),
    ],
    node_row,
);

// k8s: pkg/printers/internalversion/printers.go (printNode, findNodeRoles)
fn node_row(node: &Value, now: Timestamp) -> Row {
    let status = &node["status"];
    let mut states: Vec<&str> = items(&status["conditions"])
        .iter()
        .filter(|c| c["type"] == "Ready")
        .take(1)
        .map(|c| {
            if c["status"] == "True" {
                "Ready"
            } else {
                "NotReady"
            }
        })
        .collect();
    if states.is_empty() {
        states.push("Unknown");
    }
    if node["spec"]["unschedulable"] == true {
        states.push("SchedulingDisabled");
    }
    let roles: BTreeSet<&str> = node["metadata"]["labels"]
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(
            |(key, value)| match key.strip_prefix("node-role.kubernetes.io/") {
                Some(role) => Some(role),
                None if key == "kubernetes.io/role" => value.as_str(),
                None => None,
            },
        )
        .filter(|role| !role.is_empty())
        .collect();
    let address = |kind: &str| -> Value {
        items(&status["addresses"])
            .iter()
            .find(|a| a["type"] == kind)
            .map_or("<none>", |a| text(&a["address"]))
            .into()
    };
    let info = &status["nodeInfo"];
    let known = |key: &str| -> Value { or(text(&info[key]), "<unknown>").into() };
    vec![
        name(node),
        states.join(",").into(),
        or(&roles.into_iter().collect::<Vec<_>>().join(","), "<none>").into(),
        age(node, now),
        info["kubeletVersion"].as_str().unwrap_or_default().into(),
        address("InternalIP"),
        address("ExternalIP"),
        known("osImage"),
        known("kernelVersion"),
        known("containerRuntimeVersion"),
    ]
    .into()
}

pub static SERVICES: Printer = Printer::new(
    &[
        Column::NAME,
        Column::string("Type", field::<ServiceSpec>("type")),
        Column::string("Cluster-IP", field::<ServiceSpec>("clusterIP")),
        Column::string("External-IP", field::<ServiceSpec>("externalIPs")),
        Column::string("Port(s)", field::<ServiceSpec>("ports")),
        Column::AGE,
        Column::string("Selector", field::<ServiceSpec>("selector")).wide(),
    ],
    service_row,
);

// k8s: pkg/printers/internalversion/printers.go (printService, makePortString)
fn service_row(service: &Value, now: Timestamp) -> Row {
    let spec = &service["spec"];
    let ports: Vec<String> = items(&spec["ports"])
        .iter()
        .map(|p| {
            let protocol = text(&p["protocol"]);
            match int(&p["nodePort"]) {
                0 => format!("{}/{protocol}", int(&p["port"])),
                node_port => format!("{}:{node_port}/{protocol}", int(&p["port"])),
            }
        })
        .collect();
    vec![
        name(service),
        spec["type"].clone(),
        items(&spec["clusterIPs"])
            .first()
            .map_or("<none>", text)
            .into(),
        external_ip(service).into(),
        or(&ports.join(","), "<none>").into(),
        age(service, now),
        format_labels(&spec["selector"]).into(),
    ]
    .into()
}

// k8s: pkg/printers/internalversion/printers.go (getServiceExternalIP, loadBalancerStatusStringer)
fn external_ip(service: &Value) -> String {
    let spec = &service["spec"];
    let external: Vec<&str> = items(&spec["externalIPs"]).iter().map(text).collect();
    match text(&spec["type"]) {
        "ClusterIP" | "NodePort" if external.is_empty() => "<none>".to_owned(),
        "ClusterIP" | "NodePort" => external.join(","),
        "LoadBalancer" => {
            let ingress: BTreeSet<&str> = items(&service["status"]["loadBalancer"]["ingress"])
                .iter()
                .map(|i| or(text(&i["ip"]), text(&i["hostname"])))
                .filter(|a| !a.is_empty())
                .collect();
            let all: Vec<&str> = ingress.into_iter().chain(external).collect();
            or(&all.join(","), "<pending>").to_owned()
        }
        "ExternalName" => text(&spec["externalName"]).to_owned(),
        _ => "<unknown>".to_owned(),
    }
}

pub static ENDPOINTS: Printer = Printer::new(
    &[
        Column::NAME,
        Column::string("Endpoints", field::<Endpoints>("subsets")),
        Column::AGE,
    ],
    |endpoints, now| {
        vec![
            name(endpoints),
            format_endpoints(endpoints).into(),
            age(endpoints, now),
        ]
        .into()
    },
);

/// Every address with every port (`ip:port`), at most three shown.
// k8s: pkg/printers/internalversion/printers.go (formatEndpoints)
fn format_endpoints(endpoints: &Value) -> String {
    let subsets = items(&endpoints["subsets"]);
    if subsets.is_empty() {
        return "<none>".to_owned();
    }
    let mut all = Vec::new();
    for subset in subsets {
        let addresses = items(&subset["addresses"]).iter().map(|a| text(&a["ip"]));
        let ports = items(&subset["ports"]);
        if ports.is_empty() {
            // A headless service without ports lists bare addresses.
            all.extend(addresses.map(str::to_owned));
            continue;
        }
        for port in ports {
            let port = int(&port["port"]);
            all.extend(addresses.clone().map(|ip| {
                if ip.contains(':') {
                    format!("[{ip}]:{port}")
                } else {
                    format!("{ip}:{port}")
                }
            }));
        }
    }
    let total = all.len();
    with_more(all, total, "")
}

const EVENT_COLUMNS: &[Column] = &[
    Column::string("Last Seen", field::<Event>("lastTimestamp")),
    Column::string("Type", field::<Event>("type")),
    Column::string("Reason", field::<Event>("reason")),
    Column::string("Object", field::<Event>("involvedObject")),
    Column::string("Subobject", field::<ObjectReference>("fieldPath")).wide(),
    Column::string("Source", field::<Event>("source")).wide(),
    Column::string("Message", field::<Event>("message")),
    Column::string("First Seen", field::<Event>("firstTimestamp")).wide(),
    Column::string("Count", field::<Event>("count")).wide(),
    Column {
        format: "name",
        ..Column::string("Name", field::<ObjectMeta>("name")).wide()
    },
];

pub static EVENTS: Printer = Printer::new(EVENT_COLUMNS, event_row);

// k8s: pkg/printers/internalversion/printers.go (printEvent, formatEventSource)
fn event_row(event: &Value, now: Timestamp) -> Row {
    let first = match event["firstTimestamp"].as_str() {
        Some(_) => since(&event["firstTimestamp"], now),
        None => since(&event["eventTime"], now),
    };
    let mut last = match event["lastTimestamp"].as_str() {
        Some(_) => since(&event["lastTimestamp"], now),
        None => first.clone(),
    };
    let series = &event["series"];
    let count = if series.is_object() {
        last = since(&series["lastObservedTime"], now);
        int(&series["count"])
    } else {
        // Events of the new API happen once unless they have a series.
        int(&event["count"]).max(1)
    };
    let object = &event["involvedObject"];
    let kind = text(&object["kind"]).to_lowercase();
    let target = match text(&object["name"]) {
        "" => kind,
        name => format!("{kind}/{name}"),
    };
    let component = or(
        text(&event["source"]["component"]),
        text(&event["reportingComponent"]),
    );
    let host = or(
        text(&event["source"]["host"]),
        text(&event["reportingInstance"]),
    );
    let source = match host {
        "" => component.to_owned(),
        host => format!("{component}, {host}"),
    };
    vec![
        last.into(),
        event["type"].clone(),
        event["reason"].clone(),
        target.into(),
        object["fieldPath"].as_str().unwrap_or_default().into(),
        source.into(),
        text(&event["message"]).trim().into(),
        first.into(),
        count.into(),
        name(event),
    ]
    .into()
}

/// `events.k8s.io/v1` events print as the core events they are stored as
/// upstream, their fields renamed back.
// k8s: pkg/apis/events/v1/conversion.go (Convert_v1_Event_To_core_Event)
pub static EVENTS_V1: Printer = Printer::new(EVENT_COLUMNS, |event, now| {
    let core = json!({
        "metadata": event["metadata"],
        "involvedObject": event["regarding"],
        "reason": event["reason"],
        "message": event["note"],
        "type": event["type"],
        "count": event["deprecatedCount"],
        "firstTimestamp": event["deprecatedFirstTimestamp"],
        "lastTimestamp": event["deprecatedLastTimestamp"],
        "eventTime": event["eventTime"],
        "series": event["series"],
        "source": event["deprecatedSource"],
        "reportingComponent": event["reportingController"],
        "reportingInstance": event["reportingInstance"],
    });
    event_row(&core, now)
});

pub static CONFIG_MAPS: Printer = Printer::new(
    &[
        Column::NAME,
        Column::string("Data", field::<ConfigMap>("data")),
        Column::AGE,
    ],
    |cm, now| {
        let keys = count(&cm["data"]) + count(&cm["binaryData"]);
        vec![name(cm), keys.into(), age(cm, now)].into()
    },
);

pub static SECRETS: Printer = Printer::new(
    &[
        Column::NAME,
        Column::string("Type", field::<Secret>("type")),
        Column::string("Data", field::<Secret>("data")),
        Column::AGE,
    ],
    |secret, now| {
        vec![
            name(secret),
            secret["type"].clone(),
            count(&secret["data"]).into(),
            age(secret, now),
        ]
        .into()
    },
);

pub static SERVICE_ACCOUNTS: Printer = Printer::new(
    &[
        Column::NAME,
        Column::string("Secrets", field::<ServiceAccount>("secrets")),
        Column::AGE,
    ],
    |sa, now| vec![name(sa), count(&sa["secrets"]).into(), age(sa, now)].into(),
);

/// Access modes as `RWO,ROX,RWX,RWOP`, in that order.
// k8s: pkg/apis/core/helper/helpers.go (GetAccessModesAsString)
fn access_modes(modes: &Value) -> String {
    let modes = items(modes);
    [
        ("ReadWriteOnce", "RWO"),
        ("ReadOnlyMany", "ROX"),
        ("ReadWriteMany", "RWX"),
        ("ReadWriteOncePod", "RWOP"),
    ]
    .into_iter()
    .filter(|(mode, _)| modes.iter().any(|m| m == mode))
    .map(|(_, short)| short)
    .collect::<Vec<_>>()
    .join(",")
}

/// The storage class: the beta annotation wins over the field.
// k8s: pkg/apis/core/helper/helpers.go (GetPersistentVolumeClass, GetPersistentVolumeClaimClass)
fn storage_class(object: &Value) -> Value {
    object["metadata"]["annotations"]["volume.beta.kubernetes.io/storage-class"]
        .as_str()
        .or(object["spec"]["storageClassName"].as_str())
        .unwrap_or_default()
        .into()
}

fn phase_or_terminating(object: &Value) -> Value {
    if object["metadata"]["deletionTimestamp"].is_null() {
        object["status"]["phase"].clone()
    } else {
        "Terminating".into()
    }
}

fn or_unset(value: &Value) -> Value {
    or(text(value), "<unset>").into()
}

pub static PERSISTENT_VOLUMES: Printer = Printer::new(
    &[
        Column::NAME,
        Column::string("Capacity", field::<PersistentVolumeSpec>("capacity")),
        Column::string("Access Modes", field::<PersistentVolumeSpec>("accessModes")),
        Column::string(
            "Reclaim Policy",
            field::<PersistentVolumeSpec>("persistentVolumeReclaimPolicy"),
        ),
        Column::string("Status", field::<PersistentVolumeStatus>("phase")),
        Column::string("Claim", field::<PersistentVolumeSpec>("claimRef")),
        Column::string(
            "StorageClass",
            Doc::Text("The storage class of the volume."),
        ),
        Column::string(
            "VolumeAttributesClass",
            Doc::Text("The volume attributes class of the volume."),
        ),
        Column::string("Reason", field::<PersistentVolumeStatus>("reason")),
        Column::AGE,
        Column::string("VolumeMode", field::<PersistentVolumeSpec>("volumeMode")).wide(),
    ],
    |pv, now| {
        let spec = &pv["spec"];
        let claim = match &spec["claimRef"] {
            Value::Null => String::new(),
            claim => format!("{}/{}", text(&claim["namespace"]), text(&claim["name"])),
        };
        vec![
            name(pv),
            or(text(&spec["capacity"]["storage"]), "0").into(),
            access_modes(&spec["accessModes"]).into(),
            spec["persistentVolumeReclaimPolicy"]
                .as_str()
                .unwrap_or_default()
                .into(),
            phase_or_terminating(pv),
            claim.into(),
            storage_class(pv),
            or_unset(&spec["volumeAttributesClassName"]),
            pv["status"]["reason"].as_str().unwrap_or_default().into(),
            age(pv, now),
            or_unset(&spec["volumeMode"]),
        ]
        .into()
    },
);

pub static PERSISTENT_VOLUME_CLAIMS: Printer = Printer::new(
    &[
        Column::NAME,
        Column::string("Status", field::<PersistentVolumeClaimStatus>("phase")),
        Column::string("Volume", field::<PersistentVolumeClaimSpec>("volumeName")),
        Column::string("Capacity", field::<PersistentVolumeClaimStatus>("capacity")),
        Column::string(
            "Access Modes",
            field::<PersistentVolumeClaimStatus>("accessModes"),
        ),
        Column::string("StorageClass", Doc::Text("The storage class of the claim.")),
        Column::string(
            "VolumeAttributesClass",
            Doc::Text("The volume attributes class of the claim."),
        ),
        Column::AGE,
        Column::string(
            "VolumeMode",
            field::<PersistentVolumeClaimSpec>("volumeMode"),
        )
        .wide(),
    ],
    |pvc, now| {
        let (spec, status) = (&pvc["spec"], &pvc["status"]);
        // Capacity and access modes count once the claim is bound.
        let (capacity, modes) = match text(&spec["volumeName"]) {
            "" => (String::new(), String::new()),
            _ => (
                or(text(&status["capacity"]["storage"]), "0").to_owned(),
                access_modes(&status["accessModes"]),
            ),
        };
        vec![
            name(pvc),
            phase_or_terminating(pvc),
            spec["volumeName"].as_str().unwrap_or_default().into(),
            capacity.into(),
            modes.into(),
            storage_class(pvc),
            or_unset(&spec["volumeAttributesClassName"]),
            age(pvc, now),
            or_unset(&spec["volumeMode"]),
        ]
        .into()
    },
);

pub static RESOURCE_QUOTAS: Printer = Printer::new(
    &[
        Column::NAME,
        Column::string(
            "Request",
            Doc::Text("Used and hard quota of each resource that is not a limit."),
        ),
        Column::string(
            "Limit",
            Doc::Text("Used and hard quota of each `limits.` resource."),
        ),
        Column::AGE,
    ],
    // k8s: pkg/printers/internalversion/printers.go (printResourceQuota)
    |quota, now| {
        let status = &quota["status"];
        let (mut requests, mut limits) = (Vec::new(), Vec::new());
        // serde_json maps keep their keys in order of appearance: sort them.
        let mut hard: Vec<(&String, &Value)> =
            status["hard"].as_object().into_iter().flatten().collect();
        hard.sort_by_key(|(resource, _)| *resource);
        for (resource, quantity) in hard {
            let used = or(text(&status["used"][resource]), "0");
            let entry = format!("{resource}: {used}/{}", text(quantity));
            match resource.split_once('.') {
                Some(("limits", _)) => limits.push(entry),
                _ => requests.push(entry),
            }
        }
        vec![
            name(quota),
            requests.join(", ").into(),
            limits.join(", ").into(),
            age(quota, now),
        ]
        .into()
    },
);

pub static REPLICATION_CONTROLLERS: Printer = Printer::new(
    &[
        Column::NAME,
        Column::integer("Desired", field::<ReplicationControllerSpec>("replicas")),
        Column::integer("Current", field::<ReplicationControllerStatus>("replicas")),
        Column::integer(
            "Ready",
            field::<ReplicationControllerStatus>("readyReplicas"),
        ),
        Column::AGE,
        Column::CONTAINERS,
        Column::IMAGES,
        Column::string("Selector", field::<ReplicationControllerSpec>("selector")).wide(),
    ],
    |rc, now| {
        let (spec, status) = (&rc["spec"], &rc["status"]);
        let [names, images] = containers(&spec["template"]["spec"]);
        vec![
            name(rc),
            int(&spec["replicas"]).into(),
            int(&status["replicas"]).into(),
            int(&status["readyReplicas"]).into(),
            age(rc, now),
            names,
            images,
            format_labels(&spec["selector"]).into(),
        ]
        .into()
    },
);

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(printer: &Printer, object: Value) -> Vec<Value> {
        printer.row(&object, Timestamp::now()).cells
    }

    #[test]
    fn services_show_ports_and_external_addresses() {
        let service = json!({"metadata": {"name": "web"}, "spec": {"type": "NodePort",
            "clusterIPs": ["10.96.0.10"], "selector": {"app": "web"},
            "ports": [{"port": 80, "protocol": "TCP", "nodePort": 30080},
                      {"port": 53, "protocol": "UDP"}]}});
        let cells = cells(&SERVICES, service);
        assert_eq!(
            cells[..5],
            [
                json!("web"),
                json!("NodePort"),
                json!("10.96.0.10"),
                json!("<none>"),
                json!("80:30080/TCP,53/UDP")
            ]
        );
        assert_eq!(cells[6], "app=web");
        let pending = json!({"spec": {"type": "LoadBalancer"}});
        assert_eq!(external_ip(&pending), "<pending>");
    }

    #[test]
    fn endpoints_list_three_and_count_the_rest() {
        let endpoints = json!({"subsets": [{"addresses": [{"ip": "10.0.0.1"}, {"ip": "10.0.0.2"},
            {"ip": "fd00::1"}, {"ip": "10.0.0.4"}], "ports": [{"port": 80}]}]});
        assert_eq!(
            format_endpoints(&endpoints),
            "10.0.0.1:80,10.0.0.2:80,[fd00::1]:80 + 1 more..."
        );
        assert_eq!(format_endpoints(&json!({})), "<none>");
    }

    #[test]
    fn nodes_show_readiness_roles_and_addresses() {
        let node = json!({"metadata": {"name": "n1", "labels": {
                "node-role.kubernetes.io/control-plane": "", "kubernetes.io/role": "worker"}},
            "spec": {"unschedulable": true},
            "status": {"conditions": [{"type": "Ready", "status": "False"}],
                "addresses": [{"type": "InternalIP", "address": "192.168.1.5"}],
                "nodeInfo": {"kubeletVersion": "v1.33.0"}}});
        let cells = cells(&NODES, node);
        assert_eq!(cells[1], "NotReady,SchedulingDisabled");
        assert_eq!(cells[2], "control-plane,worker");
        assert_eq!(
            cells[4..],
            [
                json!("v1.33.0"),
                json!("192.168.1.5"),
                json!("<none>"),
                json!("<unknown>"),
                json!("<unknown>"),
                json!("<unknown>")
            ]
        );
    }

    #[test]
    fn events_of_both_groups_print_alike() {
        let core = json!({"metadata": {"name": "e1"}, "type": "Normal", "reason": "Scheduled",
            "message": "assigned\n", "involvedObject": {"kind": "Pod", "name": "web"},
            "source": {"component": "scheduler"}});
        let cells_core = cells(&EVENTS, core);
        assert_eq!(
            cells_core[1..],
            [
                json!("Normal"),
                json!("Scheduled"),
                json!("pod/web"),
                json!(""),
                json!("scheduler"),
                json!("assigned"),
                json!("<unknown>"),
                json!(1),
                json!("e1")
            ]
        );
        let v1 = json!({"metadata": {"name": "e1"}, "type": "Normal", "reason": "Scheduled",
            "note": "assigned", "regarding": {"kind": "Pod", "name": "web"},
            "reportingController": "scheduler"});
        assert_eq!(cells(&EVENTS_V1, v1)[1..], cells_core[1..]);
    }

    #[test]
    fn quotas_split_requests_from_limits() {
        let quota = json!({"status": {"hard": {"pods": "10", "limits.cpu": "2", "cpu": "1"},
            "used": {"pods": "3"}}});
        let cells = cells(&RESOURCE_QUOTAS, quota);
        assert_eq!(cells[1], "cpu: 0/1, pods: 3/10");
        assert_eq!(cells[2], "limits.cpu: 0/2");
    }
}
