//! Strategy tests of the apps group and replication controllers: defaults
//! as `kubectl get -o yaml` shows them on a real cluster, and validation
//! messages word for word.

use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::controllerrevision::ControllerRevisionStrategy;
use super::daemonset::DaemonSetStrategy;
use super::deployment::DeploymentStrategy;
use super::replicaset::ReplicaSetStrategy;
use super::statefulset::StatefulSetStrategy;
use crate::registry::Strategy;
use crate::registry::core::replicationcontroller::ReplicationControllerStrategy;

/// Decodes `value`, then defaults and prepares it as a create would.
fn created<S: Strategy>(strategy: &S, value: Value) -> S::Object
where
    S::Object: DeserializeOwned,
{
    let mut object: S::Object = serde_json::from_value(value).expect("object decodes");
    strategy.apply_defaults(&mut object);
    strategy.prepare_for_create(&mut object);
    object
}

/// The rendered create errors of `value`.
fn errors<S: Strategy>(strategy: &S, value: Value) -> String {
    let object = created(strategy, value);
    strategy.validate(&object).to_string()
}

/// The rendered errors of updating `old` to `new`.
fn update_errors<S: Strategy>(strategy: &S, old: Value, new: Value) -> String {
    let old = created(strategy, old);
    let new = created(strategy, new);
    strategy.validate_update(&new, &old).to_string()
}

/// The deployment of the user's walkthrough, accepted as is.
fn nginx() -> Value {
    json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "nginx-deployment", "labels": {"app": "nginx"}},
        "spec": {
            "replicas": 3,
            "selector": {"matchLabels": {"app": "nginx"}},
            "template": {
                "metadata": {"labels": {"app": "nginx"}},
                "spec": {"containers": [{
                    "name": "nginx",
                    "image": "nginx:1.17.10-alpine",
                    "ports": [{"containerPort": 80}]
                }]}
            }
        }
    })
}

/// `nginx()` with `edit` applied to its spec.
fn nginx_with(edit: impl FnOnce(&mut Value)) -> Value {
    let mut value = nginx();
    edit(&mut value["spec"]);
    value
}

/// The template spec every workload below gets from the pod defaults.
fn defaulted_template_spec() -> Value {
    json!({
        "containers": [{
            "image": "nginx:1.17.10-alpine",
            "imagePullPolicy": "IfNotPresent",
            "name": "nginx",
            "ports": [{"containerPort": 80, "protocol": "TCP"}],
            "resources": {},
            "terminationMessagePath": "/dev/termination-log",
            "terminationMessagePolicy": "File"
        }],
        "dnsPolicy": "ClusterFirst",
        "restartPolicy": "Always",
        "schedulerName": "default-scheduler",
        "securityContext": {},
        "terminationGracePeriodSeconds": 30
    })
}

#[test]
fn deployment_defaults_match_kubectl_get_yaml() {
    let deployment = created(&DeploymentStrategy, nginx());
    assert_eq!(DeploymentStrategy.validate(&deployment).to_string(), "");
    let got = serde_json::to_value(&deployment).expect("encodes");
    assert_eq!(
        got["spec"],
        json!({
            "progressDeadlineSeconds": 600,
            "replicas": 3,
            "revisionHistoryLimit": 10,
            "selector": {"matchLabels": {"app": "nginx"}},
            "strategy": {
                "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
                "type": "RollingUpdate"
            },
            "template": {
                "metadata": {"labels": {"app": "nginx"}},
                "spec": defaulted_template_spec()
            }
        })
    );
}

#[test]
fn deployment_replicas_default_to_one() {
    let deployment = created(
        &DeploymentStrategy,
        nginx_with(|spec| {
            if let Some(spec) = spec.as_object_mut() {
                spec.remove("replicas");
            }
        }),
    );
    assert_eq!(deployment.spec.and_then(|s| s.replicas), Some(1));
}

#[test]
fn deployment_selector_rules() {
    assert_eq!(
        errors(
            &DeploymentStrategy,
            nginx_with(|spec| spec["selector"] = json!({"matchLabels": {"app": "web"}}))
        ),
        r#"spec.template.metadata.labels: Invalid value: map[string]string{"app":"nginx"}: `selector` does not match template `labels`"#
    );
    assert_eq!(
        errors(
            &DeploymentStrategy,
            nginx_with(|spec| {
                if let Some(spec) = spec.as_object_mut() {
                    spec.remove("selector");
                }
            })
        ),
        r#"[spec.selector: Required value, spec.template.metadata.labels: Invalid value: map[string]string{"app":"nginx"}: `selector` does not match template `labels`]"#
    );
    assert_eq!(
        errors(
            &DeploymentStrategy,
            nginx_with(|spec| spec["selector"] = json!({"matchLabels": {}}))
        ),
        "spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment"
    );
    assert_eq!(
        errors(
            &DeploymentStrategy,
            nginx_with(|spec| spec["selector"] = json!({"matchExpressions": [
                {"key": "app", "operator": "In"}
            ]}))
        ),
        r#"[spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn', spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement{v1.LabelSelectorRequirement{Key:"app", Operator:"In", Values:[]string(nil)}}}: invalid label selector]"#
    );
}

