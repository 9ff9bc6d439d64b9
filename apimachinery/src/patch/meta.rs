//! The strategic-merge-patch metadata of every built-in Kubernetes type: which
//! fields merge instead of replace, and by which key list items are matched.
//!
//! Upstream this metadata lives in the `patchStrategy` / `patchMergeKey` Go
//! struct tags of k8s.io/api, k8s.io/apimachinery (metav1), kube-aggregator and
//! apiextensions-apiserver, read by reflection
//! (k8s: staging/src/k8s.io/apimachinery/third_party/forked/golang/json/fields.go,
//! `LookupPatchMetadataForStruct`) and published in the OpenAPI documents as the
//! `x-kubernetes-patch-strategy` / `x-kubernetes-patch-merge-key` extensions.
//! k8s-openapi does not carry those tags, so this module is the single table
//! both the patch engine ([`super::PatchSchema`]) and the OpenAPI publisher use.
//!
//! The table was built from the v0.33 (Kubernetes 1.33) staging repositories by
//! listing every struct field tagged with `patchStrategy` or `patchMergeKey`
//! (`git grep patchStrategy -- '*/types.go'`), for every group-version that
//! k8s-openapi's `v1_33` feature ships (types upstream still declares but no
//! longer serves, such as storage.k8s.io/v1beta1 CSINode or the v1beta1
//! webhook configurations, are left out: no OpenAPI document names them).
//! Keys are OpenAPI definition names:
//! fields of Go structs that are inlined into another definition are listed
//! under the definition that carries them (`EphemeralContainerCommon` fields
//! belong to `io.k8s.api.core.v1.EphemeralContainer`).

use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::OnceLock;

/// How a field is combined with the live value by a strategic merge patch.
///
/// The names follow the tag values upstream; `retainKeys` only changes how
/// clients *generate* patches (they emit a `$retainKeys` directive), the server
/// applies `$retainKeys` wherever it finds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PatchStrategy {
    /// `merge`: lists are merged item by item (by merge key for lists of
    /// objects, as a set for lists of scalars).
    Merge,
    /// `replace`: the patch value replaces the live value wholesale, even for
    /// objects.
    Replace,
    /// `retainKeys`: an object whose keys missing from the patch's
    /// `$retainKeys` list are cleared (union types such as a deployment
    /// strategy).
    RetainKeys,
    /// `merge,retainKeys`: a merged list whose items are union types (volumes).
    MergeRetainKeys,
}

impl PatchStrategy {
    /// The value of the `x-kubernetes-patch-strategy` OpenAPI extension (and of
    /// the upstream `patchStrategy` tag).
    pub fn as_str(self) -> &'static str {
        match self {
            PatchStrategy::Merge => "merge",
            PatchStrategy::Replace => "replace",
            PatchStrategy::RetainKeys => "retainKeys",
            PatchStrategy::MergeRetainKeys => "merge,retainKeys",
        }
    }

    /// Whether list items are merged (rather than the list replaced).
    pub fn merges(self) -> bool {
        matches!(self, PatchStrategy::Merge | PatchStrategy::MergeRetainKeys)
    }

    /// Whether the patch value replaces the live value even for objects.
    pub fn replaces(self) -> bool {
        self == PatchStrategy::Replace
    }

    /// Whether clients are expected to send `$retainKeys` for this field.
    pub fn retains_keys(self) -> bool {
        matches!(
            self,
            PatchStrategy::RetainKeys | PatchStrategy::MergeRetainKeys
        )
    }
}

impl std::fmt::Display for PatchStrategy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Patch metadata of one field: its strategy and, for merged lists of
/// objects, the key identifying an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PatchMeta {
    /// The field's patch strategy.
    pub strategy: PatchStrategy,
    /// The `x-kubernetes-patch-merge-key`, absent for lists of scalars and
    /// for object fields.
    pub merge_key: Option<&'static str>,
}

/// One row of the table: definition name, JSON field name, metadata.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    /// OpenAPI definition name, e.g. `io.k8s.api.core.v1.PodSpec`.
    pub definition: &'static str,
    /// JSON name of the field, e.g. `containers`.
    pub field: &'static str,
    /// Strategy and merge key.
    pub meta: PatchMeta,
}

const fn merge(definition: &'static str, field: &'static str, key: &'static str) -> Entry {
    Entry {
        definition,
        field,
        meta: PatchMeta {
            strategy: PatchStrategy::Merge,
            merge_key: Some(key),
        },
    }
}

