//! LimitRanges. Counterpart of k8s `pkg/registry/core/limitrange/strategy.go`
//! with defaulting from `pkg/apis/core/v1/defaults.go`
//! (`SetDefaults_LimitRangeItem`) and validation from
//! `pkg/apis/core/validation/validation.go` (`ValidateLimitRange`).

use std::collections::{BTreeMap, BTreeSet, HashSet};

use apimachinery::validation::{ErrorList, FieldError, Path, is_qualified_name};
use k8s_openapi::api::core::v1::{LimitRange, LimitRangeItem};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;

use super::resources;
use crate::registry::{ResourceInfo, Strategy};
use apimachinery::quantity::{self, Amount};

pub static INFO: &ResourceInfo = &ResourceInfo {
    group: "",
    version: "v1",
    resource: "limitranges",
    singular: "limitrange",
    kind: "LimitRange",
    namespaced: true,
    short_names: &["limits"],
    categories: &[],
    has_status: false,
    has_scale: false,
    printer: &crate::printers::DEFAULT,
};

#[derive(Clone, Copy, Default)]
pub struct LimitRangeStrategy;

impl Strategy for LimitRangeStrategy {
    type Object = LimitRange;

    fn info(&self) -> &'static ResourceInfo {
        INFO
    }

    /// A container's default limit falls back to its max, and its default
    /// request to the default limit, then the min.
    // k8s: pkg/apis/core/v1/defaults.go (SetDefaults_LimitRangeItem)
    fn apply_defaults(&self, range: &mut LimitRange) {
        let items = range
            .spec
            .iter_mut()
            .flat_map(|spec| spec.limits.iter_mut());
        for item in items.filter(|item| item.type_ == "Container") {
            for (name, max) in item.max.clone().unwrap_or_default() {
                item.default
                    .get_or_insert_with(BTreeMap::new)
                    .entry(name)
                    .or_insert(max);
            }
            for (name, limit) in item.default.clone().unwrap_or_default() {
                item.default_request
                    .get_or_insert_with(BTreeMap::new)
                    .entry(name)
                    .or_insert(limit);
            }
            for (name, min) in item.min.clone().unwrap_or_default() {
                item.default_request
                    .get_or_insert_with(BTreeMap::new)
                    .entry(name)
                    .or_insert(min);
            }
        }
    }

    // k8s: pkg/apis/core/validation/validation.go (ValidateLimitRange)
    fn validate(&self, range: &LimitRange) -> ErrorList {
        let mut errs = ErrorList::new();
        let path = Path::new("spec").child("limits");
        let mut types = HashSet::new();
        let items = range
            .spec
            .as_ref()
            .map(|s| s.limits.as_slice())
            .unwrap_or_default();
        for (i, item) in items.iter().enumerate() {
            let idx = path.index(i);
            errs.append(validate_type(&item.type_, &idx.child("type")));
            if !types.insert(item.type_.as_str()) {
                errs.push(FieldError::duplicate(
                    &idx.child("type"),
                    item.type_.as_str(),
                ));
            }
            errs.append(validate_item(item, &idx));
        }
        errs
    }
}

// k8s: pkg/apis/core/validation/validation.go (validateLimitRangeTypeName)
fn validate_type(type_: &str, path: &Path) -> ErrorList {
    let errs: ErrorList = is_qualified_name(type_)
        .into_iter()
        .map(|msg| FieldError::invalid(path, type_, msg))
        .collect();
    if errs.is_empty()
        && !type_.contains('/')
        && !matches!(type_, "Pod" | "Container" | "PersistentVolumeClaim")
    {
        return FieldError::invalid(
            path,
            type_,
            "must be a standard limit type or fully qualified",
        )
        .into();
    }
    errs
}

