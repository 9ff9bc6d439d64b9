//! OpenAPI v3 documents (`/openapi/v3` and one document per group version)
//! and the OpenAPI v2 document (`/openapi/v2`, JSON only).
//!
//! They are what `kubectl explain` reads field docs from and what kubectl's
//! validation looks at before a create or apply: a PATCH operation that
//! names the kind in `x-kubernetes-group-version-kind` and takes a
//! `fieldValidation` parameter tells kubectl the server validates fields
//! itself. Schemas come from k8s-openapi (schemars), the strategic merge
//! patch extensions from the table the patch engine uses.
//!
//! Counterpart of k8s.io/apiserver `pkg/endpoints/openapi`,
//! k8s.io/kube-openapi `pkg/handler3` (the v3 index with `serverRelativeURL`s)
//! and `pkg/builder3`.

use std::collections::BTreeMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Arc;

use apimachinery::patch::meta::{PATCH_STRATEGY_EXTENSION, openapi_extensions};
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::{HeaderMap, StatusCode, header};
use schemars::SchemaGenerator;
use schemars::generate::SchemaSettings;
use serde_json::{Map, Value, json};

use super::{AppState, GIT_VERSION, json_response};
use crate::registry::{Registry, ResourceInfo, Subresource};
use crate::status::ApiError;

const PATCH_MERGE_KEY_EXTENSION: &str = "x-kubernetes-patch-merge-key";
const GVK_EXTENSION: &str = "x-kubernetes-group-version-kind";
const META: &str = "io.k8s.apimachinery.pkg.apis.meta.v1";

/// Every document, built once at startup from the registry.
pub struct OpenApi {
    /// `/openapi/v3`: the index of group-version documents.
    index: Bytes,
    /// Group-version documents by path (`api/v1`, `apis/apps/v1`).
    documents: BTreeMap<String, Bytes>,
    /// `/openapi/v2`.
    v2: Bytes,
}

impl OpenApi {
    pub fn build(registry: &Registry) -> Self {
        let mut by_group_version: BTreeMap<String, Vec<&ResourceInfo>> = BTreeMap::new();
        for rest in registry.all() {
            let info = rest.info();
            by_group_version
                .entry(group_version_path(info))
                .or_default()
                .push(info);
        }
        let mut documents = BTreeMap::new();
        let mut index = Map::new();
        let mut all_paths = Map::new();
        let mut all_schemas = Map::new();
        for (path, infos) in &by_group_version {
            let (paths, schemas) = describe(registry, infos);
            let document = json!({
                "openapi": "3.0.0",
                "info": {"title": "Kubernetes", "version": GIT_VERSION},
                "paths": paths,
                "components": {"schemas": schemas},
            });
            let bytes = Bytes::from(document.to_string());
            index.insert(
                path.clone(),
                json!({"serverRelativeURL": format!("/openapi/v3/{path}?hash={}", digest(&bytes))}),
            );
            documents.insert(path.clone(), bytes);
            all_paths.extend(paths);
            all_schemas.extend(schemas);
        }
        let v2 = json!({
            "swagger": "2.0",
            "info": {"title": "Kubernetes", "version": GIT_VERSION},
            "paths": v2_paths(all_paths),
            "definitions": v2_refs(Value::Object(all_schemas)),
        });
        OpenApi {
            index: Bytes::from(json!({"paths": index}).to_string()),
            documents,
            v2: Bytes::from(v2.to_string()),
        }
    }
}

/// `api/v1` or `apis/{group}/{version}`.
fn group_version_path(info: &ResourceInfo) -> String {
    if info.group.is_empty() {
        format!("api/{}", info.version)
    } else {
        format!("apis/{}/{}", info.group, info.version)
    }
}

/// A short, stable digest of a document for its `hash` query parameter.
fn digest(bytes: &[u8]) -> String {
    let mut hasher = DefaultHasher::new();
    bytes.hash(&mut hasher);
    format!("{:016X}", hasher.finish())
}

pub(super) async fn v3_index(State(state): State<Arc<AppState>>) -> Response {
    json_response(StatusCode::OK, state.openapi.index.clone())
}

pub(super) async fn v3_document(
    State(state): State<Arc<AppState>>,
    Path(path): Path<String>,
) -> Response {
    match state.openapi.documents.get(path.trim_end_matches('/')) {
        Some(document) => json_response(StatusCode::OK, document.clone()),
        None => ApiError::not_found_path().into_response(),
    }
}

