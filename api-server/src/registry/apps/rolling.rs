//! Int-or-percent values of rolling updates (`maxUnavailable`, `maxSurge`)
//! and of disruption budgets (`minAvailable`, `maxUnavailable`).
//!
//! Counterpart of the `ValidatePositiveIntOrPercent`, `IsNotMoreThan100Percent`
//! and `getIntOrPercentValue` helpers of k8s
//! `pkg/apis/apps/validation/validation.go`.

use apimachinery::validation::{
    BadValue, ErrorList, FieldError, Path, go_quote, is_valid_percent, validate_nonnegative_field,
};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

/// An absent value counts as the integer 0, as in the internal types.
const ZERO: IntOrString = IntOrString::Int(0);

/// The value of an absent field.
pub fn or_zero(value: Option<&IntOrString>) -> &IntOrString {
    value.unwrap_or(&ZERO)
}

/// A non-negative integer or a well-formed percentage.
// k8s: pkg/apis/apps/validation/validation.go (ValidatePositiveIntOrPercent)
pub fn validate_int_or_percent(value: &IntOrString, path: &Path) -> ErrorList {
    match value {
        IntOrString::Int(i) => validate_nonnegative_field(i64::from(*i), path),
        IntOrString::String(s) => is_valid_percent(s)
            .into_iter()
            .map(|msg| FieldError::invalid(path, BadValue::int_or_string(value), msg))
            .collect(),
    }
}

/// The percentage of a well-formed percent string.
fn percent(value: &IntOrString) -> Option<i64> {
    match value {
        IntOrString::String(s) if is_valid_percent(s).is_empty() => {
            // Only digits remain: the parse fails on overflow alone, where
            // Go's Atoi saturates.
            Some(s.trim_end_matches('%').parse().unwrap_or(i64::MAX))
        }
        _ => None,
    }
}

/// The number a value stands for: the percentage of a percent string, the
/// integer otherwise (a malformed string counts as its integer reading or 0).
// k8s: pkg/apis/apps/validation/validation.go (getIntOrPercentValue)
pub fn int_or_percent(value: &IntOrString) -> i64 {
    match (percent(value), value) {
        (Some(p), _) => p,
        (None, IntOrString::Int(i)) => i64::from(*i),
        (None, IntOrString::String(s)) => s.parse().unwrap_or(0),
    }
}

/// A percentage may not exceed 100%.
// k8s: pkg/apis/apps/validation/validation.go (IsNotMoreThan100Percent)
pub fn not_more_than_100_percent(value: &IntOrString, path: &Path) -> ErrorList {
    match percent(value) {
        Some(p) if p > 100 => FieldError::invalid(
            path,
            BadValue::int_or_string(value),
            "must not be greater than 100%",
        )
        .into(),
        _ => ErrorList::new(),
    }
}

/// A pointer field inside a struct upstream prints with Go's `%#v`: `nil`,
/// or an address upstream shows and we cannot, which reads `0xc000000000`.
pub fn go_pointer(set: bool) -> &'static str {
    if set { "0xc000000000" } else { "nil" }
}

/// An update strategy as upstream prints it whole in `NotSupported` and
/// `Invalid` errors (Go's `%#v` of the internal struct, e.g.
/// `apps.DeploymentStrategy{Type:"Foo", RollingUpdate:(*apps.RollingUpdateDeployment)(nil)}`);
/// a present rolling update prints as a [`go_pointer`].
pub fn strategy_value(
    go_type: &str,
    type_: Option<&str>,
    rolling_type: &str,
    rolling: bool,
) -> BadValue {
    let pointer = go_pointer(rolling);
    let quoted = go_quote(type_.unwrap_or_default());
    BadValue::Raw(format!(
        "apps.{go_type}{{Type:{quoted}, RollingUpdate:(*apps.{rolling_type})({pointer})}}"
    ))
}