/// The amounts of one field of an item, by resource name.
type Amounts<'a> = BTreeMap<&'a str, (Amount, &'a str)>;

// k8s: pkg/apis/core/validation/validation.go (ValidateLimitRange)
fn validate_item<'a>(item: &'a LimitRangeItem, path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    let mut names = BTreeSet::new();
    let is_pod = item.type_ == "Pod";
    let mut read =
        |field: &str, values: &'a Option<BTreeMap<String, Quantity>>, errs: &mut ErrorList| {
            let mut amounts = Amounts::new();
            for (name, value) in values.iter().flatten() {
                let p = path.child(field).key(name);
                errs.append(if matches!(item.type_.as_str(), "Pod" | "Container") {
                    resources::validate_container_resource_name(name, &p)
                } else {
                    resources::validate_resource_name(name, &p)
                });
                names.insert(name.as_str());
                if let Some(amount) = quantity::parse(&value.0) {
                    amounts.insert(name.as_str(), (amount, value.0.as_str()));
                }
            }
            amounts
        };
    let max = read("max", &item.max, &mut errs);
    let min = read("min", &item.min, &mut errs);
    let (defaults, default_requests) = if is_pod {
        for (field, set) in [
            (
                "default",
                item.default.as_ref().is_some_and(|d| !d.is_empty()),
            ),
            (
                "defaultRequest",
                item.default_request.as_ref().is_some_and(|d| !d.is_empty()),
            ),
        ] {
            if set {
                errs.push(FieldError::forbidden(
                    &path.child(field),
                    "may not be specified when `type` is 'Pod'",
                ));
            }
        }
        (Amounts::new(), Amounts::new())
    } else {
        let defaults = read("default", &item.default, &mut errs);
        let requests = read("defaultRequest", &item.default_request, &mut errs);
        (defaults, requests)
    };
    if item.type_ == "PersistentVolumeClaim"
        && !min.contains_key("storage")
        && !max.contains_key("storage")
    {
        errs.push(FieldError::required(
            &path.child("limits"),
            "either minimum or maximum storage value is required, but neither was provided",
        ));
    }
    let ratios = read(
        "maxLimitRequestRatio",
        &item.max_limit_request_ratio,
        &mut errs,
    );
    let one = quantity::parse("1");
    for name in names {
        let (min, max) = (min.get(name), max.get(name));
        let (default, request) = (defaults.get(name), default_requests.get(name));
        let invalid = |field: &str, shown: &str, detail: String| {
            FieldError::invalid(&path.child(field).key(name), shown, detail)
        };
        // (lower, its name, higher, its name, field reported, whether the
        // higher value is the one shown): each pair must be in order.
        let orderings = [
            (min, "min", max, "max", "min", false),
            (
                min,
                "min",
                request,
                "default request",
                "defaultRequest",
                true,
            ),
            (
                request,
                "default request",
                max,
                "max",
                "defaultRequest",
                false,
            ),
            (
                request,
                "default request",
                default,
                "default limit",
                "defaultRequest",
                false,
            ),
            (min, "min", default, "default", "default", false),
            (default, "default", max, "max", "default", true),
        ];
        for (low, low_name, high, high_name, field, show_high) in orderings {
            if let (Some(low), Some(high)) = (low, high)
                && low.0 > high.0
            {
                errs.push(invalid(
                    field,
                    if show_high { high.1 } else { low.1 },
                    format!(
                        "{low_name} value {} is greater than {high_name} value {}",
                        low.1, high.1
                    ),
                ));
            }
        }
        if let Some(ratio) = ratios.get(name) {
            if Some(ratio.0) < one {
                errs.push(invalid(
                    "maxLimitRequestRatio",
                    ratio.1,
                    format!("ratio {} is less than 1", ratio.1),
                ));
            }
            if let (Some(min), Some(max)) = (min, max) {
                let limit = max.0.as_f64() / min.0.as_f64();
                if ratio.0.as_f64() > limit {
                    errs.push(invalid(
                        "maxLimitRequestRatio",
                        ratio.1,
                        format!("ratio {} is greater than max/min = {limit:.6}", ratio.1),
                    ));
                }
            }
        }
        if !resources::allows_overcommit(name)
            && let (Some(default), Some(request)) = (default, request)
            && default.0 != request.0
        {
            errs.push(invalid(
                "defaultRequest",
                request.1,
                format!(
                    "default value {} must equal to defaultRequest value {} in {name}",
                    default.1, request.1
                ),
            ));
        }
    }
    errs
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn limit_range(limits: serde_json::Value) -> LimitRange {
        serde_json::from_value(json!({"metadata": {"name": "limits"}, "spec": {"limits": limits}}))
            .expect("limit range")
    }

    #[test]
    fn container_defaults_come_from_max_and_min() {
        let mut range = limit_range(json!([
            {"type": "Container", "max": {"cpu": "2"}, "min": {"memory": "64Mi"}},
        ]));
        LimitRangeStrategy.apply_defaults(&mut range);
        let item = &range.spec.expect("spec").limits[0];
        assert_eq!(item.default.as_ref().expect("default")["cpu"].0, "2");
        let requests = item.default_request.as_ref().expect("default request");
        assert_eq!(requests["cpu"].0, "2");
        assert_eq!(requests["memory"].0, "64Mi");
    }

    #[test]
    fn amounts_must_be_ordered() {
        let range = limit_range(json!([
            {"type": "Container", "max": {"cpu": "1"}, "min": {"cpu": "2"}, "default": {"cpu": "1"}, "defaultRequest": {"cpu": "1"}},
            {"type": "Pod", "default": {"cpu": "1"}},
            {"type": "Pod"},
            {"type": "PersistentVolumeClaim", "max": {"cpu": "1"}},
            {"type": "Node"},
        ]));
        assert_eq!(
            LimitRangeStrategy.validate(&range).to_string(),
            "[spec.limits[0].min[cpu]: Invalid value: \"2\": min value 2 is greater than max value 1, \
             spec.limits[0].defaultRequest[cpu]: Invalid value: \"1\": min value 2 is greater than default request value 1, \
             spec.limits[0].default[cpu]: Invalid value: \"2\": min value 2 is greater than default value 1, \
             spec.limits[1].default: Forbidden: may not be specified when `type` is 'Pod', \
             spec.limits[2].type: Duplicate value: \"Pod\", \
             spec.limits[3].limits: Required value: either minimum or maximum storage value is required, but neither was provided, \
             spec.limits[4].type: Invalid value: \"Node\": must be a standard limit type or fully qualified]"
        );
    }
}
