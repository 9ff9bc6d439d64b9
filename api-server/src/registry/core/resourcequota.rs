//! ResourceQuotas. Counterpart of k8s
//! `pkg/registry/core/resourcequota/strategy.go` with validation from
//! `pkg/apis/core/validation/validation.go` (`ValidateResourceQuota`,
//! `ValidateResourceQuotaUpdate`, the scope checks) and the scope rules of
//! `pkg/apis/core/helper/helpers.go`.

use std::collections::{BTreeMap, BTreeSet};

use apimachinery::validation::{BadValue, ErrorList, FIELD_IMMUTABLE_ERROR_MSG, FieldError, Path};
use k8s_openapi::api::core::v1::{ResourceQuota, ResourceQuotaSpec};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;

use super::resources;
use crate::registry::{ResourceInfo, Strategy};

pub static INFO: &ResourceInfo = &ResourceInfo {
    group: "",
    version: "v1",
    resource: "resourcequotas",
    singular: "resourcequota",
    kind: "ResourceQuota",
    namespaced: true,
    short_names: &["quota"],
    categories: &[],
    has_status: true,
    has_scale: false,
    printer: &crate::printers::RESOURCE_QUOTAS,
};

const SCOPES: &[&str] = &[
    "Terminating",
    "NotTerminating",
    "BestEffort",
    "NotBestEffort",
    "PriorityClass",
    "CrossNamespacePodAffinity",
    "VolumeAttributesClass",
];

/// Scopes that only take the `Exists` operator in a scope selector.
const EXISTS_ONLY_SCOPES: &[&str] = &[
    "BestEffort",
    "NotBestEffort",
    "Terminating",
    "NotTerminating",
    "CrossNamespacePodAffinity",
];

const CONFLICTING_SCOPES: &[[&str; 2]] = &[
    ["BestEffort", "NotBestEffort"],
    ["Terminating", "NotTerminating"],
];

/// The resources a pod-scoped quota may track.
const POD_COMPUTE_RESOURCES: &[&str] = &[
    "pods",
    "cpu",
    "memory",
    "limits.cpu",
    "limits.memory",
    "requests.cpu",
    "requests.memory",
];

#[derive(Clone, Copy, Default)]
pub struct ResourceQuotaStrategy;

impl Strategy for ResourceQuotaStrategy {
    type Object = ResourceQuota;

    fn info(&self) -> &'static ResourceInfo {
        INFO
    }

    // k8s: pkg/apis/core/validation/validation.go (ValidateResourceQuota)
    fn validate(&self, quota: &ResourceQuota) -> ErrorList {
        let spec = quota.spec.clone().unwrap_or_default();
        let mut errs = validate_spec(&spec);
        let status = quota.status.clone().unwrap_or_default();
        errs.append(validate_amounts(
            status.hard.as_ref(),
            &Path::new("status").child("hard"),
        ));
        errs.append(validate_amounts(
            status.used.as_ref(),
            &Path::new("status").child("used"),
        ));
        errs
    }

    // k8s: pkg/apis/core/validation/validation.go (ValidateResourceQuotaUpdate)
    fn validate_update(&self, new: &ResourceQuota, old: &ResourceQuota) -> ErrorList {
        let spec = new.spec.clone().unwrap_or_default();
        let mut errs = validate_spec(&spec);
        let scopes = |quota: &ResourceQuota| -> BTreeSet<String> {
            quota
                .spec
                .as_ref()
                .and_then(|s| s.scopes.clone())
                .unwrap_or_default()
                .into_iter()
                .collect()
        };
        if scopes(new) != scopes(old) {
            errs.push(FieldError::invalid(
                &Path::new("spec").child("scopes"),
                BadValue::string_list(spec.scopes.as_deref().unwrap_or_default()),
                FIELD_IMMUTABLE_ERROR_MSG,
            ));
        }
        errs
    }
}

