//! The error type of the patch module and its mapping onto the HTTP status the
//! real kube-apiserver answers for it.
//!
//! k8s: staging/src/k8s.io/apiserver/pkg/endpoints/handlers/patch.go
//! (`applyJSPatch`, `interpretStrategicMergePatchError`,
//! `validateAndTranscodePatch`) decides the code; the messages follow
//! k8s.io/apimachinery/pkg/util/mergepatch/errors.go, strategicpatch/patch.go
//! and gopkg.in/evanphx/json-patch.v4, which the server embeds verbatim in
//! its `metav1.Status`.

/// Shorthand for results of this module.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Message the api-server puts in a 422 built by `NewGenericServerResponse`
/// (k8s: staging/src/k8s.io/apimachinery/pkg/api/errors/errors.go).
pub const GENERIC_UNPROCESSABLE_MESSAGE: &str =
    "the server rejected our request due to an error in our request";

/// Why a patch could not be applied.
///
/// `Display` gives the detailed upstream wording; [`Error::status`] gives the
/// code, reason and message the api-server must answer with (which for some
/// errors is a generic text, exactly as upstream).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The body is not valid JSON (`json.Valid` fails upstream).
    #[error("invalid JSON patch")]
    InvalidJson {
        /// The parser's complaint.
        #[source]
        source: serde_json::Error,
    },

    /// The body or object nests deeper than this server walks.
    #[error("patch nesting exceeds the maximum depth of {max}")]
    TooDeep {
        /// The limit.
        max: usize,
    },

    /// The body is JSON but not of the shape the patch type needs, worded as
    /// Go's encoding/json does (e.g. `json: cannot unmarshal array into Go
    /// value of type map[string]interface {}`).
    #[error("{message}")]
    Decode {
        /// Upstream-style message.
        message: String,
    },

    /// A JSON patch with more operations than the server accepts.
    #[error("The allowed maximum operations in a JSON patch is {max}, got {got}")]
    TooManyOperations {
        /// The limit (10000 upstream).
        max: usize,
        /// Operations in the request.
        got: usize,
    },

    /// A JSON patch operation failed (json-patch v4 wording).
    #[error("{message}")]
    JsonPatch {
        /// Upstream-style message, e.g. `Unable to remove nonexistent key:
        /// foo: missing value`.
        message: String,
    },

    /// A JSON merge patch body that is not an object.
    #[error("Invalid JSON Patch")]
    InvalidMergePatch,

    /// The object to patch is not a JSON object.
    #[error("invalid JSON document")]
    BadJsonDoc,

    /// A strategic merge patch nests a list directly in a list.
    #[error("lists of lists are not supported")]
    NoListOfLists,

    /// A malformed `$deleteFromPrimitiveList/<field>` key.
    #[error("invalid patch format of primitive list")]
    BadPatchFormatForPrimitiveList,

    /// A malformed `$retainKeys` directive, or patch keys it does not list.
    #[error("invalid patch format of retainKeys")]
    BadPatchFormatForRetainKeys,

    /// A malformed `$setElementOrder/<field>` key.
    #[error("invalid patch format of setElementOrder list")]
    BadPatchFormatForSetElementOrderList,

    /// Strategic merge patch was asked for a type that does not support it.
    #[error("strategic merge patch format is not supported")]
    UnsupportedStrategicMergePatchFormat,

    /// A list item lacks the merge key its field declares.
    #[error("map: {map} does not contain declared merge key: {key}")]
    NoMergeKey {
        /// The item, in Go `%v` form (`map[image:nginx]`).
        map: String,
        /// The merge key.
        key: String,
    },

    /// A value of an unexpected JSON type.
    #[error("expected a {expected}, but received a {actual}")]
    BadArgType {
        /// Go type name expected, e.g. `map[string]interface {}`.
        expected: &'static str,
        /// Go type name received.
        actual: &'static str,
    },

    /// A `$patch` directive with an unknown value.
    #[error("unknown patch type: {directive} in map: {map}")]
    BadPatchType {
        /// The directive value, Go `%s` form.
        directive: String,
        /// The map holding it, Go `%v` form.
        map: String,
    },

    /// `$patch: merge` inside a list.
    #[error("merging lists cannot yet be specified in the patch")]
    MergeDirectiveInList,

    /// The live list and the patch list hold values of different types.
    #[error("list element types are not identical: {lists}")]
    ElementTypesNotIdentical {
        /// Both lists, Go `%v` form.
        lists: String,
    },

    /// `$setElementOrder` on a list that is empty everywhere.
    #[error("no elements in any of the given slices")]
    NoElements,

    /// A merged list of objects whose field declares no merge key.
    #[error("cannot merge lists without merge key for {type_name}")]
    ListWithoutMergeKey {
        /// Go kind of the item type.
        type_name: String,
    },

    /// A list item that should be an object is not.
    #[error("value for key {index} is not a map")]
    NotAMap {
        /// Index of the item.
        index: usize,
    },

    /// The patch list is not ordered consistently with its
    /// `$setElementOrder` list.
    #[error("The order in patch list:\n{patch}\n doesn't match $setElementOrder list:\n{order}\n")]
    SetElementOrderMismatch {
        /// The patch list, Go `%v` form.
        patch: String,
        /// The order list, Go `%v` form.
        order: String,
    },

    /// A `Content-Type` that names no patch type.
    #[error(
        "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json"
    )]
    UnsupportedMediaType {
        /// The media type received.
        content_type: String,
    },

    /// Server-side apply is not handled by this module.
    #[error("apply patches ({content_type}) are not handled by apimachinery::patch")]
    ApplyPatchUnsupported {
        /// `application/apply-patch+yaml` or `+cbor`.
        content_type: String,
    },
}

