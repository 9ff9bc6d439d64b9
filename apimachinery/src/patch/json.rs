//! JSON patch (RFC 6902, `application/json-patch+json`) with the behaviour of
//! the library kube-apiserver uses, gopkg.in/evanphx/json-patch.v4 (v4.13),
//! including its quirks and error wording.
//!
//! k8s: staging/src/k8s.io/apiserver/pkg/endpoints/handlers/patch.go
//! (`applyJSPatch`: at most 10000 operations, copies limited to 3 MiB of
//! growth) and github.com/evanphx/json-patch patch.go.
//!
//! Quirks kept on purpose, because clients observe them:
//! * `replace` of a missing object key adds it (only array indexes are
//!   checked);
//! * negative array indexes count from the end;
//! * a path must start with `/` or its first segment is ignored
//!   (`a/b` addresses `/b`); `add` to the empty path fails;
//! * `test` treats a missing key and `null` alike.

use super::error::{Error, Result};
use super::strategic::json_type_word;
use serde_json::{Map, Value};

/// Most operations one JSON patch may hold (upstream `maxJSONPatchOperations`).
pub const MAX_OPERATIONS: usize = 10_000;

/// Default limit on the bytes `copy` operations may add to a document
/// (upstream `JSONPatchMaxCopyBytes`, 3 MiB).
pub const MAX_COPY_BYTES: usize = 3 * 1024 * 1024;

/// Limits applied while decoding and applying a JSON patch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JsonPatchLimits {
    /// Most operations accepted; more is [`Error::TooManyOperations`].
    pub max_operations: usize,
    /// Most bytes all `copy` operations together may add; 0 is unlimited.
    pub max_copy_bytes: usize,
}

impl Default for JsonPatchLimits {
    fn default() -> Self {
        JsonPatchLimits {
            max_operations: MAX_OPERATIONS,
            max_copy_bytes: MAX_COPY_BYTES,
        }
    }
}

/// A decoded JSON patch: the list of operations, each kept as the raw object
/// the client sent (fields are interpreted when the operation runs, as
/// upstream does).
#[derive(Debug, Clone, PartialEq)]
pub struct JsonPatch {
    operations: Vec<Map<String, Value>>,
    max_copy_bytes: usize,
}

impl JsonPatch {
    /// Decodes a parsed request body (k8s: `jsonpatch.DecodePatch` plus the
    /// handler's operation-count check).
    pub fn decode(body: &Value, limits: &JsonPatchLimits) -> Result<JsonPatch> {
        let items = match body {
            Value::Array(items) => items.as_slice(),
            // Go decodes `null` into an empty patch.
            Value::Null => &[],
            other => {
                return Err(Error::Decode {
                    message: format!(
                        "json: cannot unmarshal {} into Go value of type jsonpatch.Patch",
                        json_type_word(other)
                    ),
                });
            }
        };
        let mut operations = Vec::with_capacity(items.len().min(limits.max_operations));
        for item in items {
            match item {
                Value::Object(op) => operations.push(op.clone()),
                Value::Null => operations.push(Map::new()),
                other => {
                    return Err(Error::Decode {
                        message: format!(
                            "json: cannot unmarshal {} into Go value of type jsonpatch.Operation",
                            json_type_word(other)
                        ),
                    });
                }
            }
        }
        if operations.len() > limits.max_operations {
            return Err(Error::TooManyOperations {
                max: limits.max_operations,
                got: operations.len(),
            });
        }
        Ok(JsonPatch {
            operations,
            max_copy_bytes: limits.max_copy_bytes,
        })
    }

    /// Number of operations.
    pub fn len(&self) -> usize {
        self.operations.len()
    }

    /// Whether the patch has no operation.
    pub fn is_empty(&self) -> bool {
        self.operations.is_empty()
    }

    /// Applies every operation in order; the first failure aborts the whole
    /// patch (k8s: json-patch v4 `Patch.Apply`).
    pub fn apply(&self, mut doc: Value) -> Result<Value> {
        let mut copied = 0usize;
        for op in &self.operations {
            let kind = match op.get("op") {
                Some(Value::String(s)) => s.as_str(),
                _ => "unknown",
            };
            match kind {
                "add" => add(&mut doc, op),
                "remove" => remove(&mut doc, op),
                "replace" => replace(&mut doc, op),
                "move" => move_op(&mut doc, op),
                "test" => test(&doc, op),
                "copy" => copy(&mut doc, op, &mut copied, self.max_copy_bytes),
                other => Err(format!("Unexpected kind: {other}")),
            }
            .map_err(Error::json_patch)?;
        }
        Ok(doc)
    }
}

