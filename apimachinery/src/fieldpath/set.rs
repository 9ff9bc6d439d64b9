//! Sets of field paths, in the `FieldsV1` form managedFields store them.
//!
//! A path is a list of elements: `f:<field>`, `k:<key fields as JSON>` (an
//! item of a keyed list), `v:<value as JSON>` (an item of a set) or
//! `i:<index>`. The set is a tree: each node says whether the path to it is a
//! member; `FieldsV1` writes a member with children as a `.` entry.
// k8s: sigs.k8s.io/structured-merge-diff fieldpath/set.go, serialize.go

use std::collections::BTreeMap;

use serde_json::{Map, Value};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldSet {
    member: bool,
    children: BTreeMap<String, FieldSet>,
}

impl FieldSet {
    /// Reads a `fieldsV1` value; anything that is not an object is empty.
    pub fn from_fields_v1(value: &Value) -> FieldSet {
        let mut set = FieldSet::default();
        if let Value::Object(entries) = value {
            for (key, child) in entries {
                if key == "." {
                    set.member = true;
                    continue;
                }
                let mut child_set = FieldSet::from_fields_v1(child);
                if child_set.children.is_empty() {
                    child_set.member = true;
                }
                set.children.insert(key.clone(), child_set);
            }
        }
        set
    }

    /// The `fieldsV1` form of this set.
    pub fn to_fields_v1(&self) -> Value {
        let mut entries = Map::new();
        if self.member && !self.children.is_empty() {
            entries.insert(".".into(), Value::Object(Map::new()));
        }
        for (key, child) in &self.children {
            entries.insert(key.clone(), child.to_fields_v1());
        }
        Value::Object(entries)
    }

    pub fn is_empty(&self) -> bool {
        !self.member && self.children.is_empty()
    }

    /// Whether the path to this node is in the set.
    pub fn is_member(&self) -> bool {
        self.member
    }

    pub(crate) fn set_member(&mut self) {
        self.member = true;
    }

    /// The node of `element` below this one, created when missing.
    pub(crate) fn child_mut(&mut self, element: String) -> &mut FieldSet {
        self.children.entry(element).or_default()
    }

    /// Drops child `element` when it holds nothing.
    pub(crate) fn prune(&mut self, element: &str) {
        if self.children.get(element).is_some_and(FieldSet::is_empty) {
            self.children.remove(element);
        }
    }

    pub(crate) fn children(&self) -> impl Iterator<Item = (&String, &FieldSet)> {
        self.children.iter()
    }

    pub fn union(&mut self, other: &FieldSet) {
        self.member |= other.member;
        for (key, child) in &other.children {
            self.children.entry(key.clone()).or_default().union(child);
        }
    }

    /// The members of this set that are not members of `other`.
    pub fn difference(&self, other: &FieldSet) -> FieldSet {
        let mut out = FieldSet {
            member: self.member && !other.member,
            children: BTreeMap::new(),
        };
        for (key, child) in &self.children {
            let rest = match other.children.get(key) {
                Some(theirs) => child.difference(theirs),
                None => child.clone(),
            };
            if !rest.is_empty() {
                out.children.insert(key.clone(), rest);
            }
        }
        out
    }

    /// The members of both sets.
    pub fn intersection(&self, other: &FieldSet) -> FieldSet {
        let mut out = FieldSet {
            member: self.member && other.member,
            children: BTreeMap::new(),
        };
        for (key, child) in &self.children {
            if let Some(theirs) = other.children.get(key) {
                let both = child.intersection(theirs);
                if !both.is_empty() {
                    out.children.insert(key.clone(), both);
                }
            }
        }
        out
    }

    /// This set without every path at or below a member of `removed`.
    pub fn without_subtrees(&self, removed: &FieldSet) -> FieldSet {
        let mut out = FieldSet {
            member: self.member,
            children: BTreeMap::new(),
        };
        for (key, child) in &self.children {
            let kept = match removed.children.get(key) {
                Some(gone) if gone.member => continue,
                Some(gone) => child.without_subtrees(gone),
                None => child.clone(),
            };
            if !kept.is_empty() {
                out.children.insert(key.clone(), kept);
            }
        }
        out
    }

