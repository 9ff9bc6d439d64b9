//! ObjectMeta-level validation helpers: label and annotation maps, finalizer
//! names, the per-resource name rules (with the `generateName` prefix mode)
//! and the path-segment rule every stored name must satisfy.
//!
//! Counterpart: k8s.io/apimachinery/pkg/api/validation (objectmeta.go,
//! generic.go, path/name.go) and ValidateLabels / ValidateLabelName of
//! k8s.io/apimachinery/pkg/apis/meta/v1/validation.

use std::borrow::Cow;

use super::field::{ErrorList, FieldError, Path};
use super::names::{
    dns1035_label_errors, dns1123_label_errors, dns1123_subdomain_errors, is_qualified_name,
    is_valid_label_value,
};

/// Upper bound on the summed length of annotation keys and values (256 KiB).
pub const TOTAL_ANNOTATION_SIZE_LIMIT_BYTES: usize = 256 * 1024;

/// Detail used when an immutable field changes.
pub const FIELD_IMMUTABLE_ERROR_MSG: &str = "field is immutable";

/// Detail used when a field must not be negative.
pub const IS_NEGATIVE_ERROR_MSG: &str = "must be greater than or equal to 0";

/// Finalizer that orphans dependents on deletion.
pub const FINALIZER_ORPHAN_DEPENDENTS: &str = "orphan";

/// Finalizer that deletes dependents in the foreground.
pub const FINALIZER_DELETE_DEPENDENTS: &str = "foregroundDeletion";

/// Validates a name for a resource kind. `prefix` is true when the value is a
/// `generateName`, which will get a random suffix appended. Returns the list of
/// problems (empty when valid).
pub type ValidateNameFn = fn(name: &str, prefix: bool) -> Vec<String>;

/// In prefix mode a trailing `-` is allowed because a suffix follows.
/// Upstream drops the last *two* bytes and appends `a` (so `ab-` is checked as
/// `aa`); we do the same, on bytes, so the result is the same for any input.
// k8s: staging/src/k8s.io/apimachinery/pkg/api/validation/generic.go (maskTrailingDash)
fn mask_trailing_dash(name: &str, prefix: bool) -> Cow<'_, [u8]> {
    let b = name.as_bytes();
    if prefix && b.len() > 1 && b.ends_with(b"-") {
        let mut masked = b[..b.len() - 2].to_vec();
        masked.push(b'a');
        Cow::Owned(masked)
    } else {
        Cow::Borrowed(b)
    }
}

/// Name rule of most resources: an RFC 1123 subdomain.
// k8s: staging/src/k8s.io/apimachinery/pkg/api/validation/generic.go (NameIsDNSSubdomain)
pub fn name_is_dns_subdomain(name: &str, prefix: bool) -> Vec<String> {
    dns1123_subdomain_errors(&mask_trailing_dash(name, prefix))
}

/// Name rule of e.g. Namespaces: an RFC 1123 label.
pub fn name_is_dns_label(name: &str, prefix: bool) -> Vec<String> {
    dns1123_label_errors(&mask_trailing_dash(name, prefix))
}

/// Name rule of e.g. Services: an RFC 1035 label.
pub fn name_is_dns1035_label(name: &str, prefix: bool) -> Vec<String> {
    dns1035_label_errors(&mask_trailing_dash(name, prefix))
}

/// Namespace names are RFC 1123 labels.
pub const VALIDATE_NAMESPACE_NAME: ValidateNameFn = name_is_dns_label;

/// ServiceAccount names are RFC 1123 subdomains.
pub const VALIDATE_SERVICE_ACCOUNT_NAME: ValidateNameFn = name_is_dns_subdomain;

/// Names that may not be used as a path segment.
pub const NAME_MAY_NOT_BE: [&str; 2] = [".", ".."];

/// Substrings a path-segment name may not contain.
pub const NAME_MAY_NOT_CONTAIN: [&str; 2] = ["/", "%"];

/// Checks that `name` can be used as one URL/storage path segment: not `.` or
/// `..`, and without `/` or `%`.
// k8s: staging/src/k8s.io/apimachinery/pkg/api/validation/path/name.go (IsValidPathSegmentName)
pub fn is_valid_path_segment_name(name: &str) -> Vec<String> {
    if let Some(bad) = NAME_MAY_NOT_BE.iter().find(|bad| **bad == name) {
        return vec![format!("may not be '{bad}'")];
    }
    is_valid_path_segment_prefix(name)
}

/// Like [`is_valid_path_segment_name`] for a prefix: `.` and `..` are fine as
/// a suffix will follow.
pub fn is_valid_path_segment_prefix(name: &str) -> Vec<String> {
    NAME_MAY_NOT_CONTAIN
        .iter()
        .filter(|bad| name.contains(**bad))
        .map(|bad| format!("may not contain '{bad}'"))
        .collect()
}