/// The v2 document in JSON. Upstream also offers it as protobuf (what
/// kubectl asks for); a client that accepts only protobuf gets 406.
pub(super) async fn v2(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("*/*");
    let json_ok = accept.split(',').any(|media| {
        let media = media.split(';').next().unwrap_or_default().trim();
        matches!(media, "application/json" | "application/*" | "*/*" | "")
    });
    if json_ok {
        json_response(StatusCode::OK, state.openapi.v2.clone())
    } else {
        ApiError::not_acceptable(accept).into_response()
    }
}

/// The paths and schemas of one group version.
fn describe(
    registry: &Registry,
    infos: &[&ResourceInfo],
) -> (Map<String, Value>, Map<String, Value>) {
    let settings = SchemaSettings::openapi3().with(|s| {
        s.definitions_path = "#/components/schemas/".into();
    });
    let mut generator = SchemaGenerator::new(settings);
    let mut paths = Map::new();
    let mut kinds: Vec<(String, &ResourceInfo)> = Vec::new();
    for info in infos {
        let Some(rest) = registry.get(info.group, info.version, info.resource) else {
            continue;
        };
        let object = schema_ref(&mut rest.object_schema(&mut generator));
        kinds.push((object.clone(), info));
        paths.extend(resource_paths(info, &object, &mut generator));
    }
    let mut schemas = generator.take_definitions(true);
    schemas.insert(
        format!("{META}.Patch"),
        json!({
            "description": "The body of a PATCH request, in the format its Content-Type names.",
            "type": "object",
        }),
    );
    for (name, schema) in schemas.iter_mut() {
        annotate_properties(name, schema);
    }
    for (reference, info) in kinds {
        let name = reference.rsplit('/').next().unwrap_or_default();
        if let Some(schema) = schemas.get_mut(name) {
            schema[GVK_EXTENSION] =
                json!([{"group": info.group, "version": info.version, "kind": info.kind}]);
        }
    }
    (paths, schemas)
}

/// Registers the schema of `T` and returns its `$ref`.
fn reference<T: schemars::JsonSchema>(generator: &mut SchemaGenerator) -> String {
    schema_ref(&mut generator.subschema_for::<T>())
}

