//! PersistentVolumes and PersistentVolumeClaims. Counterpart of k8s
//! `pkg/registry/core/persistentvolume/strategy.go` and
//! `pkg/registry/core/persistentvolumeclaim/strategy.go`, with defaulting
//! from `pkg/apis/core/v1/defaults.go` and validation from
//! `pkg/apis/core/validation/validation.go` (`ValidatePersistentVolumeSpec`,
//! `ValidatePersistentVolumeUpdate`, `ValidatePersistentVolumeClaimSpec`,
//! `ValidatePersistentVolumeClaimUpdate`).
//!
//! Of the volume sources, hostPath, local, nfs and csi get their own field
//! checks; the others are counted (exactly one source) but not looked into.

use std::collections::BTreeMap;

use apimachinery::selector::labels::{self, LabelSelectorValidationOptions};
use apimachinery::validation::{
    BadValue, ErrorList, FieldError, Path, is_dns1123_subdomain, validate_immutable,
};
use jiff::Timestamp;
use k8s_openapi::api::core::v1::{
    PersistentVolume, PersistentVolumeClaim, PersistentVolumeClaimSpec,
    PersistentVolumeClaimStatus, PersistentVolumeSpec, PersistentVolumeStatus,
    TypedLocalObjectReference, TypedObjectReference,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use serde_json::Value;

use super::resources;
use super::validation::one_of;
use crate::registry::{ResourceInfo, Strategy};
use apimachinery::quantity;

pub static VOLUME_INFO: &ResourceInfo = &ResourceInfo {
    group: "",
    version: "v1",
    resource: "persistentvolumes",
    singular: "persistentvolume",
    kind: "PersistentVolume",
    namespaced: false,
    short_names: &["pv"],
    categories: &[],
    has_status: true,
    has_scale: false,
    printer: &crate::printers::PERSISTENT_VOLUMES,
};

pub static CLAIM_INFO: &ResourceInfo = &ResourceInfo {
    group: "",
    version: "v1",
    resource: "persistentvolumeclaims",
    singular: "persistentvolumeclaim",
    kind: "PersistentVolumeClaim",
    namespaced: true,
    short_names: &["pvc"],
    categories: &[],
    has_status: true,
    has_scale: false,
    printer: &crate::printers::PERSISTENT_VOLUME_CLAIMS,
};

const ACCESS_MODES: &[&str] = &[
    "ReadOnlyMany",
    "ReadWriteMany",
    "ReadWriteOnce",
    "ReadWriteOncePod",
];
const RECLAIM_POLICIES: &[&str] = &["Delete", "Recycle", "Retain"];
const VOLUME_MODES: &[&str] = &["Block", "Filesystem"];
const MORE_THAN_ONE_SOURCE: &str = "may not specify more than 1 volume type";

/// The volume sources of a PV in the order upstream checks them: (field
/// name in JSON, path name in errors).
const VOLUME_SOURCES: &[(&str, &str)] = &[
    ("hostPath", "hostPath"),
    ("gcePersistentDisk", "gcePersistentDisk"),
    ("awsElasticBlockStore", "awsElasticBlockStore"),
    ("glusterfs", "glusterfs"),
    ("flocker", "flocker"),
    ("nfs", "nfs"),
    ("rbd", "rbd"),
    ("quobyte", "quobyte"),
    ("cephfs", "cephFS"),
    ("iscsi", "iscsi"),
    ("cinder", "cinder"),
    ("fc", "fc"),
    ("flexVolume", "flexVolume"),
    ("azureFile", "azureFile"),
    ("vsphereVolume", "vsphereVolume"),
    ("photonPersistentDisk", "photonPersistentDisk"),
    ("portworxVolume", "portworxVolume"),
    ("azureDisk", "azureDisk"),
    ("scaleIO", "scaleIO"),
    ("local", "local"),
    ("storageos", "storageos"),
    ("csi", "csi"),
];

#[derive(Clone, Copy, Default)]
pub struct PersistentVolumeStrategy;

impl Strategy for PersistentVolumeStrategy {
    type Object = PersistentVolume;

    fn info(&self) -> &'static ResourceInfo {
        VOLUME_INFO
    }

    // k8s: pkg/apis/core/v1/defaults.go (SetDefaults_PersistentVolume)
    fn apply_defaults(&self, pv: &mut PersistentVolume) {
        let spec = pv.spec.get_or_insert_with(Default::default);
        spec.persistent_volume_reclaim_policy
            .get_or_insert_with(|| "Retain".into());
        spec.volume_mode.get_or_insert_with(|| "Filesystem".into());
    }

    // k8s: pkg/registry/core/persistentvolume/strategy.go (PrepareForCreate)
    fn prepare_for_create(&self, pv: &mut PersistentVolume) {
        pv.status = Some(PersistentVolumeStatus {
            phase: Some("Pending".into()),
            last_phase_transition_time: Some(Time(Timestamp::now())),
            ..Default::default()
        });
    }

    // k8s: pkg/apis/core/validation/validation.go (ValidatePersistentVolumeSpec)
    fn validate(&self, pv: &PersistentVolume) -> ErrorList {
        let spec = pv.spec.clone().unwrap_or_default();
        let path = Path::new("spec");
        let mut errs = validate_access_modes(
            spec.access_modes.as_deref().unwrap_or_default(),
            &path.child("accessModes"),
            "",
        );
        errs.append(validate_capacity(
            spec.capacity.as_ref(),
            &path.child("capacity"),
        ));
        if let Some(policy) = spec
            .persistent_volume_reclaim_policy
            .as_deref()
            .filter(|p| !p.is_empty())
        {
            errs.append(one_of(
                Some(policy),
                RECLAIM_POLICIES,
                &path.child("persistentVolumeReclaimPolicy"),
            ));
        }
        let affinity_required = match spec.node_affinity.as_ref() {
            None => false,
            Some(affinity) => {
                let p = path.child("nodeAffinity");
                match affinity.required.as_ref() {
                    None => {
                        errs.push(FieldError::required(
                            &p.child("required"),
                            "must specify required node constraints",
                        ));
                        false
                    }
                    Some(selector) => {
                        if selector.node_selector_terms.is_empty() {
                            errs.push(FieldError::required(
                                &p.child("required").child("nodeSelectorTerms"),
                                "must have at least one node selector term",
                            ));
                        }
                        true
                    }
                }
            }
        };
        errs.append(validate_source(&spec, affinity_required, &path));
        if let Some(class) = spec.storage_class_name.as_deref().filter(|c| !c.is_empty()) {
            errs.append(class_name(class, &path.child("storageClassName")));
        }
        if let Some(mode) = spec.volume_mode.as_deref() {
            errs.append(one_of(Some(mode), VOLUME_MODES, &path.child("volumeMode")));
        }
        errs
    }

    // k8s: pkg/apis/core/validation/validation.go (ValidatePersistentVolumeUpdate)
    fn validate_update(&self, new: &PersistentVolume, old: &PersistentVolume) -> ErrorList {
        let mut errs = self.validate(new);
        let (new_spec, old_spec) = (
            new.spec.clone().unwrap_or_default(),
            old.spec.clone().unwrap_or_default(),
        );
        let mut new_source = volume_source(&new_spec);
        let old_source = volume_source(&old_spec);
        // A CSI volume may gain a controllerExpandSecretRef.
        if old_source
            .get("csi")
            .is_none_or(|csi| csi.get("controllerExpandSecretRef").is_none())
            && let Some(csi) = new_source.get_mut("csi").and_then(Value::as_object_mut)
        {
            csi.remove("controllerExpandSecretRef");
        }
        if new_source != old_source {
            errs.push(FieldError::forbidden(
                &Path::new("spec").child("persistentvolumesource"),
                "spec.persistentvolumesource is immutable after creation",
            ));
        }
        errs.append(validate_immutable(
            &new_spec.volume_mode,
            &old_spec.volume_mode,
            || BadValue::from(new_spec.volume_mode.clone()),
            &Path::new("volumeMode"),
        ));
        if old_spec.node_affinity.is_some() && new_spec.node_affinity != old_spec.node_affinity {
            errs.push(FieldError::forbidden(
                &Path::new("nodeAffinity"),
                "field is immutable",
            ));
        }
        errs
    }

    fn selectable_fields(&self, object: &Value) -> Vec<(&'static str, String)> {
        vec![("status.phase", text(&object["status"]["phase"]))]
    }
}

