//! Pod strategy tests: defaults, validation messages and update rules, plus
//! the seed manifests run through decode + defaults + validation.

use k8s_openapi::api::core::v1::Pod;
use serde_json::{Value, json};

use super::*;

/// Decodes a pod, then defaults and prepares it as a create would.
fn created(value: Value) -> Pod {
    let mut pod: Pod = serde_json::from_value(value).expect("pod decodes");
    let strategy = PodStrategy;
    strategy.apply_defaults(&mut pod);
    strategy.prepare_for_create(&mut pod);
    pod
}

/// The rendered create errors of a pod with `spec`.
fn create_errors(spec: Value) -> String {
    let pod = created(json!({"metadata": {"name": "p"}, "spec": spec}));
    PodStrategy.validate(&pod).to_string()
}

fn one(extra: Value) -> Value {
    let mut ctr = json!({"name": "c", "image": "nginx"});
    if let (Some(c), Some(e)) = (ctr.as_object_mut(), extra.as_object()) {
        c.extend(e.clone());
    }
    json!({"containers": [ctr]})
}

/// The defaults of the strategy; `priority` and `preemptionPolicy` come
/// from priority admission (tests/kube_client.rs covers them).
#[test]
fn defaults_match_kubectl_get_yaml() {
    let pod = created(json!({
        "metadata": {"name": "nginx-pod"},
        "spec": {"containers": [{"name": "nginx-pod", "image": "nginx:1.25.0",
            "ports": [{"containerPort": 80}],
            "readinessProbe": {"httpGet": {"port": 80}}}],
            "volumes": [{"name": "s", "secret": {"secretName": "x"}}, {"name": "e"}]}
    }));
    let got = serde_json::to_value(&pod).expect("encodes");
    let expected = json!({
        "containers": [{
            "image": "nginx:1.25.0",
            "imagePullPolicy": "IfNotPresent",
            "name": "nginx-pod",
            "ports": [{"containerPort": 80, "protocol": "TCP"}],
            "readinessProbe": {"failureThreshold": 3, "httpGet": {"path": "/", "port": 80, "scheme": "HTTP"},
                "periodSeconds": 10, "successThreshold": 1, "timeoutSeconds": 1},
            "resources": {},
            "terminationMessagePath": "/dev/termination-log",
            "terminationMessagePolicy": "File"
        }],
        "dnsPolicy": "ClusterFirst",
        "enableServiceLinks": true,
        "restartPolicy": "Always",
        "schedulerName": "default-scheduler",
        "securityContext": {},
        "serviceAccount": "default",
        "serviceAccountName": "default",
        "terminationGracePeriodSeconds": 30,
        "tolerations": [
            {"effect": "NoExecute", "key": "node.kubernetes.io/not-ready", "operator": "Exists", "tolerationSeconds": 300},
            {"effect": "NoExecute", "key": "node.kubernetes.io/unreachable", "operator": "Exists", "tolerationSeconds": 300}
        ],
        "volumes": [
            {"name": "s", "secret": {"defaultMode": 420, "secretName": "x"}},
            {"emptyDir": {}, "name": "e"}
        ]
    });
    assert_eq!(got["spec"], expected);
    assert_eq!(
        got["status"],
        json!({"phase": "Pending", "qosClass": "BestEffort"})
    );
    assert_eq!(PodStrategy.validate(&pod).to_string(), "");
}

#[test]
fn requests_default_to_limits_and_qos() {
    let pod = created(json!({"metadata": {"name": "p"}, "spec": one(json!({
        "resources": {"limits": {"cpu": "500m", "memory": "128Mi"}}
    }))}));
    let got = serde_json::to_value(&pod).expect("encodes");
    assert_eq!(
        got["spec"]["containers"][0]["resources"]["requests"],
        json!({"cpu": "500m", "memory": "128Mi"})
    );
    assert_eq!(got["status"]["qosClass"], "Guaranteed");
    let pod = created(json!({"metadata": {"name": "p"}, "spec": one(json!({
        "resources": {"requests": {"cpu": "100m"}}
    }))}));
    assert_eq!(
        pod.status.and_then(|s| s.qos_class).as_deref(),
        Some("Burstable")
    );
}

#[test]
fn latest_image_is_pulled_always() {
    let pod =
        created(json!({"metadata": {"name": "p"}, "spec": one(json!({"image": "nginx:latest"}))}));
    let policy = pod
        .spec
        .and_then(|s| s.containers[0].image_pull_policy.clone());
    assert_eq!(policy.as_deref(), Some("Always"));
}

#[test]
fn containers_are_required() {
    assert_eq!(create_errors(json!({})), "spec.containers: Required value");
}