const fn merge_set(definition: &'static str, field: &'static str) -> Entry {
    Entry {
        definition,
        field,
        meta: PatchMeta {
            strategy: PatchStrategy::Merge,
            merge_key: None,
        },
    }
}

const fn merge_retain(definition: &'static str, field: &'static str, key: &'static str) -> Entry {
    Entry {
        definition,
        field,
        meta: PatchMeta {
            strategy: PatchStrategy::MergeRetainKeys,
            merge_key: Some(key),
        },
    }
}

const fn other(definition: &'static str, field: &'static str, strategy: PatchStrategy) -> Entry {
    Entry {
        definition,
        field,
        meta: PatchMeta {
            strategy,
            merge_key: None,
        },
    }
}

macro_rules! def {
    ($group:literal, $name:literal) => {
        concat!("io.k8s.api.", $group, ".", $name)
    };
}

macro_rules! core {
    ($name:literal) => {
        concat!("io.k8s.api.core.v1.", $name)
    };
}

const META: &str = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";

/// Every field of the built-in types that carries patch metadata.
static ENTRIES: &[Entry] = &[
    // metav1
    merge(META, "ownerReferences", "uid"),
    merge_set(META, "finalizers"),
    // core/v1: pods and containers
    merge_retain(core!("PodSpec"), "volumes", "name"),
    merge(core!("PodSpec"), "initContainers", "name"),
    merge(core!("PodSpec"), "containers", "name"),
    merge(core!("PodSpec"), "ephemeralContainers", "name"),
    merge(core!("PodSpec"), "imagePullSecrets", "name"),
    merge(core!("PodSpec"), "hostAliases", "ip"),
    merge(core!("PodSpec"), "topologySpreadConstraints", "topologyKey"),
    merge(core!("PodSpec"), "schedulingGates", "name"),
    merge_retain(core!("PodSpec"), "resourceClaims", "name"),
    merge(core!("Container"), "ports", "containerPort"),
    merge(core!("Container"), "env", "name"),
    merge(core!("Container"), "volumeMounts", "mountPath"),
    merge(core!("Container"), "volumeDevices", "devicePath"),
    // EphemeralContainerCommon is inlined into EphemeralContainer.
    merge(core!("EphemeralContainer"), "ports", "containerPort"),
    merge(core!("EphemeralContainer"), "env", "name"),
    merge(core!("EphemeralContainer"), "volumeMounts", "mountPath"),
    merge(core!("EphemeralContainer"), "volumeDevices", "devicePath"),
    merge(core!("ContainerStatus"), "volumeMounts", "mountPath"),
    merge(core!("ContainerStatus"), "allocatedResourcesStatus", "name"),
    merge(core!("PodStatus"), "conditions", "type"),
    merge(core!("PodStatus"), "hostIPs", "ip"),
    merge(core!("PodStatus"), "podIPs", "ip"),
    merge_retain(core!("PodStatus"), "resourceClaimStatuses", "name"),
    // core/v1: everything else
    merge(core!("PersistentVolumeClaimStatus"), "conditions", "type"),
    merge(core!("ReplicationControllerStatus"), "conditions", "type"),
    merge(core!("ServiceSpec"), "ports", "port"),
    merge(core!("ServiceStatus"), "conditions", "type"),
    merge(core!("ServiceAccount"), "secrets", "name"),
    merge_set(core!("NodeSpec"), "podCIDRs"),
    merge(core!("NodeStatus"), "conditions", "type"),
    merge(core!("NodeStatus"), "addresses", "type"),
    merge(core!("NamespaceStatus"), "conditions", "type"),
    merge(core!("ComponentStatus"), "conditions", "type"),
    // admissionregistration
    merge(
        def!("admissionregistration.v1", "ValidatingAdmissionPolicySpec"),
        "matchConditions",
        "name",
    ),
    merge(
        def!("admissionregistration.v1", "ValidatingAdmissionPolicySpec"),
        "variables",
        "name",
    ),
    merge(
        def!("admissionregistration.v1", "ValidatingWebhookConfiguration"),
        "webhooks",
        "name",
    ),
    merge(
        def!("admissionregistration.v1", "MutatingWebhookConfiguration"),
        "webhooks",
        "name",
    ),
    merge(
        def!("admissionregistration.v1", "ValidatingWebhook"),
        "matchConditions",
        "name",
    ),
    merge(
        def!("admissionregistration.v1", "MutatingWebhook"),
        "matchConditions",
        "name",
    ),
    merge(
        def!(
            "admissionregistration.v1beta1",
            "ValidatingAdmissionPolicySpec"
        ),
        "matchConditions",
        "name",
    ),
    merge(
        def!(
            "admissionregistration.v1beta1",
            "ValidatingAdmissionPolicySpec"
        ),
        "variables",
        "name",
    ),
    merge(
        def!(
            "admissionregistration.v1alpha1",
            "MutatingAdmissionPolicySpec"
        ),
        "matchConditions",
        "name",
    ),
    // apps/v1
    other(
        def!("apps.v1", "DeploymentSpec"),
        "strategy",
        PatchStrategy::RetainKeys,
    ),
    merge(def!("apps.v1", "DeploymentStatus"), "conditions", "type"),
    merge(def!("apps.v1", "StatefulSetStatus"), "conditions", "type"),
    merge(def!("apps.v1", "DaemonSetStatus"), "conditions", "type"),
    merge(def!("apps.v1", "ReplicaSetStatus"), "conditions", "type"),
    // autoscaling/v2, batch/v1
    merge(
        def!("autoscaling.v2", "HorizontalPodAutoscalerStatus"),
        "conditions",
        "type",
    ),
    merge(def!("batch.v1", "JobStatus"), "conditions", "type"),
    // flowcontrol/v1
    merge(
        def!("flowcontrol.v1", "FlowSchemaStatus"),
        "conditions",
        "type",
    ),
    merge(
        def!("flowcontrol.v1", "PriorityLevelConfigurationStatus"),
        "conditions",
        "type",
    ),
    // networking
    merge(
        def!("networking.v1", "ServiceCIDRStatus"),
        "conditions",
        "type",
    ),
    merge(
        def!("networking.v1beta1", "ServiceCIDRStatus"),
        "conditions",
        "type",
    ),
    // policy/v1
    other(
        def!("policy.v1", "PodDisruptionBudgetSpec"),
        "selector",
        PatchStrategy::Replace,
    ),
    merge(
        def!("policy.v1", "PodDisruptionBudgetStatus"),
        "conditions",
        "type",
    ),
    // resource.k8s.io
    merge(
        def!("resource.v1alpha3", "ResourceClaimStatus"),
        "reservedFor",
        "uid",
    ),
    merge(
        def!("resource.v1beta1", "ResourceClaimStatus"),
        "reservedFor",
        "uid",
    ),
    merge(
        def!("resource.v1beta2", "ResourceClaimStatus"),
        "reservedFor",
        "uid",
    ),
    // storage
    merge(def!("storage.v1", "CSINodeSpec"), "drivers", "name"),
    // storagemigration
    merge(
        def!("storagemigration.v1alpha1", "StorageVersionMigrationStatus"),
        "conditions",
        "type",
    ),
    // kube-aggregator
    merge(
        "io.k8s.kube-aggregator.pkg.apis.apiregistration.v1.APIServiceStatus",
        "conditions",
        "type",
    ),
];