#[derive(Clone, Copy, Default)]
pub struct PersistentVolumeClaimStrategy;

impl Strategy for PersistentVolumeClaimStrategy {
    type Object = PersistentVolumeClaim;

    fn info(&self) -> &'static ResourceInfo {
        CLAIM_INFO
    }

    // k8s: pkg/apis/core/v1/defaults.go (SetDefaults_PersistentVolumeClaimSpec)
    fn apply_defaults(&self, pvc: &mut PersistentVolumeClaim) {
        let spec = pvc.spec.get_or_insert_with(Default::default);
        spec.volume_mode.get_or_insert_with(|| "Filesystem".into());
    }

    /// Upstream clears the status here and its decoder defaults the phase
    /// on every read; the stored claim says Pending at once instead.
    // k8s: pkg/registry/core/persistentvolumeclaim/strategy.go (PrepareForCreate)
    fn prepare_for_create(&self, pvc: &mut PersistentVolumeClaim) {
        pvc.status = Some(PersistentVolumeClaimStatus {
            phase: Some("Pending".into()),
            ..Default::default()
        });
    }

    fn validate(&self, pvc: &PersistentVolumeClaim) -> ErrorList {
        validate_claim_spec(&pvc.spec.clone().unwrap_or_default(), &Path::new("spec"))
    }

    // k8s: pkg/apis/core/validation/validation.go (ValidatePersistentVolumeClaimUpdate)
    fn validate_update(
        &self,
        new: &PersistentVolumeClaim,
        old: &PersistentVolumeClaim,
    ) -> ErrorList {
        let mut errs = self.validate(new);
        let new_spec = new.spec.clone().unwrap_or_default();
        let old_spec = old.spec.clone().unwrap_or_default();
        let (mut new_comparable, mut old_comparable) = (new_spec.clone(), old_spec.clone());
        if old_spec.volume_name.as_deref().is_none_or(str::is_empty) {
            old_comparable.volume_name = new_comparable.volume_name.clone();
        }
        let bound = new.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Bound");
        if bound {
            new_comparable.resources = old_comparable.resources.clone();
            new_comparable.volume_attributes_class_name =
                old_comparable.volume_attributes_class_name.clone();
        }
        if new_comparable != old_comparable {
            errs.push(FieldError::forbidden(
                &Path::new("spec"),
                "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims",
            ));
        }
        let storage = |spec: &PersistentVolumeClaimSpec| {
            storage_request(spec).and_then(|q| quantity::parse(&q.0))
        };
        let status_capacity = old
            .status
            .as_ref()
            .and_then(|s| s.capacity.as_ref())
            .and_then(|c| c.get("storage"))
            .and_then(|q| quantity::parse(&q.0));
        // Shrinking is allowed down to just above the recorded capacity, to
        // recover from a failed expansion.
        if let (Some(new_size), Some(old_size)) = (storage(&new_spec), storage(&old_spec))
            && new_size < old_size
            && status_capacity.is_none_or(|capacity| new_size <= capacity)
        {
            errs.push(FieldError::forbidden(
                &Path::new("spec")
                    .child("resources")
                    .child("requests")
                    .child("storage"),
                "field can not be less than status.capacity",
            ));
        }
        errs.append(validate_immutable(
            &new_spec.volume_mode,
            &old_spec.volume_mode,
            || BadValue::from(new_spec.volume_mode.clone()),
            &Path::new("volumeMode"),
        ));
        errs
    }

    fn selectable_fields(&self, object: &Value) -> Vec<(&'static str, String)> {
        vec![("status.phase", text(&object["status"]["phase"]))]
    }
}

