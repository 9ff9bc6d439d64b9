//! PATCH request bodies: JSON patch, JSON merge patch and strategic merge
//! patch, applied to an object's JSON exactly as kube-apiserver applies them,
//! with the same errors.
//!
//! Upstream counterparts:
//! * k8s.io/apiserver/pkg/endpoints/handlers/patch.go — choice of the patch
//!   type from the `Content-Type`, body checks, error codes;
//! * gopkg.in/evanphx/json-patch.v4 — JSON patch and merge patch ([`json`],
//!   [`merge`]);
//! * k8s.io/apimachinery/pkg/util/strategicpatch — strategic merge patch
//!   ([`strategic`]), whose per-field metadata comes from [`meta`] through a
//!   [`PatchSchema`] compiled from the k8s-openapi type.
//!
//! Server-side apply (`application/apply-patch+yaml`) is not handled here.
//!
//! ```
//! use apimachinery::patch::{apply_patch, PatchKind, PatchSchema};
//! use k8s_openapi::api::apps::v1::Deployment;
//! use serde_json::json;
//!
//! let live = json!({"spec": {"template": {"spec": {"containers": [
//!     {"name": "web", "image": "nginx:1.24"}, {"name": "log", "image": "fluentd"}]}}}});
//! // What `kubectl set image deployment/d web=nginx:1.25` sends.
//! let body = br#"{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"web"},{"name":"log"}],"containers":[{"image":"nginx:1.25","name":"web"}]}}}}"#;
//! let kind = PatchKind::from_content_type("application/strategic-merge-patch+json")?;
//! let out = apply_patch(kind, &live, body, Some(&PatchSchema::of::<Deployment>()))?;
//! assert_eq!(out["spec"]["template"]["spec"]["containers"][0]["image"], "nginx:1.25");
//! assert_eq!(out["spec"]["template"]["spec"]["containers"][1]["name"], "log");
//! # Ok::<(), apimachinery::patch::Error>(())
//! ```

mod error;
mod gofmt;
pub mod json;
pub mod merge;
pub mod meta;
mod schema;
pub mod strategic;

pub use error::{Error, GENERIC_UNPROCESSABLE_MESSAGE, Result, StatusInfo};
pub use json::{JsonPatch, JsonPatchLimits, json_patch};
pub use merge::{merge_patch, merge_patch_owned};
pub use meta::{PatchMeta, PatchStrategy};
pub(crate) use schema::Cursor;
pub use schema::PatchSchema;
pub use strategic::{strategic_merge, strategic_merge_owned};

use serde_json::Value;

/// The patch types a PATCH request can carry, named by its `Content-Type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PatchKind {
    /// `application/json-patch+json` (RFC 6902).
    Json,
    /// `application/merge-patch+json` (RFC 7386).
    Merge,
    /// `application/strategic-merge-patch+json`.
    StrategicMerge,
    /// `application/apply-patch+yaml` (server-side apply; not applied by
    /// this module).
    Apply,
}

impl PatchKind {
    /// Every kind, in the order upstream lists them for built-in resources.
    pub const ALL: [PatchKind; 4] = [
        PatchKind::Json,
        PatchKind::Merge,
        PatchKind::StrategicMerge,
        PatchKind::Apply,
    ];

    /// The media type naming this kind.
    pub fn content_type(self) -> &'static str {
        match self {
            PatchKind::Json => "application/json-patch+json",
            PatchKind::Merge => "application/merge-patch+json",
            PatchKind::StrategicMerge => "application/strategic-merge-patch+json",
            PatchKind::Apply => "application/apply-patch+yaml",
        }
    }

    /// The kind a request's `Content-Type` header names. Parameters after
    /// the first `;` are dropped and the rest compared exactly, as upstream
    /// does (k8s: handlers/patch.go, `PatchResource`); anything else is
    /// [`Error::UnsupportedMediaType`] (415).
    pub fn from_content_type(content_type: &str) -> Result<PatchKind> {
        let media_type = match content_type.find(';') {
            Some(idx) if idx > 0 => &content_type[..idx],
            _ => content_type,
        };
        PatchKind::ALL
            .into_iter()
            .find(|k| k.content_type() == media_type)
            .ok_or_else(|| Error::UnsupportedMediaType {
                content_type: media_type.to_owned(),
            })
    }
}

impl std::fmt::Display for PatchKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.content_type())
    }
}

/// Parses a request body as JSON, with upstream's verdict on invalid JSON
/// (k8s: handlers/patch.go, `validateAndTranscodePatch`: 400 "invalid JSON
/// patch").
pub fn parse_body(body: &[u8]) -> Result<Value> {
    serde_json::from_slice(body).map_err(|source| {
        if source.to_string().starts_with("recursion limit exceeded") {
            Error::TooDeep {
                max: PARSE_DEPTH_LIMIT,
            }
        } else {
            Error::InvalidJson { source }
        }
    })
}

/// Nesting serde_json accepts when parsing a body.
const PARSE_DEPTH_LIMIT: usize = 128;

/// Applies a PATCH body of kind `kind` to `original` (the object's JSON as
/// the client sees it) and returns the patched JSON.
///
/// `schema` is the kind's [`PatchSchema`] for strategic merge patches; with
/// `None` the patch is applied without field metadata (objects merged, lists
/// replaced). Note that upstream refuses strategic merge patches for custom
/// resources with 415 before getting here; that decision is the caller's.
pub fn apply_patch(
    kind: PatchKind,
    original: &Value,
    body: &[u8],
    schema: Option<&PatchSchema>,
) -> Result<Value> {
    apply_patch_with_limits(
        kind,
        original.clone(),
        body,
        schema,
        &JsonPatchLimits::default(),
    )
}

/// [`apply_patch`] taking the original by value and with explicit JSON patch
/// limits (the server's `--json-patch-max-copy-bytes`).
pub fn apply_patch_with_limits(
    kind: PatchKind,
    original: Value,
    body: &[u8],
    schema: Option<&PatchSchema>,
    limits: &JsonPatchLimits,
) -> Result<Value> {
    if kind == PatchKind::Apply {
        return Err(Error::ApplyPatchUnsupported {
            content_type: kind.content_type().to_owned(),
        });
    }
    let patch = parse_body(body)?;
    match kind {
        PatchKind::Json => JsonPatch::decode(&patch, limits)?.apply(original),
        PatchKind::Merge => merge_patch_owned(original, patch),
        PatchKind::StrategicMerge => match schema {
            Some(schema) => strategic_merge_owned(original, patch, schema),
            None => strategic_merge_owned(original, patch, &PatchSchema::unstructured()),
        },
        PatchKind::Apply => Err(Error::ApplyPatchUnsupported {
            content_type: kind.content_type().to_owned(),
        }),
    }
}

#[cfg(test)]
mod tests;
