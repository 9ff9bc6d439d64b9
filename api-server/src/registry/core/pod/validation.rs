//! Pod validation on create and update, with upstream's field paths and
//! messages. Counterpart of k8s `pkg/apis/core/validation/validation.go`
//! (`ValidatePodCreate`, `ValidatePodSpec`, `ValidatePodUpdate` and helpers).

use std::collections::{BTreeMap, BTreeSet, HashSet};

use apimachinery::validation::{
    BadValue, ErrorList, FieldError, Path, is_config_map_key, is_dns1123_subdomain,
    is_http_header_name, is_relaxed_env_var_name, is_valid_port_name, is_valid_port_num,
    validate_labels, validate_nonnegative_field,
};
use k8s_openapi::api::core::v1::{
    Container, ContainerPort, EnvVar, ExecAction, HTTPGetAction, Lifecycle, LifecycleHandler, Pod,
    PodSpec, PodTemplateSpec, Probe, ResourceRequirements, TCPSocketAction, Toleration, Volume,
    VolumeMount,
};
use serde_json::Value;

use super::defaults::volume_source_names;
use crate::registry::core::resources;
use crate::registry::core::validation::{PORT_PROTOCOLS, dns1123_label, one_of, port_num_or_name};
use apimachinery::quantity;

/// What a `NotSupported` error on a file mode says.
const FILE_MODE_ERROR: &str = "must be a number between 0 and 0777 (octal), both inclusive";
const MORE_THAN_ONE_HANDLER: &str = "may not specify more than 1 handler type";
const NOT_FOR_INIT: &str = "may not be set for init containers without restartPolicy=Always";

/// The first line of the error a pod update changing a frozen field gets.
pub const UPDATE_FORBIDDEN: &str = "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)";

/// Validation of a new pod, beyond the generic metadata checks.
// k8s: pkg/apis/core/validation/validation.go (ValidatePodCreate, validatePodMetadataAndSpec)
pub fn validate_pod_create(pod: &Pod) -> ErrorList {
    let spec_path = Path::new("spec");
    let mut errs = validate_pod(pod);
    if let Some(spec) = pod.spec.as_ref()
        && spec
            .ephemeral_containers
            .as_ref()
            .is_some_and(|e| !e.is_empty())
    {
        errs.push(FieldError::forbidden(
            &spec_path.child("ephemeralContainers"),
            "cannot be set on create",
        ));
    }
    errs
}

/// Spec validation shared by create and update.
fn validate_pod(pod: &Pod) -> ErrorList {
    let spec_path = Path::new("spec");
    let Some(spec) = pod.spec.as_ref() else {
        return FieldError::required(&spec_path, "").into();
    };
    let mut errs = validate_pod_spec(spec, &spec_path);
    if spec
        .service_account_name
        .as_deref()
        .is_none_or(str::is_empty)
    {
        for (vi, volume) in spec.volumes.iter().flatten().enumerate() {
            let path = spec_path.child("volumes").index(vi).child("projected");
            for (si, source) in volume
                .projected
                .iter()
                .flat_map(|p| p.sources.iter().flatten())
                .enumerate()
            {
                if source.service_account_token.is_some() {
                    errs.push(FieldError::forbidden(
                        &path.child("sources").index(si).child("serviceAccountToken"),
                        "must not be specified when serviceAccountName is not set",
                    ));
                }
            }
        }
    }
    errs.append(validate_containers_only_for_pod(
        &spec.containers,
        &spec_path.child("containers"),
    ));
    errs.append(validate_containers_only_for_pod(
        spec.init_containers.as_deref().unwrap_or_default(),
        &spec_path.child("initContainers"),
    ));
    errs
}

/// Checks that only apply to pods, not pod templates: images are required.
// k8s: pkg/apis/core/validation/validation.go (validateContainerOnlyForPod)
pub fn validate_containers_only_for_pod(containers: &[Container], path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    for (i, ctr) in containers.iter().enumerate() {
        let image_path = path.index(i).child("image");
        let image = ctr.image.as_deref().unwrap_or_default();
        if image.is_empty() {
            errs.push(FieldError::required(&image_path, ""));
        }
        if image.trim().len() != image.len() {
            errs.push(FieldError::invalid(
                &image_path,
                image,
                "must not have leading or trailing whitespace",
            ));
        }
    }
    errs
}

/// Validation of the pod template of a workload (`spec.template` at `path`).
// k8s: pkg/apis/core/validation/validation.go (ValidatePodTemplateSpec)
pub fn validate_pod_template_spec(template: &PodTemplateSpec, path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    if let Some(meta) = template.metadata.as_ref()
        && let Some(labels) = meta.labels.as_ref()
    {
        errs.append(validate_labels(labels, &path.child("labels")));
    }
    let spec_path = path.child("spec");
    match template.spec.as_ref() {
        Some(spec) => {
            errs.append(validate_pod_spec(spec, &spec_path));
            if spec
                .ephemeral_containers
                .as_ref()
                .is_some_and(|e| !e.is_empty())
            {
                errs.push(FieldError::forbidden(
                    &spec_path.child("ephemeralContainers"),
                    "ephemeral containers not allowed in pod template",
                ));
            }
        }
        None => errs.push(FieldError::required(&spec_path.child("containers"), "")),
    }
    errs
}