fn text(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_owned()
}

fn storage_request(spec: &PersistentVolumeClaimSpec) -> Option<&Quantity> {
    spec.resources.as_ref()?.requests.as_ref()?.get("storage")
}

/// Access modes: at least one, each known, ReadWriteOncePod alone.
fn validate_access_modes(modes: &[String], path: &Path, required_detail: &str) -> ErrorList {
    let mut errs = ErrorList::new();
    if modes.is_empty() {
        errs.push(FieldError::required(path, required_detail));
    }
    let (mut once_pod, mut others) = (false, false);
    for mode in modes {
        if !ACCESS_MODES.contains(&mode.as_str()) {
            errs.push(FieldError::not_supported(path, mode.as_str(), ACCESS_MODES));
        } else if mode == "ReadWriteOncePod" {
            once_pod = true;
        } else {
            others = true;
        }
    }
    if once_pod && others {
        errs.push(FieldError::forbidden(
            path,
            "may not use ReadWriteOncePod with other access modes",
        ));
    }
    errs
}

/// A PV's capacity: storage, and only storage, above zero.
fn validate_capacity(capacity: Option<&BTreeMap<String, Quantity>>, path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    let empty = BTreeMap::new();
    let capacity = capacity.unwrap_or(&empty);
    if capacity.is_empty() {
        errs.push(FieldError::required(path, ""));
    }
    if !capacity.contains_key("storage") || capacity.len() > 1 {
        let shown = serde_json::to_string(capacity).unwrap_or_default();
        errs.push(FieldError::not_supported(
            path,
            BadValue::Raw(shown),
            &["storage"],
        ));
    }
    for (name, value) in capacity {
        errs.append(positive(&value.0, &path.key(name)));
    }
    errs
}

