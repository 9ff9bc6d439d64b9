//! Scheduler: binds pending pods to nodes through `pods/binding`, as
//! kube-scheduler does (counterpart of `pkg/scheduler` and
//! `cmd/kube-scheduler`).
//!
//! [`run`] starts the watches feeding the [`cache`] and the [`queue`],
//! optionally waits to lead ([`leader`]), serves `/healthz` and `/metrics`
//! ([`http`]) and runs the scheduling loop ([`scheduler`]), which filters and
//! scores nodes with the [`framework`] plugins, preempts lower-priority pods
//! when nothing fits ([`preemption`]) and reports through [`events`].

pub mod cache;
pub mod events;
pub mod framework;
pub mod http;
pub mod informers;
pub mod leader;
pub mod metrics;
pub mod preemption;
pub mod queue;
pub mod resources;
pub mod scheduler;

use std::future::Future;
use std::sync::Arc;

use kube::Client;
use parking_lot::Mutex;
use tokio::net::TcpListener;

use crate::cache::Cache;
use crate::events::Recorder;
use crate::leader::{Elector, LeaderElection};
use crate::metrics::Metrics;
use crate::queue::{FLUSH_PERIOD, Queue, Timing};
use crate::scheduler::Scheduler;

/// Result alias of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why the scheduler stopped.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("leader election")]
    Leader(#[from] leader::Error),
    #[error("serving /healthz and /metrics")]
    Http(#[source] std::io::Error),
    #[error("a watch of the {0} stopped before its first list")]
    Watch(&'static str),
}

/// Everything [`run`] needs.
pub struct Config {
    pub client: Client,
    /// Pods whose `spec.schedulerName` is this are ours.
    pub scheduler_name: String,
    /// This instance, in events and the lease.
    pub identity: String,
    /// Lead through a Lease before scheduling; `None` schedules at once.
    pub leader_election: Option<LeaderElection>,
    /// Where `/healthz` and `/metrics` are served, if anywhere.
    pub http: Option<TcpListener>,
}

/// Runs the scheduler until `shutdown` resolves or leadership is lost.
pub async fn run(config: Config, shutdown: impl Future<Output = ()>) -> Result<()> {
    let Config {
        client,
        scheduler_name,
        identity,
        leader_election,
        http,
    } = config;
    let metrics = Arc::new(Metrics::new(&scheduler_name));
    let queue = Queue::new(Timing::default());
    let cache = Arc::new(Mutex::new(Cache::default()));
    let mut tasks = tokio::task::JoinSet::new();
    if let Some(listener) = http {
        let app = http::router(metrics.clone(), queue.clone());
        tasks.spawn(async move {
            if let Err(error) = axum::serve(listener, app).await {
                tracing::error!(error = %Error::Http(error), "http server stopped");
            }
        });
    }
    let (mut watches, synced) = informers::start(&client, &scheduler_name, &cache, &queue);
    tokio::pin!(shutdown);
    let mut elector = leader_election.map(|config| Elector::new(client.clone(), config));
    let result = tokio::select! {
        () = &mut shutdown => Ok(()),
        result = async {
            for receiver in synced {
                receiver.await.map_err(|_| Error::Watch("cluster objects"))?;
            }
            tracing::info!("caches synced");
            if let Some(elector) = elector.as_mut() {
                elector.acquire().await;
            }
            let recorder = Recorder::new(client.clone(), scheduler_name.clone(), identity.clone());
            let scheduler = Scheduler::new(
                client.clone(),
                scheduler_name.clone(),
                cache.clone(),
                queue.clone(),
                recorder,
                metrics.clone(),
            );
            let flush = async {
                let mut tick = tokio::time::interval(FLUSH_PERIOD);
                loop {
                    tick.tick().await;
                    queue.flush_unschedulable();
                }
            };
            tracing::info!(scheduler = %scheduler_name, "scheduling");
            match elector.as_mut() {
                Some(elector) => tokio::select! {
                    () = scheduler.run() => Ok(()),
                    () = flush => Ok(()),
                    lost = elector.keep() => Err(Error::Leader(lost)),
                },
                None => tokio::select! {
                    () = scheduler.run() => Ok(()),
                    () = flush => Ok(()),
                },
            }
        } => result,
    };
    queue.close();
    watches.abort_all();
    tasks.abort_all();
    if let Some(elector) = elector.as_mut()
        && result.is_ok()
        && let Err(error) = elector.release().await
    {
        tracing::warn!(%error, "releasing the lease");
    }
    result
}
