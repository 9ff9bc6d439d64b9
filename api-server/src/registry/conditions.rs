//! Validation of `metav1.Condition` lists, the standard shape of status
//! conditions. Counterpart of `ValidateConditions` and `ValidateCondition`
//! in k8s.io/apimachinery/pkg/apis/meta/v1/validation/validation.go.

use std::collections::HashSet;

use apimachinery::validation::{ErrorList, FieldError, Path, regex_error, validate_label_name};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Condition;

/// The statuses a condition may have, sorted as upstream lists them.
const CONDITION_STATUSES: [&str; 3] = ["False", "True", "Unknown"];
/// The longest reason, in bytes.
const MAX_REASON_LEN: usize = 1024;
/// The longest message, in bytes.
const MAX_MESSAGE_LEN: usize = 32 * 1024;
/// Seconds from the Unix epoch back to Go's zero time, 0001-01-01T00:00:00Z.
const GO_ZERO_TIME: i64 = -62_135_596_800;

// k8s: staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/validation/validation.go (conditionReasonFmt, conditionReasonErrMsg)
const CONDITION_REASON_FMT: &str = "[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?";
const CONDITION_REASON_ERR_MSG: &str = "a condition reason must start with alphabetic character, optionally followed by a string of alphanumeric characters or '_,:', and must end with an alphanumeric character or '_'";

/// Validates a condition list at `path`: each type at most once, each
/// condition well formed.
// k8s: staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/validation/validation.go (ValidateConditions)
pub fn validate_conditions(conditions: &[Condition], path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    let mut seen = HashSet::new();
    for (i, condition) in conditions.iter().enumerate() {
        let item = path.index(i);
        if !seen.insert(condition.type_.as_str()) {
            errs.push(FieldError::duplicate(
                &item.child("type"),
                condition.type_.as_str(),
            ));
        }
        errs.append(validate_condition(condition, &item));
    }
    errs
}

// k8s: staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/validation/validation.go (ValidateCondition)
fn validate_condition(condition: &Condition, path: &Path) -> ErrorList {
    let mut errs = validate_label_name(&condition.type_, &path.child("type"));
    if !CONDITION_STATUSES.contains(&condition.status.as_str()) {
        errs.push(FieldError::not_supported(
            &path.child("status"),
            condition.status.as_str(),
            &CONDITION_STATUSES,
        ));
    }
    if let Some(generation) = condition.observed_generation.filter(|g| *g < 0) {
        errs.push(FieldError::invalid(
            &path.child("observedGeneration"),
            generation,
            "must be greater than or equal to zero",
        ));
    }
    if condition.last_transition_time.0.as_second() == GO_ZERO_TIME {
        errs.push(FieldError::required(
            &path.child("lastTransitionTime"),
            "must be set",
        ));
    }
    let reason = condition.reason.as_str();
    let reason_path = path.child("reason");
    if reason.is_empty() {
        errs.push(FieldError::required(&reason_path, "must be set"));
    } else {
        if !is_condition_reason(reason) {
            errs.push(FieldError::invalid(
                &reason_path,
                reason,
                regex_error(
                    CONDITION_REASON_ERR_MSG,
                    CONDITION_REASON_FMT,
                    &[
                        "my_name",
                        "MY_NAME",
                        "MyName",
                        "ReasonA,ReasonB",
                        "ReasonA:ReasonB",
                    ],
                ),
            ));
        }
        if reason.len() > MAX_REASON_LEN {
            errs.push(FieldError::too_long(&reason_path, Some(MAX_REASON_LEN)));
        }
    }
    if condition.message.len() > MAX_MESSAGE_LEN {
        errs.push(FieldError::too_long(
            &path.child("message"),
            Some(MAX_MESSAGE_LEN),
        ));
    }
    errs
}

/// Whether `reason` matches [`CONDITION_REASON_FMT`].
fn is_condition_reason(reason: &str) -> bool {
    let bytes = reason.as_bytes();
    let inner = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b',' | b':');
    match bytes {
        [first, middle @ .., last] => {
            first.is_ascii_alphabetic()
                && middle.iter().all(inner)
                && (last.is_ascii_alphanumeric() || *last == b'_')
        }
        [only] => only.is_ascii_alphabetic(),
        [] => false,
    }
}

#[cfg(test)]
mod tests {
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
    use k8s_openapi::jiff::Timestamp;

    use super::*;

    fn condition(type_: &str, status: &str, reason: &str) -> Condition {
        Condition {
            type_: type_.into(),
            status: status.into(),
            reason: reason.into(),
            last_transition_time: Time(Timestamp::UNIX_EPOCH),
            message: String::new(),
            observed_generation: None,
        }
    }

    #[test]
    fn conditions_follow_upstream() {
        let path = Path::new("status").child("conditions");
        let good = condition("DisruptionAllowed", "True", "SufficientPods");
        assert!(validate_conditions(std::slice::from_ref(&good), &path).is_empty());

        let mut zero = condition("Ready", "Maybe", "");
        zero.last_transition_time = Time(Timestamp::from_second(GO_ZERO_TIME).expect("in range"));
        zero.observed_generation = Some(-1);
        assert_eq!(
            validate_conditions(&[good.clone(), good, zero], &path).to_string(),
            "[status.conditions[1].type: Duplicate value: \"DisruptionAllowed\", \
             status.conditions[2].status: Unsupported value: \"Maybe\": supported values: \"False\", \"True\", \"Unknown\", \
             status.conditions[2].observedGeneration: Invalid value: -1: must be greater than or equal to zero, \
             status.conditions[2].lastTransitionTime: Required value: must be set, \
             status.conditions[2].reason: Required value: must be set]"
        );

        assert_eq!(
            validate_conditions(&[condition("Ready", "True", "no good")], &path).to_string(),
            "status.conditions[0].reason: Invalid value: \"no good\": a condition reason must start with alphabetic character, optionally followed by a string of alphanumeric characters or '_,:', and must end with an alphanumeric character or '_' (e.g. 'my_name',  or 'MY_NAME',  or 'MyName',  or 'ReasonA,ReasonB',  or 'ReasonA:ReasonB', regex used for validation is '[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?')"
        );
        assert!(is_condition_reason("A") && is_condition_reason("Reason_A,B:c_"));
        assert!(!is_condition_reason("_A") && !is_condition_reason("A,"));
    }
}
