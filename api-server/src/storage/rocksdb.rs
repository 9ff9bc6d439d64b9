//! Embedded RocksDB [`Backend`], the default storage engine.
//!
//! Layout: column family `objects` maps a key to `revision (u64 BE) ++ JSON`;
//! column family `log` maps `revision (u64 BE)` to an encoded [`Event`]; the
//! default column family holds the `revision` and `compacted` counters. Every
//! commit is one `WriteBatch` written with a synced WAL, so an acknowledged
//! write survives `kill -9` and a torn batch is never visible. Plays the role
//! etcd's MVCC store plays upstream.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use rocksdb::{
    ColumnFamily, ColumnFamilyDescriptor, DB, Direction, IteratorMode, Options, WriteBatch,
    WriteOptions,
};

use super::{Backend, Error, Event, EventKind, Result, Revision, Stored};

const OBJECTS: &str = "objects";
const LOG: &str = "log";
const REVISION: &[u8] = b"revision";
const COMPACTED: &[u8] = b"compacted";

/// RocksDB database in a data directory.
pub struct RocksBackend {
    db: DB,
    path: PathBuf,
}

impl RocksBackend {
    /// Opens (creating if needed) the database in `path`.
    pub fn open(path: &Path) -> Result<Self> {
        let mut options = Options::default();
        options.create_if_missing(true);
        options.create_missing_column_families(true);
        options.set_max_background_jobs(2);
        options.set_keep_log_file_num(4);
        let families = [OBJECTS, LOG]
            .into_iter()
            .map(|name| ColumnFamilyDescriptor::new(name, Options::default()));
        let db = DB::open_cf_descriptors(&options, path, families)
            .map_err(|e| engine(format!("opening RocksDB at {}", path.display()), e))?;
        Ok(Self {
            db,
            path: path.to_owned(),
        })
    }

    fn family(&self, name: &str) -> &ColumnFamily {
        // Both families are created by `open`, so they are always present.
        #[allow(clippy::expect_used)]
        self.db
            .cf_handle(name)
            .expect("column family created at open")
    }

    fn counter(&self, value: Option<Vec<u8>>) -> Result<Revision> {
        value.map_or(Ok(0), |bytes| {
            decode_revision(&bytes).ok_or_else(|| corrupt(&self.path, "revision counter"))
        })
    }
}

impl Backend for RocksBackend {
    fn revisions(&self) -> Result<(Revision, Revision)> {
        let read = |key| {
            self.db
                .get(key)
                .map_err(|e| engine("reading counters".into(), e))
        };
        Ok((
            self.counter(read(REVISION)?)?,
            self.counter(read(COMPACTED)?)?,
        ))
    }

    fn get(&self, key: &str) -> Result<Option<Stored>> {
        let value = self
            .db
            .get_pinned_cf(self.family(OBJECTS), key)
            .map_err(|e| engine(format!("reading {key}"), e))?;
        value.map(|v| decode_object(key, &v)).transpose()
    }

    fn list(&self, prefix: &str) -> Result<(Vec<Stored>, Revision)> {
        let snapshot = self.db.snapshot();
        let revision = self.counter(
            snapshot
                .get(REVISION)
                .map_err(|e| engine("reading revision".into(), e))?,
        )?;
        let mut items = Vec::new();
        let mode = IteratorMode::From(prefix.as_bytes(), Direction::Forward);
        for entry in snapshot.iterator_cf(self.family(OBJECTS), mode) {
            let (key, value) = entry.map_err(|e| engine(format!("listing {prefix}"), e))?;
            if !key.starts_with(prefix.as_bytes()) {
                break;
            }
            let key = std::str::from_utf8(&key).map_err(|_| corrupt(&self.path, "object key"))?;
            items.push(decode_object(key, &value)?);
        }
        Ok((items, revision))
    }

    fn commit(&self, events: &[Arc<Event>]) -> Result<()> {
        let Some(last) = events.last() else {
            return Ok(());
        };
        let objects = self.family(OBJECTS);
        let log = self.family(LOG);
        let mut batch = WriteBatch::default();
        for event in events {
            match event.kind {
                EventKind::Added | EventKind::Modified => {
                    let mut value = Vec::with_capacity(8 + event.value.len());
                    value.extend_from_slice(&event.revision.to_be_bytes());
                    value.extend_from_slice(&event.value);
                    batch.put_cf(objects, &event.key, value);
                }
                EventKind::Deleted => batch.delete_cf(objects, &event.key),
            }
            batch.put_cf(log, event.revision.to_be_bytes(), encode_event(event));
        }
        batch.put(REVISION, last.revision.to_be_bytes());
        let mut options = WriteOptions::default();
        options.set_sync(true);
        self.db
            .write_opt(batch, &options)
            .map_err(|e| engine(format!("committing revision {}", last.revision), e))
    }

    fn read_log(&self, after: Revision, prefix: &str) -> Result<Vec<Arc<Event>>> {
        let start = (after + 1).to_be_bytes();
        let mode = IteratorMode::From(&start, Direction::Forward);
        let mut events = Vec::new();
        for entry in self.db.iterator_cf(self.family(LOG), mode) {
            let (key, value) = entry.map_err(|e| engine("reading the revision log".into(), e))?;
            let revision = decode_revision(&key).ok_or_else(|| corrupt(&self.path, "log key"))?;
            let event =
                decode_event(revision, &value).ok_or_else(|| corrupt(&self.path, "log entry"))?;
            if event.key.starts_with(prefix) {
                events.push(Arc::new(event));
            }
        }
        Ok(events)
    }