/// Applies a JSON patch body (already parsed) to `original` with the default
/// limits.
pub fn json_patch(original: &Value, patch: &Value) -> Result<Value> {
    JsonPatch::decode(patch, &JsonPatchLimits::default())?.apply(original.clone())
}

const MISSING: &str = "missing value";
const INVALID_INDEX: &str = "invalid index referenced";

/// `Operation.Path()`: the error is the one Go's decoder or the accessor gives.
fn op_path(op: &Map<String, Value>) -> std::result::Result<&str, String> {
    op_string(op, "path", "operation missing path field")
}

fn op_from(op: &Map<String, Value>) -> std::result::Result<&str, String> {
    op_string(op, "from", "operation, missing from field")
}

fn op_string<'a>(
    op: &'a Map<String, Value>,
    field: &str,
    missing: &str,
) -> std::result::Result<&'a str, String> {
    match op.get(field) {
        None | Some(Value::Null) => Err(format!("{missing}: {MISSING}")),
        Some(Value::String(s)) => Ok(s),
        Some(other) => Err(format!(
            "json: cannot unmarshal {} into Go value of type string",
            json_type_word(other)
        )),
    }
}

/// The operation's value; a missing `value` behaves as `null` everywhere but
/// in `test` and whole-document `replace`.
fn op_value(op: &Map<String, Value>) -> Value {
    op.get("value").cloned().unwrap_or(Value::Null)
}

/// RFC 6901 unescaping in one left-to-right pass (`~1` then `~0` priority,
/// as Go's `strings.NewReplacer` does).
fn unescape(token: &str) -> String {
    if !token.contains('~') {
        return token.to_owned();
    }
    let mut out = String::with_capacity(token.len());
    let mut chars = token.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '~' {
            match chars.peek() {
                Some('1') => {
                    chars.next();
                    out.push('/');
                    continue;
                }
                Some('0') => {
                    chars.next();
                    out.push('~');
                    continue;
                }
                _ => {}
            }
        }
        out.push(c);
    }
    out
}

/// Go's `strconv.Atoi` with its error text.
fn atoi(s: &str) -> std::result::Result<i64, String> {
    s.parse::<i64>().map_err(|e| {
        let why = match e.kind() {
            std::num::IntErrorKind::PosOverflow | std::num::IntErrorKind::NegOverflow => {
                "value out of range"
            }
            _ => "invalid syntax",
        };
        format!("strconv.Atoi: parsing {}: {why}", go_quote(s))
    })
}

fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn invalid_index(idx: i64) -> String {
    format!("Unable to access invalid index: {idx}: {INVALID_INDEX}")
}

/// Index for reading, replacing or removing: negative counts from the end.
fn existing_index(len: usize, key: &str) -> std::result::Result<usize, String> {
    let idx = atoi(key)?;
    let len_i = i64::try_from(len).unwrap_or(i64::MAX);
    let resolved = if idx < 0 {
        if idx < -len_i {
            return Err(invalid_index(idx));
        }
        idx + len_i
    } else {
        idx
    };
    if resolved >= len_i {
        return Err(invalid_index(resolved));
    }
    usize::try_from(resolved).map_err(|_| invalid_index(idx))
}

/// Splits a path into the segments leading to the container and the final
/// key, all unescaped; `None` when there is no `/` at all.
fn split_path(path: &str) -> Option<(Vec<String>, String)> {
    let segments: Vec<&str> = path.split('/').collect();
    let (last, init) = segments.split_last()?;
    let (_, parents) = init.split_first()?;
    Some((
        parents.iter().map(|p| unescape(p)).collect(),
        unescape(last),
    ))
}

fn is_container(v: &Value) -> bool {
    v.is_object() || v.is_array()
}

