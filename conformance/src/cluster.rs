//! The cluster under test: a kube-rs client built from the kubeconfig, the optional
//! server features found by probing, and the per-check namespace (`Scope`).

use std::collections::BTreeSet;
use std::fmt;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use http_body_util::BodyExt as _;
use k8s_openapi::api::core::v1::{Namespace, Node};
use kube::api::{DeleteParams, PostParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Api, Client, Config};

use crate::report::{Skip, needs_node_agent};

/// Optional server features some checks depend on; each is probed once per run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Feature {
    /// `application/json;as=Table;v=v1;g=meta.k8s.io` answers (what `kubectl get` prints).
    Table,
    /// `/openapi/v2` or `/openapi/v3` (kubectl's client-side validation, `explain`).
    OpenApi,
    /// `application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList` on `/apis`.
    AggregatedDiscovery,
}

impl fmt::Display for Feature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Feature::Table => "Table output",
            Feature::OpenApi => "OpenAPI (/openapi/v2, /openapi/v3)",
            Feature::AggregatedDiscovery => "aggregated discovery",
        })
    }
}

/// An HTTP answer read whole.
pub struct RawResponse {
    pub status: http::StatusCode,
    pub content_type: String,
    pub body: Vec<u8>,
}

impl RawResponse {
    fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_default()
    }
}

pub struct Cluster {
    pub client: Client,
    pub kubeconfig: PathBuf,
    pub features: BTreeSet<Feature>,
}

impl Cluster {
    /// Connects with the kubeconfig's current context and probes the optional features.
    pub async fn connect(kubeconfig: &Path) -> anyhow::Result<Self> {
        let file = Kubeconfig::read_from(kubeconfig)
            .with_context(|| format!("reading {}", kubeconfig.display()))?;
        let config = Config::from_custom_kubeconfig(file, &KubeConfigOptions::default()).await?;
        let client = Client::try_from(config)?;
        let mut cluster = Cluster {
            client,
            kubeconfig: kubeconfig.canonicalize()?,
            features: BTreeSet::new(),
        };
        cluster.features = cluster.probe_features().await?;
        Ok(cluster)
    }

    /// Sends one request through the client (so TLS and credentials come from the kubeconfig).
    pub async fn raw(
        &self,
        method: http::Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> anyhow::Result<RawResponse> {
        let mut request = http::Request::builder().method(method).uri(path);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = self.client.send(request.body(body.into())?).await?;
        let status = response.status();
        let content_type = response
            .headers()
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let body = response.into_body().collect().await?.to_bytes().to_vec();
        Ok(RawResponse {
            status,
            content_type,
            body,
        })
    }

    async fn get(&self, path: &str, accept: &str) -> anyhow::Result<RawResponse> {
        self.raw(http::Method::GET, path, &[("accept", accept)], Vec::new())
            .await
    }

    async fn probe_features(&self) -> anyhow::Result<BTreeSet<Feature>> {
        let mut features = BTreeSet::new();
        let get = |path: &'static str, accept: &'static str| self.get(path, accept);
        let kind = |r: &RawResponse| r.json()["kind"].as_str().unwrap_or_default().to_owned();

        let table = get(
            "/api/v1/namespaces/default/pods?limit=1",
            "application/json;as=Table;v=v1;g=meta.k8s.io",
        )
        .await?;
        if table.status.is_success() && kind(&table) == "Table" {
            features.insert(Feature::Table);
        }
        for path in ["/openapi/v2", "/openapi/v3"] {
            if get(path, "application/json").await?.status.is_success() {
                features.insert(Feature::OpenApi);
            }
        }
        let discovery = get(
            "/apis",
            "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList",
        )
        .await?;
        if discovery.status.is_success() && kind(&discovery) == "APIGroupDiscoveryList" {
            features.insert(Feature::AggregatedDiscovery);
        }
        Ok(features)
    }

    /// Creates a namespace with a fresh name derived from the check's name.
    pub async fn create_namespace(&self, check: &str) -> anyhow::Result<String> {
        let stem: String = check
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '-'
                }
            })
            .take(40)
            .collect();
        let name = format!("conf-{}-{}", stem.trim_end_matches('-'), unique_suffix());
        let namespace: Namespace = serde_json::from_value(serde_json::json!({
            "metadata": { "name": name, "labels": { "conformance.kube-rs.dev/run": "true" } }
        }))?;
        Api::<Namespace>::all(self.client.clone())
            .create(&PostParams::default(), &namespace)
            .await
            .with_context(|| format!("creating namespace {name}"))?;
        Ok(name)
    }

    pub async fn delete_namespace(&self, name: &str) -> anyhow::Result<()> {
        Api::<Namespace>::all(self.client.clone())
            .delete(name, &DeleteParams::background())
            .await
            .with_context(|| format!("deleting namespace {name}"))?;
        Ok(())
    }
}