fn index() -> &'static HashMap<(&'static str, &'static str), PatchMeta> {
    static INDEX: OnceLock<HashMap<(&'static str, &'static str), PatchMeta>> = OnceLock::new();
    INDEX.get_or_init(|| {
        ENTRIES
            .iter()
            .map(|e| ((e.definition, e.field), e.meta))
            .collect()
    })
}

/// The patch metadata of field `field` of OpenAPI definition `definition`, or
/// `None` when the field has none (it is then replaced as a whole when it is a
/// list, and merged key by key when it is an object).
pub fn lookup(definition: &str, field: &str) -> Option<PatchMeta> {
    index().get(&(definition, field)).copied()
}

/// Every row of the table, for publishing the OpenAPI extensions.
pub fn entries() -> &'static [Entry] {
    ENTRIES
}

/// The `(x-kubernetes-patch-strategy, x-kubernetes-patch-merge-key)` extension
/// values of a field, as the OpenAPI documents carry them.
pub fn openapi_extensions(
    definition: &str,
    field: &str,
) -> Option<(&'static str, Option<&'static str>)> {
    lookup(definition, field).map(|m| (m.strategy.as_str(), m.merge_key))
}

/// Name of the OpenAPI extension carrying a field's patch strategy.
pub const PATCH_STRATEGY_EXTENSION: &str = "x-kubernetes-patch-strategy";

/// Name of the OpenAPI extension carrying a list field's merge key.
pub const PATCH_MERGE_KEY_EXTENSION: &str = "x-kubernetes-patch-merge-key";