/// The `$ref` of a schema the generator registered.
fn schema_ref(schema: &mut schemars::Schema) -> String {
    schema
        .get("$ref")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// Adds the patch extensions to the properties of definition `name`, and
/// wraps a `$ref` that carries a description in `allOf`, as OpenAPI 3.0
/// ignores siblings of `$ref`.
fn annotate_properties(name: &str, schema: &mut Value) {
    let Some(properties) = schema.get_mut("properties").and_then(Value::as_object_mut) else {
        return;
    };
    for (field, property) in properties.iter_mut() {
        if let Some(object) = property.as_object_mut()
            && object.len() > 1
            && let Some(reference) = object.remove("$ref")
        {
            object.insert("allOf".into(), json!([{"$ref": reference}]));
        }
        if let Some((strategy, merge_key)) = openapi_extensions(name, field) {
            property[PATCH_STRATEGY_EXTENSION] = strategy.into();
            if let Some(key) = merge_key {
                property[PATCH_MERGE_KEY_EXTENSION] = key.into();
            }
        }
    }
}

/// The paths of one resource: its collection, its objects and their
/// subresources, with the verbs the server serves on each.
fn resource_paths(
    info: &ResourceInfo,
    object: &str,
    generator: &mut SchemaGenerator,
) -> Map<String, Value> {
    use k8s_openapi::api::{autoscaling, core, policy};
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::{DeleteOptions, Status};
    let delete_options = reference::<DeleteOptions>(generator);
    let status = reference::<Status>(generator);
    let prefix = if info.group.is_empty() {
        format!("/api/{}", info.version)
    } else {
        format!("/apis/{}/{}", info.group, info.version)
    };
    let scope = if info.namespaced {
        format!("{prefix}/namespaces/{{namespace}}/{}", info.resource)
    } else {
        format!("{prefix}/{}", info.resource)
    };
    let op = Operation { info };
    let mut paths = Map::new();
    paths.insert(
        scope.clone(),
        json!({
            "get": op.build("list", "", &[], None, &json!({"$ref": object}), "list"),
            "post": op.build("create", "", WRITE_PARAMS, Some(object), &json!({"$ref": object}), "post"),
            "delete": op.build("deletecollection", "", &[], Some(&delete_options), &json!({"$ref": status}), "deletecollection"),
            "parameters": scope_parameters(info, false),
        }),
    );
    paths.insert(
        format!("{scope}/{{name}}"),
        json!({
            "get": op.build("read", "", &[], None, &json!({"$ref": object}), "get"),
            "put": op.build("replace", "", WRITE_PARAMS, Some(object), &json!({"$ref": object}), "put"),
            "patch": op.patch("", object),
            "delete": op.build("delete", "", &["dryRun", "gracePeriodSeconds", "propagationPolicy"], Some(&delete_options), &json!({"$ref": object}), "delete"),
            "parameters": scope_parameters(info, true),
        }),
    );
    if info.namespaced {
        paths.insert(
            format!("{prefix}/{}", info.resource),
            json!({
                "get": op.build("list", "ForAllNamespaces", &[], None, &json!({"$ref": object}), "list"),
            }),
        );
    }
    let mut subresource = |name: &str, value: Value| {
        let mut value = value;
        value["parameters"] = scope_parameters(info, true);
        paths.insert(format!("{scope}/{{name}}/{name}"), value);
    };
    let create_only = |suffix: &str, body: &str| json!({"post": op.build("create", suffix, WRITE_PARAMS, Some(body), &json!({"$ref": body}), "post")});
    for served in info.subresources() {
        let operations = match served {
            Subresource::Status => json!({
                "get": op.build("read", "Status", &[], None, &json!({"$ref": object}), "get"),
                "put": op.build("replace", "Status", WRITE_PARAMS, Some(object), &json!({"$ref": object}), "put"),
                "patch": op.patch("Status", object),
            }),
            Subresource::Scale => {
                let scale = reference::<autoscaling::v1::Scale>(generator);
                json!({
                    "get": op.build("read", "Scale", &[], None, &json!({"$ref": scale}), "get"),
                    "put": op.build("replace", "Scale", WRITE_PARAMS, Some(&scale), &json!({"$ref": scale}), "put"),
                    "patch": op.patch("Scale", &scale),
                })
            }
            Subresource::Binding => {
                create_only("Binding", &reference::<core::v1::Binding>(generator))
            }
            Subresource::Eviction => {
                create_only("Eviction", &reference::<policy::v1::Eviction>(generator))
            }
            Subresource::Log => {
                let mut log = op.build("read", "Log", &[], None, &json!({"type": "string"}), "get");
                log["parameters"] = json!(
                    [
                        "container",
                        "follow",
                        "limitBytes",
                        "previous",
                        "sinceSeconds",
                        "tailLines",
                        "timestamps"
                    ]
                    .iter()
                    .map(|p| query_parameter(p))
                    .collect::<Vec<_>>()
                );
                json!({"get": log})
            }
        };
        subresource(served.name(), operations);
    }
    paths
}

const WRITE_PARAMS: &[&str] = &["dryRun", "fieldManager", "fieldValidation"];

/// The operations of one resource.
struct Operation<'a> {
    info: &'a ResourceInfo,
}

impl Operation<'_> {
    /// One operation: `verb` and `suffix` make its id (`patchNamespacedPodStatus`).
    fn build(
        &self,
        verb: &str,
        suffix: &str,
        params: &[&str],
        body: Option<&str>,
        response: &Value,
        action: &str,
    ) -> Value {
        let info = self.info;
        let scope = if info.namespaced && suffix != "ForAllNamespaces" {
            "Namespaced"
        } else {
            ""
        };
        let kind = info.kind;
        let list = if action == "list" { "List" } else { "" };
        let group = if info.group.is_empty() {
            "core"
        } else {
            info.group.split('.').next().unwrap_or_default()
        };
        let mut operation = json!({
            "operationId": format!("{verb}{scope}{kind}{list}{suffix}"),
            "tags": [format!("{group}_{}", info.version)],
            "parameters": params.iter().map(|p| query_parameter(p)).collect::<Vec<_>>(),
            "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": response}}}},
            "x-kubernetes-action": action,
            GVK_EXTENSION: {"group": info.group, "version": info.version, "kind": info.kind},
        });
        if action == "list" {
            operation["parameters"] = json!(
                LIST_PARAMS
                    .iter()
                    .map(|p| query_parameter(p))
                    .collect::<Vec<_>>()
            );
        }
        if let Some(body) = body {
            operation["requestBody"] =
                json!({"content": {"*/*": {"schema": {"$ref": body}}}, "required": true});
        }
        operation
    }

    /// A PATCH operation taking every patch format kubectl sends.
    fn patch(&self, suffix: &str, response: &str) -> Value {
        let mut operation = self.build(
            "patch",
            suffix,
            &["dryRun", "fieldManager", "fieldValidation", "force"],
            None,
            &json!({"$ref": response}),
            "patch",
        );
        let patch = json!({"schema": {"$ref": format!("#/components/schemas/{META}.Patch")}});
        operation["requestBody"] = json!({
            "content": {
                "application/apply-patch+yaml": patch,
                "application/json-patch+json": patch,
                "application/merge-patch+json": patch,
                "application/strategic-merge-patch+json": patch,
            },
            "required": true,
        });
        operation
    }
}

