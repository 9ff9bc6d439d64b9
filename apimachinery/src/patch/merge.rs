//! JSON merge patch (RFC 7386, `application/merge-patch+json`) as
//! kube-apiserver applies it: gopkg.in/evanphx/json-patch.v4 `MergePatch`.
//!
//! k8s: staging/src/k8s.io/apiserver/pkg/endpoints/handlers/patch.go
//! (`applyJSPatch`, `types.MergePatchType`) and github.com/evanphx/json-patch
//! merge.go (`mergeDocs`, `pruneNulls`).
//!
//! Like upstream, `null`s are pruned from objects the patch introduces
//! (including objects nested in lists), but a list replacing an object is
//! taken verbatim.

use super::error::{Error, Result};
use serde_json::{Map, Value};

/// Deepest nesting the merge follows before failing with [`Error::TooDeep`].
pub const MAX_DEPTH: usize = super::strategic::MAX_DEPTH;

/// Applies merge patch `patch` to `original`.
///
/// Both must be JSON objects: a non-object original is
/// [`Error::BadJsonDoc`], a non-object patch [`Error::InvalidMergePatch`]
/// (upstream answers the same 400 for `null` and scalars; for an array it
/// returns the array and fails later when decoding it as an object).
pub fn merge_patch(original: &Value, patch: &Value) -> Result<Value> {
    merge_patch_owned(original.clone(), patch.clone())
}

/// [`merge_patch`] without copying its inputs.
pub fn merge_patch_owned(original: Value, patch: Value) -> Result<Value> {
    let Value::Object(mut doc) = original else {
        return Err(Error::BadJsonDoc);
    };
    let Value::Object(patch) = patch else {
        return Err(Error::InvalidMergePatch);
    };
    merge_docs(&mut doc, patch, 0)?;
    Ok(Value::Object(doc))
}

fn check_depth(depth: usize) -> Result<()> {
    if depth > MAX_DEPTH {
        Err(Error::TooDeep { max: MAX_DEPTH })
    } else {
        Ok(())
    }
}

fn merge_docs(doc: &mut Map<String, Value>, patch: Map<String, Value>, depth: usize) -> Result<()> {
    check_depth(depth)?;
    for (key, mut value) in patch {
        if value.is_null() {
            doc.shift_remove(&key);
            continue;
        }
        match doc.get_mut(&key) {
            Some(current) if !current.is_null() => merge_value(current, value, depth + 1)?,
            _ => {
                prune_nulls(&mut value, depth + 1)?;
                doc.insert(key, value);
            }
        }
    }
    Ok(())
}

fn merge_value(current: &mut Value, patch: Value, depth: usize) -> Result<()> {
    match (current, patch) {
        (Value::Object(cur), Value::Object(p)) => merge_docs(cur, p, depth),
        // An object replaced by a non-object: taken as is.
        (current @ Value::Object(_), p) => {
            *current = p;
            Ok(())
        }
        (current, mut p) => {
            prune_nulls(&mut p, depth)?;
            *current = p;
            Ok(())
        }
    }
}

