//! WATCH responses: a chunked stream of JSON watch events, one per line,
//! each object in the form the request negotiated (a one-row Table for
//! `kubectl get -w`, with the column definitions only in the first event).
//!
//! Counterpart of k8s.io/apiserver `pkg/endpoints/handlers/watch.go`.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::response::Response;
use bytes::{BufMut, Bytes, BytesMut};
use futures::StreamExt;
use http::StatusCode;
use prometheus_client::metrics::gauge::Gauge;
use rand::Rng;

use super::transform::Output;
use super::{AppState, json_response};
use crate::metrics::WatchLabels;
use crate::registry::{ListOptions, ResourceInfo, Rest};
use crate::status::{ApiError, Result};
use crate::storage::EventKind;
use crate::storage::cacher::Delivery;

/// Serves a WATCH of `rest` until the client leaves, the watcher is dropped
/// or the timeout passes (upstream picks 30–60 minutes when none is asked).
pub(super) async fn serve(
    state: &AppState,
    rest: Arc<dyn Rest>,
    namespace: Option<&str>,
    options: &ListOptions,
    timeout_seconds: Option<u64>,
    output: Output,
) -> Result<Response> {
    let info = rest.info();
    if let Output::PartialList { .. } = output {
        return Err(ApiError::not_acceptable(
            "a watch streams single objects, not PartialObjectMetadataList",
        ));
    }
    let deliveries = match rest.watch(namespace, options).await {
        Ok(watch) => watch,
        // Upstream answers an expired start as the only event of the stream.
        Err(error) if error.code == 410 => {
            let event = format!("{{\"type\":\"ERROR\",\"object\":{}}}\n", error.to_status());
            return Ok(json_response(StatusCode::OK, event.into()));
        }
        Err(error) => return Err(error),
    };
    let timeout = match timeout_seconds {
        Some(seconds) => Duration::from_secs(seconds),
        None => Duration::from_secs(rand::rng().random_range(1800..3600)),
    };
    let gauge = state
        .metrics
        .watchers
        .get_or_create(&WatchLabels {
            group: info.group.into(),
            kind: info.kind.into(),
        })
        .clone();
    let open = OpenWatch::new(gauge);
    let mut headers = true;
    let events = deliveries
        .map(move |delivery| {
            let _open = &open;
            let line = encode(info, &delivery, output, headers);
            headers = false;
            Ok::<_, std::convert::Infallible>(line)
        })
        .take_until(tokio::time::sleep(timeout));
    let mut response = Response::new(Body::from_stream(events));
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    Ok(response)
}

/// Counts an open watch in the watcher gauge for as long as it lives.
struct OpenWatch(Gauge);

impl OpenWatch {
    fn new(gauge: Gauge) -> Self {
        gauge.inc();
        Self(gauge)
    }
}

impl Drop for OpenWatch {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// One line of the stream: `{"type":"ADDED","object":{...}}`, the object
/// transformed to `output` (`headers` asks for a Table's column definitions).
fn encode(info: &ResourceInfo, delivery: &Delivery, output: Output, headers: bool) -> Bytes {
    let (kind, object) = match delivery {
        Delivery::Event(kind, object) => {
            let kind = match kind {
                EventKind::Added => "ADDED",
                EventKind::Modified => "MODIFIED",
                EventKind::Deleted => "DELETED",
            };
            (kind, object.json.clone())
        }
        Delivery::Bookmark {
            revision,
            initial_events_end,
        } => {
            let mut metadata = serde_json::json!({
                "resourceVersion": revision.to_string(),
                "creationTimestamp": null,
            });
            if *initial_events_end {
                metadata["annotations"] = serde_json::json!({"k8s.io/initial-events-end": "true"});
            }
            let object = serde_json::json!({
                "kind": info.kind,
                "apiVersion": info.api_version(),
                "metadata": metadata,
            });
            ("BOOKMARK", object.to_string().into())
        }
    };
    // Like upstream, an object that cannot be transformed goes out as stored.
    let object = output
        .object(info, object.clone(), headers)
        .inspect_err(|error| tracing::warn!(%error, "watch event left untransformed"))
        .unwrap_or(object);
    let mut out = BytesMut::with_capacity(object.len() + 32);
    out.put_slice(b"{\"type\":\"");
    out.put_slice(kind.as_bytes());
    out.put_slice(b"\",\"object\":");
    out.put_slice(&object);
    out.put_slice(b"}\n");
    out.freeze()
}
