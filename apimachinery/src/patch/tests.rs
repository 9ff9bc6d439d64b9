//! End-to-end tests of [`apply_patch`]: request bodies as kubectl sends them,
//! chosen by `Content-Type`, against objects as the server stores them.

use super::*;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, Pod};
use serde_json::json;

fn deployment() -> Value {
    json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default", "labels": {"app": "web"}, "resourceVersion": "7"},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "nginx", "image": "nginx:1.24", "ports": [{"containerPort": 80, "protocol": "TCP"}]}]}
            }
        }
    })
}

fn patch(content_type: &str, original: &Value, body: &str) -> Result<Value> {
    let kind = PatchKind::from_content_type(content_type)?;
    apply_patch(
        kind,
        original,
        body.as_bytes(),
        Some(&PatchSchema::of::<Deployment>()),
    )
}

#[test]
fn content_types() {
    assert_eq!(
        PatchKind::from_content_type("application/json-patch+json").ok(),
        Some(PatchKind::Json)
    );
    assert_eq!(
        PatchKind::from_content_type("application/merge-patch+json; charset=utf-8").ok(),
        Some(PatchKind::Merge)
    );
    assert_eq!(
        PatchKind::from_content_type("application/strategic-merge-patch+json").ok(),
        Some(PatchKind::StrategicMerge)
    );
    assert_eq!(
        PatchKind::from_content_type("application/apply-patch+yaml").ok(),
        Some(PatchKind::Apply)
    );
    for bad in [
        "application/json",
        "",
        "Application/merge-patch+json",
        "application/apply-patch+cbor",
    ] {
        let err = PatchKind::from_content_type(bad).expect_err(bad);
        assert_eq!(err.status().code, 415, "{bad}");
        assert_eq!(err.status().reason, "UnsupportedMediaType");
    }
    for kind in PatchKind::ALL {
        assert_eq!(
            PatchKind::from_content_type(&kind.to_string()).ok(),
            Some(kind)
        );
    }
}

#[test]
fn apply_patches_are_refused_clearly() {
    let err = apply_patch(PatchKind::Apply, &deployment(), b"{}", None).expect_err("apply");
    assert!(matches!(err, Error::ApplyPatchUnsupported { .. }));
    assert!(err.to_string().contains("application/apply-patch+yaml"));
}

#[test]
fn invalid_bodies_are_bad_requests() {
    for ct in [
        "application/json-patch+json",
        "application/merge-patch+json",
        "application/strategic-merge-patch+json",
    ] {
        for body in ["", "{", "not json", "[1,]"] {
            let err = patch(ct, &deployment(), body).expect_err(body);
            let status = err.status();
            assert_eq!(
                (status.code, status.reason),
                (400, "BadRequest"),
                "{ct} {body:?}"
            );
            assert_eq!(status.message, "invalid JSON patch");
        }
        // Hostile nesting is refused, not a stack overflow.
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let err = patch(ct, &deployment(), &deep).expect_err("deep");
        assert!(matches!(err, Error::TooDeep { .. }), "{ct}: {err:?}");
        assert_eq!(err.status().code, 400);
        let deep = format!("{}1{}", "{\"a\":".repeat(100_000), "}".repeat(100_000));
        assert!(matches!(
            patch(ct, &deployment(), &deep),
            Err(Error::TooDeep { .. })
        ));
    }
    let err = patch(
        "application/strategic-merge-patch+json",
        &deployment(),
        "[]",
    )
    .expect_err("array");
    assert_eq!(err.status().code, 400);
    assert_eq!(
        err.status().message,
        "json: cannot unmarshal array into Go value of type map[string]interface {}"
    );
}

#[test]
fn kubectl_scale_label_annotate_use_merge_patch() {
    let d = deployment();
    let out = patch(
        "application/merge-patch+json",
        &d,
        r#"{"spec":{"replicas":5}}"#,
    )
    .expect("scale");
    assert_eq!(out["spec"]["replicas"], 5);
    let out = patch(
        "application/merge-patch+json",
        &d,
        r#"{"metadata":{"labels":{"tier":"fe"},"annotations":{"note":"x"}}}"#,
    )
    .expect("label");
    assert_eq!(
        out["metadata"]["labels"],
        json!({"app": "web", "tier": "fe"})
    );
    assert_eq!(out["metadata"]["annotations"], json!({"note": "x"}));
    let out = patch(
        "application/merge-patch+json",
        &out,
        r#"{"metadata":{"labels":{"tier":null}}}"#,
    )
    .expect("unlabel");
    assert_eq!(out["metadata"]["labels"], json!({"app": "web"}));
    // A merge patch replaces lists: containers are lost unless all are sent.
    let out = patch(
        "application/merge-patch+json",
        &d,
        r#"{"spec":{"template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.25"}]}}}}"#,
    )
    .expect("merge");
    assert_eq!(
        out["spec"]["template"]["spec"]["containers"],
        json!([{"name": "nginx", "image": "nginx:1.25"}])
    );
}

