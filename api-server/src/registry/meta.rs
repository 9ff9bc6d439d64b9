//! Generic `metadata` handling: validation of ObjectMeta, name generation and
//! continue tokens.
//!
//! Counterpart of k8s.io/apimachinery `pkg/api/validation/objectmeta.go`,
//! k8s.io/apiserver `pkg/storage/names/generate.go` and
//! `pkg/storage/continue.go`.

use apimachinery::validation;
use apimachinery::validation::{ErrorList, FieldError, Path, validate_immutable};
use base64::Engine;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::status::{ApiError, Result};

/// Which rule an object's name must follow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameRule {
    /// RFC 1123 subdomain (most resources).
    Subdomain,
    /// RFC 1123 label (namespaces).
    Label,
    /// RFC 1035 label (services).
    Dns1035Label,
    /// Anything usable as a URL path segment (RBAC roles, events).
    PathSegment,
    /// The path-segment rule applied to `generateName` as to a full name
    /// (`.` and `..` rejected there too), as upstream's RBAC kinds do.
    // k8s: pkg/apis/rbac/validation/validation.go (ValidateRBACName)
    Rbac,
}

impl NameRule {
    fn check(self, name: &str, prefix: bool) -> Vec<String> {
        match self {
            NameRule::Subdomain => validation::name_is_dns_subdomain(name, prefix),
            NameRule::Label => validation::name_is_dns_label(name, prefix),
            NameRule::Dns1035Label => validation::name_is_dns1035_label(name, prefix),
            NameRule::PathSegment => validation::validate_path_segment_name(name, prefix),
            NameRule::Rbac => validation::is_valid_path_segment_name(name),
        }
    }
}

/// Upstream's ValidateObjectMeta for a new object.
// k8s: staging/src/k8s.io/apimachinery/pkg/api/validation/objectmeta.go (ValidateObjectMetaAccessor)
pub fn validate_object_meta(meta: &ObjectMeta, namespaced: bool, rule: NameRule) -> ErrorList {
    let path = Path::new("metadata");
    let mut errors = ErrorList::default();
    let name = meta.name.as_deref().unwrap_or_default();
    let generate_name = meta.generate_name.as_deref().unwrap_or_default();
    if !generate_name.is_empty() {
        for message in rule.check(generate_name, true) {
            errors.push(FieldError::invalid(
                &path.child("generateName"),
                generate_name,
                message,
            ));
        }
    }
    if name.is_empty() {
        errors.push(FieldError::required(
            &path.child("name"),
            "name or generateName is required",
        ));
    } else {
        for message in rule.check(name, false) {
            errors.push(FieldError::invalid(&path.child("name"), name, message));
        }
    }
    let namespace = meta.namespace.as_deref().unwrap_or_default();
    if namespaced {
        if namespace.is_empty() {
            errors.push(FieldError::required(&path.child("namespace"), ""));
        } else {
            for message in validation::is_dns1123_label(namespace) {
                errors.push(FieldError::invalid(
                    &path.child("namespace"),
                    namespace,
                    message,
                ));
            }
        }
    } else if !namespace.is_empty() {
        errors.push(FieldError::forbidden(
            &path.child("namespace"),
            "not allowed on this type",
        ));
    }
    if let Some(labels) = &meta.labels {
        errors.append(validation::validate_labels(labels, &path.child("labels")));
    }
    if let Some(annotations) = &meta.annotations {
        errors.append(validation::validate_annotations(
            annotations,
            &path.child("annotations"),
        ));
    }
    if let Some(finalizers) = &meta.finalizers {
        errors.append(validation::validate_finalizers(
            finalizers,
            &path.child("finalizers"),
        ));
    }
    for (i, owner) in meta.owner_references.iter().flatten().enumerate() {
        let field = path.child("ownerReferences").index(i);
        if owner.api_version.is_empty() {
            errors.push(FieldError::invalid(
                &field.child("apiVersion"),
                "",
                "version must not be empty",
            ));
        }
        if owner.kind.is_empty() {
            errors.push(FieldError::invalid(
                &field.child("kind"),
                "",
                "kind must not be empty",
            ));
        }
        if owner.name.is_empty() {
            errors.push(FieldError::invalid(
                &field.child("name"),
                "",
                "name must not be empty",
            ));
        }
        if owner.uid.is_empty() {
            errors.push(FieldError::invalid(
                &field.child("uid"),
                "",
                "uid must not be empty",
            ));
        }
    }
    if meta
        .owner_references
        .iter()
        .flatten()
        .filter(|o| o.controller == Some(true))
        .count()
        > 1
    {
        errors.push(FieldError::invalid(
            &path.child("ownerReferences"),
            apimachinery::validation::BadValue::Omitted,
            "Only one reference can have Controller set to true",
        ));
    }
    errors
}

