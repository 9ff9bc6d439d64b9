//! HTTP endpoints: the router, resource handlers, watch streaming,
//! discovery, health, version and metrics.
//!
//! Counterpart of k8s.io/apiserver `pkg/endpoints/` (installer.go,
//! handlers/*.go) and `pkg/server/healthz`.

mod discovery;
pub mod openapi;
pub mod request;
mod resource;
mod subresource;
mod transform;
mod watch;

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use http::{HeaderValue, header};

use crate::auth::{self, Authenticator};
use crate::metrics::{LatencyLabels, Metrics, RequestLabels};
use crate::registry::Registry;
use crate::status::ApiError;
use crate::storage::Storage;

/// The server version reported at `/version`.
pub const GIT_VERSION: &str = "v1.33.0";

/// Everything handlers share.
pub struct AppState {
    pub registry: Registry,
    pub storage: Arc<dyn Storage>,
    pub metrics: Metrics,
    /// `None` serves everyone (plain HTTP on loopback).
    pub authenticator: Option<Arc<Authenticator>>,
    pub openapi: openapi::OpenApi,
}

/// What a resource handler tells the metrics layer about the request.
#[derive(Clone, Debug, Default)]
pub(crate) struct Served {
    pub verb: &'static str,
    pub group: String,
    pub version: String,
    pub resource: String,
    pub subresource: String,
}

/// Builds the router over `state`.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/healthz", get(ok))
        .route("/livez", get(ok))
        .route("/readyz", get(ok))
        .route("/version", get(version))
        .route("/metrics", get(metrics))
        .route("/openapi/v2", get(openapi::v2))
        .route("/openapi/v3", get(openapi::v3_index))
        .route("/openapi/v3/{*path}", get(openapi::v3_document))
        .route("/api", get(discovery::api_versions))
        .route("/apis", get(discovery::api_groups))
        .route("/api/v1", get(discovery::core_resources))
        .route("/apis/{group}", get(discovery::group))
        .route("/apis/{group}/{version}", get(discovery::group_resources))
        .route("/api/v1/{*rest}", any(resource::core))
        .route("/apis/{group}/{version}/{*rest}", any(resource::grouped))
        .fallback(|| async { ApiError::not_found_path() })
        .layer(middleware::from_fn_with_state(
            state.authenticator.clone(),
            auth::authenticate,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), observe))
        .with_state(state)
}

async fn ok() -> &'static str {
    "ok"
}

async fn version() -> Response {
    let body = serde_json::json!({
        "major": "1",
        "minor": "33",
        "gitVersion": GIT_VERSION,
        "gitCommit": "0000000000000000000000000000000000000000",
        "gitTreeState": "clean",
        "buildDate": "2026-01-01T00:00:00Z",
        "goVersion": "go1.24.0",
        "compiler": "gc",
        "platform": "linux/amd64",
    });
    json_response(http::StatusCode::OK, body.to_string().into())
}

async fn metrics(State(state): State<Arc<AppState>>) -> Response {
    let mut response = state.metrics.render().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    response
}

/// Records request counts and latencies of resource requests.
async fn observe(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let response = next.run(request).await;
    if let Some(served) = response.extensions().get::<Served>() {
        let code = response.status().as_u16().to_string();
        state
            .metrics
            .requests
            .get_or_create(&RequestLabels {
                verb: served.verb.into(),
                group: served.group.clone(),
                version: served.version.clone(),
                resource: served.resource.clone(),
                subresource: served.subresource.clone(),
                code,
            })
            .inc();
        if served.verb != "WATCH" {
            state
                .metrics
                .latency
                .get_or_create(&LatencyLabels {
                    verb: served.verb.into(),
                    group: served.group.clone(),
                    version: served.version.clone(),
                    resource: served.resource.clone(),
                    subresource: served.subresource.clone(),
                })
                .observe(started.elapsed().as_secs_f64());
        }
    }
    response
}

/// A JSON response with `status` and `body`.
pub(crate) fn json_response(status: http::StatusCode, body: bytes::Bytes) -> Response {
    let mut response = (status, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}
