//! Resource names and amounts in requests, limits, capacities, quotas and
//! limit ranges: the rules for their names and values. Counterpart of k8s
//! `pkg/apis/core/helper/helpers.go` with the resource checks of
//! `pkg/apis/core/validation/validation.go`.

use apimachinery::quantity::{Amount, SYNTAX_ERROR, parse};
use apimachinery::validation::{ErrorList, FieldError, Path, is_qualified_name};

/// Names upstream calls standard resources (`IsStandardResourceName`).
const STANDARD_RESOURCES: &[&str] = &[
    "cpu",
    "memory",
    "ephemeral-storage",
    "requests.cpu",
    "requests.memory",
    "requests.ephemeral-storage",
    "limits.cpu",
    "limits.memory",
    "limits.ephemeral-storage",
    "pods",
    "resourcequotas",
    "services",
    "replicationcontrollers",
    "secrets",
    "configmaps",
    "persistentvolumeclaims",
    "storage",
    "requests.storage",
    "services.nodeports",
    "services.loadbalancers",
];

/// Resources a quota may limit without a domain prefix.
const STANDARD_QUOTA_RESOURCES: &[&str] = &[
    "cpu",
    "memory",
    "ephemeral-storage",
    "requests.cpu",
    "requests.memory",
    "requests.storage",
    "requests.ephemeral-storage",
    "limits.cpu",
    "limits.memory",
    "limits.ephemeral-storage",
    "pods",
    "resourcequotas",
    "services",
    "replicationcontrollers",
    "secrets",
    "persistentvolumeclaims",
    "configmaps",
    "services.nodeports",
    "services.loadbalancers",
];

/// Resources counted in whole units.
const INTEGER_RESOURCES: &[&str] = &[
    "pods",
    "resourcequotas",
    "services",
    "replicationcontrollers",
    "secrets",
    "configmaps",
    "persistentvolumeclaims",
    "services.nodeports",
    "services.loadbalancers",
];

fn is_huge_pages(name: &str) -> bool {
    name.starts_with("hugepages-") || name.starts_with("requests.hugepages-")
}

/// Unprefixed names and `kubernetes.io/` names belong to Kubernetes.
// k8s: pkg/apis/core/helper/helpers.go (IsNativeResource)
fn is_native(name: &str) -> bool {
    !name.contains('/') || name.contains("kubernetes.io/")
}

/// Whether requests of the resource may be below its limits (not for
/// extended resources or huge pages).
// k8s: pkg/apis/core/helper/helpers.go (IsOvercommitAllowed)
pub(crate) fn allows_overcommit(name: &str) -> bool {
    is_native(name) && !name.starts_with("hugepages-")
}

// k8s: pkg/apis/core/helper/helpers.go (IsExtendedResourceName)
fn is_extended(name: &str) -> bool {
    !is_native(name)
        && !name.starts_with("requests.")
        && is_qualified_name(&format!("requests.{name}")).is_empty()
}

/// A resource name: qualified, and standard unless it has a domain.
// k8s: pkg/apis/core/validation/validation.go (validateResourceName)
pub(crate) fn validate_resource_name(name: &str, path: &Path) -> ErrorList {
    let errs: ErrorList = is_qualified_name(name)
        .into_iter()
        .map(|msg| FieldError::invalid(path, name, msg))
        .collect();
    if errs.is_empty()
        && !name.contains('/')
        && !STANDARD_RESOURCES.contains(&name)
        && !is_huge_pages(name)
    {
        return FieldError::invalid(
            path,
            name,
            "must be a standard resource type or fully qualified",
        )
        .into();
    }
    errs
}

/// A resource name in a container's or pod's requests and limits.
// k8s: pkg/apis/core/validation/validation.go (validateContainerResourceName)
pub(crate) fn validate_container_resource_name(name: &str, path: &Path) -> ErrorList {
    let mut errs = validate_resource_name(name, path);
    if !name.contains('/') {
        if !matches!(name, "cpu" | "memory" | "ephemeral-storage")
            && !name.starts_with("hugepages-")
        {
            errs.push(FieldError::invalid(
                path,
                name,
                "must be a standard resource for containers",
            ));
        }
    } else if !is_native(name) && !is_extended(name) {
        errs.push(FieldError::invalid(
            path,
            name,
            "doesn't follow extended resource name standard",
        ));
    }
    errs
}

/// Whether a quota may limit `name` without a domain prefix.
// k8s: pkg/apis/core/helper/helpers.go (IsStandardQuotaResourceName)
pub(crate) fn is_standard_quota_resource(name: &str) -> bool {
    STANDARD_QUOTA_RESOURCES.contains(&name) || name.starts_with("requests.hugepages-")
}

/// A resource name in a quota.
// k8s: pkg/apis/core/validation/validation.go (ValidateResourceQuotaResourceName)
pub(crate) fn validate_quota_resource_name(name: &str, path: &Path) -> ErrorList {
    let mut errs = validate_resource_name(name, path);
    if !name.contains('/') && !is_standard_quota_resource(name) {
        errs.push(FieldError::invalid(
            path,
            name,
            "must be a standard resource for quota",
        ));
    }
    errs
}

/// An amount of `resource`: a quantity, not negative, whole for resources
/// counted in units. Returns the amount when it parses.
// k8s: pkg/apis/core/validation/validation.go (ValidateResourceQuantityValue)
pub(crate) fn validate_value(
    resource: &str,
    text: &str,
    path: &Path,
) -> (Option<Amount>, ErrorList) {
    let Some(amount) = parse(text) else {
        return (None, FieldError::invalid(path, text, SYNTAX_ERROR).into());
    };
    let mut errs = ErrorList::new();
    if amount.is_negative() {
        errs.push(FieldError::invalid(
            path,
            text,
            "must be greater than or equal to 0",
        ));
    }
    if (INTEGER_RESOURCES.contains(&resource) || is_extended(resource)) && !amount.is_whole() {
        errs.push(FieldError::invalid(path, text, "must be an integer"));
    }
    (Some(amount), errs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_names_and_values() {
        let path = Path::new("r");
        assert!(validate_resource_name("example.com/gpu", &path).is_empty());
        assert_eq!(
            validate_resource_name("gpu", &path).to_string(),
            "r: Invalid value: \"gpu\": must be a standard resource type or fully qualified"
        );
        assert_eq!(
            validate_quota_resource_name("storage", &path).to_string(),
            "r: Invalid value: \"storage\": must be a standard resource for quota"
        );
        assert!(validate_quota_resource_name("count/deployments.apps", &path).is_empty());
        assert_eq!(
            validate_container_resource_name("pods", &path).to_string(),
            "r: Invalid value: \"pods\": must be a standard resource for containers"
        );
        assert_eq!(
            validate_value("pods", "1500m", &path).1.to_string(),
            "r: Invalid value: \"1500m\": must be an integer"
        );
        assert_eq!(
            validate_value("example.com/gpu", "0.5", &path)
                .1
                .to_string(),
            "r: Invalid value: \"0.5\": must be an integer"
        );
        assert_eq!(
            validate_value("cpu", "-1", &path).1.to_string(),
            "r: Invalid value: \"-1\": must be greater than or equal to 0"
        );
        assert!(validate_value("cpu", "1500m", &path).1.is_empty());
    }
}
