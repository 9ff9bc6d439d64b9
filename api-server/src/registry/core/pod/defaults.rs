//! Pod defaulting: what the v1 scheme defaulters fill in on every decode,
//! plus what the admission plugins that always run add on create.
//!
//! Counterparts: k8s `pkg/apis/core/v1/defaults.go` (`SetDefaults_*`),
//! `plugin/pkg/admission/defaulttolerationseconds`, `plugin/pkg/admission/priority`
//! and `plugin/pkg/admission/serviceaccount`.

use k8s_openapi::api::core::v1::{
    Container, EnvVar, HTTPGetAction, LifecycleHandler, Pod, PodSecurityContext, PodSpec, Probe,
    ResourceRequirements, Toleration, Volume,
};

/// Seconds a pod tolerates a not-ready or unreachable node before eviction.
const DEFAULT_TOLERATION_SECONDS: i64 = 300;

/// Mode of files projected from secrets, config maps and the downward API (0644).
const DEFAULT_FILE_MODE: i32 = 0o644;

/// Defaults of a whole pod.
// k8s: pkg/apis/core/v1/defaults.go (SetDefaults_Pod)
pub fn default_pod(pod: &mut Pod) {
    let spec = pod.spec.get_or_insert_with(PodSpec::default);
    default_pod_spec(spec);
    // Only pods get these, never the pod templates of workloads.
    spec.enable_service_links.get_or_insert(true);
    let host_network = spec.host_network == Some(true);
    for container in spec
        .containers
        .iter_mut()
        .chain(spec.init_containers.iter_mut().flatten())
    {
        requests_from_limits(container);
        if host_network {
            // k8s: pkg/apis/core/v1/defaults.go (defaultHostNetworkPorts)
            for port in container.ports.iter_mut().flatten() {
                if port.host_port.unwrap_or(0) == 0 {
                    port.host_port = Some(port.container_port);
                }
            }
        }
    }
}

/// Defaults of a pod spec, also used for the `spec.template.spec` of
/// workload resources.
// k8s: pkg/apis/core/v1/defaults.go (SetDefaults_PodSpec)
pub fn default_pod_spec(spec: &mut PodSpec) {
    set_if_empty(&mut spec.dns_policy, "ClusterFirst");
    set_if_empty(&mut spec.restart_policy, "Always");
    spec.security_context
        .get_or_insert_with(PodSecurityContext::default);
    spec.termination_grace_period_seconds.get_or_insert(30);
    set_if_empty(&mut spec.scheduler_name, "default-scheduler");

    // The v1 conversion fills the deprecated alias from the real field (and
    // the real field from the alias when only that was sent).
    // k8s: pkg/apis/core/v1/conversion.go (Convert_v1_PodSpec_To_core_PodSpec)
    let account = spec
        .service_account_name
        .clone()
        .filter(|s| !s.is_empty())
        .or_else(|| spec.service_account.clone().filter(|s| !s.is_empty()));
    if let Some(account) = account {
        spec.service_account_name = Some(account.clone());
        spec.service_account = Some(account);
    }

    for container in spec.containers.iter_mut() {
        default_container(container);
    }
    for container in spec.init_containers.iter_mut().flatten() {
        default_container(container);
    }
    for container in spec.ephemeral_containers.iter_mut().flatten() {
        set_if_empty(
            &mut container.termination_message_path,
            "/dev/termination-log",
        );
        set_if_empty(&mut container.termination_message_policy, "File");
        if container
            .image_pull_policy
            .as_deref()
            .is_none_or(str::is_empty)
        {
            container.image_pull_policy =
                Some(pull_policy(container.image.as_deref().unwrap_or_default()).into());
        }
    }
    for volume in spec.volumes.iter_mut().flatten() {
        default_volume(volume);
    }
}