/// Validation of a pod spec at `path` (`spec` for pods,
/// `spec.template.spec` for workloads).
// k8s: pkg/apis/core/validation/validation.go (ValidatePodSpec)
pub fn validate_pod_spec(spec: &PodSpec, path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    let grace = spec.termination_grace_period_seconds.unwrap_or(0);
    let (volumes, volume_errs) = validate_volumes(
        spec.volumes.as_deref().unwrap_or_default(),
        &path.child("volumes"),
    );
    errs.append(volume_errs);
    errs.append(validate_containers(
        &spec.containers,
        &volumes,
        grace,
        &path.child("containers"),
    ));
    errs.append(validate_init_containers(
        spec.init_containers.as_deref().unwrap_or_default(),
        &spec.containers,
        &volumes,
        grace,
        &path.child("initContainers"),
    ));
    if spec.host_network == Some(true) {
        // k8s: pkg/apis/core/validation/validation.go (validatePodHostNetworkDeps)
        for (ci, ctr) in spec.containers.iter().enumerate() {
            for (pi, port) in ctr.ports.iter().flatten().enumerate() {
                let host = port.host_port.unwrap_or(0);
                if host != 0 && host != port.container_port {
                    errs.push(FieldError::invalid(
                        &path
                            .child("containers")
                            .index(ci)
                            .child("ports")
                            .index(pi)
                            .child("hostPort"),
                        host,
                        "must match `containerPort` when `hostNetwork` is true",
                    ));
                }
            }
        }
    }
    errs.append(one_of(
        spec.restart_policy.as_deref(),
        &["Always", "OnFailure", "Never"],
        &path.child("restartPolicy"),
    ));
    errs.append(one_of(
        spec.dns_policy.as_deref(),
        &["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"],
        &path.child("dnsPolicy"),
    ));
    if let Some(selector) = spec.node_selector.as_ref() {
        errs.append(validate_labels(selector, &path.child("nodeSelector")));
    }
    if spec.dns_policy.as_deref() == Some("None") && spec.dns_config.is_none() {
        errs.push(FieldError::required(
            &path.child("dnsConfig"),
            "must provide `dnsConfig` when `dnsPolicy` is None",
        ));
    }
    let subdomain_field = |value: Option<&str>, name: &str, errs: &mut ErrorList| {
        if let Some(value) = value.filter(|v| !v.is_empty()) {
            for msg in is_dns1123_subdomain(value) {
                errs.push(FieldError::invalid(&path.child(name), value, msg));
            }
        }
    };
    subdomain_field(
        spec.service_account_name.as_deref(),
        "serviceAccountName",
        &mut errs,
    );
    subdomain_field(spec.node_name.as_deref(), "nodeName", &mut errs);
    if let Some(deadline) = spec.active_deadline_seconds
        && !(1..=i64::from(i32::MAX)).contains(&deadline)
    {
        errs.push(FieldError::invalid(
            &path.child("activeDeadlineSeconds"),
            deadline,
            format!("must be between 1 and {}, inclusive", i32::MAX),
        ));
    }
    for (name, value) in [
        ("hostname", spec.hostname.as_deref()),
        ("subdomain", spec.subdomain.as_deref()),
    ] {
        if let Some(value) = value.filter(|v| !v.is_empty()) {
            errs.append(dns1123_label(value, &path.child(name)));
        }
    }
    if let Some(tolerations) = spec.tolerations.as_ref() {
        errs.append(validate_tolerations(
            tolerations,
            &path.child("tolerations"),
        ));
    }
    subdomain_field(
        spec.priority_class_name.as_deref(),
        "priorityClassName",
        &mut errs,
    );
    if let Some(policy) = spec.preemption_policy.as_deref() {
        errs.append(one_of(
            Some(policy),
            &["PreemptLowerPriority", "Never"],
            &path.child("preemptionPolicy"),
        ));
    }
    errs
}

// k8s: pkg/apis/core/validation/validation.go (ValidateVolumes, validateVolumeSource)
fn validate_volumes(volumes: &[Volume], path: &Path) -> (BTreeMap<String, bool>, ErrorList) {
    let mut errs = ErrorList::new();
    // Valid volume names, and whether each is a PVC.
    let mut valid = BTreeMap::new();
    for (i, volume) in volumes.iter().enumerate() {
        let idx = path.index(i);
        let name_path = idx.child("name");
        let mut el = validate_volume_source(volume, &idx);
        if volume.name.is_empty() {
            el.push(FieldError::required(&name_path, ""));
        } else {
            el.append(dns1123_label(&volume.name, &name_path));
        }
        if valid.contains_key(&volume.name) {
            el.push(FieldError::duplicate(&name_path, &volume.name));
        }
        if el.is_empty() {
            valid.insert(
                volume.name.clone(),
                volume.persistent_volume_claim.is_some(),
            );
        } else {
            errs.append(el);
        }
    }
    (valid, errs)
}

