//! The persistence seam under [`super::KvStorage`]: an ordered key/value map of
//! objects plus the revision log, written one atomic, durable batch at a time.
//!
//! Upstream has no such seam (etcd plays the whole role); ours keeps revision
//! assignment, preconditions and watch fan-out in one place for every engine.

use std::sync::Arc;

use super::{Event, Result, Revision, Stored};

/// A durable engine for objects and their revision log.
///
/// Only the committer thread of [`super::KvStorage`] calls `commit` and
/// `compact`; reads may come from any thread at the same time.
pub trait Backend: Send + Sync + 'static {
    /// The newest committed revision and the newest compacted one.
    fn revisions(&self) -> Result<(Revision, Revision)>;

    /// The current object at `key`.
    fn get(&self, key: &str) -> Result<Option<Stored>>;

    /// Every object under `prefix`, with the revision of that consistent view.
    fn list(&self, prefix: &str) -> Result<(Vec<Stored>, Revision)>;

    /// Applies `events` (consecutive revisions, in order) to the objects and
    /// appends them to the log, atomically; durable when it returns.
    fn commit(&self, events: &[Arc<Event>]) -> Result<()>;

    /// Logged events under `prefix` with a revision above `after`, in order.
    fn read_log(&self, after: Revision, prefix: &str) -> Result<Vec<Arc<Event>>>;

    /// Drops log entries up to and including `upto`.
    fn compact(&self, upto: Revision) -> Result<()>;
}