/// Defaults of what the admission plugins that always run on pod creation
/// add: the service account and the default tolerations (the priority is
/// [`super::admit_priority`]'s).
pub fn default_pod_spec_on_create(spec: &mut PodSpec) {
    // k8s: plugin/pkg/admission/serviceaccount/admission.go (Admit)
    if spec
        .service_account_name
        .as_deref()
        .is_none_or(str::is_empty)
    {
        spec.service_account_name = Some("default".into());
        spec.service_account = Some("default".into());
    }
    // k8s: plugin/pkg/admission/defaulttolerationseconds/admission.go (Admit)
    let tolerations = spec.tolerations.get_or_insert_with(Vec::new);
    for key in [
        "node.kubernetes.io/not-ready",
        "node.kubernetes.io/unreachable",
    ] {
        let tolerated = tolerations.iter().any(|t| tolerates_no_execute(t, key));
        if !tolerated {
            tolerations.push(Toleration {
                key: Some(key.into()),
                operator: Some("Exists".into()),
                effect: Some("NoExecute".into()),
                toleration_seconds: Some(DEFAULT_TOLERATION_SECONDS),
                value: None,
            });
        }
    }
}

/// Whether `t` already tolerates a `NoExecute` taint with `key`.
fn tolerates_no_execute(t: &Toleration, key: &str) -> bool {
    let effect_ok = t
        .effect
        .as_deref()
        .is_none_or(|e| e.is_empty() || e == "NoExecute");
    let key_ok = match t.key.as_deref() {
        None | Some("") => t.operator.as_deref() == Some("Exists"),
        Some(k) => k == key,
    };
    effect_ok && key_ok
}

// k8s: pkg/apis/core/v1/defaults.go (SetDefaults_Container)
fn default_container(container: &mut Container) {
    if container
        .image_pull_policy
        .as_deref()
        .is_none_or(str::is_empty)
    {
        container.image_pull_policy =
            Some(pull_policy(container.image.as_deref().unwrap_or_default()).into());
    }
    set_if_empty(
        &mut container.termination_message_path,
        "/dev/termination-log",
    );
    set_if_empty(&mut container.termination_message_policy, "File");
    container
        .resources
        .get_or_insert_with(ResourceRequirements::default);
    for port in container.ports.iter_mut().flatten() {
        set_if_empty(&mut port.protocol, "TCP");
    }
    for env in container.env.iter_mut().flatten() {
        default_env(env);
    }
    for probe in [
        &mut container.liveness_probe,
        &mut container.readiness_probe,
        &mut container.startup_probe,
    ]
    .into_iter()
    .flatten()
    {
        default_probe(probe);
    }
    if let Some(lifecycle) = container.lifecycle.as_mut() {
        for handler in [&mut lifecycle.post_start, &mut lifecycle.pre_stop]
            .into_iter()
            .flatten()
        {
            default_lifecycle_handler(handler);
        }
    }
}

/// `Always` for images tagged `latest` or with neither tag nor digest,
/// `IfNotPresent` otherwise.
// k8s: pkg/apis/core/v1/defaults.go (SetDefaults_Container); pkg/util/parsers (ParseImageName)
fn pull_policy(image: &str) -> &'static str {
    if image.is_empty() || image.chars().any(|c| c.is_whitespace()) {
        return "IfNotPresent";
    }
    let (name, digest) = match image.split_once('@') {
        Some((name, digest)) => (name, Some(digest)),
        None => (image, None),
    };
    let last = name.rsplit('/').next().unwrap_or(name);
    let tag = last.split_once(':').map(|(_, tag)| tag);
    match (tag, digest) {
        (Some("latest"), _) | (None, None) => "Always",
        _ => "IfNotPresent",
    }
}

/// Requests default to the limits of the same resource (pods only).
// k8s: pkg/apis/core/v1/defaults.go (SetDefaults_Pod)
fn requests_from_limits(container: &mut Container) {
    let Some(resources) = container.resources.as_mut() else {
        return;
    };
    if let Some(limits) = resources.limits.as_ref().filter(|l| !l.is_empty()) {
        let requests = resources.requests.get_or_insert_with(Default::default);
        for (name, quantity) in limits {
            requests
                .entry(name.clone())
                .or_insert_with(|| quantity.clone());
        }
    }
}

