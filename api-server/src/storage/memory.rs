//! In-memory [`Backend`], for tests: the same semantics as RocksDB without
//! durability.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use parking_lot::RwLock;

use super::{Backend, Event, EventKind, Result, Revision, Stored};

/// Objects and log held in memory; lost when dropped.
#[derive(Default)]
pub struct MemoryBackend {
    state: RwLock<State>,
}

#[derive(Default)]
struct State {
    objects: BTreeMap<String, Stored>,
    log: VecDeque<Arc<Event>>,
    revision: Revision,
    compacted: Revision,
}

impl Backend for MemoryBackend {
    fn revisions(&self) -> Result<(Revision, Revision)> {
        let state = self.state.read();
        Ok((state.revision, state.compacted))
    }

    fn get(&self, key: &str) -> Result<Option<Stored>> {
        Ok(self.state.read().objects.get(key).cloned())
    }

    fn list(&self, prefix: &str) -> Result<(Vec<Stored>, Revision)> {
        let state = self.state.read();
        let items = state
            .objects
            .range(prefix.to_owned()..)
            .take_while(|(k, _)| k.starts_with(prefix))
            .map(|(_, v)| v.clone())
            .collect();
        Ok((items, state.revision))
    }

    fn commit(&self, events: &[Arc<Event>]) -> Result<()> {
        let mut state = self.state.write();
        for event in events {
            match event.kind {
                EventKind::Added | EventKind::Modified => {
                    let stored = Stored {
                        key: event.key.clone(),
                        revision: event.revision,
                        value: event.value.clone(),
                    };
                    state.objects.insert(event.key.clone(), stored);
                }
                EventKind::Deleted => {
                    state.objects.remove(&event.key);
                }
            }
            state.revision = event.revision;
            state.log.push_back(event.clone());
        }
        Ok(())
    }

    fn read_log(&self, after: Revision, prefix: &str) -> Result<Vec<Arc<Event>>> {
        let state = self.state.read();
        let start = state.log.partition_point(|e| e.revision <= after);
        Ok(state
            .log
            .range(start..)
            .filter(|e| e.key.starts_with(prefix))
            .cloned()
            .collect())
    }

    fn compact(&self, upto: Revision) -> Result<()> {
        let mut state = self.state.write();
        while state.log.front().is_some_and(|e| e.revision <= upto) {
            state.log.pop_front();
        }
        state.compacted = state.compacted.max(upto);
        Ok(())
    }
}

#[cfg(test)]
mod suite {
    use std::sync::Arc;

    use crate::storage::{KvStorage, Storage};

    use super::MemoryBackend;

    fn start(options: crate::storage::Options) -> (Arc<dyn Storage>, ()) {
        let storage = KvStorage::new(MemoryBackend::default(), options).expect("start storage");
        (Arc::new(storage), ())
    }

    crate::storage_suite!(start);
}