#[test]
fn container_names_and_images() {
    assert_eq!(
        create_errors(json!({"containers": [{"name": "c"}]})),
        "spec.containers[0].image: Required value"
    );
    assert_eq!(
        create_errors(json!({"containers": [{"name": "Bad_Name", "image": "x"}]})),
        "spec.containers[0].name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
    );
    assert_eq!(
        create_errors(
            json!({"containers": [{"name": "c", "image": "x"}, {"name": "c", "image": "y"}]})
        ),
        "spec.containers[1].name: Duplicate value: \"c\""
    );
    assert_eq!(
        create_errors(json!({"initContainers": [{"name": "c", "image": "x"}],
            "containers": [{"name": "c", "image": "y"}]})),
        "spec.initContainers[0].name: Duplicate value: \"c\""
    );
    assert_eq!(
        create_errors(json!({"containers": [{"name": "c", "image": " x"}]})),
        "spec.containers[0].image: Invalid value: \" x\": must not have leading or trailing whitespace"
    );
}

#[test]
fn ports() {
    assert_eq!(
        create_errors(one(json!({"ports": [{"containerPort": 70000}]}))),
        "spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive"
    );
    assert_eq!(
        create_errors(one(json!({"ports": [{"containerPort": 80, "name": "http"},
            {"containerPort": 81, "name": "http"}]}))),
        "spec.containers[0].ports[1].name: Duplicate value: \"http\""
    );
    assert_eq!(
        create_errors(one(
            json!({"ports": [{"containerPort": 80, "protocol": "ICMP"}]})
        )),
        "spec.containers[0].ports[0].protocol: Unsupported value: \"ICMP\": supported values: \"SCTP\", \"TCP\", \"UDP\""
    );
    assert_eq!(
        create_errors(one(
            json!({"ports": [{"containerPort": 80, "name": "a_b"}]})
        )),
        "spec.containers[0].ports[0].name: Invalid value: \"a_b\": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)"
    );
}

#[test]
fn env_and_value_from() {
    assert_eq!(
        create_errors(one(json!({"env": [{"name": "A=B"}]}))),
        "spec.containers[0].env[0].name: Invalid value: \"A=B\": a valid environment variable name must consist only of printable ASCII characters other than '='"
    );
    assert_eq!(
        create_errors(one(json!({"env": [{"name": "A", "valueFrom": {}}]}))),
        "spec.containers[0].env[0].valueFrom: Invalid value: \"\": must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"
    );
}

#[test]
fn volume_mounts_and_volumes() {
    assert_eq!(
        create_errors(one(
            json!({"volumeMounts": [{"name": "x", "mountPath": "/x"}]})
        )),
        "spec.containers[0].volumeMounts[0].name: Not found: \"x\""
    );
    let mut spec = one(json!({}));
    spec["volumes"] = json!([{"name": "v", "emptyDir": {}, "hostPath": {"path": "/tmp"}}]);
    assert_eq!(
        create_errors(spec),
        "spec.volumes[0].hostPath: Forbidden: may not specify more than 1 volume type"
    );
    let mut spec = one(json!({}));
    spec["volumes"] = json!([{"name": "v", "emptyDir": {}}, {"name": "v", "emptyDir": {}}]);
    assert_eq!(
        create_errors(spec),
        "spec.volumes[1].name: Duplicate value: \"v\""
    );
    let mut spec = one(json!({}));
    spec["volumes"] = json!([{"name": "v", "secret": {"secretName": "s", "defaultMode": 1000}}]);
    assert_eq!(
        create_errors(spec),
        "spec.volumes[0].secret.defaultMode: Invalid value: 1000: must be a number between 0 and 0777 (octal), both inclusive"
    );
}

#[test]
fn probes() {
    assert_eq!(
        create_errors(one(json!({"livenessProbe": {"exec": {"command": ["true"]},
            "httpGet": {"port": 80}}}))),
        "spec.containers[0].livenessProbe.httpGet: Forbidden: may not specify more than 1 handler type"
    );
    assert_eq!(
        create_errors(one(json!({"readinessProbe": {"periodSeconds": 3}}))),
        "spec.containers[0].readinessProbe: Required value: must specify a handler type"
    );
    assert_eq!(
        create_errors(one(
            json!({"livenessProbe": {"exec": {"command": ["true"]}, "successThreshold": 2}})
        )),
        "spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1"
    );
    assert_eq!(
        create_errors(one(
            json!({"startupProbe": {"tcpSocket": {"port": 80}, "initialDelaySeconds": -1}})
        )),
        "spec.containers[0].startupProbe.initialDelaySeconds: Invalid value: -1: must be greater than or equal to 0"
    );
    assert_eq!(
        create_errors(one(json!({"lifecycle": {"preStop": {}}}))),
        "spec.containers[0].lifecycle.preStop: Required value: must specify a handler type"
    );
    assert_eq!(
        create_errors(json!({"initContainers": [{"name": "i", "image": "x",
            "livenessProbe": {"exec": {"command": ["true"]}}}],
            "containers": [{"name": "c", "image": "y"}]})),
        "spec.initContainers[0].livenessProbe: Forbidden: may not be set for init containers without restartPolicy=Always"
    );
}