// k8s: pkg/apis/core/v1/defaults.go (SetDefaults_ObjectFieldSelector)
fn default_env(env: &mut EnvVar) {
    if let Some(field_ref) = env
        .value_from
        .as_mut()
        .and_then(|source| source.field_ref.as_mut())
    {
        set_if_empty(&mut field_ref.api_version, "v1");
    }
}

// k8s: pkg/apis/core/v1/defaults.go (SetDefaults_Probe)
fn default_probe(probe: &mut Probe) {
    for (field, default) in [
        (&mut probe.timeout_seconds, 1),
        (&mut probe.period_seconds, 10),
        (&mut probe.success_threshold, 1),
        (&mut probe.failure_threshold, 3),
    ] {
        if field.unwrap_or(0) == 0 {
            *field = Some(default);
        }
    }
    if let Some(http) = probe.http_get.as_mut() {
        default_http_get(http);
    }
}

fn default_lifecycle_handler(handler: &mut LifecycleHandler) {
    if let Some(http) = handler.http_get.as_mut() {
        default_http_get(http);
    }
}

// k8s: pkg/apis/core/v1/defaults.go (SetDefaults_HTTPGetAction)
fn default_http_get(http: &mut HTTPGetAction) {
    set_if_empty(&mut http.path, "/");
    set_if_empty(&mut http.scheme, "HTTP");
}

// k8s: pkg/apis/core/v1/defaults.go (SetDefaults_Volume and the volume source defaulters)
fn default_volume(volume: &mut Volume) {
    let has_source = volume_sources(volume) > 0;
    if !has_source {
        volume.empty_dir = Some(Default::default());
    }
    if let Some(host_path) = volume.host_path.as_mut() {
        host_path.type_.get_or_insert_with(String::new);
    }
    if let Some(secret) = volume.secret.as_mut() {
        secret.default_mode.get_or_insert(DEFAULT_FILE_MODE);
    }
    if let Some(config_map) = volume.config_map.as_mut() {
        config_map.default_mode.get_or_insert(DEFAULT_FILE_MODE);
    }
    if let Some(downward) = volume.downward_api.as_mut() {
        downward.default_mode.get_or_insert(DEFAULT_FILE_MODE);
        for item in downward.items.iter_mut().flatten() {
            if let Some(field_ref) = item.field_ref.as_mut() {
                set_if_empty(&mut field_ref.api_version, "v1");
            }
        }
    }
    if let Some(projected) = volume.projected.as_mut() {
        projected.default_mode.get_or_insert(DEFAULT_FILE_MODE);
        for source in projected.sources.iter_mut().flatten() {
            if let Some(token) = source.service_account_token.as_mut() {
                token.expiration_seconds.get_or_insert(3600);
            }
            if let Some(downward) = source.downward_api.as_mut() {
                for item in downward.items.iter_mut().flatten() {
                    if let Some(field_ref) = item.field_ref.as_mut() {
                        set_if_empty(&mut field_ref.api_version, "v1");
                    }
                }
            }
        }
    }
    if let Some(iscsi) = volume.iscsi.as_mut() {
        set_if_empty(&mut iscsi.iscsi_interface, "default");
    }
    if let Some(rbd) = volume.rbd.as_mut() {
        set_if_empty(&mut rbd.pool, "rbd");
        set_if_empty(&mut rbd.user, "admin");
        set_if_empty(&mut rbd.keyring, "/etc/ceph/keyring");
    }
    if let Some(azure) = volume.azure_disk.as_mut() {
        set_if_empty(&mut azure.caching_mode, "ReadWrite");
        set_if_empty(&mut azure.fs_type, "ext4");
        azure.read_only.get_or_insert(false);
        set_if_empty(&mut azure.kind, "Shared");
    }
    if let Some(scale_io) = volume.scale_io.as_mut() {
        set_if_empty(&mut scale_io.storage_mode, "ThinProvisioned");
        set_if_empty(&mut scale_io.fs_type, "xfs");
    }
}