fn validate_volume_source(volume: &Volume, path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    let sources = volume_source_names(volume);
    let Some(first) = sources.first() else {
        return FieldError::required(path, "must specify a volume type").into();
    };
    for extra in &sources[1..] {
        errs.push(FieldError::forbidden(
            &path.child(extra),
            "may not specify more than 1 volume type",
        ));
    }
    let src = path.child(first);
    let file_mode = |mode: Option<i32>, errs: &mut ErrorList| {
        if let Some(mode) = mode
            && !(0..=0o777).contains(&mode)
        {
            errs.push(FieldError::invalid(
                &src.child("defaultMode"),
                mode,
                FILE_MODE_ERROR,
            ));
        }
    };
    match *first {
        "hostPath" => {
            if let Some(host_path) = volume.host_path.as_ref() {
                if host_path.path.is_empty() {
                    errs.push(FieldError::required(&src.child("path"), ""));
                } else {
                    errs.append(no_backsteps(&host_path.path, &src.child("path")));
                    let kinds = [
                        "",
                        "BlockDevice",
                        "CharDevice",
                        "Directory",
                        "DirectoryOrCreate",
                        "File",
                        "FileOrCreate",
                        "Socket",
                    ];
                    let kind = host_path.type_.as_deref().unwrap_or_default();
                    if !kinds.contains(&kind) {
                        errs.push(FieldError::not_supported(&src.child("type"), kind, &kinds));
                    }
                }
            }
        }
        "emptyDir" => {
            let limit = volume
                .empty_dir
                .as_ref()
                .and_then(|e| e.size_limit.as_ref());
            if let Some(limit) = limit
                && quantity::parse(&limit.0).is_none_or(quantity::Amount::is_negative)
            {
                errs.push(FieldError::forbidden(
                    &src.child("sizeLimit"),
                    "SizeLimit field must be a valid resource quantity",
                ));
            }
        }
        "secret" => {
            if let Some(secret) = volume.secret.as_ref() {
                if secret.secret_name.as_deref().is_none_or(str::is_empty) {
                    errs.push(FieldError::required(&src.child("secretName"), ""));
                }
                file_mode(secret.default_mode, &mut errs);
            }
        }
        "configMap" => {
            if let Some(config_map) = volume.config_map.as_ref() {
                if config_map.name.is_empty() {
                    errs.push(FieldError::required(&src.child("name"), ""));
                }
                file_mode(config_map.default_mode, &mut errs);
            }
        }
        "persistentVolumeClaim"
            if volume
                .persistent_volume_claim
                .as_ref()
                .is_some_and(|c| c.claim_name.is_empty()) =>
        {
            errs.push(FieldError::required(&src.child("claimName"), ""));
        }
        "downwardAPI" => {
            file_mode(
                volume.downward_api.as_ref().and_then(|d| d.default_mode),
                &mut errs,
            );
        }
        "projected" => {
            file_mode(
                volume.projected.as_ref().and_then(|d| d.default_mode),
                &mut errs,
            );
        }
        _ => {}
    }
    errs
}

// k8s: pkg/apis/core/validation/validation.go (validatePathNoBacksteps)
fn no_backsteps(target: &str, path: &Path) -> ErrorList {
    if target.split('/').any(|part| part == "..") {
        FieldError::invalid(path, target, "must not contain '..'").into()
    } else {
        ErrorList::new()
    }
}

// k8s: pkg/apis/core/validation/validation.go (validateContainers)
fn validate_containers(
    containers: &[Container],
    volumes: &BTreeMap<String, bool>,
    grace: i64,
    path: &Path,
) -> ErrorList {
    if containers.is_empty() {
        return FieldError::required(path, "").into();
    }
    let mut errs = ErrorList::new();
    let mut names = HashSet::new();
    for (i, ctr) in containers.iter().enumerate() {
        let idx = path.index(i);
        errs.append(validate_container_common(ctr, volumes, &idx));
        if !names.insert(ctr.name.as_str()) {
            errs.push(FieldError::duplicate(&idx.child("name"), &ctr.name));
        }
        errs.append(validate_handlers_and_probes(ctr, grace, &idx));
        if ctr.restart_policy.is_some() {
            errs.push(FieldError::forbidden(
                &idx.child("restartPolicy"),
                "may not be set for non-init containers",
            ));
        }
    }
    errs.append(host_port_conflicts(containers, path));
    errs
}