// k8s: pkg/apis/core/validation/validation.go (ValidateResourceQuotaSpec)
fn validate_spec(spec: &ResourceQuotaSpec) -> ErrorList {
    let path = Path::new("spec");
    let mut errs = validate_amounts(spec.hard.as_ref(), &path.child("hard"));
    // Scopes only constrain the standard resources.
    let hard: Vec<&str> = spec
        .hard
        .iter()
        .flatten()
        .map(|(k, _)| k.as_str())
        .filter(|k| resources::is_standard_quota_resource(k))
        .collect();
    let scopes = spec.scopes.as_deref().unwrap_or_default();
    if !scopes.is_empty() {
        let scopes_path = path.child("scopes");
        let shown = || BadValue::string_list(scopes);
        for scope in scopes {
            if !SCOPES.contains(&scope.as_str()) {
                errs.push(FieldError::invalid(
                    &scopes_path,
                    shown(),
                    "unsupported scope",
                ));
            }
            for _ in hard.iter().filter(|name| !scope_applies(scope, name)) {
                errs.push(FieldError::invalid(
                    &scopes_path,
                    shown(),
                    "unsupported scope applied to resource",
                ));
            }
        }
        for _ in conflicts(scopes.iter().map(String::as_str)) {
            errs.push(FieldError::invalid(
                &scopes_path,
                shown(),
                "conflicting scopes",
            ));
        }
    }
    if let Some(selector) = spec.scope_selector.as_ref() {
        let p = path.child("scopeSelector").child("matchExpressions");
        let expressions = selector.match_expressions.as_deref().unwrap_or_default();
        for requirement in expressions {
            let scope = requirement.scope_name.as_str();
            if !SCOPES.contains(&scope) {
                errs.push(FieldError::invalid(
                    &p.child("scopeName"),
                    scope,
                    "unsupported scope",
                ));
            }
            for _ in hard.iter().filter(|name| !scope_applies(scope, name)) {
                errs.push(FieldError::invalid(
                    &p,
                    BadValue::Omitted,
                    "unsupported scope applied to resource",
                ));
            }
            let operator = requirement.operator.as_str();
            if EXISTS_ONLY_SCOPES.contains(&scope) && operator != "Exists" {
                errs.push(FieldError::invalid(
                    &p.child("operator"),
                    operator,
                    "must be 'Exists' when scope is any of ResourceQuotaScopeTerminating, ResourceQuotaScopeNotTerminating, ResourceQuotaScopeBestEffort, ResourceQuotaScopeNotBestEffort or ResourceQuotaScopeCrossNamespacePodAffinity",
                ));
            }
            let values = requirement.values.as_deref().unwrap_or_default();
            match operator {
                "In" | "NotIn" if values.is_empty() => errs.push(FieldError::required(
                    &p.child("values"),
                    "must be at least one value when `operator` is 'In' or 'NotIn' for scope selector",
                )),
                "Exists" | "DoesNotExist" if !values.is_empty() => errs.push(FieldError::invalid(
                    &p.child("values"),
                    BadValue::string_list(values),
                    "must be no value when `operator` is 'Exist' or 'DoesNotExist' for scope selector",
                )),
                "In" | "NotIn" | "Exists" | "DoesNotExist" => {}
                other => errs.push(FieldError::invalid(
                    &p.child("operator"),
                    other,
                    "not a valid selector operator",
                )),
            }
        }
        for _ in conflicts(expressions.iter().map(|r| r.scope_name.as_str())) {
            errs.push(FieldError::invalid(
                &p,
                BadValue::string_list(scopes),
                "conflicting scopes",
            ));
        }
    }
    errs
}

/// Each pair of mutually exclusive scopes present in `scopes`.
fn conflicts<'a>(scopes: impl Iterator<Item = &'a str>) -> impl Iterator<Item = [&'static str; 2]> {
    let present: BTreeSet<&str> = scopes.collect();
    CONFLICTING_SCOPES
        .iter()
        .copied()
        .filter(move |pair| pair.iter().all(|scope| present.contains(scope)))
}

/// Whether a standard quota resource may be tracked under `scope`.
// k8s: pkg/apis/core/helper/helpers.go (IsResourceQuotaScopeValidForResource)
fn scope_applies(scope: &str, resource: &str) -> bool {
    match scope {
        "Terminating"
        | "NotTerminating"
        | "NotBestEffort"
        | "PriorityClass"
        | "CrossNamespacePodAffinity" => POD_COMPUTE_RESOURCES.contains(&resource),
        "BestEffort" => resource == "pods",
        "VolumeAttributesClass" => {
            matches!(resource, "persistentvolumeclaims" | "requests.storage")
        }
        _ => true,
    }
}

fn validate_amounts(amounts: Option<&BTreeMap<String, Quantity>>, path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    for (name, value) in amounts.into_iter().flatten() {
        let p = path.key(name);
        errs.append(resources::validate_quota_resource_name(name, &p));
        errs.append(resources::validate_value(name, &value.0, &p).1);
    }
    errs
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn quota(spec: serde_json::Value) -> ResourceQuota {
        serde_json::from_value(json!({"metadata": {"name": "q"}, "spec": spec})).expect("quota")
    }

    #[test]
    fn hard_amounts_and_scopes() {
        // Identical messages are reported once, as upstream's aggregate does.
        let q = quota(json!({
            "hard": {"pods": "10", "storage": "1Gi", "cpu": "-1", "requests.storage": "1Gi"},
            "scopes": ["BestEffort", "NotBestEffort"],
        }));
        assert_eq!(
            ResourceQuotaStrategy.validate(&q).to_string(),
            "[spec.hard[cpu]: Invalid value: \"-1\": must be greater than or equal to 0, \
             spec.hard[storage]: Invalid value: \"storage\": must be a standard resource for quota, \
             spec.scopes: Invalid value: []string{\"BestEffort\", \"NotBestEffort\"}: unsupported scope applied to resource, \
             spec.scopes: Invalid value: []string{\"BestEffort\", \"NotBestEffort\"}: conflicting scopes]"
        );
    }

    #[test]
    fn scopes_are_immutable() {
        let old = quota(json!({"hard": {"pods": "10"}, "scopes": ["NotTerminating"]}));
        let new = quota(json!({"hard": {"pods": "20"}, "scopes": ["Terminating"]}));
        assert_eq!(
            ResourceQuotaStrategy
                .validate_update(&new, &old)
                .to_string(),
            "spec.scopes: Invalid value: []string{\"Terminating\"}: field is immutable"
        );
        let bigger = quota(json!({"hard": {"pods": "20"}, "scopes": ["NotTerminating"]}));
        assert!(
            ResourceQuotaStrategy
                .validate_update(&bigger, &old)
                .is_empty()
        );
    }
}
