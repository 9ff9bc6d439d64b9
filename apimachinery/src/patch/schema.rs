//! Structural schemas that tell the strategic merge patch engine, at every
//! position of an object, which field it is looking at and what patch
//! metadata that field has.
//!
//! Upstream walks Go types by reflection
//! (k8s: staging/src/k8s.io/apimachinery/pkg/util/strategicpatch/meta.go,
//! `PatchMetaFromStruct`). We walk the JSON schema k8s-openapi generates with
//! schemars instead: it names every definition with its OpenAPI name
//! (`io.k8s.api.core.v1.Container`), which is the key of the metadata table in
//! [`super::meta`]. A schema is compiled once per kind into a small graph
//! (structs, maps, lists, leaves) and cached, so a patch only does hash
//! lookups while it walks.

use super::meta::{self, PatchMeta};
use schemars::{JsonSchema, SchemaGenerator};
use serde_json::{Map, Value};
use std::any::TypeId;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock};

/// Definitions nest no deeper than this in any real schema; deeper input is
/// treated as opaque rather than followed.
const MAX_SCHEMA_DEPTH: usize = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct NodeId(usize);

#[derive(Debug, Clone)]
struct Field {
    node: NodeId,
    meta: Option<PatchMeta>,
}

#[derive(Debug, Clone)]
enum Node {
    /// An object with known properties, and the OpenAPI definition it is
    /// (none for inline object schemas).
    Struct(HashMap<String, Field>, Option<String>),
    /// An object with arbitrary keys (`additionalProperties`).
    Map(NodeId),
    /// A list.
    List(NodeId),
    /// A leaf, with the Go kind upstream would name it by.
    Scalar(&'static str),
    /// A `$ref` to another node (definitions that only alias another).
    Alias(NodeId),
    /// Structure unknown (RawExtension, JSON, preserve-unknown-fields, ...):
    /// patched without metadata.
    Opaque,
}

#[derive(Debug)]
struct Compiled {
    name: String,
    nodes: Vec<Node>,
    root: NodeId,
}

/// The patch-relevant shape of one Kubernetes kind, built once and shared.
///
/// Cloning is cheap (reference counted).
#[derive(Debug, Clone)]
pub struct PatchSchema {
    inner: Arc<Compiled>,
}

impl PatchSchema {
    /// The schema of a k8s-openapi type, e.g. `PatchSchema::of::<Pod>()`;
    /// compiled on first use and cached for the life of the process.
    pub fn of<T: JsonSchema + 'static>() -> PatchSchema {
        static CACHE: OnceLock<RwLock<HashMap<TypeId, PatchSchema>>> = OnceLock::new();
        let cache = CACHE.get_or_init(Default::default);
        let id = TypeId::of::<T>();
        if let Some(s) = cache
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(&id)
        {
            return s.clone();
        }
        let mut generator = SchemaGenerator::default();
        let root = generator.subschema_for::<T>();
        let name = T::schema_name().into_owned();
        let schema = match root.get("$ref") {
            Some(_) => PatchSchema::from_definitions(generator.definitions(), &name),
            // An inlined type has no definition of its own: compile it directly.
            None => {
                let mut defs = generator.definitions().clone();
                defs.insert(name.clone(), root.to_value());
                PatchSchema::from_definitions(&defs, &name)
            }
        };
        cache
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .entry(id)
            .or_insert(schema)
            .clone()
    }

    /// Compiles a schema from a set of JSON-schema definitions keyed by
    /// OpenAPI name (the `$defs` of a schemars generator, or the
    /// `definitions` / `components.schemas` of an OpenAPI document), rooted
    /// at definition `root`. `$ref`s are resolved by their last path segment.
    /// Patch metadata comes from [`meta::lookup`].
    pub fn from_definitions(definitions: &Map<String, Value>, root: &str) -> PatchSchema {
        let mut compiler = Compiler {
            definitions,
            nodes: Vec::new(),
            by_name: HashMap::new(),
        };
        let root_id = compiler.definition(root, 0);
        PatchSchema {
            inner: Arc::new(Compiled {
                name: root.to_owned(),
                nodes: compiler.nodes,
                root: root_id,
            }),
        }
    }

