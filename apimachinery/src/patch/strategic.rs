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
            if !is_delete_list {
                if let Some(v) = cleaned_patch_value(patch_value, depth)? {
                    original.insert(key, v);
                }
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
        let server_order = match element_kind {
            Ok(kind) => order_keys(original_list.as_deref().unwrap_or(empty), merge_key, kind),
            Err(_) => Vec::new(),
        };

        let merged = match (original_list, patch_list) {
            (Some(o), None) => o,
            (None, Some(p)) => remove_directives_list(p, depth)?,
            (Some(o), Some(p)) => merge_slice_handler(
                o,
                p,
                item_schema,
                base_strategy(meta),
                merge_key,
                false,
                depth + 1,
            )?,
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
        if let Some(bad) = first_non_map {
            if found.is_none_or(|p| p > bad) {
                return Err(Error::NotAMap { index: bad });
            }
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
