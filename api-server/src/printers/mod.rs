//! Server-side printing: the columns each resource shows in a `meta.k8s.io`
//! Table (what `kubectl get` prints) and how one object becomes one row.
//!
//! Every [`crate::registry::ResourceInfo`] names its [`Printer`]; the
//! printers live here, one file per API group (pods have their own, their
//! STATUS column is a small state machine). Rows are always built as with
//! `-o wide`: kubectl hides the columns of priority above 0 itself.
//!
//! Counterpart of k8s.io/kubernetes `pkg/printers/tablegenerator.go`,
//! `pkg/printers/internalversion/printers.go` (AddHandlers and the print
//! functions) and k8s.io/apiserver `pkg/registry/rest/table.go` (the default
//! table of resources without a printer).

mod apps;
mod batch;
mod cluster;
mod core;
mod duration;
mod pod;
mod rbac;

use std::sync::OnceLock;

use apimachinery::selector::labels::{LabelSelector, Selector};
use duration::human_duration;
use jiff::Timestamp;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::{Value, json};

pub use apps::{CONTROLLER_REVISIONS, DAEMON_SETS, DEPLOYMENTS, REPLICA_SETS, STATEFUL_SETS};
pub use batch::{CRON_JOBS, JOBS};
pub use cluster::{ENDPOINT_SLICES, LEASES, POD_DISRUPTION_BUDGETS, PRIORITY_CLASSES};
pub use core::{
    CONFIG_MAPS, ENDPOINTS, EVENTS, EVENTS_V1, NAMESPACES, NODES, PERSISTENT_VOLUME_CLAIMS,
    PERSISTENT_VOLUMES, REPLICATION_CONTROLLERS, RESOURCE_QUOTAS, SECRETS, SERVICE_ACCOUNTS,
    SERVICES,
};
pub use pod::PODS;
pub use rbac::{CLUSTER_ROLE_BINDINGS, ROLE_BINDINGS};

/// The columns of one resource and the function that fills a row.
pub struct Printer {
    columns: &'static [Column],
    row: fn(&Value, Timestamp) -> Row,
    definitions: OnceLock<Value>,
}

impl std::fmt::Debug for Printer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<_> = self.columns.iter().map(|c| c.name).collect();
        f.debug_struct("Printer").field("columns", &names).finish()
    }
}

impl Printer {
    pub const fn new(columns: &'static [Column], row: fn(&Value, Timestamp) -> Row) -> Self {
        Self {
            columns,
            row,
            definitions: OnceLock::new(),
        }
    }

    /// The Table's `columnDefinitions`, built once.
    pub fn column_definitions(&self) -> &Value {
        self.definitions.get_or_init(|| {
            self.columns
                .iter()
                .map(|c| {
                    json!({
                        "name": c.name,
                        "type": c.kind,
                        "format": c.format,
                        "description": c.doc.text(),
                        "priority": c.priority,
                    })
                })
                .collect()
        })
    }

    /// The row of `object`, with ages counted up to `now`.
    pub fn row(&self, object: &Value, now: Timestamp) -> Row {
        (self.row)(object, now)
    }
}

/// One row: its cells, one per column, and the row's conditions (a pod that
/// finished is `Completed`).
#[derive(Debug, Default, PartialEq)]
pub struct Row {
    pub cells: Vec<Value>,
    pub conditions: Vec<Value>,
}

impl From<Vec<Value>> for Row {
    fn from(cells: Vec<Value>) -> Self {
        Self {
            cells,
            conditions: Vec::new(),
        }
    }
}

/// `metav1.TableColumnDefinition`.
pub struct Column {
    name: &'static str,
    /// The OpenAPI type of the cells: string, integer, boolean, date.
    kind: &'static str,
    format: &'static str,
    doc: Doc,
    priority: i32,
}

impl Column {
    pub const fn string(name: &'static str, doc: Doc) -> Self {
        Self {
            name,
            kind: "string",
            format: "",
            doc,
            priority: 0,
        }
    }

