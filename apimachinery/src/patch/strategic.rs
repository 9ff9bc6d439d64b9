//! Strategic merge patch (`application/strategic-merge-patch+json`), applied
//! server-side exactly as kube-apiserver does it.
//!
//! k8s: staging/src/k8s.io/apimachinery/pkg/util/strategicpatch/patch.go
//! (`StrategicMergeMapPatchUsingLookupPatchMeta` with `MergeParallelList` and
//! `IgnoreUnmatchedNulls` both on, which is what the patch handler uses).
//!
//! Semantics, in short:
//! * objects merge key by key, `null` deletes a key;
//! * lists whose field has patch strategy `merge` are merged: lists of objects
//!   item by item on the field's merge key, lists of scalars as sets; other
//!   lists are replaced;
//! * `$patch: replace | delete` on an object, `$patch: delete | replace` as a
//!   list item, `$retainKeys`, `$setElementOrder/<list>` and
//!   `$deleteFromPrimitiveList/<list>` directives;
//! * merged lists keep upstream's ordering: `$setElementOrder` first, then the
//!   patch's order, with server-only items interleaved where they were.
//!
//! Go iterates the patch map in random order; we iterate in document order,
//! which is one of the orders Go may pick.
//!
//! One deliberate difference: upstream fails with "unable to find api field"
//! when a field unknown to the Go type holds an object or list on both sides.
//! That cannot happen on a real server (the live object is converted from its
//! Go type, so it has no unknown fields); here such fields are merged without
//! metadata, like custom resources.

use super::error::{Error, Result};
use super::gofmt;
use super::meta::{PatchMeta, PatchStrategy};
use super::schema::{Cursor, PatchSchema};
use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet};

/// Deepest nesting of objects and lists the merge follows; deeper input is
/// rejected with [`Error::TooDeep`] instead of exhausting the stack.
pub const MAX_DEPTH: usize = 200;

const DIRECTIVE_MARKER: &str = "$patch";
const DELETE_DIRECTIVE: &str = "delete";
const REPLACE_DIRECTIVE: &str = "replace";
const MERGE_DIRECTIVE: &str = "merge";
const RETAIN_KEYS_DIRECTIVE: &str = "$retainKeys";
const DELETE_FROM_PRIMITIVE_LIST_PREFIX: &str = "$deleteFromPrimitiveList";
const SET_ELEMENT_ORDER_PREFIX: &str = "$setElementOrder";

const GO_MAP: &str = "map[string]interface {}";
const GO_SLICE: &str = "[]interface {}";

/// Applies strategic merge patch `patch` to `original`, navigating with
/// `schema` (use [`PatchSchema::unstructured`] for objects without one).
pub fn strategic_merge(original: &Value, patch: &Value, schema: &PatchSchema) -> Result<Value> {
    strategic_merge_owned(original.clone(), patch.clone(), schema)
}

/// [`strategic_merge`] without copying its inputs.
pub fn strategic_merge_owned(original: Value, patch: Value, schema: &PatchSchema) -> Result<Value> {
    let Value::Object(original) = original else {
        return Err(Error::BadJsonDoc);
    };
    let patch = match patch {
        Value::Object(p) => p,
        // Go decodes `null` into a nil map: nothing to do.
        Value::Null => return Ok(Value::Object(original)),
        other => {
            return Err(Error::Decode {
                message: format!(
                    "json: cannot unmarshal {} into Go value of type {GO_MAP}",
                    json_type_word(&other)
                ),
            });
        }
    };
    merge_map(original, patch, schema.root(), 0).map(Value::Object)
}

/// The word Go's encoding/json uses for a JSON value's type in errors.
pub(crate) fn json_type_word(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn check_depth(depth: usize) -> Result<()> {
    if depth > MAX_DEPTH {
        Err(Error::TooDeep { max: MAX_DEPTH })
    } else {
        Ok(())
    }
}

/// The Go dynamic type of a decoded JSON value, which upstream compares with
/// `reflect.TypeOf` (integers decode as int64, other numbers as float64).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Null,
    Bool,
    Int,
    Float,
    String,
    List,
    Map,
}

fn kind_of(v: &Value) -> Kind {
    match v {
        Value::Null => Kind::Null,
        Value::Bool(_) => Kind::Bool,
        Value::Number(n) if n.is_i64() => Kind::Int,
        Value::Number(_) => Kind::Float,
        Value::String(_) => Kind::String,
        Value::Array(_) => Kind::List,
        Value::Object(_) => Kind::Map,
    }
}

/// The patch strategy once `retainKeys` is split off
/// (k8s: patch.go, `extractRetainKeysPatchStrategy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Base {
    None,
    Merge,
    Replace,
}

fn base_strategy(meta: Option<PatchMeta>) -> Base {
    match meta.map(|m| m.strategy) {
        Some(PatchStrategy::Merge) | Some(PatchStrategy::MergeRetainKeys) => Base::Merge,
        Some(PatchStrategy::Replace) => Base::Replace,
        Some(PatchStrategy::RetainKeys) | None => Base::None,
    }
}

fn merge_key_of(meta: Option<PatchMeta>) -> &'static str {
    meta.and_then(|m| m.merge_key).unwrap_or("")
}

fn no_merge_key(item: &Value, key: &str) -> Error {
    Error::NoMergeKey {
        map: gofmt::value(item),
        key: key.to_owned(),
    }
}

fn bad_arg_type(expected: &'static str, actual: &Value) -> Error {
    Error::BadArgType {
        expected,
        actual: gofmt::type_name(actual),
    }
}

/// Merges `patch` into `original` (k8s: patch.go, `mergeMap`).
fn merge_map(
    mut original: Map<String, Value>,
    mut patch: Map<String, Value>,
    schema: Cursor<'_>,
    depth: usize,
) -> Result<Map<String, Value>> {
    check_depth(depth)?;
    if let Some(directive) = patch.get(DIRECTIVE_MARKER) {
        // k8s: patch.go (handleDirectiveInMergeMap)
        return match directive.as_str() {
            Some(REPLACE_DIRECTIVE) => {
                patch.shift_remove(DIRECTIVE_MARKER);
                Ok(patch)
            }
            Some(DELETE_DIRECTIVE) => Ok(Map::new()),
            _ => Err(Error::BadPatchType {
                directive: gofmt::value_as_s(directive),
                map: gofmt::value(&Value::Object(patch.clone())),
            }),
        };
    }

    apply_retain_keys(&mut original, &mut patch)?;
    merge_set_element_order_lists(&mut original, &mut patch, schema, depth)?;

    for (patch_key, patch_value) in patch {
        // k8s: patch.go (preprocessDeletionListForMerging)
        let (key, is_delete_list) = if patch_key.starts_with(DELETE_FROM_PRIMITIVE_LIST_PREFIX) {
            (
                extract_key(&patch_key, DELETE_FROM_PRIMITIVE_LIST_PREFIX)?,
                true,
            )
        } else {
            (patch_key, false)
        };

        if patch_value.is_null() {
            original.shift_remove(&key);
            continue;
        }

        let Some(current) = original.get_mut(&key) else {
            if !is_delete_list && let Some(v) = cleaned_patch_value(patch_value, depth)? {
                original.insert(key, v);
            }
            continue;
        };

        if kind_of(current) != kind_of(&patch_value) {
            if !is_delete_list {
                match cleaned_patch_value(patch_value, depth)? {
                    Some(v) => *current = v,
                    None => {
                        original.shift_remove(&key);
                    }
                }
            }
            continue;
        }

        match (current, patch_value) {
            (Value::Object(current), Value::Object(patch_map)) => {
                let (sub, meta) = schema.lookup_struct(&key);
                // k8s: patch.go (mergeMapHandler)
                *current = if base_strategy(meta) == Base::Replace {
                    patch_map
                } else {
                    merge_map(std::mem::take(current), patch_map, sub, depth + 1)?
                };
            }
            (Value::Array(current), Value::Array(patch_list)) => {
                let (sub, meta) = schema.lookup_slice(&key);
                *current = merge_slice_handler(
                    std::mem::take(current),
                    patch_list,
                    sub,
                    base_strategy(meta),
                    merge_key_of(meta),
                    is_delete_list,
                    depth + 1,
                )?;
            }
            (current, scalar) => *current = scalar,
        }
    }
    Ok(original)
}

/// A patch value taken as is (the key is new, or its type changed): nulls
/// dropped, directives removed; `None` when the value itself is a directive.
fn cleaned_patch_value(mut v: Value, depth: usize) -> Result<Option<Value>> {
    discard_nulls(&mut v, depth)?;
    remove_directives(v, depth)
}

