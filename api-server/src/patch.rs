//! PATCH bodies applied to stored objects, through the patch engine of
//! `apimachinery::patch` with the schema of the resource's type.
//!
//! Counterpart of k8s.io/apiserver `pkg/endpoints/handlers/patch.go`
//! (applyPatch of each patcher).

use apimachinery::patch::{self, PatchKind, PatchSchema};
use schemars::JsonSchema;
use serde_json::Value;

use crate::status::{ApiError, Result};

/// Applies `body`, a patch of `kind`, to `original`, an object of type `T`.
pub fn apply<T: JsonSchema + 'static>(
    kind: PatchKind,
    original: &Value,
    body: &[u8],
) -> Result<Value> {
    let schema = PatchSchema::of::<T>();
    patch::apply_patch(kind, original, body, Some(&schema)).map_err(|error| error.into())
}

impl From<patch::Error> for ApiError {
    fn from(error: patch::Error) -> Self {
        let status = error.status();
        ApiError::from_status(status.code, status.reason, status.message)
    }
}
