//! scheduling.k8s.io: PriorityClasses. Counterpart of k8s
//! `pkg/registry/scheduling/priorityclass/strategy.go`, defaulting from
//! `pkg/apis/scheduling/v1/defaults.go`, validation from
//! `pkg/apis/scheduling/validation/validation.go` and the system classes of
//! `pkg/apis/scheduling/helpers.go`.

use apimachinery::validation::{ErrorList, FieldError, Path, validate_immutable};
use k8s_openapi::api::scheduling::v1::PriorityClass;

use k8s_openapi::api::core::v1::Pod;

use super::core::pod;
use super::core::validation::one_of;
use super::strategy::Cluster;
use super::{ResourceInfo, Strategy};
use crate::status::{ApiError, Result};

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

/// The default preemption policy, of classes and of pods.
const PREEMPT_LOWER_PRIORITY: &str = "PreemptLowerPriority";
const PREEMPTION_POLICIES: [&str; 2] = [PREEMPT_LOWER_PRIORITY, "Never"];

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

/// Priority admission of a new pod: the priority (and preemption policy)
/// comes from the pod's PriorityClass, or from the global default class
/// when it names none (the lowest-valued one if several claim it), and a
/// pod may not contradict its class.
// k8s: plugin/pkg/admission/priority/admission.go (admitPod, getDefaultPriority)
pub fn admit_pod_priority(pod: &mut Pod, cluster: &Cluster<'_>) -> Result<()> {
    let pod_name = pod.metadata.name.clone().unwrap_or_default();
    let forbidden = |why: String| ApiError::forbidden(pod::INFO.qualified(), &pod_name, why);
    let spec = pod.spec.get_or_insert_with(Default::default);
    let class =
        match spec
            .priority_class_name
            .as_deref()
            .filter(|n| !n.is_empty())
        {
            Some(name) => Some(cluster.get(INFO, None, name).ok_or_else(|| {
                forbidden(format!("no PriorityClass with name {name} was found"))
            })?),
            None => cluster
                .all(INFO)
                .into_iter()
                .filter(|class| class["globalDefault"].as_bool() == Some(true))
                .min_by_key(|class| class["value"].as_i64().unwrap_or_default()),
        };
    let (priority, policy) = match &class {
        Some(class) => {
            if spec
                .priority_class_name
                .as_deref()
                .is_none_or(str::is_empty)
            {
                spec.priority_class_name = class["metadata"]["name"].as_str().map(str::to_owned);
            }
            (
                i32::try_from(class["value"].as_i64().unwrap_or_default()).unwrap_or_default(),
                class["preemptionPolicy"]
                    .as_str()
                    .unwrap_or(PREEMPT_LOWER_PRIORITY)
                    .to_owned(),
            )
        }
        None => (0, PREEMPT_LOWER_PRIORITY.to_owned()),
    };
    if let Some(given) = spec.priority.filter(|given| *given != priority) {
        return Err(forbidden(format!(
            "the integer value of priority ({given}) must not be provided in pod spec; priority admission controller computed {priority} from the given PriorityClass name"
        )));
    }
    spec.priority = Some(priority);
    if let Some(given) = spec
        .preemption_policy
        .as_deref()
        .filter(|given| *given != policy)
    {
        return Err(forbidden(format!(
            "the string value of PreemptionPolicy ({given}) must not be provided in pod spec; priority admission controller computed {policy} from the given PriorityClass name"
        )));
    }
    spec.preemption_policy = Some(policy);
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