/// A quantity above zero.
// k8s: pkg/apis/core/validation/validation.go (ValidatePositiveQuantityValue)
fn positive(text: &str, path: &Path) -> ErrorList {
    match quantity::parse(text) {
        None => FieldError::invalid(path, text, quantity::SYNTAX_ERROR).into(),
        Some(amount) if !amount.is_positive() => {
            FieldError::invalid(path, text, "must be greater than zero").into()
        }
        Some(_) => ErrorList::new(),
    }
}

// k8s: pkg/apis/core/validation/validation.go (ValidateClassName)
fn class_name(name: &str, path: &Path) -> ErrorList {
    is_dns1123_subdomain(name)
        .into_iter()
        .map(|msg| FieldError::invalid(path, name, msg))
        .collect()
}

/// The volume-source fields of a PV spec, as JSON.
fn volume_source(spec: &PersistentVolumeSpec) -> serde_json::Map<String, Value> {
    let Ok(Value::Object(mut fields)) = serde_json::to_value(spec) else {
        return serde_json::Map::new();
    };
    fields.retain(|key, _| VOLUME_SOURCES.iter().any(|(field, _)| field == key));
    fields
}

/// Exactly one volume source, with the field checks of the common ones.
fn validate_source(spec: &PersistentVolumeSpec, affinity_required: bool, path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    let source = volume_source(spec);
    let mut count = 0;
    for (field, shown) in VOLUME_SOURCES {
        let Some(value) = source.get(*field) else {
            continue;
        };
        // Upstream counts a flexVolume without the duplicate check.
        if count > 0 && *field != "flexVolume" {
            errs.push(FieldError::forbidden(
                &path.child(shown),
                MORE_THAN_ONE_SOURCE,
            ));
            continue;
        }
        count += 1;
        let p = path.child(shown);
        let missing = |key: &str| value[key].as_str().is_none_or(str::is_empty);
        let required: &[&str] = match *field {
            "hostPath" | "local" => &["path"],
            "nfs" => &["server", "path"],
            "csi" => &["driver", "volumeHandle"],
            _ => &[],
        };
        for key in required.iter().filter(|key| missing(key)) {
            errs.push(FieldError::required(&p.child(key), ""));
        }
        if *field == "nfs" && !missing("path") && !text(&value["path"]).starts_with('/') {
            errs.push(FieldError::invalid(
                &p.child("path"),
                text(&value["path"]),
                "must be an absolute path",
            ));
        }
        if *field == "local" && !affinity_required {
            errs.push(FieldError::required(
                &path.child("nodeAffinity"),
                "Local volume requires node affinity",
            ));
        }
    }
    if count == 0 {
        errs.push(FieldError::required(path, "must specify a volume type"));
    }
    let root_host_path = source.get("hostPath").is_some_and(|h| {
        text(&h["path"]).trim_end_matches('/').is_empty() && !text(&h["path"]).is_empty()
    });
    if root_host_path && spec.persistent_volume_reclaim_policy.as_deref() == Some("Recycle") {
        errs.push(FieldError::forbidden(
            &path.child("persistentVolumeReclaimPolicy"),
            "may not be 'recycle' for a hostPath mount of '/'",
        ));
    }
    errs
}

