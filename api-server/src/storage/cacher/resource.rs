//! The cache of one resource: its objects, its window of recent events and its
//! watchers. Counterpart of upstream's `watch_cache.go` and `cache_watcher.go`.

use std::collections::{BTreeMap, VecDeque};
use std::ops::Bound;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures::Stream;
use parking_lot::RwLock;
use tokio::sync::{mpsc, watch};

use super::{
    AttrsFn, CacheOptions, CachedObject, DeliverySender, ListRequest, ListResult, Predicate,
    WatchFrom, WatchRequest,
};
use crate::storage::{Event, EventKind, Revision, Stored};

/// One thing a watcher receives.
#[derive(Clone, Debug)]
pub enum Delivery {
    Event(EventKind, Arc<CachedObject>),
    /// Progress up to `revision`; `initial_events_end` marks the end of the
    /// synthetic initial events of `sendInitialEvents=true`.
    Bookmark {
        revision: Revision,
        initial_events_end: bool,
    },
}

struct CacheEvent {
    revision: Revision,
    kind: EventKind,
    key: String,
    object: Arc<CachedObject>,
    prev: Option<Arc<CachedObject>>,
}

struct Watcher {
    scope: String,
    predicate: Arc<dyn Predicate>,
    bookmarks: bool,
    sender: DeliverySender,
}

#[derive(Default)]
struct State {
    objects: BTreeMap<String, Arc<CachedObject>>,
    /// The revision the objects reflect.
    revision: Revision,
    window: VecDeque<CacheEvent>,
    /// The window holds every event of this resource above this revision.
    window_start: Revision,
    watchers: Vec<Watcher>,
}

pub(super) struct ResourceCache {
    prefix: String,
    attrs: AttrsFn,
    options: CacheOptions,
    state: RwLock<State>,
}

impl ResourceCache {
    pub(super) fn new(prefix: String, attrs: AttrsFn, options: CacheOptions) -> Self {
        Self {
            prefix,
            attrs,
            options,
            state: RwLock::new(State::default()),
        }
    }

    pub(super) fn prefix(&self) -> &str {
        &self.prefix
    }

    /// Parses a stored object; an object that does not parse is logged and
    /// left out rather than poisoning the cache.
    pub(super) fn decode(&self, key: String, json: Bytes) -> Option<CachedObject> {
        match serde_json::from_slice::<serde_json::Value>(&json) {
            Ok(value) => Some(CachedObject {
                revision: resource_version(&value),
                attrs: (self.attrs)(&value),
                key,
                json,
            }),
            Err(error) => {
                tracing::error!(%key, %error, "stored object is not valid JSON; skipped");
                None
            }
        }
    }

    /// Replaces the whole state with a fresh list; current watchers are closed
    /// because they may have missed events.
    pub(super) fn load(&self, items: Vec<Stored>, revision: Revision) {
        let objects = items
            .into_iter()
            .filter_map(|s| self.decode(s.key, s.value))
            .map(|o| (o.key.clone(), Arc::new(o)))
            .collect();
        *self.state.write() = State {
            objects,
            revision,
            window: VecDeque::new(),
            window_start: revision,
            watchers: Vec::new(),
        };
    }

    /// Applies one storage event and fans it out; then publishes the new
    /// global revision while still holding the lock, so that registration
    /// sees objects and revision agree.
    pub(super) fn apply(&self, event: &Event, global: &watch::Sender<Revision>) {
        let mut state = self.state.write();
        if event.revision > state.revision {
            if let Some(object) = self.decode(event.key.clone(), event.value.clone()) {
                let object = Arc::new(object);
                let prev = match event.kind {
                    EventKind::Deleted => state.objects.remove(&event.key),
                    _ => state.objects.insert(event.key.clone(), object.clone()),
                };
                let cache_event = CacheEvent {
                    revision: event.revision,
                    kind: event.kind,
                    key: event.key.clone(),
                    object,
                    prev,
                };
                state.watchers.retain(|w| deliver(w, &cache_event));
                state.window.push_back(cache_event);
                while state.window.len() > self.options.window_events {
                    if let Some(evicted) = state.window.pop_front() {
                        state.window_start = evicted.revision;
                    }
                }
            }
            state.revision = event.revision;
        }
        global.send_replace(event.revision);
    }