    pub const fn integer(name: &'static str, doc: Doc) -> Self {
        Self {
            kind: "integer",
            ..Self::string(name, doc)
        }
    }

    pub const fn boolean(name: &'static str, doc: Doc) -> Self {
        Self {
            kind: "boolean",
            ..Self::string(name, doc)
        }
    }

    /// Shown only with `-o wide`.
    pub const fn wide(self) -> Self {
        Self {
            priority: 1,
            ..self
        }
    }

    /// The NAME column every printer starts with.
    pub const NAME: Column = Column {
        format: "name",
        ..Column::string("Name", field::<ObjectMeta>("name"))
    };

    /// The AGE column.
    pub const AGE: Column = Column::string("Age", field::<ObjectMeta>("creationTimestamp"));

    /// `-o wide` CONTAINERS of a workload.
    pub const CONTAINERS: Column = Column::string(
        "Containers",
        Doc::Text("Names of the containers of the template."),
    )
    .wide();

    /// `-o wide` IMAGES of a workload.
    pub const IMAGES: Column =
        Column::string("Images", Doc::Text("Images the template's containers run.")).wide();
}

/// A column's description.
pub enum Doc {
    /// Written here.
    Text(&'static str),
    /// The API documentation of a field, read from the schema of its type
    /// (the swagger docs upstream takes its descriptions from).
    Field(fn() -> Schema, &'static str),
}

impl Doc {
    fn text(&self) -> String {
        match self {
            Doc::Text(text) => (*text).to_owned(),
            Doc::Field(schema, field) => schema()
                .get("properties")
                .and_then(|p| p[*field]["description"].as_str())
                .unwrap_or_default()
                .to_owned(),
        }
    }
}

/// The description of `name`, a field of `T`.
pub const fn field<T: JsonSchema>(name: &'static str) -> Doc {
    Doc::Field(schema_of::<T>, name)
}

fn schema_of<T: JsonSchema>() -> Schema {
    T::json_schema(&mut SchemaGenerator::default())
}

/// The table of resources without a printer of their own: NAME and the
/// creation time as RFC 3339.
// k8s: staging/src/k8s.io/apiserver/pkg/registry/rest/table.go (defaultTableConvertor)
pub static DEFAULT: Printer = Printer::new(
    &[
        Column::NAME,
        Column {
            kind: "date",
            ..Column::string("Created At", field::<ObjectMeta>("creationTimestamp"))
        },
    ],
    |object, _| {
        let created = object["metadata"]["creationTimestamp"]
            .as_str()
            .and_then(|t| t.parse::<Timestamp>().ok())
            .map_or_else(|| "0001-01-01T00:00:00Z".to_owned(), |t| t.to_string());
        vec![name(object), created.into()].into()
    },
);

// Cell helpers shared by the printers.

/// The text at `value`, empty when absent.
fn text(value: &Value) -> &str {
    value.as_str().unwrap_or_default()
}

/// The integer at `value`, 0 when absent.
fn int(value: &Value) -> i64 {
    value.as_i64().unwrap_or_default()
}

/// The items of the array at `value`, none when absent.
fn items(value: &Value) -> &[Value] {
    value.as_array().map(Vec::as_slice).unwrap_or_default()
}

/// How many entries the array or map at `value` has.
fn count(value: &Value) -> i64 {
    let len = match value {
        Value::Array(items) => items.len(),
        Value::Object(map) => map.len(),
        _ => 0,
    };
    i64::try_from(len).unwrap_or(i64::MAX)
}

/// `text`, or `fallback` when empty.
fn or<'a>(text: &'a str, fallback: &'a str) -> &'a str {
    if text.is_empty() { fallback } else { text }
}

fn name(object: &Value) -> Value {
    object["metadata"]["name"].clone()
}

fn timestamp(value: &Value) -> Option<Timestamp> {
    value.as_str()?.parse().ok()
}

/// How long ago `value` (an RFC 3339 time) was: `5m`, `<unknown>` when unset.
// k8s: pkg/printers/internalversion/printers.go (translateTimestampSince)
fn since(value: &Value, now: Timestamp) -> String {
    ago(timestamp(value), now)
}

/// How long before `now` `then` was, `<unknown>` when unset.
fn ago(then: Option<Timestamp>, now: Timestamp) -> String {
    match then {
        Some(then) => human_duration(now.duration_since(then)),
        None => "<unknown>".to_owned(),
    }
}

/// The AGE cell.
fn age(object: &Value, now: Timestamp) -> Value {
    since(&object["metadata"]["creationTimestamp"], now).into()
}

/// A label map as `a=1,b=2`, sorted, `<none>` when empty.
// k8s: staging/src/k8s.io/apimachinery/pkg/labels/labels.go (FormatLabels)
fn format_labels(labels: &Value) -> String {
    let mut pairs: Vec<String> = labels
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| format!("{k}={}", text(v)))
        .collect();
    pairs.sort();
    if pairs.is_empty() {
        "<none>".to_owned()
    } else {
        pairs.join(",")
    }
}

/// A `metav1.LabelSelector` in selector syntax; `None` when it is invalid.
fn selector_string(selector: &Value) -> Option<String> {
    let typed: Option<LabelSelector> = serde_json::from_value(selector.clone()).ok()?;
    Selector::from_label_selector(typed.as_ref())
        .ok()
        .map(|s| s.to_string())
}

/// A `metav1.LabelSelector` as `kubectl` shows it: `<none>` when it selects
/// everything, `<error>` when invalid.
// k8s: staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/helpers.go (FormatLabelSelector)
fn format_label_selector(selector: &Value) -> String {
    match selector_string(selector) {
        None => "<error>".to_owned(),
        Some(s) if s.is_empty() => "<none>".to_owned(),
        Some(s) => s,
    }
}

/// The CONTAINERS and IMAGES cells of a pod spec: names and images joined
/// with commas.
// k8s: pkg/printers/internalversion/printers.go (layoutContainerCells)
fn containers(pod_spec: &Value) -> [Value; 2] {
    let containers = items(&pod_spec["containers"]);
    let join = |key: &str| -> Value {
        containers
            .iter()
            .map(|c| text(&c[key]))
            .collect::<Vec<_>>()
            .join(",")
            .into()
    };
    [join("name"), join("image")]
}

/// Up to three entries joined with commas, then `+ N more...`.
// k8s: pkg/printers/internalversion/printers.go (listWithMoreString)
fn with_more(list: Vec<String>, total: usize, empty: &str) -> String {
    const MAX: usize = 3;
    if total > MAX {
        return format!("{} + {} more...", list[..MAX].join(","), total - MAX);
    }
    if list.is_empty() {
        empty.to_owned()
    } else {
        list.join(",")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_table_shows_name_and_creation_time() {
        let object =
            json!({"metadata": {"name": "r", "creationTimestamp": "2026-01-02T03:04:05Z"}});
        let row = DEFAULT.row(&object, Timestamp::now());
        assert_eq!(row.cells, [json!("r"), json!("2026-01-02T03:04:05Z")]);
        let columns = DEFAULT.column_definitions();
        assert_eq!(columns[0]["format"], "name");
        assert_eq!(columns[1]["type"], "date");
        assert!(
            text(&columns[0]["description"]).starts_with("Name must be unique within a namespace"),
            "{columns}"
        );
    }

    #[test]
    fn selectors_and_labels_print_sorted() {
        let selector = json!({"matchLabels": {"b": "2", "a": "1"},
            "matchExpressions": [{"key": "c", "operator": "Exists"}]});
        assert_eq!(format_label_selector(&selector), "a=1,b=2,c");
        assert_eq!(format_label_selector(&json!({})), "<none>");
        assert_eq!(format_labels(&json!({"z": "1", "k": "v"})), "k=v,z=1");
        assert_eq!(format_labels(&Value::Null), "<none>");
    }
}
