//! Field checks shared by the core resources' validation, with upstream's
//! messages. Counterpart of the small helpers of k8s
//! `pkg/apis/core/validation/validation.go`.

use apimachinery::validation::{
    ErrorList, FieldError, Path, is_dns1123_label, is_valid_port_name, is_valid_port_num,
};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

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