    /// Sends a bookmark at `revision` to every watcher that asked for them.
    pub(super) fn bookmark(&self, revision: Revision) {
        let mut state = self.state.write();
        let revision = revision.max(state.revision);
        state.watchers.retain(|w| {
            !w.bookmarks
                || send(
                    &w.sender,
                    Delivery::Bookmark {
                        revision,
                        initial_events_end: false,
                    },
                )
        });
    }

    /// Registers a watcher. Returns the watch and, when the window does not
    /// reach back far enough, the revision range `(after, upto]` the caller
    /// must replay from storage.
    pub(super) fn register(
        &self,
        request: &WatchRequest,
        global: Revision,
    ) -> (CacheWatch, Option<(Revision, Revision)>) {
        let (sender, receiver) = mpsc::channel(self.options.watcher_buffer);
        let mut state = self.state.write();
        let current = state.revision.max(global);
        let mut initial = Vec::new();
        let mut replay_from = None;
        match request.from {
            WatchFrom::State { end_bookmark, .. } => {
                initial.extend(
                    scoped(&state.objects, &request.scope, None)
                        .filter(|o| request.predicate.matches(o))
                        .map(|o| Delivery::Event(EventKind::Added, o.clone())),
                );
                if end_bookmark {
                    initial.push(Delivery::Bookmark {
                        revision: current,
                        initial_events_end: true,
                    });
                }
            }
            WatchFrom::Revision(after) if after >= state.window_start => {
                initial.extend(
                    state
                        .window
                        .iter()
                        .filter(|e| e.revision > after && e.key.starts_with(&request.scope))
                        .filter_map(|e| convert(e, request.predicate.as_ref())),
                );
            }
            WatchFrom::Revision(after) => replay_from = Some((after, state.revision)),
        }
        state.watchers.push(Watcher {
            scope: request.scope.clone(),
            predicate: request.predicate.clone(),
            bookmarks: request.bookmarks,
            sender,
        });
        let watch = CacheWatch {
            initial: initial.into(),
            receiver,
        };
        (watch, replay_from)
    }

    /// What a watcher with `predicate` sees of a storage event, for replays
    /// from the storage log.
    pub(super) fn delivery_for(
        &self,
        event: &Event,
        predicate: &dyn Predicate,
    ) -> Option<Delivery> {
        let object = Arc::new(self.decode(event.key.clone(), event.value.clone())?);
        let prev = event
            .prev
            .clone()
            .and_then(|p| self.decode(event.key.clone(), p))
            .map(Arc::new);
        let cache_event = CacheEvent {
            revision: event.revision,
            kind: event.kind,
            key: event.key.clone(),
            object,
            prev,
        };
        convert(&cache_event, predicate)
    }

    pub(super) fn get(&self, key: &str) -> Option<Arc<CachedObject>> {
        self.state.read().objects.get(key).cloned()
    }

    /// A page of the current state.
    pub(super) fn list_current(&self, request: &ListRequest) -> ListResult {
        let state = self.state.read();
        page(&state.objects, request, state.revision)
    }

    /// A page of the state at `revision`, rebuilt from the window; `None`
    /// when the window does not reach back that far.
    pub(super) fn list_at(&self, request: &ListRequest, revision: Revision) -> Option<ListResult> {
        let state = self.state.read();
        if revision == state.revision {
            return Some(page(&state.objects, request, revision));
        }
        if revision < state.window_start || revision > state.revision {
            return None;
        }
        let mut objects: BTreeMap<String, Arc<CachedObject>> =
            scoped(&state.objects, &request.scope, None)
                .map(|o| (o.key.clone(), o.clone()))
                .collect();
        for event in state
            .window
            .iter()
            .rev()
            .take_while(|e| e.revision > revision)
        {
            if !event.key.starts_with(&request.scope) {
                continue;
            }
            match (&event.kind, &event.prev) {
                (EventKind::Added, _) | (_, None) => {
                    objects.remove(&event.key);
                }
                (_, Some(prev)) => {
                    objects.insert(event.key.clone(), prev.clone());
                }
            }
        }
        Some(page(&objects, request, revision))
    }
}