    /// A schema that knows nothing: every object is merged key by key and
    /// every list replaced, which is how objects without Go types (custom
    /// resources) are patched.
    pub fn unstructured() -> PatchSchema {
        static UNSTRUCTURED: OnceLock<PatchSchema> = OnceLock::new();
        UNSTRUCTURED
            .get_or_init(|| PatchSchema {
                inner: Arc::new(Compiled {
                    name: String::new(),
                    nodes: vec![Node::Opaque],
                    root: NodeId(0),
                }),
            })
            .clone()
    }

    /// The root definition name, e.g. `io.k8s.api.core.v1.Pod` (empty for
    /// [`PatchSchema::unstructured`]).
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// Patch metadata of the field reached by `path` (JSON field names; list
    /// levels are stepped through implicitly), e.g.
    /// `["spec", "template", "spec", "containers", "env"]`.
    pub fn meta_at(&self, path: &[&str]) -> Option<PatchMeta> {
        let mut cursor = self.root();
        let mut meta = None;
        for segment in path {
            cursor = cursor.items_if_list();
            let (next, m) = cursor.lookup_struct(segment);
            cursor = next;
            meta = m;
        }
        meta
    }

    pub(crate) fn root(&self) -> Cursor<'_> {
        Cursor {
            schema: Some(&self.inner),
            node: Some(self.inner.root),
        }
    }
}

/// A position in a [`PatchSchema`]; `node: None` means "no schema here".
#[derive(Debug, Clone, Copy)]
pub(crate) struct Cursor<'a> {
    schema: Option<&'a Compiled>,
    node: Option<NodeId>,
}

impl<'a> Cursor<'a> {
    fn at(&self, node: NodeId) -> Cursor<'a> {
        Cursor {
            schema: self.schema,
            node: Some(node),
        }
    }

    fn nowhere(&self) -> Cursor<'a> {
        Cursor {
            schema: self.schema,
            node: None,
        }
    }

    fn resolve(&self) -> Option<&'a Node> {
        let schema = self.schema?;
        let mut id = self.node?;
        // Aliases chain at most a few times; bound it anyway.
        for _ in 0..8 {
            match schema.nodes.get(id.0)? {
                Node::Alias(next) => id = *next,
                node => return Some(node),
            }
        }
        None
    }

    /// The sub-schema and patch metadata of field `key` of an object
    /// (k8s: strategicpatch/meta.go, `LookupPatchMetadataForStruct`).
    pub(crate) fn lookup_struct(&self, key: &str) -> (Cursor<'a>, Option<PatchMeta>) {
        match self.resolve() {
            Some(Node::Struct(fields, _)) => match fields.get(key) {
                Some(f) => (self.at(f.node), f.meta),
                None => (self.nowhere(), None),
            },
            Some(Node::Map(values)) => (self.at(*values), None),
            _ => (self.nowhere(), None),
        }
    }

    /// The item schema and patch metadata of list field `key`
    /// (k8s: strategicpatch/meta.go, `LookupPatchMetadataForSlice`).
    pub(crate) fn lookup_slice(&self, key: &str) -> (Cursor<'a>, Option<PatchMeta>) {
        let (field, meta) = self.lookup_struct(key);
        let items = match field.resolve() {
            Some(Node::List(items)) => field.at(*items),
            _ => field.nowhere(),
        };
        (items, meta)
    }

    /// The OpenAPI definition of the object here, e.g.
    /// `io.k8s.api.core.v1.Container`.
    pub(crate) fn definition(&self) -> Option<&'a str> {
        match self.resolve() {
            Some(Node::Struct(_, definition)) => definition.as_deref(),
            _ => None,
        }
    }

    /// Whether the object here has a property `key` (as opposed to a map
    /// key or a field the schema does not know).
    pub(crate) fn declares(&self, key: &str) -> bool {
        matches!(self.resolve(), Some(Node::Struct(fields, _)) if fields.contains_key(key))
    }

    /// Whether the value here is a list.
    pub(crate) fn is_list(&self) -> bool {
        matches!(self.resolve(), Some(Node::List(_)))
    }

    /// The schema of the items of the list here.
    pub(crate) fn items(&self) -> Cursor<'a> {
        match self.resolve() {
            Some(Node::List(items)) => self.at(*items),
            _ => self.nowhere(),
        }
    }

    fn items_if_list(&self) -> Cursor<'a> {
        match self.resolve() {
            Some(Node::List(items)) => self.at(*items),
            _ => *self,
        }
    }

    /// What upstream's `LookupPatchMeta.Name()` reports for this position:
    /// the Go kind of the type.
    pub(crate) fn type_name(&self) -> &'static str {
        match self.resolve() {
            Some(Node::Struct(..)) | Some(Node::Opaque) => "struct",
            Some(Node::Map(_)) => "map",
            Some(Node::List(_)) => "slice",
            Some(Node::Scalar(kind)) => kind,
            Some(Node::Alias(_)) | None => "interface",
        }
    }
}