const LIST_PARAMS: &[&str] = &[
    "allowWatchBookmarks",
    "continue",
    "fieldSelector",
    "labelSelector",
    "limit",
    "resourceVersion",
    "resourceVersionMatch",
    "sendInitialEvents",
    "timeoutSeconds",
    "watch",
];

/// A query parameter with its upstream type.
fn query_parameter(name: &str) -> Value {
    let type_ = match name {
        "allowWatchBookmarks"
        | "follow"
        | "force"
        | "previous"
        | "sendInitialEvents"
        | "timestamps"
        | "watch" => "boolean",
        "gracePeriodSeconds" | "limit" | "limitBytes" | "sinceSeconds" | "tailLines"
        | "timeoutSeconds" => "integer",
        _ => "string",
    };
    json!({"name": name, "in": "query", "schema": {"type": type_, "uniqueItems": true}})
}

/// The path parameters of a collection (`namespace`) or an object (`name`
/// too), plus `pretty`.
fn scope_parameters(info: &ResourceInfo, named: bool) -> Value {
    let mut params = Vec::new();
    if named {
        params.push(path_parameter(
            "name",
            &format!("name of the {}", info.kind),
        ));
    }
    if info.namespaced {
        params.push(path_parameter(
            "namespace",
            "object name and auth scope, such as for teams and projects",
        ));
    }
    params.push(
        json!({"name": "pretty", "in": "query", "schema": {"type": "string", "uniqueItems": true}}),
    );
    Value::Array(params)
}

fn path_parameter(name: &str, description: &str) -> Value {
    json!({
        "name": name,
        "in": "path",
        "description": description,
        "required": true,
        "schema": {"type": "string", "uniqueItems": true},
    })
}

/// Points the references of a v3 fragment into the v2 `definitions`.
fn v2_refs(value: Value) -> Value {
    match value {
        Value::String(s) => Value::String(s.replace("#/components/schemas/", "#/definitions/")),
        Value::Array(items) => Value::Array(items.into_iter().map(v2_refs).collect()),
        Value::Object(object) => {
            Value::Object(object.into_iter().map(|(k, v)| (k, v2_refs(v))).collect())
        }
        other => other,
    }
}

/// Rewrites v3 paths for the v2 document: request bodies become body
/// parameters, other parameters carry their type inline, responses name
/// their schema directly.
fn v2_paths(paths: Map<String, Value>) -> Value {
    let mut paths = Value::Object(paths);
    let items = paths
        .as_object_mut()
        .into_iter()
        .flat_map(|p| p.values_mut());
    for item in items.filter_map(Value::as_object_mut) {
        for (key, value) in item.iter_mut() {
            if key == "parameters" {
                inline_parameter_types(value);
                continue;
            }
            let Some(operation) = value.as_object_mut() else {
                continue;
            };
            let mut parameters = operation.remove("parameters").unwrap_or_else(|| json!([]));
            inline_parameter_types(&mut parameters);
            if let Some(body) = operation.remove("requestBody")
                && let Some(list) = parameters.as_array_mut()
            {
                let schema = first_media_schema(&body);
                list.push(
                    json!({"name": "body", "in": "body", "required": true, "schema": schema}),
                );
            }
            operation.insert("parameters".into(), parameters);
            let responses = operation
                .get_mut("responses")
                .and_then(Value::as_object_mut);
            for response in responses.into_iter().flat_map(|r| r.values_mut()) {
                let schema = first_media_schema(response);
                if let Some(response) = response.as_object_mut() {
                    response.remove("content");
                    response.insert("schema".into(), schema);
                }
            }
        }
    }
    v2_refs(paths)
}

/// A v2 parameter carries its type itself rather than in a `schema`.
fn inline_parameter_types(parameters: &mut Value) {
    for parameter in parameters.as_array_mut().into_iter().flatten() {
        if let Some(parameter) = parameter.as_object_mut()
            && let Some(Value::Object(schema)) = parameter.remove("schema")
        {
            parameter.extend(schema);
        }
    }
}

/// The schema of the first media type of a request body or response.
fn first_media_schema(body: &Value) -> Value {
    body["content"]
        .as_object()
        .and_then(|content| content.values().next())
        .map_or(Value::Null, |media| media["schema"].clone())
}
