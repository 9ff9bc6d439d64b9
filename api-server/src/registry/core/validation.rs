//! Field checks shared by the core resources' validation, with upstream's
//! messages. Counterpart of the small helpers of k8s
//! `pkg/apis/core/validation/validation.go`.

use apimachinery::validation::{
    ErrorList, FieldError, Path, is_config_map_key, is_dns1123_label, is_qualified_name,
    is_valid_port_name, is_valid_port_num,
};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

/// The protocols a port may carry.
pub(crate) const PORT_PROTOCOLS: &[&str] = &["SCTP", "TCP", "UDP"];

/// `Required` when empty, `NotSupported` when not one of `supported`.
pub(crate) fn one_of(value: Option<&str>, supported: &[&str], path: &Path) -> ErrorList {
    match value.unwrap_or_default() {
        "" => FieldError::required(path, "").into(),
        v if supported.contains(&v) => ErrorList::new(),
        v => FieldError::not_supported(path, v, supported).into(),
    }
}

// k8s: pkg/apis/core/validation/validation.go (ValidateDNS1123Label)
pub(crate) fn dns1123_label(value: &str, path: &Path) -> ErrorList {
    is_dns1123_label(value)
        .into_iter()
        .map(|msg| FieldError::invalid(path, value, msg))
        .collect()
}

// k8s: pkg/apis/core/validation/validation.go (ValidateQualifiedName)
pub(crate) fn qualified_name(value: &str, path: &Path) -> ErrorList {
    is_qualified_name(value)
        .into_iter()
        .map(|msg| FieldError::invalid(path, value, msg))
        .collect()
}

// k8s: pkg/apis/core/validation/validation.go (ValidatePortNumOrName)
pub(crate) fn port_num_or_name(port: &IntOrString, path: &Path) -> ErrorList {
    match port {
        IntOrString::Int(n) => is_valid_port_num(i64::from(*n))
            .into_iter()
            .map(|msg| FieldError::invalid(path, *n, msg))
            .collect(),
        IntOrString::String(s) => is_valid_port_name(s)
            .into_iter()
            .map(|msg| FieldError::invalid(path, s, msg))
            .collect(),
    }
}

/// The most bytes a ConfigMap's or Secret's data may hold together.
pub(crate) const MAX_DATA_SIZE: usize = 1024 * 1024;

/// What `immutable: true` objects answer when their data changes.
const IMMUTABLE_SET: &str = "field is immutable when `immutable` is set";

/// Every key of a data map must be a valid config key.
// k8s: pkg/apis/core/validation/validation.go (ValidateConfigMap, ValidateSecret)
pub(crate) fn data_keys<'a>(keys: impl Iterator<Item = &'a String>, path: &Path) -> ErrorList {
    keys.flat_map(|key| {
        is_config_map_key(key)
            .into_iter()
            .map(|msg| FieldError::invalid(&path.key(key), key.as_str(), msg))
    })
    .collect()
}

/// Once `immutable` is true it stays true and the data stays as it is.
// k8s: pkg/apis/core/validation/validation.go (ValidateConfigMapUpdate, ValidateSecretUpdate)
pub(crate) fn immutable_data(
    new_immutable: Option<bool>,
    old_immutable: Option<bool>,
    changed: &[(&str, bool)],
) -> ErrorList {
    let mut errs = ErrorList::new();
    if old_immutable != Some(true) {
        return errs;
    }
    if new_immutable != Some(true) {
        errs.push(FieldError::forbidden(
            &Path::new("immutable"),
            IMMUTABLE_SET,
        ));
    }
    for (field, differs) in changed {
        if *differs {
            errs.push(FieldError::forbidden(&Path::new(field), IMMUTABLE_SET));
        }
    }
    errs
}
