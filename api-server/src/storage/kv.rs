//! [`KvStorage`]: the [`Storage`] implementation over any [`Backend`].
//!
//! All writes go through one committer thread. It drains every pending
//! request into one batch (group commit: one synced WAL write acknowledges
//! many clients), checks preconditions in order, assigns consecutive
//! revisions, commits, then publishes the events to watchers and answers the
//! writers. Readers go straight to the backend. Plays the role of etcd's MVCC
//! store and watch server for upstream's etcd3 storage (k8s.io/apiserver
//! `pkg/storage/etcd3/store.go`, `watcher.go`).

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc as std_mpsc;
use std::thread;
use std::time::Instant;

use async_trait::async_trait;
use futures::StreamExt;
use parking_lot::Mutex;
use serde_json::Value;
use tokio::sync::{mpsc, oneshot};
use tokio_stream::wrappers::ReceiverStream;

use super::{
    Backend, Error, Event, EventKind, Options, Result, Revision, Storage, Stored, WatchStream,
    restamp, stamp,
};

/// Most requests folded into one commit.
const MAX_BATCH: usize = 1024;

/// Versioned storage over a [`Backend`]; see the module documentation.
pub struct KvStorage<B: Backend> {
    shared: Arc<Shared<B>>,
    requests: Mutex<Option<std_mpsc::Sender<Request>>>,
    committer: Mutex<Option<thread::JoinHandle<()>>>,
}

struct Shared<B> {
    backend: B,
    options: Options,
    current: AtomicU64,
    compacted: AtomicU64,
    watchers: Mutex<Vec<Watcher>>,
}

struct Watcher {
    prefix: String,
    events: mpsc::Sender<Result<Arc<Event>>>,
    too_slow: Arc<AtomicBool>,
}

enum Op {
    Create { object: Value },
    Update { expected: Revision, object: Value },
    Delete { expected: Option<Revision> },
}

struct Request {
    key: String,
    op: Op,
    reply: oneshot::Sender<Result<Stored>>,
}

impl<B: Backend> KvStorage<B> {
    /// Starts the committer over `backend`.
    pub fn new(backend: B, options: Options) -> Result<Self> {
        let (current, compacted) = backend.revisions()?;
        let shared = Arc::new(Shared {
            backend,
            options,
            current: AtomicU64::new(current),
            compacted: AtomicU64::new(compacted),
            watchers: Mutex::new(Vec::new()),
        });
        let (tx, rx) = std_mpsc::channel();
        let committer = Committer {
            shared: shared.clone(),
            // Everything already logged counts as written now: it is kept for
            // at least one more window after a restart.
            checkpoints: VecDeque::from([(current, Instant::now())]),
            last_compaction: Instant::now(),
        };
        let handle = thread::Builder::new()
            .name("storage-committer".into())
            .spawn(move || committer.run(rx))
            .map_err(|e| Error::Engine {
                context: "starting the committer thread".into(),
                source: Box::new(e),
            })?;
        Ok(Self {
            shared,
            requests: Mutex::new(Some(tx)),
            committer: Mutex::new(Some(handle)),
        })
    }

    async fn submit(&self, key: &str, op: Op) -> Result<Stored> {
        let (reply, answer) = oneshot::channel();
        let request = Request {
            key: key.to_owned(),
            op,
            reply,
        };
        self.requests
            .lock()
            .as_ref()
            .ok_or(Error::Closed)?
            .send(request)
            .map_err(|_| Error::Closed)?;
        answer.await.map_err(|_| Error::Closed)?
    }

    async fn blocking<T: Send + 'static>(
        &self,
        read: impl FnOnce(&B) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let shared = self.shared.clone();
        tokio::task::spawn_blocking(move || read(&shared.backend))
            .await
            .map_err(|e| Error::Engine {
                context: "storage read task".into(),
                source: Box::new(e),
            })?
    }
}

impl<B: Backend> Drop for KvStorage<B> {
    fn drop(&mut self) {
        // Closing the channel lets the committer finish what is queued and stop.
        self.requests.lock().take();
        if let Some(handle) = self.committer.lock().take() {
            let _ = handle.join();
        }
    }
}