// k8s: pkg/apis/core/validation/validation.go (validateInitContainers)
fn validate_init_containers(
    containers: &[Container],
    regular: &[Container],
    volumes: &BTreeMap<String, bool>,
    grace: i64,
    path: &Path,
) -> ErrorList {
    let mut errs = ErrorList::new();
    let mut names: HashSet<&str> = regular.iter().map(|c| c.name.as_str()).collect();
    for (i, ctr) in containers.iter().enumerate() {
        let idx = path.index(i);
        errs.append(validate_container_common(ctr, volumes, &idx));
        let mut restart_always = false;
        if let Some(policy) = ctr.restart_policy.as_deref() {
            restart_always = policy == "Always";
            if !restart_always {
                errs.push(FieldError::not_supported(
                    &idx.child("restartPolicy"),
                    policy,
                    &["Always"],
                ));
            }
        }
        if names.contains(ctr.name.as_str()) {
            errs.push(FieldError::duplicate(&idx.child("name"), &ctr.name));
        } else if !ctr.name.is_empty() {
            names.insert(ctr.name.as_str());
        }
        errs.append(host_port_conflicts(std::slice::from_ref(ctr), path));
        if restart_always {
            errs.append(validate_handlers_and_probes(ctr, grace, &idx));
        } else {
            for (set, name) in [
                (ctr.lifecycle.is_some(), "lifecycle"),
                (ctr.liveness_probe.is_some(), "livenessProbe"),
                (ctr.readiness_probe.is_some(), "readinessProbe"),
                (ctr.startup_probe.is_some(), "startupProbe"),
            ] {
                if set {
                    errs.push(FieldError::forbidden(&idx.child(name), NOT_FOR_INIT));
                }
            }
        }
        if ctr.resize_policy.as_ref().is_some_and(|r| !r.is_empty()) {
            errs.push(FieldError::invalid(
                &idx.child("resizePolicy"),
                BadValue::Raw(format!(
                    "{:?}",
                    ctr.resize_policy.as_deref().unwrap_or_default()
                )),
                "must not be set for init containers",
            ));
        }
    }
    errs
}

// k8s: pkg/apis/core/validation/validation.go (validateContainerCommon)
fn validate_container_common(
    ctr: &Container,
    volumes: &BTreeMap<String, bool>,
    path: &Path,
) -> ErrorList {
    let mut errs = ErrorList::new();
    let name_path = path.child("name");
    if ctr.name.is_empty() {
        errs.push(FieldError::required(&name_path, ""));
    } else {
        errs.append(dns1123_label(&ctr.name, &name_path));
    }
    if let Some(policy) = ctr.termination_message_policy.as_deref() {
        errs.append(one_of(
            Some(policy),
            &["File", "FallbackToLogsOnError"],
            &path.child("terminationMessagePolicy"),
        ));
    }
    errs.append(validate_ports(
        ctr.ports.as_deref().unwrap_or_default(),
        &path.child("ports"),
    ));
    errs.append(validate_env(
        ctr.env.as_deref().unwrap_or_default(),
        &path.child("env"),
    ));
    errs.append(validate_volume_mounts(
        ctr.volume_mounts.as_deref().unwrap_or_default(),
        volumes,
        ctr,
        &path.child("volumeMounts"),
    ));
    errs.append(one_of(
        ctr.image_pull_policy.as_deref(),
        &["Always", "IfNotPresent", "Never"],
        &path.child("imagePullPolicy"),
    ));
    if let Some(resources) = ctr.resources.as_ref() {
        errs.append(validate_resources(resources, &path.child("resources")));
    }
    errs
}

// k8s: pkg/apis/core/validation/validation.go (validateContainerPorts)
fn validate_ports(ports: &[ContainerPort], path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    let mut names = HashSet::new();
    for (i, port) in ports.iter().enumerate() {
        let idx = path.index(i);
        if let Some(name) = port.name.as_deref().filter(|n| !n.is_empty()) {
            let msgs = is_valid_port_name(name);
            if !msgs.is_empty() {
                for msg in msgs {
                    errs.push(FieldError::invalid(&idx.child("name"), name, msg));
                }
            } else if !names.insert(name) {
                errs.push(FieldError::duplicate(&idx.child("name"), name));
            }
        }
        if port.container_port == 0 {
            errs.push(FieldError::required(&idx.child("containerPort"), ""));
        } else {
            for msg in is_valid_port_num(i64::from(port.container_port)) {
                errs.push(FieldError::invalid(
                    &idx.child("containerPort"),
                    port.container_port,
                    msg,
                ));
            }
        }
        if let Some(host) = port.host_port.filter(|&p| p != 0) {
            for msg in is_valid_port_num(i64::from(host)) {
                errs.push(FieldError::invalid(&idx.child("hostPort"), host, msg));
            }
        }
        errs.append(one_of(
            port.protocol.as_deref(),
            PORT_PROTOCOLS,
            &idx.child("protocol"),
        ));
    }
    errs
}

// k8s: pkg/apis/core/validation/validation.go (AccumulateUniqueHostPorts)
fn host_port_conflicts(containers: &[Container], path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    let mut seen = HashSet::new();
    for (ci, ctr) in containers.iter().enumerate() {
        for (pi, port) in ctr.ports.iter().flatten().enumerate() {
            let host = port.host_port.unwrap_or(0);
            if host == 0 {
                continue;
            }
            let key = format!(
                "{}/{}/{}",
                port.host_ip.as_deref().unwrap_or_default(),
                port.protocol.as_deref().unwrap_or_default(),
                host
            );
            if !seen.insert(key.clone()) {
                errs.push(FieldError::duplicate(
                    &path.index(ci).child("ports").index(pi).child("hostPort"),
                    key,
                ));
            }
        }
    }
    errs
}

