//! The `kubectl` suite: the seed walkthroughs' commands and manifests run with the
//! real kubectl, asserting on what it prints and how it exits. Only commands that need
//! no running container are here.

use anyhow::Context as _;

use crate::cluster::{Feature, Output, Scope, manifest, unique_suffix};
use crate::report::{Check, check, expect_contains, expect_eq};

pub fn checks() -> Vec<Check> {
    vec![
        check("kubectl-get-empty-namespace", get_empty_namespace),
        check("kubectl-run-seed-pod", run_seed_pod),
        check("kubectl-run-dry-run-client", run_dry_run_client),
        check("kubectl-run-dry-run-server", run_dry_run_server),
        check("kubectl-create-seed-pod", create_seed_pod),
        check("kubectl-get-pods-table", get_pods_table),
        check("kubectl-get-pods-wide", get_pods_wide),
        check("kubectl-get-pods-status", get_pods_status),
        check("kubectl-get-show-labels", get_show_labels),
        check("kubectl-label-annotate", label_annotate),
        check("kubectl-get-label-selector", get_label_selector),
        check("kubectl-get-field-selector", get_field_selector),
        check("kubectl-get-output-formats", get_output_formats),
        check("kubectl-describe-pod", describe_pod),
        check("kubectl-delete-pod", delete_pod),
        check("kubectl-delete-force", delete_force),
        check("kubectl-reject-invalid-pod-name", reject_invalid_pod_name),
        check(
            "kubectl-reject-container-restart-policy",
            reject_container_restart_policy,
        ),
        check(
            "kubectl-reject-unknown-fields-strict",
            reject_unknown_fields_strict,
        ),
        check("kubectl-reject-missing-namespace", reject_missing_namespace),
        check(
            "kubectl-reject-malformed-manifest",
            reject_malformed_manifest,
        ),
        check("kubectl-apply-seed-pod", apply_seed_pod),
        check("kubectl-apply-server-side", apply_server_side),
        check("kubectl-apply-diff-edit-delete", apply_diff_edit_delete),
        check("kubectl-get-chunked-sorted", get_chunked_sorted),
        check("kubectl-seed-two-containers", seed_two_containers),
        check("kubectl-seed-init-containers", seed_init_containers),
        check("kubectl-seed-services", seed_services),
        check("kubectl-get-services-table", get_services_table),
        check("kubectl-seed-deployment", seed_deployment),
        check("kubectl-get-deployments-table", get_deployments_table),
        check(
            "kubectl-create-deployment-imperative",
            create_deployment_imperative,
        ),
        check("kubectl-create-built-in-kinds", create_built_in_kinds),
        check("kubectl-seed-running-pod", seed_running_pod),
        check("kubectl-api-resources", api_resources),
        check("kubectl-explain-pod", explain_pod),
    ]
}

const WEB_SERVER_POD: &str = "seed000-web-server-pod.yaml";
const UNSCHEDULED_POD: &str = "unscheduled-pod.yaml";

/// `kubectl create -f <manifest>`, expecting `<created>` printed.
async fn create(scope: &Scope, file: &str, created: &str) -> anyhow::Result<()> {
    scope
        .kubectl(&["create", "-f", &manifest(file)])
        .await?
        .expect_stdout(&format!("{created} created"))
        .with_context(|| format!("creating {file}"))
}

async fn jsonpath(scope: &Scope, object: &[&str], template: &str) -> anyhow::Result<String> {
    let format = format!("jsonpath={template}");
    let mut args = vec!["get"];
    args.extend_from_slice(object);
    args.extend(["-o", &format]);
    Ok(scope.kubectl(&args).await?.ok()?.to_owned())
}

