//! Request bodies to typed objects, with upstream's checks and wording:
//! JSON, YAML or protobuf, apiVersion/kind matching the endpoint, unknown fields per
//! `fieldValidation`.
//!
//! Counterpart of k8s.io/apiserver `pkg/endpoints/handlers/rest.go`
//! (decoding) and apimachinery's strict JSON decoding errors.

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::{FieldValidation, ResourceInfo};
use crate::status::{ApiError, Result};

/// Parses a request body by its media type: protobuf, YAML (also apply
/// patches), or JSON.
pub fn parse_body(body: &[u8], content_type: &str) -> Result<Value> {
    if content_type.starts_with(apimachinery::protobuf::MEDIA_TYPE) {
        apimachinery::protobuf::to_json(body).map_err(|e| ApiError::bad_request(e.to_string()))
    } else if content_type.starts_with("application/yaml")
        || content_type.starts_with("application/apply-patch+yaml")
    {
        let text = std::str::from_utf8(body)
            .map_err(|_| ApiError::bad_request("the request body is not valid UTF-8"))?;
        serde_yaml::from_str(text).map_err(|e| ApiError::bad_request(format!("yaml: {e}")))
    } else {
        serde_json::from_slice(body).map_err(|e| {
            ApiError::bad_request(format!("couldn't get version/kind; json parse error: {e}"))
        })
    }
}

/// Checks that the body is an object of the endpoint's kind and version,
/// filling `apiVersion` and `kind` when absent as upstream's decoder does.
pub fn check_kind(value: &mut Value, info: &ResourceInfo) -> Result<()> {
    let expected_version = info.api_version();
    let Some(object) = value.as_object_mut() else {
        return Err(ApiError::bad_request(format!(
            "{} in version \"{}\" cannot be handled as a {}: the request body must be a JSON object",
            info.kind, info.version, info.kind
        )));
    };
    match object.get("apiVersion").and_then(Value::as_str) {
        Some(version) if version != expected_version => {
            return Err(ApiError::bad_request(format!(
                "the API version in the data ({version}) does not match the expected API version ({expected_version})"
            )));
        }
        Some(_) => {}
        None => {
            object.insert("apiVersion".into(), expected_version.into());
        }
    }
    match object.get("kind").and_then(Value::as_str) {
        Some(kind) if kind != info.kind => Err(ApiError::bad_request(format!(
            "the kind in the data ({kind}) does not match the expected kind ({})",
            info.kind
        ))),
        Some(_) => Ok(()),
        None => {
            object.insert("kind".into(), info.kind.into());
            Ok(())
        }
    }
}

/// Decodes `value` into the typed object. Unknown fields fail the request
/// under `Strict`, become warnings under `Warn`, and are dropped silently
/// under `Ignore`; they never reach storage.
pub fn to_typed<T: DeserializeOwned>(
    value: Value,
    info: &ResourceInfo,
    validation: FieldValidation,
) -> Result<(T, Vec<String>)> {
    let mut unknown = Vec::new();
    let decoded = serde_ignored::deserialize(value, |path| unknown.push(render(&path)));
    let cannot = |why: String| {
        ApiError::bad_request(format!(
            "{kind} in version \"{version}\" cannot be handled as a {kind}: {why}",
            kind = info.kind,
            version = info.version
        ))
    };
    let object = decoded.map_err(|e| cannot(e.to_string()))?;
    let messages = unknown
        .iter()
        .map(|path| format!("unknown field \"{path}\""));
    match validation {
        FieldValidation::Strict if !unknown.is_empty() => Err(cannot(format!(
            "strict decoding error: {}",
            messages.collect::<Vec<_>>().join(", ")
        ))),
        FieldValidation::Warn => Ok((object, messages.collect())),
        _ => Ok((object, Vec::new())),
    }
}

/// Renders a field path the way upstream reports it: `spec.containers[0].x`.
fn render(path: &serde_ignored::Path<'_>) -> String {
    use serde_ignored::Path;
    match path {
        Path::Root => String::new(),
        Path::Seq { parent, index } => format!("{}[{index}]", render(parent)),
        Path::Map { parent, key } => {
            let parent = render(parent);
            if parent.is_empty() {
                key.clone()
            } else {
                format!("{parent}.{key}")
            }
        }
        Path::Some { parent }
        | Path::NewtypeStruct { parent }
        | Path::NewtypeVariant { parent } => render(parent),
    }
}

#[cfg(test)]
mod tests {
    use k8s_openapi::api::core::v1::Pod;
    use serde_json::json;

    use super::*;

    fn pods() -> &'static ResourceInfo {
        crate::registry::core::pod::INFO
    }

    #[test]
    fn unknown_fields_follow_field_validation() {
        let body = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
            "spec": {"containers": [{"name": "c", "image": "i",
                "livenessProbe": {"exec": {"command": ["true"], "periodSeconds": 3}}}]}});
        let (_, warnings) =
            to_typed::<Pod>(body.clone(), pods(), FieldValidation::Warn).expect("decodes");
        assert_eq!(
            warnings,
            ["unknown field \"spec.containers[0].livenessProbe.exec.periodSeconds\""]
        );
        let error = to_typed::<Pod>(body.clone(), pods(), FieldValidation::Strict)
            .expect_err("strict refuses");
        assert_eq!(error.code, 400);
        assert_eq!(
            error.message,
            "Pod in version \"v1\" cannot be handled as a Pod: strict decoding error: unknown field \"spec.containers[0].livenessProbe.exec.periodSeconds\""
        );
        let (_, warnings) = to_typed::<Pod>(body, pods(), FieldValidation::Ignore).expect("ok");
        assert!(warnings.is_empty());
    }

    #[test]
    fn kind_and_version_must_match_the_endpoint() {
        let mut body = json!({"apiVersion": "apps/v1", "kind": "Pod"});
        let error = check_kind(&mut body, pods()).expect_err("wrong version");
        assert_eq!(
            error.message,
            "the API version in the data (apps/v1) does not match the expected API version (v1)"
        );
        let mut bare = json!({"metadata": {"name": "p"}});
        check_kind(&mut bare, pods()).expect("filled in");
        assert_eq!(bare["kind"], "Pod");
        assert_eq!(bare["apiVersion"], "v1");
    }
}
