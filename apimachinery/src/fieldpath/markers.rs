//! How server-side apply merges each field: the `+listType`, `+listMapKey`,
//! `+structType` and `+mapType` markers of k8s.io/api, read from
//! `markers.txt` (written by `tools/k8s_types.py merge`). Fields without a
//! marker merge as their patch strategy says, as upstream's OpenAPI-to-schema
//! conversion does (k8s: kube-openapi pkg/schemaconv/smd.go).

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use serde_json::Value;

use crate::patch::{Cursor, PatchMeta};

/// How a field's value combines with the live one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Merge {
    /// Field by field (objects), key by key (maps).
    Granular,
    /// Replaced whole; owned as one field.
    Atomic,
    /// A list of distinct scalars, item by item.
    Set,
    /// A list of objects matched by these key fields.
    Keyed(Vec<&'static str>),
}

/// Markers by definition, then by field.
struct Markers {
    fields: HashMap<&'static str, HashMap<&'static str, Merge>>,
    atomic_structs: HashSet<&'static str>,
    defaults: HashMap<&'static str, HashMap<&'static str, Value>>,
}

static MARKERS: LazyLock<Markers> = LazyLock::new(|| {
    let mut markers = Markers {
        fields: HashMap::new(),
        atomic_structs: HashSet::new(),
        defaults: HashMap::new(),
    };
    for line in include_str!("markers.txt").lines() {
        let mut parts = line.splitn(3, ' ');
        let (Some(definition), Some(field), Some(marker)) =
            (parts.next(), parts.next(), parts.next())
        else {
            panic!("markers.txt: malformed line {line:?}");
        };
        if field == "." {
            markers.atomic_structs.insert(definition);
        } else if let Some(default) = marker.strip_prefix("default:") {
            let value = serde_json::from_str(default).expect("markers.txt: default is JSON");
            markers
                .defaults
                .entry(definition)
                .or_default()
                .insert(field, value);
        } else {
            let merge = match marker {
                "atomic" => Merge::Atomic,
                "set" => Merge::Set,
                keyed => Merge::Keyed(
                    keyed
                        .strip_prefix("map:")
                        .expect("markers.txt: atomic, set or map:keys")
                        .split(',')
                        .collect(),
                ),
            };
            markers
                .fields
                .entry(definition)
                .or_default()
                .insert(field, merge);
        }
    }
    markers
});

/// How field `key` of the object at `parent` merges; `field` is its schema.
pub(crate) fn merge_of(parent: Cursor, key: &str, field: Cursor, meta: Option<PatchMeta>) -> Merge {
    if let Some(merge) = parent
        .definition()
        .and_then(|definition| MARKERS.fields.get(definition)?.get(key))
    {
        return merge.clone();
    }
    if field
        .definition()
        .is_some_and(|definition| MARKERS.atomic_structs.contains(definition))
    {
        return Merge::Atomic;
    }
    if field.is_list() {
        return match meta {
            Some(meta) if meta.strategy.merges() => match meta.merge_key {
                Some(key) => Merge::Keyed(vec![key]),
                None => Merge::Set,
            },
            _ => Merge::Atomic,
        };
    }
    Merge::Granular
}

/// The default of key field `key` of list items of schema `item`, which a
/// key missing from an item takes.
pub(crate) fn key_default(item: Cursor, key: &str) -> Option<&'static Value> {
    MARKERS.defaults.get(item.definition()?)?.get(key)
}