#[test]
fn resources() {
    assert_eq!(
        create_errors(one(
            json!({"resources": {"limits": {"cpu": "500m"}, "requests": {"cpu": "1"}}})
        )),
        "spec.containers[0].resources.requests: Invalid value: \"1\": must be less than or equal to cpu limit of 500m"
    );
    assert_eq!(
        create_errors(one(json!({"resources": {"requests": {"cpu": "-1"}}}))),
        "spec.containers[0].resources.requests[cpu]: Invalid value: \"-1\": must be greater than or equal to 0"
    );
    assert_eq!(
        create_errors(one(json!({"resources": {"requests": {"gpu": "1"}}}))),
        "[spec.containers[0].resources.requests[gpu]: Invalid value: \"gpu\": must be a standard resource type or fully qualified, \
         spec.containers[0].resources.requests[gpu]: Invalid value: \"gpu\": must be a standard resource for containers]"
    );
    assert_eq!(
        create_errors(one(
            json!({"resources": {"limits": {"example.com/gpu": "1"}, "requests": {"example.com/gpu": "0.5"}}})
        )),
        "spec.containers[0].resources.requests[example.com/gpu]: Invalid value: \"0.5\": must be an integer"
    );
}

#[test]
fn pod_level_policies() {
    let mut spec = one(json!({}));
    spec["restartPolicy"] = json!("x");
    assert_eq!(
        create_errors(spec),
        "spec.restartPolicy: Unsupported value: \"x\": supported values: \"Always\", \"OnFailure\", \"Never\""
    );
    let mut spec = one(json!({}));
    spec["dnsPolicy"] = json!("x");
    assert_eq!(
        create_errors(spec),
        "spec.dnsPolicy: Unsupported value: \"x\": supported values: \"ClusterFirstWithHostNet\", \"ClusterFirst\", \"Default\", \"None\""
    );
    assert_eq!(
        create_errors(one(json!({"restartPolicy": "Always"}))),
        "spec.containers[0].restartPolicy: Forbidden: may not be set for non-init containers"
    );
    let mut spec = one(json!({}));
    spec["hostname"] = json!("a.b");
    // A valid subdomain that is not a label only lacks the dots rule.
    assert_eq!(
        create_errors(spec),
        "spec.hostname: Invalid value: \"a.b\": must not contain dots"
    );
    let mut spec = one(json!({}));
    spec["activeDeadlineSeconds"] = json!(0);
    assert_eq!(
        create_errors(spec),
        "spec.activeDeadlineSeconds: Invalid value: 0: must be between 1 and 2147483647, inclusive"
    );
}

#[test]
fn several_errors_are_aggregated() {
    assert_eq!(
        create_errors(json!({"containers": [{"name": "c"}], "restartPolicy": "x"})),
        "[spec.restartPolicy: Unsupported value: \"x\": supported values: \"Always\", \"OnFailure\", \"Never\", spec.containers[0].image: Required value]"
    );
}

fn update_errors(old: &Pod, edit: impl FnOnce(&mut Value)) -> String {
    let mut value = serde_json::to_value(old).expect("encodes");
    edit(&mut value);
    let mut new: Pod = serde_json::from_value(value).expect("decodes");
    let strategy = PodStrategy;
    strategy.apply_defaults(&mut new);
    strategy.prepare_for_update(&mut new, old);
    strategy.validate_update(&new, old).to_string()
}