#[test]
fn deployment_template_rules() {
    assert_eq!(
        errors(
            &DeploymentStrategy,
            nginx_with(|spec| spec["template"]["spec"]["restartPolicy"] = json!("Never"))
        ),
        r#"spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always""#
    );
    assert_eq!(
        errors(
            &DeploymentStrategy,
            nginx_with(|spec| spec["template"]["spec"]["activeDeadlineSeconds"] = json!(5))
        ),
        "spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in Deployment is not Supported"
    );
    assert_eq!(
        errors(
            &DeploymentStrategy,
            nginx_with(|spec| spec["template"]["spec"]["containers"][0]["name"] = json!("Nginx"))
        ),
        r#"spec.template.spec.containers[0].name: Invalid value: "Nginx": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"#
    );
}

#[test]
fn deployment_numbers_and_strategy() {
    let cases = [
        (
            json!({"replicas": -1}),
            "spec.replicas: Invalid value: -1: must be greater than or equal to 0",
        ),
        (
            json!({"revisionHistoryLimit": -1}),
            "spec.revisionHistoryLimit: Invalid value: -1: must be greater than or equal to 0",
        ),
        (
            json!({"minReadySeconds": 10, "progressDeadlineSeconds": 10}),
            "spec.progressDeadlineSeconds: Invalid value: 10: must be greater than minReadySeconds",
        ),
        (
            json!({"strategy": {"rollingUpdate": {"maxUnavailable": 0, "maxSurge": 0}}}),
            r#"spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:0, IntVal:0, StrVal:""}: may not be 0 when `maxSurge` is 0"#,
        ),
        (
            json!({"strategy": {"rollingUpdate": {"maxUnavailable": "0%", "maxSurge": "0%"}}}),
            r#"spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"0%"}: may not be 0 when `maxSurge` is 0"#,
        ),
        (
            json!({"strategy": {"rollingUpdate": {"maxUnavailable": "120%"}}}),
            r#"spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"120%"}: must not be greater than 100%"#,
        ),
        (
            json!({"strategy": {"rollingUpdate": {"maxSurge": -1}}}),
            "spec.strategy.rollingUpdate.maxSurge: Invalid value: -1: must be greater than or equal to 0",
        ),
        (
            json!({"strategy": {"rollingUpdate": {"maxSurge": "abc"}}}),
            r#"spec.strategy.rollingUpdate.maxSurge: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"abc"}: a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"#,
        ),
        (
            json!({"strategy": {"type": "Recreate", "rollingUpdate": {}}}),
            "spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'",
        ),
        (
            json!({"strategy": {"type": "BlueGreen"}}),
            r#"spec.strategy: Unsupported value: apps.DeploymentStrategy{Type:"BlueGreen", RollingUpdate:(*apps.RollingUpdateDeployment)(nil)}: supported values: "Recreate", "RollingUpdate""#,
        ),
    ];
    for (patch, expected) in cases {
        let value = nginx_with(|spec| {
            for (k, v) in patch.as_object().into_iter().flatten() {
                spec[k] = v.clone();
            }
        });
        assert_eq!(errors(&DeploymentStrategy, value), expected, "{patch}");
    }
    let recreate = created(
        &DeploymentStrategy,
        nginx_with(|spec| spec["strategy"] = json!({"type": "Recreate"})),
    );
    let strategy = recreate.spec.and_then(|s| s.strategy).expect("strategy");
    assert_eq!(strategy.type_.as_deref(), Some("Recreate"));
    assert_eq!(strategy.rolling_update, None);
}

#[test]
fn deployment_updates() {
    assert_eq!(
        update_errors(
            &DeploymentStrategy,
            nginx(),
            nginx_with(|spec| {
                spec["selector"] = json!({"matchLabels": {"app": "nginx", "tier": "web"}});
                spec["template"]["metadata"]["labels"]["tier"] = json!("web");
            })
        ),
        r#"spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"nginx", "tier":"web"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable"#
    );
    assert_eq!(
        update_errors(
            &DeploymentStrategy,
            nginx(),
            nginx_with(|spec| spec["replicas"] = json!(5))
        ),
        ""
    );
    // Annotations count as a change of the desired state.
    let mut old = created(&DeploymentStrategy, nginx());
    old.metadata.generation = Some(2);
    let mut new = old.clone();
    new.metadata.annotations = Some([("note".to_owned(), "x".to_owned())].into());
    DeploymentStrategy.prepare_for_update(&mut new, &old);
    assert_eq!(new.metadata.generation, Some(3));
}

