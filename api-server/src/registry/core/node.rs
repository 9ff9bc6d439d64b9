//! Nodes. Counterpart of k8s `pkg/registry/core/node/strategy.go` with
//! defaulting from `pkg/apis/core/v1/defaults.go` (`SetDefaults_NodeStatus`)
//! and validation from `pkg/apis/core/validation/validation.go`
//! (`ValidateNode`, `ValidateNodeUpdate`, `validateNodeTaints`).

use std::collections::{BTreeMap, HashSet};

use apimachinery::validation::{
    BadValue, ErrorList, FieldError, Path, go_quote, is_valid_cidr, is_valid_label_value,
    validate_label_name,
};
use k8s_openapi::api::core::v1::{Node, NodeSpec, NodeStatus, Taint};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use serde_json::Value;

use super::resources;
use super::validation::one_of;
use crate::registry::{ResourceInfo, Strategy};

pub static INFO: &ResourceInfo = &ResourceInfo {
    group: "",
    version: "v1",
    resource: "nodes",
    singular: "node",
    kind: "Node",
    namespaced: false,
    short_names: &["no"],
    categories: &[],
    has_status: true,
    has_scale: false,
    printer: &crate::printers::NODES,
};

/// The effects a taint may have.
pub const TAINT_EFFECTS: &[&str] = &["NoSchedule", "PreferNoSchedule", "NoExecute"];

const POD_CIDR_CHANGE: &str = "node updates may not change podCIDR except from \"\" to valid";
const PROVIDER_ID_CHANGE: &str = "node updates may not change providerID except from \"\" to valid";

#[derive(Clone, Copy, Default)]
pub struct NodeStrategy;

impl Strategy for NodeStrategy {
    type Object = Node;

    fn info(&self) -> &'static ResourceInfo {
        INFO
    }

    // k8s: pkg/apis/core/v1/defaults.go (SetDefaults_NodeStatus)
    fn apply_defaults(&self, node: &mut Node) {
        if let Some(status) = node.status.as_mut()
            && status.allocatable.is_none()
        {
            status.allocatable = status.capacity.clone();
        }
    }

    // k8s: pkg/registry/core/node/strategy.go (nodeStatusStrategy.PrepareForCreate)
    fn keeps_status_on_create(&self) -> bool {
        true
    }

    // k8s: pkg/apis/core/validation/validation.go (ValidateNode)
    fn validate(&self, node: &Node) -> ErrorList {
        let mut errs = ErrorList::new();
        let spec = node.spec.as_ref();
        if let Some(taints) = spec.and_then(|s| s.taints.as_deref()) {
            // Upstream reports taints under `metadata`.
            errs.append(validate_taints(
                taints,
                &Path::new("metadata").child("taints"),
            ));
        }
        errs.append(validate_resources(node.status.as_ref()));
        let cidrs = spec
            .and_then(|s| s.pod_cidrs.as_deref())
            .unwrap_or_default();
        errs.append(validate_pod_cidrs(cidrs));
        errs
    }

    // k8s: pkg/apis/core/validation/validation.go (ValidateNodeUpdate)
    fn validate_update(&self, new: &Node, old: &Node) -> ErrorList {
        let mut errs = self.validate(new);
        let mut seen = HashSet::new();
        let addresses = new.status.as_ref().and_then(|s| s.addresses.as_deref());
        for (i, address) in addresses.unwrap_or_default().iter().enumerate() {
            if !seen.insert((&address.type_, &address.address)) {
                errs.push(FieldError::duplicate(
                    &Path::new("status").child("addresses").index(i),
                    BadValue::Raw(format!(
                        "core.NodeAddress{{Type:{}, Address:{}}}",
                        go_quote(&address.type_),
                        go_quote(&address.address)
                    )),
                ));
            }
        }
        let spec = |node: &Node| node.spec.clone().unwrap_or_default();
        let (new_spec, old_spec): (NodeSpec, NodeSpec) = (spec(new), spec(old));
        let old_cidrs = old_spec.pod_cidrs.unwrap_or_default();
        if !old_cidrs.is_empty() {
            let new_cidrs = new_spec.pod_cidrs.unwrap_or_default();
            let path = Path::new("spec").child("podCIDRs");
            if old_cidrs.len() != new_cidrs.len() {
                errs.push(FieldError::forbidden(&path, POD_CIDR_CHANGE));
            } else {
                for _ in old_cidrs.iter().zip(&new_cidrs).filter(|(o, n)| o != n) {
                    errs.push(FieldError::forbidden(&path, POD_CIDR_CHANGE));
                }
            }
        }
        let old_provider = old_spec.provider_id.unwrap_or_default();
        if !old_provider.is_empty() && new_spec.provider_id.as_deref() != Some(&old_provider) {
            errs.push(FieldError::forbidden(
                &Path::new("spec").child("providerID"),
                PROVIDER_ID_CHANGE,
            ));
        }
        if new_spec.external_id != old_spec.external_id {
            errs.push(FieldError::forbidden(
                &Path::new("spec").child("externalID"),
                "may not be updated",
            ));
        }
        errs
    }

    fn selectable_fields(&self, object: &Value) -> Vec<(&'static str, String)> {
        let unschedulable = object["spec"]["unschedulable"].as_bool().unwrap_or(false);
        vec![("spec.unschedulable", unschedulable.to_string())]
    }
}

