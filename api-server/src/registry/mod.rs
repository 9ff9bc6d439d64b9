//! The registry: every served resource, each a generic [`store::Store`]
//! driven by its [`Strategy`].
//!
//! Counterpart of k8s.io/apiserver `pkg/registry/rest` (the verbs a resource
//! offers) and `pkg/registry/generic/registry/store.go` (their one generic
//! implementation); per-resource strategies live beside it as upstream's
//! `pkg/registry/<group>/<resource>/strategy.go` do.

pub mod apps;
pub mod batch;
pub mod conditions;
pub mod coordination;
pub mod core;
pub mod decode;
pub mod discovery;
pub mod events;
pub mod meta;
pub mod policy;
pub mod rbac;
pub mod scheduling;
pub mod store;
pub mod strategy;
pub mod workload;

use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, Role, RoleBinding};
use serde_json::Value;

use crate::status::{Qualified, Result};
use crate::storage::Storage;
use crate::storage::cacher::{AttrsFn, Delivery, ListResult, WatchCache};
pub use strategy::Strategy;

/// Static facts about one resource, used for routing, storage keys,
/// discovery and messages.
#[derive(Debug)]
pub struct ResourceInfo {
    /// API group, empty for the core group.
    pub group: &'static str,
    pub version: &'static str,
    /// Plural resource name used in URLs (`pods`).
    pub resource: &'static str,
    pub singular: &'static str,
    pub kind: &'static str,
    pub namespaced: bool,
    pub short_names: &'static [&'static str],
    pub categories: &'static [&'static str],
    /// Whether a `status` subresource exists: then updates of the main
    /// resource keep the stored status and status updates keep the rest.
    pub has_status: bool,
    /// Whether a `scale` subresource exists.
    pub has_scale: bool,
    /// The columns `kubectl get` shows.
    pub printer: &'static crate::printers::Printer,
}

/// A subresource: the one list request routing, discovery and the OpenAPI
/// documents read is [`ResourceInfo::subresources`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subresource {
    Binding,
    Eviction,
    Log,
    Scale,
    Status,
}

impl Subresource {
    /// Its path segment, e.g. `scale`.
    pub fn name(self) -> &'static str {
        match self {
            Subresource::Binding => "binding",
            Subresource::Eviction => "eviction",
            Subresource::Log => "log",
            Subresource::Scale => "scale",
            Subresource::Status => "status",
        }
    }
}

impl ResourceInfo {
    /// The subresources this resource serves, in discovery's order.
    pub fn subresources(&self) -> Vec<Subresource> {
        let mut found = Vec::new();
        if self.group.is_empty() && self.resource == "pods" {
            found.extend([
                Subresource::Binding,
                Subresource::Eviction,
                Subresource::Log,
            ]);
        }
        if self.has_scale {
            found.push(Subresource::Scale);
        }
        if self.has_status {
            found.push(Subresource::Status);
        }
        found
    }

    /// The subresource named `name`, when this resource serves it.
    pub fn subresource(&self, name: &str) -> Option<Subresource> {
        self.subresources().into_iter().find(|s| s.name() == name)
    }

    /// `v1` or `apps/v1`.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_owned()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// The storage prefix of every object of this resource.
    pub fn key_prefix(&self) -> String {
        let group = if self.group.is_empty() {
            "core"
        } else {
            self.group
        };
        format!("/registry/{group}/{}/", self.resource)
    }

    /// The storage prefix of a list: the resource, or one of its namespaces.
    pub fn scope(&self, namespace: Option<&str>) -> String {
        match namespace.filter(|_| self.namespaced) {
            Some(ns) => format!("{}{ns}/", self.key_prefix()),
            None => self.key_prefix(),
        }
    }

    /// The storage key of one object.
    pub fn key(&self, namespace: Option<&str>, name: &str) -> String {
        format!("{}{name}", self.scope(namespace))
    }

    pub fn qualified(&self) -> Qualified<'static> {
        Qualified {
            resource: self.resource,
            group: self.group,
        }
    }
}

