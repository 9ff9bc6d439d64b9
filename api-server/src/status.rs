//! API errors as `metav1.Status`: the one place that decides codes, reasons
//! and the wording clients (kubectl prints `Error from server (Reason):
//! message`) see.
//!
//! Counterpart of k8s.io/apimachinery `pkg/api/errors/errors.go`.

use apimachinery::validation::ErrorList;
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};
use serde::Serialize;

/// Result alias for request handling.
pub type Result<T, E = ApiError> = std::result::Result<T, E>;

/// An error answered to the client as a `metav1.Status` object.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{reason} ({code}): {message}")]
pub struct ApiError {
    pub code: u16,
    pub reason: &'static str,
    pub message: String,
    pub details: Option<Box<Details>>,
}

/// `metav1.StatusDetails`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Details {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub group: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub kind: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub uid: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub causes: Vec<Cause>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after_seconds: Option<u32>,
}

/// `metav1.StatusCause`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Cause {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub reason: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub message: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub field: String,
}

/// A resource as named in messages: `pods`, `deployments.apps`.
#[derive(Clone, Copy, Debug)]
pub struct Qualified<'a> {
    pub resource: &'a str,
    pub group: &'a str,
}

impl std::fmt::Display for Qualified<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.group.is_empty() {
            f.write_str(self.resource)
        } else {
            write!(f, "{}.{}", self.resource, self.group)
        }
    }
}