/// The path-segment rule as a [`ValidateNameFn`]; the generic registry checks
/// every name with it after the resource's own rule.
pub fn validate_path_segment_name(name: &str, prefix: bool) -> Vec<String> {
    if prefix {
        is_valid_path_segment_prefix(name)
    } else {
        is_valid_path_segment_name(name)
    }
}

/// Validates a label key (a qualified name).
// k8s: staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/validation/validation.go (ValidateLabelName)
pub fn validate_label_name(name: &str, path: &Path) -> ErrorList {
    is_qualified_name(name)
        .into_iter()
        .map(|msg| FieldError::invalid(path, name, msg))
        .collect()
}

/// Validates a label map: every key a qualified name, every value a label
/// value. Errors point at `path` itself (upstream does not index by key).
// k8s: staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/validation/validation.go (ValidateLabels)
pub fn validate_labels<K, V>(labels: impl IntoIterator<Item = (K, V)>, path: &Path) -> ErrorList
where
    K: AsRef<str>,
    V: AsRef<str>,
{
    let mut errs = ErrorList::new();
    for (k, v) in labels {
        errs.append(validate_label_name(k.as_ref(), path));
        for msg in is_valid_label_value(v.as_ref()) {
            errs.push(FieldError::invalid(path, v.as_ref(), msg));
        }
    }
    errs
}

/// Validates an annotation map: keys are qualified names compared
/// case-insensitively, and keys plus values total at most 256 KiB.
///
/// Keys are lower-cased in ASCII only; any non-ASCII byte fails the format
/// check regardless, so only the length message can differ from upstream's
/// Unicode lower-casing, and only for keys with such characters.
// k8s: staging/src/k8s.io/apimachinery/pkg/api/validation/objectmeta.go (ValidateAnnotations)
pub fn validate_annotations<K, V>(
    annotations: impl IntoIterator<Item = (K, V)>,
    path: &Path,
) -> ErrorList
where
    K: AsRef<str>,
    V: AsRef<str>,
{
    let mut errs = ErrorList::new();
    let mut total: usize = 0;
    for (k, v) in annotations {
        let k = k.as_ref();
        for msg in is_qualified_name(&k.to_ascii_lowercase()) {
            errs.push(FieldError::invalid(path, k, msg));
        }
        total = total
            .saturating_add(k.len())
            .saturating_add(v.as_ref().len());
    }
    if total > TOTAL_ANNOTATION_SIZE_LIMIT_BYTES {
        errs.push(FieldError::too_long(
            path,
            Some(TOTAL_ANNOTATION_SIZE_LIMIT_BYTES),
        ));
    }
    errs
}

/// Validates one finalizer name (a qualified name).
pub fn validate_finalizer_name(name: &str, path: &Path) -> ErrorList {
    is_qualified_name(name)
        .into_iter()
        .map(|msg| FieldError::invalid(path, name, msg))
        .collect()
}

/// Validates a finalizer list: each name, and not both `orphan` and
/// `foregroundDeletion`.
// k8s: staging/src/k8s.io/apimachinery/pkg/api/validation/objectmeta.go (ValidateFinalizers)
pub fn validate_finalizers<S: AsRef<str>>(finalizers: &[S], path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    let (mut orphan, mut foreground) = (false, false);
    for f in finalizers {
        let f = f.as_ref();
        errs.append(validate_finalizer_name(f, path));
        orphan |= f == FINALIZER_ORPHAN_DEPENDENTS;
        foreground |= f == FINALIZER_DELETE_DEPENDENTS;
    }
    if orphan && foreground {
        errs.push(FieldError::invalid(
            path,
            super::BadValue::string_list(finalizers),
            format!("finalizer {FINALIZER_ORPHAN_DEPENDENTS} and {FINALIZER_DELETE_DEPENDENTS} cannot be both set"),
        ));
    }
    errs
}

/// Validates that `value` is not negative.
pub fn validate_nonnegative_field(value: i64, path: &Path) -> ErrorList {
    if value < 0 {
        FieldError::invalid(path, value, IS_NEGATIVE_ERROR_MSG).into()
    } else {
        ErrorList::new()
    }
}