#[async_trait]
impl<B: Backend> Storage for KvStorage<B> {
    async fn create(&self, key: &str, object: Value) -> Result<Stored> {
        self.submit(key, Op::Create { object }).await
    }

    async fn update(&self, key: &str, expected: Revision, object: Value) -> Result<Stored> {
        self.submit(key, Op::Update { expected, object }).await
    }

    async fn delete(&self, key: &str, expected: Option<Revision>) -> Result<Stored> {
        self.submit(key, Op::Delete { expected }).await
    }

    async fn get(&self, key: &str) -> Result<Option<Stored>> {
        self.shared.backend.get(key)
    }

    async fn list(&self, prefix: &str) -> Result<(Vec<Stored>, Revision)> {
        let prefix = prefix.to_owned();
        self.blocking(move |backend| backend.list(&prefix)).await
    }

    async fn watch(&self, prefix: &str, from: Revision) -> Result<WatchStream> {
        let compacted = self.compacted_revision();
        if from < compacted {
            return Err(Error::Compacted {
                requested: from,
                compacted,
            });
        }
        let (tx, rx) = mpsc::channel(self.shared.options.watch_buffer);
        let too_slow = Arc::new(AtomicBool::new(false));
        // Registering under the watchers lock fixes the boundary: events up to
        // `attached` are in the backend's log, later ones arrive live.
        let attached = {
            let mut watchers = self.shared.watchers.lock();
            watchers.push(Watcher {
                prefix: prefix.to_owned(),
                events: tx,
                too_slow: too_slow.clone(),
            });
            self.shared.current.load(Ordering::Acquire)
        };
        let replay = if from < attached {
            let mut events = self.history(prefix, from).await?;
            events.retain(|e| e.revision <= attached);
            events
        } else {
            Vec::new()
        };
        let replay = futures::stream::iter(replay.into_iter().map(Ok));
        let live = ReceiverStream::new(rx);
        let ending = futures::stream::once(async move {
            too_slow
                .load(Ordering::Acquire)
                .then_some(Err(Error::WatcherTooSlow))
        })
        .filter_map(futures::future::ready);
        Ok(Box::pin(replay.chain(live).chain(ending)))
    }

    async fn history(&self, prefix: &str, after: Revision) -> Result<Vec<Arc<Event>>> {
        let compacted = || {
            let compacted = self.compacted_revision();
            (after < compacted).then_some(Error::Compacted {
                requested: after,
                compacted,
            })
        };
        if let Some(error) = compacted() {
            return Err(error);
        }
        let prefix = prefix.to_owned();
        let events = self
            .blocking(move |backend| backend.read_log(after, &prefix))
            .await?;
        // Compaction may have raced the read; the answer is only whole if not.
        match compacted() {
            Some(error) => Err(error),
            None => Ok(events),
        }
    }

    fn current_revision(&self) -> Revision {
        self.shared.current.load(Ordering::Acquire)
    }

    fn compacted_revision(&self) -> Revision {
        self.shared.compacted.load(Ordering::Acquire)
    }
}

struct Committer<B> {
    shared: Arc<Shared<B>>,
    /// (revision, when it was committed), one per batch, oldest first.
    checkpoints: VecDeque<(Revision, Instant)>,
    last_compaction: Instant,
}

impl<B: Backend> Committer<B> {
    fn run(mut self, requests: std_mpsc::Receiver<Request>) {
        while let Ok(first) = requests.recv() {
            let mut batch = vec![first];
            while batch.len() < MAX_BATCH {
                match requests.try_recv() {
                    Ok(request) => batch.push(request),
                    Err(_) => break,
                }
            }
            self.commit(batch);
            self.maybe_compact();
        }
    }

