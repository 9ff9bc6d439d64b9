//! The backend-agnostic storage suite: every case runs against every
//! [`Backend`](super::Backend) through [`storage_suite!`].
//!
//! Counterpart of k8s.io/apiserver `pkg/storage/testing/store_tests.go`,
//! written for our [`Storage`] trait.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use serde_json::{Value, json};

use super::{Error, EventKind, Options, Storage};

/// A minimal object with metadata, as the registry stores them.
pub fn object(name: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": {"k": name}})
}

fn resource_version(value: &[u8]) -> String {
    let object: Value = serde_json::from_slice(value).expect("stored JSON");
    object["metadata"]["resourceVersion"]
        .as_str()
        .expect("resourceVersion")
        .to_owned()
}

/// Options that compact as soon as possible, for compaction cases.
pub fn eager_compaction() -> Options {
    Options {
        retention_window: Duration::ZERO,
        retention_min_events: 0,
        compaction_interval: Duration::ZERO,
        ..Options::default()
    }
}

pub async fn create_assigns_revisions(storage: Arc<dyn Storage>) {
    let base = storage.current_revision();
    let a = storage.create("/t/a", object("a")).await.expect("create a");
    let b = storage.create("/t/b", object("b")).await.expect("create b");
    assert_eq!(a.revision, base + 1);
    assert_eq!(b.revision, base + 2);
    assert_eq!(resource_version(&b.value), (base + 2).to_string());
    assert_eq!(storage.current_revision(), base + 2);
    let again = storage.create("/t/a", object("a")).await;
    assert!(
        matches!(again, Err(Error::AlreadyExists { .. })),
        "{again:?}"
    );
    assert_eq!(
        storage.current_revision(),
        base + 2,
        "a failed write takes no revision"
    );
    let got = storage.get("/t/a").await.expect("get").expect("present");
    assert_eq!(got, a);
    assert_eq!(storage.get("/t/missing").await.expect("get"), None);
}