/// Taints: a label key, a label value, a known effect, unique by key and
/// effect.
// k8s: pkg/apis/core/validation/validation.go (validateNodeTaints)
pub fn validate_taints(taints: &[Taint], path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    let mut seen = HashSet::new();
    for (i, taint) in taints.iter().enumerate() {
        let idx = path.index(i);
        errs.append(validate_label_name(&taint.key, &idx.child("key")));
        let value = taint.value.as_deref().unwrap_or_default();
        let value_errors = is_valid_label_value(value);
        if !value_errors.is_empty() {
            errs.push(FieldError::invalid(
                &idx.child("value"),
                value,
                value_errors.join(";"),
            ));
        }
        errs.append(one_of(
            Some(&taint.effect),
            TAINT_EFFECTS,
            &idx.child("effect"),
        ));
        if !seen.insert((&taint.key, &taint.effect)) {
            let mut duplicate = FieldError::duplicate(&idx, BadValue::Raw(go_taint(taint)));
            duplicate.detail = "taints must be unique by key and effect pair".into();
            errs.push(duplicate);
        }
    }
    errs
}

/// A taint as Go's `%#v` prints the internal type.
fn go_taint(taint: &Taint) -> String {
    let time_added = match &taint.time_added {
        None => "(*v1.Time)(nil)".to_owned(),
        Some(time) => format!("(*v1.Time)({})", time.0),
    };
    format!(
        "core.Taint{{Key:{}, Value:{}, Effect:{}, TimeAdded:{time_added}}}",
        go_quote(&taint.key),
        go_quote(taint.value.as_deref().unwrap_or_default()),
        go_quote(&taint.effect),
    )
}

// k8s: pkg/apis/core/validation/validation.go (ValidateNodeResources)
fn validate_resources(status: Option<&NodeStatus>) -> ErrorList {
    let mut errs = ErrorList::new();
    let status_path = Path::new("status");
    let empty = BTreeMap::new();
    for (field, amounts) in [
        ("capacity", status.and_then(|s| s.capacity.as_ref())),
        ("allocatable", status.and_then(|s| s.allocatable.as_ref())),
    ] {
        let amounts: &BTreeMap<String, Quantity> = amounts.unwrap_or(&empty);
        for (name, amount) in amounts {
            let path = status_path.child(field).child(name);
            errs.append(resources::validate_value(name, &amount.0, &path).1);
        }
    }
    errs
}