/// Adds the `x-kubernetes-patch-strategy` / `x-kubernetes-patch-merge-key`
/// extensions to every property of `definitions` (OpenAPI definitions keyed
/// by name, e.g. schemars `$defs` or `components.schemas`) the table knows,
/// as upstream's published documents carry them. Returns how many
/// properties were annotated.
pub fn annotate_definitions(definitions: &mut Map<String, Value>) -> usize {
    let mut annotated = 0;
    for entry in ENTRIES {
        let Some(property) = definitions
            .get_mut(entry.definition)
            .and_then(|d| d.get_mut("properties"))
            .and_then(|p| p.get_mut(entry.field))
            .and_then(Value::as_object_mut)
        else {
            continue;
        };
        property.insert(
            PATCH_STRATEGY_EXTENSION.to_owned(),
            Value::from(entry.meta.strategy.as_str()),
        );
        if let Some(key) = entry.meta.merge_key {
            property.insert(PATCH_MERGE_KEY_EXTENSION.to_owned(), Value::from(key));
        }
        annotated += 1;
    }
    annotated
}

#[cfg(test)]
mod tests {
    use super::*;
    use schemars::{JsonSchema, SchemaGenerator};
    use serde_json::Value;

    #[test]
    fn lookup_known_fields() {
        let c = lookup("io.k8s.api.core.v1.PodSpec", "containers").expect("containers");
        assert_eq!(c.strategy, PatchStrategy::Merge);
        assert_eq!(c.merge_key, Some("name"));
        let v = lookup("io.k8s.api.core.v1.PodSpec", "volumes").expect("volumes");
        assert_eq!(v.strategy.as_str(), "merge,retainKeys");
        assert!(v.strategy.merges() && v.strategy.retains_keys());
        assert_eq!(
            lookup("io.k8s.api.core.v1.Container", "ports").and_then(|m| m.merge_key),
            Some("containerPort")
        );
        assert_eq!(
            lookup("io.k8s.api.core.v1.ServiceSpec", "ports").and_then(|m| m.merge_key),
            Some("port")
        );
        assert_eq!(
            openapi_extensions(
                "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta",
                "finalizers"
            ),
            Some(("merge", None))
        );
        assert_eq!(
            lookup("io.k8s.api.apps.v1.DeploymentSpec", "strategy").map(|m| m.strategy),
            Some(PatchStrategy::RetainKeys)
        );
        assert_eq!(
            lookup("io.k8s.api.policy.v1.PodDisruptionBudgetSpec", "selector")
                .map(|m| m.strategy.replaces()),
            Some(true)
        );
        // No metadata: replaced wholesale.
        assert_eq!(lookup("io.k8s.api.core.v1.PodSpec", "tolerations"), None);
        assert_eq!(lookup("io.k8s.api.core.v1.NodeSpec", "taints"), None);
        assert_eq!(lookup("io.k8s.api.core.v1.Container", "args"), None);
    }

    #[test]
    fn annotates_openapi_definitions() {
        let mut g = SchemaGenerator::default();
        defs_of::<k8s_openapi::api::core::v1::Pod>(&mut g);
        let mut defs = g.take_definitions(false);
        assert!(annotate_definitions(&mut defs) >= 20);
        let containers = defs
            .get("io.k8s.api.core.v1.PodSpec")
            .and_then(|d| d.pointer("/properties/containers"))
            .cloned()
            .unwrap_or_default();
        assert_eq!(containers[PATCH_STRATEGY_EXTENSION], "merge");
        assert_eq!(containers[PATCH_MERGE_KEY_EXTENSION], "name");
        let volumes = defs
            .get("io.k8s.api.core.v1.PodSpec")
            .and_then(|d| d.pointer("/properties/volumes"))
            .cloned()
            .unwrap_or_default();
        assert_eq!(volumes[PATCH_STRATEGY_EXTENSION], "merge,retainKeys");
        let finalizers = defs
            .get("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta")
            .and_then(|d| d.pointer("/properties/finalizers"))
            .cloned()
            .unwrap_or_default();
        assert_eq!(finalizers[PATCH_STRATEGY_EXTENSION], "merge");
        assert!(finalizers.get(PATCH_MERGE_KEY_EXTENSION).is_none());
        let tolerations = defs
            .get("io.k8s.api.core.v1.PodSpec")
            .and_then(|d| d.pointer("/properties/tolerations"))
            .cloned()
            .unwrap_or_default();
        assert!(tolerations.get(PATCH_STRATEGY_EXTENSION).is_none());
    }

    #[test]
    fn table_has_no_duplicates() {
        assert_eq!(index().len(), ENTRIES.len());
    }

    fn defs_of<T: JsonSchema>(generator: &mut SchemaGenerator) {
        let _ = generator.subschema_for::<T>();
    }

