//! [`Store`]: the one implementation of every verb, for any [`Strategy`].
//!
//! Counterpart of k8s.io/apiserver `pkg/registry/generic/registry/store.go`
//! (Create, Update, Delete with graceful deletion and finalizers) and
//! `pkg/registry/rest/create.go`, `update.go`, `delete.go` (BeforeCreate,
//! BeforeUpdate, BeforeDelete).

use std::sync::Arc;

use apimachinery::fieldpath::{Writer, managed};
use apimachinery::patch::PatchSchema;
use async_trait::async_trait;
use bytes::Bytes;
use futures::StreamExt;
use jiff::Timestamp;
use k8s_openapi::Metadata;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use serde_json::Value;

use super::decode::{check_kind, parse_body, to_typed};
use super::meta::{
    decode_continue, generate_name, now_rfc3339, validate_object_meta, validate_object_meta_update,
};
use super::strategy::Cluster;
use super::{
    DeleteOptions, Deleted, Deliveries, ListOptions, Part, PatchKind, Propagation, ResourceInfo,
    Rest, Strategy, WriteOptions, Written,
};
use crate::selectors::SelectorPredicate;
use crate::status::{ApiError, Result};
use crate::storage::cacher::{
    ListAt, ListRequest, ListResult, WatchCache, WatchFrom, WatchRequest,
};
use crate::storage::{self, Revision, Storage, Stored};

/// How often a write retries after losing a race it did not ask to lose
/// (unconditional updates, patches, deletes).
const MAX_RETRIES: usize = 16;
/// How many generated names are tried before giving up.
const GENERATE_NAME_ATTEMPTS: usize = 8;

/// Parses a client-supplied resourceVersion.
fn parse_revision(rv: &str) -> Result<Revision> {
    rv.parse()
        .map_err(|_| ApiError::bad_request(format!("invalid resource version: {rv}")))
}

/// Ends what a [`WriteHooks`] call began: `true` once the write is stored,
/// `false` when it failed or was a dry run.
pub type Finish = Box<dyn FnOnce(bool) + Send>;

/// How a write keeps managedFields: recording itself as an update, or
/// carrying what a server-side apply computed.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ownership {
    Update,
    Applied,
}

/// Side effects of writes on state kept outside the objects, such as the
/// cluster IPs and node ports of services.
// k8s: staging/src/k8s.io/apiserver/pkg/registry/generic/registry/store.go (BeginCreate, BeginUpdate, AfterDelete)
#[async_trait]
pub trait WriteHooks<T>: Send + Sync {
    /// Runs after defaulting and before validation of a create.
    async fn begin_create(&self, object: &mut T) -> Result<Finish>;
    /// Runs after `prepare_for_update` and before validation of an update.
    async fn begin_update(&self, new: &mut T, old: &T) -> Result<Finish>;
    /// Runs once an object is gone from storage.
    async fn after_delete(&self, object: &T);
}

/// A begun [`Finish`] that reports failure unless committed, so every early
/// return of a write reverts it.
struct Pending(Option<Finish>);

impl Pending {
    fn commit(mut self) {
        if let Some(finish) = self.0.take() {
            finish(true);
        }
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        if let Some(finish) = self.0.take() {
            finish(false);
        }
    }
}

/// The generic store of one resource.
pub struct Store<S: Strategy> {
    strategy: S,
    storage: Arc<dyn Storage>,
    cache: Arc<WatchCache>,
    hooks: Option<Arc<dyn WriteHooks<S::Object>>>,
}

impl<S: Strategy> Store<S> {
    pub fn new(strategy: S, storage: Arc<dyn Storage>, cache: Arc<WatchCache>) -> Self {
        Self {
            strategy,
            storage,
            cache,
            hooks: None,
        }
    }

    /// Adds side effects around creates, updates and deletes.
    pub fn with_hooks(mut self, hooks: Arc<dyn WriteHooks<S::Object>>) -> Self {
        self.hooks = Some(hooks);
        self
    }

    async fn begin_create(&self, object: &mut S::Object) -> Result<Pending> {
        Ok(Pending(match &self.hooks {
            Some(hooks) => Some(hooks.begin_create(object).await?),
            None => None,
        }))
    }