// k8s: pkg/apis/core/validation/validation.go (ValidatePersistentVolumeClaimSpec)
fn validate_claim_spec(spec: &PersistentVolumeClaimSpec, path: &Path) -> ErrorList {
    let mut errs = validate_access_modes(
        spec.access_modes.as_deref().unwrap_or_default(),
        &path.child("accessModes"),
        "at least 1 access mode is required",
    );
    if let Some(selector) = spec.selector.as_ref() {
        errs.append(labels::LabelSelector::from(selector).validate(
            LabelSelectorValidationOptions::default(),
            &path.child("selector"),
        ));
    }
    // Upstream's path skips `requests` here.
    let storage_path = path.child("resources").key("storage");
    match storage_request(spec) {
        None => errs.push(FieldError::required(&storage_path, "")),
        Some(value) => {
            let positive_errs = positive(&value.0, &storage_path);
            if positive_errs.is_empty() {
                errs.append(resources::validate_value("storage", &value.0, &storage_path).1);
            } else {
                errs.append(positive_errs);
            }
        }
    }
    if let Some(class) = spec.storage_class_name.as_deref().filter(|c| !c.is_empty()) {
        errs.append(class_name(class, &path.child("storageClassName")));
    }
    if let Some(mode) = spec.volume_mode.as_deref() {
        errs.append(one_of(Some(mode), VOLUME_MODES, &path.child("volumeMode")));
    }
    if let Some(source) = spec.data_source.as_ref() {
        errs.append(validate_data_source(
            &DataSource::from_local(source),
            &path.child("dataSource"),
        ));
    }
    if let Some(source_ref) = spec.data_source_ref.as_ref() {
        errs.append(validate_data_source(
            &DataSource::from_typed(source_ref),
            &path.child("dataSourceRef"),
        ));
        let namespaced = source_ref
            .namespace
            .as_deref()
            .is_some_and(|ns| !ns.is_empty());
        if let Some(source) = spec.data_source.as_ref() {
            let shown = BadValue::Raw(path.child("dataSource").as_str().to_owned());
            if namespaced {
                errs.push(FieldError::invalid(
                    path,
                    shown,
                    "may not be specified when dataSourceRef.namespace is specified",
                ));
            } else if DataSource::from_local(source) != DataSource::from_typed(source_ref) {
                errs.push(FieldError::invalid(path, shown, "must match dataSourceRef"));
            }
        }
    }
    errs
}

/// The parts of a `dataSource` or `dataSourceRef` that are checked.
#[derive(PartialEq)]
struct DataSource<'a> {
    api_group: Option<&'a str>,
    kind: &'a str,
    name: &'a str,
}

impl<'a> DataSource<'a> {
    fn from_local(source: &'a TypedLocalObjectReference) -> Self {
        DataSource {
            api_group: source.api_group.as_deref(),
            kind: &source.kind,
            name: &source.name,
        }
    }

    fn from_typed(source: &'a TypedObjectReference) -> Self {
        DataSource {
            api_group: source.api_group.as_deref(),
            kind: &source.kind,
            name: &source.name,
        }
    }
}