    fn commit(&mut self, batch: Vec<Request>) {
        let mut revision = self.shared.current.load(Ordering::Acquire);
        // State of keys already touched in this batch.
        let mut touched: HashMap<String, Option<Stored>> = HashMap::new();
        let mut events = Vec::with_capacity(batch.len());
        let mut outcomes = Vec::with_capacity(batch.len());
        for Request { key, op, reply } in batch {
            let current = match touched.get(&key) {
                Some(state) => Ok(state.clone()),
                None => self.shared.backend.get(&key),
            };
            match current.and_then(|current| apply(&key, op, current, revision + 1)) {
                Ok(event) => {
                    revision = event.revision;
                    let state = (event.kind != EventKind::Deleted).then(|| Stored {
                        key: key.clone(),
                        revision,
                        value: event.value.clone(),
                    });
                    touched.insert(key, state);
                    outcomes.push((reply, Ok(events.len())));
                    events.push(Arc::new(event));
                }
                Err(error) => outcomes.push((reply, Err(error))),
            }
        }
        if let Err(error) = self.shared.backend.commit(&events) {
            tracing::error!(%error, "storage commit failed");
            let message = error.to_string();
            for (reply, outcome) in outcomes {
                let _ = reply.send(outcome.and_then(|_| {
                    Err(Error::Engine {
                        context: "commit failed".into(),
                        source: message.clone().into(),
                    })
                }));
            }
            return;
        }
        if !events.is_empty() {
            self.publish(&events, revision);
            self.checkpoints.push_back((revision, Instant::now()));
        }
        for (reply, outcome) in outcomes {
            let _ = reply.send(outcome.map(|index| {
                let event = &events[index];
                Stored {
                    key: event.key.clone(),
                    revision: event.revision,
                    value: event.value.clone(),
                }
            }));
        }
    }

    fn publish(&self, events: &[Arc<Event>], revision: Revision) {
        let mut watchers = self.shared.watchers.lock();
        self.shared.current.store(revision, Ordering::Release);
        watchers.retain(|watcher| {
            for event in events.iter().filter(|e| e.key.starts_with(&watcher.prefix)) {
                match watcher.events.try_send(Ok(event.clone())) {
                    Ok(()) => {}
                    Err(mpsc::error::TrySendError::Full(_)) => {
                        watcher.too_slow.store(true, Ordering::Release);
                        return false;
                    }
                    Err(mpsc::error::TrySendError::Closed(_)) => return false,
                }
            }
            true
        });
    }

    fn maybe_compact(&mut self) {
        let options = self.shared.options;
        if self.last_compaction.elapsed() < options.compaction_interval {
            return;
        }
        self.last_compaction = Instant::now();
        let current = self.shared.current.load(Ordering::Acquire);
        let mut upto = None;
        while let Some(&(revision, at)) = self.checkpoints.front() {
            let old_enough = at.elapsed() >= options.retention_window;
            let enough_newer = current - revision >= options.retention_min_events;
            if !(old_enough && enough_newer) || self.checkpoints.len() == 1 {
                break;
            }
            upto = Some(revision);
            self.checkpoints.pop_front();
        }
        if let Some(upto) = upto.filter(|&u| u > self.shared.compacted.load(Ordering::Acquire)) {
            match self.shared.backend.compact(upto) {
                Ok(()) => self.shared.compacted.store(upto, Ordering::Release),
                Err(error) => tracing::warn!(%error, upto, "log compaction failed"),
            }
        }
    }
}

/// Checks `op` against the current state of `key` and builds its event.
fn apply(key: &str, op: Op, current: Option<Stored>, revision: Revision) -> Result<Event> {
    let not_found = || Error::NotFound { key: key.into() };
    let check = |expected: Revision, current: &Stored| {
        if expected == current.revision {
            Ok(())
        } else {
            Err(Error::Conflict {
                key: key.into(),
                expected,
                actual: current.revision,
            })
        }
    };
    let (kind, value, prev) = match op {
        Op::Create { mut object } => {
            if current.is_some() {
                return Err(Error::AlreadyExists { key: key.into() });
            }
            (EventKind::Added, stamp(key, &mut object, revision)?, None)
        }
        Op::Update {
            expected,
            mut object,
        } => {
            let current = current.ok_or_else(not_found)?;
            check(expected, &current)?;
            let value = stamp(key, &mut object, revision)?;
            (EventKind::Modified, value, Some(current.value))
        }
        Op::Delete { expected } => {
            let current = current.ok_or_else(not_found)?;
            if let Some(expected) = expected {
                check(expected, &current)?;
            }
            let value = restamp(key, &current.value, revision)?;
            (EventKind::Deleted, value, Some(current.value))
        }
    };
    Ok(Event {
        revision,
        kind,
        key: key.into(),
        value,
        prev,
    })
}