    /// The members of this set whose removal takes nothing of `kept` along:
    /// a member with kept paths below it stays (its unkept children may go).
    pub fn removable(&self, kept: &FieldSet) -> FieldSet {
        let mut out = FieldSet::default();
        for (key, child) in &self.children {
            let rest = match kept.children.get(key) {
                Some(kept_child) if !kept_child.is_empty() => child.removable(kept_child),
                _ => child.clone(),
            };
            if !rest.is_empty() {
                out.children.insert(key.clone(), rest);
            }
        }
        out
    }

    /// The subtree of child `element` alone.
    pub(crate) fn only(&self, element: &str) -> FieldSet {
        let mut out = FieldSet::default();
        if let Some(child) = self.children.get(element) {
            out.children.insert(element.to_owned(), child.clone());
        }
        out
    }

    /// Every member path, each as its list of elements.
    pub fn members(&self) -> Vec<Vec<&str>> {
        let mut out = Vec::new();
        self.collect_members(&mut Vec::new(), &mut out);
        out
    }

    fn collect_members<'a>(&'a self, prefix: &mut Vec<&'a str>, out: &mut Vec<Vec<&'a str>>) {
        if self.member && !prefix.is_empty() {
            out.push(prefix.clone());
        }
        for (key, child) in &self.children {
            prefix.push(key);
            child.collect_members(prefix, out);
            prefix.pop();
        }
    }
}

/// A path as structured-merge-diff prints it in conflicts:
/// `.spec.containers[name="nginx"].image`, `.metadata.finalizers[="a"]`.
pub fn display_path(path: &[&str]) -> String {
    let mut out = String::new();
    for element in path {
        match element.split_once(':') {
            Some(("f", name)) => {
                out.push('.');
                out.push_str(name);
            }
            Some(("k", key)) => {
                let fields: Map<String, Value> = serde_json::from_str(key).unwrap_or_default();
                let parts: Vec<String> = fields
                    .iter()
                    .map(|(name, value)| format!("{name}={value}"))
                    .collect();
                out.push_str(&format!("[{}]", parts.join(",")));
            }
            Some(("v", value)) => out.push_str(&format!("[={value}]")),
            Some(("i", index)) => out.push_str(&format!("[{index}]")),
            _ => out.push_str(element),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn set(value: Value) -> FieldSet {
        FieldSet::from_fields_v1(&value)
    }

    #[test]
    fn round_trips_fields_v1() {
        let fields = json!({
            "f:metadata": {"f:labels": {".": {}, "f:app": {}}},
            "f:spec": {"f:containers": {"k:{\"name\":\"nginx\"}": {".": {}, "f:image": {}}}},
        });
        assert_eq!(set(fields.clone()).to_fields_v1(), fields);
    }

    #[test]
    fn set_operations_work_on_members() {
        let a = set(json!({"f:spec": {"f:replicas": {}, "f:paused": {}}}));
        let b = set(json!({"f:spec": {"f:replicas": {}}, "f:metadata": {"f:labels": {}}}));
        assert_eq!(
            a.intersection(&b),
            set(json!({"f:spec": {"f:replicas": {}}}))
        );
        assert_eq!(a.difference(&b), set(json!({"f:spec": {"f:paused": {}}})));
        let mut both = a.clone();
        both.union(&b);
        assert_eq!(both.members().len(), 3);
        let item = set(json!({"f:spec": {"k:{\"name\":\"a\"}": {".": {}, "f:image": {}}}}));
        let gone = set(json!({"f:spec": {"k:{\"name\":\"a\"}": {}}}));
        assert!(item.without_subtrees(&gone).is_empty());
    }

    #[test]
    fn displays_paths_as_conflicts_name_them() {
        assert_eq!(display_path(&["f:spec", "f:replicas"]), ".spec.replicas");
        assert_eq!(
            display_path(&[
                "f:spec",
                "f:containers",
                "k:{\"name\":\"nginx\"}",
                "f:image"
            ]),
            ".spec.containers[name=\"nginx\"].image"
        );
        assert_eq!(
            display_path(&["f:metadata", "f:finalizers", "v:\"a\""]),
            ".metadata.finalizers[=\"a\"]"
        );
    }
}