/// `nginx()` as another kind, keeping its spec but `replicas`/`strategy`.
fn as_kind(api_version: &str, kind: &str) -> Value {
    let mut value = nginx();
    value["apiVersion"] = json!(api_version);
    value["kind"] = json!(kind);
    if let Some(spec) = value["spec"].as_object_mut() {
        spec.remove("replicas");
    }
    value
}

#[test]
fn replica_set_defaults_and_rules() {
    let rs = created(&ReplicaSetStrategy, as_kind("apps/v1", "ReplicaSet"));
    assert_eq!(ReplicaSetStrategy.validate(&rs).to_string(), "");
    let got = serde_json::to_value(&rs).expect("encodes");
    assert_eq!(got["spec"]["replicas"], json!(1));
    assert_eq!(got["spec"]["template"]["spec"], defaulted_template_spec());

    let mut empty = as_kind("apps/v1", "ReplicaSet");
    empty["spec"]["selector"] = json!({"matchLabels": {}});
    assert_eq!(
        errors(&ReplicaSetStrategy, empty),
        "spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment"
    );
    let mut deadline = as_kind("apps/v1", "ReplicaSet");
    deadline["spec"]["template"]["spec"]["activeDeadlineSeconds"] = json!(1);
    assert_eq!(
        errors(&ReplicaSetStrategy, deadline),
        "spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in ReplicaSet is not Supported"
    );
    let mut moved = as_kind("apps/v1", "ReplicaSet");
    moved["spec"]["selector"]["matchExpressions"] = json!([{"key": "app", "operator": "Exists"}]);
    assert!(
        update_errors(&ReplicaSetStrategy, as_kind("apps/v1", "ReplicaSet"), moved)
            .ends_with("field is immutable")
    );
    let fields = ReplicaSetStrategy.selectable_fields(&json!({"status": {"replicas": 2}}));
    assert_eq!(fields, vec![("status.replicas", "2".to_owned())]);
    let fields = ReplicaSetStrategy.selectable_fields(&json!({}));
    assert_eq!(fields, vec![("status.replicas", "0".to_owned())]);
}

/// A replication controller with only a template.
fn rc() -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "ReplicationController",
        "metadata": {"name": "nginx"},
        "spec": {"template": {
            "metadata": {"labels": {"app": "nginx"}},
            "spec": {"containers": [{"name": "nginx", "image": "nginx:1.17.10-alpine",
                "ports": [{"containerPort": 80}]}]}
        }}
    })
}

#[test]
fn replication_controller_defaults_from_template_labels() {
    let rc = created(&ReplicationControllerStrategy, rc());
    assert_eq!(ReplicationControllerStrategy.validate(&rc).to_string(), "");
    let got = serde_json::to_value(&rc).expect("encodes");
    assert_eq!(got["metadata"]["labels"], json!({"app": "nginx"}));
    assert_eq!(got["spec"]["selector"], json!({"app": "nginx"}));
    assert_eq!(got["spec"]["replicas"], json!(1));
    assert_eq!(got["spec"]["template"]["spec"], defaulted_template_spec());
}

#[test]
fn replication_controller_rules() {
    let mut unlabeled = rc();
    unlabeled["spec"]["template"]["metadata"] = json!({});
    assert_eq!(
        errors(&ReplicationControllerStrategy, unlabeled),
        "spec.selector: Required value"
    );
    let mut mismatch = rc();
    mismatch["spec"]["selector"] = json!({"app": "web"});
    assert_eq!(
        errors(&ReplicationControllerStrategy, mismatch),
        r#"spec.template.metadata.labels: Invalid value: map[string]string{"app":"nginx"}: `selector` does not match template `labels`"#
    );
    let mut no_template = rc();
    no_template["spec"] = json!({"selector": {"app": "nginx"}});
    assert_eq!(
        errors(&ReplicationControllerStrategy, no_template),
        "spec.template: Required value"
    );
    let mut on_failure = rc();
    on_failure["spec"]["template"]["spec"]["restartPolicy"] = json!("OnFailure");
    assert_eq!(
        errors(&ReplicationControllerStrategy, on_failure),
        r#"spec.template.spec.restartPolicy: Unsupported value: "OnFailure": supported values: "Always""#
    );
}

