//! Field ownership for server-side apply: which fields an object sets, which
//! fields a write changes, and how an applied configuration merges into the
//! live object, all by the object's schema ([`PatchSchema`]) and the merge
//! markers of its Go types ([`markers`]).
// k8s: sigs.k8s.io/structured-merge-diff typed/tofieldset.go, typed/compare.go, typed/merge.go

pub mod managed;
mod markers;
mod set;

use serde_json::{Map, Value};

pub use managed::{Conflict, Entry, Operation, Writer};
pub use set::{FieldSet, display_path};

use crate::patch::{Cursor, PatchSchema};
use markers::{Merge, key_default, merge_of};

/// The fields an object sets, as an applier owns them.
pub fn fields_of(object: &Value, schema: &PatchSchema) -> FieldSet {
    let mut set = FieldSet::default();
    collect(object, schema.root(), &Merge::Granular, &mut set);
    set
}

fn collect(value: &Value, cursor: Cursor, merge: &Merge, node: &mut FieldSet) {
    match (value, merge) {
        (_, Merge::Atomic) => node.set_member(),
        (Value::Object(fields), _) => {
            for (key, child) in fields {
                let (field, meta) = cursor.lookup_struct(key);
                let merge = merge_of(cursor, key, field, meta);
                let node = node.child_mut(format!("f:{key}"));
                collect(child, field, &merge, node);
                if child.is_null()
                    || child.as_object().is_some_and(Map::is_empty)
                    || !cursor.declares(key)
                {
                    node.set_member();
                }
            }
        }
        (Value::Array(items), Merge::Set) => {
            for item in items {
                node.child_mut(format!("v:{item}")).set_member();
            }
        }
        (Value::Array(items), Merge::Keyed(keys)) => {
            let item_schema = cursor.items();
            for item in items {
                let node = node.child_mut(key_element(item, keys, item_schema));
                collect(item, item_schema, &Merge::Granular, node);
                node.set_member();
            }
        }
        _ => node.set_member(),
    }
}

/// The path element of a keyed list item: `k:{"name":"nginx"}`, its key
/// fields in name order, a missing key taking its default.
fn key_element(item: &Value, keys: &[&'static str], item_schema: Cursor) -> String {
    let mut sorted = keys.to_vec();
    sorted.sort_unstable();
    let fields: Vec<String> = sorted
        .iter()
        .filter_map(|key| {
            let value = item.get(*key).or_else(|| key_default(item_schema, key))?;
            Some(format!("{}:{value}", Value::from(*key)))
        })
        .collect();
    format!("k:{{{}}}", fields.join(","))
}

/// What a write changed: the fields it added or gave a new value
/// (`changed`) and the fields it took away (`removed`).
#[derive(Debug, Default, PartialEq)]
pub struct Changes {
    pub changed: FieldSet,
    pub removed: FieldSet,
}

/// Compares two versions of an object field by field.
pub fn changes(old: &Value, new: &Value, schema: &PatchSchema) -> Changes {
    let mut changes = Changes::default();
    compare(
        Some(old),
        Some(new),
        schema.root(),
        &Merge::Granular,
        &mut changes.changed,
        &mut changes.removed,
    );
    changes
}

/// [`compare`] below `element`, leaving no empty nodes behind.
fn compare_child(
    element: String,
    (old, new): (Option<&Value>, Option<&Value>),
    cursor: Cursor,
    merge: &Merge,
    changed: &mut FieldSet,
    removed: &mut FieldSet,
) {
    let changed_child = changed.child_mut(element.clone());
    let removed_child = removed.child_mut(element.clone());
    compare(old, new, cursor, merge, changed_child, removed_child);
    changed.prune(&element);
    removed.prune(&element);
}

fn compare<'a>(
    old: Option<&'a Value>,
    new: Option<&'a Value>,
    cursor: Cursor,
    merge: &Merge,
    changed: &mut FieldSet,
    removed: &mut FieldSet,
) {
    let (old, new) = match (old, new) {
        (None, None) => return,
        (Some(_), None) => return removed.set_member(),
        (None, Some(new)) => {
            changed.set_member();
            return collect(new, cursor, merge, changed);
        }
        (Some(old), Some(new)) => (old, new),
    };
    match (old, new, merge) {
        (_, _, Merge::Atomic) => {
            if old != new {
                changed.set_member();
            }
        }
        (Value::Object(old_fields), Value::Object(new_fields), _) => {
            let keys = old_fields
                .keys()
                .chain(new_fields.keys().filter(|k| !old_fields.contains_key(*k)));
            for key in keys {
                let (field, meta) = cursor.lookup_struct(key);
                let merge = merge_of(cursor, key, field, meta);
                compare_child(
                    format!("f:{key}"),
                    (old_fields.get(key), new_fields.get(key)),
                    field,
                    &merge,
                    changed,
                    removed,
                );
            }
        }
        (Value::Array(old_items), Value::Array(new_items), Merge::Set) => {
            for item in new_items.iter().filter(|item| !old_items.contains(item)) {
                changed.child_mut(format!("v:{item}")).set_member();
            }
            for item in old_items.iter().filter(|item| !new_items.contains(item)) {
                removed.child_mut(format!("v:{item}")).set_member();
            }
        }
        (Value::Array(old_items), Value::Array(new_items), Merge::Keyed(keys)) => {
            let item_schema = cursor.items();
            let keyed = |items: &'a [Value]| -> Vec<(String, &'a Value)> {
                items
                    .iter()
                    .map(|item| (key_element(item, keys, item_schema), item))
                    .collect()
            };
            let (old_keyed, new_keyed) = (keyed(old_items), keyed(new_items));
            let find = |items: &[(String, &'a Value)], key: &str| {
                items.iter().find(|(k, _)| k == key).map(|(_, v)| *v)
            };
            for (key, old_item) in &old_keyed {
                let new_item = find(&new_keyed, key);
                compare_child(
                    key.clone(),
                    (Some(old_item), new_item),
                    item_schema,
                    &Merge::Granular,
                    changed,
                    removed,
                );
            }
            for (key, new_item) in new_keyed
                .iter()
                .filter(|(key, _)| find(&old_keyed, key).is_none())
            {
                compare_child(
                    key.clone(),
                    (None, Some(new_item)),
                    item_schema,
                    &Merge::Granular,
                    changed,
                    removed,
                );
            }
        }
        _ => {
            if old != new {
                changed.set_member();
            }
        }
    }
}