/// Six random lowercase hex digits: enough to keep reruns and parallel runs apart.
pub fn unique_suffix() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..6].to_owned()
}

/// What `kubectl` printed and how it exited.
#[derive(Debug)]
pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    /// Fails unless kubectl exited 0; returns stdout.
    pub fn ok(&self) -> anyhow::Result<&str> {
        if self.code == 0 {
            Ok(&self.stdout)
        } else {
            anyhow::bail!("kubectl exited {}: {}", self.code, self.stderr.trim_end())
        }
    }

    /// Fails unless kubectl exited 0 and printed exactly `expected` (trailing newline aside).
    pub fn expect_stdout(&self, expected: &str) -> anyhow::Result<()> {
        crate::report::expect_eq("kubectl output", expected, self.ok()?.trim_end())
    }

    /// Fails unless kubectl exited 1 and printed exactly `expected` on stderr.
    pub fn expect_error(&self, expected: &str) -> anyhow::Result<()> {
        crate::report::expect_eq(
            "kubectl exit code and stderr",
            &(1, expected),
            &(self.code, self.stderr.trim_end()),
        )
    }
}

/// One check's view of the cluster: everything it creates goes into `namespace`.
#[derive(Clone)]
pub struct Scope {
    pub cluster: Arc<Cluster>,
    pub namespace: String,
}

impl Scope {
    pub fn client(&self) -> Client {
        self.cluster.client.clone()
    }

    /// A namespaced API in this check's namespace.
    pub fn api<K>(&self) -> Api<K>
    where
        K: kube::Resource<Scope = k8s_openapi::NamespaceResourceScope>,
        K::DynamicType: Default,
    {
        Api::namespaced(self.client(), &self.namespace)
    }

    /// Skips the check unless the server serves `feature`.
    pub fn require(&self, feature: Feature) -> anyhow::Result<()> {
        if self.cluster.features.contains(&feature) {
            Ok(())
        } else {
            Err(Skip(format!("server does not serve {feature}")).into())
        }
    }

    /// Skips the check unless some node is Ready, i.e. something runs containers.
    pub async fn require_running_containers(&self) -> anyhow::Result<()> {
        let nodes = Api::<Node>::all(self.client())
            .list(&Default::default())
            .await?;
        let ready = nodes.items.iter().any(|node| {
            let conditions = node
                .status
                .as_ref()
                .and_then(|s| s.conditions.as_deref())
                .unwrap_or_default();
            conditions
                .iter()
                .any(|c| c.type_ == "Ready" && c.status == "True")
        });
        if ready {
            Ok(())
        } else {
            Err(needs_node_agent())
        }
    }

    /// Runs kubectl against the cluster in this check's namespace (a later `-n` wins).
    /// The command is built before returning, so the future borrows nothing.
    pub fn kubectl(
        &self,
        args: &[&str],
    ) -> impl Future<Output = anyhow::Result<Output>> + Send + use<> {
        self.kubectl_with_env(&[], args)
    }

    /// [`Scope::kubectl`] with extra environment variables (`KUBE_EDITOR` ...).
    pub fn kubectl_with_env(
        &self,
        env: &[(&str, &str)],
        args: &[&str],
    ) -> impl Future<Output = anyhow::Result<Output>> + Send + use<> {
        let kubectl = std::env::var("KUBECTL").unwrap_or_else(|_| "/usr/bin/kubectl".into());
        let shown = args.join(" ");
        let mut command = tokio::process::Command::new(&kubectl);
        command
            .envs(env.iter().copied())
            .env("KUBECONFIG", &self.cluster.kubeconfig)
            .arg("--namespace")
            .arg(&self.namespace)
            .args(args)
            .kill_on_drop(true);
        async move {
            let output = tokio::time::timeout(Duration::from_secs(60), command.output())
                .await
                .with_context(|| format!("kubectl {shown} timed out"))?
                .with_context(|| format!("running {kubectl}"))?;
            Ok(Output {
                code: output.status.code().unwrap_or(-1),
                stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
                stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            })
        }
    }
}

/// Path of a stored manifest under `conformance/manifests/`.
pub fn manifest(name: &str) -> String {
    format!("{}/manifests/{name}", env!("CARGO_MANIFEST_DIR"))
}