struct Compiler<'d> {
    definitions: &'d Map<String, Value>,
    nodes: Vec<Node>,
    by_name: HashMap<String, NodeId>,
}

impl Compiler<'_> {
    fn push(&mut self, node: Node) -> NodeId {
        self.nodes.push(node);
        NodeId(self.nodes.len() - 1)
    }

    fn definition(&mut self, name: &str, depth: usize) -> NodeId {
        if let Some(id) = self.by_name.get(name) {
            return *id;
        }
        // Reserve the id first so recursive types (JSONSchemaProps) terminate.
        let id = self.push(Node::Opaque);
        self.by_name.insert(name.to_owned(), id);
        let node = match self.definitions.get(name) {
            Some(schema) => self.node(schema, Some(name), depth + 1),
            None => Node::Opaque,
        };
        self.nodes[id.0] = node;
        id
    }

    fn schema(&mut self, schema: &Value, depth: usize) -> NodeId {
        if let Some(target) = ref_name(schema) {
            return self.definition(target, depth);
        }
        let node = self.node(schema, None, depth + 1);
        self.push(node)
    }

    fn node(&mut self, schema: &Value, definition: Option<&str>, depth: usize) -> Node {
        if depth > MAX_SCHEMA_DEPTH {
            return Node::Opaque;
        }
        if let Some(target) = ref_name(schema) {
            return Node::Alias(self.definition(target, depth));
        }
        if let Some(first) = schema
            .get("allOf")
            .and_then(Value::as_array)
            .and_then(|all| all.first())
        {
            return self.node(first, definition, depth + 1);
        }
        let ty = schema.get("type").and_then(Value::as_str);
        if let Some(Value::Object(properties)) = schema.get("properties") {
            let mut fields = HashMap::with_capacity(properties.len());
            for (field, sub) in properties {
                let node = self.schema(sub, depth);
                let meta = definition.and_then(|d| meta::lookup(d, field));
                fields.insert(field.clone(), Field { node, meta });
            }
            return Node::Struct(fields, definition.map(str::to_owned));
        }
        match ty {
            Some("object") => match schema.get("additionalProperties") {
                Some(values @ Value::Object(_)) => Node::Map(self.schema(values, depth)),
                _ => Node::Opaque,
            },
            Some("array") => match schema.get("items") {
                Some(items @ Value::Object(_)) => Node::List(self.schema(items, depth)),
                _ => Node::List(self.push(Node::Opaque)),
            },
            Some("string") => Node::Scalar("string"),
            Some("boolean") => Node::Scalar("bool"),
            Some("number") => Node::Scalar("float64"),
            Some("integer") => match schema.get("format").and_then(Value::as_str) {
                Some("int32") => Node::Scalar("int32"),
                _ => Node::Scalar("int64"),
            },
            _ => Node::Opaque,
        }
    }
}