/// k8s: patch.go (discardNullValuesFromPatch)
fn discard_nulls(v: &mut Value, depth: usize) -> Result<()> {
    check_depth(depth)?;
    match v {
        Value::Object(m) => {
            m.retain(|_, v| !v.is_null());
            for v in m.values_mut() {
                discard_nulls(v, depth + 1)?;
            }
        }
        Value::Array(l) => {
            for v in l {
                discard_nulls(v, depth + 1)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// Drops every object carrying `$patch` (k8s: patch.go, `removeDirectives`).
fn remove_directives(v: Value, depth: usize) -> Result<Option<Value>> {
    check_depth(depth)?;
    Ok(match v {
        Value::Object(m) => {
            if m.contains_key(DIRECTIVE_MARKER) {
                return Ok(None);
            }
            let mut out = Map::with_capacity(m.len());
            for (k, v) in m {
                if let Some(v) = remove_directives(v, depth + 1)? {
                    out.insert(k, v);
                }
            }
            Some(Value::Object(out))
        }
        Value::Array(l) => Some(Value::Array(remove_directives_list(l, depth)?)),
        other => Some(other),
    })
}

fn remove_directives_list(l: Vec<Value>, depth: usize) -> Result<Vec<Value>> {
    let mut out = Vec::with_capacity(l.len());
    for v in l {
        if let Some(v) = remove_directives(v, depth + 1)? {
            out.push(v);
        }
    }
    Ok(out)
}

/// The list field named by a `$deleteFromPrimitiveList/<field>` or
/// `$setElementOrder/<field>` key (k8s: patch.go, `extractKey`).
fn extract_key(s: &str, prefix: &str) -> Result<String> {
    match s.split_once('/') {
        Some((head, field)) if head == prefix => Ok(field.to_owned()),
        _ if prefix == DELETE_FROM_PRIMITIVE_LIST_PREFIX => {
            Err(Error::BadPatchFormatForPrimitiveList)
        }
        _ => Err(Error::BadPatchFormatForSetElementOrderList),
    }
}

/// k8s: patch.go (applyRetainKeysDirective): clears every key of `original`
/// that `$retainKeys` does not list, after checking the patch only sets
/// listed keys.
fn apply_retain_keys(
    original: &mut Map<String, Value>,
    patch: &mut Map<String, Value>,
) -> Result<()> {
    let Some(retain) = patch.shift_remove(RETAIN_KEYS_DIRECTIVE) else {
        return Ok(());
    };
    let Value::Array(retain) = retain else {
        return Err(Error::BadPatchFormatForRetainKeys);
    };
    let keep: HashSet<&str> = retain.iter().filter_map(Value::as_str).collect();
    for (k, v) in patch.iter() {
        if v.is_null()
            || k.starts_with(DELETE_FROM_PRIMITIVE_LIST_PREFIX)
            || k.starts_with(SET_ELEMENT_ORDER_PREFIX)
        {
            continue;
        }
        if !keep.contains(k.as_str()) {
            return Err(Error::BadPatchFormatForRetainKeys);
        }
    }
    original.retain(|k, _| keep.contains(k.as_str()));
    Ok(())
}

/// Handles every `$setElementOrder/<field>` directive together with the list
/// it orders, removing both from the patch
/// (k8s: patch.go, `mergePatchIntoOriginal`).
fn merge_set_element_order_lists(
    original: &mut Map<String, Value>,
    patch: &mut Map<String, Value>,
    schema: Cursor<'_>,
    depth: usize,
) -> Result<()> {
    let keys: Vec<String> = patch
        .keys()
        .filter(|k| k.starts_with(SET_ELEMENT_ORDER_PREFIX))
        .cloned()
        .collect();
    for directive_key in keys {
        let Some(order) = patch.shift_remove(&directive_key) else {
            continue;
        };
        let Value::Array(order) = order else {
            return Err(bad_arg_type(GO_SLICE, &order));
        };
        let field = extract_key(&directive_key, SET_ELEMENT_ORDER_PREFIX)?;

        let original_list = match original.get_mut(&field) {
            None => None,
            Some(Value::Array(l)) => Some(std::mem::take(l)),
            Some(other) => return Err(bad_arg_type(GO_SLICE, other)),
        };
        let patch_list = match patch.shift_remove(&field) {
            None => None,
            Some(Value::Array(l)) => Some(l),
            Some(other) => return Err(bad_arg_type(GO_SLICE, &other)),
        };

        let (item_schema, meta) = schema.lookup_slice(&field);
        let merge_key = merge_key_of(meta);
        validate_patch_with_set_order_list(
            patch_list.as_deref().unwrap_or(&[]),
            &order,
            merge_key,
        )?;

        // Everything the ordering needs from the live list is captured
        // before the merge consumes it.
        let empty: &[Value] = &[];
        let element_kind = slice_element_type(&[
            original_list.as_deref().unwrap_or(empty),
            patch_list.as_deref().unwrap_or(empty),
        ]);
        let base = base_strategy(meta);
        let server_order = match (&element_kind, &original_list, &patch_list) {
            (Ok(Kind::Map), Some(o), Some(p)) if base == Base::Merge && !merge_key.is_empty() => {
                aliased_server_order(o, p, merge_key)
            }
            (Ok(kind), _, _) => {
                order_keys(original_list.as_deref().unwrap_or(empty), merge_key, *kind)
            }
            (Err(_), _, _) => Vec::new(),
        };

        let merged = match (original_list, patch_list) {
            (Some(o), None) => o,
            (None, Some(p)) => remove_directives_list(p, depth)?,
            (Some(o), Some(p)) => {
                merge_slice_handler(o, p, item_schema, base, merge_key, false, depth + 1)?
            }
            (None, None) => continue,
        };

        let (patch_items, server_only) = if merge_key.is_empty() {
            partition_primitives(merged, &order_keys(&order, "", Kind::Null))
        } else {
            partition_maps(merged, &order_keys(&order, merge_key, Kind::Map), merge_key)?
        };
        let kind = element_kind?;
        let both = normalize_element_order(
            patch_items,
            server_only,
            &order_keys(&order, merge_key, kind),
            &server_order,
            merge_key,
            kind,
        )?;
        original.insert(field, Value::Array(both));
    }
    Ok(())
}

/// The live list as upstream's `mergePatchIntoOriginal` sees it when it
/// restores the order of a merged list of objects.
///
/// Upstream keeps a slice header of the live list and, after `mergeSlice`,
/// uses it as the reference order. But `mergeSlice` edited that slice's
/// backing array in place: each `$patch: delete` shifted the rest of the
/// list left (leaving the old last item in the vacated slot), and each new
/// item was then appended into the vacated slots. Within the original length
/// this does not depend on the slice's capacity, so it is reproduced here on
/// merge keys: the result is what `index()` finds when ordering, and it
/// decides where server-only items land (k8s: patch.go,
/// `mergePatchIntoOriginal`, `deleteMatchingEntries`,
/// `mergeSliceWithoutSpecialElements`; upstream test "add map and delete map
/// from merging list").
fn aliased_server_order(original: &[Value], patch: &[Value], merge_key: &str) -> Vec<OrderKey> {
    let n = original.len();
    let keys = order_keys(original, merge_key, Kind::Map);
    let mut by_key: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, k) in keys.iter().enumerate() {
        if let OrderKey::Key(v) = k {
            by_key.entry(identity(v)).or_default().push(i);
        }
    }
    let mut live = vec![true; n];
    let mut last = n;
    // stale[t] is what the slot vacated by deletion step t keeps: the last
    // live item before that step.
    let mut stale: Vec<OrderKey> = Vec::new();
    let mut replace = false;
    for item in patch {
        match item.get(DIRECTIVE_MARKER).and_then(Value::as_str) {
            Some(DELETE_DIRECTIVE) => {
                let Some(indexes) = item.get(merge_key).and_then(|k| by_key.get(&identity(k)))
                else {
                    continue;
                };
                for &i in indexes {
                    if !live[i] {
                        continue;
                    }
                    while last > 0 && !live[last - 1] {
                        last -= 1;
                    }
                    if let Some(k) = keys.get(last.wrapping_sub(1)) {
                        stale.push(k.clone());
                    }
                    live[i] = false;
                }
            }
            Some(REPLACE_DIRECTIVE) => replace = true,
            _ => {}
        }
    }
    let mut view: Vec<OrderKey> = keys
        .iter()
        .zip(&live)
        .filter(|(_, alive)| **alive)
        .map(|(k, _)| k.clone())
        .collect();
    let mut present: HashSet<String> = view
        .iter()
        .filter_map(|k| match k {
            OrderKey::Key(v) => Some(identity(v)),
            _ => None,
        })
        .collect();
    let mut slot = view.len();
    view.extend(stale.into_iter().rev());
    if !replace {
        for item in patch {
            if slot >= view.len() {
                break;
            }
            if item.get(DIRECTIVE_MARKER).is_some() {
                continue;
            }
            let Some(k) = item.get(merge_key) else {
                continue;
            };
            if present.insert(identity(k)) {
                view[slot] = OrderKey::Key(k.clone());
                slot += 1;
            }
        }
    }
    view
}

/// k8s: patch.go (validatePatchWithSetOrderList): the patch list's items must
/// appear in the `$setElementOrder` list, in the same relative order.
fn validate_patch_with_set_order_list(
    patch_list: &[Value],
    order: &[Value],
    merge_key: &str,
) -> Result<()> {
    if order.is_empty() || patch_list.is_empty() {
        return Ok(());
    }
    let non_delete: Vec<&Value> = if merge_key.is_empty() {
        patch_list.iter().collect()
    } else {
        let mut kept = Vec::with_capacity(patch_list.len());
        for item in patch_list {
            let Value::Object(m) = item else {
                return Err(bad_arg_type(GO_MAP, item));
            };
            if m.get(DIRECTIVE_MARKER).and_then(Value::as_str) != Some(DELETE_DIRECTIVE) {
                kept.push(item);
            }
        }
        kept
    };
    let (mut p, mut o) = (0, 0);
    while p < non_delete.len() && o < order.len() {
        let item = non_delete[p];
        if item
            .as_object()
            .is_some_and(|m| m.contains_key(DIRECTIVE_MARKER))
        {
            p += 1;
            continue;
        }
        if merge_key_value_equal(item, &order[o], merge_key)? {
            p += 1;
        }
        o += 1;
    }
    if p < non_delete.len() && o >= order.len() {
        return Err(Error::SetElementOrderMismatch {
            patch: gofmt::list(patch_list),
            order: gofmt::list(order),
        });
    }
    Ok(())
}

/// k8s: patch.go (mergeKeyValueEqual)
fn merge_key_value_equal(left: &Value, right: &Value, merge_key: &str) -> Result<bool> {
    if merge_key.is_empty() {
        return Ok(left == right);
    }
    let Value::Object(l) = left else {
        return Err(bad_arg_type(GO_MAP, left));
    };
    let Value::Object(r) = right else {
        return Err(bad_arg_type(GO_MAP, right));
    };
    let lv = l
        .get(merge_key)
        .ok_or_else(|| no_merge_key(left, merge_key))?;
    let rv = r
        .get(merge_key)
        .ok_or_else(|| no_merge_key(right, merge_key))?;
    Ok(lv == rv)
}

/// k8s: patch.go (mergeSliceHandler): merge when the field says so (or for
/// `$deleteFromPrimitiveList`), replace otherwise.
fn merge_slice_handler(
    original: Vec<Value>,
    patch: Vec<Value>,
    item_schema: Cursor<'_>,
    base: Base,
    merge_key: &str,
    is_delete_list: bool,
    depth: usize,
) -> Result<Vec<Value>> {
    if base == Base::Merge || is_delete_list {
        merge_slice(
            original,
            patch,
            item_schema,
            merge_key,
            is_delete_list,
            depth,
        )
    } else {
        Ok(patch)
    }
}

/// k8s: patch.go (mergeSlice)
fn merge_slice(
    original: Vec<Value>,
    patch: Vec<Value>,
    item_schema: Cursor<'_>,
    merge_key: &str,
    is_delete_list: bool,
    depth: usize,
) -> Result<Vec<Value>> {
    check_depth(depth)?;
    if original.is_empty() && patch.is_empty() {
        return Ok(original);
    }
    let kind = slice_element_type(&[&original, &patch])?;

    if kind != Kind::Map {
        if is_delete_list {
            return Ok(delete_from_slice(original, &patch));
        }
        let server_order = order_keys(&original, merge_key, kind);
        let patch_order = order_keys(&patch, merge_key, kind);
        let merged = dedup_scalars(original.into_iter().chain(patch));
        let (patch_items, server_only) = if merge_key.is_empty() {
            partition_primitives(merged, &patch_order)
        } else {
            partition_maps(merged, &order_keys_as_maps(&patch_order), merge_key)?
        };
        return normalize_element_order(
            patch_items,
            server_only,
            &patch_order,
            &server_order,
            merge_key,
            kind,
        );
    }

    if merge_key.is_empty() {
        return Err(Error::ListWithoutMergeKey {
            type_name: item_schema.type_name().to_owned(),
        });
    }
    let (original, patch) = merge_slice_with_special_elements(original, patch, merge_key)?;
    let server_order = order_keys(&original, merge_key, kind);
    let patch_order = order_keys(&patch, merge_key, kind);
    let merged =
        merge_slice_without_special_elements(original, patch, merge_key, item_schema, depth)?;
    let (patch_items, server_only) = partition_maps(merged, &patch_order, merge_key)?;
    normalize_element_order(
        patch_items,
        server_only,
        &patch_order,
        &server_order,
        merge_key,
        kind,
    )
}

/// k8s: patch.go (sliceElementType): every item of every list must have the
/// same Go type, and none may be a list.
fn slice_element_type(lists: &[&[Value]]) -> Result<Kind> {
    let mut found: Option<Kind> = None;
    for list in lists {
        for v in list.iter() {
            let k = kind_of(v);
            match found {
                None => {
                    if k == Kind::List {
                        return Err(Error::NoListOfLists);
                    }
                    found = Some(k);
                }
                Some(prev) if prev != k => {
                    return Err(Error::ElementTypesNotIdentical {
                        lists: gofmt::lists(lists),
                    });
                }
                Some(_) => {}
            }
        }
    }
    found.ok_or(Error::NoElements)
}

/// A hashable identity for a JSON value: equal values give equal keys (for
/// the scalars merge keys and primitive lists hold).
fn identity(v: &Value) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// k8s: patch.go (deleteFromSlice)
fn delete_from_slice(current: Vec<Value>, to_delete: &[Value]) -> Vec<Value> {
    let gone: HashSet<String> = to_delete.iter().map(identity).collect();
    current
        .into_iter()
        .filter(|v| !gone.contains(&identity(v)))
        .collect()
}

/// Keeps the first occurrence of every value. Upstream's in-place
/// deduplication scrambles the order, but the list is re-sorted right after
/// by positions that only depend on which values are present.
fn dedup_scalars(values: impl Iterator<Item = Value>) -> Vec<Value> {
    let mut seen = HashSet::new();
    values.filter(|v| seen.insert(identity(v))).collect()
}

/// k8s: patch.go (mergeSliceWithSpecialElements): applies `$patch: delete`
/// items, notes `$patch: replace`, and returns the live list and the patch
/// items left to merge.
fn merge_slice_with_special_elements(
    mut original: Vec<Value>,
    patch: Vec<Value>,
    merge_key: &str,
) -> Result<(Vec<Value>, Vec<Value>)> {
    let mut plain = Vec::with_capacity(patch.len());
    let mut replace = false;
    let mut deleted: HashSet<String> = HashSet::new();
    for item in patch {
        let directive = item.get(DIRECTIVE_MARKER);
        match directive {
            None => plain.push(item),
            Some(d) => match d.as_str() {
                Some(DELETE_DIRECTIVE) => match item.get(merge_key) {
                    Some(value) => {
                        deleted.insert(identity(value));
                    }
                    None => return Err(no_merge_key(&item, merge_key)),
                },
                // Keep going: the other directives must still be pruned.
                Some(REPLACE_DIRECTIVE) => replace = true,
                Some(MERGE_DIRECTIVE) => return Err(Error::MergeDirectiveInList),
                _ => {
                    return Err(Error::BadPatchType {
                        directive: gofmt::value_as_s(d),
                        map: gofmt::value(&item),
                    });
                }
            },
        }
    }
    if replace {
        return Ok((plain, Vec::new()));
    }
    if !deleted.is_empty() {
        // k8s: patch.go (deleteMatchingEntries) removes every match.
        original.retain(|item| match item.get(merge_key) {
            Some(v) => !deleted.contains(&identity(v)),
            None => true,
        });
    }
    Ok((original, plain))
}

/// k8s: patch.go (mergeSliceWithoutSpecialElements): merges each patch item
/// into the first live item with the same merge key, or appends it.
fn merge_slice_without_special_elements(
    mut original: Vec<Value>,
    patch: Vec<Value>,
    merge_key: &str,
    item_schema: Cursor<'_>,
    depth: usize,
) -> Result<Vec<Value>> {
    let mut position: HashMap<String, usize> = HashMap::with_capacity(original.len());
    for (i, item) in original.iter().enumerate() {
        if let Some(v) = item.get(merge_key) {
            position.entry(identity(v)).or_insert(i);
        }
    }
    for item in patch {
        let id = match item.get(merge_key) {
            Some(v) => identity(v),
            None => return Err(no_merge_key(&item, merge_key)),
        };
        match position.get(&id) {
            Some(&i) => {
                let (Value::Object(live), Value::Object(patch_map)) =
                    (std::mem::take(&mut original[i]), item)
                else {
                    // slice_element_type guaranteed objects on both sides.
                    return Err(Error::NotAMap { index: i });
                };
                original[i] = Value::Object(merge_map(live, patch_map, item_schema, depth + 1)?);
            }
            None => {
                // Later patch items with the same key merge into this one.
                position.insert(id, original.len());
                original.push(item);
            }
        }
    }
    Ok(original)
}

/// What an item is ordered by: its merge key value (lists of objects) or
/// itself (lists of scalars). Invalid items are remembered so that the
/// validation upstream performs while sorting reports them.
#[derive(Debug, Clone)]
enum OrderKey {
    Key(Value),
    MissingKey(String),
    NotAMap(&'static str),
}

fn order_key(item: &Value, merge_key: &str, kind: Kind) -> OrderKey {
    if kind != Kind::Map {
        return OrderKey::Key(item.clone());
    }
    match item {
        Value::Object(m) => match m.get(merge_key) {
            Some(v) => OrderKey::Key(v.clone()),
            None => OrderKey::MissingKey(gofmt::value(item)),
        },
        other => OrderKey::NotAMap(gofmt::type_name(other)),
    }
}

fn order_keys(items: &[Value], merge_key: &str, kind: Kind) -> Vec<OrderKey> {
    items
        .iter()
        .map(|i| order_key(i, merge_key, kind))
        .collect()
}

/// Scalar order keys seen as list items for map partitioning: none is a map.
fn order_keys_as_maps(keys: &[OrderKey]) -> Vec<OrderKey> {
    keys.iter()
        .map(|k| match k {
            OrderKey::Key(v) if !v.is_object() => OrderKey::NotAMap(gofmt::type_name(v)),
            other => other.clone(),
        })
        .collect()
}

fn validate_order_keys(keys: &[OrderKey], merge_key: &str) -> Result<()> {
    for k in keys {
        match k {
            OrderKey::Key(_) => {}
            OrderKey::MissingKey(map) => {
                return Err(Error::NoMergeKey {
                    map: map.clone(),
                    key: merge_key.to_owned(),
                });
            }
            OrderKey::NotAMap(actual) => {
                return Err(Error::BadArgType {
                    expected: GO_MAP,
                    actual,
                });
            }
        }
    }
    Ok(())
}

/// Position of the first item with each key in an order list
/// (k8s: patch.go, `index`, made O(1)).
struct Positions(HashMap<String, usize>);

impl Positions {
    fn new(keys: &[OrderKey]) -> Positions {
        let mut map = HashMap::with_capacity(keys.len());
        for (i, k) in keys.iter().enumerate() {
            if let OrderKey::Key(v) = k {
                map.entry(identity(v)).or_insert(i);
            }
        }
        Positions(map)
    }

    fn of(&self, key: &OrderKey) -> Option<usize> {
        match key {
            OrderKey::Key(v) => self.0.get(&identity(v)).copied(),
            _ => None,
        }
    }
}

/// k8s: patch.go (partitionPrimitivesByPresentInList)
fn partition_primitives(items: Vec<Value>, by: &[OrderKey]) -> (Vec<Value>, Vec<Value>) {
    let present: HashSet<String> = by
        .iter()
        .filter_map(|k| match k {
            OrderKey::Key(v) => Some(identity(v)),
            _ => None,
        })
        .collect();
    items
        .into_iter()
        .partition(|v| present.contains(&identity(v)))
}

/// k8s: patch.go (partitionMapsByPresentInList, findMapInSliceBasedOnKeyValue)
fn partition_maps(
    items: Vec<Value>,
    by: &[OrderKey],
    merge_key: &str,
) -> Result<(Vec<Value>, Vec<Value>)> {
    let positions = Positions::new(by);
    // Upstream scans `by` front to back and fails on the first non-map it
    // meets before a match.
    let first_non_map = by.iter().position(|k| matches!(k, OrderKey::NotAMap(_)));
    let mut inside = Vec::with_capacity(items.len());
    let mut outside = Vec::with_capacity(items.len());
    for item in items {
        let Value::Object(m) = &item else {
            return Err(bad_arg_type(GO_MAP, &item));
        };
        let Some(key) = m.get(merge_key) else {
            return Err(no_merge_key(&item, merge_key));
        };
        let found = positions.0.get(&identity(key)).copied();
        if let Some(bad) = first_non_map
            && found.is_none_or(|p| p > bad)
        {
            return Err(Error::NotAMap { index: bad });
        }
        if found.is_some() {
            inside.push(item);
        } else {
            outside.push(item);
        }
    }
    Ok((inside, outside))
}

/// Sorts the patch items by the patch order and the server-only items by the
/// live order, then interleaves them (k8s: patch.go, `normalizeElementOrder`).
fn normalize_element_order(
    patch_items: Vec<Value>,
    server_only: Vec<Value>,
    patch_order: &[OrderKey],
    server_order: &[OrderKey],
    merge_key: &str,
    kind: Kind,
) -> Result<Vec<Value>> {
    let patch_items = normalize_slice_order(patch_items, patch_order, merge_key, kind)?;
    let server_only = normalize_slice_order(server_only, server_order, merge_key, kind)?;
    Ok(merge_sorted_slice(
        server_only,
        patch_items,
        server_order,
        merge_key,
        kind,
    ))
}

/// k8s: patch.go (normalizeSliceOrder): a stable sort by position in `order`,
/// with `$patch: delete` items moved to the end.
fn normalize_slice_order(
    to_sort: Vec<Value>,
    order: &[OrderKey],
    merge_key: &str,
    kind: Kind,
) -> Result<Vec<Value>> {
    let mut to_delete = Vec::new();
    let mut to_sort = if kind == Kind::Map {
        validate_order_keys(&order_keys(&to_sort, merge_key, kind), merge_key)?;
        validate_order_keys(order, merge_key)?;
        let mut kept = Vec::with_capacity(to_sort.len());
        for item in to_sort {
            if item.get(DIRECTIVE_MARKER).and_then(Value::as_str) == Some(DELETE_DIRECTIVE) {
                to_delete.push(item);
            } else {
                kept.push(item);
            }
        }
        kept
    } else {
        to_sort
    };
    let positions = Positions::new(order);
    let mut keyed: Vec<(Option<usize>, Value)> = to_sort
        .drain(..)
        .map(|item| (positions.of(&order_key(&item, merge_key, kind)), item))
        .collect();
    go_stable_sort(&mut keyed, |a, b| match (a.0, b.0) {
        (Some(x), Some(y)) => x < y,
        // Upstream's comparator says "less" whenever a position is unknown.
        _ => true,
    });
    let mut out: Vec<Value> = keyed.into_iter().map(|(_, v)| v).collect();
    out.extend(to_delete);
    Ok(out)
}

/// k8s: patch.go (mergeSortedSlice): inserts each server-only item (`left`)
/// before the first patch item (`right`) that follows it in the live list.
fn merge_sorted_slice(
    left: Vec<Value>,
    right: Vec<Value>,
    server_order: &[OrderKey],
    merge_key: &str,
    kind: Kind,
) -> Vec<Value> {
    let positions = Positions::new(server_order);
    let pos = |v: &Value| positions.of(&order_key(v, merge_key, kind));
    let left_pos: Vec<Option<usize>> = left.iter().map(pos).collect();
    let right_pos: Vec<Option<usize>> = right.iter().map(pos).collect();
    let mut out = Vec::with_capacity(left.len() + right.len());
    let (mut i, mut j) = (0, 0);
    let mut left = left.into_iter();
    let mut right = right.into_iter();
    let (n_left, n_right) = (left_pos.len(), right_pos.len());
    while i < n_left || j < n_right {
        let take_left = if i >= n_left {
            false
        } else if j >= n_right {
            true
        } else {
            matches!((left_pos[i], right_pos[j]), (Some(l), Some(r)) if l < r)
        };
        if take_left {
            out.extend(left.next());
            i += 1;
        } else {
            out.extend(right.next());
            j += 1;
        }
    }
    out
}

/// Go's `sort.SliceStable` (insertion sort of blocks of 20, then in-place
/// symmetric merges). Any stable sort gives the same result for a consistent
/// comparator; this one also reproduces upstream when positions are unknown
/// and its comparator is not.
fn go_stable_sort<T>(data: &mut [T], less: impl Fn(&T, &T) -> bool) {
    let n = data.len();
    let mut block = 20;
    let (mut a, mut b) = (0, block);
    while b <= n {
        insertion_sort(data, a, b, &less);
        a = b;
        b += block;
    }
    insertion_sort(data, a, n, &less);
    while block < n {
        let (mut a, mut b) = (0, 2 * block);
        while b <= n {
            sym_merge(data, a, a + block, b, &less);
            a = b;
            b += 2 * block;
        }
        let m = a + block;
        if m < n {
            sym_merge(data, a, m, n, &less);
        }
        block *= 2;
    }
}

fn insertion_sort<T>(data: &mut [T], a: usize, b: usize, less: &impl Fn(&T, &T) -> bool) {
    for i in a + 1..b {
        let mut j = i;
        while j > a && less(&data[j], &data[j - 1]) {
            data.swap(j, j - 1);
            j -= 1;
        }
    }
}

/// SymMerge (Kim & Kutzner) of the sorted runs `data[a..m]` and `data[m..b]`.
fn sym_merge<T>(data: &mut [T], a: usize, m: usize, b: usize, less: &impl Fn(&T, &T) -> bool) {
    if m - a == 1 {
        // Binary search for the first element of data[m..b] not less than data[a].
        let (mut i, mut j) = (m, b);
        while i < j {
            let h = (i + j) / 2;
            if less(&data[h], &data[a]) {
                i = h + 1;
            } else {
                j = h;
            }
        }
        for k in a..i - 1 {
            data.swap(k, k + 1);
        }
        return;
    }
    if b - m == 1 {
        let (mut i, mut j) = (a, m);
        while i < j {
            let h = (i + j) / 2;
            if !less(&data[m], &data[h]) {
                i = h + 1;
            } else {
                j = h;
            }
        }
        let mut k = m;
        while k > i {
            data.swap(k, k - 1);
            k -= 1;
        }
        return;
    }
    let mid = (a + b) / 2;
    let n = mid + m;
    let (mut start, mut r) = if m > mid { (n - b, mid) } else { (a, m) };
    let p = n - 1;
    while start < r {
        let c = (start + r) / 2;
        if !less(&data[p - c], &data[c]) {
            start = c + 1;
        } else {
            r = c;
        }
    }
    let end = n - start;
    if start < m && m < end {
        data[start..end].rotate_left(m - start);
    }
    if a < start && start < mid {
        sym_merge(data, a, start, mid, less);
    }
    if mid < end && end < b {
        sym_merge(data, mid, end, b, less);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::apps::v1::Deployment;
    use k8s_openapi::api::core::v1::{Node, Pod, Service};
    use k8s_openapi::api::policy::v1::PodDisruptionBudget;
    use schemars::JsonSchema;
    use serde_json::json;

    fn smp<T: JsonSchema + 'static>(original: Value, patch: Value) -> Value {
        strategic_merge(&original, &patch, &PatchSchema::of::<T>())
            .unwrap_or_else(|e| panic!("patch failed: {:.300}", e.to_string()))
    }

    fn smp_err<T: JsonSchema + 'static>(original: Value, patch: Value) -> Error {
        match strategic_merge(&original, &patch, &PatchSchema::of::<T>()) {
            Ok(v) => panic!("patch should fail, gave {:.300}", v.to_string()),
            Err(e) => e,
        }
    }

    fn pod_with_containers(containers: Value) -> Value {
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": containers}})
    }

    fn deployment(template_spec: Value) -> Value {
        json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "d", "namespace": "default"},
            "spec": {"replicas": 1, "template": {"metadata": {"labels": {"app": "d"}}, "spec": template_spec}}
        })
    }

    fn containers_of(d: &Value) -> &Value {
        &d["spec"]["template"]["spec"]["containers"]
    }

    // ---- kubectl-generated patches ----------------------------------------

    #[test]
    fn kubectl_set_image() {
        let live = deployment(json!({"containers": [
            {"name": "web", "image": "nginx:1.24", "ports": [{"containerPort": 80}]},
            {"name": "log", "image": "fluentd:1"}
        ]}));
        let patch = json!({"spec": {"template": {"spec": {
            "$setElementOrder/containers": [{"name": "web"}, {"name": "log"}],
            "containers": [{"image": "nginx:1.25", "name": "web"}]
        }}}});
        let out = smp::<Deployment>(live, patch);
        assert_eq!(
            containers_of(&out),
            &json!([
                {"name": "web", "image": "nginx:1.25", "ports": [{"containerPort": 80}]},
                {"name": "log", "image": "fluentd:1"}
            ])
        );
        assert_eq!(out["spec"]["replicas"], 1);
    }

    #[test]
    fn kubectl_set_env_and_unset_env() {
        let live = deployment(json!({"containers": [{"name": "app", "image": "a", "env": [
            {"name": "A", "value": "1"}, {"name": "B", "value": "2"}
        ]}]}));
        // kubectl set env deployment/d C=3 B=20
        let out = smp::<Deployment>(
            live.clone(),
            json!({"spec": {"template": {"spec": {
                "$setElementOrder/containers": [{"name": "app"}],
                "containers": [{
                    "$setElementOrder/env": [{"name": "A"}, {"name": "B"}, {"name": "C"}],
                    "env": [{"name": "B", "value": "20"}, {"name": "C", "value": "3"}],
                    "name": "app"
                }]
            }}}}),
        );
        assert_eq!(
            containers_of(&out)[0]["env"],
            json!([{"name": "A", "value": "1"}, {"name": "B", "value": "20"}, {"name": "C", "value": "3"}])
        );
        // kubectl set env deployment/d A-
        let out = smp::<Deployment>(
            live,
            json!({"spec": {"template": {"spec": {
                "$setElementOrder/containers": [{"name": "app"}],
                "containers": [{
                    "$setElementOrder/env": [{"name": "B"}],
                    "env": [{"$patch": "delete", "name": "A"}],
                    "name": "app"
                }]
            }}}}),
        );
        assert_eq!(
            containers_of(&out)[0]["env"],
            json!([{"name": "B", "value": "2"}])
        );
    }

    #[test]
    fn kubectl_rollout_restart_pause_resume() {
        let live = deployment(json!({"containers": [{"name": "app", "image": "a"}]}));
        let out = smp::<Deployment>(
            live,
            json!({"spec": {"template": {"metadata": {"annotations": {
                "kubectl.kubernetes.io/restartedAt": "2025-01-01T00:00:00Z"
            }}}}}),
        );
        assert_eq!(
            out["spec"]["template"]["metadata"],
            json!({"labels": {"app": "d"}, "annotations": {"kubectl.kubernetes.io/restartedAt": "2025-01-01T00:00:00Z"}})
        );
        let paused = smp::<Deployment>(out, json!({"spec": {"paused": true}}));
        assert_eq!(paused["spec"]["paused"], true);
        let resumed = smp::<Deployment>(paused, json!({"spec": {"paused": null}}));
        assert!(resumed["spec"].get("paused").is_none());
    }

    #[test]
    fn kubectl_apply_three_way_patch() {
        // Live object: a container and a sidecar, a hostPath volume, a
        // RollingUpdate strategy, an extra label added by someone else.
        let live = json!({
            "metadata": {
                "name": "d",
                "labels": {"app": "d", "team": "x", "other": "kept"},
                "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}"}
            },
            "spec": {
                "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
                "template": {"metadata": {"labels": {"app": "d"}}, "spec": {
                    "containers": [
                        {"name": "app", "image": "app:1", "args": ["--a", "--b"], "ports": [{"containerPort": 8080, "protocol": "TCP"}]},
                        {"name": "sidecar", "image": "side:1"}
                    ],
                    "volumes": [{"name": "data", "hostPath": {"path": "/data", "type": ""}}]
                }}
            }
        });
        // What `kubectl apply` sends after the manifest dropped the team
        // label and the sidecar, changed args, added a port, switched the
        // volume to emptyDir and the strategy to Recreate.
        let patch = json!({
            "metadata": {
                "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{\"new\":true}"},
                "labels": {"team": null}
            },
            "spec": {
                "strategy": {"$retainKeys": ["type"], "rollingUpdate": null, "type": "Recreate"},
                "template": {"spec": {
                    "$setElementOrder/containers": [{"name": "app"}],
                    "$setElementOrder/volumes": [{"name": "data"}],
                    "containers": [
                        {
                            "$setElementOrder/ports": [{"containerPort": 8080}, {"containerPort": 9090}],
                            "args": ["--a", "--c"],
                            "name": "app",
                            "ports": [{"containerPort": 9090, "name": "metrics"}]
                        },
                        {"$patch": "delete", "name": "sidecar"}
                    ],
                    "volumes": [{"$retainKeys": ["emptyDir", "name"], "emptyDir": {}, "hostPath": null, "name": "data"}]
                }}
            }
        });
        let out = smp::<Deployment>(live, patch);
        assert_eq!(
            out,
            json!({
                "metadata": {
                    "name": "d",
                    "labels": {"app": "d", "other": "kept"},
                    "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{\"new\":true}"}
                },
                "spec": {
                    "strategy": {"type": "Recreate"},
                    "template": {"metadata": {"labels": {"app": "d"}}, "spec": {
                        "containers": [
                            {"name": "app", "image": "app:1", "args": ["--a", "--c"], "ports": [
                                {"containerPort": 8080, "protocol": "TCP"},
                                {"containerPort": 9090, "name": "metrics"}
                            ]}
                        ],
                        "volumes": [{"name": "data", "emptyDir": {}}]
                    }}
                }
            })
        );
    }

    #[test]
    fn kubectl_edit_reorders_and_adds_containers() {
        let live =
            pod_with_containers(json!([{"name": "a", "image": "a"}, {"name": "b", "image": "b"}]));
        let out = smp::<Pod>(
            live,
            json!({"spec": {
                "$setElementOrder/containers": [{"name": "c"}, {"name": "b"}, {"name": "a"}],
                "containers": [{"image": "c", "name": "c"}]
            }}),
        );
        assert_eq!(
            out["spec"]["containers"],
            json!([{"name": "c", "image": "c"}, {"name": "b", "image": "b"}, {"name": "a", "image": "a"}])
        );
    }

    #[test]
    fn kubectl_cordon_and_taint_node() {
        let node = json!({"metadata": {"name": "n1"}, "spec": {"podCIDR": "10.0.0.0/24", "taints": [
            {"key": "a", "effect": "NoSchedule"}
        ]}});
        let out = smp::<Node>(node.clone(), json!({"spec": {"unschedulable": true}}));
        assert_eq!(out["spec"]["unschedulable"], true);
        // Taints carry no patch strategy: the list is replaced.
        let out = smp::<Node>(
            node,
            json!({"spec": {"taints": [{"effect": "NoExecute", "key": "b", "value": "v"}]}}),
        );
        assert_eq!(
            out["spec"]["taints"],
            json!([{"effect": "NoExecute", "key": "b", "value": "v"}])
        );
    }

    #[test]
    fn kubelet_node_status_patch_merges_conditions_by_type() {
        let node = json!({"status": {"conditions": [
            {"type": "MemoryPressure", "status": "False", "lastHeartbeatTime": "t1"},
            {"type": "Ready", "status": "True", "reason": "KubeletReady", "lastHeartbeatTime": "t1"}
        ], "addresses": [{"type": "InternalIP", "address": "10.0.0.1"}]}});
        let out = smp::<Node>(
            node,
            json!({"status": {
                "$setElementOrder/conditions": [{"type": "MemoryPressure"}, {"type": "Ready"}],
                "conditions": [{"lastHeartbeatTime": "t2", "type": "MemoryPressure"}, {"lastHeartbeatTime": "t2", "type": "Ready"}]
            }}),
        );
        assert_eq!(
            out["status"]["conditions"],
            json!([
                {"type": "MemoryPressure", "status": "False", "lastHeartbeatTime": "t2"},
                {"type": "Ready", "status": "True", "reason": "KubeletReady", "lastHeartbeatTime": "t2"}
            ])
        );
        assert_eq!(
            out["status"]["addresses"],
            json!([{"type": "InternalIP", "address": "10.0.0.1"}])
        );
    }

    #[test]
    fn kubelet_pod_status_patch() {
        let pod = json!({"metadata": {"uid": "u1"}, "status": {
            "phase": "Pending",
            "conditions": [{"type": "PodScheduled", "status": "True"}],
            "containerStatuses": [{"name": "app", "ready": false, "state": {"waiting": {"reason": "ContainerCreating"}}}]
        }});
        let out = smp::<Pod>(
            pod,
            json!({"metadata": {"uid": "u1"}, "status": {
                "$setElementOrder/conditions": [{"type": "Initialized"}, {"type": "Ready"}, {"type": "PodScheduled"}],
                "conditions": [{"status": "True", "type": "Initialized"}, {"status": "True", "type": "Ready"}],
                "containerStatuses": [{"name": "app", "ready": true, "state": {"running": {"startedAt": "t"}}}],
                "phase": "Running"
            }}),
        );
        assert_eq!(out["status"]["phase"], "Running");
        assert_eq!(
            out["status"]["conditions"],
            json!([
                {"status": "True", "type": "Initialized"},
                {"status": "True", "type": "Ready"},
                {"type": "PodScheduled", "status": "True"}
            ])
        );
        // containerStatuses has no patch strategy: replaced.
        assert_eq!(
            out["status"]["containerStatuses"],
            json!([{"name": "app", "ready": true, "state": {"running": {"startedAt": "t"}}}])
        );
    }

    #[test]
    fn service_ports_merge_by_port() {
        let svc = json!({"spec": {"ports": [{"port": 80, "targetPort": 8080, "protocol": "TCP"}], "selector": {"app": "a"}}});
        let out = smp::<Service>(
            svc,
            json!({"spec": {
                "$setElementOrder/ports": [{"port": 80}, {"port": 443}],
                "ports": [{"port": 80, "targetPort": 9090}, {"port": 443, "targetPort": 8443}],
                "selector": {"app": "b"}
            }}),
        );
        assert_eq!(
            out["spec"],
            json!({"ports": [
                {"port": 80, "targetPort": 9090, "protocol": "TCP"},
                {"port": 443, "targetPort": 8443}
            ], "selector": {"app": "b"}})
        );
    }

    #[test]
    fn owner_references_merge_by_uid_and_finalizers_as_a_set() {
        let obj = json!({"metadata": {
            "ownerReferences": [{"uid": "1", "kind": "ReplicaSet", "name": "rs"}],
            "finalizers": ["a", "b"]
        }});
        let out = smp::<Pod>(
            obj,
            json!({"metadata": {
                "ownerReferences": [{"uid": "1", "blockOwnerDeletion": true}, {"uid": "2", "kind": "X", "name": "x"}],
                "finalizers": ["c", "a"]
            }}),
        );
        assert_eq!(
            out["metadata"]["ownerReferences"],
            json!([
                {"uid": "1", "kind": "ReplicaSet", "name": "rs", "blockOwnerDeletion": true},
                {"uid": "2", "kind": "X", "name": "x"}
            ])
        );
        // Patch items come in patch order; the server-only "b" is placed
        // before the first patch item that follows it in the live list ("a"
        // does not, "c" is not in it), so it lands last.
        assert_eq!(out["metadata"]["finalizers"], json!(["c", "a", "b"]));
    }

    #[test]
    fn delete_from_primitive_list() {
        let obj = json!({"metadata": {"finalizers": ["a", "b", "c"]}, "spec": {"containers": [
            {"name": "c", "args": ["x", "y", "z"]}
        ]}});
        let out = smp::<Pod>(
            obj.clone(),
            json!({"metadata": {"$deleteFromPrimitiveList/finalizers": ["b"]}}),
        );
        assert_eq!(out["metadata"]["finalizers"], json!(["a", "c"]));
        // With the order directive kubectl apply adds.
        let out = smp::<Pod>(
            obj.clone(),
            json!({"metadata": {"$deleteFromPrimitiveList/finalizers": ["b"], "$setElementOrder/finalizers": ["c", "a"]}}),
        );
        assert_eq!(out["metadata"]["finalizers"], json!(["c", "a"]));
        // Also works on lists without merge strategy.
        let out = smp::<Pod>(
            obj.clone(),
            json!({"spec": {"containers": [{"name": "c", "$deleteFromPrimitiveList/args": ["y"]}]}}),
        );
        assert_eq!(out["spec"]["containers"][0]["args"], json!(["x", "z"]));
        // Deleting what is absent, or from an absent list, adds nothing.
        let out = smp::<Pod>(
            obj.clone(),
            json!({"metadata": {"$deleteFromPrimitiveList/finalizers": ["q"], "$deleteFromPrimitiveList/nope": ["q"]}}),
        );
        assert_eq!(out, obj);
        // A malformed key is a 400.
        let err = smp_err::<Pod>(
            obj,
            json!({"metadata": {"$deleteFromPrimitiveList": ["a"]}}),
        );
        assert!(matches!(err, Error::BadPatchFormatForPrimitiveList));
        assert_eq!(err.status().code, 400);
    }

    #[test]
    fn finalizer_removal_by_controllers_and_merge_order() {
        // Upstream: original [1,2,3] + patch [3,1] gives [2,3,1].
        let obj = json!({"metadata": {"finalizers": ["1", "2", "3"]}});
        let out = smp::<Pod>(obj.clone(), json!({"metadata": {"finalizers": ["3", "1"]}}));
        assert_eq!(out["metadata"]["finalizers"], json!(["2", "3", "1"]));
        let out = smp::<Pod>(
            obj.clone(),
            json!({"metadata": {"finalizers": ["3", "1", "2"]}}),
        );
        assert_eq!(out["metadata"]["finalizers"], json!(["3", "1", "2"]));
        // Unique values only.
        let out = smp::<Pod>(
            json!({"metadata": {"finalizers": ["1", "2"]}}),
            json!({"metadata": {"finalizers": ["2", "3"]}}),
        );
        assert_eq!(out["metadata"]["finalizers"], json!(["1", "2", "3"]));
        // Removing all finalizers.
        let out = smp::<Pod>(obj, json!({"metadata": {"finalizers": null}}));
        assert!(out["metadata"].get("finalizers").is_none());
    }

    // ---- ordering (upstream patch_test.go cases, on containers) ----------

    #[test]
    fn merging_list_keeps_patch_order() {
        let live = pod_with_containers(json!([
            {"name": "1"}, {"name": "2", "image": "b"}, {"name": "3"}
        ]));
        let out = smp::<Pod>(
            live.clone(),
            json!({"spec": {"containers": [
                {"name": "3", "image": "c"}, {"name": "1", "image": "a"}, {"name": "2", "workingDir": "x"}
            ]}}),
        );
        assert_eq!(
            out["spec"]["containers"],
            json!([{"name": "3", "image": "c"}, {"name": "1", "image": "a"}, {"name": "2", "image": "b", "workingDir": "x"}])
        );
        let out = smp::<Pod>(
            live,
            json!({"spec": {"containers": [{"name": "3", "image": "c"}, {"name": "1", "image": "a"}]}}),
        );
        assert_eq!(
            out["spec"]["containers"],
            json!([{"name": "2", "image": "b"}, {"name": "3", "image": "c"}, {"name": "1", "image": "a"}])
        );
    }

    #[test]
    fn set_element_order_with_server_only_items() {
        let live = pod_with_containers(json!([
            {"name": "1", "image": "a"}, {"name": "2"}, {"name": "9"}, {"name": "3"}, {"name": "4"}
        ]));
        let out = smp::<Pod>(
            live,
            json!({"spec": {"$setElementOrder/containers": [{"name": "2"}, {"name": "1"}, {"name": "4"}, {"name": "3"}]}}),
        );
        let names: Vec<&str> = out["spec"]["containers"]
            .as_array()
            .map(|l| l.iter().filter_map(|c| c["name"].as_str()).collect())
            .unwrap_or_default();
        assert_eq!(names, ["2", "1", "9", "4", "3"]);

        let live = pod_with_containers(json!([
            {"name": "1"}, {"name": "2"}, {"name": "7"}, {"name": "9"}, {"name": "8"}, {"name": "3"}, {"name": "4"}
        ]));
        let out = smp::<Pod>(
            live,
            json!({"spec": {"$setElementOrder/containers": [{"name": "2"}, {"name": "1"}, {"name": "4"}, {"name": "3"}]}}),
        );
        let names: Vec<&str> = out["spec"]["containers"]
            .as_array()
            .map(|l| l.iter().filter_map(|c| c["name"].as_str()).collect())
            .unwrap_or_default();
        assert_eq!(names, ["2", "1", "7", "9", "8", "4", "3"]);
    }

    #[test]
    fn set_element_order_naming_absent_items() {
        let live = pod_with_containers(json!([{"name": "1"}, {"name": "3"}]));
        let out = smp::<Pod>(
            live,
            json!({"spec": {
                "$setElementOrder/containers": [{"name": "3"}, {"name": "2"}, {"name": "1"}],
                "containers": [{"name": "3", "image": "3"}, {"name": "1", "image": "1"}]
            }}),
        );
        assert_eq!(
            out["spec"]["containers"],
            json!([{"name": "3", "image": "3"}, {"name": "1", "image": "1"}])
        );
        let out = smp::<Pod>(
            json!({"metadata": {"finalizers": ["1", "3"]}}),
            json!({"metadata": {"$setElementOrder/finalizers": ["3", "2", "1"]}}),
        );
        assert_eq!(out["metadata"]["finalizers"], json!(["3", "1"]));
    }

    #[test]
    fn set_element_order_with_duplicates() {
        let live = pod_with_containers(json!([
            {"name": "1"}, {"name": "2", "image": "dup1"}, {"name": "3"}, {"name": "2", "image": "dup2"}, {"name": "4"}
        ]));
        let out = smp::<Pod>(
            live,
            json!({"spec": {"$setElementOrder/containers": [
                {"name": "2"}, {"name": "1"}, {"name": "4"}, {"name": "3"}, {"name": "2"}
            ]}}),
        );
        assert_eq!(
            out["spec"]["containers"],
            json!([{"name": "2", "image": "dup1"}, {"name": "2", "image": "dup2"}, {"name": "1"}, {"name": "4"}, {"name": "3"}])
        );
    }

    #[test]
    fn delete_and_reorder_in_two_lists() {
        let live = json!({"spec": {
            "containers": [{"name": "a", "image": "a"}, {"name": "b", "image": "b"}],
            "initContainers": [{"name": "c", "image": "c"}, {"name": "d", "image": "d"}]
        }});
        let out = smp::<Pod>(
            live,
            json!({"spec": {
                "$setElementOrder/containers": [{"name": "b"}],
                "$setElementOrder/initContainers": [{"name": "d"}, {"name": "c"}],
                "containers": [{"$patch": "delete", "name": "a"}]
            }}),
        );
        assert_eq!(
            out["spec"],
            json!({
                "containers": [{"name": "b", "image": "b"}],
                "initContainers": [{"name": "d", "image": "d"}, {"name": "c", "image": "c"}]
            })
        );
    }

    #[test]
    fn set_element_order_must_match_patch_order() {
        let live = pod_with_containers(json!([{"name": "1"}, {"name": "3"}, {"name": "2"}]));
        let err = smp_err::<Pod>(
            live,
            json!({"spec": {
                "$setElementOrder/containers": [{"name": "1"}, {"name": "2"}, {"name": "3"}],
                "containers": [{"name": "3", "image": "3"}, {"name": "1", "image": "1"}]
            }}),
        );
        assert!(matches!(err, Error::SetElementOrderMismatch { .. }));
        assert_eq!(
            err.to_string(),
            "The order in patch list:\n[map[image:3 name:3] map[image:1 name:1]]\n doesn't match $setElementOrder list:\n[map[name:1] map[name:2] map[name:3]]\n"
        );
        let err = smp_err::<Pod>(
            json!({"metadata": {"finalizers": ["1", "3", "2"]}}),
            json!({"metadata": {"$setElementOrder/finalizers": ["1", "2", "3"], "finalizers": ["3", "1"]}}),
        );
        assert!(err.to_string().contains("doesn't match"));
        let err = smp_err::<Pod>(
            json!({"metadata": {"finalizers": ["1"]}}),
            json!({"metadata": {"$setElementOrderfinalizers": ["1"]}}),
        );
        assert!(matches!(err, Error::BadPatchFormatForSetElementOrderList));
        assert_eq!(err.status().code, 400);
    }

    fn names(list: &Value) -> Vec<&str> {
        list.as_array()
            .map(|l| l.iter().filter_map(|c| c["name"].as_str()).collect())
            .unwrap_or_default()
    }

    #[test]
    fn add_and_delete_with_server_only_items() {
        // Upstream "add map and delete map from merging list": the new item
        // lands after the server-only one, because upstream orders by the
        // live slice its own deletion and append rewrote in place.
        let live = pod_with_containers(json!([
            {"name": "1"}, {"name": "2", "workingDir": "b"}, {"name": "4", "workingDir": "c"}
        ]));
        let out = smp::<Pod>(
            live,
            json!({"spec": {
                "$setElementOrder/containers": [{"name": "2"}, {"name": "3"}],
                "containers": [{"name": "3"}, {"name": "1", "$patch": "delete"}]
            }}),
        );
        assert_eq!(
            out["spec"]["containers"],
            json!([{"name": "2", "workingDir": "b"}, {"name": "4", "workingDir": "c"}, {"name": "3"}])
        );

        // Upstream "add and delete an item in a list and preserve order".
        let live = pod_with_containers(json!([
            {"name": "1", "workingDir": "a"}, {"name": "2", "image": "2", "workingDir": "b"}, {"name": "3", "image": "3"}
        ]));
        let out = smp::<Pod>(
            live,
            json!({"spec": {
                "$setElementOrder/containers": [{"name": "4"}, {"name": "2"}, {"name": "1"}],
                "containers": [{"name": "4", "image": "4"}, {"name": "3", "$patch": "delete"}]
            }}),
        );
        assert_eq!(
            out["spec"]["containers"],
            json!([
                {"name": "4", "image": "4"},
                {"name": "2", "image": "2", "workingDir": "b"},
                {"name": "1", "workingDir": "a"}
            ])
        );

        // Upstream "merge lists of maps" (three-way result).
        let live = pod_with_containers(json!([
            {"name": "1", "workingDir": "a"}, {"name": "2", "image": "2", "workingDir": "b"}
        ]));
        let out = smp::<Pod>(
            live,
            json!({"spec": {
                "$setElementOrder/containers": [{"name": "4"}, {"name": "1"}, {"name": "2"}, {"name": "3"}],
                "containers": [{"name": "4", "image": "4"}, {"name": "3", "image": "3"}]
            }}),
        );
        assert_eq!(names(&out["spec"]["containers"]), ["4", "1", "2", "3"]);

        // Upstream "merge lists of scalars": a server-only value stays last.
        let out = smp::<Pod>(
            json!({"metadata": {"finalizers": ["1", "2", "4"]}}),
            json!({"metadata": {"$setElementOrder/finalizers": ["1", "2", "3"], "finalizers": ["3"]}}),
        );
        assert_eq!(out["metadata"]["finalizers"], json!(["1", "2", "3", "4"]));
    }

    #[test]
    fn kubectl_apply_renames_a_port_next_to_a_server_added_one() {
        // Live ports: 80 and 443 from the manifest, 9000 added by a
        // controller. The manifest renames 443 to 8443.
        let live = pod_with_containers(json!([{"name": "c", "ports": [
            {"containerPort": 80}, {"containerPort": 443}, {"containerPort": 9000}
        ]}]));
        let out = smp::<Pod>(
            live,
            json!({"spec": {
                "$setElementOrder/containers": [{"name": "c"}],
                "containers": [{
                    "$setElementOrder/ports": [{"containerPort": 80}, {"containerPort": 8443}],
                    "name": "c",
                    "ports": [{"containerPort": 8443}, {"$patch": "delete", "containerPort": 443}]
                }]
            }}),
        );
        let ports: Vec<i64> = out["spec"]["containers"][0]["ports"]
            .as_array()
            .map(|l| {
                l.iter()
                    .filter_map(|p| p["containerPort"].as_i64())
                    .collect()
            })
            .unwrap_or_default();
        // In upstream's view of the live list, deleting 443 shifted 9000
        // into its slot and 8443 was appended into the vacated last slot, so
        // the server-only 9000 sorts before 8443.
        assert_eq!(ports, [80, 9000, 8443]);
    }

    #[test]
    fn delete_from_primitive_list_with_order_and_server_only_values() {
        // Upstream "delete items in lists of scalars" and "delete all
        // duplicate items in lists of scalars" (three-way results).
        let out = smp::<Pod>(
            json!({"metadata": {"finalizers": ["1", "2", "3", "4"]}}),
            json!({"metadata": {"$setElementOrder/finalizers": ["1", "2"], "$deleteFromPrimitiveList/finalizers": ["3"]}}),
        );
        assert_eq!(out["metadata"]["finalizers"], json!(["1", "2", "4"]));
        let out = smp::<Pod>(
            json!({"metadata": {"finalizers": ["1", "2", "3", "3", "4"]}}),
            json!({"metadata": {"$setElementOrder/finalizers": ["1", "2"], "$deleteFromPrimitiveList/finalizers": ["3"]}}),
        );
        assert_eq!(out["metadata"]["finalizers"], json!(["1", "2", "4"]));
        // "add and delete items in lists of scalars" (two-way).
        let out = smp::<Pod>(
            json!({"metadata": {"finalizers": ["1", "2", "3"]}}),
            json!({"metadata": {
                "$setElementOrder/finalizers": ["1", "2", "4"],
                "$deleteFromPrimitiveList/finalizers": ["3"],
                "finalizers": ["4"]
            }}),
        );
        assert_eq!(out["metadata"]["finalizers"], json!(["1", "2", "4"]));
    }

    #[test]
    fn nested_merge_with_delete_of_absent_item() {
        // Upstream "nested patch merge with empty list".
        let live = json!({"spec": {"hostname": "hi"}});
        let out = smp::<Pod>(
            live,
            json!({"spec": {"containers": [{"name": "hello"}, {"$patch": "delete", "name": "doesntexist"}]}}),
        );
        assert_eq!(
            out["spec"],
            json!({"hostname": "hi", "containers": [{"name": "hello"}]})
        );
        let live = pod_with_containers(json!([{"name": "hello2"}]));
        let out = smp::<Pod>(
            live,
            json!({"spec": {
                "$setElementOrder/containers": [{"name": "hello"}, {"name": "doesntexist"}],
                "containers": [{"name": "hello"}]
            }}),
        );
        assert_eq!(names(&out["spec"]["containers"]), ["hello", "hello2"]);
    }

    #[test]
    fn retain_keys_with_nested_order_directive() {
        // In the spirit of upstream "retainKeys map nested ... with no
        // change": `$retainKeys` clears the other union member, the kept
        // one still merges key by key.
        let live = json!({"spec": {"volumes": [{"name": "v", "configMap": {"name": "c", "items": [{"key": "a", "path": "a"}]}, "emptyDir": {}}]}});
        let out = smp::<Pod>(
            live,
            json!({"spec": {
                "$setElementOrder/volumes": [{"name": "v"}],
                "volumes": [{"$retainKeys": ["configMap", "name"], "name": "v", "configMap": {"defaultMode": 420}}]
            }}),
        );
        assert_eq!(
            out["spec"]["volumes"],
            json!([{"name": "v", "configMap": {"name": "c", "items": [{"key": "a", "path": "a"}], "defaultMode": 420}}])
        );
    }

    #[test]
    fn nulls_in_new_values_follow_upstream() {
        let schema = PatchSchema::unstructured();
        let apply = |original: Value, patch: Value| {
            strategic_merge(&original, &patch, &schema).unwrap_or_else(|e| panic!("{e}"))
        };
        // Upstream TestUnknownField cases, on a schema-less object.
        assert_eq!(
            apply(
                json!({}),
                json!({"complex": {"nested": null, "nested2": "foo"}})
            ),
            json!({"complex": {"nested2": "foo"}})
        );
        assert_eq!(
            apply(
                json!({}),
                json!({"l": [{"inner": {"a": "foo", "b": null}}]})
            ),
            json!({"l": [{"inner": {"a": "foo"}}]})
        );
        assert_eq!(
            apply(json!({}), json!({"l": ["key1", null, "key2"]})),
            json!({"l": ["key1", null, "key2"]})
        );
        assert_eq!(
            apply(json!({"thing": null}), json!({"nested": {"value": 5}})),
            json!({"thing": null, "nested": {"value": 5}})
        );
        assert_eq!(
            apply(
                json!({"name": "foo", "scalar": true, "complex": {"nested": true}}),
                json!({"complex": null, "scalar": null})
            ),
            json!({"name": "foo"})
        );
        // A list added through $setElementOrder keeps its nulls (upstream
        // only strips directives on that path).
        let out = smp::<Pod>(
            json!({"spec": {}}),
            json!({"spec": {"$setElementOrder/containers": [{"name": "a"}], "containers": [{"name": "a", "image": null}]}}),
        );
        assert_eq!(
            out["spec"]["containers"],
            json!([{"name": "a", "image": null}])
        );
    }

    // ---- directives ----------------------------------------------------

    #[test]
    fn patch_directives_on_maps() {
        let live = json!({"spec": {"nodeSelector": {"disk": "hdd", "zone": "a"}, "securityContext": {"runAsUser": 1}}});
        let out = smp::<Pod>(
            live.clone(),
            json!({"spec": {"nodeSelector": {"$patch": "replace", "disk": "ssd"}}}),
        );
        assert_eq!(out["spec"]["nodeSelector"], json!({"disk": "ssd"}));
        let out = smp::<Pod>(
            live.clone(),
            json!({"spec": {"securityContext": {"$patch": "delete"}}}),
        );
        assert_eq!(out["spec"]["securityContext"], json!({}));
        // A directive on a map the live object lacks drops the key.
        let out = smp::<Pod>(
            live.clone(),
            json!({"spec": {"affinity": {"$patch": "delete"}}}),
        );
        assert!(out["spec"].get("affinity").is_none());
        // `$patch: replace` at the top replaces the whole object.
        let out = smp::<Pod>(live.clone(), json!({"$patch": "replace", "kind": "Pod"}));
        assert_eq!(out, json!({"kind": "Pod"}));
        // Unknown directives are errors, `merge` included (maps only know
        // replace and delete).
        let err = smp_err::<Pod>(
            live.clone(),
            json!({"spec": {"nodeSelector": {"$patch": "foo", "a": "b"}}}),
        );
        assert_eq!(
            err.to_string(),
            "unknown patch type: foo in map: map[$patch:foo a:b]"
        );
        assert_eq!(err.status().code, 500);
        let err = smp_err::<Pod>(
            live.clone(),
            json!({"spec": {"nodeSelector": {"$patch": "merge"}}}),
        );
        assert!(matches!(err, Error::BadPatchType { .. }));
        let err = smp_err::<Pod>(live, json!({"spec": {"nodeSelector": {"$patch": 1}}}));
        assert_eq!(
            err.to_string(),
            "unknown patch type: %!s(int64=1) in map: map[$patch:1]"
        );
    }

    #[test]
    fn patch_directives_in_lists() {
        let live = pod_with_containers(
            json!([{"name": "1"}, {"name": "1"}, {"name": "2", "image": "a"}, {"name": "3"}, {"name": "3"}]),
        );
        // Deleting removes every duplicate.
        let out = smp::<Pod>(
            live.clone(),
            json!({"spec": {"containers": [{"name": "1", "$patch": "delete"}, {"name": "3", "$patch": "delete"}]}}),
        );
        assert_eq!(
            out["spec"]["containers"],
            json!([{"name": "2", "image": "a"}])
        );
        // Deleting an absent item is fine.
        let out = smp::<Pod>(
            live.clone(),
            json!({"spec": {"containers": [{"name": "x", "$patch": "delete"}]}}),
        );
        assert_eq!(out["spec"]["containers"], live["spec"]["containers"]);
        // `$patch: replace` replaces the list with the other items.
        let out = smp::<Pod>(
            live.clone(),
            json!({"spec": {"containers": [{"name": "n", "image": "n"}, {"$patch": "replace"}]}}),
        );
        assert_eq!(
            out["spec"]["containers"],
            json!([{"name": "n", "image": "n"}])
        );
        let out = smp::<Pod>(
            live.clone(),
            json!({"spec": {"containers": [{"$patch": "replace"}]}}),
        );
        assert_eq!(out["spec"]["containers"], json!([]));
        let err = smp_err::<Pod>(
            live.clone(),
            json!({"spec": {"containers": [{"name": "1", "$patch": "merge"}]}}),
        );
        assert_eq!(
            err.to_string(),
            "merging lists cannot yet be specified in the patch"
        );
        let err = smp_err::<Pod>(
            live.clone(),
            json!({"spec": {"containers": [{"name": "1", "$patch": "zap"}]}}),
        );
        assert_eq!(
            err.to_string(),
            "unknown patch type: zap in map: map[$patch:zap name:1]"
        );
        let err = smp_err::<Pod>(
            live,
            json!({"spec": {"containers": [{"$patch": "delete"}]}}),
        );
        assert_eq!(
            err.to_string(),
            "map: map[$patch:delete] does not contain declared merge key: name"
        );
    }

    #[test]
    fn retain_keys() {
        let live = json!({"spec": {"volumes": [
            {"name": "a", "hostPath": {"path": "/a"}},
            {"name": "b", "configMap": {"name": "cm"}}
        ]}});
        let out = smp::<Pod>(
            live.clone(),
            json!({"spec": {"volumes": [{"$retainKeys": ["name", "secret"], "name": "b", "secret": {"secretName": "s"}}]}}),
        );
        assert_eq!(
            out["spec"]["volumes"],
            json!([{"name": "a", "hostPath": {"path": "/a"}}, {"name": "b", "secret": {"secretName": "s"}}])
        );
        // Without the directive the union is merged (both sources kept).
        let out = smp::<Pod>(
            live.clone(),
            json!({"spec": {"volumes": [{"name": "b", "secret": {"secretName": "s"}}]}}),
        );
        assert_eq!(
            out["spec"]["volumes"][1],
            json!({"name": "b", "configMap": {"name": "cm"}, "secret": {"secretName": "s"}})
        );
        // Patch keys must be listed.
        let err = smp_err::<Pod>(
            live.clone(),
            json!({"spec": {"volumes": [{"$retainKeys": ["name"], "name": "b", "secret": {}}]}}),
        );
        assert!(matches!(err, Error::BadPatchFormatForRetainKeys));
        assert_eq!(err.status().code, 400);
        let err = smp_err::<Pod>(
            live,
            json!({"spec": {"volumes": [{"$retainKeys": "name", "name": "b"}]}}),
        );
        assert!(matches!(err, Error::BadPatchFormatForRetainKeys));
        // The deployment strategy union.
        let d = json!({"spec": {"strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}}}});
        let out = smp::<Deployment>(
            d.clone(),
            json!({"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}}}),
        );
        assert_eq!(out["spec"]["strategy"], json!({"type": "Recreate"}));
        let out = smp::<Deployment>(
            d,
            json!({"spec": {"strategy": {"$retainKeys": ["type", "rollingUpdate"]}}}),
        );
        assert_eq!(
            out["spec"]["strategy"],
            json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}})
        );
    }

    #[test]
    fn replace_strategy_on_a_map() {
        // PodDisruptionBudget.spec.selector is tagged patchStrategy=replace.
        let pdb = json!({"spec": {"minAvailable": 1, "selector": {"matchLabels": {"a": "1"}, "matchExpressions": [{"key": "k", "operator": "Exists"}]}}});
        let out = smp::<PodDisruptionBudget>(
            pdb,
            json!({"spec": {"selector": {"matchLabels": {"b": "2"}}}}),
        );
        assert_eq!(
            out["spec"],
            json!({"minAvailable": 1, "selector": {"matchLabels": {"b": "2"}}})
        );
        // The same patch on a Deployment selector merges.
        let d = json!({"spec": {"selector": {"matchLabels": {"a": "1"}}}});
        let out = smp::<Deployment>(
            d,
            json!({"spec": {"selector": {"matchLabels": {"b": "2"}}}}),
        );
        assert_eq!(
            out["spec"]["selector"],
            json!({"matchLabels": {"a": "1", "b": "2"}})
        );
    }

    // ---- nulls, types, values -------------------------------------------

    #[test]
    fn nulls_and_new_values() {
        let live = json!({"metadata": {"labels": {"a": "1", "b": "2"}}, "spec": {"containers": [{"name": "c", "image": "i"}]}});
        let out = smp::<Pod>(
            live,
            json!({
                "metadata": {"labels": {"a": null, "missing": null}},
                "spec": {
                    // New key: nulls and directives inside are dropped.
                    "securityContext": {"runAsUser": 1, "runAsGroup": null, "seLinuxOptions": {"$patch": "delete"}},
                    // New list item: taken as sent (and, without
                    // $setElementOrder, placed before the live items).
                    "containers": [{"name": "d", "image": "j", "resources": null}]
                }
            }),
        );
        assert_eq!(out["metadata"]["labels"], json!({"b": "2"}));
        assert_eq!(out["spec"]["securityContext"], json!({"runAsUser": 1}));
        assert_eq!(
            out["spec"]["containers"],
            json!([{"name": "d", "image": "j", "resources": null}, {"name": "c", "image": "i"}])
        );
    }

    #[test]
    fn type_changes_replace() {
        let live = json!({"spec": {"nodeSelector": {"a": "b"}, "hostname": "h", "priority": 1}});
        let out = smp::<Pod>(
            live,
            json!({"spec": {"nodeSelector": "oops", "hostname": {"x": null, "y": 1}, "priority": 1.5}}),
        );
        assert_eq!(
            out["spec"],
            json!({"nodeSelector": "oops", "hostname": {"y": 1}, "priority": 1.5})
        );
    }

    #[test]
    fn null_and_empty_patches() {
        let live = pod_with_containers(json!([{"name": "a"}]));
        assert_eq!(smp::<Pod>(live.clone(), Value::Null), live);
        assert_eq!(smp::<Pod>(live.clone(), json!({})), live);
        assert_eq!(
            smp::<Pod>(live.clone(), json!({"spec": {"containers": []}})),
            live
        );
        let out = smp::<Pod>(
            json!({"spec": {"containers": []}}),
            json!({"spec": {"containers": []}}),
        );
        assert_eq!(out["spec"]["containers"], json!([]));
    }

    // ---- errors -----------------------------------------------------------

    #[test]
    fn missing_merge_key() {
        let live = pod_with_containers(json!([{"name": "a", "image": "x"}]));
        let err = smp_err::<Pod>(live, json!({"spec": {"containers": [{"image": "nginx"}]}}));
        assert_eq!(
            err.to_string(),
            "map: map[image:nginx] does not contain declared merge key: name"
        );
        let status = err.status();
        assert_eq!((status.code, status.reason), (500, ""));
    }

    #[test]
    fn list_type_errors() {
        let err = smp_err::<Pod>(
            json!({"metadata": {"finalizers": []}}),
            json!({"metadata": {"finalizers": [["a"]]}}),
        );
        assert!(matches!(err, Error::NoListOfLists));
        assert_eq!(err.status().code, 422);
        let err = smp_err::<Pod>(
            json!({"metadata": {"finalizers": ["a"]}}),
            json!({"metadata": {"finalizers": [1]}}),
        );
        assert_eq!(
            err.to_string(),
            "list element types are not identical: [[a] [1]]"
        );
        let err = smp_err::<Pod>(
            json!({"spec": {"containers": [{"name": "a"}]}}),
            json!({"spec": {"containers": ["a"]}}),
        );
        assert!(matches!(err, Error::ElementTypesNotIdentical { .. }));
        // A merged list of objects without merge key.
        let err = smp_err::<Pod>(
            json!({"metadata": {"finalizers": []}}),
            json!({"metadata": {"finalizers": [{"a": 1}]}}),
        );
        assert_eq!(
            err.to_string(),
            "cannot merge lists without merge key for string"
        );
        let err = smp_err::<Pod>(
            json!({"spec": {"containers": []}}),
            json!({"spec": {"$setElementOrder/containers": []}}),
        );
        assert!(matches!(err, Error::NoElements));
        let err = smp_err::<Pod>(
            json!({"spec": {"containers": [{"name": "a"}]}}),
            json!({"spec": {"$setElementOrder/containers": {"name": "a"}}}),
        );
        assert_eq!(
            err.to_string(),
            "expected a []interface {}, but received a map[string]interface {}"
        );
    }

    #[test]
    fn rejects_non_object_documents() {
        let schema = PatchSchema::of::<Pod>();
        let err = strategic_merge(&json!({}), &json!([1]), &schema).expect_err("array patch");
        assert_eq!(
            err.to_string(),
            "json: cannot unmarshal array into Go value of type map[string]interface {}"
        );
        assert_eq!(err.status().code, 400);
        let err = strategic_merge(&json!([]), &json!({}), &schema).expect_err("array doc");
        assert!(matches!(err, Error::BadJsonDoc));
    }

    // ---- schema-less objects ----------------------------------------------

    #[test]
    fn unstructured_objects_merge_maps_and_replace_lists() {
        let cr = json!({"apiVersion": "example.com/v1", "kind": "Widget", "spec": {
            "items": [{"name": "a", "v": 1}, {"name": "b"}],
            "config": {"a": 1, "b": 2},
            "tags": ["x"]
        }});
        let out = strategic_merge(
            &cr,
            &json!({"spec": {"items": [{"name": "a", "v": 2}], "config": {"a": null, "c": 3}, "tags": ["y"]}}),
            &PatchSchema::unstructured(),
        )
        .expect("applies");
        assert_eq!(
            out["spec"],
            json!({"items": [{"name": "a", "v": 2}], "config": {"b": 2, "c": 3}, "tags": ["y"]})
        );
        // Fields of a known type without a schema of their own (RawExtension,
        // JSON) behave the same: here a ControllerRevision's data.
        use k8s_openapi::api::apps::v1::ControllerRevision;
        let rev = json!({"revision": 1, "data": {"spec": {"template": {"spec": {"containers": [{"name": "a"}]}}}}});
        let out = smp::<ControllerRevision>(
            rev,
            json!({"data": {"spec": {"template": {"spec": {"containers": [{"name": "b"}]}}}}}),
        );
        assert_eq!(
            out["data"]["spec"]["template"]["spec"]["containers"],
            json!([{"name": "b"}])
        );
    }

    // ---- hostile input -------------------------------------------------------

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let mut patch = json!("leaf");
        let mut original = json!("leaf");
        for _ in 0..(MAX_DEPTH + 50) {
            patch = json!({ "a": patch });
            original = json!({ "a": original });
        }
        let schema = PatchSchema::unstructured();
        let err = strategic_merge(&original, &patch, &schema).expect_err("too deep");
        assert!(matches!(err, Error::TooDeep { .. }));
        // Also when the deep value is new (taken after cleaning).
        let err = strategic_merge(&json!({}), &patch, &schema).expect_err("too deep");
        assert!(matches!(err, Error::TooDeep { .. }));
        // And through lists.
        let mut patch = json!(1);
        for _ in 0..(MAX_DEPTH + 50) {
            patch = json!([patch]);
        }
        let err =
            strategic_merge(&json!({}), &json!({ "x": patch }), &schema).expect_err("too deep");
        assert!(matches!(err, Error::TooDeep { .. }));
    }

    #[test]
    fn large_lists_merge_fast() {
        // 20k env vars: quadratic algorithms would take minutes.
        let n = 20_000;
        let live_env: Vec<Value> = (0..n)
            .rev()
            .map(|i| json!({"name": format!("V{i}"), "value": "x"}))
            .collect();
        let patch_env: Vec<Value> = (0..n)
            .map(|i| json!({"name": format!("V{i}"), "value": "y"}))
            .collect();
        let order: Vec<Value> = (0..n).map(|i| json!({"name": format!("V{i}")})).collect();
        let live = pod_with_containers(json!([{"name": "c", "env": live_env}]));
        let start = std::time::Instant::now();
        let out = smp::<Pod>(
            live,
            json!({"spec": {"containers": [{"name": "c", "env": patch_env, "$setElementOrder/env": order}]}}),
        );
        assert!(start.elapsed() < std::time::Duration::from_secs(20));
        let env = out["spec"]["containers"][0]["env"].as_array().map(Vec::len);
        assert_eq!(env, Some(n));
        assert_eq!(
            out["spec"]["containers"][0]["env"][0],
            json!({"name": "V0", "value": "y"})
        );
    }

    // ---- Go's stable sort -----------------------------------------------------

    #[test]
    fn go_stable_sort_is_a_stable_sort() {
        // Deterministic pseudo-random keys with many ties.
        let mut x: u64 = 42;
        for n in [0usize, 1, 2, 19, 20, 21, 40, 41, 100, 1000] {
            let mut v: Vec<(u64, usize)> = (0..n)
                .map(|i| {
                    x = x
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    ((x >> 33) % 7, i)
                })
                .collect();
            let mut expected = v.clone();
            expected.sort_by_key(|p| p.0);
            go_stable_sort(&mut v, |a, b| a.0 < b.0);
            assert_eq!(v, expected, "n = {n}");
        }
    }
}
