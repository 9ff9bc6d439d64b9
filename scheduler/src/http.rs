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

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use http_body_util::BodyExt;
    use std::time::Duration;
    use tower::ServiceExt;

    async fn get(app: Router, path: &str) -> (StatusCode, String) {
        let response = app
            .oneshot(Request::get(path).body(Body::empty()).expect("request"))
            .await
            .expect("response");
        let status = response.status();
        let body = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        (status, String::from_utf8_lossy(&body).into_owned())
    }

    #[tokio::test]
    async fn health_and_metrics() {
        let metrics = Arc::new(Metrics::new("default-scheduler"));
        let queue = Queue::new(Default::default());
        metrics.attempt(crate::metrics::Outcome::Scheduled, Duration::from_millis(3));
        let app = router(metrics, queue);
        assert_eq!(
            get(app.clone(), "/healthz").await,
            (StatusCode::OK, "ok".into())
        );
        let (status, text) = get(app, "/metrics").await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            text.contains(r#"scheduler_schedule_attempts_total{result="scheduled",profile="default-scheduler"} 1"#),
            "{text}"
        );
        assert!(
            text.contains(r#"scheduler_pending_pods{queue="active"} 0"#),
            "{text}"
        );
        assert!(
            text.contains("scheduler_scheduling_attempt_duration_seconds_bucket"),
            "{text}"
        );
    }
}