pub async fn update_checks_revision(storage: Arc<dyn Storage>) {
    let created = storage.create("/t/a", object("a")).await.expect("create");
    let updated = storage
        .update("/t/a", created.revision, object("a2"))
        .await
        .expect("update");
    assert!(updated.revision > created.revision);
    let stale = storage.update("/t/a", created.revision, object("a3")).await;
    match stale {
        Err(Error::Conflict {
            expected, actual, ..
        }) => {
            assert_eq!(expected, created.revision);
            assert_eq!(actual, updated.revision);
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    let missing = storage.update("/t/missing", 1, object("x")).await;
    assert!(
        matches!(missing, Err(Error::NotFound { .. })),
        "{missing:?}"
    );
    let got = storage.get("/t/a").await.expect("get").expect("present");
    assert_eq!(got.value, updated.value);
}

pub async fn delete_stamps_deletion_revision(storage: Arc<dyn Storage>) {
    let created = storage.create("/t/a", object("a")).await.expect("create");
    let wrong = storage.delete("/t/a", Some(created.revision + 100)).await;
    assert!(matches!(wrong, Err(Error::Conflict { .. })), "{wrong:?}");
    let deleted = storage
        .delete("/t/a", Some(created.revision))
        .await
        .expect("delete");
    assert!(deleted.revision > created.revision);
    assert_eq!(
        resource_version(&deleted.value),
        deleted.revision.to_string()
    );
    assert_eq!(storage.get("/t/a").await.expect("get"), None);
    let again = storage.delete("/t/a", None).await;
    assert!(matches!(again, Err(Error::NotFound { .. })), "{again:?}");
}

pub async fn list_is_prefix_scoped_and_consistent(storage: Arc<dyn Storage>) {
    for name in ["a", "b", "c"] {
        storage
            .create(&format!("/t/pods/{name}"), object(name))
            .await
            .expect("create");
    }
    storage
        .create("/t/podsx/z", object("z"))
        .await
        .expect("create");
    let (items, revision) = storage.list("/t/pods/").await.expect("list");
    let keys: Vec<_> = items.iter().map(|s| s.key.as_str()).collect();
    assert_eq!(keys, ["/t/pods/a", "/t/pods/b", "/t/pods/c"]);
    assert_eq!(revision, storage.current_revision());
}

pub async fn watch_replays_then_follows(storage: Arc<dyn Storage>) {
    let start = storage.current_revision();
    let a = storage.create("/t/w/a", object("a")).await.expect("create");
    storage
        .create("/t/other/x", object("x"))
        .await
        .expect("create");
    let mut watch = storage.watch("/t/w/", start).await.expect("watch");
    storage
        .update("/t/w/a", a.revision, object("a2"))
        .await
        .expect("update");
    storage.delete("/t/w/a", None).await.expect("delete");
    let mut seen = Vec::new();
    for _ in 0..3 {
        let event = tokio::time::timeout(Duration::from_secs(5), watch.next())
            .await
            .expect("event in time")
            .expect("stream open")
            .expect("no error");
        seen.push((event.kind, event.revision, event.prev.is_some()));
    }
    assert_eq!(
        seen.iter().map(|s| s.0).collect::<Vec<_>>(),
        [EventKind::Added, EventKind::Modified, EventKind::Deleted]
    );
    assert!(
        seen.windows(2).all(|w| w[0].1 < w[1].1),
        "ordered: {seen:?}"
    );
    assert_eq!(
        seen.iter().map(|s| s.2).collect::<Vec<_>>(),
        [false, true, true]
    );
}

pub async fn watch_from_compacted_revision_fails(storage: Arc<dyn Storage>) {
    let first = storage.create("/t/a", object("a")).await.expect("create");
    // Compaction happens after commits; a few writes spaced in time let the
    // committer drop the early part of the log.
    for i in 0..5 {
        tokio::time::sleep(Duration::from_millis(20)).await;
        storage
            .create(&format!("/t/n{i}"), object("n"))
            .await
            .expect("create");
    }
    assert!(storage.compacted_revision() >= first.revision);
    let result = storage.watch("/t/", first.revision - 1).await;
    assert!(
        matches!(result, Err(Error::Compacted { .. })),
        "expected Compacted"
    );
    let current = storage.current_revision();
    assert!(storage.watch("/t/", current).await.is_ok());
}

pub async fn concurrent_writers_get_distinct_revisions(storage: Arc<dyn Storage>) {
    let base = storage.current_revision();
    let tasks: Vec<_> = (0..64)
        .map(|i| {
            let storage = storage.clone();
            tokio::spawn(async move {
                storage
                    .create(&format!("/t/c/{i}"), object("c"))
                    .await
                    .expect("create")
                    .revision
            })
        })
        .collect();
    let mut revisions = Vec::new();
    for task in tasks {
        revisions.push(task.await.expect("task"));
    }
    revisions.sort_unstable();
    revisions.dedup();
    assert_eq!(revisions.len(), 64);
    assert_eq!(storage.current_revision(), base + 64);
    let (items, _) = storage.list("/t/c/").await.expect("list");
    assert_eq!(items.len(), 64);
}

pub async fn slow_watcher_is_dropped(storage: Arc<dyn Storage>) {
    // Built with a watch buffer of 8 events by the suite macro.
    let mut watch = storage
        .watch("/t/", storage.current_revision())
        .await
        .expect("watch");
    let writers: Vec<_> = (0..32)
        .map(|i| {
            let storage = storage.clone();
            tokio::spawn(async move { storage.create(&format!("/t/s/{i}"), object("s")).await })
        })
        .collect();
    for writer in writers {
        writer.await.expect("task").expect("writes never stall");
    }
    let mut last = None;
    while let Some(item) = tokio::time::timeout(Duration::from_secs(5), watch.next())
        .await
        .expect("stream ends")
    {
        last = Some(item);
    }
    assert!(matches!(last, Some(Err(Error::WatcherTooSlow))), "{last:?}");
}

/// Runs every case of the suite against a backend. `$make` is an expression
/// of type `fn(Options) -> (Arc<dyn Storage>, Guard)`, the guard keeping the
/// backend's resources (a temporary directory) alive for the case.
#[macro_export]
macro_rules! storage_suite {
    ($make:expr) => {
        use $crate::storage::testing as suite;

        #[tokio::test]
        async fn create_assigns_revisions() {
            let (storage, _guard) = ($make)($crate::storage::Options::default());
            suite::create_assigns_revisions(storage).await;
        }
        #[tokio::test]
        async fn update_checks_revision() {
            let (storage, _guard) = ($make)($crate::storage::Options::default());
            suite::update_checks_revision(storage).await;
        }
        #[tokio::test]
        async fn delete_stamps_deletion_revision() {
            let (storage, _guard) = ($make)($crate::storage::Options::default());
            suite::delete_stamps_deletion_revision(storage).await;
        }
        #[tokio::test]
        async fn list_is_prefix_scoped_and_consistent() {
            let (storage, _guard) = ($make)($crate::storage::Options::default());
            suite::list_is_prefix_scoped_and_consistent(storage).await;
        }
        #[tokio::test]
        async fn watch_replays_then_follows() {
            let (storage, _guard) = ($make)($crate::storage::Options::default());
            suite::watch_replays_then_follows(storage).await;
        }
        #[tokio::test]
        async fn watch_from_compacted_revision_fails() {
            let (storage, _guard) = ($make)(suite::eager_compaction());
            suite::watch_from_compacted_revision_fails(storage).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn concurrent_writers_get_distinct_revisions() {
            let (storage, _guard) = ($make)($crate::storage::Options::default());
            suite::concurrent_writers_get_distinct_revisions(storage).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn slow_watcher_is_dropped() {
            let options = $crate::storage::Options {
                watch_buffer: 8,
                ..$crate::storage::Options::default()
            };
            let (storage, _guard) = ($make)(options);
            suite::slow_watcher_is_dropped(storage).await;
        }
    };
}
