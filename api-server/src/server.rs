//! Starting and stopping the api-server: storage, watch cache, registry,
//! bootstrap objects and the listener (HTTPS with client certificates, or
//! plain HTTP on loopback when asked for).

use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

use crate::auth::{self, Authenticator, ClientCertificateUser, UserInfo};
use crate::endpoints::openapi::OpenApi;
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
    #[error("reading {path}: {message}")]
    Credentials { path: PathBuf, message: String },
    #[error("setting up TLS")]
    Tls(#[from] rustls::Error),
    #[error("client certificate authority {path}")]
    ClientAuthority {
        path: PathBuf,
        #[source]
        source: rustls::server::VerifierBuilderError,
    },
    #[error("loading authentication")]
    Auth(#[from] auth::Error),
    #[error("plain HTTP is only served on loopback, not on {0}; give a serving certificate")]
    InsecureBind(SocketAddr),
    #[error("binding {addr}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("creating system object {name}: {message}")]
    Bootstrap { name: String, message: String },
}

/// Where objects are kept.
#[derive(Clone, Debug)]
pub enum StorageConfig {
    /// RocksDB in this data directory (the default).
    RocksDb(PathBuf),
    /// Memory only, lost at exit (tests).
    Memory,
}

/// How clients reach the server.
#[derive(Clone, Debug)]
pub enum Transport {
    /// HTTPS; clients authenticate with certificates or tokens.
    Https(TlsFiles),
    /// Plain HTTP without authentication, refused unless on loopback.
    InsecureHttp,
}

/// The PEM files of the HTTPS listener.
#[derive(Clone, Debug)]
pub struct TlsFiles {
    /// Serving certificate chain.
    pub cert: PathBuf,
    pub key: PathBuf,
    /// Authority of client certificates; without it none are accepted.
    pub client_ca: Option<PathBuf>,
    /// Static bearer tokens (`token,user,uid,"groups"`).
    pub token_file: Option<PathBuf>,
}

/// Everything `run` needs.
#[derive(Clone, Debug)]
pub struct Config {
    pub storage: StorageConfig,
    pub bind: SocketAddr,
    pub transport: Transport,
    pub storage_options: Options,
    pub cache_options: CacheOptions,
    /// Where service cluster IPs and node ports come from.
    pub service_network: ServiceNetwork,
}

/// How long open connections (watches included) get to finish at shutdown.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// A started server: its address and shared state.
pub struct Server {
    pub addr: SocketAddr,
    pub state: Arc<AppState>,
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
}

impl Server {
    /// Opens storage, loads the watch cache, binds the listener and creates
    /// the system objects ([`bootstrap`]).
    pub async fn start(config: Config) -> Result<Self> {
        let (tls, authenticator) = match &config.transport {
            Transport::Https(files) => (
                Some(tls_acceptor(files)?),
                Some(Arc::new(Authenticator::new(files.token_file.as_deref())?)),
            ),
            Transport::InsecureHttp if config.bind.ip().is_loopback() => (None, None),
            Transport::InsecureHttp => return Err(Error::InsecureBind(config.bind)),
        };
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
            .filter_map(|e| Some((e.info.key_prefix(), e.attrs.clone()?)))
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
        let openapi = OpenApi::build(&registry);
        let state = Arc::new(AppState {
            openapi,
            registry,
            metrics: Metrics::new(storage.clone()),
            storage,
            authenticator,
        });
        Ok(Self {
            addr,
            state,
            listener,
            tls,
        })
    }

    /// Serves until `shutdown` resolves, then gives open connections
    /// [`SHUTDOWN_GRACE`] to finish.
    pub async fn serve(self, shutdown: impl Future<Output = ()> + Send + 'static) -> Result<()> {
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        tracing::info!(addr = %self.addr, scheme, "api-server listening");
        let app = router(self.state);
        let graceful = GracefulShutdown::new();
        tokio::pin!(shutdown);
        loop {
            let stream = tokio::select! {
                accepted = self.listener.accept() => match accepted {
                    Ok((stream, _)) => stream,
                    Err(error) => {
                        // Out of file descriptors and the like: pause, go on.
                        tracing::warn!(%error, "accepting a connection failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                },
                () = &mut shutdown => break,
            };
            let _ = stream.set_nodelay(true);
            tokio::spawn(serve_connection(
                stream,
                self.tls.clone(),
                app.clone(),
                graceful.watcher(),
            ));
        }
        if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown())
            .await
            .is_err()
        {
            tracing::info!("closing connections still open after the grace period");
        }
        Ok(())
    }
}

/// Serves HTTP/1.1 and HTTP/2 on one accepted connection, after the TLS
/// handshake when there is one.
async fn serve_connection(
    stream: TcpStream,
    tls: Option<TlsAcceptor>,
    app: axum::Router,
    watcher: hyper_util::server::graceful::Watcher,
) {
    let result = match tls {
        None => serve_http(stream, app, None, watcher).await,
        Some(acceptor) => {
            let stream = match acceptor.accept(stream).await {
                Ok(stream) => stream,
                Err(error) => {
                    tracing::debug!(%error, "TLS handshake failed");
                    return;
                }
            };
            let user = stream
                .get_ref()
                .1
                .peer_certificates()
                .and_then(|chain| chain.first())
                .and_then(|leaf| UserInfo::from_certificate(leaf));
            serve_http(stream, app, user, watcher).await
        }
    };
    if let Err(error) = result {
        tracing::debug!(%error, "connection closed with an error");
    }
}

/// Runs the router over one byte stream, tagging its requests with the
/// connection's client-certificate user.
async fn serve_http<S>(
    stream: S,
    app: axum::Router,
    user: Option<UserInfo>,
    watcher: hyper_util::server::graceful::Watcher,
) -> std::result::Result<(), Box<dyn std::error::Error + Send + Sync>>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let service = tower::service_fn(move |mut request: http::Request<hyper::body::Incoming>| {
        if let Some(user) = &user {
            request
                .extensions_mut()
                .insert(ClientCertificateUser(user.clone()));
        }
        app.clone().oneshot(request.map(axum::body::Body::new))
    });
    let service = hyper_util::service::TowerToHyperService::new(service);
    let builder = auto::Builder::new(TokioExecutor::new());
    let connection = builder.serve_connection_with_upgrades(TokioIo::new(stream), service);
    watcher.watch(connection.into_owned()).await
}

/// The TLS server configuration: serving certificate, optional client
/// certificates verified against the client CA, HTTP/2 and HTTP/1.1.
fn tls_acceptor(files: &TlsFiles) -> Result<TlsAcceptor> {
    let credentials = |path: &Path, message: String| Error::Credentials {
        path: path.to_owned(),
        message,
    };
    let chain = CertificateDer::pem_file_iter(&files.cert)
        .and_then(Iterator::collect::<std::result::Result<Vec<_>, _>>)
        .map_err(|e| credentials(&files.cert, e.to_string()))?;
    let key = PrivateKeyDer::from_pem_file(&files.key)
        .map_err(|e| credentials(&files.key, e.to_string()))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()?;
    let builder = match &files.client_ca {
        Some(path) => {
            let mut roots = rustls::RootCertStore::empty();
            for cert in
                CertificateDer::pem_file_iter(path).map_err(|e| credentials(path, e.to_string()))?
            {
                let cert = cert.map_err(|e| credentials(path, e.to_string()))?;
                roots.add(cert)?;
            }
            let verifier =
                rustls::server::WebPkiClientVerifier::builder_with_provider(roots.into(), provider)
                    .allow_unauthenticated()
                    .build()
                    .map_err(|source| Error::ClientAuthority {
                        path: path.clone(),
                        source,
                    })?;
            builder.with_client_cert_verifier(verifier)
        }
        None => builder.with_no_client_auth(),
    };
    let mut config = builder.with_single_cert(chain, key)?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// Starts the server and serves until `shutdown` resolves.
pub async fn run(
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<()> {
    Server::start(config).await?.serve(shutdown).await
}

/// Creates the objects every cluster starts with: the system namespaces, the
/// system priority classes and the `kubernetes` service.
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
    // k8s: pkg/registry/scheduling/rest/storage_scheduling.go (AddSystemPriorityClasses)
    for (name, value, description) in registry::scheduling::SYSTEM_CLASSES {
        let object = serde_json::json!({
            "apiVersion": "scheduling.k8s.io/v1",
            "kind": "PriorityClass",
            "metadata": {"name": name},
            "value": value,
            "description": description,
        });
        create_missing(registry, registry::scheduling::INFO, None, name, object).await?;
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
