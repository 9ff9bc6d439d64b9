//! `metadata.managedFields`: who owns which fields of an object, kept up to
//! date by every write. An update gives its manager the fields it changed; an
//! apply gives its manager exactly the fields of its configuration, refusing
//! (unless forced) to change a field another manager owns.
// k8s: staging/src/k8s.io/apimachinery/pkg/util/managedfields/internal/ (structuredmerge.go, conflict.go, managedfields.go)

use std::borrow::Cow;
use std::sync::LazyLock;

use serde_json::{Map, Value, json};

use super::{FieldSet, changes, display_path, fields_of, merge, remove};
use crate::patch::PatchSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Operation {
    Apply,
    Update,
}

impl Operation {
    fn as_str(self) -> &'static str {
        match self {
            Operation::Apply => "Apply",
            Operation::Update => "Update",
        }
    }
}

/// One entry of `metadata.managedFields`.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub manager: String,
    pub operation: Operation,
    pub api_version: String,
    pub time: Option<String>,
    /// Empty for the main resource, `status` for the status subresource.
    pub subresource: String,
    pub fields: FieldSet,
}

impl Entry {
    fn is(&self, writer: &Writer, operation: Operation) -> bool {
        self.manager == writer.manager
            && self.operation == operation
            && self.subresource == writer.subresource
            && (operation == Operation::Apply || self.api_version == writer.api_version)
    }

    /// How a conflict names this manager: `"kubectl-edit" using apps/v1`.
    fn describe(&self) -> String {
        let mut text = format!("{:?}", self.manager);
        if !self.subresource.is_empty() {
            text.push_str(&format!(" with subresource {:?}", self.subresource));
        }
        if self.operation == Operation::Update {
            text.push_str(&format!(" using {}", self.api_version));
        }
        text
    }
}

/// Who writes, through which API version and which part of the resource.
#[derive(Debug, Clone)]
pub struct Writer {
    pub manager: String,
    pub api_version: String,
    /// Empty for the main resource, `status` for the status subresource.
    pub subresource: &'static str,
    /// Whether the resource has a status subresource, whose fields the main
    /// resource's writers do not own.
    pub has_status: bool,
    /// The time of the write, RFC 3339.
    pub now: String,
}

/// A field an apply would change that another manager owns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    /// The owner as upstream prints it: `"kubectl-label" using v1`.
    pub manager: String,
    /// The field: `.metadata.labels.app`.
    pub field: String,
}

/// Reads `metadata.managedFields`.
pub fn read(object: &Value) -> Vec<Entry> {
    let Some(entries) = object["metadata"]["managedFields"].as_array() else {
        return Vec::new();
    };
    entries
        .iter()
        .map(|entry| {
            let text = |key: &str| entry[key].as_str().unwrap_or_default().to_owned();
            Entry {
                manager: text("manager"),
                operation: if entry["operation"] == "Apply" {
                    Operation::Apply
                } else {
                    Operation::Update
                },
                api_version: text("apiVersion"),
                time: entry["time"].as_str().map(str::to_owned),
                subresource: text("subresource"),
                fields: FieldSet::from_fields_v1(&entry["fieldsV1"]),
            }
        })
        .collect()
}

/// Writes `metadata.managedFields`: entries that own nothing are dropped, the
/// rest sorted as upstream sorts them (appliers first, then by time).
pub fn write(object: &mut Value, mut entries: Vec<Entry>) {
    entries.retain(|entry| !entry.fields.is_empty());
    entries.sort_by(|a, b| {
        (
            a.operation,
            &a.time,
            &a.manager,
            &a.api_version,
            &a.subresource,
        )
            .cmp(&(
                b.operation,
                &b.time,
                &b.manager,
                &b.api_version,
                &b.subresource,
            ))
    });
    let Some(metadata) = object.get_mut("metadata").and_then(Value::as_object_mut) else {
        return;
    };
    if entries.is_empty() {
        metadata.shift_remove("managedFields");
        return;
    }
    let encoded = entries
        .into_iter()
        .map(|entry| {
            let mut out = Map::new();
            out.insert("manager".into(), entry.manager.into());
            out.insert("operation".into(), entry.operation.as_str().into());
            out.insert("apiVersion".into(), entry.api_version.into());
            if let Some(time) = entry.time {
                out.insert("time".into(), time.into());
            }
            out.insert("fieldsType".into(), "FieldsV1".into());
            out.insert("fieldsV1".into(), entry.fields.to_fields_v1());
            if !entry.subresource.is_empty() {
                out.insert("subresource".into(), entry.subresource.into());
            }
            Value::Object(out)
        })
        .collect();
    metadata.insert("managedFields".into(), Value::Array(encoded));
}

/// The part of a field set `writer` can own: no identity, no system
/// metadata, and only the status or everything but the status.
// k8s: staging/src/k8s.io/apimachinery/pkg/util/managedfields/internal/stripmeta.go
fn ownable(set: &FieldSet, writer: &Writer) -> FieldSet {
    static IGNORED: LazyLock<[FieldSet; 2]> = LazyLock::new(|| {
        let mut ignored = FieldSet::default();
        for field in ["f:apiVersion", "f:kind"] {
            ignored.child_mut(field.into()).set_member();
        }
        let metadata = ignored.child_mut("f:metadata".into());
        for field in [
            "name",
            "namespace",
            "uid",
            "resourceVersion",
            "generation",
            "creationTimestamp",
            "selfLink",
            "managedFields",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
        ] {
            metadata.child_mut(format!("f:{field}")).set_member();
        }
        let mut with_status = ignored.clone();
        with_status.child_mut("f:status".into()).set_member();
        [ignored, with_status]
    });
    let [ignored, with_status] = &*IGNORED;
    if writer.subresource == "status" {
        return set.without_subtrees(ignored).only("f:status");
    }
    set.without_subtrees(if writer.has_status {
        with_status
    } else {
        ignored
    })
}