/// Rows of kubectl's column output; columns are separated by two or more spaces.
fn rows(stdout: &str) -> Vec<Vec<String>> {
    stdout
        .lines()
        .map(|line| {
            line.split("  ")
                .map(str::trim)
                .filter(|cell| !cell.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .collect()
}

/// Checks a table's header and the leading cells of its rows (AGE and later are free).
fn expect_table(out: &Output, header: &[&str], expected_rows: &[&[&str]]) -> anyhow::Result<()> {
    let rows = rows(out.ok()?);
    let (head, body) = rows.split_first().context("kubectl printed nothing")?;
    expect_eq(
        "header",
        header,
        &head.iter().map(String::as_str).collect::<Vec<_>>()[..],
    )?;
    expect_eq("row count", &expected_rows.len(), &body.len())?;
    for (expected, actual) in expected_rows.iter().zip(body) {
        let actual: Vec<&str> = actual
            .iter()
            .map(String::as_str)
            .take(expected.len())
            .collect();
        expect_eq("row", *expected, &actual[..])?;
    }
    Ok(())
}

/// The value on the first `Key:` line of `kubectl describe` output.
fn described<'a>(describe: &'a str, key: &str) -> anyhow::Result<&'a str> {
    let prefix = format!("{key}:");
    describe
        .lines()
        .find_map(|line| line.strip_prefix(&prefix))
        .map(str::trim)
        .with_context(|| format!("describe has no {key:?} line: {describe:?}"))
}

fn no_resources(scope: &Scope) -> String {
    format!("No resources found in {} namespace.", scope.namespace)
}

// seed 000: `kubectl get pod` before anything exists.
async fn get_empty_namespace(scope: Scope) -> anyhow::Result<()> {
    let out = scope.kubectl(&["get", "pod"]).await?;
    expect_eq("stdout", "", out.ok()?)?;
    expect_eq(
        "stderr",
        no_resources(&scope).as_str(),
        out.stderr.trim_end(),
    )
}

// seed 000: `kubectl run web-server-pod ... --labels ... --annotations ...`.
async fn run_seed_pod(scope: Scope) -> anyhow::Result<()> {
    scope
        .kubectl(&[
            "run",
            "web-server-pod",
            "--image=nginx:1.25.0",
            "--restart=Never",
            "--port=80",
            "--labels=app=web-server,environment=production",
            "--annotations",
            "description=This pod runs the web server",
        ])
        .await?
        .expect_stdout("pod/web-server-pod created")?;
    let got = jsonpath(
        &scope,
        &["pod", "web-server-pod"],
        "{.metadata.labels.app},{.metadata.labels.environment},{.metadata.annotations.description},\
         {.spec.containers[0].image},{.spec.containers[0].ports[0].containerPort},{.spec.restartPolicy}",
    )
    .await?;
    expect_eq(
        "labels, annotation, image, port, restartPolicy",
        "web-server,production,This pod runs the web server,nginx:1.25.0,80,Never",
        got.as_str(),
    )
}

// seed 000: `kubectl run nginx-pod --image=nginx:1.25.0 --dry-run=client -o yaml`.
async fn run_dry_run_client(scope: Scope) -> anyhow::Result<()> {
    let out = scope
        .kubectl(&[
            "run",
            "nginx-pod",
            "--image=nginx:1.25.0",
            "--dry-run=client",
            "-o",
            "yaml",
        ])
        .await?;
    let mut printed: serde_json::Value = serde_yaml::from_str(out.ok()?)?;
    // The seed ran in its default namespace; `--namespace` makes kubectl print it.
    let namespace = printed["metadata"]
        .as_object_mut()
        .and_then(|m| m.remove("namespace"));
    expect_eq(
        "metadata.namespace",
        &Some(scope.namespace.as_str()),
        &namespace.as_ref().and_then(|n| n.as_str()),
    )?;
    let seed: serde_json::Value = serde_yaml::from_str(&std::fs::read_to_string(manifest(
        "seed000-nginx-pod.yaml",
    ))?)?;
    expect_eq("printed pod", &seed, &printed)?;
    let out = scope.kubectl(&["get", "pod", "nginx-pod"]).await?;
    out.expect_error(r#"Error from server (NotFound): pods "nginx-pod" not found"#)
}

// seed 000's dry run, asked of the server: defaulted, never stored.
async fn run_dry_run_server(scope: Scope) -> anyhow::Result<()> {
    let out = scope
        .kubectl(&[
            "run",
            "nginx-pod",
            "--image=nginx:1.25.0",
            "--dry-run=server",
            "-o",
            "json",
        ])
        .await?;
    let pod: serde_json::Value = serde_json::from_str(out.ok()?)?;
    let got = (
        pod["spec"]["containers"][0]["imagePullPolicy"].as_str(),
        pod["spec"]["terminationGracePeriodSeconds"].as_i64(),
        pod["spec"]["schedulerName"].as_str(),
        pod["status"]["phase"].as_str(),
    );
    expect_eq(
        "imagePullPolicy, terminationGracePeriodSeconds, schedulerName, phase",
        &(
            Some("IfNotPresent"),
            Some(30),
            Some("default-scheduler"),
            Some("Pending"),
        ),
        &got,
    )?;
    let out = scope.kubectl(&["get", "pod", "nginx-pod"]).await?;
    out.expect_error(r#"Error from server (NotFound): pods "nginx-pod" not found"#)
}

// seed 000: `kubectl create -f <pod yaml>`, twice.
async fn create_seed_pod(scope: Scope) -> anyhow::Result<()> {
    create(&scope, WEB_SERVER_POD, "pod/web-server-pod").await?;
    let path = manifest(WEB_SERVER_POD);
    let out = scope.kubectl(&["create", "-f", &path]).await?;
    out.expect_error(&format!(
        r#"Error from server (AlreadyExists): error when creating "{path}": pods "web-server-pod" already exists"#
    ))
}

// seed 000: `kubectl get pod` columns; an unscheduled pod is Pending.
async fn get_pods_table(scope: Scope) -> anyhow::Result<()> {
    scope.require(Feature::Table)?;
    create(&scope, UNSCHEDULED_POD, "pod/unscheduled").await?;
    let out = scope.kubectl(&["get", "pods"]).await?;
    expect_table(
        &out,
        &["NAME", "READY", "STATUS", "RESTARTS", "AGE"],
        &[&["unscheduled", "0/1", "Pending", "0"]],
    )
}

// seed 000: `kubectl get pod web-server-pod -o wide`.
async fn get_pods_wide(scope: Scope) -> anyhow::Result<()> {
    scope.require(Feature::Table)?;
    create(&scope, UNSCHEDULED_POD, "pod/unscheduled").await?;
    let out = scope
        .kubectl(&["get", "pod", "unscheduled", "-o", "wide"])
        .await?;
    let header = [
        "NAME",
        "READY",
        "STATUS",
        "RESTARTS",
        "AGE",
        "IP",
        "NODE",
        "NOMINATED NODE",
        "READINESS GATES",
    ];
    expect_table(&out, &header, &[&["unscheduled", "0/1", "Pending", "0"]])?;
    let row = &rows(&out.stdout)[1];
    expect_eq(
        "IP .. READINESS GATES",
        "<none>,<none>,<none>,<none>",
        row[5..].join(",").as_str(),
    )
}

/// A status for the unscheduled pod's one container, restarted three times, written
/// as a node agent would.
fn container_status(phase: &str, state: serde_json::Value) -> String {
    serde_json::json!({"status": {"phase": phase, "containerStatuses": [{
        "name": "main", "image": "nginx:1.25.0", "imageID": "", "ready": false,
        "restartCount": 3, "state": state,
        "lastState": {"terminated": {"exitCode": 1, "finishedAt": "2020-01-01T00:00:00Z"}},
    }]}})
    .to_string()
}

// The STATUS and RESTARTS columns follow the container statuses.
async fn get_pods_status(scope: Scope) -> anyhow::Result<()> {
    scope.require(Feature::Table)?;
    create(&scope, UNSCHEDULED_POD, "pod/unscheduled").await?;
    let cases = [
        (
            "Running",
            serde_json::json!({"waiting": {"reason": "CrashLoopBackOff"}}),
            "CrashLoopBackOff",
        ),
        (
            "Pending",
            serde_json::json!({"waiting": {"reason": "ImagePullBackOff"}}),
            "ImagePullBackOff",
        ),
        (
            "Running",
            serde_json::json!({"terminated": {"reason": "OOMKilled", "exitCode": 137}}),
            "OOMKilled",
        ),
        (
            "Succeeded",
            serde_json::json!({"terminated": {"reason": "Completed", "exitCode": 0}}),
            "Completed",
        ),
    ];
    for (phase, state, expected) in cases {
        let patch = container_status(phase, state);
        scope
            .kubectl(&[
                "patch",
                "pod",
                "unscheduled",
                "--subresource=status",
                "--type=merge",
                "-p",
                &patch,
            ])
            .await?
            .expect_stdout("pod/unscheduled patched")?;
        let out = scope.kubectl(&["get", "pods"]).await?;
        expect_table(
            &out,
            &["NAME", "READY", "STATUS", "RESTARTS", "AGE"],
            &[&["unscheduled", "0/1", expected]],
        )?;
        let restarts = &rows(&out.stdout)[1][3];
        if !(restarts.starts_with("3 (") && restarts.ends_with(" ago)")) {
            anyhow::bail!("RESTARTS: expected \"3 (<age> ago)\", got {restarts:?}");
        }
    }
    Ok(())
}

async fn get_show_labels(scope: Scope) -> anyhow::Result<()> {
    create(&scope, WEB_SERVER_POD, "pod/web-server-pod").await?;
    let out = scope.kubectl(&["get", "pods", "--show-labels"]).await?;
    let rows = rows(out.ok()?);
    expect_eq("line count", &2, &rows.len())?;
    let last = |row: &Vec<String>| row.last().cloned().unwrap_or_default();
    expect_eq("last header column", "LABELS", last(&rows[0]).as_str())?;
    expect_eq(
        "labels",
        "app=web-server,environment=production",
        last(&rows[1]).as_str(),
    )
}

// seed 000: `kubectl annotate pods ... kubectl.kubernetes.io/default-container=...`,
// then `kubectl describe pod ... | grep -i default-container`.
async fn label_annotate(scope: Scope) -> anyhow::Result<()> {
    create(&scope, WEB_SERVER_POD, "pod/web-server-pod").await?;
    let pod = ["pod", "web-server-pod"];
    let with = |verb: &'static str, rest: &'static str| [verb, pod[0], pod[1], rest];
    scope
        .kubectl(&with("label", "tier=front"))
        .await?
        .expect_stdout("pod/web-server-pod labeled")?;
    scope
        .kubectl(&with("label", "tier=back"))
        .await?
        .expect_error("error: 'tier' already has a value (front), and --overwrite is false")?;
    scope
        .kubectl(&with("label", "tier-"))
        .await?
        .expect_stdout("pod/web-server-pod unlabeled")?;
    scope
        .kubectl(&with(
            "annotate",
            "kubectl.kubernetes.io/default-container=web-server",
        ))
        .await?
        .expect_stdout("pod/web-server-pod annotated")?;
    let describe = scope
        .kubectl(&["describe", "pod", "web-server-pod"])
        .await?;
    let line = describe
        .ok()?
        .lines()
        .find(|l| l.contains("default-container"))
        .map(str::trim)
        .map(|l| l.trim_start_matches("Annotations:").trim());
    expect_eq(
        "describe annotation line",
        &Some("kubectl.kubernetes.io/default-container: web-server"),
        &line,
    )?;
    let labels = jsonpath(&scope, &pod, "{.metadata.labels}").await?;
    let labels: serde_json::Value = serde_json::from_str(&labels)?;
    expect_eq(
        "labels",
        &serde_json::json!({"app": "web-server", "environment": "production"}),
        &labels,
    )
}

// seed 001: `kubectl get pods -l app=nginx`.
async fn get_label_selector(scope: Scope) -> anyhow::Result<()> {
    create(&scope, WEB_SERVER_POD, "pod/web-server-pod").await?;
    create(&scope, UNSCHEDULED_POD, "pod/unscheduled").await?;
    for (selector, expected) in [
        ("app=web-server", "pod/web-server-pod"),
        ("app in (unscheduled,other)", "pod/unscheduled"),
        ("environment!=production", "pod/unscheduled"),
        ("environment", "pod/web-server-pod"),
        ("app", "pod/unscheduled\npod/web-server-pod"),
    ] {
        let out = scope
            .kubectl(&["get", "pods", "-l", selector, "-o", "name"])
            .await?;
        out.expect_stdout(expected)
            .with_context(|| format!("-l {selector:?}"))?;
    }
    Ok(())
}

async fn get_field_selector(scope: Scope) -> anyhow::Result<()> {
    create(&scope, WEB_SERVER_POD, "pod/web-server-pod").await?;
    create(&scope, UNSCHEDULED_POD, "pod/unscheduled").await?;
    let name = |selector: &str| {
        scope.kubectl(&["get", "pods", "--field-selector", selector, "-o", "name"])
    };
    name("metadata.name=unscheduled")
        .await?
        .expect_stdout("pod/unscheduled")?;
    name("metadata.name!=unscheduled")
        .await?
        .expect_stdout("pod/web-server-pod")?;
    // `-o name` prints an empty list as nothing at all: the "No resources
    // found" notice belongs to the table printer.
    let out = name("status.phase=Succeeded").await?;
    expect_eq("stdout", "", out.ok()?)?;
    expect_eq("stderr", "", out.stderr.trim_end())?;
    name("spec.nosuchfield=x").await?.expect_error(
        r#"Error from server (BadRequest): Unable to find "/v1, Resource=pods" that match label selector "", field selector "spec.nosuchfield=x": field label not supported: spec.nosuchfield"#,
    )
}

async fn get_output_formats(scope: Scope) -> anyhow::Result<()> {
    create(&scope, WEB_SERVER_POD, "pod/web-server-pod").await?;
    let get = |format: &str| scope.kubectl(&["get", "pod", "web-server-pod", "-o", format]);
    get("name").await?.expect_stdout("pod/web-server-pod")?;
    get("jsonpath={.metadata.name} {.spec.containers[*].name}")
        .await?
        .expect_stdout("web-server-pod web-server")?;
    get("custom-columns=NAME:.metadata.name,APP:.metadata.labels.app,PORT:.spec.containers[0].ports[0].containerPort")
        .await?
        .expect_stdout("NAME             APP          PORT\nweb-server-pod   web-server   80")?;
    for format in ["json", "yaml"] {
        let out = get(format).await?;
        let pod: serde_json::Value = serde_yaml::from_str(out.ok()?)?;
        expect_eq(
            &format!("-o {format} apiVersion, kind, namespace"),
            &("v1", "Pod", scope.namespace.as_str()),
            &(
                pod["apiVersion"].as_str().unwrap_or_default(),
                pod["kind"].as_str().unwrap_or_default(),
                pod["metadata"]["namespace"].as_str().unwrap_or_default(),
            ),
        )?;
    }
    let out = scope.kubectl(&["get", "pods", "-o", "json"]).await?;
    let list: serde_json::Value = serde_json::from_str(out.ok()?)?;
    expect_eq(
        "list kind and size",
        &(Some("List"), Some(1)),
        &(
            list["kind"].as_str(),
            list["items"].as_array().map(Vec::len),
        ),
    )
}

// seed 000: `kubectl describe pod <pod name> -n <namespace>`.
async fn describe_pod(scope: Scope) -> anyhow::Result<()> {
    create(&scope, WEB_SERVER_POD, "pod/web-server-pod").await?;
    let out = scope
        .kubectl(&["describe", "pod", "web-server-pod", "-n", &scope.namespace])
        .await?;
    let text = out.ok()?;
    for (key, expected) in [
        ("Name", "web-server-pod"),
        ("Namespace", scope.namespace.as_str()),
        ("Labels", "app=web-server"),
        ("Annotations", "description: This pod runs the web server"),
    ] {
        expect_eq(key, expected, described(text, key)?)?;
    }
    expect_contains("describe", text, "\nContainers:\n  web-server:\n")?;
    expect_eq("Image", "nginx:latest", described(text, "    Image")?)?;
    expect_eq("Port", "80/TCP", described(text, "    Port")?)
}

// seed 000: `kubectl delete pod <pod>` and `kubectl delete -f <pod yaml>`.
async fn delete_pod(scope: Scope) -> anyhow::Result<()> {
    create(&scope, WEB_SERVER_POD, "pod/web-server-pod").await?;
    scope
        .kubectl(&["delete", "pod", "web-server-pod"])
        .await?
        .expect_stdout(r#"pod "web-server-pod" deleted"#)?;
    scope
        .kubectl(&["get", "pod", "web-server-pod"])
        .await?
        .expect_error(r#"Error from server (NotFound): pods "web-server-pod" not found"#)?;
    create(&scope, WEB_SERVER_POD, "pod/web-server-pod").await?;
    scope
        .kubectl(&["delete", "-f", &manifest(WEB_SERVER_POD)])
        .await?
        .expect_stdout(r#"pod "web-server-pod" deleted"#)?;
    let out = scope.kubectl(&["get", "pod"]).await?;
    expect_eq(
        "stderr after delete",
        no_resources(&scope).as_str(),
        out.stderr.trim_end(),
    )
}

// seed 002: `kubectl delete --grace-period=0 --force`.
async fn delete_force(scope: Scope) -> anyhow::Result<()> {
    create(&scope, WEB_SERVER_POD, "pod/web-server-pod").await?;
    let out = scope
        .kubectl(&[
            "delete",
            "pod",
            "web-server-pod",
            "--grace-period=0",
            "--force",
        ])
        .await?;
    out.expect_stdout(r#"pod "web-server-pod" force deleted"#)?;
    expect_eq(
        "stderr",
        "Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated. The resource may continue to run on the cluster indefinitely.",
        out.stderr.trim_end(),
    )
}

async fn reject_invalid_pod_name(scope: Scope) -> anyhow::Result<()> {
    let out = scope
        .kubectl(&[
            "run",
            "Web_Server",
            "--image=nginx:1.25.0",
            "--restart=Never",
        ])
        .await?;
    // `kubectl run` names the container after the pod, so both names are reported.
    out.expect_error(concat!(
        "The Pod \"Web_Server\" is invalid: \n",
        r#"* metadata.name: Invalid value: "Web_Server": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"#,
        "\n",
        r#"* spec.containers[0].name: Invalid value: "Web_Server": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"#,
    ))
}

// seed 002: the probe and hook manifests put restartPolicy under the container.
// Two of them also have misplaced fields, which strict validation reports
// first (`kubectl-reject-unknown-fields-strict`); `--validate=false` gets
// past those to the server's validation.
async fn reject_container_restart_policy(scope: Scope) -> anyhow::Result<()> {
    for (file, pod) in [
        ("seed002-readinessprobe-pod.yaml", "readinessprobe-pod"),
        ("seed002-livenessprobe-pod.yaml", "livenessprobe-pod"),
        (
            "seed002-livenessprobenginx-pod2.yaml",
            "livenessprobenginx-pod2",
        ),
        ("seed002-lifecycle-pod.yaml", "lifecycle-pod1"),
    ] {
        let out = scope
            .kubectl(&["create", "-f", &manifest(file), "--validate=false"])
            .await?;
        out.expect_error(&format!(
            r#"The Pod "{pod}" is invalid: spec.containers[0].restartPolicy: Forbidden: may not be set for non-init containers"#
        ))
        .with_context(|| file.to_owned())?;
    }
    Ok(())
}

// seed 002: `kubectl apply -f livenessprobepod.yml` with kubectl's default (strict) validation.
async fn reject_unknown_fields_strict(scope: Scope) -> anyhow::Result<()> {
    scope.require(Feature::OpenApi)?;
    for (file, unknown) in [
        (
            "seed002-livenessprobe-pod.yaml",
            r#"unknown field "spec.containers[0].livenessProbe.exec.initialDelaySeconds", unknown field "spec.containers[0].livenessProbe.exec.periodSeconds""#,
        ),
        (
            "seed002-lifecycle-pod.yaml",
            r#"unknown field "spec.containers[0].lifecycle.postStart.command""#,
        ),
    ] {
        let path = manifest(file);
        let out = scope.kubectl(&["apply", "-f", &path]).await?;
        out.expect_error(&format!(
            r#"Error from server (BadRequest): error when creating "{path}": Pod in version "v1" cannot be handled as a Pod: strict decoding error: {unknown}"#
        ))?;
    }
    Ok(())
}

async fn reject_missing_namespace(scope: Scope) -> anyhow::Result<()> {
    let missing = format!("conf-missing-{}", unique_suffix());
    let out = scope
        .kubectl(&[
            "run",
            "web-server-pod",
            "--image=nginx:1.25.0",
            "--restart=Never",
            "-n",
            &missing,
        ])
        .await?;
    out.expect_error(&format!(
        r#"Error from server (NotFound): namespaces "{missing}" not found"#
    ))?;
    let path = manifest(WEB_SERVER_POD);
    let out = scope
        .kubectl(&["create", "-f", &path, "-n", &missing])
        .await?;
    out.expect_error(&format!(
        r#"Error from server (NotFound): error when creating "{path}": namespaces "{missing}" not found"#
    ))
}

async fn reject_malformed_manifest(scope: Scope) -> anyhow::Result<()> {
    let path = manifest("malformed.yaml");
    let out = scope.kubectl(&["create", "-f", &path]).await?;
    out.expect_error(&format!(
        "error: error parsing {path}: error converting YAML to JSON: yaml: line 10: did not find expected ',' or ']'"
    ))
}

// seed 000: `kubectl apply -f <pod yaml>` (kubectl's default validation needs OpenAPI).
async fn apply_seed_pod(scope: Scope) -> anyhow::Result<()> {
    scope.require(Feature::OpenApi)?;
    let path = manifest(WEB_SERVER_POD);
    let apply = || scope.kubectl(&["apply", "-f", &path]);
    apply().await?.expect_stdout("pod/web-server-pod created")?;
    apply()
        .await?
        .expect_stdout("pod/web-server-pod unchanged")?;
    let applied = jsonpath(
        &scope,
        &["pod", "web-server-pod"],
        "{.metadata.annotations.kubectl\\.kubernetes\\.io/last-applied-configuration}",
    )
    .await?;
    expect_contains(
        "last-applied-configuration",
        &applied,
        r#""name":"web-server-pod""#,
    )
}

async fn apply_server_side(scope: Scope) -> anyhow::Result<()> {
    scope.require(Feature::OpenApi)?;
    let path = manifest("seed001-nginx-deployment.yaml");
    let apply = |force: bool| {
        let mut args = vec!["apply", "--server-side", "-f", &path];
        if force {
            args.push("--force-conflicts");
        }
        scope.kubectl(&args)
    };
    // Created by a client-side apply first: kubectl moves the object's
    // ownership over on its first server-side apply.
    scope
        .kubectl(&["apply", "-f", &path])
        .await?
        .expect_stdout("deployment.apps/nginx-deployment created")?;
    let applied = "deployment.apps/nginx-deployment serverside-applied";
    apply(false).await?.expect_stdout(applied)?;
    let version = || {
        jsonpath(
            &scope,
            &["deployment", "nginx-deployment"],
            "{.metadata.resourceVersion}",
        )
    };
    let before = version().await?;
    // The same configuration again changes nothing.
    apply(false).await?.expect_stdout(applied)?;
    expect_eq(
        "resourceVersion after a repeated apply",
        &before,
        &version().await?,
    )?;
    scope
        .kubectl(&[
            "patch",
            "deployment",
            "nginx-deployment",
            "-p",
            r#"{"spec":{"replicas":6}}"#,
        ])
        .await?
        .expect_stdout("deployment.apps/nginx-deployment patched")?;
    // Applying replicas 4 again would undo another manager's change.
    let refused = apply(false).await?;
    expect_eq("exit code", &1, &refused.code)?;
    expect_contains(
        "conflict",
        &refused.stderr,
        "error: Apply failed with 1 conflict: conflict with \"kubectl-patch\" using apps/v1: .spec.replicas\n",
    )?;
    apply(true).await?.expect_stdout(applied)?;
    let got = jsonpath(
        &scope,
        &["deployment", "nginx-deployment"],
        "{.spec.replicas} {.spec.template.metadata.labels.app} {.spec.template.spec.volumes[0].name}",
    )
    .await?;
    expect_eq(
        "replicas, template labels, volumes",
        "4 nginx nginx-vol",
        got.as_str(),
    )?;
    let managers = jsonpath(
        &scope,
        &["deployment", "nginx-deployment"],
        "{.metadata.managedFields[*].manager}",
    )
    .await?;
    expect_eq(
        "kubectl-patch still a manager",
        &false,
        &managers.contains("kubectl-patch"),
    )
}

// `kubectl apply -f` of a changed manifest, `kubectl diff -f` before and after,
// `kubectl edit` through an editor script and `kubectl delete -f`.
async fn apply_diff_edit_delete(scope: Scope) -> anyhow::Result<()> {
    scope.require(Feature::OpenApi)?;
    let original = manifest("seed001-nginx-deployment.yaml");
    scope
        .kubectl(&["apply", "-f", &original])
        .await?
        .expect_stdout("deployment.apps/nginx-deployment created")?;
    let dir = std::env::temp_dir().join(format!("conformance-{}", unique_suffix()));
    std::fs::create_dir_all(&dir)?;
    let changed = dir.join("deployment.yaml");
    let text = std::fs::read_to_string(&original)?
        .replace("replicas: 4", "replicas: 2")
        .replace("image: nginx:1.8", "image: nginx:1.20.1");
    std::fs::write(&changed, text)?;
    let changed = changed.to_string_lossy().into_owned();
    let diff = scope.kubectl(&["diff", "-f", &changed]).await?;
    expect_eq("kubectl diff exit code (differences found)", &1, &diff.code)?;
    for line in [
        "-  replicas: 4",
        "+  replicas: 2",
        "+      - image: nginx:1.20.1",
    ] {
        expect_contains("kubectl diff", &diff.stdout, line)?;
    }
    scope
        .kubectl(&["apply", "-f", &changed])
        .await?
        .expect_stdout("deployment.apps/nginx-deployment configured")?;
    let spec = "{.spec.replicas} {.spec.template.spec.containers[0].image}";
    let got = jsonpath(&scope, &["deployment", "nginx-deployment"], spec).await?;
    expect_eq("applied in place", "2 nginx:1.20.1", got.as_str())?;
    scope
        .kubectl(&["diff", "-f", &changed])
        .await?
        .expect_stdout("")?;
    let editor = dir.join("editor.sh");
    std::fs::write(
        &editor,
        "#!/bin/sh\nsed -i 's/replicas: 2/replicas: 3/' \"$1\"\n",
    )?;
    std::fs::set_permissions(&editor, std::os::unix::fs::PermissionsExt::from_mode(0o755))?;
    let editor = editor.to_string_lossy().into_owned();
    scope
        .kubectl_with_env(
            &[("KUBE_EDITOR", &editor)],
            &["edit", "deployment", "nginx-deployment"],
        )
        .await?
        .expect_stdout("deployment.apps/nginx-deployment edited")?;
    let got = jsonpath(&scope, &["deployment", "nginx-deployment"], spec).await?;
    expect_eq("edited", "3 nginx:1.20.1", got.as_str())?;
    let managers = jsonpath(
        &scope,
        &["deployment", "nginx-deployment"],
        "{.metadata.managedFields[*].manager}",
    )
    .await?;
    expect_contains("field managers", &managers, "kubectl-edit")?;
    scope
        .kubectl(&["delete", "-f", &changed])
        .await?
        .expect_stdout(r#"deployment.apps "nginx-deployment" deleted"#)?;
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}

// `kubectl get --chunk-size` pages through the list; `--sort-by` orders it.
async fn get_chunked_sorted(scope: Scope) -> anyhow::Result<()> {
    for (name, rank) in [("alpha", "3"), ("bravo", "1"), ("charlie", "2")] {
        scope
            .kubectl(&[
                "run",
                name,
                "--image=busybox:1.32.0",
                "--restart=Never",
                &format!("--labels=rank={rank}"),
            ])
            .await?
            .expect_stdout(&format!("pod/{name} created"))?;
    }
    scope
        .kubectl(&["get", "pods", "--chunk-size=1", "-o", "name"])
        .await?
        .expect_stdout("pod/alpha\npod/bravo\npod/charlie")?;
    let out = scope
        .kubectl(&[
            "get",
            "pods",
            "--chunk-size=2",
            "--sort-by=.metadata.labels.rank",
        ])
        .await?;
    expect_table(
        &out,
        &["NAME", "READY", "STATUS", "RESTARTS", "AGE"],
        &[&["bravo"], &["charlie"], &["alpha"]],
    )
}

// seed 001: the two-containers pod sharing a hostPath volume.
async fn seed_two_containers(scope: Scope) -> anyhow::Result<()> {
    create(&scope, "seed001-two-containers.yaml", "pod/two-containers").await?;
    let got = jsonpath(
        &scope,
        &["pod", "two-containers"],
        "{.spec.containers[*].name};{.spec.volumes[0].hostPath.path};{.spec.restartPolicy}",
    )
    .await?;
    expect_eq(
        "containers; hostPath; restartPolicy",
        "nginx-container debian-container;/var/tmp.;Never",
        got.as_str(),
    )
}

// seed 002: `kubectl describe pod myapp-pod` of the init-container pod.
async fn seed_init_containers(scope: Scope) -> anyhow::Result<()> {
    create(&scope, "seed002-initc-pod.yaml", "pod/myapp-pod").await?;
    let got = jsonpath(
        &scope,
        &["pod", "myapp-pod"],
        "{.spec.initContainers[*].name};{.spec.containers[*].name};{.spec.initContainers[1].imagePullPolicy}",
    )
    .await?;
    expect_eq(
        "init containers; containers; defaulted pull policy",
        "init-myservice init-mydb;myapp-container;IfNotPresent",
        got.as_str(),
    )?;
    let describe = scope.kubectl(&["describe", "pod", "myapp-pod"]).await?;
    expect_contains(
        "describe",
        describe.ok()?,
        "\nInit Containers:\n  init-myservice:\n",
    )
}

// seed 002: `kubectl apply -f initcservice1.yml`, `initcservice2.yml`, `kubectl get svc`.
async fn seed_services(scope: Scope) -> anyhow::Result<()> {
    create(&scope, "seed002-initc-service1.yaml", "service/myservice").await?;
    create(&scope, "seed002-initc-service2.yaml", "service/mydb").await?;
    let got = jsonpath(
        &scope,
        &["services"],
        "{range .items[*]}{.metadata.name}:{.spec.type}:{.spec.ports[0].port}:{.spec.ports[0].targetPort}:{.spec.sessionAffinity} {end}",
    )
    .await?;
    expect_eq(
        "name:type:port:targetPort:sessionAffinity",
        "mydb:ClusterIP:80:9377:None myservice:ClusterIP:80:9376:None",
        got.trim_end(),
    )?;
    let ip = jsonpath(&scope, &["service", "myservice"], "{.spec.clusterIP}").await?;
    if ip.parse::<std::net::IpAddr>().is_err() {
        anyhow::bail!("spec.clusterIP: expected an allocated IP address, got {ip:?}");
    }
    Ok(())
}

async fn get_services_table(scope: Scope) -> anyhow::Result<()> {
    scope.require(Feature::Table)?;
    create(&scope, "seed002-initc-service1.yaml", "service/myservice").await?;
    let out = scope.kubectl(&["get", "svc"]).await?;
    expect_table(
        &out,
        &[
            "NAME",
            "TYPE",
            "CLUSTER-IP",
            "EXTERNAL-IP",
            "PORT(S)",
            "AGE",
        ],
        &[&["myservice", "ClusterIP"]],
    )?;
    let row = &rows(&out.stdout)[1];
    expect_eq(
        "EXTERNAL-IP, PORT(S)",
        "<none>,80/TCP",
        row[3..5].join(",").as_str(),
    )
}

// seed 001 and 003: the nginx Deployment, `kubectl scale`, `kubectl rollout restart`.
async fn seed_deployment(scope: Scope) -> anyhow::Result<()> {
    create(
        &scope,
        "seed001-nginx-deployment.yaml",
        "deployment.apps/nginx-deployment",
    )
    .await?;
    let deployment = ["deployment", "nginx-deployment"];
    let got = jsonpath(
        &scope,
        &deployment,
        "{.spec.replicas};{.spec.strategy.type};{.spec.strategy.rollingUpdate.maxSurge};{.spec.revisionHistoryLimit};{.spec.progressDeadlineSeconds}",
    )
    .await?;
    expect_eq(
        "replicas; strategy; maxSurge; history; deadline",
        "4;RollingUpdate;25%;10;600",
        got.as_str(),
    )?;
    scope
        .kubectl(&["scale", "deployment", "nginx-deployment", "--replicas=2"])
        .await?
        .expect_stdout("deployment.apps/nginx-deployment scaled")?;
    expect_eq(
        "replicas after scale",
        "2",
        jsonpath(&scope, &deployment, "{.spec.replicas}")
            .await?
            .as_str(),
    )?;
    scope
        .kubectl(&["rollout", "restart", "deployment", "nginx-deployment"])
        .await?
        .expect_stdout("deployment.apps/nginx-deployment restarted")?;
    let restarted = jsonpath(
        &scope,
        &deployment,
        "{.spec.template.metadata.annotations.kubectl\\.kubernetes\\.io/restartedAt}",
    )
    .await?;
    if restarted.is_empty() {
        anyhow::bail!(
            "kubectl.kubernetes.io/restartedAt: expected a timestamp on the pod template, got none"
        );
    }
    Ok(())
}

async fn get_deployments_table(scope: Scope) -> anyhow::Result<()> {
    scope.require(Feature::Table)?;
    create(
        &scope,
        "seed001-nginx-deployment.yaml",
        "deployment.apps/nginx-deployment",
    )
    .await?;
    let out = scope.kubectl(&["get", "deployments"]).await?;
    expect_table(
        &out,
        &["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"],
        &[&["nginx-deployment"]],
    )
}

// kubectl's typed `create` subcommands send protobuf bodies.
async fn create_built_in_kinds(scope: Scope) -> anyhow::Result<()> {
    let namespace = format!("{}-extra", scope.namespace);
    let creates: [(&[&str], String); 7] = [
        (
            &["create", "namespace", &namespace],
            format!("namespace/{namespace} created"),
        ),
        (
            &[
                "create",
                "secret",
                "generic",
                "login",
                "--from-literal=user=admin",
            ],
            "secret/login created".into(),
        ),
        (
            &[
                "create",
                "configmap",
                "settings",
                "--from-literal=mode=fast",
            ],
            "configmap/settings created".into(),
        ),
        (
            &["create", "service", "clusterip", "web", "--tcp=80:8080"],
            "service/web created".into(),
        ),
        (
            &[
                "create",
                "job",
                "once",
                "--image=busybox:1.32.0",
                "--",
                "echo",
                "hi",
            ],
            "job.batch/once created".into(),
        ),
        (
            &[
                "create",
                "pdb",
                "web",
                "--selector=app=web",
                "--max-unavailable=0",
            ],
            "poddisruptionbudget.policy/web created".into(),
        ),
        (
            &[
                "create",
                "role",
                "reader",
                "--verb=get,list",
                "--resource=pods",
            ],
            "role.rbac.authorization.k8s.io/reader created".into(),
        ),
    ];
    for (args, created) in creates {
        scope.kubectl(args).await?.expect_stdout(&created)?;
    }
    let got = jsonpath(&scope, &["secret", "login"], "{.type} {.data.user}").await?;
    expect_eq("secret type and data", "Opaque YWRtaW4=", got.as_str())?;
    let got = jsonpath(&scope, &["configmap", "settings"], "{.data.mode}").await?;
    expect_eq("configmap data", "fast", got.as_str())?;
    let got = jsonpath(
        &scope,
        &["service", "web"],
        "{.spec.type} {.spec.ports[0].port} {.spec.ports[0].targetPort} {.spec.selector.app}",
    )
    .await?;
    expect_eq("service spec", "ClusterIP 80 8080 web", got.as_str())?;
    let got = jsonpath(
        &scope,
        &["job", "once"],
        "{.spec.template.spec.restartPolicy} {.spec.template.spec.containers[0].command}",
    )
    .await?;
    expect_eq("job template", r#"Never ["echo","hi"]"#, got.as_str())?;
    // A zero behind a pointer is kept: maxUnavailable 0, not unset.
    let got = jsonpath(&scope, &["pdb", "web"], "{.spec.maxUnavailable}").await?;
    expect_eq("pdb maxUnavailable", "0", got.as_str())?;
    let got = jsonpath(&scope, &["role", "reader"], "{.rules[0].verbs}").await?;
    expect_eq("role verbs", r#"["get","list"]"#, got.as_str())?;
    scope
        .kubectl(&["delete", "namespace", &namespace, "--wait=false"])
        .await?
        .expect_stdout(&format!("namespace \"{namespace}\" deleted"))
}

// seed 003: `kubectl create deployment nginx --image=nginx:1.18`, scale, expose, set image.
async fn create_deployment_imperative(scope: Scope) -> anyhow::Result<()> {
    scope
        .kubectl(&["create", "deployment", "nginx", "--image=nginx:1.18"])
        .await?
        .expect_stdout("deployment.apps/nginx created")?;
    scope
        .kubectl(&["scale", "deployment", "nginx", "--replicas=3"])
        .await?
        .expect_stdout("deployment.apps/nginx scaled")?;
    scope
        .kubectl(&[
            "expose",
            "deployment",
            "nginx",
            "--type=NodePort",
            "--port=80",
            "--target-port=80",
        ])
        .await?
        .expect_stdout("service/nginx exposed")?;
    scope
        .kubectl(&["set", "image", "deployment/nginx", "nginx=nginx:1.20.1"])
        .await?
        .expect_stdout("deployment.apps/nginx image updated")?;
    let got = jsonpath(
        &scope,
        &["deployment", "nginx"],
        "{.spec.replicas};{.spec.template.spec.containers[0].image}",
    )
    .await?;
    expect_eq("replicas; image", "3;nginx:1.20.1", got.as_str())?;
    let got = jsonpath(
        &scope,
        &["service", "nginx"],
        "{.spec.type};{.spec.selector.app};{.spec.ports[0].nodePort}",
    )
    .await?;
    let node_port: Option<u16> = got.rsplit(';').next().and_then(|p| p.parse().ok());
    expect_eq(
        "type; selector",
        "NodePort;nginx",
        got.rsplit_once(';').map_or("", |(head, _)| head),
    )?;
    expect_eq(
        "nodePort in 30000-32767",
        &true,
        &node_port.is_some_and(|p| (30000..=32767).contains(&p)),
    )
}

// seed 000: the web server pod once it runs: `kubectl get pod`, `kubectl exec ... -- hostname`.
async fn seed_running_pod(scope: Scope) -> anyhow::Result<()> {
    scope.require_running_containers().await?;
    scope
        .kubectl(&[
            "run",
            "web-server-pod",
            "--image=nginx:1.25.0",
            "--restart=Never",
            "--port=80",
        ])
        .await?
        .expect_stdout("pod/web-server-pod created")?;
    scope
        .kubectl(&[
            "wait",
            "--for=condition=Ready",
            "pod/web-server-pod",
            "--timeout=90s",
        ])
        .await?
        .expect_stdout("pod/web-server-pod condition met")?;
    scope
        .kubectl(&["exec", "web-server-pod", "--", "hostname"])
        .await?
        .expect_stdout("web-server-pod")?;
    let phase = jsonpath(&scope, &["pod", "web-server-pod"], "{.status.phase}").await?;
    expect_eq("phase", "Running", phase.as_str())
}

// seed 002: `kubectl api-versions`; seed 000: `kubectl api-resources`.
async fn api_resources(scope: Scope) -> anyhow::Result<()> {
    let versions = scope.kubectl(&["api-versions"]).await?;
    let versions: Vec<&str> = versions.ok()?.lines().collect();
    for version in ["v1", "apps/v1"] {
        expect_eq(
            &format!("api-versions lists {version}"),
            &true,
            &versions.contains(&version),
        )?;
    }
    let out = scope.kubectl(&["api-resources"]).await?;
    let rows = rows(out.ok()?);
    expect_eq(
        "header",
        "NAME SHORTNAMES APIVERSION NAMESPACED KIND",
        rows.first()
            .map(|header| header.join(" "))
            .unwrap_or_default()
            .as_str(),
    )?;
    for expected in [
        ["pods", "po", "v1", "true", "Pod"],
        ["services", "svc", "v1", "true", "Service"],
        ["namespaces", "ns", "v1", "false", "Namespace"],
        ["deployments", "deploy", "apps/v1", "true", "Deployment"],
    ] {
        let found = rows.iter().find(|row| row[0] == expected[0]);
        expect_eq(
            &format!("api-resources row for {}", expected[0]),
            &Some(expected.join(" ")),
            &found.map(|row| row.join(" ")),
        )?;
    }
    Ok(())
}

// seed 002: `kubectl explain pod`.
async fn explain_pod(scope: Scope) -> anyhow::Result<()> {
    scope.require(Feature::OpenApi)?;
    let out = scope.kubectl(&["explain", "pod"]).await?;
    let text = out.ok()?;
    expect_eq("KIND", "Pod", described(text, "KIND")?)?;
    expect_eq("VERSION", "v1", described(text, "VERSION")?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_split_on_column_gaps_only() {
        let out = "NAME   READY   NOMINATED NODE\nweb    0/1     <none>\n";
        assert_eq!(
            rows(out),
            vec![
                vec!["NAME", "READY", "NOMINATED NODE"],
                vec!["web", "0/1", "<none>"]
            ]
        );
    }

    #[test]
    fn described_reads_the_first_matching_key() {
        let text = "Name:         web\nLabels:       app=web\n              tier=front\n";
        assert_eq!(described(text, "Labels").ok(), Some("app=web"));
        assert!(described(text, "Status").is_err());
    }
}