/// How unknown or duplicate fields in a request body are treated
/// (`fieldValidation`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FieldValidation {
    Ignore,
    #[default]
    Warn,
    Strict,
}

/// Options shared by create, update and patch.
#[derive(Clone, Debug, Default)]
pub struct WriteOptions {
    pub dry_run: bool,
    /// Who writes, for managedFields: `fieldManager`, else the client's
    /// user agent up to its first `/`.
    pub field_manager: String,
    pub field_validation: FieldValidation,
    /// `force`: an apply takes over the fields other managers own.
    pub force: bool,
    /// The subresource a write of the whole object comes through (`scale`),
    /// as its managedFields entry names it; empty for the object itself.
    pub via: &'static str,
}

/// Which part of an object a write addresses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    Main,
    Status,
}

/// `propagationPolicy` of a delete.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Propagation {
    Orphan,
    Background,
    Foreground,
}

/// `metav1.DeleteOptions` as the store uses them.
#[derive(Clone, Debug, Default)]
pub struct DeleteOptions {
    pub grace_period_seconds: Option<i64>,
    pub precondition_uid: Option<String>,
    pub precondition_resource_version: Option<String>,
    pub propagation: Option<Propagation>,
    pub dry_run: bool,
}

/// The result of a write: the object as stored (or as it would be, for a
/// dry run) and warnings for the `Warning` header.
#[derive(Debug)]
pub struct Written {
    pub object: Bytes,
    pub created: bool,
    pub warnings: Vec<String>,
}

/// The result of a delete.
#[derive(Debug)]
pub struct Deleted {
    /// The object: gone when `finished`, otherwise marked for deletion.
    pub object: Bytes,
    pub finished: bool,
}

/// A LIST or WATCH request after parsing.
#[derive(Clone, Debug, Default)]
pub struct ListOptions {
    pub label_selector: Option<String>,
    pub field_selector: Option<String>,
    pub resource_version: Option<String>,
    pub resource_version_match: Option<String>,
    pub limit: Option<usize>,
    pub continue_token: Option<String>,
    pub allow_watch_bookmarks: bool,
    pub send_initial_events: Option<bool>,
}

/// The events of a WATCH, as the resource serves them.
pub type Deliveries = futures::stream::BoxStream<'static, Delivery>;

/// The patch formats a PATCH can carry, by `Content-Type`.
pub use apimachinery::patch::PatchKind;

/// The verbs of one resource, object-safe so the router can hold every
/// resource behind one type.
#[async_trait]
pub trait Rest: Send + Sync {
    fn info(&self) -> &'static ResourceInfo;

    /// Registers the JSON schema of the resource's objects in `generator`
    /// and returns a reference to it.
    fn object_schema(&self, generator: &mut schemars::SchemaGenerator) -> schemars::Schema;

    async fn get(&self, namespace: Option<&str>, name: &str) -> Result<Bytes>;

    async fn list(&self, namespace: Option<&str>, options: &ListOptions) -> Result<ListResult>;

    async fn watch(&self, namespace: Option<&str>, options: &ListOptions) -> Result<Deliveries>;

    async fn create(
        &self,
        namespace: Option<&str>,
        body: Value,
        options: &WriteOptions,
    ) -> Result<Written>;

    async fn update(
        &self,
        namespace: Option<&str>,
        name: &str,
        part: Part,
        body: Value,
        options: &WriteOptions,
    ) -> Result<Written>;

    async fn patch(
        &self,
        namespace: Option<&str>,
        name: &str,
        part: Part,
        kind: PatchKind,
        patch: &[u8],
        options: &WriteOptions,
    ) -> Result<Written>;

    async fn delete(
        &self,
        namespace: Option<&str>,
        name: &str,
        options: &DeleteOptions,
    ) -> Result<Deleted>;

    /// A change the server makes itself (binding a pod, setting a scale):
    /// `change` edits the stored object, retried on conflicts, without the
    /// strategy's update rules, as upstream's subresources write through
    /// `GuaranteedUpdate` directly.
    async fn mutate(
        &self,
        namespace: Option<&str>,
        name: &str,
        change: &(dyn for<'v> Fn(&'v mut Value) -> Result<()> + Send + Sync),
        dry_run: bool,
    ) -> Result<Written>;
}