/// `object`, or for a create (none) what it is compared against: the Go zero
/// value of the kind of `like`, whose non-pointer structs (spec, template
/// ...) exist empty.
fn or_zero<'a>(object: Option<&'a Value>, like: &Value) -> Cow<'a, Value> {
    match object {
        Some(object) => Cow::Borrowed(object),
        None => {
            let text = |key: &str| like[key].as_str().unwrap_or_default();
            Cow::Owned(
                crate::protobuf::zero_object(text("apiVersion"), text("kind"))
                    .unwrap_or_else(|| json!({})),
            )
        }
    }
}

/// Records an update of `old` (none for a create) to `new` by `writer` in
/// `new`'s managedFields. The managedFields of `new` are kept when the
/// client set them to something else; otherwise `old`'s are the base.
pub fn record_update(old: Option<&Value>, new: &mut Value, writer: &Writer, schema: &PatchSchema) {
    let sent = &new["metadata"]["managedFields"];
    let mut entries = match old {
        Some(old) if sent.is_null() || *sent == old["metadata"]["managedFields"] => read(old),
        _ => read(new),
    };
    let before = or_zero(old, new);
    let mut delta = changes(&before, new, schema);
    delta.changed = ownable(&delta.changed, writer);
    delta.removed = ownable(&delta.removed, writer);
    if delta.changed.is_empty() && delta.removed.is_empty() {
        return write(new, entries);
    }
    for entry in &mut entries {
        entry.fields = entry
            .fields
            .difference(&delta.changed)
            .without_subtrees(&delta.removed);
    }
    match entries.iter_mut().find(|e| e.is(writer, Operation::Update)) {
        Some(entry) => {
            entry.fields.union(&delta.changed);
            entry.time = Some(writer.now.clone());
        }
        None => entries.push(Entry {
            manager: writer.manager.clone(),
            operation: Operation::Update,
            api_version: writer.api_version.clone(),
            time: Some(writer.now.clone()),
            subresource: writer.subresource.to_owned(),
            fields: delta.changed,
        }),
    }
    write(new, entries);
}

/// Applies `config` by `writer` to `live` (none when the object does not
/// exist yet) and returns the merged object with its managedFields, or the
/// conflicts with other managers when `force` is not set.
pub fn apply(
    live: Option<&Value>,
    config: &Value,
    writer: &Writer,
    force: bool,
    schema: &PatchSchema,
) -> Result<Value, Vec<Conflict>> {
    let live = or_zero(live, config);
    let live = live.as_ref();
    let mut entries = read(live);
    let config = mergeable(config, writer);
    let applied = ownable(&fields_of(&config, schema), writer);
    let mut merged = merge(live, &config, schema);
    let changed = ownable(&changes(live, &merged, schema).changed, writer);
    let mut conflicts = Vec::new();
    for entry in entries.iter().filter(|e| !e.is(writer, Operation::Apply)) {
        for path in entry.fields.intersection(&changed).members() {
            conflicts.push(Conflict {
                manager: entry.describe(),
                field: display_path(&path),
            });
        }
    }
    if !conflicts.is_empty() && !force {
        return Err(conflicts);
    }
    let mut owned_by_others = FieldSet::default();
    for entry in entries
        .iter_mut()
        .filter(|e| !e.is(writer, Operation::Apply))
    {
        entry.fields = entry.fields.difference(&changed);
        owned_by_others.union(&entry.fields);
    }
    let previous = entries.iter().position(|e| e.is(writer, Operation::Apply));
    let previous = previous.map(|at| entries.remove(at));
    let nothing = FieldSet::default();
    let previous_fields = previous.as_ref().map_or(&nothing, |e| &e.fields);
    // Fields the applier set last time and nobody sets now go; a map or list
    // item with owned fields below it stays.
    // k8s: sigs.k8s.io/structured-merge-diff merge/update.go (prune)
    let mut kept = applied.clone();
    kept.union(&owned_by_others);
    remove(
        &mut merged,
        &previous_fields.difference(&kept).removable(&kept),
    );
    // The time is the last change of what the manager owns.
    let time = match previous {
        Some(previous) if previous.fields == applied => previous.time,
        _ => Some(writer.now.clone()),
    };
    entries.push(Entry {
        manager: writer.manager.clone(),
        operation: Operation::Apply,
        api_version: writer.api_version.clone(),
        time,
        subresource: writer.subresource.to_owned(),
        fields: applied,
    });
    write(&mut merged, entries);
    Ok(merged)
}

/// The configuration as it merges: the parts a writer cannot own through
/// this endpoint (the status through the main resource, or the reverse) and
/// any managedFields it carries are dropped; identity stays.
fn mergeable(config: &Value, writer: &Writer) -> Value {
    let mut config = config.clone();
    if let Some(fields) = config.as_object_mut() {
        if writer.subresource == "status" {
            fields.retain(|key, _| {
                matches!(key.as_str(), "status" | "metadata" | "apiVersion" | "kind")
            });
        } else if writer.has_status {
            fields.shift_remove("status");
        }
        if let Some(Value::Object(metadata)) = fields.get_mut("metadata") {
            metadata.shift_remove("managedFields");
        }
    }
    config
}
