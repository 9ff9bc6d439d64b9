//! Field-level validation: error paths and lists, name and value format
//! checks, IP/CIDR checks and ObjectMeta helpers, all with upstream's exact
//! messages (clients and users see them in `Invalid` Status responses).
//!
//! Counterparts: k8s.io/apimachinery/pkg/util/validation (and its `field`
//! package), k8s.io/apimachinery/pkg/api/validation and
//! k8s.io/apimachinery/pkg/apis/meta/v1/validation. Everything is re-exported
//! here, so callers write `validation::is_dns1123_label`,
//! `validation::FieldError::required`, ...

mod field;
mod ip;
mod names;
mod object_meta;

pub use field::{BadValue, ErrorList, ErrorType, FieldError, Path, aggregate};
pub use ip::{
    is_valid_cidr, is_valid_cidr_for_legacy_field, is_valid_interface_address, is_valid_ip,
    is_valid_ip_for_legacy_field, is_valid_ipv4_address, is_valid_ipv6_address,
    validate_non_special_ip,
};
pub use names::*;
pub use object_meta::*;

/// Quotes `s` as Go's `%q` does, for messages that embed a Go-printed value.
pub fn go_quote(s: &str) -> String {
    crate::goformat::quote(s)
}
