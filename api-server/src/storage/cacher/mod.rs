//! The watch cache: serves LIST and WATCH of every resource from memory.
//!
//! One feed task follows the storage's single revision stream and applies each
//! event to the cache of its resource, then fans it out to that resource's
//! watchers through bounded channels: a watcher that cannot keep up is dropped,
//! writers never wait. The cache tracks the global revision it reflects, so a
//! consistent read only waits until the cache has caught up with the storage.
//! Each resource keeps a window of recent events for watch resumption; older
//! starting points fall back to the storage's revision log.
//!
//! Counterpart of k8s.io/apiserver `pkg/storage/cacher/` (cacher.go,
//! watch_cache.go, cache_watcher.go).

mod resource;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures::StreamExt;
use serde_json::Value;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use super::{EventKind, Revision, Storage};
use resource::ResourceCache;
pub use resource::{CacheWatch, Delivery};

/// Result alias of this module.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Failures of cache reads.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("no watch cache for {key}")]
    UnknownResource { key: String },
    #[error("too large resource version: {requested}, current: {current}")]
    TooLargeResourceVersion {
        requested: Revision,
        current: Revision,
    },
    #[error(transparent)]
    Storage(#[from] super::Error),
}

/// What selectors see of an object: its labels and its selectable fields.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Attrs {
    pub labels: BTreeMap<String, String>,
    /// (field path, value) pairs such as `("metadata.name", "web")`.
    pub fields: Vec<(&'static str, String)>,
}

/// Extracts [`Attrs`] from an object of one resource.
pub type AttrsFn = Arc<dyn Fn(&Value) -> Attrs + Send + Sync>;

/// An object as the cache holds it: its encoded JSON, shared by every reader
/// and watcher, and its attributes parsed once.
#[derive(Debug)]
pub struct CachedObject {
    pub key: String,
    pub revision: Revision,
    pub json: Bytes,
    pub attrs: Attrs,
}

/// Decides which objects a list or watch sees.
pub trait Predicate: Send + Sync {
    fn matches(&self, object: &CachedObject) -> bool;
    /// True when every object matches (then remaining counts are exact).
    fn is_everything(&self) -> bool {
        false
    }
}

/// The predicate that matches every object.
pub struct Everything;

impl Predicate for Everything {
    fn matches(&self, _: &CachedObject) -> bool {
        true
    }
    fn is_everything(&self) -> bool {
        true
    }
}

/// Which revision a list must reflect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListAt {
    /// The newest state: everything acknowledged before the request.
    Consistent,
    /// Whatever the cache holds (`resourceVersion=0`).
    Any,
    /// At least this revision (`resourceVersionMatch=NotOlderThan`).
    NotOlderThan(Revision),
    /// Exactly this revision (`resourceVersionMatch=Exact`, continue tokens).
    Exact(Revision),
}

/// A LIST request against one key scope (a resource, or one namespace of it).
pub struct ListRequest {
    pub scope: String,
    pub at: ListAt,
    pub predicate: Arc<dyn Predicate>,
    pub limit: Option<usize>,
    /// Continue after this key (exclusive).
    pub start_after: Option<String>,
}

/// The result of a LIST.
pub struct ListResult {
    pub items: Vec<Arc<CachedObject>>,
    pub revision: Revision,
    /// The last key returned when more items remain.
    pub continue_after: Option<String>,
    /// How many objects remain after this page, when known exactly.
    pub remaining: Option<u64>,
}

/// Where a watch starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WatchFrom {
    /// Events after this revision.
    Revision(Revision),
    /// Synthetic ADDED events for the current state first. `wait_for` makes the
    /// state at least that fresh; `end_bookmark` marks the end of the initial
    /// events with a bookmark (`sendInitialEvents=true`).
    State {
        wait_for: Option<Revision>,
        end_bookmark: bool,
    },
}

/// A WATCH request against one key scope.
pub struct WatchRequest {
    pub scope: String,
    pub from: WatchFrom,
    pub predicate: Arc<dyn Predicate>,
    pub bookmarks: bool,
}

/// Tuning of the watch cache.
#[derive(Clone, Copy, Debug)]
pub struct CacheOptions {
    /// Events kept per resource for watch resumption from memory.
    pub window_events: usize,
    /// Deliveries buffered per watcher before it is dropped as too slow.
    pub watcher_buffer: usize,
    /// How often watchers that asked for bookmarks receive one.
    pub bookmark_interval: Duration,
    /// How long a read waits for the cache to reach a requested revision.
    pub freshness_timeout: Duration,
}