/// Merges an applied configuration into the live object: objects field by
/// field, keyed lists item by item, sets value by value; everything else is
/// replaced.
pub fn merge(live: &Value, config: &Value, schema: &PatchSchema) -> Value {
    merge_value(live, config, schema.root(), &Merge::Granular)
}

fn merge_value(live: &Value, config: &Value, cursor: Cursor, merge: &Merge) -> Value {
    match (live, config, merge) {
        (_, _, Merge::Atomic) => config.clone(),
        (Value::Object(live_fields), Value::Object(config_fields), _) => {
            let mut out = live_fields.clone();
            for (key, value) in config_fields {
                let (field, meta) = cursor.lookup_struct(key);
                let merge = merge_of(cursor, key, field, meta);
                let merged = match live_fields.get(key) {
                    Some(live_value) => merge_value(live_value, value, field, &merge),
                    None => value.clone(),
                };
                out.insert(key.clone(), merged);
            }
            Value::Object(out)
        }
        (Value::Array(live_items), Value::Array(config_items), Merge::Set) => {
            let mut out = live_items.clone();
            out.extend(
                config_items
                    .iter()
                    .filter(|item| !live_items.contains(item))
                    .cloned(),
            );
            Value::Array(out)
        }
        (Value::Array(live_items), Value::Array(config_items), Merge::Keyed(keys)) => {
            let item_schema = cursor.items();
            let mut out = live_items.clone();
            for item in config_items {
                let key = key_element(item, keys, item_schema);
                match out
                    .iter_mut()
                    .find(|live| key_element(live, keys, item_schema) == key)
                {
                    Some(live) => *live = merge_value(live, item, item_schema, &Merge::Granular),
                    None => out.push(item.clone()),
                }
            }
            Value::Array(out)
        }
        _ => config.clone(),
    }
}

/// Removes every member path of `set` from `object`.
pub fn remove(object: &mut Value, set: &FieldSet) {
    for (element, child) in set.children() {
        match (element.split_once(':'), &mut *object) {
            (Some(("f", name)), Value::Object(fields)) => {
                if child.is_member() {
                    fields.shift_remove(name);
                } else if let Some(value) = fields.get_mut(name) {
                    remove(value, child);
                }
            }
            (Some(("v", value)), Value::Array(items)) => {
                let value: Value = serde_json::from_str(value).unwrap_or_default();
                items.retain(|item| *item != value);
            }
            (Some(("k", key)), Value::Array(items)) => {
                let key: Map<String, Value> = serde_json::from_str(key).unwrap_or_default();
                let matches =
                    |item: &Value| key.iter().all(|(k, v)| item.get(k).is_none_or(|x| x == v));
                if child.is_member() {
                    items.retain(|item| !matches(item));
                } else if let Some(item) = items.iter_mut().find(|item| matches(item)) {
                    remove(item, child);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests;