// k8s: pkg/apis/core/validation/validation.go (ValidateEnv, validateEnvVarValueFrom)
fn validate_env(vars: &[EnvVar], path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    for (i, var) in vars.iter().enumerate() {
        let idx = path.index(i);
        if var.name.is_empty() {
            errs.push(FieldError::required(&idx.child("name"), ""));
        }
        for msg in is_relaxed_env_var_name(&var.name) {
            errs.push(FieldError::invalid(&idx.child("name"), &var.name, msg));
        }
        let Some(from) = var.value_from.as_ref() else {
            continue;
        };
        let from_path = idx.child("valueFrom");
        let mut sources = 0;
        if let Some(field_ref) = from.field_ref.as_ref() {
            sources += 1;
            let p = from_path.child("fieldRef");
            if field_ref.api_version.as_deref().is_none_or(str::is_empty) {
                errs.push(FieldError::required(&p.child("apiVersion"), ""));
            }
            if field_ref.field_path.is_empty() {
                errs.push(FieldError::required(&p.child("fieldPath"), ""));
            }
        }
        if from.resource_field_ref.is_some() {
            sources += 1;
        }
        let key_ref = |name: Option<&str>, key: &str, p: Path, errs: &mut ErrorList| {
            if name.is_none_or(str::is_empty) {
                errs.push(FieldError::required(&p.child("name"), ""));
            }
            if key.is_empty() {
                errs.push(FieldError::required(&p.child("key"), ""));
            } else {
                for msg in is_config_map_key(key) {
                    errs.push(FieldError::invalid(&p.child("key"), key, msg));
                }
            }
        };
        if let Some(r) = from.config_map_key_ref.as_ref() {
            sources += 1;
            key_ref(
                Some(r.name.as_str()),
                &r.key,
                from_path.child("configMapKeyRef"),
                &mut errs,
            );
        }
        if let Some(r) = from.secret_key_ref.as_ref() {
            sources += 1;
            key_ref(
                Some(r.name.as_str()),
                &r.key,
                from_path.child("secretKeyRef"),
                &mut errs,
            );
        }
        let has_value = var.value.as_deref().is_some_and(|v| !v.is_empty());
        if sources == 0 {
            errs.push(FieldError::invalid(
                &from_path,
                "",
                "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`",
            ));
        } else if has_value {
            errs.push(FieldError::invalid(
                &from_path,
                "",
                "may not be specified when `value` is not empty",
            ));
        } else if sources > 1 {
            errs.push(FieldError::invalid(
                &from_path,
                "",
                "may not have more than one field specified at a time",
            ));
        }
    }
    errs
}

// k8s: pkg/apis/core/validation/validation.go (ValidateVolumeMounts)
fn validate_volume_mounts(
    mounts: &[VolumeMount],
    volumes: &BTreeMap<String, bool>,
    ctr: &Container,
    path: &Path,
) -> ErrorList {
    let mut errs = ErrorList::new();
    let mut mount_points = HashSet::new();
    for (i, mount) in mounts.iter().enumerate() {
        let idx = path.index(i);
        if mount.name.is_empty() {
            errs.push(FieldError::required(&idx.child("name"), ""));
        }
        if !volumes.contains_key(&mount.name) {
            errs.push(FieldError::not_found(&idx.child("name"), &mount.name));
        }
        if mount.mount_path.is_empty() {
            errs.push(FieldError::required(&idx.child("mountPath"), ""));
        }
        if !mount_points.insert(mount.mount_path.as_str()) {
            errs.push(FieldError::invalid(
                &idx.child("mountPath"),
                &mount.mount_path,
                "must be unique",
            ));
        }
        if let Some(sub) = mount.sub_path.as_deref().filter(|s| !s.is_empty()) {
            errs.append(local_descending_path(sub, &path.child("subPath")));
        }
        if let Some(propagation) = mount.mount_propagation.as_deref() {
            let p = path.child("mountPropagation");
            let supported = ["Bidirectional", "HostToContainer", "None"];
            if !supported.contains(&propagation) {
                errs.push(FieldError::not_supported(&p, propagation, &supported));
            }
            let privileged = ctr
                .security_context
                .as_ref()
                .and_then(|s| s.privileged)
                .unwrap_or(false);
            if propagation == "Bidirectional" && !privileged {
                errs.push(FieldError::forbidden(
                    &p,
                    "Bidirectional mount propagation is available only to privileged containers",
                ));
            }
        }
    }
    errs
}

// k8s: pkg/apis/core/validation/validation.go (validateLocalDescendingPath)
fn local_descending_path(target: &str, path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    if target.starts_with('/') {
        errs.push(FieldError::invalid(path, target, "must be a relative path"));
    }
    errs.append(no_backsteps(target, path));
    errs
}