/// At most one CIDR per IP family, no duplicates.
// k8s: pkg/apis/core/validation/validation.go (ValidateNode)
fn validate_pod_cidrs(cidrs: &[String]) -> ErrorList {
    let mut errs = ErrorList::new();
    let path = Path::new("spec").child("podCIDRs");
    for (i, cidr) in cidrs.iter().enumerate() {
        errs.append(is_valid_cidr(&path.index(i), cidr));
    }
    if cidrs.len() > 1 {
        let v4 = cidrs.iter().filter(|c| !c.contains(':')).count();
        if cidrs.len() > 2 || v4 != 1 {
            errs.push(FieldError::invalid(
                &path,
                BadValue::string_list(cidrs),
                "may specify no more than one CIDR for each IP family",
            ));
        }
        let mut seen = HashSet::new();
        for (i, cidr) in cidrs.iter().enumerate() {
            if !seen.insert(cidr) {
                errs.push(FieldError::duplicate(&path.index(i), cidr));
            }
        }
    }
    errs
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn node(value: Value) -> Node {
        serde_json::from_value(value).expect("node")
    }

    #[test]
    fn status_is_kept_and_allocatable_defaults_to_capacity() {
        let mut n = node(json!({
            "metadata": {"name": "node1"},
            "status": {"capacity": {"cpu": "4", "pods": "110"}},
        }));
        NodeStrategy.apply_defaults(&mut n);
        let status = n.status.expect("status");
        assert_eq!(status.allocatable, status.capacity);
        assert!(NodeStrategy.keeps_status_on_create());
    }

    #[test]
    fn taints_cidrs_and_capacity() {
        let n = node(json!({
            "metadata": {"name": "node1"},
            "spec": {
                "podCIDRs": ["10.244.1.0/24", "10.244.2.0/24"],
                "taints": [
                    {"key": "dedicated", "value": "gpu", "effect": "NoSchedule"},
                    {"key": "dedicated", "value": "other", "effect": "NoSchedule"},
                    {"key": "bad key", "effect": "Sometimes"},
                ],
            },
            "status": {"capacity": {"pods": "1500m", "cpu": "-1"}},
        }));
        assert_eq!(
            NodeStrategy.validate(&n).to_string(),
            "[metadata.taints[1]: Duplicate value: core.Taint{Key:\"dedicated\", Value:\"other\", Effect:\"NoSchedule\", TimeAdded:(*v1.Time)(nil)}: taints must be unique by key and effect pair, \
             metadata.taints[2].key: Invalid value: \"bad key\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]'), \
             metadata.taints[2].effect: Unsupported value: \"Sometimes\": supported values: \"NoSchedule\", \"PreferNoSchedule\", \"NoExecute\", \
             status.capacity.cpu: Invalid value: \"-1\": must be greater than or equal to 0, \
             status.capacity.pods: Invalid value: \"1500m\": must be an integer, \
             spec.podCIDRs: Invalid value: []string{\"10.244.1.0/24\", \"10.244.2.0/24\"}: may specify no more than one CIDR for each IP family]"
        );
    }

    #[test]
    fn pod_cidr_and_provider_are_set_once() {
        let old = node(json!({
            "metadata": {"name": "node1"},
            "spec": {"podCIDRs": ["10.244.1.0/24"], "providerID": "kind://node1"},
        }));
        let new = node(json!({
            "metadata": {"name": "node1"},
            "spec": {"podCIDRs": ["10.244.9.0/24"], "providerID": "kind://other", "unschedulable": true},
        }));
        assert_eq!(
            NodeStrategy.validate_update(&new, &old).to_string(),
            "[spec.podCIDRs: Forbidden: node updates may not change podCIDR except from \"\" to valid, \
             spec.providerID: Forbidden: node updates may not change providerID except from \"\" to valid]"
        );
        let unset = node(json!({"metadata": {"name": "node1"}}));
        assert!(NodeStrategy.validate_update(&old, &unset).is_empty());
    }
}
