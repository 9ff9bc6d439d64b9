//! HTTPS and authentication through the kube crate: certificates made by
//! the deploy crate's authority, a kubeconfig rendered as `deploy` writes
//! it, bearer tokens from a token file, and anonymous requests refused.

use api_server::server::{Config, Server, StorageConfig, TlsFiles, Transport};
use deploy::kubeconfig::Kubeconfig;
use deploy::pki::{Authority, Pem};
use k8s_openapi::api::core::v1::Namespace;
use kube::api::{Api, ListParams};
use kube::config::{KubeConfigOptions, Kubeconfig as KubeFile};
use kube::{Client, Error};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

struct Cluster {
    url: String,
    authority: Authority,
    _dir: tempfile::TempDir,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

async fn start() -> Cluster {
    let dir = tempfile::tempdir().expect("temporary directory");
    let authority = Authority::generate("test-ca").expect("authority");
    let serving = authority
        .issue_serving("kube-apiserver", &["127.0.0.1".into(), "localhost".into()])
        .expect("serving certificate");
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).expect("write");
        path
    };
    let files = TlsFiles {
        cert: write("apiserver.crt", &serving.cert),
        key: write("apiserver.key", &serving.key),
        client_ca: Some(write("ca.crt", &authority.pem().cert)),
        token_file: Some(write("tokens.csv", "s3cret,robot,42,\"ops,dev\"\n")),
    };
    let config = Config {
        storage: StorageConfig::Memory,
        bind: "127.0.0.1:0".parse().expect("address"),
        transport: Transport::Https(files),
        storage_options: Default::default(),
        cache_options: Default::default(),
        service_network: Default::default(),
    };
    let server = Server::start(config).await.expect("server starts");
    let url = format!("https://127.0.0.1:{}", server.addr.port());
    let (shutdown, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(server.serve(async {
        let _ = stopped.await;
    }));
    Cluster {
        url,
        authority,
        _dir: dir,
        _shutdown: shutdown,
    }
}

impl Cluster {
    async fn client_with_certificate(&self, credentials: &Pem) -> Client {
        let text = Kubeconfig {
            cluster: "test",
            server: &self.url,
            authority: &self.authority.pem().cert,
            user: "someone",
            credentials,
        }
        .render();
        let file = KubeFile::from_yaml(&text).expect("kubeconfig parses");
        let config = kube::Config::from_custom_kubeconfig(file, &KubeConfigOptions::default())
            .await
            .expect("kubeconfig loads");
        Client::try_from(config).expect("client")
    }

    /// A client that trusts the server but presents no certificate.
    fn client_with_token(&self, token: Option<&str>) -> Client {
        let mut config = kube::Config::new(self.url.parse().expect("url"));
        let der = CertificateDer::from_pem_slice(self.authority.pem().cert.as_bytes())
            .expect("authority PEM");
        config.root_cert = Some(vec![der.to_vec()]);
        config.default_retry = false;
        if let Some(token) = token {
            config.auth_info.token = Some(token.to_owned().into());
        }
        Client::try_from(config).expect("client")
    }
}

async fn list_namespaces(client: Client) -> Result<usize, Error> {
    let namespaces: Api<Namespace> = Api::all(client);
    Ok(namespaces.list(&ListParams::default()).await?.items.len())
}

#[tokio::test]
async fn client_certificates_and_tokens_authenticate() {
    let cluster = start().await;
    let admin = cluster
        .authority
        .issue_client("kubernetes-admin", Some("system:masters"))
        .expect("client certificate");
    let by_certificate = cluster.client_with_certificate(&admin).await;
    assert_eq!(list_namespaces(by_certificate).await.expect("listed"), 4);
    let by_token = cluster.client_with_token(Some("s3cret"));
    assert_eq!(list_namespaces(by_token).await.expect("listed"), 4);
}

#[tokio::test]
async fn anonymous_and_unknown_credentials_get_401() {
    let cluster = start().await;
    for token in [None, Some("wrong")] {
        let error = list_namespaces(cluster.client_with_token(token))
            .await
            .expect_err("refused");
        let Error::Api(status) = error else {
            panic!("unexpected error {error:?}");
        };
        assert_eq!((status.code, status.reason.as_str()), (401, "Unauthorized"));
    }
    // A certificate from another authority is refused at the handshake.
    let stranger = Authority::generate("other-ca")
        .expect("authority")
        .issue_client("mallory", None)
        .expect("certificate");
    let error = list_namespaces(cluster.client_with_certificate(&stranger).await)
        .await
        .expect_err("refused");
    assert!(!matches!(error, Error::Api(_)), "{error:?}");
    // Health checks stay open.
    let anonymous = cluster.client_with_token(None);
    let request = http::Request::get("/readyz")
        .body(Vec::new())
        .expect("request");
    assert_eq!(anonymous.request_text(request).await.expect("ready"), "ok");
}