impl Default for CacheOptions {
    fn default() -> Self {
        Self {
            window_events: 10_000,
            watcher_buffer: 1_000,
            bookmark_interval: Duration::from_secs(5),
            freshness_timeout: Duration::from_secs(3),
        }
    }
}

/// The watch cache of every registered resource.
pub struct WatchCache {
    storage: Arc<dyn Storage>,
    resources: HashMap<String, Arc<ResourceCache>>,
    revision: watch::Receiver<Revision>,
    options: CacheOptions,
    feed: JoinHandle<()>,
}

impl Drop for WatchCache {
    fn drop(&mut self) {
        self.feed.abort();
    }
}

impl WatchCache {
    /// Loads every resource (`prefix` → attribute extractor) from `storage`
    /// and starts following it.
    pub async fn start(
        storage: Arc<dyn Storage>,
        resources: Vec<(String, AttrsFn)>,
        options: CacheOptions,
    ) -> Result<Arc<Self>> {
        let caches: HashMap<_, _> = resources
            .into_iter()
            .map(|(prefix, attrs)| {
                let cache = ResourceCache::new(prefix.clone(), attrs, options);
                (prefix, Arc::new(cache))
            })
            .collect();
        let (start, events) = load(storage.as_ref(), &caches).await?;
        let (revision_tx, revision_rx) = watch::channel(start);
        let feed = tokio::spawn(feed(
            storage.clone(),
            events,
            caches.clone(),
            revision_tx,
            options.bookmark_interval,
        ));
        Ok(Arc::new(Self {
            storage,
            resources: caches,
            revision: revision_rx,
            options,
            feed,
        }))
    }

    /// The global revision the cache reflects.
    pub fn revision(&self) -> Revision {
        *self.revision.borrow()
    }

    fn resource(&self, scope: &str) -> Result<&Arc<ResourceCache>> {
        let prefix = resource_prefix(scope);
        self.resources
            .get(prefix)
            .ok_or_else(|| Error::UnknownResource { key: scope.into() })
    }

    /// The cached object at `key`, if any.
    pub fn get(&self, key: &str) -> Option<Arc<CachedObject>> {
        self.resources.get(resource_prefix(key))?.get(key)
    }

    /// Every object under `scope` as the cache holds it now, without waiting
    /// for it to catch up (what admission reads, as upstream's listers do).
    pub fn current(&self, scope: &str) -> Vec<Arc<CachedObject>> {
        let Ok(cache) = self.resource(scope) else {
            return Vec::new();
        };
        let request = ListRequest {
            scope: scope.to_owned(),
            at: ListAt::Any,
            predicate: Arc::new(Everything),
            limit: None,
            start_after: None,
        };
        cache.list_current(&request).items
    }

    /// Waits until the cache reflects `target`.
    async fn wait_for(&self, target: Revision) -> Result<()> {
        let mut revision = self.revision.clone();
        let reached = tokio::time::timeout(
            self.options.freshness_timeout,
            revision.wait_for(|r| *r >= target),
        )
        .await;
        match reached {
            Ok(Ok(_)) => Ok(()),
            _ => Err(Error::TooLargeResourceVersion {
                requested: target,
                current: self.revision(),
            }),
        }
    }

    /// Serves a LIST.
    pub async fn list(&self, request: ListRequest) -> Result<ListResult> {
        let cache = self.resource(&request.scope)?;
        match request.at {
            ListAt::Consistent => self.wait_for(self.storage.current_revision()).await?,
            ListAt::NotOlderThan(revision) => self.wait_for(revision).await?,
            ListAt::Any => {}
            ListAt::Exact(revision) => {
                self.wait_for(revision).await?;
                if let Some(result) = cache.list_at(&request, revision) {
                    return Ok(result);
                }
                let compacted = self.storage.compacted_revision();
                if revision < compacted {
                    return Err(super::Error::Compacted {
                        requested: revision,
                        compacted,
                    }
                    .into());
                }
                return self.list_from_storage(cache, &request, revision).await;
            }
        }
        Ok(cache.list_current(&request))
    }