// k8s: pkg/apis/core/validation/validation.go (ValidateResourceRequirements)
fn validate_resources(resources: &ResourceRequirements, path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    let empty = BTreeMap::new();
    let limits = resources.limits.as_ref().unwrap_or(&empty);
    let requests = resources.requests.as_ref().unwrap_or(&empty);
    let limits_path = path.child("limits");
    let requests_path = path.child("requests");
    let check = |name: &str, text: &str, p: &Path, errs: &mut ErrorList| {
        errs.append(resources::validate_container_resource_name(name, p));
        let (amount, value_errs) = resources::validate_value(name, text, p);
        errs.append(value_errs);
        amount
    };
    let mut parsed_limits = BTreeMap::new();
    for (name, q) in limits {
        let amount = check(name, &q.0, &limits_path.key(name), &mut errs);
        parsed_limits.insert(name.as_str(), (amount, q.0.as_str()));
    }
    for (name, q) in requests {
        let amount = check(name, &q.0, &requests_path.key(name), &mut errs);
        if let (Some(request), Some((Some(limit), limit_text))) =
            (amount, parsed_limits.get(name.as_str()))
            && request > *limit
        {
            errs.push(FieldError::invalid(
                &requests_path,
                q.0.as_str(),
                format!("must be less than or equal to {name} limit of {limit_text}"),
            ));
        }
    }
    errs
}

/// Lifecycle handlers and probes, allowed on regular and sidecar containers.
// k8s: pkg/apis/core/validation/validation.go (validateLifecycle, validateLivenessProbe, ...)
fn validate_handlers_and_probes(ctr: &Container, grace: i64, path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    if let Some(lifecycle) = ctr.lifecycle.as_ref() {
        errs.append(validate_lifecycle(
            lifecycle,
            grace,
            &path.child("lifecycle"),
        ));
    }
    if let Some(probe) = ctr.liveness_probe.as_ref() {
        let p = path.child("livenessProbe");
        errs.append(validate_probe(probe, &p));
        if probe.success_threshold != Some(1) {
            errs.push(FieldError::invalid(
                &p.child("successThreshold"),
                probe.success_threshold.unwrap_or(0),
                "must be 1",
            ));
        }
    }
    if let Some(probe) = ctr.readiness_probe.as_ref() {
        let p = path.child("readinessProbe");
        errs.append(validate_probe(probe, &p));
        if let Some(grace) = probe.termination_grace_period_seconds {
            errs.push(FieldError::invalid(
                &p.child("terminationGracePeriodSeconds"),
                grace,
                "must not be set for readinessProbes",
            ));
        }
    }
    if let Some(probe) = ctr.startup_probe.as_ref() {
        let p = path.child("startupProbe");
        errs.append(validate_probe(probe, &p));
        if probe.success_threshold != Some(1) {
            errs.push(FieldError::invalid(
                &p.child("successThreshold"),
                probe.success_threshold.unwrap_or(0),
                "must be 1",
            ));
        }
    }
    errs
}

fn validate_lifecycle(lifecycle: &Lifecycle, grace: i64, path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    for (handler, name) in [
        (&lifecycle.post_start, "postStart"),
        (&lifecycle.pre_stop, "preStop"),
    ] {
        if let Some(handler) = handler {
            errs.append(validate_lifecycle_handler(
                handler,
                grace,
                &path.child(name),
            ));
        }
    }
    errs
}

fn validate_lifecycle_handler(handler: &LifecycleHandler, grace: i64, path: &Path) -> ErrorList {
    let mut h = Handlers::new(path);
    h.add_common(
        handler.exec.as_ref(),
        handler.http_get.as_ref(),
        handler.tcp_socket.as_ref(),
    );
    if let Some(sleep) = handler.sleep.as_ref() {
        h.add("sleep", |p| {
            if sleep.seconds < 0 || sleep.seconds > grace {
                FieldError::invalid(
                    &p.child("seconds"),
                    sleep.seconds,
                    format!(
                        "must be non-negative and less than terminationGracePeriodSeconds ({grace})"
                    ),
                )
                .into()
            } else {
                ErrorList::new()
            }
        });
    }
    h.finish()
}

// k8s: pkg/apis/core/validation/validation.go (validateProbe)
fn validate_probe(probe: &Probe, path: &Path) -> ErrorList {
    let mut h = Handlers::new(path);
    h.add_common(
        probe.exec.as_ref(),
        probe.http_get.as_ref(),
        probe.tcp_socket.as_ref(),
    );
    if let Some(grpc) = probe.grpc.as_ref() {
        h.add("grpc", |p| {
            is_valid_port_num(i64::from(grpc.port))
                .into_iter()
                .map(|msg| FieldError::invalid(&p.child("port"), grpc.port, msg))
                .collect()
        });
    }
    let mut errs = h.finish();
    for (value, name) in [
        (probe.initial_delay_seconds, "initialDelaySeconds"),
        (probe.timeout_seconds, "timeoutSeconds"),
        (probe.period_seconds, "periodSeconds"),
        (probe.success_threshold, "successThreshold"),
        (probe.failure_threshold, "failureThreshold"),
    ] {
        errs.append(validate_nonnegative_field(
            i64::from(value.unwrap_or(0)),
            &path.child(name),
        ));
    }
    if let Some(grace) = probe.termination_grace_period_seconds
        && grace <= 0
    {
        errs.push(FieldError::invalid(
            &path.child("terminationGracePeriodSeconds"),
            grace,
            "must be greater than 0",
        ));
    }
    errs
}