/// Every served resource, in registration order.
#[derive(Default)]
pub struct Registry {
    resources: Vec<Arc<dyn Rest>>,
}

impl Registry {
    pub fn add(&mut self, rest: Arc<dyn Rest>) {
        self.resources.push(rest);
    }

    /// The resource at (group, version, plural); a scan of a few dozen
    /// entries, cheaper than hashing three strings.
    pub fn get(&self, group: &str, version: &str, resource: &str) -> Option<&Arc<dyn Rest>> {
        self.resources.iter().find(|r| {
            let info = r.info();
            info.resource == resource && info.group == group && info.version == version
        })
    }

    /// Every resource in registration order.
    pub fn all(&self) -> impl Iterator<Item = &Arc<dyn Rest>> {
        self.resources.iter()
    }
}

/// How to serve one resource: its facts, what its cache extracts, and how to
/// build its store.
pub struct Entry {
    pub info: &'static ResourceInfo,
    /// What the watch cache extracts from each object; `None` for a view
    /// over another resource's storage, which that resource caches.
    pub attrs: Option<AttrsFn>,
    pub build: BuildStore,
}

/// Builds the store of one resource over the shared storage and cache.
pub type BuildStore = Box<dyn Fn(Arc<dyn Storage>, Arc<WatchCache>) -> Arc<dyn Rest> + Send + Sync>;

fn entry<S: Strategy + Clone>(strategy: S) -> Entry {
    let for_attrs = strategy.clone();
    Entry {
        info: strategy.info(),
        attrs: Some(Arc::new(move |object: &Value| {
            strategy::attrs(&for_attrs, object)
        })),
        build: Box::new(move |storage, cache| {
            Arc::new(store::Store::new(strategy.clone(), storage, cache))
        }),
    }
}

/// Every resource the server serves; services take their cluster IPs and
/// node ports from `network`.
pub fn entries(network: core::service::ServiceNetwork) -> Vec<Entry> {
    vec![
        entry(core::namespace::NamespaceStrategy),
        entry(core::pod::PodStrategy),
        entry(core::configmap::ConfigMapStrategy),
        entry(core::secret::SecretStrategy),
        core::service::entry(network),
        entry(core::replicationcontroller::ReplicationControllerStrategy),
        entry(core::node::NodeStrategy),
        entry(core::serviceaccount::ServiceAccountStrategy),
        entry(core::endpoints::EndpointsStrategy),
        entry(core::limitrange::LimitRangeStrategy),
        entry(core::resourcequota::ResourceQuotaStrategy),
        entry(core::persistentvolume::PersistentVolumeStrategy),
        entry(core::persistentvolume::PersistentVolumeClaimStrategy),
        entry(events::CoreEventStrategy),
        events::events_v1_entry(),
        entry(discovery::EndpointSliceStrategy),
        entry(apps::controllerrevision::ControllerRevisionStrategy),
        entry(apps::daemonset::DaemonSetStrategy),
        entry(apps::deployment::DeploymentStrategy),
        entry(apps::replicaset::ReplicaSetStrategy),
        entry(apps::statefulset::StatefulSetStrategy),
        entry(batch::cronjob::CronJobStrategy),
        entry(batch::job::JobStrategy),
        entry(coordination::LeaseStrategy),
        entry(scheduling::PriorityClassStrategy),
        entry(policy::PodDisruptionBudgetStrategy),
        entry(rbac::BindingStrategy::<ClusterRoleBinding>::default()),
        entry(rbac::RoleStrategy::<ClusterRole>::default()),
        entry(rbac::BindingStrategy::<RoleBinding>::default()),
        entry(rbac::RoleStrategy::<Role>::default()),
    ]
}

impl Registry {
    /// Builds the store of every entry.
    pub fn build(entries: &[Entry], storage: &Arc<dyn Storage>, cache: &Arc<WatchCache>) -> Self {
        let mut registry = Self::default();
        for entry in entries {
            registry.add((entry.build)(storage.clone(), cache.clone()));
        }
        registry
    }
}