/// What the api-server answers for an [`Error`]: `metav1.Status` code, reason
/// and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusInfo {
    /// HTTP status code.
    pub code: u16,
    /// `metav1.StatusReason`; empty for upstream's "Unknown" reason, which is
    /// what plain (non-Status) Go errors become.
    pub reason: &'static str,
    /// `metav1.Status.message`.
    pub message: String,
}

impl Error {
    /// The status the real api-server answers for this error.
    ///
    /// k8s: staging/src/k8s.io/apiserver/pkg/endpoints/handlers/patch.go
    /// (`applyJSPatch`: decode errors 400, too many operations 413, apply
    /// errors 422 with the generic message; `interpretStrategicMergePatchError`:
    /// bad formats 400, lists of lists 422, anything else reaches the client as
    /// a plain error, i.e. 500 with an empty reason).
    pub fn status(&self) -> StatusInfo {
        let (code, reason, message) = match self {
            Error::InvalidJson { .. }
            | Error::TooDeep { .. }
            | Error::Decode { .. }
            | Error::InvalidMergePatch
            | Error::BadPatchFormatForPrimitiveList
            | Error::BadPatchFormatForRetainKeys
            | Error::BadPatchFormatForSetElementOrderList
            | Error::UnsupportedStrategicMergePatchFormat => (400, "BadRequest", self.to_string()),
            Error::BadJsonDoc => (400, "BadRequest", self.to_string()),
            Error::TooManyOperations { .. } => (
                413,
                "RequestEntityTooLarge",
                format!("Request entity too large: {self}"),
            ),
            Error::JsonPatch { .. } | Error::NoListOfLists => {
                (422, "Invalid", GENERIC_UNPROCESSABLE_MESSAGE.to_owned())
            }
            Error::UnsupportedMediaType { .. } | Error::ApplyPatchUnsupported { .. } => {
                (415, "UnsupportedMediaType", self.to_string())
            }
            Error::NoMergeKey { .. }
            | Error::BadArgType { .. }
            | Error::BadPatchType { .. }
            | Error::MergeDirectiveInList
            | Error::ElementTypesNotIdentical { .. }
            | Error::NoElements
            | Error::ListWithoutMergeKey { .. }
            | Error::NotAMap { .. }
            | Error::SetElementOrderMismatch { .. } => (500, "", self.to_string()),
        };
        StatusInfo {
            code,
            reason,
            message,
        }
    }

    pub(crate) fn json_patch(message: impl Into<String>) -> Self {
        Error::JsonPatch {
            message: message.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_mapping() {
        let e = Error::JsonPatch {
            message: "Unable to remove nonexistent key: foo: missing value".into(),
        };
        let s = e.status();
        assert_eq!((s.code, s.reason), (422, "Invalid"));
        assert_eq!(s.message, GENERIC_UNPROCESSABLE_MESSAGE);
        assert_eq!(
            e.to_string(),
            "Unable to remove nonexistent key: foo: missing value"
        );

        let s = Error::TooManyOperations {
            max: 10000,
            got: 10001,
        }
        .status();
        assert_eq!(s.code, 413);
        assert_eq!(
            s.message,
            "Request entity too large: The allowed maximum operations in a JSON patch is 10000, got 10001"
        );

        let s = Error::NoMergeKey {
            map: "map[image:nginx]".into(),
            key: "name".into(),
        }
        .status();
        assert_eq!((s.code, s.reason), (500, ""));
        assert_eq!(
            s.message,
            "map: map[image:nginx] does not contain declared merge key: name"
        );

        assert_eq!(Error::BadPatchFormatForRetainKeys.status().code, 400);
        assert_eq!(Error::NoListOfLists.status().code, 422);
        assert_eq!(
            Error::InvalidMergePatch.status().message,
            "Invalid JSON Patch"
        );
    }
}
