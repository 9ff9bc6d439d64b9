//! policy: PodDisruptionBudgets, the limits evictions respect. Counterpart of
//! k8s `pkg/registry/policy/poddisruptionbudget/strategy.go` with validation
//! from `pkg/apis/policy/validation/validation.go`
//! (`ValidatePodDisruptionBudgetSpec`, `ValidatePodDisruptionBudgetStatusUpdate`).
//!
//! The generic store already does what upstream's `PrepareForCreate` and
//! `PrepareForUpdate` do here: it clears the status on create, keeps it on
//! updates of the main resource and counts spec changes in the generation.

use apimachinery::selector::labels::{LabelSelector, LabelSelectorValidationOptions};
use apimachinery::validation::{BadValue, ErrorList, FieldError, Path, validate_nonnegative_field};
use k8s_openapi::api::policy::v1::{PodDisruptionBudget, PodDisruptionBudgetSpec};

use super::apps::rolling::{go_pointer, not_more_than_100_percent, validate_int_or_percent};
use super::conditions::validate_conditions;
use super::{ResourceInfo, Strategy};

pub static INFO: &ResourceInfo = &ResourceInfo {
    group: "policy",
    version: "v1",
    resource: "poddisruptionbudgets",
    singular: "poddisruptionbudget",
    kind: "PodDisruptionBudget",
    namespaced: true,
    short_names: &["pdb"],
    categories: &[],
    has_status: true,
    has_scale: false,
    printer: &crate::printers::POD_DISRUPTION_BUDGETS,
};

/// The values of `spec.unhealthyPodEvictionPolicy`, sorted as upstream
/// lists them.
const UNHEALTHY_POD_EVICTION_POLICIES: [&str; 2] = ["AlwaysAllow", "IfHealthyBudget"];

#[derive(Clone, Copy, Default)]
pub struct PodDisruptionBudgetStrategy;

impl Strategy for PodDisruptionBudgetStrategy {
    type Object = PodDisruptionBudget;

    fn info(&self) -> &'static ResourceInfo {
        INFO
    }

    fn tracks_generation(&self) -> bool {
        true
    }

    // k8s: pkg/registry/policy/poddisruptionbudget/strategy.go (Validate)
    fn validate(&self, budget: &PodDisruptionBudget) -> ErrorList {
        validate_spec(budget, LabelSelectorValidationOptions::default())
    }

    /// A selector stored before label values were checked may stay as it is.
    // k8s: pkg/registry/policy/poddisruptionbudget/strategy.go (ValidateUpdate, hasInvalidLabelValueInLabelSelector)
    fn validate_update(&self, new: &PodDisruptionBudget, old: &PodDisruptionBudget) -> ErrorList {
        let options = LabelSelectorValidationOptions {
            allow_invalid_label_value_in_selector: selector(old).is_some_and(|s| {
                !s.validate(LabelSelectorValidationOptions::default(), &Path::nil())
                    .is_empty()
            }),
            ..LabelSelectorValidationOptions::default()
        };
        validate_spec(new, options)
    }

    // k8s: pkg/apis/policy/validation/validation.go (ValidatePodDisruptionBudgetStatusUpdate)
    fn validate_status_update(
        &self,
        new: &PodDisruptionBudget,
        _old: &PodDisruptionBudget,
    ) -> ErrorList {
        let Some(status) = new.status.as_ref() else {
            return ErrorList::new();
        };
        let path = Path::new("status");
        let mut errs = validate_conditions(
            status.conditions.as_deref().unwrap_or_default(),
            &path.child("conditions"),
        );
        for (field, value) in [
            ("disruptionsAllowed", status.disruptions_allowed),
            ("currentHealthy", status.current_healthy),
            ("desiredHealthy", status.desired_healthy),
            ("expectedPods", status.expected_pods),
        ] {
            errs.append(validate_nonnegative_field(
                i64::from(value),
                &path.child(field),
            ));
        }
        errs
    }

    /// Status writers must say which version they read.
    // k8s: pkg/registry/policy/poddisruptionbudget/strategy.go (AllowUnconditionalUpdate)
    fn allow_unconditional_update(&self) -> bool {
        false
    }
}

/// The budget's selector in the structured form validation works on.
fn selector(budget: &PodDisruptionBudget) -> Option<LabelSelector> {
    budget
        .spec
        .as_ref()?
        .selector
        .as_ref()
        .map(LabelSelector::from)
}

// k8s: pkg/apis/policy/validation/validation.go (ValidatePodDisruptionBudgetSpec)
fn validate_spec(
    budget: &PodDisruptionBudget,
    options: LabelSelectorValidationOptions,
) -> ErrorList {
    let mut errs = ErrorList::new();
    let Some(spec) = budget.spec.as_ref() else {
        return errs;
    };
    let path = Path::new("spec");
    if spec.min_available.is_some() && spec.max_unavailable.is_some() {
        errs.push(FieldError::invalid(
            &path,
            spec_value(spec),
            "minAvailable and maxUnavailable cannot be both set",
        ));
    }
    for (field, value) in [
        ("minAvailable", &spec.min_available),
        ("maxUnavailable", &spec.max_unavailable),
    ] {
        if let Some(value) = value {
            let field_path = path.child(field);
            errs.append(validate_int_or_percent(value, &field_path));
            errs.append(not_more_than_100_percent(value, &field_path));
        }
    }
    if let Some(selector) = selector(budget) {
        errs.append(selector.validate(options, &path.child("selector")));
    }
    if let Some(policy) = spec.unhealthy_pod_eviction_policy.as_deref()
        && !UNHEALTHY_POD_EVICTION_POLICIES.contains(&policy)
    {
        errs.push(FieldError::not_supported(
            &path.child("unhealthyPodEvictionPolicy"),
            policy,
            &UNHEALTHY_POD_EVICTION_POLICIES,
        ));
    }
    errs
}