/// Counts handler types: the first is validated, any further one is an error.
// k8s: pkg/apis/core/validation/validation.go (validateHandler)
struct Handlers<'a> {
    path: &'a Path,
    count: usize,
    errs: ErrorList,
}

impl<'a> Handlers<'a> {
    fn new(path: &'a Path) -> Self {
        Handlers {
            path,
            count: 0,
            errs: ErrorList::new(),
        }
    }

    fn add(&mut self, name: &str, validate: impl FnOnce(&Path) -> ErrorList) {
        let p = self.path.child(name);
        if self.count > 0 {
            self.errs
                .push(FieldError::forbidden(&p, MORE_THAN_ONE_HANDLER));
        } else {
            self.count += 1;
            self.errs.append(validate(&p));
        }
    }

    /// The handler kinds probes and lifecycle hooks share.
    fn add_common(
        &mut self,
        exec: Option<&ExecAction>,
        http: Option<&HTTPGetAction>,
        tcp: Option<&TCPSocketAction>,
    ) {
        if let Some(exec) = exec {
            self.add("exec", |p| validate_exec(exec, p));
        }
        if let Some(http) = http {
            self.add("httpGet", |p| validate_http_get(http, p));
        }
        if let Some(tcp) = tcp {
            self.add("tcpSocket", |p| {
                port_num_or_name(&tcp.port, &p.child("port"))
            });
        }
    }

    fn finish(mut self) -> ErrorList {
        if self.count == 0 {
            self.errs.push(FieldError::required(
                self.path,
                "must specify a handler type",
            ));
        }
        self.errs
    }
}

fn validate_exec(exec: &ExecAction, path: &Path) -> ErrorList {
    if exec.command.as_ref().is_none_or(Vec::is_empty) {
        FieldError::required(&path.child("command"), "").into()
    } else {
        ErrorList::new()
    }
}

// k8s: pkg/apis/core/validation/validation.go (validateHTTPGetAction)
fn validate_http_get(http: &HTTPGetAction, path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    if http.path.as_deref().is_none_or(str::is_empty) {
        errs.push(FieldError::required(&path.child("path"), ""));
    }
    errs.append(port_num_or_name(&http.port, &path.child("port")));
    let scheme = http.scheme.as_deref().unwrap_or_default();
    if !matches!(scheme, "HTTP" | "HTTPS") {
        errs.push(FieldError::not_supported(
            &path.child("scheme"),
            scheme,
            &["HTTP", "HTTPS"],
        ));
    }
    for header in http.http_headers.iter().flatten() {
        for msg in is_http_header_name(&header.name) {
            errs.push(FieldError::invalid(
                &path.child("httpHeaders"),
                &header.name,
                msg,
            ));
        }
    }
    errs
}

// k8s: pkg/apis/core/validation/validation.go (ValidateTolerations)
fn validate_tolerations(tolerations: &[Toleration], path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    for (i, t) in tolerations.iter().enumerate() {
        let idx = path.index(i);
        let key = t.key.as_deref().unwrap_or_default();
        let operator = t.operator.as_deref().unwrap_or_default();
        let effect = t.effect.as_deref().unwrap_or_default();
        let value = t.value.as_deref().unwrap_or_default();
        if !key.is_empty() {
            errs.append(apimachinery::validation::validate_label_name(
                key,
                &idx.child("key"),
            ));
        }
        if key.is_empty() && operator != "Exists" {
            errs.push(FieldError::invalid(
                &idx.child("operator"),
                operator,
                "operator must be Exists when `key` is empty, which means \"match all values and all keys\"",
            ));
        }
        if t.toleration_seconds.is_some() && effect != "NoExecute" {
            errs.push(FieldError::invalid(
                &idx.child("effect"),
                effect,
                "effect must be 'NoExecute' when `tolerationSeconds` is set",
            ));
        }
        match operator {
            "Equal" | "" => {
                let msgs = apimachinery::validation::is_valid_label_value(value);
                if !msgs.is_empty() {
                    errs.push(FieldError::invalid(
                        &idx.child("operator"),
                        value,
                        msgs.join(";"),
                    ));
                }
            }
            "Exists" => {
                if !value.is_empty() {
                    errs.push(FieldError::invalid(
                        &idx.child("operator"),
                        BadValue::Raw(format!("{t:?}")),
                        "value must be empty when `operator` is 'Exists'",
                    ));
                }
            }
            other => errs.push(FieldError::not_supported(
                &idx.child("operator"),
                other,
                &["Equal", "Exists"],
            )),
        }
        if !effect.is_empty() && !matches!(effect, "NoSchedule" | "PreferNoSchedule" | "NoExecute")
        {
            errs.push(FieldError::not_supported(
                &idx.child("effect"),
                effect,
                &["NoSchedule", "PreferNoSchedule", "NoExecute"],
            ));
        }
    }
    errs
}