/// Objects of `objects` under `scope`, after `start_after` when given.
fn scoped<'a>(
    objects: &'a BTreeMap<String, Arc<CachedObject>>,
    scope: &'a str,
    start_after: Option<&str>,
) -> impl Iterator<Item = &'a Arc<CachedObject>> + 'a {
    let lower = match start_after {
        Some(key) if key >= scope => Bound::Excluded(key.to_owned()),
        _ => Bound::Included(scope.to_owned()),
    };
    objects
        .range((lower, Bound::Unbounded))
        .take_while(move |(k, _)| k.starts_with(scope))
        .map(|(_, o)| o)
}

/// One page of `objects` for `request`, reported at `revision`.
pub(super) fn page(
    objects: &BTreeMap<String, Arc<CachedObject>>,
    request: &ListRequest,
    revision: Revision,
) -> ListResult {
    let predicate = request.predicate.as_ref();
    let mut matching = scoped(objects, &request.scope, request.start_after.as_deref())
        .filter(|o| predicate.matches(o));
    let limit = request.limit.unwrap_or(usize::MAX);
    let items: Vec<_> = matching.by_ref().take(limit).cloned().collect();
    let more = items.len() == limit && matching.next().is_some();
    let continue_after = more.then(|| items.last().map(|o| o.key.clone())).flatten();
    let remaining = match &continue_after {
        Some(last) if predicate.is_everything() => {
            Some(scoped(objects, &request.scope, Some(last)).count() as u64)
        }
        _ => None,
    };
    ListResult {
        items,
        revision,
        continue_after,
        remaining,
    }
}

/// What a watcher with `predicate` sees of an event: objects entering or
/// leaving the selection appear as ADDED or DELETED, as upstream does.
fn convert(event: &CacheEvent, predicate: &dyn Predicate) -> Option<Delivery> {
    let now = predicate.matches(&event.object);
    let before = event.prev.as_ref().is_some_and(|p| predicate.matches(p));
    let kind = match event.kind {
        EventKind::Added if now => EventKind::Added,
        EventKind::Deleted if before => EventKind::Deleted,
        EventKind::Modified => match (before, now) {
            (true, true) => EventKind::Modified,
            (false, true) => EventKind::Added,
            (true, false) => EventKind::Deleted,
            (false, false) => return None,
        },
        _ => return None,
    };
    Some(Delivery::Event(kind, event.object.clone()))
}

/// Delivers an event to a watcher; false when the watcher must be dropped.
fn deliver(watcher: &Watcher, event: &CacheEvent) -> bool {
    if !event.key.starts_with(&watcher.scope) {
        return true;
    }
    match convert(event, watcher.predicate.as_ref()) {
        Some(delivery) => send(&watcher.sender, delivery),
        None => true,
    }
}

fn send(sender: &DeliverySender, delivery: Delivery) -> bool {
    match sender.try_send(delivery) {
        Ok(()) => true,
        Err(mpsc::error::TrySendError::Full(_)) => {
            tracing::warn!("dropping a watcher that is too slow to keep up");
            false
        }
        Err(mpsc::error::TrySendError::Closed(_)) => false,
    }
}

fn resource_version(object: &serde_json::Value) -> Revision {
    object["metadata"]["resourceVersion"]
        .as_str()
        .and_then(|rv| rv.parse().ok())
        .unwrap_or(0)
}

/// A running watch: initial deliveries, then live ones. The stream ends when
/// the watcher is dropped for being too slow or the cache reloads.
pub struct CacheWatch {
    initial: VecDeque<Delivery>,
    receiver: mpsc::Receiver<Delivery>,
}

impl CacheWatch {
    pub(super) fn with_replay(mut self, replay: Vec<Delivery>) -> Self {
        let mut initial: VecDeque<Delivery> = replay.into();
        initial.append(&mut self.initial);
        self.initial = initial;
        self
    }
}

impl Stream for CacheWatch {
    type Item = Delivery;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Delivery>> {
        if let Some(delivery) = self.initial.pop_front() {
            return Poll::Ready(Some(delivery));
        }
        self.receiver.poll_recv(cx)
    }
}