/// The spec as upstream prints it whole: Go's `%#v` of the internal struct,
/// whose fields are all pointers.
fn spec_value(spec: &PodDisruptionBudgetSpec) -> BadValue {
    BadValue::Raw(format!(
        "policy.PodDisruptionBudgetSpec{{MinAvailable:(*intstr.IntOrString)({}), \
         Selector:(*v1.LabelSelector)({}), MaxUnavailable:(*intstr.IntOrString)({}), \
         UnhealthyPodEvictionPolicy:(*policy.UnhealthyPodEvictionPolicyType)({})}}",
        go_pointer(spec.min_available.is_some()),
        go_pointer(spec.selector.is_some()),
        go_pointer(spec.max_unavailable.is_some()),
        go_pointer(spec.unhealthy_pod_eviction_policy.is_some()),
    ))
}

#[cfg(test)]
mod tests {
    use k8s_openapi::api::policy::v1::PodDisruptionBudgetStatus;
    use serde_json::json;

    use super::*;

    fn budget(spec: serde_json::Value) -> PodDisruptionBudget {
        serde_json::from_value(json!({"metadata": {"name": "web"}, "spec": spec})).expect("budget")
    }

    #[test]
    fn a_budget_sets_one_bound() {
        assert!(
            PodDisruptionBudgetStrategy
                .validate(&budget(json!({"minAvailable": "50%", "selector": {}})))
                .is_empty()
        );
        assert_eq!(
            PodDisruptionBudgetStrategy
                .validate(&budget(json!({"minAvailable": 1, "maxUnavailable": 1})))
                .to_string(),
            "spec: Invalid value: policy.PodDisruptionBudgetSpec{MinAvailable:(*intstr.IntOrString)(0xc000000000), Selector:(*v1.LabelSelector)(nil), MaxUnavailable:(*intstr.IntOrString)(0xc000000000), UnhealthyPodEvictionPolicy:(*policy.UnhealthyPodEvictionPolicyType)(nil)}: minAvailable and maxUnavailable cannot be both set"
        );
    }

    #[test]
    fn bounds_are_non_negative_counts_or_percentages() {
        assert_eq!(
            PodDisruptionBudgetStrategy
                .validate(&budget(json!({"minAvailable": -1})))
                .to_string(),
            "spec.minAvailable: Invalid value: -1: must be greater than or equal to 0"
        );
        assert_eq!(
            PodDisruptionBudgetStrategy
                .validate(&budget(json!({"maxUnavailable": "120%"})))
                .to_string(),
            "spec.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:\"120%\"}: must not be greater than 100%"
        );
        assert_eq!(
            PodDisruptionBudgetStrategy
                .validate(&budget(json!({"maxUnavailable": "half"})))
                .to_string(),
            "spec.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:\"half\"}: a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"
        );
    }

    #[test]
    fn selector_and_eviction_policy_are_checked() {
        assert_eq!(
            PodDisruptionBudgetStrategy
                .validate(&budget(json!({
                    "selector": {"matchExpressions": [{"key": "app", "operator": "In"}]},
                    "unhealthyPodEvictionPolicy": "Never",
                })))
                .to_string(),
            "[spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn', spec.unhealthyPodEvictionPolicy: Unsupported value: \"Never\": supported values: \"AlwaysAllow\", \"IfHealthyBudget\"]"
        );
    }

    #[test]
    fn an_invalid_stored_selector_value_may_stay() {
        let stored = budget(json!({"selector": {"matchExpressions": [
            {"key": "app", "operator": "In", "values": ["not valid"]},
        ]}}));
        assert_eq!(
            PodDisruptionBudgetStrategy.validate(&stored).to_string(),
            "spec.selector.matchExpressions[0].values[0]: Invalid value: \"not valid\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
        );
        assert!(
            PodDisruptionBudgetStrategy
                .validate_update(&stored, &stored)
                .is_empty()
        );
    }

    #[test]
    fn status_counts_are_non_negative() {
        let mut budget = budget(json!({"minAvailable": 1}));
        budget.status = Some(PodDisruptionBudgetStatus {
            disruptions_allowed: -1,
            expected_pods: -2,
            ..PodDisruptionBudgetStatus::default()
        });
        assert_eq!(
            PodDisruptionBudgetStrategy
                .validate_status_update(&budget, &budget)
                .to_string(),
            "[status.disruptionsAllowed: Invalid value: -1: must be greater than or equal to 0, status.expectedPods: Invalid value: -2: must be greater than or equal to 0]"
        );
    }
}