/// `findObject`: the container (object or array) holding the last segment
/// of `path`, and that segment unescaped.
fn find_container<'a>(doc: &'a mut Value, path: &str) -> Option<(&'a mut Value, String)> {
    let (parents, key) = split_path(path)?;
    let mut current = doc;
    for part in &parents {
        let next = match current {
            Value::Object(m) => m.get_mut(part)?,
            Value::Array(a) => {
                let i = existing_index(a.len(), part).ok()?;
                a.get_mut(i)?
            }
            _ => return None,
        };
        current = next;
    }
    is_container(current).then_some((current, key))
}

/// [`find_container`] for reading only.
fn find_container_ref<'a>(doc: &'a Value, path: &str) -> Option<(&'a Value, String)> {
    let (parents, key) = split_path(path)?;
    let mut current = doc;
    for part in &parents {
        current = match current {
            Value::Object(m) => m.get(part)?,
            Value::Array(a) => a.get(existing_index(a.len(), part).ok()?)?,
            _ => return None,
        };
    }
    is_container(current).then_some((current, key))
}

/// `container.get`: `Ok(None)` for a missing object key or a `null`.
fn get<'a>(container: &'a Value, key: &str) -> std::result::Result<Option<&'a Value>, String> {
    match container {
        Value::Object(m) => Ok(m.get(key).filter(|v| !v.is_null())),
        Value::Array(a) => {
            let i = existing_index(a.len(), key)?;
            Ok(a.get(i).filter(|v| !v.is_null()))
        }
        _ => Ok(None),
    }
}

fn add_to(container: &mut Value, key: String, value: Value) -> std::result::Result<(), String> {
    match container {
        Value::Object(m) => {
            m.insert(key, value);
            Ok(())
        }
        Value::Array(a) => {
            if key == "-" {
                a.push(value);
                return Ok(());
            }
            let idx = atoi(&key)
                .map_err(|e| format!("value was not a proper array index: '{key}': {e}"))?;
            let size = i64::try_from(a.len() + 1).unwrap_or(i64::MAX);
            if idx >= size {
                return Err(invalid_index(idx));
            }
            let resolved = if idx < 0 {
                if idx < -size {
                    return Err(invalid_index(idx));
                }
                idx + size
            } else {
                idx
            };
            let i = usize::try_from(resolved).map_err(|_| invalid_index(idx))?;
            a.insert(i, value);
            Ok(())
        }
        _ => Err(MISSING.to_owned()),
    }
}

fn remove_from(container: &mut Value, key: &str) -> std::result::Result<Value, String> {
    match container {
        Value::Object(m) => m
            .shift_remove(key)
            .ok_or_else(|| format!("Unable to remove nonexistent key: {key}: {MISSING}")),
        Value::Array(a) => {
            let i = existing_index(a.len(), key)?;
            Ok(a.remove(i))
        }
        _ => Err(MISSING.to_owned()),
    }
}

fn add(doc: &mut Value, op: &Map<String, Value>) -> std::result::Result<(), String> {
    let path =
        op_path(op).map_err(|_| format!("add operation failed to decode path: {MISSING}"))?;
    let Some((container, key)) = find_container(doc, path) else {
        return Err(format!(
            "add operation does not apply: doc is missing path: \"{path}\": {MISSING}"
        ));
    };
    add_to(container, key, op_value(op))
        .map_err(|e| format!("error in add for path: '{path}': {e}"))
}

fn remove(doc: &mut Value, op: &Map<String, Value>) -> std::result::Result<(), String> {
    let path =
        op_path(op).map_err(|_| format!("remove operation failed to decode path: {MISSING}"))?;
    let Some((container, key)) = find_container(doc, path) else {
        return Err(format!(
            "remove operation does not apply: doc is missing path: \"{path}\": {MISSING}"
        ));
    };
    remove_from(container, &key)
        .map(drop)
        .map_err(|e| format!("error in remove for path: '{path}': {e}"))
}

