//! Resource amounts and resource names: just enough of `resource.Quantity`
//! to validate and compare amounts, and the rules for the names of
//! resources in requests, limits, capacities, quotas and limit ranges.
//! Counterpart of k8s.io/apimachinery `pkg/api/resource/quantity.go` and k8s
//! `pkg/apis/core/helper/helpers.go` with the resource checks of
//! `pkg/apis/core/validation/validation.go`.

use apimachinery::validation::{ErrorList, FieldError, Path, is_qualified_name};

/// The message upstream gives for a quantity it cannot parse.
pub(crate) const SYNTAX_ERROR: &str =
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

/// A parsed quantity as nano-units (saturating at the `i128` bounds).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Amount(i128);

impl Amount {
    pub(crate) fn is_negative(self) -> bool {
        self.0 < 0
    }

    pub(crate) fn is_positive(self) -> bool {
        self.0 > 0
    }

    /// The amount in units, as a float (for ratios).
    pub(crate) fn as_f64(self) -> f64 {
        self.0 as f64 / NANOS_PER_UNIT as f64
    }

    /// Whether the amount is a whole number of units.
    fn is_whole(self) -> bool {
        self.0 % NANOS_PER_UNIT == 0
    }
}

const NANOS_PER_UNIT: i128 = 1_000_000_000;

/// Parses a quantity such as `500m`, `1.5Gi` or `2e3`.
// k8s: staging/src/k8s.io/apimachinery/pkg/api/resource/quantity.go (ParseQuantity)
pub(crate) fn parse(text: &str) -> Option<Amount> {
    let (negative, rest) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let split = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(rest.len());
    let (number, suffix) = rest.split_at(split);
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    if (whole.is_empty() && fraction.is_empty()) || fraction.contains('.') {
        return None;
    }
    // (power of ten, power of two)
    let (exp10, exp2): (i32, u32) = match suffix {
        "" => (0, 0),
        "n" => (-9, 0),
        "u" => (-6, 0),
        "m" => (-3, 0),
        "k" => (3, 0),
        "M" => (6, 0),
        "G" => (9, 0),
        "T" => (12, 0),
        "P" => (15, 0),
        "E" => (18, 0),
        "Ki" => (0, 10),
        "Mi" => (0, 20),
        "Gi" => (0, 30),
        "Ti" => (0, 40),
        "Pi" => (0, 50),
        "Ei" => (0, 60),
        s if s.starts_with(['e', 'E']) => {
            let exp = &s[1..];
            let digits = exp.strip_prefix(['+', '-']).unwrap_or(exp);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            (exp.parse().ok()?, 0)
        }
        _ => return None,
    };
    let digits: String = format!("{whole}{fraction}");
    let mut value: i128 = 0;
    for b in digits.bytes() {
        value = value
            .saturating_mul(10)
            .saturating_add(i128::from(b - b'0'));
    }
    let frac_len = i32::try_from(fraction.len()).ok()?;
    let mut scale = exp10 + 9 - frac_len;
    value = value.saturating_mul(1i128 << exp2);
    while scale > 0 {
        value = value.saturating_mul(10);
        scale -= 1;
    }
    while scale < 0 {
        // Below a nano-unit upstream rounds up.
        let rounded = value % 10 != 0;
        value = value / 10 + i128::from(rounded);
        scale += 1;
    }
    Some(Amount(if negative { -value } else { value }))
}

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
    fn parses_and_compares() {
        assert_eq!(parse("100m"), parse("0.1"));
        assert_eq!(parse("1Ki"), parse("1024"));
        assert_eq!(parse("1e3"), parse("1k"));
        assert!(parse("500m") < parse("1"));
        assert!(parse("128Mi") > parse("64Mi"));
        assert!(parse("-1").is_some_and(Amount::is_negative));
        for bad in ["", "abc", "1x", "1.2.3", "Mi", "1e", "--1"] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

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