    fn compact(&self, upto: Revision) -> Result<()> {
        let mut batch = WriteBatch::default();
        batch.delete_range_cf(
            self.family(LOG),
            0u64.to_be_bytes(),
            (upto + 1).to_be_bytes(),
        );
        batch.put(COMPACTED, upto.to_be_bytes());
        self.db
            .write(batch)
            .map_err(|e| engine(format!("compacting up to {upto}"), e))
    }
}

fn engine(context: String, source: rocksdb::Error) -> Error {
    Error::Engine {
        context,
        source: Box::new(source),
    }
}

fn corrupt(path: &Path, what: &str) -> Error {
    Error::Corrupt {
        key: format!("{} ({what})", path.display()),
        source: None,
    }
}

fn decode_revision(bytes: &[u8]) -> Option<Revision> {
    Some(Revision::from_be_bytes(bytes.get(..8)?.try_into().ok()?))
}

fn decode_object(key: &str, value: &[u8]) -> Result<Stored> {
    let revision = decode_revision(value).ok_or_else(|| Error::Corrupt {
        key: key.into(),
        source: None,
    })?;
    Ok(Stored {
        key: key.into(),
        revision,
        value: Bytes::copy_from_slice(&value[8..]),
    })
}

// Log entry: kind (u8), then key, value and prev, each as u32 LE length +
// bytes; prev's length is u32::MAX when absent.
fn encode_event(event: &Event) -> Vec<u8> {
    let prev_len = event.prev.as_ref().map_or(0, Bytes::len);
    let mut out = Vec::with_capacity(13 + event.key.len() + event.value.len() + prev_len);
    out.push(match event.kind {
        EventKind::Added => 0,
        EventKind::Modified => 1,
        EventKind::Deleted => 2,
    });
    let mut field = |bytes: Option<&[u8]>| match bytes {
        Some(b) => {
            out.extend_from_slice(&(b.len() as u32).to_le_bytes());
            out.extend_from_slice(b);
        }
        None => out.extend_from_slice(&u32::MAX.to_le_bytes()),
    };
    field(Some(event.key.as_bytes()));
    field(Some(&event.value));
    field(event.prev.as_deref());
    out
}

fn decode_event(revision: Revision, bytes: &[u8]) -> Option<Event> {
    let (&kind, mut rest) = bytes.split_first()?;
    let kind = match kind {
        0 => EventKind::Added,
        1 => EventKind::Modified,
        2 => EventKind::Deleted,
        _ => return None,
    };
    let mut field = || -> Option<Option<&[u8]>> {
        let len = u32::from_le_bytes(rest.get(..4)?.try_into().ok()?);
        rest = &rest[4..];
        if len == u32::MAX {
            return Some(None);
        }
        let (value, tail) = rest.split_at_checked(len as usize)?;
        rest = tail;
        Some(Some(value))
    };
    let key = String::from_utf8(field()??.to_vec()).ok()?;
    let value = Bytes::copy_from_slice(field()??);
    let prev = field()?.map(Bytes::copy_from_slice);
    Some(Event {
        revision,
        kind,
        key,
        value,
        prev,
    })
}

#[cfg(test)]
mod suite {
    use std::sync::Arc;

    use tempfile::TempDir;

    use crate::storage::{KvStorage, Options, Storage};

    use super::RocksBackend;

    fn start(options: Options) -> (Arc<dyn Storage>, TempDir) {
        let dir = tempfile::tempdir().expect("temporary directory");
        let backend = RocksBackend::open(dir.path()).expect("open RocksDB");
        let storage = KvStorage::new(backend, options).expect("start storage");
        (Arc::new(storage), dir)
    }

    crate::storage_suite!(start);
}

#[cfg(test)]
mod tests {
    use futures::StreamExt;

    use super::*;
    use crate::storage::testing::object;
    use crate::storage::{KvStorage, Options, Storage};

    #[tokio::test]
    async fn reopening_keeps_objects_revision_and_log() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let open = || {
            let backend = RocksBackend::open(dir.path()).expect("open RocksDB");
            KvStorage::new(backend, Options::default()).expect("start storage")
        };
        let storage = open();
        let a = storage.create("/t/a", object("a")).await.expect("create");
        storage.create("/t/b", object("b")).await.expect("create");
        storage.delete("/t/b", None).await.expect("delete");
        let revision = storage.current_revision();
        drop(storage);

        let storage = open();
        assert_eq!(storage.current_revision(), revision);
        assert_eq!(storage.get("/t/a").await.expect("get"), Some(a));
        assert_eq!(storage.get("/t/b").await.expect("get"), None);
        let mut watch = storage.watch("/t/", 0).await.expect("watch from the start");
        let mut kinds = Vec::new();
        for _ in 0..3 {
            let event = watch.next().await.expect("event").expect("no error");
            kinds.push(event.kind);
        }
        assert_eq!(
            kinds,
            [EventKind::Added, EventKind::Added, EventKind::Deleted]
        );
    }

    #[test]
    fn log_entries_round_trip() {
        let event = Event {
            revision: 7,
            kind: EventKind::Modified,
            key: "/registry/core/pods/default/a".into(),
            value: Bytes::from_static(b"{\"new\":1}"),
            prev: Some(Bytes::from_static(b"{\"old\":1}")),
        };
        assert_eq!(decode_event(7, &encode_event(&event)), Some(event.clone()));
        let added = Event {
            kind: EventKind::Added,
            prev: None,
            ..event
        };
        assert_eq!(decode_event(7, &encode_event(&added)), Some(added));
        assert_eq!(decode_event(7, &[1, 200, 0, 0, 0]), None);
    }
}
