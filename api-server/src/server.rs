//! Starting and stopping the api-server: storage, watch cache, registry,
//! bootstrap objects and the HTTP listener.

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use tokio::net::TcpListener;

use crate::endpoints::{AppState, router};
use crate::metrics::Metrics;
use crate::registry::core::service::{self, ServiceNetwork};
use crate::registry::{self, Registry, WriteOptions};
use crate::storage::cacher::{CacheOptions, WatchCache};
use crate::storage::memory::MemoryBackend;
use crate::storage::rocksdb::RocksBackend;
use crate::storage::{self as store, KvStorage, Options, Storage};

/// Result alias of this module.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Failures while starting the server.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("opening storage")]
    Storage(#[from] store::Error),
    #[error("starting the watch cache")]
    Cache(#[from] store::cacher::Error),
    #[error("binding {addr}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("creating system object {name}: {message}")]
    Bootstrap { name: String, message: String },
    #[error("serving HTTP")]
    Serve(#[source] std::io::Error),
}

/// Where objects are kept.
#[derive(Clone, Debug)]
pub enum StorageConfig {
    /// RocksDB in this data directory (the default).
    RocksDb(PathBuf),
    /// Memory only, lost at exit (tests).
    Memory,
}

/// Everything `run` needs.
#[derive(Clone, Debug)]
pub struct Config {
    pub storage: StorageConfig,
    pub bind: SocketAddr,
    pub storage_options: Options,
    pub cache_options: CacheOptions,
    /// Where service cluster IPs and node ports come from.
    pub service_network: ServiceNetwork,
}

/// A started server: its address and shared state.
pub struct Server {
    pub addr: SocketAddr,
    pub state: Arc<AppState>,
    listener: TcpListener,
}

impl Server {
    /// Opens storage, loads the watch cache, binds the listener and creates
    /// the system namespaces and the `kubernetes` service.
    pub async fn start(config: Config) -> Result<Self> {
        let storage: Arc<dyn Storage> = match &config.storage {
            StorageConfig::RocksDb(dir) => Arc::new(KvStorage::new(
                RocksBackend::open(dir)?,
                config.storage_options,
            )?),
            StorageConfig::Memory => Arc::new(KvStorage::new(
                MemoryBackend::default(),
                config.storage_options,
            )?),
        };
        let entries = registry::entries(config.service_network);
        let resources = entries
            .iter()
            .map(|e| (e.info.key_prefix(), e.attrs.clone()))
            .collect();
        let cache = WatchCache::start(storage.clone(), resources, config.cache_options).await?;
        let registry = Registry::build(&entries, &storage, &cache);
        let listener = TcpListener::bind(config.bind)
            .await
            .map_err(|source| Error::Bind {
                addr: config.bind,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| Error::Bind {
            addr: config.bind,
            source,
        })?;
        bootstrap(&registry, config.service_network, addr.port()).await?;
        let state = Arc::new(AppState {
            registry,
            metrics: Metrics::new(storage.clone()),
            storage,
        });
        Ok(Self {
            addr,
            state,
            listener,
        })
    }

    /// Serves until `shutdown` resolves.
    pub async fn serve(self, shutdown: impl Future<Output = ()> + Send + 'static) -> Result<()> {
        tracing::info!(addr = %self.addr, "api-server listening");
        axum::serve(self.listener, router(self.state))
            .with_graceful_shutdown(shutdown)
            .await
            .map_err(Error::Serve)
    }
}

/// Starts the server and serves until `shutdown` resolves.
pub async fn run(
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<()> {
    Server::start(config).await?.serve(shutdown).await
}

/// Creates the objects every cluster starts with: the system namespaces and
/// the `kubernetes` service.
// k8s: pkg/controlplane/controller/systemnamespaces, pkg/controlplane/controller/kubernetesservice
async fn bootstrap(registry: &Registry, network: ServiceNetwork, port: u16) -> Result<()> {
    let namespaces = registry::core::namespace::INFO;
    for name in registry::core::namespace::SYSTEM_NAMESPACES {
        let object = serde_json::json!({
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": name},
        });
        create_missing(registry, namespaces, None, name, object).await?;
    }
    let object = service::kubernetes_service(network, port);
    create_missing(
        registry,
        service::INFO,
        Some("default"),
        "kubernetes",
        object,
    )
    .await
}

/// Creates `object` unless it exists. Existence is checked first: a create
/// of a service that exists would fail on its cluster IP before storage
/// could answer AlreadyExists.
async fn create_missing(
    registry: &Registry,
    info: &registry::ResourceInfo,
    namespace: Option<&str>,
    name: &str,
    object: serde_json::Value,
) -> Result<()> {
    let Some(rest) = registry.get(info.group, info.version, info.resource) else {
        return Ok(());
    };
    if rest.get(namespace, name).await.is_ok() {
        return Ok(());
    }
    match rest
        .create(namespace, object, &WriteOptions::default())
        .await
    {
        Ok(_) => {
            tracing::info!(resource = info.resource, name, "created system object");
            Ok(())
        }
        Err(error) if error.reason == "AlreadyExists" => Ok(()),
        Err(error) => Err(Error::Bootstrap {
            name: format!("{}/{name}", info.resource),
            message: error.message,
        }),
    }
}