// k8s: pkg/apis/core/validation/validation.go (validateDataSource, validateDataSourceRef)
fn validate_data_source(source: &DataSource<'_>, path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    if source.name.is_empty() {
        errs.push(FieldError::required(&path.child("name"), ""));
    }
    if source.kind.is_empty() {
        errs.push(FieldError::required(&path.child("kind"), ""));
    }
    let group = source.api_group.unwrap_or_default();
    if group.is_empty() && source.kind != "PersistentVolumeClaim" {
        errs.push(FieldError::invalid(
            path,
            source.kind,
            "must be 'PersistentVolumeClaim' when referencing the default apiGroup",
        ));
    }
    if !group.is_empty() {
        errs.append(
            is_dns1123_subdomain(group)
                .into_iter()
                .map(|msg| FieldError::invalid(&path.child("apiGroup"), group, msg))
                .collect(),
        );
    }
    errs
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn pv(spec: Value) -> PersistentVolume {
        serde_json::from_value(json!({"metadata": {"name": "pv1"}, "spec": spec})).expect("pv")
    }

    fn pvc(spec: Value) -> PersistentVolumeClaim {
        serde_json::from_value(json!({"metadata": {"name": "data"}, "spec": spec})).expect("pvc")
    }

    #[test]
    fn volumes_need_modes_capacity_and_one_source() {
        let mut volume = pv(json!({}));
        PersistentVolumeStrategy.apply_defaults(&mut volume);
        assert_eq!(
            PersistentVolumeStrategy.validate(&volume).to_string(),
            "[spec.accessModes: Required value, spec.capacity: Required value, \
             spec.capacity: Unsupported value: {}: supported values: \"storage\", \
             spec: Required value: must specify a volume type]"
        );
        let two_sources = pv(json!({
            "accessModes": ["ReadWriteOnce", "ReadWriteOncePod"],
            "capacity": {"storage": "0"},
            "hostPath": {"path": "/data"},
            "nfs": {"server": "nfs.local", "path": "exports"},
            "local": {"path": "/mnt"},
        }));
        assert_eq!(
            PersistentVolumeStrategy.validate(&two_sources).to_string(),
            "[spec.accessModes: Forbidden: may not use ReadWriteOncePod with other access modes, \
             spec.capacity[storage]: Invalid value: \"0\": must be greater than zero, \
             spec.nfs: Forbidden: may not specify more than 1 volume type, \
             spec.local: Forbidden: may not specify more than 1 volume type]"
        );
        let mut good = pv(json!({
            "accessModes": ["ReadWriteOnce"],
            "capacity": {"storage": "1Gi"},
            "hostPath": {"path": "/data"},
        }));
        PersistentVolumeStrategy.apply_defaults(&mut good);
        assert!(PersistentVolumeStrategy.validate(&good).is_empty());
        let mut moved = good.clone();
        if let Some(spec) = moved.spec.as_mut() {
            spec.host_path = serde_json::from_value(json!({"path": "/elsewhere"})).ok();
        }
        assert_eq!(
            PersistentVolumeStrategy
                .validate_update(&moved, &good)
                .to_string(),
            "spec.persistentvolumesource: Forbidden: spec.persistentvolumesource is immutable after creation"
        );
    }

    #[test]
    fn claims_need_storage_and_keep_their_spec() {
        assert_eq!(
            PersistentVolumeClaimStrategy
                .validate(&pvc(json!({})))
                .to_string(),
            "[spec.accessModes: Required value: at least 1 access mode is required, \
             spec.resources[storage]: Required value]"
        );
        let old = pvc(json!({
            "accessModes": ["ReadWriteOnce"],
            "resources": {"requests": {"storage": "1Gi"}},
        }));
        assert!(PersistentVolumeClaimStrategy.validate(&old).is_empty());
        let mut bound_to_volume = old.clone();
        if let Some(spec) = bound_to_volume.spec.as_mut() {
            spec.volume_name = Some("pv1".into());
        }
        assert!(
            PersistentVolumeClaimStrategy
                .validate_update(&bound_to_volume, &old)
                .is_empty()
        );
        let mut other_modes = old.clone();
        if let Some(spec) = other_modes.spec.as_mut() {
            spec.access_modes = Some(vec!["ReadWriteMany".into()]);
        }
        assert_eq!(
            PersistentVolumeClaimStrategy
                .validate_update(&other_modes, &old)
                .to_string(),
            "spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims"
        );
    }
}