/// How many volume sources `volume` names.
pub(super) fn volume_sources(v: &Volume) -> usize {
    volume_source_names(v).len()
}

/// The JSON names of the volume sources `v` sets, in upstream's check order.
// k8s: pkg/apis/core/validation/validation.go (validateVolumeSource)
pub(super) fn volume_source_names(v: &Volume) -> Vec<&'static str> {
    let flags = [
        (v.empty_dir.is_some(), "emptyDir"),
        (v.host_path.is_some(), "hostPath"),
        (v.git_repo.is_some(), "gitRepo"),
        (v.gce_persistent_disk.is_some(), "gcePersistentDisk"),
        (v.aws_elastic_block_store.is_some(), "awsElasticBlockStore"),
        (v.secret.is_some(), "secret"),
        (v.nfs.is_some(), "nfs"),
        (v.iscsi.is_some(), "iscsi"),
        (v.glusterfs.is_some(), "glusterfs"),
        (v.flocker.is_some(), "flocker"),
        (v.persistent_volume_claim.is_some(), "persistentVolumeClaim"),
        (v.rbd.is_some(), "rbd"),
        (v.cinder.is_some(), "cinder"),
        (v.cephfs.is_some(), "cephfs"),
        (v.quobyte.is_some(), "quobyte"),
        (v.downward_api.is_some(), "downwardAPI"),
        (v.fc.is_some(), "fc"),
        (v.flex_volume.is_some(), "flexVolume"),
        (v.config_map.is_some(), "configMap"),
        (v.azure_file.is_some(), "azureFile"),
        (v.vsphere_volume.is_some(), "vsphereVolume"),
        (v.photon_persistent_disk.is_some(), "photonPersistentDisk"),
        (v.portworx_volume.is_some(), "portworxVolume"),
        (v.azure_disk.is_some(), "azureDisk"),
        (v.storageos.is_some(), "storageos"),
        (v.projected.is_some(), "projected"),
        (v.scale_io.is_some(), "scaleIO"),
        (v.csi.is_some(), "csi"),
        (v.ephemeral.is_some(), "ephemeral"),
        (v.image.is_some(), "image"),
    ];
    flags
        .into_iter()
        .filter_map(|(set, name)| set.then_some(name))
        .collect()
}

/// Sets a string field that is absent or empty.
pub fn set_if_empty(field: &mut Option<String>, value: &str) {
    if field.as_deref().is_none_or(str::is_empty) {
        *field = Some(value.to_owned());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pull_policy_follows_the_tag() {
        assert_eq!(pull_policy("nginx"), "Always");
        assert_eq!(pull_policy("nginx:latest"), "Always");
        assert_eq!(pull_policy("nginx:1.25.0"), "IfNotPresent");
        assert_eq!(pull_policy("localhost:5000/nginx"), "Always");
        assert_eq!(pull_policy("localhost:5000/nginx:1"), "IfNotPresent");
        assert_eq!(pull_policy("nginx@sha256:abc"), "IfNotPresent");
        assert_eq!(pull_policy(""), "IfNotPresent");
    }

    #[test]
    fn admission_tolerations_are_added_once() {
        let mut spec = PodSpec {
            tolerations: Some(vec![Toleration {
                operator: Some("Exists".into()),
                ..Toleration::default()
            }]),
            ..PodSpec::default()
        };
        default_pod_spec_on_create(&mut spec);
        assert_eq!(spec.tolerations.map(|t| t.len()), Some(1));

        let mut spec = PodSpec::default();
        default_pod_spec_on_create(&mut spec);
        default_pod_spec_on_create(&mut spec);
        let keys: Vec<_> = spec
            .tolerations
            .iter()
            .flatten()
            .filter_map(|t| t.key.clone())
            .collect();
        assert_eq!(
            keys,
            [
                "node.kubernetes.io/not-ready",
                "node.kubernetes.io/unreachable"
            ]
        );
        assert_eq!(spec.service_account.as_deref(), Some("default"));
    }
}