/// Upstream's ValidateObjectMetaUpdate: identity fields may not change.
// k8s: staging/src/k8s.io/apimachinery/pkg/api/validation/objectmeta.go (ValidateObjectMetaAccessorUpdate)
pub fn validate_object_meta_update(
    new: &ObjectMeta,
    old: &ObjectMeta,
    namespaced: bool,
    rule: NameRule,
) -> ErrorList {
    let mut errors = validate_object_meta(new, namespaced, rule);
    let path = Path::new("metadata");
    for (field, new, old) in [
        ("name", &new.name, &old.name),
        ("namespace", &new.namespace, &old.namespace),
    ] {
        errors.append(validate_immutable(
            new,
            old,
            || new.clone().unwrap_or_default().into(),
            &path.child(field),
        ));
    }
    errors
}

/// Now, as `metav1.Time` writes it: RFC 3339 in UTC, to the second.
pub fn now_rfc3339() -> String {
    jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// Appends the random suffix upstream's SimpleNameGenerator uses.
// k8s: staging/src/k8s.io/apiserver/pkg/storage/names/generate.go
pub fn generate_name(prefix: &str) -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    const MAX_PREFIX: usize = 63 - 5;
    let prefix = if prefix.len() > MAX_PREFIX {
        &prefix[..MAX_PREFIX]
    } else {
        prefix
    };
    let mut rng = rand::rng();
    let suffix: String = (0..5)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect();
    format!("{prefix}{suffix}")
}

/// The content of a continue token, in upstream's format.
#[derive(Debug, Deserialize, Serialize, PartialEq)]
struct ContinueToken {
    v: String,
    rv: i64,
    start: String,
}

/// Encodes where the next page starts: after `last_key` (relative to the
/// resource's key prefix) at `revision`.
// k8s: staging/src/k8s.io/apiserver/pkg/storage/continue.go (EncodeContinue)
pub fn encode_continue(relative_key: &str, revision: u64) -> String {
    let token = ContinueToken {
        v: "meta.k8s.io/v1".into(),
        rv: revision as i64,
        start: format!("{relative_key}\u{0}"),
    };
    let json = serde_json::to_vec(&token).unwrap_or_default();
    base64::engine::general_purpose::URL_SAFE.encode(json)
}

/// Decodes a continue token into (key after which to start, revision).
pub fn decode_continue(token: &str) -> Result<(String, u64)> {
    let invalid = || {
        ApiError::bad_request(
            "continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)",
        )
    };
    let bytes = base64::engine::general_purpose::URL_SAFE
        .decode(token)
        .or_else(|_| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(token))
        .map_err(|_| invalid())?;
    let token: ContinueToken = serde_json::from_slice(&bytes).map_err(|_| invalid())?;
    if token.v != "meta.k8s.io/v1" || token.rv <= 0 || token.start.contains("..") {
        return Err(invalid());
    }
    let start = token
        .start
        .strip_suffix('\u{0}')
        .unwrap_or(&token.start)
        .to_owned();
    Ok((start, token.rv as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continue_tokens_round_trip() {
        let token = encode_continue("default/web-1", 42);
        assert_eq!(
            decode_continue(&token).expect("valid"),
            ("default/web-1".to_owned(), 42)
        );
        assert!(decode_continue("not-a-token").is_err());
    }

    #[test]
    fn generated_names_keep_the_prefix() {
        let name = generate_name("web-");
        assert!(name.starts_with("web-") && name.len() == 9, "{name}");
    }

    #[test]
    fn invalid_names_are_reported_like_upstream() {
        let meta = ObjectMeta {
            name: Some("Web_1".into()),
            namespace: Some("default".into()),
            ..ObjectMeta::default()
        };
        let errors = validate_object_meta(&meta, true, NameRule::Subdomain);
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0].to_string().starts_with(
                "metadata.name: Invalid value: \"Web_1\": a lowercase RFC 1123 subdomain"
            ),
            "{}",
            errors[0]
        );
    }
}