/// An error when `new` differs from `old`, showing `shown` as the value.
// k8s: staging/src/k8s.io/apimachinery/pkg/api/validation/objectmeta.go (ValidateImmutableField)
pub fn validate_immutable<T: PartialEq>(
    new: &T,
    old: &T,
    shown: impl FnOnce() -> super::BadValue,
    path: &Path,
) -> ErrorList {
    if new == old {
        ErrorList::new()
    } else {
        FieldError::invalid(path, shown(), FIELD_IMMUTABLE_ERROR_MSG).into()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[test]
    fn name_functions_with_prefix() {
        assert!(name_is_dns_subdomain("my-name", false).is_empty());
        assert_eq!(name_is_dns_subdomain("my-name-", false).len(), 1);
        assert!(name_is_dns_subdomain("my-name-", true).is_empty());
        assert!(name_is_dns_label("web-", true).is_empty());
        assert!(name_is_dns1035_label("svc-", true).is_empty());
        // A lone dash is not masked.
        assert_eq!(name_is_dns_subdomain("-", true).len(), 1);
        // Upstream drops two bytes: "a.-" becomes "a" + "a" which is valid.
        assert!(name_is_dns_subdomain("a.-", true).is_empty());
        // ".-" becomes "a": valid although "." + suffix would not be.
        assert!(name_is_dns_subdomain(".-", true).is_empty());
        // Multi-byte characters never panic.
        assert_eq!(name_is_dns_subdomain("é-", true).len(), 1);
        assert_eq!(name_is_dns_label("aé-", true).len(), 1);
        assert_eq!(
            name_is_dns_subdomain("Foo", false),
            vec!["a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')".to_owned()]
        );
        assert_eq!(
            VALIDATE_NAMESPACE_NAME("a.b", false),
            vec!["must not contain dots".to_owned()]
        );
        assert!(VALIDATE_SERVICE_ACCOUNT_NAME("a.b", false).is_empty());
    }

    #[test]
    fn invalid_name_renders_like_upstream() {
        let p = Path::new("metadata").child("name");
        let errs: ErrorList = name_is_dns_subdomain("Foo", false)
            .into_iter()
            .map(|m| FieldError::invalid(&p, "Foo", m))
            .collect();
        assert_eq!(
            errs.to_string(),
            r#"metadata.name: Invalid value: "Foo": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"#
        );
    }

    #[test]
    fn path_segments() {
        assert!(is_valid_path_segment_name("a.b").is_empty());
        assert_eq!(
            is_valid_path_segment_name("."),
            vec!["may not be '.'".to_owned()]
        );
        assert_eq!(
            is_valid_path_segment_name(".."),
            vec!["may not be '..'".to_owned()]
        );
        assert_eq!(
            is_valid_path_segment_name("a/b"),
            vec!["may not contain '/'".to_owned()]
        );
        assert_eq!(
            is_valid_path_segment_name("a/%b"),
            vec![
                "may not contain '/'".to_owned(),
                "may not contain '%'".to_owned()
            ]
        );
        assert!(validate_path_segment_name("..", true).is_empty());
        assert_eq!(
            validate_path_segment_name("%", true),
            vec!["may not contain '%'".to_owned()]
        );
        assert_eq!(validate_path_segment_name("..", false).len(), 1);
    }

    #[test]
    fn labels() {
        let p = Path::new("metadata").child("labels");
        let mut m = BTreeMap::new();
        m.insert("app".to_owned(), "web".to_owned());
        m.insert("example.com/tier".to_owned(), "".to_owned());
        assert!(validate_labels(&m, &p).is_empty());
        m.insert("bad key".to_owned(), "-bad".to_owned());
        let errs = validate_labels(&m, &p);
        assert_eq!(errs.len(), 2);
        assert!(errs[0].to_string().starts_with(
            r#"metadata.labels: Invalid value: "bad key": name part must consist of"#
        ));
        assert!(
            errs[1]
                .to_string()
                .starts_with(r#"metadata.labels: Invalid value: "-bad": a valid label must be"#)
        );
        assert!(validate_labels([("a", "b")], &p).is_empty());
    }

    #[test]
    fn annotations() {
        let p = Path::new("metadata").child("annotations");
        assert!(validate_annotations([("Example.COM/Key", "anything at all")], &p).is_empty());
        let errs = validate_annotations([("a b", "")], &p);
        assert_eq!(errs.len(), 1);
        assert!(
            errs[0]
                .to_string()
                .starts_with(r#"metadata.annotations: Invalid value: "a b": name part"#)
        );
        let big = "x".repeat(TOTAL_ANNOTATION_SIZE_LIMIT_BYTES);
        assert!(validate_annotations([("", big.as_str())], &p).len() == 2);
        let errs = validate_annotations([("k", big.as_str())], &p);
        assert_eq!(
            errs.to_string(),
            "metadata.annotations: Too long: may not be more than 262144 bytes"
        );
        assert_eq!(errs[0].reason(), "FieldValueTooLong");
        let exact = "x".repeat(TOTAL_ANNOTATION_SIZE_LIMIT_BYTES - 1);
        assert!(validate_annotations([("k", exact.as_str())], &p).is_empty());
    }

    #[test]
    fn finalizers_and_nonnegative() {
        let p = Path::new("metadata").child("finalizers");
        assert!(validate_finalizers(&["kubernetes", "example.com/x"], &p).is_empty());
        assert_eq!(
            validate_finalizers(&["orphan", "foregroundDeletion"], &p).to_string(),
            r#"metadata.finalizers: Invalid value: []string{"orphan", "foregroundDeletion"}: finalizer orphan and foregroundDeletion cannot be both set"#
        );
        assert_eq!(validate_finalizers(&["a/b/c"], &p).len(), 1);
        assert_eq!(
            validate_nonnegative_field(-1, &Path::new("metadata").child("generation")).to_string(),
            "metadata.generation: Invalid value: -1: must be greater than or equal to 0"
        );
        assert!(validate_nonnegative_field(0, &p).is_empty());
    }
}
