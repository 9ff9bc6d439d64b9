//! scheduling.k8s.io: PriorityClasses. Counterpart of k8s
//! `pkg/registry/scheduling/priorityclass/strategy.go`, defaulting from
//! `pkg/apis/scheduling/v1/defaults.go`, validation from
//! `pkg/apis/scheduling/validation/validation.go` and the system classes of
//! `pkg/apis/scheduling/helpers.go`.

use apimachinery::validation::{ErrorList, FieldError, Path, validate_immutable};
use k8s_openapi::api::scheduling::v1::PriorityClass;

use super::core::validation::one_of;
use super::{ResourceInfo, Strategy};

pub static INFO: &ResourceInfo = &ResourceInfo {
    group: "scheduling.k8s.io",
    version: "v1",
    resource: "priorityclasses",
    singular: "priorityclass",
    kind: "PriorityClass",
    namespaced: false,
    short_names: &["pc"],
    categories: &[],
    has_status: false,
    has_scale: false,
    printer: &crate::printers::PRIORITY_CLASSES,
};

/// The highest priority a user-defined class may have.
pub const HIGHEST_USER_PRIORITY: i32 = 1_000_000_000;
/// Names starting with this are reserved for the system classes.
const SYSTEM_PREFIX: &str = "system-";

/// The classes every cluster has: (name, value, description).
pub const SYSTEM_CLASSES: [(&str, i32, &str); 2] = [
    (
        "system-node-critical",
        2 * HIGHEST_USER_PRIORITY + 1000,
        "For pods the node cannot work without; they are never moved away from it.",
    ),
    (
        "system-cluster-critical",
        2 * HIGHEST_USER_PRIORITY,
        "For pods the cluster cannot work without; they may move to another node.",
    ),
];

const PREEMPTION_POLICIES: [&str; 2] = ["PreemptLowerPriority", "Never"];

#[derive(Clone, Copy, Default)]
pub struct PriorityClassStrategy;

impl Strategy for PriorityClassStrategy {
    type Object = PriorityClass;

    fn info(&self) -> &'static ResourceInfo {
        INFO
    }

    // k8s: pkg/apis/scheduling/v1/defaults.go (SetDefaults_PriorityClass)
    fn apply_defaults(&self, class: &mut PriorityClass) {
        class
            .preemption_policy
            .get_or_insert_with(|| PREEMPTION_POLICIES[0].into());
    }

    // k8s: pkg/apis/scheduling/validation/validation.go (ValidatePriorityClass)
    fn validate(&self, class: &PriorityClass) -> ErrorList {
        let mut errs = ErrorList::new();
        let name = class.metadata.name.as_deref().unwrap_or_default();
        if name.starts_with(SYSTEM_PREFIX) {
            if let Err(why) = check_system_class(name, class.value, class.global_default) {
                errs.push(FieldError::forbidden(
                    &Path::new("metadata").child("name"),
                    format!(
                        "priority class names with '{SYSTEM_PREFIX}' prefix are reserved for system use only. error: {why}"
                    ),
                ));
            }
        } else if class.value > HIGHEST_USER_PRIORITY {
            errs.push(FieldError::forbidden(
                &Path::new("value"),
                format!(
                    "maximum allowed value of a user defined priority is {HIGHEST_USER_PRIORITY}"
                ),
            ));
        }
        if let Some(policy) = class.preemption_policy.as_deref() {
            errs.append(one_of(
                Some(policy),
                &PREEMPTION_POLICIES,
                &Path::new("preemptionPolicy"),
            ));
        }
        errs
    }

    // k8s: pkg/apis/scheduling/validation/validation.go (ValidatePriorityClassUpdate)
    fn validate_update(&self, new: &PriorityClass, old: &PriorityClass) -> ErrorList {
        let mut errs = ErrorList::new();
        if new.value != old.value {
            errs.push(FieldError::forbidden(
                &Path::new("value"),
                "may not be changed in an update.",
            ));
        }
        errs.append(validate_immutable(
            &new.preemption_policy,
            &old.preemption_policy,
            || new.preemption_policy.clone().unwrap_or_default().into(),
            &Path::new("preemptionPolicy"),
        ));
        errs
    }
}

/// Whether a `system-` class is one of [`SYSTEM_CLASSES`], as it must be.
// k8s: pkg/apis/scheduling/helpers.go (IsKnownSystemPriorityClass)
fn check_system_class(name: &str, value: i32, global_default: Option<bool>) -> Result<(), String> {
    let Some((_, expected, _)) = SYSTEM_CLASSES.iter().find(|(n, ..)| *n == name) else {
        return Err(format!("{name} is not a known system priority class"));
    };
    if value != *expected {
        return Err(format!("value of {name} PriorityClass must be {expected}"));
    }
    if global_default.unwrap_or(false) {
        return Err(format!(
            "globalDefault of {name} PriorityClass must be false"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class(name: &str, value: i32) -> PriorityClass {
        let mut class = PriorityClass {
            value,
            ..PriorityClass::default()
        };
        class.metadata.name = Some(name.into());
        PriorityClassStrategy.apply_defaults(&mut class);
        class
    }

    #[test]
    fn values_and_reserved_names_follow_upstream() {
        let strategy = PriorityClassStrategy;
        assert_eq!(
            class("high", 1).preemption_policy.as_deref(),
            Some("PreemptLowerPriority")
        );
        assert!(
            strategy
                .validate(&class("high", HIGHEST_USER_PRIORITY))
                .is_empty()
        );
        assert_eq!(
            strategy
                .validate(&class("high", HIGHEST_USER_PRIORITY + 1))
                .to_string(),
            "value: Forbidden: maximum allowed value of a user defined priority is 1000000000"
        );
        assert!(
            strategy
                .validate(&class("system-cluster-critical", 2_000_000_000))
                .is_empty()
        );
        assert_eq!(
            strategy.validate(&class("system-x", 5)).to_string(),
            "metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: system-x is not a known system priority class"
        );
        assert_eq!(
            strategy
                .validate_update(&class("high", 2), &class("high", 1))
                .to_string(),
            "value: Forbidden: may not be changed in an update."
        );
    }
}