#[test]
fn stateful_set_defaults_and_rules() {
    let mut value = as_kind("apps/v1", "StatefulSet");
    value["spec"]["serviceName"] = json!("nginx");
    value["spec"]["volumeClaimTemplates"] = json!([{
        "metadata": {"name": "www"},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}
    }]);
    let sts = created(&StatefulSetStrategy, value.clone());
    assert_eq!(StatefulSetStrategy.validate(&sts).to_string(), "");
    let got = serde_json::to_value(&sts).expect("encodes");
    let spec = &got["spec"];
    assert_eq!(spec["podManagementPolicy"], json!("OrderedReady"));
    assert_eq!(
        spec["updateStrategy"],
        json!({"rollingUpdate": {"partition": 0}, "type": "RollingUpdate"})
    );
    assert_eq!(
        spec["persistentVolumeClaimRetentionPolicy"],
        json!({"whenDeleted": "Retain", "whenScaled": "Retain"})
    );
    assert_eq!(spec["replicas"], json!(1));
    assert_eq!(spec["revisionHistoryLimit"], json!(10));
    assert_eq!(spec["template"]["spec"], defaulted_template_spec());
    assert_eq!(
        spec["volumeClaimTemplates"][0]["spec"]["volumeMode"],
        json!("Filesystem")
    );
    assert_eq!(
        spec["volumeClaimTemplates"][0]["status"],
        json!({"phase": "Pending"})
    );

    let mut bad = value.clone();
    bad["spec"]["podManagementPolicy"] = json!("Random");
    bad["spec"]["updateStrategy"] = json!({"type": "OnDelete", "rollingUpdate": {"partition": 1}});
    assert_eq!(
        errors(&StatefulSetStrategy, bad),
        r#"[spec.podManagementPolicy: Invalid value: "Random": must be 'OrderedReady' or 'Parallel', spec.updateStrategy.rollingUpdate: Invalid value: apps.RollingUpdateStatefulSetStrategy{Partition:1, MaxUnavailable:(*intstr.IntOrString)(nil)}: only allowed for updateStrategy 'RollingUpdate']"#
    );
    let mut empty = value.clone();
    empty["spec"]["selector"] = json!({"matchLabels": {}});
    assert_eq!(
        errors(&StatefulSetStrategy, empty),
        "spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for statefulset"
    );
    let mut renamed = value.clone();
    renamed["spec"]["serviceName"] = json!("other");
    assert_eq!(
        update_errors(&StatefulSetStrategy, value.clone(), renamed),
        "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"
    );
    let mut scaled = value.clone();
    scaled["spec"]["replicas"] = json!(4);
    assert_eq!(update_errors(&StatefulSetStrategy, value, scaled), "");
}

#[test]
fn daemon_set_defaults_and_rules() {
    let value = as_kind("apps/v1", "DaemonSet");
    let ds = created(&DaemonSetStrategy, value.clone());
    assert_eq!(DaemonSetStrategy.validate(&ds).to_string(), "");
    let got = serde_json::to_value(&ds).expect("encodes");
    assert_eq!(
        got["spec"]["updateStrategy"],
        json!({"rollingUpdate": {"maxSurge": 0, "maxUnavailable": 1}, "type": "RollingUpdate"})
    );
    assert_eq!(got["spec"]["revisionHistoryLimit"], json!(10));
    assert_eq!(got["spec"]["template"]["spec"], defaulted_template_spec());

    let with_strategy = |strategy: Value| {
        let mut v = value.clone();
        v["spec"]["updateStrategy"] = strategy;
        errors(&DaemonSetStrategy, v)
    };
    assert_eq!(
        with_strategy(json!({"rollingUpdate": {"maxUnavailable": 0}})),
        "spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: cannot be 0 when maxSurge is 0"
    );
    assert_eq!(
        with_strategy(json!({"rollingUpdate": {"maxSurge": "10%"}})),
        r#"spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"10%"}: may not be set when maxUnavailable is non-zero"#
    );
    assert_eq!(with_strategy(json!({"type": "OnDelete"})), "");
    let mut unselected = value;
    if let Some(spec) = unselected["spec"].as_object_mut() {
        spec.remove("selector");
    }
    assert_eq!(
        errors(&DaemonSetStrategy, unselected),
        r#"spec.template.metadata.labels: Invalid value: map[string]string{"app":"nginx"}: `selector` does not match template `labels`"#
    );
}

#[test]
fn controller_revision_rules() {
    let revision = json!({"metadata": {"name": "web-1"}, "revision": 1, "data": {"spec": {}}});
    assert_eq!(errors(&ControllerRevisionStrategy, revision.clone()), "");
    assert_eq!(
        errors(
            &ControllerRevisionStrategy,
            json!({"metadata": {"name": "web-1"}, "revision": -1})
        ),
        "[data: Required value: data is mandatory, revision: Invalid value: -1: must be greater than or equal to 0]"
    );
    let mut changed = revision.clone();
    changed["data"] = json!({"spec": {"x": 1}});
    assert_eq!(
        update_errors(&ControllerRevisionStrategy, revision, changed),
        "data: Invalid value: field is immutable"
    );
}