/// Removes `null` members of objects, recursively, also inside lists (list
/// items that are `null` stay).
fn prune_nulls(v: &mut Value, depth: usize) -> Result<()> {
    check_depth(depth)?;
    match v {
        Value::Object(m) => {
            m.retain(|_, v| !v.is_null());
            for v in m.values_mut() {
                prune_nulls(v, depth + 1)?;
            }
        }
        Value::Array(items) => {
            for v in items {
                prune_nulls(v, depth + 1)?;
            }
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn apply(original: Value, patch: Value) -> Value {
        merge_patch(&original, &patch).expect("merge patch applies")
    }

    #[test]
    fn kubectl_label_and_annotate() {
        let pod = json!({"metadata": {"name": "p", "labels": {"app": "web", "tier": "fe"}}});
        // kubectl label pod p env=prod
        assert_eq!(
            apply(
                pod.clone(),
                json!({"metadata": {"labels": {"env": "prod"}}})
            ),
            json!({"metadata": {"name": "p", "labels": {"app": "web", "tier": "fe", "env": "prod"}}})
        );
        // kubectl label pod p tier-
        assert_eq!(
            apply(pod.clone(), json!({"metadata": {"labels": {"tier": null}}})),
            json!({"metadata": {"name": "p", "labels": {"app": "web"}}})
        );
        // kubectl annotate pod p a=b on an object without annotations
        assert_eq!(
            apply(pod, json!({"metadata": {"annotations": {"a": "b"}}})),
            json!({"metadata": {"name": "p", "labels": {"app": "web", "tier": "fe"}, "annotations": {"a": "b"}}})
        );
    }

    #[test]
    fn kubectl_scale_subresource() {
        let scale = json!({"kind": "Scale", "spec": {"replicas": 1}, "status": {"replicas": 1}});
        assert_eq!(
            apply(scale, json!({"spec": {"replicas": 3}})),
            json!({"kind": "Scale", "spec": {"replicas": 3}, "status": {"replicas": 1}})
        );
    }

    #[test]
    fn lists_are_replaced() {
        let d = json!({"spec": {"containers": [{"name": "a", "image": "x"}, {"name": "b"}]}});
        assert_eq!(
            apply(
                d,
                json!({"spec": {"containers": [{"name": "a", "image": "y"}]}})
            ),
            json!({"spec": {"containers": [{"name": "a", "image": "y"}]}})
        );
    }

    #[test]
    fn rfc7386_appendix_a() {
        // Selected examples of RFC 7386 appendix A (object documents only).
        assert_eq!(
            apply(json!({"a": "b"}), json!({"a": "c"})),
            json!({"a": "c"})
        );
        assert_eq!(
            apply(json!({"a": "b"}), json!({"b": "c"})),
            json!({"a": "b", "b": "c"})
        );
        assert_eq!(apply(json!({"a": "b"}), json!({"a": null})), json!({}));
        assert_eq!(
            apply(json!({"a": "b", "b": "c"}), json!({"a": null})),
            json!({"b": "c"})
        );
        assert_eq!(
            apply(json!({"a": ["b"]}), json!({"a": "c"})),
            json!({"a": "c"})
        );
        assert_eq!(
            apply(json!({"a": "c"}), json!({"a": ["b"]})),
            json!({"a": ["b"]})
        );
        assert_eq!(
            apply(
                json!({"a": {"b": "c"}}),
                json!({"a": {"b": "d", "c": null}})
            ),
            json!({"a": {"b": "d"}})
        );
        assert_eq!(
            apply(json!({"a": [{"b": "c"}]}), json!({"a": [1]})),
            json!({"a": [1]})
        );
        assert_eq!(
            apply(json!({"e": null}), json!({"a": 1})),
            json!({"e": null, "a": 1})
        );
        assert_eq!(
            apply(json!({}), json!({"a": {"bb": {"ccc": null}}})),
            json!({"a": {"bb": {}}})
        );
    }

    #[test]
    fn null_pruning_follows_upstream() {
        // New values lose their null members, also inside lists.
        assert_eq!(
            apply(json!({}), json!({"a": [{"x": null, "y": 1}, null]})),
            json!({"a": [{"y": 1}, null]})
        );
        // A scalar replaced by an object: pruned.
        assert_eq!(
            apply(json!({"a": 1}), json!({"a": {"b": null, "c": 2}})),
            json!({"a": {"c": 2}})
        );
        // An object replaced by a list: taken verbatim.
        assert_eq!(
            apply(json!({"a": {"k": 1}}), json!({"a": [{"x": null}]})),
            json!({"a": [{"x": null}]})
        );
        // A null live value counts as absent.
        assert_eq!(
            apply(json!({"a": null}), json!({"a": {"b": null}})),
            json!({"a": {}})
        );
    }

    #[test]
    fn key_order_is_kept() {
        let out = apply(
            json!({"a": 1, "b": 2, "c": 3}),
            json!({"b": 20, "d": 4, "a": null}),
        );
        let keys: Vec<&String> = out
            .as_object()
            .map(|m| m.keys().collect())
            .unwrap_or_default();
        assert_eq!(keys, ["b", "c", "d"]);
    }

    #[test]
    fn rejects_non_object_patches() {
        for p in [json!(null), json!(1), json!("x"), json!([1])] {
            let err = merge_patch(&json!({}), &p).expect_err("not an object");
            assert!(matches!(err, Error::InvalidMergePatch));
            assert_eq!(err.status().code, 400);
            assert_eq!(err.to_string(), "Invalid JSON Patch");
        }
        assert!(matches!(
            merge_patch(&json!([]), &json!({})),
            Err(Error::BadJsonDoc)
        ));
    }

    #[test]
    fn deep_patch_is_an_error_not_a_crash() {
        let mut p = json!(1);
        for _ in 0..(MAX_DEPTH + 10) {
            p = json!({ "a": p });
        }
        let err = merge_patch(&json!({}), &p).expect_err("too deep");
        assert!(matches!(err, Error::TooDeep { .. }));
    }
}
