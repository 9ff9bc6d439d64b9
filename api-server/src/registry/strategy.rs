//! [`Strategy`]: what makes one resource different from another.
//!
//! Counterpart of upstream's `RESTCreateStrategy`, `RESTUpdateStrategy` and
//! `RESTDeleteStrategy` (k8s.io/apiserver `pkg/registry/rest/*.go`) plus the
//! scheme defaulting functions (`SetDefaults_*`) of each API group.

use apimachinery::validation::ErrorList;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::{Metadata, Resource};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::ResourceInfo;
use super::meta::NameRule;
use crate::status::Result;
use crate::storage::cacher::{Attrs, WatchCache};

/// What a served object is: a typed Kubernetes object with standard
/// metadata that the store can decode, encode, compare and describe.
pub trait ApiObject:
    Resource
    + Metadata<Ty = ObjectMeta>
    + Serialize
    + DeserializeOwned
    + Clone
    + PartialEq
    + schemars::JsonSchema
    + Send
    + Sync
    + 'static
{
}

impl<T> ApiObject for T where
    T: Resource
        + Metadata<Ty = ObjectMeta>
        + Serialize
        + DeserializeOwned
        + Clone
        + PartialEq
        + schemars::JsonSchema
        + Send
        + Sync
        + 'static
{
}

/// The per-resource behaviour the generic store calls into.
pub trait Strategy: Send + Sync + 'static {
    type Object: ApiObject;

    /// The resource's static facts.
    fn info(&self) -> &'static ResourceInfo;

    /// Fills defaults into an object decoded from a request, as the scheme's
    /// defaulters do upstream on every decode.
    fn apply_defaults(&self, _object: &mut Self::Object) {}

    /// Whether `metadata.generation` counts changes of the spec.
    fn tracks_generation(&self) -> bool {
        false
    }

    /// Clears what a client may not set on create.
    fn prepare_for_create(&self, _object: &mut Self::Object) {}

    /// Admission of a new object against the rest of the cluster, after
    /// defaulting and before validation (what upstream's admission plugins,
    /// such as Priority, do).
    fn admit_create(&self, _object: &mut Self::Object, _cluster: &Cluster<'_>) -> Result<()> {
        Ok(())
    }

    /// Whether a create keeps the status the client sent (a node registers
    /// with its capacity); otherwise the status of a resource with a status
    /// subresource is the system's to fill.
    fn keeps_status_on_create(&self) -> bool {
        false
    }

    /// Validation of a new object, beyond the generic metadata checks.
    fn validate(&self, _object: &Self::Object) -> ErrorList {
        ErrorList::default()
    }

    /// Carries over what a client may not change on update.
    fn prepare_for_update(&self, _new: &mut Self::Object, _old: &Self::Object) {}

    /// Validation of an update, beyond the generic metadata checks.
    fn validate_update(&self, new: &Self::Object, _old: &Self::Object) -> ErrorList {
        self.validate(new)
    }

    /// Validation of an update of the `status` subresource, beyond the
    /// generic metadata checks; upstream's status strategies look at the
    /// status alone.
    fn validate_status_update(&self, new: &Self::Object, old: &Self::Object) -> ErrorList {
        self.validate_update(new, old)
    }

    /// Fields a field selector may use, besides `metadata.name` and
    /// `metadata.namespace`, with their values. Must return every field for
    /// any object (absent values as empty strings): [`Strategy::field_names`]
    /// derives the supported names from it.
    fn selectable_fields(&self, _object: &Value) -> Vec<(&'static str, String)> {
        Vec::new()
    }

    /// Every field name a field selector may use on this resource.
    fn field_names(&self) -> Vec<&'static str> {
        attrs(self, &Value::Null)
            .fields
            .into_iter()
            .map(|(name, _)| name)
            .collect()
    }

    /// The rule names of this resource follow.
    fn name_rule(&self) -> NameRule {
        NameRule::Subdomain
    }

    /// The grace period of a delete: `None` deletes at once; `Some(seconds)`
    /// marks the object for deletion and leaves its removal to whoever
    /// watches it (the node agent for pods).
    fn grace_period(&self, _object: &Self::Object, _requested: Option<i64>) -> Option<i64> {
        None
    }

    /// Marks an object whose deletion starts (a namespace turns Terminating).
    fn prepare_for_delete(&self, _object: &mut Self::Object) {}

    /// Whether something other than `metadata.finalizers` still holds a
    /// deleted object (a namespace's `spec.finalizers`).
    fn deletion_blocked(&self, _object: &Self::Object) -> bool {
        false
    }

    /// Whether PUT may create a missing object.
    fn allow_create_on_update(&self) -> bool {
        false
    }

    /// Whether PUT without a resourceVersion overwrites whatever is stored.
    fn allow_unconditional_update(&self) -> bool {
        true
    }
}

/// What admission may read of other objects: the watch cache as it is
/// now, as upstream's admission plugins read their listers.
pub struct Cluster<'a> {
    pub(super) cache: &'a WatchCache,
}

impl Cluster<'_> {
    /// The object `name` of resource `info`, if it exists.
    pub fn get(&self, info: &ResourceInfo, namespace: Option<&str>, name: &str) -> Option<Value> {
        let object = self.cache.get(&info.key(namespace, name))?;
        serde_json::from_slice(&object.json).ok()
    }

    /// Every object of resource `info`.
    pub fn all(&self, info: &ResourceInfo) -> Vec<Value> {
        self.cache
            .current(&info.key_prefix())
            .iter()
            .filter_map(|object| serde_json::from_slice(&object.json).ok())
            .collect()
    }
}

/// The attributes every object has: labels plus name and namespace, followed
/// by the strategy's own selectable fields.
pub fn attrs<S: Strategy + ?Sized>(strategy: &S, object: &Value) -> Attrs {
    let metadata = &object["metadata"];
    let labels = metadata["labels"]
        .as_object()
        .map(|labels| {
            labels
                .iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                .collect()
        })
        .unwrap_or_default();
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    let mut fields = vec![
        ("metadata.name", text(&metadata["name"])),
        ("metadata.namespace", text(&metadata["namespace"])),
    ];
    fields.extend(strategy.selectable_fields(object));
    Attrs { labels, fields }
}