/// Validation of a pod update: the new pod must be valid, and only a few
/// fields of its spec may change.
// k8s: pkg/apis/core/validation/validation.go (ValidatePodUpdate)
pub fn validate_pod_update(new: &Pod, old: &Pod) -> ErrorList {
    let mut errs = validate_pod(new);
    let spec_path = Path::new("spec");
    let (Some(new_spec), Some(old_spec)) = (new.spec.as_ref(), old.spec.as_ref()) else {
        return errs;
    };
    for (new_ctrs, old_ctrs, name) in [
        (
            new_spec.containers.as_slice(),
            old_spec.containers.as_slice(),
            "containers",
        ),
        (
            new_spec.init_containers.as_deref().unwrap_or_default(),
            old_spec.init_containers.as_deref().unwrap_or_default(),
            "initContainers",
        ),
    ] {
        let p = spec_path.child(name);
        if new_ctrs.len() != old_ctrs.len() {
            errs.push(FieldError::forbidden(
                &p,
                "pod updates may not add or remove containers",
            ));
            return errs;
        }
        errs.append(validate_containers_only_for_pod(new_ctrs, &p));
    }
    if let Some(old_deadline) = old_spec.active_deadline_seconds {
        let p = spec_path.child("activeDeadlineSeconds");
        match new_spec.active_deadline_seconds {
            None => errs.push(FieldError::invalid(
                &p,
                BadValue::Null,
                "must not update from a positive integer to nil value",
            )),
            Some(new_deadline) if new_deadline > old_deadline => errs.push(FieldError::invalid(
                &p,
                new_deadline,
                "must be less than or equal to previous value",
            )),
            Some(_) => {}
        }
    }
    errs.append(only_added_tolerations(
        new_spec.tolerations.as_deref().unwrap_or_default(),
        old_spec.tolerations.as_deref().unwrap_or_default(),
        &spec_path.child("tolerations"),
    ));
    let old_gates: BTreeSet<&str> = old_spec
        .scheduling_gates
        .iter()
        .flatten()
        .map(|g| g.name.as_str())
        .collect();
    for (i, gate) in new_spec.scheduling_gates.iter().flatten().enumerate() {
        if !old_gates.contains(gate.name.as_str()) {
            errs.push(FieldError::forbidden(
                &spec_path.child("schedulingGates").index(i),
                format!(
                    "only deletion is allowed, but found new scheduling gate '{}'",
                    gate.name
                ),
            ));
        }
    }

    // Everything else must be unchanged: copy the mutable fields over and compare.
    let mut munged = new_spec.clone();
    for (ctr, old_ctr) in munged.containers.iter_mut().zip(&old_spec.containers) {
        ctr.image.clone_from(&old_ctr.image);
    }
    for (ctr, old_ctr) in munged
        .init_containers
        .iter_mut()
        .flatten()
        .zip(old_spec.init_containers.iter().flatten())
    {
        ctr.image.clone_from(&old_ctr.image);
    }
    munged.active_deadline_seconds = old_spec.active_deadline_seconds;
    munged.tolerations.clone_from(&old_spec.tolerations);
    munged
        .scheduling_gates
        .clone_from(&old_spec.scheduling_gates);
    if old_spec
        .termination_grace_period_seconds
        .is_some_and(|g| g < 0)
        && munged.termination_grace_period_seconds == Some(1)
    {
        munged.termination_grace_period_seconds = old_spec.termination_grace_period_seconds;
    }
    if &munged != old_spec {
        errs.push(FieldError::forbidden(
            &spec_path,
            format!("{UPDATE_FORBIDDEN}\n{}", spec_diff(old_spec, &munged)),
        ));
    }
    errs
}

/// A short diff of the top-level spec fields that differ, in the spirit of
/// the `cmp.Diff` output upstream appends.
fn spec_diff(old: &PodSpec, new: &PodSpec) -> String {
    let to_map = |spec: &PodSpec| match serde_json::to_value(spec) {
        Ok(Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    };
    let (old, new) = (to_map(old), to_map(new));
    let keys: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    let mut out = String::from("  core.PodSpec{\n");
    for key in keys {
        let (a, b) = (old.get(key), new.get(key));
        if a == b {
            continue;
        }
        if let Some(a) = a {
            out.push_str(&format!("- \t{key}: {a},\n"));
        }
        if let Some(b) = b {
            out.push_str(&format!("+ \t{key}: {b},\n"));
        }
    }
    out.push_str("  }\n");
    out
}

// k8s: pkg/apis/core/validation/validation.go (validateOnlyAddedTolerations)
fn only_added_tolerations(new: &[Toleration], old: &[Toleration], path: &Path) -> ErrorList {
    for old_t in old {
        let kept = new.iter().any(|new_t| {
            let mut probe = old_t.clone();
            probe.toleration_seconds = new_t.toleration_seconds;
            &probe == new_t
        });
        if !kept {
            return FieldError::forbidden(
                path,
                "existing toleration can not be modified except its tolerationSeconds",
            )
            .into();
        }
    }
    ErrorList::new()
}