#[test]
fn kubectl_set_image_rollout_restart_and_patch_use_strategic_merge() {
    let d = deployment();
    let out = patch(
        "application/strategic-merge-patch+json",
        &d,
        r#"{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"nginx"}],"containers":[{"image":"nginx:1.25","name":"nginx"}]}}}}"#,
    )
    .expect("set image");
    assert_eq!(
        out["spec"]["template"]["spec"]["containers"],
        json!([{"name": "nginx", "image": "nginx:1.25", "ports": [{"containerPort": 80, "protocol": "TCP"}]}])
    );
    let out = patch(
        "application/strategic-merge-patch+json",
        &out,
        r#"{"spec":{"template":{"metadata":{"annotations":{"kubectl.kubernetes.io/restartedAt":"2025-06-01T10:00:00+02:00"}}}}}"#,
    )
    .expect("restart");
    assert_eq!(
        out["spec"]["template"]["metadata"]["annotations"]["kubectl.kubernetes.io/restartedAt"],
        "2025-06-01T10:00:00+02:00"
    );
    // `kubectl patch` adding a sidecar: without $setElementOrder upstream
    // puts the new item first.
    let out = patch(
        "application/strategic-merge-patch+json",
        &out,
        r#"{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","image":"busybox"}]}}}}"#,
    )
    .expect("add sidecar");
    let names: Vec<&str> = out["spec"]["template"]["spec"]["containers"]
        .as_array()
        .map(|l| l.iter().filter_map(|c| c["name"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(names, ["sidecar", "nginx"]);
    // Removing it again.
    let out = patch(
        "application/strategic-merge-patch+json",
        &out,
        r#"{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","$patch":"delete"}]}}}}"#,
    )
    .expect("remove sidecar");
    assert_eq!(
        out["spec"]["template"]["spec"]["containers"][0]["name"],
        "nginx"
    );
    assert_eq!(
        out["spec"]["template"]["spec"]["containers"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
}

#[test]
fn kubectl_rollout_undo_uses_json_patch() {
    let d = deployment();
    let out = patch(
        "application/json-patch+json",
        &d,
        r#"[{"op":"replace","path":"/spec/template","value":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"nginx","image":"nginx:1.23"}]}}},{"op":"replace","path":"/metadata/annotations","value":{"deployment.kubernetes.io/revision":"1"}}]"#,
    )
    .expect("undo");
    assert_eq!(
        out["spec"]["template"]["spec"]["containers"][0]["image"],
        "nginx:1.23"
    );
    assert_eq!(
        out["metadata"]["annotations"]["deployment.kubernetes.io/revision"],
        "1"
    );
    // A failing operation is a 422 with upstream's generic message.
    let err = patch(
        "application/json-patch+json",
        &d,
        r#"[{"op":"remove","path":"/metadata/annotations/x"}]"#,
    )
    .expect_err("no annotations");
    assert_eq!(err.status().code, 422);
    assert_eq!(
        err.to_string(),
        "remove operation does not apply: doc is missing path: \"/metadata/annotations/x\": missing value"
    );
}

#[test]
fn strategic_merge_patch_without_schema_falls_back() {
    let cr = json!({"apiVersion": "example.com/v1", "kind": "Widget", "spec": {"ports": [{"port": 1}], "opts": {"a": 1}}});
    let out = apply_patch(
        PatchKind::StrategicMerge,
        &cr,
        br#"{"spec":{"ports":[{"port":2}],"opts":{"b":2}}}"#,
        None,
    )
    .expect("applies");
    assert_eq!(
        out["spec"],
        json!({"ports": [{"port": 2}], "opts": {"a": 1, "b": 2}})
    );
}

#[test]
fn schema_choice_matters() {
    // The same body merges containers for a Pod but replaces a list for a
    // ConfigMap-shaped object, which has no such field.
    let pod = json!({"spec": {"containers": [{"name": "a", "image": "a"}]}});
    let body = br#"{"spec":{"containers":[{"name":"b","image":"b"}]}}"#;
    let out = apply_patch(
        PatchKind::StrategicMerge,
        &pod,
        body,
        Some(&PatchSchema::of::<Pod>()),
    )
    .expect("pod");
    assert_eq!(out["spec"]["containers"].as_array().map(Vec::len), Some(2));
    let out = apply_patch(
        PatchKind::StrategicMerge,
        &pod,
        body,
        Some(&PatchSchema::of::<ConfigMap>()),
    )
    .expect("cm");
    assert_eq!(out["spec"]["containers"].as_array().map(Vec::len), Some(1));
}

#[test]
fn json_patch_limits_are_configurable() {
    let limits = JsonPatchLimits {
        max_operations: 1,
        max_copy_bytes: 0,
    };
    let err = apply_patch_with_limits(
        PatchKind::Json,
        deployment(),
        br#"[{"op":"test","path":"/kind","value":"Deployment"},{"op":"test","path":"/kind","value":"Deployment"}]"#,
        None,
        &limits,
    )
    .expect_err("two operations");
    assert_eq!(
        err.status().message,
        "Request entity too large: The allowed maximum operations in a JSON patch is 1, got 2"
    );
}