    /// Every row must name a real definition of k8s-openapi and a real field
    /// of it, of the shape its strategy implies.
    #[test]
    fn every_entry_matches_k8s_openapi() {
        use k8s_openapi::api as a;
        use k8s_openapi::apimachinery::pkg::apis::meta::v1 as metav1;
        use k8s_openapi::kube_aggregator::pkg::apis::apiregistration::v1 as apireg;
        let mut g = SchemaGenerator::default();
        defs_of::<metav1::ObjectMeta>(&mut g);
        defs_of::<a::core::v1::Pod>(&mut g);
        defs_of::<a::core::v1::EphemeralContainer>(&mut g);
        defs_of::<a::core::v1::PersistentVolumeClaim>(&mut g);
        defs_of::<a::core::v1::ReplicationController>(&mut g);
        defs_of::<a::core::v1::Service>(&mut g);
        defs_of::<a::core::v1::ServiceAccount>(&mut g);
        defs_of::<a::core::v1::Node>(&mut g);
        defs_of::<a::core::v1::Namespace>(&mut g);
        defs_of::<a::core::v1::ComponentStatus>(&mut g);
        defs_of::<a::admissionregistration::v1::ValidatingAdmissionPolicy>(&mut g);
        defs_of::<a::admissionregistration::v1::ValidatingWebhookConfiguration>(&mut g);
        defs_of::<a::admissionregistration::v1::MutatingWebhookConfiguration>(&mut g);
        defs_of::<a::admissionregistration::v1beta1::ValidatingAdmissionPolicy>(&mut g);
        defs_of::<a::admissionregistration::v1alpha1::MutatingAdmissionPolicy>(&mut g);
        defs_of::<a::apps::v1::Deployment>(&mut g);
        defs_of::<a::apps::v1::StatefulSet>(&mut g);
        defs_of::<a::apps::v1::DaemonSet>(&mut g);
        defs_of::<a::apps::v1::ReplicaSet>(&mut g);
        defs_of::<a::autoscaling::v2::HorizontalPodAutoscaler>(&mut g);
        defs_of::<a::batch::v1::Job>(&mut g);
        defs_of::<a::flowcontrol::v1::FlowSchema>(&mut g);
        defs_of::<a::flowcontrol::v1::PriorityLevelConfiguration>(&mut g);
        defs_of::<a::networking::v1::ServiceCIDR>(&mut g);
        defs_of::<a::networking::v1beta1::ServiceCIDR>(&mut g);
        defs_of::<a::policy::v1::PodDisruptionBudget>(&mut g);
        defs_of::<a::resource::v1alpha3::ResourceClaim>(&mut g);
        defs_of::<a::resource::v1beta1::ResourceClaim>(&mut g);
        defs_of::<a::resource::v1beta2::ResourceClaim>(&mut g);
        defs_of::<a::storage::v1::CSINode>(&mut g);
        defs_of::<a::storagemigration::v1alpha1::StorageVersionMigration>(&mut g);
        defs_of::<apireg::APIService>(&mut g);
        let defs = g.definitions();
        for e in ENTRIES {
            let def = defs
                .get(e.definition)
                .unwrap_or_else(|| panic!("definition {} not generated", e.definition));
            let field = def
                .pointer(&format!("/properties/{}", e.field))
                .unwrap_or_else(|| panic!("{} has no field {}", e.definition, e.field));
            let is_array = field.get("type") == Some(&Value::from("array"));
            match e.meta.strategy {
                PatchStrategy::Merge | PatchStrategy::MergeRetainKeys => {
                    assert!(is_array, "{}.{} should be a list", e.definition, e.field)
                }
                PatchStrategy::Replace | PatchStrategy::RetainKeys => {
                    assert!(
                        !is_array,
                        "{}.{} should be an object",
                        e.definition, e.field
                    )
                }
            }
            if let Some(key) = e.meta.merge_key {
                // The merge key must be a property of the item definition.
                let item_ref = field
                    .pointer("/items/$ref")
                    .and_then(Value::as_str)
                    .unwrap_or_else(|| panic!("{}.{} items have no $ref", e.definition, e.field));
                let item_def = item_ref.trim_start_matches("#/$defs/");
                let item = defs
                    .get(item_def)
                    .unwrap_or_else(|| panic!("item definition {item_def} missing"));
                assert!(
                    item.pointer(&format!("/properties/{key}")).is_some(),
                    "{item_def} lacks merge key {key}"
                );
            }
        }
    }
}
