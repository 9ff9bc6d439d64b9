//! Storage: versioned key/value objects with a global revision and a watchable
//! revision log.
//!
//! Counterpart of k8s.io/apiserver `pkg/storage/interfaces.go` (the `Interface`
//! the generic registry talks to) and of etcd's MVCC semantics that the
//! upstream etcd3 store relies on: one global, monotonically increasing `u64`
//! revision stamped into `metadata.resourceVersion` of every object written,
//! compare-and-swap updates, and a revision log from which watches resume.
//!
//! [`KvStorage`] implements [`Storage`] once for any [`Backend`]: the embedded
//! RocksDB backend ([`rocksdb::RocksBackend`], the default) and the in-memory
//! backend ([`memory::MemoryBackend`], for tests). [`cacher`] builds the watch
//! cache on top of any [`Storage`].

pub mod backend;
pub mod cacher;
pub mod kv;
pub mod memory;
pub mod rocksdb;
#[cfg(test)]
pub mod testing;

use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use futures::Stream;
use serde_json::Value;

pub use backend::Backend;
pub use kv::KvStorage;

/// A storage revision: the global write counter, rendered as `resourceVersion`.
pub type Revision = u64;

/// Result alias of this module.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Failures of storage operations. Variants name the key they concern.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("key {key} already exists")]
    AlreadyExists { key: String },
    #[error("key {key} not found")]
    NotFound { key: String },
    #[error("conflict on {key}: expected revision {expected}, current revision {actual}")]
    Conflict {
        key: String,
        expected: Revision,
        actual: Revision,
    },
    #[error("revision {requested} has been compacted; oldest available is {compacted}")]
    Compacted {
        requested: Revision,
        compacted: Revision,
    },
    #[error("watcher fell too far behind and was dropped")]
    WatcherTooSlow,
    #[error("object for {key} is not a JSON object with metadata")]
    NotAnObject { key: String },
    #[error("encoding object for {key}")]
    Encode {
        key: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("stored object at {key} is corrupt")]
    Corrupt {
        key: String,
        #[source]
        source: Option<serde_json::Error>,
    },
    #[error("storage engine failed: {context}")]
    Engine {
        context: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("storage is shut down")]
    Closed,
}

/// An object as stored: JSON with `metadata.resourceVersion` set to `revision`.
#[derive(Clone, Debug, PartialEq)]
pub struct Stored {
    pub key: String,
    pub revision: Revision,
    pub value: Bytes,
}

/// What happened to a key in one revision.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventKind {
    Added,
    Modified,
    Deleted,
}

/// One entry of the revision log.
///
/// For `Deleted`, `value` is the last state of the object stamped with the
/// deletion revision, as upstream watch delivers it.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    pub revision: Revision,
    pub kind: EventKind,
    pub key: String,
    pub value: Bytes,
    /// The object before this revision (absent for `Added`).
    pub prev: Option<Bytes>,
}

/// A stream of events of one watch, in revision order. It ends with
/// `Err(WatcherTooSlow)` if the consumer could not keep up.
pub type WatchStream = Pin<Box<dyn Stream<Item = Result<Arc<Event>>> + Send>>;

/// The storage interface the registry and the watch cache use.
#[async_trait]
pub trait Storage: Send + Sync + 'static {
    /// Stores a new object at `key`; fails with `AlreadyExists`.
    async fn create(&self, key: &str, object: Value) -> Result<Stored>;

    /// Replaces the object at `key` if its revision is still `expected`.
    async fn update(&self, key: &str, expected: Revision, object: Value) -> Result<Stored>;

    /// Removes the object at `key`, if `expected` is given only at that
    /// revision. Returns the removed object stamped with the deletion revision.
    async fn delete(&self, key: &str, expected: Option<Revision>) -> Result<Stored>;

    /// Reads the current object at `key`.
    async fn get(&self, key: &str) -> Result<Option<Stored>>;

    /// Reads every object whose key starts with `prefix`, at one consistent
    /// revision, which is returned too.
    async fn list(&self, prefix: &str) -> Result<(Vec<Stored>, Revision)>;

    /// Streams every event with a revision above `from` for keys under
    /// `prefix`; `Compacted` when the log no longer reaches back to `from`.
    async fn watch(&self, prefix: &str, from: Revision) -> Result<WatchStream>;

    /// The logged events under `prefix` with a revision above `after`, as far
    /// as the log reaches now; `Compacted` when it no longer reaches `after`.
    async fn history(&self, prefix: &str, after: Revision) -> Result<Vec<Arc<Event>>>;

    /// The revision of the newest acknowledged write.
    fn current_revision(&self) -> Revision;

    /// The newest revision the log has dropped: watches must start at or above it.
    fn compacted_revision(&self) -> Revision;
}

/// Tuning of [`KvStorage`]: how much of the revision log is kept for watch
/// resumption, and how far a watcher may fall behind.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Events younger than this are always kept.
    pub retention_window: Duration,
    /// At least this many of the newest events are always kept.
    pub retention_min_events: u64,
    /// How often the log is considered for compaction.
    pub compaction_interval: Duration,
    /// Events buffered per watcher before it is dropped as too slow.
    pub watch_buffer: usize,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            retention_window: Duration::from_secs(5 * 60),
            retention_min_events: 10_000,
            compaction_interval: Duration::from_secs(1),
            watch_buffer: 16 * 1024,
        }
    }
}

/// Sets `metadata.resourceVersion` of `object` to `revision` and encodes it.
pub(crate) fn stamp(key: &str, object: &mut Value, revision: Revision) -> Result<Bytes> {
    let metadata = object
        .as_object_mut()
        .and_then(|o| o.get_mut("metadata"))
        .and_then(Value::as_object_mut)
        .ok_or_else(|| Error::NotAnObject { key: key.into() })?;
    metadata.insert(
        "resourceVersion".into(),
        Value::String(revision.to_string()),
    );
    serde_json::to_vec(object)
        .map(Bytes::from)
        .map_err(|source| Error::Encode {
            key: key.into(),
            source,
        })
}

/// Decodes stored bytes, restamped with `revision` (used for deletion events).
pub(crate) fn restamp(key: &str, value: &[u8], revision: Revision) -> Result<Bytes> {
    let mut object: Value = serde_json::from_slice(value).map_err(|source| Error::Corrupt {
        key: key.into(),
        source: Some(source),
    })?;
    stamp(key, &mut object, revision)
}