fn replace(doc: &mut Value, op: &Map<String, Value>) -> std::result::Result<(), String> {
    let path = op_path(op).map_err(|e| format!("replace operation failed to decode path: {e}"))?;
    if path.is_empty() {
        return match op.get("value") {
            Some(v @ (Value::Object(_) | Value::Array(_))) => {
                *doc = v.clone();
                Ok(())
            }
            // Upstream formats a nil error with %w here.
            _ => Err("replace operation value must be object or array: %!w(<nil>)".to_owned()),
        };
    }
    let Some((container, key)) = find_container(doc, path) else {
        return Err(format!(
            "replace operation does not apply: doc is missing path: {path}: {MISSING}"
        ));
    };
    if get(container, &key).is_err() {
        return Err(format!(
            "replace operation does not apply: doc is missing key: {path}: {MISSING}"
        ));
    }
    let value = op_value(op);
    match container {
        Value::Object(m) => {
            m.insert(key, value);
        }
        Value::Array(a) => {
            let i = existing_index(a.len(), &key)
                .map_err(|e| format!("error in remove for path: '{path}': {e}"))?;
            a[i] = value;
        }
        _ => return Err(format!("error in remove for path: '{path}': {MISSING}")),
    }
    Ok(())
}

fn move_op(doc: &mut Value, op: &Map<String, Value>) -> std::result::Result<(), String> {
    let from = op_from(op).map_err(|e| format!("move operation failed to decode from: {e}"))?;
    let Some((container, key)) = find_container(doc, from) else {
        return Err(format!(
            "move operation does not apply: doc is missing from path: {from}: {MISSING}"
        ));
    };
    get(container, &key).map_err(|e| format!("error in move for path: '{key}': {e}"))?;
    let value = remove_from(container, &key)
        .map_err(|e| format!("error in move for path: '{key}': {e}"))?;
    let path = op_path(op).map_err(|e| format!("move operation failed to decode path: {e}"))?;
    let Some((container, key)) = find_container(doc, path) else {
        return Err(format!(
            "move operation does not apply: doc is missing destination path: {path}: {MISSING}"
        ));
    };
    add_to(container, key, value).map_err(|e| format!("error in move for path: '{path}': {e}"))
}

fn test(doc: &Value, op: &Map<String, Value>) -> std::result::Result<(), String> {
    let path = op_path(op).map_err(|e| format!("test operation failed to decode path: {e}"))?;
    let failed = || format!("testing value {path} failed: test failed");
    let expected = op.get("value");
    if path.is_empty() {
        return match expected {
            Some(v) if v == doc => Ok(()),
            _ => Err(failed()),
        };
    }
    let Some((container, key)) = find_container_ref(doc, path) else {
        return Err(format!(
            "test operation does not apply: is missing path: {path}: {MISSING}"
        ));
    };
    let actual =
        get(container, &key).map_err(|e| format!("error in test for path: '{path}': {e}"))?;
    match (actual, expected) {
        (None, None | Some(Value::Null)) => Ok(()),
        (Some(a), Some(e)) if a == e => Ok(()),
        _ => Err(failed()),
    }
}

fn copy(
    doc: &mut Value,
    op: &Map<String, Value>,
    copied: &mut usize,
    limit: usize,
) -> std::result::Result<(), String> {
    let from = op_from(op).map_err(|e| format!("copy operation failed to decode from: {e}"))?;
    let Some((container, key)) = find_container(doc, from) else {
        return Err(format!(
            "copy operation does not apply: doc is missing from path: {from}: {MISSING}"
        ));
    };
    let value = get(container, &key)
        .map_err(|e| format!("error in copy for from: '{from}': {e}"))?
        .cloned();
    let path =
        op_path(op).map_err(|_| format!("copy operation failed to decode path: {MISSING}"))?;
    let Some((container, key)) = find_container(doc, path) else {
        return Err(format!(
            "copy operation does not apply: doc is missing destination path: {path}: {MISSING}"
        ));
    };
    let size = value.as_ref().map_or(0, encoded_len);
    *copied = copied.saturating_add(size);
    if limit > 0 && *copied > limit {
        return Err(format!(
            "Unable to complete the copy, the accumulated size increase of copy is {copied}, exceeding the limit {limit}"
        ));
    }
    add_to(container, key, value.unwrap_or(Value::Null))
        .map_err(|e| format!("error while adding value during copy: {e}"))
}

/// Length of the compact JSON encoding of `v`, without building it.
fn encoded_len(v: &Value) -> usize {
    struct Counter(usize);
    impl std::io::Write for Counter {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut counter = Counter(0);
    match serde_json::to_writer(&mut counter, v) {
        Ok(()) => counter.0,
        Err(_) => 0,
    }
}