    async fn begin_update(&self, new: &mut S::Object, old: &S::Object) -> Result<Pending> {
        Ok(Pending(match &self.hooks {
            Some(hooks) => Some(hooks.begin_update(new, old).await?),
            None => None,
        }))
    }

    async fn after_delete(&self, object: &S::Object) {
        if let Some(hooks) = &self.hooks {
            hooks.after_delete(object).await;
        }
    }

    fn info(&self) -> &'static ResourceInfo {
        self.strategy.info()
    }

    fn key(&self, namespace: Option<&str>, name: &str) -> String {
        self.info().key(namespace, name)
    }

    fn not_found(&self, name: &str) -> ApiError {
        ApiError::not_found(self.info().qualified(), name)
    }

    fn conflict(&self, name: &str) -> ApiError {
        ApiError::conflict(self.info().qualified(), name, ApiError::MODIFIED)
    }

    /// Maps a storage failure to the Status upstream answers.
    fn storage_error(&self, name: &str, error: storage::Error) -> ApiError {
        match error {
            storage::Error::NotFound { .. } => self.not_found(name),
            storage::Error::AlreadyExists { .. } => {
                ApiError::already_exists(self.info().qualified(), name)
            }
            storage::Error::Conflict { .. } => self.conflict(name),
            storage::Error::Compacted {
                requested,
                compacted,
            } => ApiError::expired(format!(
                "too old resource version: {requested} ({compacted})"
            )),
            other => ApiError::internal(other),
        }
    }

    fn decode_stored(&self, stored: &Stored) -> Result<S::Object> {
        serde_json::from_slice(&stored.value).map_err(|e| {
            ApiError::internal(format!("stored object {} does not decode: {e}", stored.key))
        })
    }

    fn encode(&self, object: &S::Object) -> Result<Value> {
        serde_json::to_value(object).map_err(ApiError::internal)
    }

    async fn current(&self, namespace: Option<&str>, name: &str) -> Result<Option<Stored>> {
        self.storage
            .get(&self.key(namespace, name))
            .await
            .map_err(|e| self.storage_error(name, e))
    }

    fn invalid(&self, name: &str, errors: &apimachinery::validation::ErrorList) -> ApiError {
        let info = self.info();
        ApiError::invalid(info.kind, info.group, name, errors)
    }

    /// NamespaceLifecycle admission: new objects need a live namespace.
    // k8s: plugin/pkg/admission/namespace/lifecycle/admission.go (Admit)
    fn admit_namespace(&self, namespace: &str, name: &str) -> Result<()> {
        let namespaces = crate::registry::core::namespace::INFO;
        let Some(object) = self.cache.get(&namespaces.key(None, namespace)) else {
            return Err(ApiError::not_found(namespaces.qualified(), namespace));
        };
        let terminating = object
            .attrs
            .fields
            .iter()
            .any(|(field, value)| *field == "status.phase" && value == "Terminating");
        if terminating {
            return Err(ApiError::forbidden(
                self.info().qualified(),
                name,
                format!(
                    "unable to create new content in namespace {namespace} because it is being terminated"
                ),
            ));
        }
        Ok(())
    }

    /// Builds the new object of an update from the request body and the
    /// stored one: a main update keeps the stored status, a status update
    /// keeps everything but the status.
    fn merge_part(&self, part: Part, old: &Value, mut new: Value) -> Value {
        if !self.info().has_status {
            return new;
        }
        match part {
            Part::Main => {
                if let Some(object) = new.as_object_mut() {
                    match old.get("status") {
                        Some(status) => object.insert("status".into(), status.clone()),
                        None => object.remove("status"),
                    };
                }
                new
            }
            Part::Status => {
                let mut merged = old.clone();
                if let Some(object) = merged.as_object_mut() {
                    match new.get_mut("status").map(Value::take) {
                        Some(status) => object.insert("status".into(), status),
                        None => object.remove("status"),
                    };
                    // The resourceVersion of the body is the precondition.
                    if let Some(rv) = new["metadata"].get("resourceVersion") {
                        merged["metadata"]["resourceVersion"] = rv.clone();
                    }
                }
                merged
            }
        }
    }

    /// Turns `new_value` into the stored successor of `current` (whose JSON
    /// the caller has parsed into `current_value`) and writes it; `Ok(None)`
    /// means the storage lost a race and the caller may retry.
    #[allow(clippy::too_many_arguments)]
    async fn write_update(
        &self,
        name: &str,
        part: Part,
        current: &Stored,
        current_value: &Value,
        new_value: Value,
        options: &WriteOptions,
        ownership: Ownership,
    ) -> Result<Option<Written>> {
        let info = self.info();
        let old: S::Object = self.decode_stored(current)?;
        let (mut new, warnings) = to_typed::<S::Object>(new_value, info, options.field_validation)?;
        self.strategy.apply_defaults(&mut new);
        {
            let (new_meta, old_meta) = (new.metadata_mut(), old.metadata());
            // k8s: staging/src/k8s.io/apiserver/pkg/registry/rest/update.go (BeforeUpdate: a body without a namespace takes the request's)
            if new_meta.namespace.as_deref().is_none_or(str::is_empty) {
                new_meta.namespace.clone_from(&old_meta.namespace);
            }
            new_meta.uid = old_meta.uid.clone();
            new_meta.creation_timestamp = old_meta.creation_timestamp.clone();
            new_meta.deletion_timestamp = old_meta.deletion_timestamp.clone();
            new_meta.deletion_grace_period_seconds = old_meta.deletion_grace_period_seconds;
            new_meta.generation = old_meta.generation;
            new_meta.self_link = None;
            new_meta.resource_version = old_meta.resource_version.clone();
            if new_meta.managed_fields.is_none() {
                new_meta.managed_fields = old_meta.managed_fields.clone();
            }
        }
        let mut pending = Pending(None);
        if part == Part::Main {
            self.strategy.prepare_for_update(&mut new, &old);
            pending = self.begin_update(&mut new, &old).await?;
        }
        if self.strategy.tracks_generation() {
            let spec_changed = self.encode(&new)?.get("spec") != self.encode(&old)?.get("spec");
            if spec_changed {
                new.metadata_mut().generation = Some(old.metadata().generation.unwrap_or(0) + 1);
            }
        }
        let mut errors = validate_object_meta_update(
            new.metadata(),
            old.metadata(),
            info.namespaced,
            self.strategy.name_rule(),
        );
        errors.append(match part {
            Part::Main => self.strategy.validate_update(&new, &old),
            Part::Status => self.strategy.validate_status_update(&new, &old),
        });
        if !errors.is_empty() {
            return Err(self.invalid(name, &errors));
        }
        if new == old {
            // Nothing changes: upstream answers the stored object unwritten.
            return Ok(Some(Written {
                object: current.value.clone(),
                created: false,
                warnings,
            }));
        }
        let finished = new.metadata().deletion_timestamp.is_some()
            && new.metadata().finalizers.as_ref().is_none_or(Vec::is_empty)
            && new.metadata().deletion_grace_period_seconds.unwrap_or(0) == 0
            && !self.strategy.deletion_blocked(&new);
        let mut value = self.encode(&new)?;
        if ownership == Ownership::Update {
            managed::record_update(
                Some(current_value),
                &mut value,
                &self.writer(options, part),
                &self.schema(),
            );
        }
        if options.dry_run {
            return Ok(Some(Written {
                object: Bytes::from(serde_json::to_vec(&value).map_err(ApiError::internal)?),
                created: false,
                warnings,
            }));
        }
        // The last finalizer of an object being deleted is gone: remove it.
        let result = if finished {
            self.storage
                .delete(&current.key, Some(current.revision))
                .await
        } else {
            self.storage
                .update(&current.key, current.revision, value)
                .await
        };
        match result {
            Ok(stored) => {
                pending.commit();
                if finished {
                    self.after_delete(&new).await;
                }
                Ok(Some(Written {
                    object: stored.value,
                    created: false,
                    warnings,
                }))
            }
            Err(storage::Error::Conflict { .. } | storage::Error::NotFound { .. }) => Ok(None),
            Err(error) => Err(self.storage_error(name, error)),
        }
    }

    fn list_at(&self, options: &ListOptions) -> Result<ListAt> {
        let rv = options.resource_version.as_deref().unwrap_or_default();
        Ok(match (options.resource_version_match.as_deref(), rv) {
            (None | Some(""), "") => ListAt::Consistent,
            (None | Some("") | Some("NotOlderThan"), "0") => ListAt::Any,
            (None | Some(""), rv) if options.limit.is_some() => ListAt::Exact(parse_revision(rv)?),
            (None | Some("") | Some("NotOlderThan"), rv) => {
                ListAt::NotOlderThan(parse_revision(rv)?)
            }
            (Some("Exact"), "" | "0") => {
                return Err(ApiError::bad_request(
                    "resourceVersionMatch \"Exact\" is forbidden for resourceVersion \"0\" or an empty resourceVersion",
                ));
            }
            (Some("Exact"), rv) => ListAt::Exact(parse_revision(rv)?),
            (Some(other), _) => {
                return Err(ApiError::bad_request(format!(
                    "resourceVersionMatch: Unsupported value: \"{other}\": supported values: \"Exact\", \"NotOlderThan\""
                )));
            }
        })
    }

    fn predicate(&self, options: &ListOptions) -> Result<Arc<SelectorPredicate>> {
        SelectorPredicate::parse(
            options.label_selector.as_deref(),
            options.field_selector.as_deref(),
            &self.strategy.field_names(),
        )
        .map(Arc::new)
    }

    fn cache_error(&self, error: crate::storage::cacher::Error) -> ApiError {
        use crate::storage::cacher::Error as CacheError;
        match error {
            CacheError::TooLargeResourceVersion { requested, current } => ApiError::timeout(
                format!("Too large resource version: {requested}, current: {current}"),
                1,
            ),
            CacheError::Storage(storage::Error::Compacted { .. }) => {
                ApiError::expired("The resourceVersion for the provided list is too old.")
            }
            CacheError::Storage(other) => self.storage_error("", other),
            other => ApiError::internal(other),
        }
    }

    /// Creates an object; `ownership` says how its managedFields are kept.
    async fn insert(
        &self,
        namespace: Option<&str>,
        mut body: Value,
        options: &WriteOptions,
        ownership: Ownership,
    ) -> Result<Written> {
        let info = self.info();
        check_kind(&mut body, info)?;
        if info.has_status && !self.strategy.keeps_status_on_create() {
            // k8s: each strategy's PrepareForCreate: the status is the
            // system's, never the client's.
            if let Some(object) = body.as_object_mut() {
                object.remove("status");
            }
        }
        let (mut object, warnings) = to_typed::<S::Object>(body, info, options.field_validation)?;
        self.strategy.apply_defaults(&mut object);
        let meta = object.metadata_mut();
        if info.namespaced {
            match (meta.namespace.as_deref(), namespace) {
                (Some(body_ns), Some(url_ns)) if !body_ns.is_empty() && body_ns != url_ns => {
                    return Err(ApiError::bad_request(
                        "the namespace of the provided object does not match the namespace sent on the request",
                    ));
                }
                _ => meta.namespace = namespace.map(str::to_owned),
            }
        } else {
            meta.namespace = None;
        }
        if meta
            .resource_version
            .as_deref()
            .is_some_and(|rv| !rv.is_empty())
        {
            return Err(ApiError::bad_request(
                "resourceVersion should not be set on objects to be created",
            ));
        }
        let generated = meta.name.as_deref().is_none_or(str::is_empty)
            && meta.generate_name.as_deref().is_some_and(|g| !g.is_empty());
        // k8s: staging/src/k8s.io/apiserver/pkg/registry/rest/create.go (BeforeCreate)
        meta.uid = Some(uuid::Uuid::new_v4().to_string());
        meta.creation_timestamp = Some(Time(Timestamp::now()));
        meta.deletion_timestamp = None;
        meta.deletion_grace_period_seconds = None;
        meta.self_link = None;
        meta.resource_version = None;
        meta.generation = self.strategy.tracks_generation().then_some(1);
        // The name exists before the strategy prepares the object, as
        // upstream's handler generates it first (a job labels its pods
        // with it).
        let prefix = meta.generate_name.clone().unwrap_or_default();
        if generated {
            meta.name = Some(generate_name(&prefix));
        }
        self.strategy.prepare_for_create(&mut object);
        self.strategy
            .admit_create(&mut object, &Cluster { cache: &self.cache })?;
        let pending = self.begin_create(&mut object).await?;
        let mut attempts = 0;
        loop {
            attempts += 1;
            if generated && attempts > 1 {
                object.metadata_mut().name = Some(generate_name(&prefix));
            }
            let name = object.metadata().name.clone().unwrap_or_default();
            let mut errors = validate_object_meta(
                object.metadata(),
                info.namespaced,
                self.strategy.name_rule(),
            );
            errors.append(self.strategy.validate(&object));
            if !errors.is_empty() {
                return Err(self.invalid(&name, &errors));
            }
            if let Some(ns) = namespace.filter(|_| info.namespaced) {
                self.admit_namespace(ns, &name)?;
            }
            let mut value = self.encode(&object)?;
            if ownership == Ownership::Update {
                managed::record_update(
                    None,
                    &mut value,
                    &self.writer(options, Part::Main),
                    &self.schema(),
                );
            }
            if options.dry_run {
                let object = serde_json::to_vec(&value).map_err(ApiError::internal)?;
                return Ok(Written {
                    object: object.into(),
                    created: true,
                    warnings,
                });
            }
            match self
                .storage
                .create(&self.key(namespace, &name), value)
                .await
            {
                Ok(stored) => {
                    pending.commit();
                    return Ok(Written {
                        object: stored.value,
                        created: true,
                        warnings,
                    });
                }
                Err(storage::Error::AlreadyExists { .. })
                    if generated && attempts < GENERATE_NAME_ATTEMPTS => {}
                Err(error) => return Err(self.storage_error(&name, error)),
            }
        }
    }

    /// Who a write is by, as managedFields record it.
    fn writer(&self, options: &WriteOptions, part: Part) -> Writer {
        Writer {
            manager: options.field_manager.clone(),
            api_version: self.info().api_version(),
            subresource: match part {
                Part::Main => options.via,
                Part::Status => "status",
            },
            has_status: self.info().has_status,
            now: now_rfc3339(),
        }
    }

    fn schema(&self) -> PatchSchema {
        PatchSchema::of::<S::Object>()
    }

    /// Server-side apply: merges the configuration in `body` into the
    /// object, creating it when missing.
    // k8s: staging/src/k8s.io/apiserver/pkg/endpoints/handlers/patch.go (applyPatcher)
    async fn apply(
        &self,
        namespace: Option<&str>,
        name: &str,
        part: Part,
        body: &[u8],
        options: &WriteOptions,
    ) -> Result<Written> {
        let mut config = parse_body(body, PatchKind::Apply.content_type())?;
        check_kind(&mut config, self.info())?;
        let config_name = config["metadata"]["name"].as_str().unwrap_or_default();
        if config_name != name {
            return Err(ApiError::bad_request(format!(
                "the name of the object ({config_name}) does not match the name on the URL ({name})"
            )));
        }
        let (writer, schema) = (self.writer(options, part), self.schema());
        for _ in 0..MAX_RETRIES {
            let current = self.current(namespace, name).await?;
            let live: Option<Value> = current
                .as_ref()
                .map(|c| serde_json::from_slice(&c.value))
                .transpose()
                .map_err(ApiError::internal)?;
            let merged = managed::apply(live.as_ref(), &config, &writer, options.force, &schema)
                .map_err(|conflicts| ApiError::apply_conflict(&conflicts))?;
            let (Some(current), Some(live)) = (current, live) else {
                if part == Part::Status {
                    return Err(self.not_found(name));
                }
                return self
                    .insert(namespace, merged, options, Ownership::Applied)
                    .await;
            };
            let new = self.merge_part(part, &live, merged);
            if let Some(written) = self
                .write_update(
                    name,
                    part,
                    &current,
                    &live,
                    new,
                    options,
                    Ownership::Applied,
                )
                .await?
            {
                return Ok(written);
            }
        }
        Err(self.conflict(name))
    }
}

