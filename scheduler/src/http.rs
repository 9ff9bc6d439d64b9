//! The scheduler's HTTP endpoints: `/healthz`, `/livez`, `/readyz` and
//! `/metrics` (Prometheus text), served in plain HTTP.
//!
//! Counterpart of `cmd/kube-scheduler/app/server.go` (newHealthEndpointsAndMetricsHandler).

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::routing::get;

use crate::metrics::Metrics;
use crate::queue::Queue;

#[derive(Clone)]
struct AppState {
    metrics: Arc<Metrics>,
    queue: Arc<Queue>,
}

/// The router of the endpoints.
pub fn router(metrics: Arc<Metrics>, queue: Arc<Queue>) -> Router {
    Router::new()
        .route("/healthz", get(ok))
        .route("/livez", get(ok))
        .route("/readyz", get(ok))
        .route("/metrics", get(metrics_text))
        .with_state(AppState { metrics, queue })
}

async fn ok() -> &'static str {
    "ok"
}

async fn metrics_text(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(
            CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.encode(state.queue.sizes()),
    )
}
