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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn apply(doc: Value, patch: Value) -> Value {
        json_patch(&doc, &patch).unwrap_or_else(|e| panic!("patch failed: {e}"))
    }

    fn fail(doc: Value, patch: Value) -> String {
        match json_patch(&doc, &patch) {
            Ok(v) => panic!("patch should fail, gave {v}"),
            Err(e) => {
                assert!(
                    matches!(e, Error::JsonPatch { .. }),
                    "unexpected error kind {e:?}"
                );
                e.to_string()
            }
        }
    }

    #[test]
    fn kubectl_rollout_undo() {
        // kubectl rollout undo replaces the template and the annotations.
        let d = json!({
            "metadata": {"name": "d", "annotations": {"deployment.kubernetes.io/revision": "3"}},
            "spec": {"replicas": 2, "template": {"metadata": {"labels": {"app": "d"}}, "spec": {"containers": [{"name": "c", "image": "v3"}]}}}
        });
        let out = apply(
            d,
            json!([
                {"op": "replace", "path": "/spec/template", "value": {"metadata": {"labels": {"app": "d"}}, "spec": {"containers": [{"name": "c", "image": "v2"}]}}},
                {"op": "replace", "path": "/metadata/annotations", "value": {"deployment.kubernetes.io/revision": "3", "kubernetes.io/change-cause": "undo"}}
            ]),
        );
        assert_eq!(
            out["spec"]["template"]["spec"]["containers"][0]["image"],
            "v2"
        );
        assert_eq!(out["spec"]["replicas"], 2);
        assert_eq!(
            out["metadata"]["annotations"]["kubernetes.io/change-cause"],
            "undo"
        );
    }

    #[test]
    fn kubectl_patch_type_json_common_edits() {
        let pod = json!({"metadata": {"name": "p", "finalizers": ["a", "b"], "labels": {"app": "x"}},
            "spec": {"containers": [{"name": "c", "image": "i", "args": ["--v=1"]}]}});
        let out = apply(
            pod,
            json!([
                {"op": "replace", "path": "/spec/containers/0/image", "value": "j"},
                {"op": "add", "path": "/spec/containers/0/args/-", "value": "--v=2"},
                {"op": "remove", "path": "/metadata/finalizers/0"},
                {"op": "add", "path": "/metadata/annotations", "value": {}},
                {"op": "add", "path": "/metadata/annotations/example.com~1owner", "value": "me"},
                {"op": "test", "path": "/metadata/labels/app", "value": "x"},
                {"op": "remove", "path": "/metadata/labels/app"}
            ]),
        );
        assert_eq!(
            out,
            json!({"metadata": {"name": "p", "finalizers": ["b"], "labels": {}, "annotations": {"example.com/owner": "me"}},
                "spec": {"containers": [{"name": "c", "image": "j", "args": ["--v=1", "--v=2"]}]}})
        );
    }

    #[test]
    fn rfc6902_appendix_a() {
        assert_eq!(
            apply(
                json!({"foo": "bar"}),
                json!([{"op": "add", "path": "/baz", "value": "qux"}])
            ),
            json!({"foo": "bar", "baz": "qux"})
        );
        assert_eq!(
            apply(
                json!({"foo": ["bar", "baz"]}),
                json!([{"op": "add", "path": "/foo/1", "value": "qux"}])
            ),
            json!({"foo": ["bar", "qux", "baz"]})
        );
        assert_eq!(
            apply(
                json!({"baz": "qux", "foo": "bar"}),
                json!([{"op": "remove", "path": "/baz"}])
            ),
            json!({"foo": "bar"})
        );
        assert_eq!(
            apply(
                json!({"foo": ["bar", "qux", "baz"]}),
                json!([{"op": "remove", "path": "/foo/1"}])
            ),
            json!({"foo": ["bar", "baz"]})
        );
        assert_eq!(
            apply(
                json!({"baz": "qux", "foo": "bar"}),
                json!([{"op": "replace", "path": "/baz", "value": "boo"}])
            ),
            json!({"baz": "boo", "foo": "bar"})
        );
        assert_eq!(
            apply(
                json!({"foo": {"bar": "baz", "waldo": "fred"}, "qux": {"corge": "grault"}}),
                json!([{"op": "move", "from": "/foo/waldo", "path": "/qux/thud"}])
            ),
            json!({"foo": {"bar": "baz"}, "qux": {"corge": "grault", "thud": "fred"}})
        );
        assert_eq!(
            apply(
                json!({"foo": ["all", "grass", "cows", "eat"]}),
                json!([{"op": "move", "from": "/foo/1", "path": "/foo/3"}])
            ),
            json!({"foo": ["all", "cows", "eat", "grass"]})
        );
        assert_eq!(
            apply(
                json!({"baz": "qux", "foo": ["a", 2, "c"]}),
                json!([{"op": "test", "path": "/baz", "value": "qux"}, {"op": "test", "path": "/foo/1", "value": 2}])
            ),
            json!({"baz": "qux", "foo": ["a", 2, "c"]})
        );
        assert_eq!(
            fail(
                json!({"baz": "qux"}),
                json!([{"op": "test", "path": "/baz", "value": "bar"}])
            ),
            "testing value /baz failed: test failed"
        );
        assert_eq!(
            apply(
                json!({"foo": "bar"}),
                json!([{"op": "add", "path": "/child", "value": {"grandchild": {}}}])
            ),
            json!({"foo": "bar", "child": {"grandchild": {}}})
        );
        assert_eq!(
            fail(
                json!({"foo": "bar"}),
                json!([{"op": "add", "path": "/baz/bat", "value": "qux"}])
            ),
            "add operation does not apply: doc is missing path: \"/baz/bat\": missing value"
        );
        assert_eq!(
            apply(
                json!({"/": 9, "~1": 10}),
                json!([{"op": "test", "path": "/~01", "value": 10}])
            ),
            json!({"/": 9, "~1": 10})
        );
        assert_eq!(
            fail(
                json!({"/": 9, "~1": 10}),
                json!([{"op": "test", "path": "/~01", "value": "10"}])
            ),
            "testing value /~01 failed: test failed"
        );
        assert_eq!(
            apply(
                json!({"foo": ["bar"]}),
                json!([{"op": "add", "path": "/foo/-", "value": ["abc", "def"]}])
            ),
            json!({"foo": ["bar", ["abc", "def"]]})
        );
        assert_eq!(
            apply(
                json!({"foo": {"a": 1}}),
                json!([{"op": "copy", "from": "/foo", "path": "/bar"}])
            ),
            json!({"foo": {"a": 1}, "bar": {"a": 1}})
        );
    }

    #[test]
    fn array_indexes() {
        let doc = json!({"a": [1, 2, 3]});
        assert_eq!(
            apply(
                doc.clone(),
                json!([{"op": "add", "path": "/a/3", "value": 4}])
            ),
            json!({"a": [1, 2, 3, 4]})
        );
        assert_eq!(
            apply(
                doc.clone(),
                json!([{"op": "add", "path": "/a/0", "value": 0}])
            ),
            json!({"a": [0, 1, 2, 3]})
        );
        // Negative indexes count from the end (on the grown list for add).
        assert_eq!(
            apply(
                doc.clone(),
                json!([{"op": "add", "path": "/a/-1", "value": 9}])
            ),
            json!({"a": [1, 2, 3, 9]})
        );
        assert_eq!(
            apply(doc.clone(), json!([{"op": "remove", "path": "/a/-1"}])),
            json!({"a": [1, 2]})
        );
        assert_eq!(
            apply(
                doc.clone(),
                json!([{"op": "replace", "path": "/a/-3", "value": 0}])
            ),
            json!({"a": [0, 2, 3]})
        );
        assert_eq!(
            fail(
                doc.clone(),
                json!([{"op": "add", "path": "/a/5", "value": 0}])
            ),
            "error in add for path: '/a/5': Unable to access invalid index: 5: invalid index referenced"
        );
        assert_eq!(
            fail(
                doc.clone(),
                json!([{"op": "add", "path": "/a/x", "value": 0}])
            ),
            "error in add for path: '/a/x': value was not a proper array index: 'x': strconv.Atoi: parsing \"x\": invalid syntax"
        );
        assert_eq!(
            fail(doc.clone(), json!([{"op": "remove", "path": "/a/3"}])),
            "error in remove for path: '/a/3': Unable to access invalid index: 3: invalid index referenced"
        );
        assert_eq!(
            fail(doc.clone(), json!([{"op": "remove", "path": "/a/-4"}])),
            "error in remove for path: '/a/-4': Unable to access invalid index: -4: invalid index referenced"
        );
        assert_eq!(
            fail(
                doc.clone(),
                json!([{"op": "replace", "path": "/a/3", "value": 0}])
            ),
            "replace operation does not apply: doc is missing key: /a/3: missing value"
        );
        assert_eq!(
            fail(
                doc.clone(),
                json!([{"op": "replace", "path": "/a/7/b", "value": 0}])
            ),
            "replace operation does not apply: doc is missing path: /a/7/b: missing value"
        );
        assert_eq!(
            fail(
                doc,
                json!([{"op": "remove", "path": "/a/99999999999999999999"}])
            ),
            "error in remove for path: '/a/99999999999999999999': strconv.Atoi: parsing \"99999999999999999999\": value out of range"
        );
    }

    #[test]
    fn upstream_quirks() {
        // replace of a missing object key adds it.
        assert_eq!(
            apply(
                json!({"spec": {}}),
                json!([{"op": "replace", "path": "/spec/replicas", "value": 3}])
            ),
            json!({"spec": {"replicas": 3}})
        );
        // The first segment of a path without a leading slash is ignored.
        assert_eq!(
            apply(
                json!({"a": 1}),
                json!([{"op": "add", "path": "x/b", "value": 2}])
            ),
            json!({"a": 1, "b": 2})
        );
        // add needs a container: the empty path has none.
        assert_eq!(
            fail(json!({}), json!([{"op": "add", "path": "", "value": {}}])),
            "add operation does not apply: doc is missing path: \"\": missing value"
        );
        // replace of the whole document.
        assert_eq!(
            apply(
                json!({"a": 1}),
                json!([{"op": "replace", "path": "", "value": {"b": 2}}])
            ),
            json!({"b": 2})
        );
        assert_eq!(
            fail(
                json!({"a": 1}),
                json!([{"op": "replace", "path": "", "value": 3}])
            ),
            "replace operation value must be object or array: %!w(<nil>)"
        );
        // test: a missing key equals null, and a missing value.
        assert_eq!(
            apply(
                json!({}),
                json!([{"op": "test", "path": "/x", "value": null}])
            ),
            json!({})
        );
        assert_eq!(
            apply(json!({"x": null}), json!([{"op": "test", "path": "/x"}])),
            json!({"x": null})
        );
        assert_eq!(
            fail(json!({"x": 1}), json!([{"op": "test", "path": "/x"}])),
            "testing value /x failed: test failed"
        );
        // test of the whole document.
        assert_eq!(
            apply(
                json!({"a": 1}),
                json!([{"op": "test", "path": "", "value": {"a": 1}}])
            ),
            json!({"a": 1})
        );
        // add without a value adds null; moving a missing key fails on remove.
        assert_eq!(
            apply(json!({}), json!([{"op": "add", "path": "/x"}])),
            json!({"x": null})
        );
        assert_eq!(
            fail(
                json!({"a": {}}),
                json!([{"op": "move", "from": "/a/zz", "path": "/b"}])
            ),
            "error in move for path: 'zz': Unable to remove nonexistent key: zz: missing value"
        );
        // Copying a missing key copies null.
        assert_eq!(
            apply(
                json!({"a": {}}),
                json!([{"op": "copy", "from": "/a/zz", "path": "/b"}])
            ),
            json!({"a": {}, "b": null})
        );
        // Intermediate nulls and scalars are not containers.
        assert_eq!(
            fail(
                json!({"a": null}),
                json!([{"op": "add", "path": "/a/b", "value": 1}])
            ),
            "add operation does not apply: doc is missing path: \"/a/b\": missing value"
        );
        assert_eq!(
            fail(json!({"a": "s"}), json!([{"op": "remove", "path": "/a/b"}])),
            "remove operation does not apply: doc is missing path: \"/a/b\": missing value"
        );
    }

    #[test]
    fn operation_errors() {
        let doc = json!({"metadata": {"labels": {}}});
        assert_eq!(
            fail(
                doc.clone(),
                json!([{"op": "remove", "path": "/metadata/labels/foo"}])
            ),
            "error in remove for path: '/metadata/labels/foo': Unable to remove nonexistent key: foo: missing value"
        );
        assert_eq!(
            fail(
                doc.clone(),
                json!([{"op": "remove", "path": "/metadata/annotations/x"}])
            ),
            "remove operation does not apply: doc is missing path: \"/metadata/annotations/x\": missing value"
        );
        assert_eq!(
            fail(doc.clone(), json!([{"op": "frobnicate", "path": "/a"}])),
            "Unexpected kind: frobnicate"
        );
        assert_eq!(
            fail(doc.clone(), json!([{"path": "/a"}])),
            "Unexpected kind: unknown"
        );
        assert_eq!(fail(doc.clone(), json!([null])), "Unexpected kind: unknown");
        assert_eq!(
            fail(doc.clone(), json!([{"op": "add", "value": 1}])),
            "add operation failed to decode path: missing value"
        );
        assert_eq!(
            fail(doc.clone(), json!([{"op": "replace", "value": 1}])),
            "replace operation failed to decode path: operation missing path field: missing value"
        );
        assert_eq!(
            fail(
                doc.clone(),
                json!([{"op": "replace", "path": 5, "value": 1}])
            ),
            "replace operation failed to decode path: json: cannot unmarshal number into Go value of type string"
        );
        assert_eq!(
            fail(doc.clone(), json!([{"op": "move", "path": "/a"}])),
            "move operation failed to decode from: operation, missing from field: missing value"
        );
        assert_eq!(
            fail(
                doc.clone(),
                json!([{"op": "copy", "from": "/nope/x", "path": "/a"}])
            ),
            "copy operation does not apply: doc is missing from path: /nope/x: missing value"
        );
        assert_eq!(
            fail(
                doc.clone(),
                json!([{"op": "copy", "from": "/metadata", "path": "/x/y"}])
            ),
            "copy operation does not apply: doc is missing destination path: /x/y: missing value"
        );
        assert_eq!(
            fail(
                doc.clone(),
                json!([{"op": "test", "path": "/x/y", "value": 1}])
            ),
            "test operation does not apply: is missing path: /x/y: missing value"
        );
        // The whole patch fails atomically: earlier operations are not kept.
        let err = json_patch(
            &doc,
            &json!([{"op": "add", "path": "/metadata/labels/a", "value": "1"}, {"op": "test", "path": "/metadata/name", "value": "x"}]),
        )
        .expect_err("test fails");
        let status = err.status();
        assert_eq!((status.code, status.reason), (422, "Invalid"));
        assert_eq!(
            status.message,
            "the server rejected our request due to an error in our request"
        );
    }

    #[test]
    fn decoding_and_limits() {
        let limits = JsonPatchLimits::default();
        let err = JsonPatch::decode(&json!({"op": "add"}), &limits).expect_err("object");
        assert_eq!(
            err.to_string(),
            "json: cannot unmarshal object into Go value of type jsonpatch.Patch"
        );
        assert_eq!(err.status().code, 400);
        let err = JsonPatch::decode(&json!(["add"]), &limits).expect_err("string op");
        assert_eq!(
            err.to_string(),
            "json: cannot unmarshal string into Go value of type jsonpatch.Operation"
        );
        let empty = JsonPatch::decode(&Value::Null, &limits).expect("null is empty");
        assert!(empty.is_empty());
        assert_eq!(
            empty.apply(json!({"a": 1})).expect("no-op"),
            json!({"a": 1})
        );

        let ops: Vec<Value> = (0..=MAX_OPERATIONS)
            .map(|_| json!({"op": "test", "path": "/a", "value": 1}))
            .collect();
        let err = JsonPatch::decode(&Value::Array(ops), &limits).expect_err("too many");
        assert!(matches!(
            err,
            Error::TooManyOperations {
                max: 10000,
                got: 10001
            }
        ));
        assert_eq!(err.status().code, 413);

        // Copies are bounded.
        let small = JsonPatchLimits {
            max_copy_bytes: 20,
            ..limits
        };
        let patch = JsonPatch::decode(
            &json!([
                {"op": "copy", "from": "/a", "path": "/b"},
                {"op": "copy", "from": "/a", "path": "/c"}
            ]),
            &small,
        )
        .expect("decodes");
        assert_eq!(patch.len(), 2);
        let err = patch.apply(json!({"a": "0123456789"})).expect_err("limit");
        assert_eq!(
            err.to_string(),
            "Unable to complete the copy, the accumulated size increase of copy is 24, exceeding the limit 20"
        );
    }

    #[test]
    fn unescape_tokens() {
        assert_eq!(unescape("a~1b"), "a/b");
        assert_eq!(unescape("a~0b"), "a~b");
        assert_eq!(unescape("~01"), "~1");
        assert_eq!(unescape("~10"), "/0");
        assert_eq!(unescape("~2"), "~2");
        assert_eq!(unescape("~"), "~");
    }
}
