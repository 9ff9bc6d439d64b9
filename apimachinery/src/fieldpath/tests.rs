use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::ConfigMap;
use serde_json::{Value, json};

use super::*;

fn deployment_config(replicas: i64, image: &str) -> Value {
    json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "nginx", "labels": {"app": "nginx"}},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "nginx"}},
            "template": {
                "metadata": {"labels": {"app": "nginx"}},
                "spec": {"containers": [{"name": "nginx", "image": image, "ports": [{"containerPort": 80}]}]},
            },
        },
    })
}

fn writer(manager: &str) -> Writer {
    Writer {
        manager: manager.into(),
        api_version: "apps/v1".into(),
        subresource: "",
        has_status: true,
        now: "2026-11-22T10:00:00Z".into(),
    }
}

#[test]
fn an_applied_configuration_owns_what_it_sets() {
    let schema = PatchSchema::of::<Deployment>();
    let applied = managed::apply(
        None,
        &deployment_config(3, "nginx:1.18"),
        &writer("kubectl"),
        false,
        &schema,
    )
    .expect("no conflicts");
    let entries = managed::read(&applied);
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].operation, Operation::Apply);
    // As upstream records it: the selector is one atomic field, container
    // ports are keyed by port and protocol (defaulted), items are members.
    assert_eq!(
        entries[0].fields.to_fields_v1(),
        json!({
            "f:metadata": {"f:labels": {"f:app": {}}},
            "f:spec": {
                "f:replicas": {},
                "f:selector": {},
                "f:template": {
                    "f:metadata": {"f:labels": {"f:app": {}}},
                    "f:spec": {"f:containers": {"k:{\"name\":\"nginx\"}": {
                        ".": {},
                        "f:image": {},
                        "f:name": {},
                        "f:ports": {"k:{\"containerPort\":80,\"protocol\":\"TCP\"}": {
                            ".": {},
                            "f:containerPort": {},
                        }},
                    }}},
                },
            },
        })
    );
}

#[test]
fn an_update_takes_the_fields_it_changes_and_an_apply_conflicts_on_them() {
    let schema = PatchSchema::of::<Deployment>();
    let live = managed::apply(
        None,
        &deployment_config(3, "nginx:1.18"),
        &writer("kubectl"),
        false,
        &schema,
    )
    .expect("created");
    let mut scaled = live.clone();
    scaled["spec"]["replicas"] = json!(5);
    managed::record_update(Some(&live), &mut scaled, &writer("kubectl-scale"), &schema);
    let entries = managed::read(&scaled);
    assert_eq!(
        entries
            .iter()
            .map(|e| (e.manager.as_str(), e.operation))
            .collect::<Vec<_>>(),
        [
            ("kubectl", Operation::Apply),
            ("kubectl-scale", Operation::Update)
        ]
    );
    assert_eq!(
        entries[1].fields.to_fields_v1(),
        json!({"f:spec": {"f:replicas": {}}})
    );

    // Applying replicas 3 again changes a field kubectl-scale owns.
    let conflicts = managed::apply(
        Some(&scaled),
        &deployment_config(3, "nginx:1.20"),
        &writer("kubectl"),
        false,
        &schema,
    )
    .expect_err("conflict");
    assert_eq!(
        conflicts,
        [Conflict {
            manager: "\"kubectl-scale\" using apps/v1".into(),
            field: ".spec.replicas".into(),
        }]
    );
    // The same value is no conflict: the field is shared.
    let shared = managed::apply(
        Some(&scaled),
        &deployment_config(5, "nginx:1.20"),
        &writer("kubectl"),
        false,
        &schema,
    )
    .expect("same value");
    assert_eq!(
        shared["spec"]["template"]["spec"]["containers"][0]["image"],
        "nginx:1.20"
    );
    assert_eq!(managed::read(&shared).len(), 2);
    // Forced, the applier takes the field over.
    let forced = managed::apply(
        Some(&scaled),
        &deployment_config(3, "nginx:1.20"),
        &writer("kubectl"),
        true,
        &schema,
    )
    .expect("forced");
    assert_eq!(forced["spec"]["replicas"], 3);
    assert_eq!(managed::read(&forced).len(), 1);
}

#[test]
fn a_field_left_out_of_the_next_apply_is_removed_unless_another_manager_owns_it() {
    let schema = PatchSchema::of::<ConfigMap>();
    let config = |data: Value| json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": data});
    let writer = |manager: &str| Writer {
        manager: manager.into(),
        api_version: "v1".into(),
        subresource: "",
        has_status: false,
        now: "2026-11-22T10:00:00Z".into(),
    };
    let first = managed::apply(
        None,
        &config(json!({"a": "1", "b": "2"})),
        &writer("applier"),
        false,
        &schema,
    )
    .expect("created");
    let mut edited = first.clone();
    edited["data"]["c"] = json!("3");
    managed::record_update(Some(&first), &mut edited, &writer("kubectl-edit"), &schema);
    let second = managed::apply(
        Some(&edited),
        &config(json!({"a": "1"})),
        &writer("applier"),
        false,
        &schema,
    )
    .expect("no conflict");
    assert_eq!(second["data"], json!({"a": "1", "c": "3"}));
}

#[test]
fn a_created_object_is_owned_by_its_creator_field_by_field() {
    let schema = PatchSchema::of::<ConfigMap>();
    let mut created = json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "c", "namespace": "default", "uid": "u", "labels": {"app": "x"}},
        "data": {"a": "1"},
    });
    let writer = Writer {
        manager: "kubectl-create".into(),
        api_version: "v1".into(),
        subresource: "",
        has_status: false,
        now: "2026-11-22T10:00:00Z".into(),
    };
    managed::record_update(None, &mut created, &writer, &schema);
    assert_eq!(
        created["metadata"]["managedFields"],
        json!([{
            "manager": "kubectl-create",
            "operation": "Update",
            "apiVersion": "v1",
            "time": "2026-11-22T10:00:00Z",
            "fieldsType": "FieldsV1",
            "fieldsV1": {"f:data": {".": {}, "f:a": {}}, "f:metadata": {"f:labels": {".": {}, "f:app": {}}}},
        }])
    );
}

#[test]
fn an_item_whose_fields_are_still_applied_stays_when_its_own_entry_goes() {
    // What kubectl's move from client-side to server-side apply leaves: the
    // applier's previous set names the labels map and the volume item as
    // members, the new configuration only their fields.
    let schema = PatchSchema::of::<Deployment>();
    let live = managed::apply(
        None,
        &deployment_config(3, "nginx:1.18"),
        &writer("kubectl"),
        false,
        &schema,
    )
    .expect("created");
    let mut entries = managed::read(&live);
    entries[0].fields = FieldSet::from_fields_v1(&json!({
        "f:spec": {
            "f:replicas": {},
            "f:template": {"f:metadata": {"f:labels": {".": {}, "f:app": {}}}},
        },
    }));
    let mut migrated = live.clone();
    managed::write(&mut migrated, entries);
    let applied = managed::apply(
        Some(&migrated),
        &deployment_config(3, "nginx:1.18"),
        &writer("kubectl"),
        false,
        &schema,
    )
    .expect("no conflict");
    assert_eq!(
        applied["spec"]["template"]["metadata"]["labels"],
        json!({"app": "nginx"})
    );
}