#[async_trait]
impl<S: Strategy> Rest for Store<S> {
    fn info(&self) -> &'static ResourceInfo {
        self.strategy.info()
    }

    fn object_schema(&self, generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        generator.subschema_for::<S::Object>()
    }

    async fn get(&self, namespace: Option<&str>, name: &str) -> Result<Bytes> {
        match self.current(namespace, name).await? {
            Some(stored) => Ok(stored.value),
            None => Err(self.not_found(name)),
        }
    }

    async fn list(&self, namespace: Option<&str>, options: &ListOptions) -> Result<ListResult> {
        let info = self.info();
        let predicate = self.predicate(options)?;
        let scope = info.scope(namespace);
        let (at, start_after) = match options.continue_token.as_deref() {
            Some(token) if !token.is_empty() => {
                if options
                    .resource_version
                    .as_deref()
                    .is_some_and(|rv| !rv.is_empty())
                {
                    return Err(ApiError::bad_request(
                        "specifying resource version is not allowed when using continue",
                    ));
                }
                let (start, revision) = decode_continue(token)?;
                if revision < self.storage.compacted_revision() {
                    return Err(ApiError::expired(
                        "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.",
                    ));
                }
                (
                    ListAt::Exact(revision),
                    Some(format!("{}{start}", info.key_prefix())),
                )
            }
            _ => (self.list_at(options)?, None),
        };
        let request = ListRequest {
            scope,
            at,
            predicate,
            limit: options.limit.filter(|&l| l > 0),
            start_after,
        };
        self.cache
            .list(request)
            .await
            .map_err(|e| self.cache_error(e))
    }

    async fn watch(&self, namespace: Option<&str>, options: &ListOptions) -> Result<Deliveries> {
        let predicate = self.predicate(options)?;
        let rv = options.resource_version.as_deref().unwrap_or_default();
        let from = if options.send_initial_events == Some(true) {
            if options.resource_version_match.as_deref() != Some("NotOlderThan") {
                return Err(ApiError::invalid(
                    "ListOptions",
                    "meta.k8s.io",
                    "",
                    &apimachinery::validation::FieldError::required(
                        &apimachinery::validation::Path::new("resourceVersionMatch"),
                        "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan",
                    )
                    .into(),
                ));
            }
            let wait_for = match rv {
                "" => Some(self.storage.current_revision()),
                "0" => None,
                rv => Some(parse_revision(rv)?),
            };
            WatchFrom::State {
                wait_for,
                end_bookmark: options.allow_watch_bookmarks,
            }
        } else {
            match rv {
                "" => WatchFrom::State {
                    wait_for: Some(self.storage.current_revision()),
                    end_bookmark: false,
                },
                "0" => WatchFrom::State {
                    wait_for: None,
                    end_bookmark: false,
                },
                rv => WatchFrom::Revision(parse_revision(rv)?),
            }
        };
        let request = WatchRequest {
            scope: self.info().scope(namespace),
            from,
            predicate,
            bookmarks: options.allow_watch_bookmarks,
        };
        match self.cache.watch(request).await {
            Ok(watch) => Ok(watch.boxed()),
            Err(crate::storage::cacher::Error::Storage(storage::Error::Compacted {
                requested,
                compacted,
            })) => Err(ApiError::expired(format!(
                "too old resource version: {requested} ({compacted})"
            ))),
            Err(other) => Err(self.cache_error(other)),
        }
    }

    async fn create(
        &self,
        namespace: Option<&str>,
        body: Value,
        options: &WriteOptions,
    ) -> Result<Written> {
        self.insert(namespace, body, options, Ownership::Update)
            .await
    }

    async fn update(
        &self,
        namespace: Option<&str>,
        name: &str,
        part: Part,
        mut body: Value,
        options: &WriteOptions,
    ) -> Result<Written> {
        let info = self.info();
        check_kind(&mut body, info)?;
        let body_name = body["metadata"]["name"].as_str().unwrap_or_default();
        if body_name != name {
            return Err(ApiError::bad_request(format!(
                "the name of the object ({body_name}) does not match the name on the URL ({name})"
            )));
        }
        if info.namespaced {
            match body["metadata"]["namespace"].as_str() {
                Some(ns) if !ns.is_empty() && Some(ns) != namespace => {
                    return Err(ApiError::bad_request(
                        "the namespace of the provided object does not match the namespace sent on the request",
                    ));
                }
                _ => {}
            }
        }
        let expected = match body["metadata"]["resourceVersion"].as_str() {
            None | Some("") => None,
            Some(rv) => Some(parse_revision(rv)?),
        };
        if expected.is_none() && !self.strategy.allow_unconditional_update() {
            return Err(self.invalid(
                name,
                &apimachinery::validation::FieldError::invalid(
                    &apimachinery::validation::Path::new("metadata").child("resourceVersion"),
                    "",
                    "must be specified for an update",
                )
                .into(),
            ));
        }
        for _ in 0..MAX_RETRIES {
            let Some(current) = self.current(namespace, name).await? else {
                if self.strategy.allow_create_on_update() && part == Part::Main {
                    return self.create(namespace, body, options).await;
                }
                return Err(self.not_found(name));
            };
            if expected.is_some_and(|rv| rv != current.revision) {
                return Err(self.conflict(name));
            }
            let old: Value = serde_json::from_slice(&current.value).map_err(ApiError::internal)?;
            let new = self.merge_part(part, &old, body.clone());
            if let Some(written) = self
                .write_update(name, part, &current, &old, new, options, Ownership::Update)
                .await?
            {
                return Ok(written);
            }
            if expected.is_some() {
                return Err(self.conflict(name));
            }
        }
        Err(self.conflict(name))
    }

    async fn patch(
        &self,
        namespace: Option<&str>,
        name: &str,
        part: Part,
        kind: PatchKind,
        patch: &[u8],
        options: &WriteOptions,
    ) -> Result<Written> {
        if kind == PatchKind::Apply {
            return self.apply(namespace, name, part, patch, options).await;
        }
        for _ in 0..MAX_RETRIES {
            let Some(current) = self.current(namespace, name).await? else {
                return Err(self.not_found(name));
            };
            let old: Value = serde_json::from_slice(&current.value).map_err(ApiError::internal)?;
            let patched = crate::patch::apply::<S::Object>(kind, &old, patch)?;
            let precondition = patched["metadata"]["resourceVersion"].as_str();
            if precondition.is_some_and(|rv| rv != current.revision.to_string()) {
                return Err(self.conflict(name));
            }
            if patched["metadata"]["name"].as_str() != Some(name) {
                return Err(ApiError::bad_request(format!(
                    "the name of the object ({}) does not match the name on the URL ({name})",
                    patched["metadata"]["name"].as_str().unwrap_or_default()
                )));
            }
            let mut new = self.merge_part(part, &old, patched);
            check_kind(&mut new, self.info())?;
            if let Some(written) = self
                .write_update(name, part, &current, &old, new, options, Ownership::Update)
                .await?
            {
                return Ok(written);
            }
        }
        Err(self.conflict(name))
    }

    async fn delete(
        &self,
        namespace: Option<&str>,
        name: &str,
        options: &DeleteOptions,
    ) -> Result<Deleted> {
        for _ in 0..MAX_RETRIES {
            let Some(current) = self.current(namespace, name).await? else {
                return Err(self.not_found(name));
            };
            let mut object: S::Object = self.decode_stored(&current)?;
            let meta = object.metadata();
            let uid = meta.uid.clone().unwrap_or_default();
            if let Some(expected) = &options.precondition_uid
                && *expected != uid
            {
                return Err(ApiError::conflict(
                    self.info().qualified(),
                    name,
                    &format!(
                        "Precondition failed: UID in precondition: {expected}, UID in object meta: {uid}"
                    ),
                ));
            }
            if let Some(expected) = &options.precondition_resource_version {
                let actual = current.revision.to_string();
                if *expected != actual {
                    return Err(ApiError::conflict(
                        self.info().qualified(),
                        name,
                        &format!(
                            "Precondition failed: ResourceVersion in precondition: {expected}, ResourceVersion in object meta: {actual}"
                        ),
                    ));
                }
            }
            let grace = self
                .strategy
                .grace_period(&object, options.grace_period_seconds)
                .filter(|&g| g > 0);
            // k8s: staging/src/k8s.io/apiserver/pkg/registry/generic/registry/store.go (deletionFinalizersForGarbageCollection)
            let mut finalizers = meta.finalizers.clone().unwrap_or_default();
            let wanted = match options.propagation {
                Some(Propagation::Orphan) => Some("orphan"),
                Some(Propagation::Foreground) => Some("foregroundDeletion"),
                _ => None,
            };
            if let Some(finalizer) = wanted
                && !finalizers.iter().any(|f| f == finalizer)
            {
                finalizers.push(finalizer.to_owned());
            }
            let now = Timestamp::now();
            let pending_since = meta.deletion_timestamp.as_ref().map(|t| t.0);
            let blocked = self.strategy.deletion_blocked(&object);
            let write = if grace.is_none() && finalizers.is_empty() && !blocked {
                None
            } else {
                self.strategy.prepare_for_delete(&mut object);
                // k8s: staging/src/k8s.io/apiserver/pkg/registry/rest/delete.go (BeforeDelete)
                let seconds = grace.unwrap_or(0);
                let deadline = now + jiff::SignedDuration::from_secs(seconds);
                let meta = object.metadata_mut();
                match pending_since {
                    // A shorter grace period moves the deadline earlier; a
                    // longer one never extends it.
                    Some(existing) if existing <= deadline => {}
                    _ => {
                        meta.deletion_timestamp = Some(Time(deadline));
                        meta.deletion_grace_period_seconds = Some(seconds);
                    }
                }
                meta.finalizers = (!finalizers.is_empty()).then_some(finalizers);
                if pending_since.is_none() && self.strategy.tracks_generation() {
                    meta.generation = Some(meta.generation.unwrap_or(0) + 1);
                }
                Some(self.encode(&object)?)
            };
            if options.dry_run {
                let object = match &write {
                    Some(value) => {
                        Bytes::from(serde_json::to_vec(value).map_err(ApiError::internal)?)
                    }
                    None => current.value.clone(),
                };
                return Ok(Deleted {
                    object,
                    finished: write.is_none(),
                });
            }
            let result = match write {
                Some(value) => self
                    .storage
                    .update(&current.key, current.revision, value)
                    .await
                    .map(|stored| Deleted {
                        object: stored.value,
                        finished: false,
                    }),
                None => self
                    .storage
                    .delete(&current.key, Some(current.revision))
                    .await
                    .map(|stored| Deleted {
                        object: stored.value,
                        finished: true,
                    }),
            };
            match result {
                Ok(deleted) => {
                    if deleted.finished {
                        self.after_delete(&object).await;
                    }
                    return Ok(deleted);
                }
                Err(storage::Error::Conflict { .. }) => continue,
                Err(error) => return Err(self.storage_error(name, error)),
            }
        }
        Err(self.conflict(name))
    }

    async fn mutate(
        &self,
        namespace: Option<&str>,
        name: &str,
        change: &(dyn for<'v> Fn(&'v mut Value) -> Result<()> + Send + Sync),
        dry_run: bool,
    ) -> Result<Written> {
        for _ in 0..MAX_RETRIES {
            let Some(current) = self.current(namespace, name).await? else {
                return Err(self.not_found(name));
            };
            let mut value: Value =
                serde_json::from_slice(&current.value).map_err(ApiError::internal)?;
            change(&mut value)?;
            if dry_run {
                return Ok(Written {
                    object: serde_json::to_vec(&value)
                        .map_err(ApiError::internal)?
                        .into(),
                    created: false,
                    warnings: Vec::new(),
                });
            }
            match self
                .storage
                .update(&current.key, current.revision, value)
                .await
            {
                Ok(stored) => {
                    return Ok(Written {
                        object: stored.value,
                        created: false,
                        warnings: Vec::new(),
                    });
                }
                Err(storage::Error::Conflict { .. }) => continue,
                Err(error) => return Err(self.storage_error(name, error)),
            }
        }
        Err(self.conflict(name))
    }
}