impl ApiError {
    fn new(code: u16, reason: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            reason,
            message: message.into(),
            details: None,
        }
    }

    /// A Status decided elsewhere (the patch engine); an empty reason is
    /// upstream's "Unknown".
    pub fn from_status(code: u16, reason: &'static str, message: String) -> Self {
        Self::new(code, reason, message)
    }

    fn with_details(mut self, details: Details) -> Self {
        self.details = Some(Box::new(details));
        self
    }

    /// Adds a cause that names no field.
    pub fn with_cause(mut self, reason: &str, message: String) -> Self {
        self.details.get_or_insert_default().causes.push(Cause {
            reason: reason.into(),
            message,
            field: String::new(),
        });
        self
    }

    fn named(resource: Qualified<'_>, name: &str) -> Details {
        Details {
            name: name.into(),
            group: resource.group.into(),
            kind: resource.resource.into(),
            ..Details::default()
        }
    }

    pub fn not_found(resource: Qualified<'_>, name: &str) -> Self {
        Self::new(404, "NotFound", format!("{resource} \"{name}\" not found"))
            .with_details(Self::named(resource, name))
    }

    pub fn already_exists(resource: Qualified<'_>, name: &str) -> Self {
        Self::new(
            409,
            "AlreadyExists",
            format!("{resource} \"{name}\" already exists"),
        )
        .with_details(Self::named(resource, name))
    }

    /// The optimistic-concurrency conflict of a stale update.
    pub fn conflict(resource: Qualified<'_>, name: &str, why: &str) -> Self {
        Self::new(
            409,
            "Conflict",
            format!("Operation cannot be fulfilled on {resource} \"{name}\": {why}"),
        )
        .with_details(Self::named(resource, name))
    }

    /// 409 for an apply that would change fields other managers own.
    // k8s: staging/src/k8s.io/apimachinery/pkg/util/managedfields/internal/conflict.go (NewConflictError)
    pub fn apply_conflict(conflicts: &[apimachinery::fieldpath::Conflict]) -> Self {
        let message = match conflicts {
            [one] => format!(
                "Apply failed with 1 conflict: conflict with {}: {}",
                one.manager, one.field
            ),
            _ => {
                let mut managers: Vec<&str> =
                    conflicts.iter().map(|c| c.manager.as_str()).collect();
                managers.sort_unstable();
                managers.dedup();
                let mut lines = Vec::new();
                for manager in managers {
                    lines.push(format!("conflicts with {manager}:"));
                    for conflict in conflicts.iter().filter(|c| c.manager == manager) {
                        lines.push(format!("- {}", conflict.field));
                    }
                }
                format!(
                    "Apply failed with {} conflicts: {}",
                    conflicts.len(),
                    lines.join("\n")
                )
            }
        };
        Self::new(409, "Conflict", message).with_details(Details {
            causes: conflicts
                .iter()
                .map(|conflict| Cause {
                    reason: "FieldManagerConflict".into(),
                    message: format!("conflict with {}", conflict.manager),
                    field: conflict.field.clone(),
                })
                .collect(),
            ..Details::default()
        })
    }

    pub const MODIFIED: &'static str = "the object has been modified; please apply your changes to the latest version and try again";

    /// 422 with one cause per field error, worded as upstream's NewInvalid.
    pub fn invalid(kind: &str, group: &str, name: &str, errors: &ErrorList) -> Self {
        let causes = errors
            .iter()
            .map(|e| Cause {
                reason: e.reason().into(),
                message: e.body(),
                field: e.field.clone(),
            })
            .collect();
        let list: Vec<String> = errors.iter().map(ToString::to_string).collect();
        // k8s: staging/src/k8s.io/apimachinery/pkg/api/errors/errors.go (NewInvalid: the
        // qualified kind, `Deployment.apps`)
        let qualified = if group.is_empty() {
            kind.to_owned()
        } else {
            format!("{kind}.{group}")
        };
        let message = format!(
            "{qualified} \"{name}\" is invalid: {}",
            apimachinery::validation::aggregate(list)
        );
        Self::new(422, "Invalid", message).with_details(Details {
            name: name.into(),
            group: group.into(),
            kind: kind.into(),
            causes,
            ..Details::default()
        })
    }

    /// 401 for a request without valid credentials.
    pub fn unauthorized() -> Self {
        Self::new(401, "Unauthorized", "Unauthorized")
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, "BadRequest", message)
    }

    pub fn forbidden(resource: Qualified<'_>, name: &str, why: impl std::fmt::Display) -> Self {
        let target = if name.is_empty() {
            resource.to_string()
        } else {
            format!("{resource} \"{name}\"")
        };
        Self::new(403, "Forbidden", format!("{target} is forbidden: {why}"))
            .with_details(Self::named(resource, name))
    }

    pub fn method_not_supported(resource: Qualified<'_>, verb: &str) -> Self {
        Self::new(
            405,
            "MethodNotAllowed",
            format!("{verb} is not supported on resources of kind \"{resource}\""),
        )
        .with_details(Self::named(resource, ""))
    }

    /// 410 for a resourceVersion or continue token older than the log.
    pub fn expired(message: impl Into<String>) -> Self {
        Self::new(410, "Expired", message)
    }

    pub fn gone(message: impl Into<String>) -> Self {
        Self::new(410, "Gone", message)
    }

    /// 429; a zero delay is left out, as upstream does.
    pub fn too_many_requests(message: impl Into<String>, retry_after_seconds: u32) -> Self {
        Self::new(429, "TooManyRequests", message).with_details(Details {
            retry_after_seconds: (retry_after_seconds > 0).then_some(retry_after_seconds),
            ..Details::default()
        })
    }

    pub fn timeout(message: impl Into<String>, retry_after_seconds: u32) -> Self {
        Self::new(504, "Timeout", message).with_details(Details {
            retry_after_seconds: Some(retry_after_seconds),
            ..Details::default()
        })
    }

    pub fn request_entity_too_large(message: impl Into<String>) -> Self {
        Self::new(413, "RequestEntityTooLarge", message)
    }

    pub fn not_acceptable(message: impl Into<String>) -> Self {
        Self::new(406, "NotAcceptable", message)
    }

    pub fn not_found_path() -> Self {
        Self::new(
            404,
            "NotFound",
            "the server could not find the requested resource",
        )
        .with_details(Details::default())
    }

    pub fn internal(error: impl std::fmt::Display) -> Self {
        Self::new(
            500,
            "InternalError",
            format!("Internal error occurred: {error}"),
        )
    }

    pub fn service_unavailable(message: impl Into<String>) -> Self {
        Self::new(503, "ServiceUnavailable", message)
    }

    /// The `metav1.Status` object.
    pub fn to_status(&self) -> serde_json::Value {
        let mut status = serde_json::json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        });
        if self.reason.is_empty()
            && let Some(object) = status.as_object_mut()
        {
            object.remove("reason");
        }
        if let Some(details) = &self.details {
            status["details"] = serde_json::to_value(details).unwrap_or_default();
        }
        status
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let code = StatusCode::from_u16(self.code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = self.to_status().to_string();
        let mut response = (code, body).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        if let Some(seconds) = self.details.as_ref().and_then(|d| d.retry_after_seconds) {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// The `metav1.Status` of a successful delete or subresource action. A
/// create answered with a Status carries its code (201), as upstream's
/// create handler fills it; a delete's carries none.
pub fn success(code: Option<u16>, details: Option<Details>) -> serde_json::Value {
    let mut status = serde_json::json!({
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
    });
    if let Some(code) = code {
        status["code"] = code.into();
    }
    if let Some(details) = details {
        status["details"] = serde_json::to_value(details).unwrap_or_default();
    }
    status
}