#[test]
fn updates() {
    let old = created(json!({"metadata": {"name": "p"}, "spec": one(json!({}))}));
    assert_eq!(update_errors(&old, |_| {}), "");
    assert_eq!(
        update_errors(&old, |v| v["spec"]["containers"][0]["image"] =
            json!("nginx:2")),
        ""
    );
    assert_eq!(
        update_errors(&old, |v| v["spec"]["activeDeadlineSeconds"] = json!(10)),
        ""
    );
    assert_eq!(
        update_errors(&old, |v| {
            if let Some(t) = v["spec"]["tolerations"].as_array_mut() {
                t.push(json!({"key": "k", "operator": "Exists"}));
            }
        }),
        ""
    );
    assert_eq!(
        update_errors(&old, |v| v["spec"]["tolerations"] = json!([])),
        "spec.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds"
    );
    let msg = update_errors(&old, |v| {
        v["spec"]["containers"][0]["ports"] = json!([{"containerPort": 80}])
    });
    let first = msg.lines().next().unwrap_or_default();
    assert_eq!(first, format!("spec: Forbidden: {UPDATE_FORBIDDEN}"));
    assert!(msg.contains("containers"), "{msg}");
    assert_eq!(
        update_errors(&old, |v| v["spec"]["containers"][0]["image"] = json!("")),
        "spec.containers[0].image: Required value"
    );
    assert_eq!(
        update_errors(&old, |v| {
            if let Some(c) = v["spec"]["containers"].as_array_mut() {
                c.push(json!({"name": "d", "image": "x"}));
            }
        }),
        "spec.containers: Forbidden: pod updates may not add or remove containers"
    );
    let with_deadline = created(json!({"metadata": {"name": "p"},
        "spec": {"activeDeadlineSeconds": 5, "containers": [{"name": "c", "image": "x"}]}}));
    assert_eq!(
        update_errors(&with_deadline, |v| v["spec"]["activeDeadlineSeconds"] =
            json!(6)),
        "spec.activeDeadlineSeconds: Invalid value: 6: must be less than or equal to previous value"
    );
}

/// Pod manifests of /work/shared/seeds as users wrote them.
mod seeds {
    use super::*;

    #[test]
    fn nginx_pod_is_valid() {
        // `kubectl run nginx-pod --image=nginx:1.25.0 --dry-run=client -o yaml`
        let pod = created(json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"labels": {"run": "nginx-pod"}, "name": "nginx-pod"},
            "spec": {"containers": [{"image": "nginx:1.25.0", "name": "nginx-pod", "resources": {}}],
                "dnsPolicy": "ClusterFirst", "restartPolicy": "Always"}}));
        assert_eq!(PodStrategy.validate(&pod).to_string(), "");
        let web = created(json!({"metadata": {"name": "web-server-pod"},
            "spec": {"containers": [{"name": "web-server", "image": "nginx:latest",
                "ports": [{"containerPort": 80}]}]}}));
        assert_eq!(PodStrategy.validate(&web).to_string(), "");
    }

    #[test]
    fn probe_pods_with_container_restart_policy_are_rejected() {
        // readinessprobepod.yml: `restartPolicy: Always` nested under the container.
        let pod = created(json!({"metadata": {"name": "readinessprobe-pod"},
            "spec": {"containers": [{"name": "readinessprobe-pod", "image": "nginx:1.17.10-alpine",
                "imagePullPolicy": "IfNotPresent",
                "readinessProbe": {"httpGet": {"port": 80, "path": "/index1.html"},
                    "initialDelaySeconds": 1, "periodSeconds": 3},
                "restartPolicy": "Always"}]}}));
        assert_eq!(
            PodStrategy.validate(&pod).to_string(),
            "spec.containers[0].restartPolicy: Forbidden: may not be set for non-init containers"
        );
        // livenessprobepod.yml: probe timings nested (and ignored) under `exec`.
        let pod = created(json!({"metadata": {"name": "livenessprobe-pod"},
            "spec": {"containers": [{"name": "livenessprobe-pod", "image": "busybox:1.32.0",
                "imagePullPolicy": "IfNotPresent",
                "command": ["/bin/sh", "-c", "touch /tmp/livenesspod ; sleep 30; rm -rf /tmp/livenesspod; sleep 3600"],
                "livenessProbe": {"exec": {"command": ["test", "-e", "/tmp/livenesspod"]}},
                "restartPolicy": "Always"}]}}));
        assert_eq!(
            PodStrategy.validate(&pod).to_string(),
            "spec.containers[0].restartPolicy: Forbidden: may not be set for non-init containers"
        );
    }

    #[test]
    fn two_containers_pod_is_valid() {
        let pod = created(json!({"metadata": {"name": "two-containers"},
            "spec": {"restartPolicy": "Never",
                "volumes": [{"name": "shared-data", "hostPath": {"path": "/var/tmp."}}],
                "containers": [
                    {"name": "nginx-container", "image": "nginx",
                     "volumeMounts": [{"name": "shared-data", "mountPath": "/usr/share/nginx/html"}]},
                    {"name": "debian-container", "image": "debian",
                     "volumeMounts": [{"name": "shared-data", "mountPath": "/pod-data"}],
                     "command": ["/bin/sh"], "args": ["-c", "echo Hello > /pod-data/index.html"]}]}}));
        assert_eq!(PodStrategy.validate(&pod).to_string(), "");
        let got = serde_json::to_value(&pod).expect("encodes");
        assert_eq!(
            got["spec"]["volumes"][0],
            json!({"hostPath": {"path": "/var/tmp.", "type": ""}, "name": "shared-data"})
        );
        assert_eq!(got["spec"]["containers"][0]["imagePullPolicy"], "Always");
    }
}