    /// Rebuilds the state of `request.scope` at `revision` from the storage's
    /// current state and revision log, for revisions older than the window.
    async fn list_from_storage(
        &self,
        cache: &ResourceCache,
        request: &ListRequest,
        revision: Revision,
    ) -> Result<ListResult> {
        let (items, current) = self.storage.list(&request.scope).await?;
        let history = self.storage.history(&request.scope, revision).await?;
        let mut objects: BTreeMap<String, Bytes> =
            items.into_iter().map(|s| (s.key, s.value)).collect();
        for event in history.iter().rev().filter(|e| e.revision <= current) {
            match (&event.kind, &event.prev) {
                (EventKind::Added, _) | (_, None) => {
                    objects.remove(&event.key);
                }
                (_, Some(prev)) => {
                    objects.insert(event.key.clone(), prev.clone());
                }
            }
        }
        let objects = objects
            .into_iter()
            .filter_map(|(key, json)| cache.decode(key, json))
            .map(|o| (o.key.clone(), Arc::new(o)))
            .collect();
        Ok(resource::page(&objects, request, revision))
    }

    /// Starts a WATCH.
    pub async fn watch(&self, request: WatchRequest) -> Result<CacheWatch> {
        let cache = self.resource(&request.scope)?;
        if let WatchFrom::State {
            wait_for: Some(target),
            ..
        } = request.from
        {
            self.wait_for(target).await?;
        }
        let (watch, replay_from) = cache.register(&request, self.revision());
        let Some((after, upto)) = replay_from else {
            return Ok(watch);
        };
        // The window no longer reaches `after`: replay from the storage log.
        let history = self.storage.history(&request.scope, after).await?;
        let replay = history
            .iter()
            .filter(|e| e.revision <= upto)
            .filter_map(|e| cache.delivery_for(e, request.predicate.as_ref()))
            .collect();
        Ok(watch.with_replay(replay))
    }
}

/// The resource prefix of a key or scope: `/registry/{group}/{resource}/`.
fn resource_prefix(key: &str) -> &str {
    let mut slashes = key.match_indices('/').map(|(i, _)| i);
    match slashes.nth(3) {
        Some(end) => &key[..=end],
        None => key,
    }
}

/// Lists every resource into its cache and opens the storage watch that
/// follows them.
async fn load(
    storage: &dyn Storage,
    caches: &HashMap<String, Arc<ResourceCache>>,
) -> Result<(Revision, super::WatchStream)> {
    let mut start = storage.current_revision();
    for cache in caches.values() {
        let (items, revision) = storage.list(cache.prefix()).await?;
        start = start.min(revision);
        cache.load(items, revision);
    }
    // Lists ran at increasing revisions; replaying from the oldest one is safe
    // because each cache skips events it already reflects.
    Ok((start, storage.watch("", start).await?))
}

async fn feed(
    storage: Arc<dyn Storage>,
    mut events: super::WatchStream,
    caches: HashMap<String, Arc<ResourceCache>>,
    revision: watch::Sender<Revision>,
    bookmark_interval: Duration,
) {
    let mut ticker = tokio::time::interval(bookmark_interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            next = events.next() => match next {
                Some(Ok(event)) => match caches.get(resource_prefix(&event.key)) {
                    Some(cache) => cache.apply(&event, &revision),
                    None => {
                        revision.send_replace(event.revision);
                    }
                },
                failure => {
                    // Upstream's cacher does the same: start over from a fresh
                    // list; watchers that may have missed events are closed.
                    tracing::warn!(error = ?failure.and_then(Result::err), "watch cache feed broke; reloading");
                    loop {
                        match load(storage.as_ref(), &caches).await {
                            Ok((start, stream)) => {
                                events = stream;
                                revision.send_if_modified(|r| {
                                    let moved = start > *r;
                                    *r = (*r).max(start);
                                    moved
                                });
                                break;
                            }
                            Err(error) => {
                                tracing::error!(%error, "watch cache reload failed; retrying");
                                tokio::time::sleep(Duration::from_secs(1)).await;
                            }
                        }
                    }
                }
            },
            _ = ticker.tick() => {
                let current = *revision.borrow();
                for cache in caches.values() {
                    cache.bookmark(current);
                }
            }
        }
    }
}

/// A bounded channel of deliveries to one watcher.
pub(crate) type DeliverySender = mpsc::Sender<Delivery>;