/// The definition a `$ref` points to: its last path segment. Kubernetes
/// definition names (`io.k8s.api.core.v1.Pod`) need no JSON-pointer or
/// percent escaping, so none is undone.
fn ref_name(schema: &Value) -> Option<&str> {
    let reference = schema.get("$ref")?.as_str()?;
    reference.rsplit('/').next()
}

#[cfg(test)]
mod tests {
    use super::super::meta::PatchStrategy;
    use super::*;
    use k8s_openapi::api::apps::v1::Deployment;
    use k8s_openapi::api::core::v1::{Pod, Service};
    use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;

    #[test]
    fn navigates_pod() {
        let s = PatchSchema::of::<Pod>();
        assert_eq!(s.name(), "io.k8s.api.core.v1.Pod");
        let m = s.meta_at(&["spec", "containers"]).expect("containers meta");
        assert_eq!(
            (m.strategy, m.merge_key),
            (PatchStrategy::Merge, Some("name"))
        );
        let m = s.meta_at(&["spec", "containers", "ports"]).expect("ports");
        assert_eq!(m.merge_key, Some("containerPort"));
        let m = s.meta_at(&["spec", "initContainers", "env"]).expect("env");
        assert_eq!(m.merge_key, Some("name"));
        let m = s
            .meta_at(&["spec", "ephemeralContainers", "volumeMounts"])
            .expect("vm");
        assert_eq!(m.merge_key, Some("mountPath"));
        let m = s.meta_at(&["metadata", "finalizers"]).expect("finalizers");
        assert_eq!((m.strategy, m.merge_key), (PatchStrategy::Merge, None));
        assert_eq!(s.meta_at(&["spec", "tolerations"]), None);
        assert_eq!(s.meta_at(&["metadata", "labels"]), None);
        assert_eq!(
            s.meta_at(&["status", "conditions"])
                .and_then(|m| m.merge_key),
            Some("type")
        );
    }

    #[test]
    fn navigates_deployment_template() {
        let s = PatchSchema::of::<Deployment>();
        let m = s
            .meta_at(&["spec", "template", "spec", "volumes"])
            .expect("volumes");
        assert_eq!(m.strategy, PatchStrategy::MergeRetainKeys);
        assert_eq!(
            s.meta_at(&["spec", "strategy"]).map(|m| m.strategy),
            Some(PatchStrategy::RetainKeys)
        );
        let svc = PatchSchema::of::<Service>();
        assert_eq!(
            svc.meta_at(&["spec", "ports"]).and_then(|m| m.merge_key),
            Some("port")
        );
    }

    #[test]
    fn cached_and_cheap_to_clone() {
        let a = PatchSchema::of::<Pod>();
        let b = PatchSchema::of::<Pod>();
        assert!(Arc::ptr_eq(&a.inner, &b.inner));
    }

    #[test]
    fn recursive_types_terminate() {
        // JSONSchemaProps refers to itself.
        let s = PatchSchema::of::<CustomResourceDefinition>();
        assert_eq!(
            s.meta_at(&[
                "spec",
                "versions",
                "schema",
                "openAPIV3Schema",
                "properties"
            ]),
            None
        );
    }

    #[test]
    fn unstructured_has_no_metadata() {
        let s = PatchSchema::unstructured();
        assert_eq!(s.meta_at(&["spec", "containers"]), None);
        let (c, m) = s.root().lookup_slice("anything");
        assert!(m.is_none());
        assert_eq!(c.type_name(), "interface");
    }
}
