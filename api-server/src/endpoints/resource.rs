//! Resource handlers: one entry per API prefix, dispatching on method and
//! path shape to the resource's [`Rest`] verbs.
//!
//! Counterpart of k8s.io/apiserver `pkg/endpoints/handlers/` (get.go,
//! create.go, update.go, patch.go, delete.go) and `installer.go`.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use bytes::{BufMut, Bytes, BytesMut};
use http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use http_body_util::BodyExt;

use super::request::{Query, Target};
use super::transform::Output;
use super::{AppState, Served, json_response, subresource, watch};
use crate::registry::decode::parse_body;
use crate::registry::meta::encode_continue;
use crate::registry::{Part, PatchKind, ResourceInfo, Rest, Subresource, Written};
use crate::status::{ApiError, Details, Result, success};
use crate::storage::cacher::ListResult;

/// Largest accepted request body, as upstream (3 MiB).
pub const MAX_BODY: usize = 3 * 1024 * 1024;

pub(super) async fn core(
    State(state): State<Arc<AppState>>,
    Path(rest): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    handle(state, "", "v1", &rest, method, uri, headers, body).await
}

pub(super) async fn grouped(
    State(state): State<Arc<AppState>>,
    Path((group, version, rest)): Path<(String, String, String)>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    handle(state, &group, &version, &rest, method, uri, headers, body).await
}

#[allow(clippy::too_many_arguments)]
async fn handle(
    state: Arc<AppState>,
    group: &str,
    version: &str,
    rest: &str,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let Some(target) = Target::parse(group, version, rest) else {
        return ApiError::not_found_path().into_response();
    };
    let mut served = Served {
        verb: verb_of(&method, &target),
        group: target.group.clone(),
        version: target.version.clone(),
        resource: target.resource.clone(),
        subresource: target.subresource.clone().unwrap_or_default(),
    };
    let result = dispatch(&state, &target, &method, &uri, &headers, body, &mut served).await;
    let mut response = result.unwrap_or_else(IntoResponse::into_response);
    response.extensions_mut().insert(served);
    response
}

fn verb_of(method: &Method, target: &Target) -> &'static str {
    match (method.as_str(), target.name.is_some()) {
        ("GET", true) => "GET",
        ("GET", false) => "LIST",
        ("POST", _) => "POST",
        ("PUT", _) => "PUT",
        ("PATCH", _) => "PATCH",
        ("DELETE", true) => "DELETE",
        ("DELETE", false) => "DELETECOLLECTION",
        _ => "OTHER",
    }
}

async fn dispatch(
    state: &AppState,
    target: &Target,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: Body,
    served: &mut Served,
) -> Result<Response> {
    let rest = state
        .registry
        .get(&target.group, &target.version, &target.resource)
        .ok_or_else(ApiError::not_found_path)?;
    let info = rest.info();
    if !info.namespaced && target.namespace.is_some() {
        return Err(ApiError::not_found_path());
    }
    let namespace = target.namespace.as_deref();
    let query = Query::parse(uri.query())?;
    let subresource = match target.subresource.as_deref() {
        None => None,
        Some(name) => Some(
            info.subresource(name)
                .ok_or_else(ApiError::not_found_path)?,
        ),
    };
    match (subresource, target.name.as_deref()) {
        (Some(Subresource::Scale), Some(name)) => {
            let body = read_body(body).await?;
            return subresource::scale(
                rest.as_ref(),
                namespace,
                name,
                method,
                headers,
                &query,
                body,
            )
            .await;
        }
        (Some(Subresource::Log), Some(name)) if method == Method::GET => {
            return subresource::log(&state.registry, rest.as_ref(), namespace, name, &query).await;
        }
        (Some(Subresource::Binding), Some(name)) if method == Method::POST => {
            let body = read_body(body).await?;
            return subresource::binding(rest.as_ref(), namespace, name, headers, &query, body)
                .await;
        }
        (Some(Subresource::Eviction), Some(name)) if method == Method::POST => {
            let body = read_body(body).await?;
            let namespace = namespace.unwrap_or_default();
            return subresource::eviction(
                &state.registry,
                rest.as_ref(),
                namespace,
                name,
                headers,
                &query,
                body,
            )
            .await;
        }
        _ => {}
    }
    let part = match subresource {
        None => Part::Main,
        Some(Subresource::Status) => Part::Status,
        Some(_) => return Err(ApiError::not_found_path()),
    };
    match (method.as_str(), target.name.as_deref()) {
        ("GET", None) if query.is_watch()? => {
            served.verb = "WATCH";
            let options = query.list_options()?;
            let output = Output::negotiate(headers, &query)?;
            watch::serve(
                state,
                rest.clone(),
                namespace,
                &options,
                query.timeout_seconds()?,
                output,
            )
            .await
        }
        ("GET", None) => {
            let options = query.list_options()?;
            let output = Output::negotiate(headers, &query)?;
            let result = rest.list(namespace, &options).await?;
            let items: Vec<Bytes> = result.items.iter().map(|o| o.json.clone()).collect();
            let body = output.list(info, &items, list_metadata(info, &result))?;
            Ok(json_response(StatusCode::OK, body))
        }
        ("GET", Some(name)) => {
            let output = Output::negotiate(headers, &query)?;
            let object = rest.get(namespace, name).await?;
            Ok(json_response(
                StatusCode::OK,
                output.object(info, object, true)?,
            ))
        }
        ("POST", None) if part == Part::Main => {
            if info.namespaced && namespace.is_none() {
                return Err(ApiError::method_not_supported(info.qualified(), "create"));
            }
            let body = read_body(body).await?;
            let value = parse_body(&body, content_type(headers))?;
            let written = rest
                .create(namespace, value, &query.write_options(user_agent(headers))?)
                .await?;
            Ok(written_response(written))
        }
        ("PUT", Some(name)) => {
            let body = read_body(body).await?;
            let value = parse_body(&body, content_type(headers))?;
            let written = rest
                .update(
                    namespace,
                    name,
                    part,
                    value,
                    &query.write_options(user_agent(headers))?,
                )
                .await?;
            Ok(written_response(written))
        }
        ("PATCH", Some(name)) => {
            let kind = patch_kind(headers)?;
            let body = read_body(body).await?;
            let written = rest
                .patch(
                    namespace,
                    name,
                    part,
                    kind,
                    &body,
                    &query.patch_options(kind, user_agent(headers))?,
                )
                .await?;
            Ok(written_response(written))
        }
        ("DELETE", Some(name)) if part == Part::Main => {
            let body = read_body(body).await?;
            let options = query.delete_options(&body, content_type(headers))?;
            let deleted = rest.delete(namespace, name, &options).await?;
            Ok(delete_response(info, name, deleted))
        }
        ("DELETE", None) => {
            let body = read_body(body).await?;
            let options = query.delete_options(&body, content_type(headers))?;
            let list_options = query.list_options()?;
            delete_collection(rest.as_ref(), namespace, &list_options, &options).await
        }
        (verb, _) => Err(ApiError::method_not_supported(
            info.qualified(),
            &verb.to_ascii_lowercase(),
        )),
    }
}

/// Reads a request body of at most [`MAX_BODY`] bytes.
async fn read_body(body: Body) -> Result<Bytes> {
    let limited = http_body_util::Limited::new(body, MAX_BODY);
    match limited.collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(error) if error.is::<http_body_util::LengthLimitError>() => Err(
            ApiError::request_entity_too_large(format!("limit is {MAX_BODY}")),
        ),
        Err(error) => Err(ApiError::bad_request(format!(
            "error reading the request body: {error}"
        ))),
    }
}

pub(super) fn user_agent(headers: &HeaderMap) -> &str {
    headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

pub(super) fn content_type(headers: &HeaderMap) -> &str {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/json")
}

fn patch_kind(headers: &HeaderMap) -> Result<PatchKind> {
    Ok(PatchKind::from_content_type(content_type(headers))?)
}

/// 201 for a write that created the object (a POST, a PUT or a server-side
/// apply of a missing one), else 200.
fn written_response(written: Written) -> Response {
    let code = if written.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let mut response = json_response(code, written.object);
    for warning in written.warnings {
        let text = format!("299 - {}", serde_json::Value::String(warning));
        if let Ok(value) = HeaderValue::from_str(&text) {
            response.headers_mut().append(header::WARNING, value);
        }
    }
    response
}

fn delete_response(info: &ResourceInfo, name: &str, deleted: crate::registry::Deleted) -> Response {
    // k8s: staging/src/k8s.io/apiserver/pkg/endpoints/handlers/delete.go
    if deleted.finished && !returns_deleted_object(info) {
        let uid = serde_json::from_slice::<serde_json::Value>(&deleted.object)
            .ok()
            .and_then(|o| o["metadata"]["uid"].as_str().map(str::to_owned))
            .unwrap_or_default();
        let status = success(
            None,
            Some(Details {
                name: name.into(),
                group: info.group.into(),
                kind: info.resource.into(),
                uid,
                ..Details::default()
            }),
        );
        return json_response(StatusCode::OK, status.to_string().into());
    }
    json_response(StatusCode::OK, deleted.object)
}

/// Resources whose finished deletes answer the object, not a Status.
fn returns_deleted_object(info: &ResourceInfo) -> bool {
    matches!(
        info.resource,
        "pods" | "namespaces" | "replicationcontrollers"
    )
}

async fn delete_collection(
    rest: &dyn Rest,
    namespace: Option<&str>,
    list_options: &crate::registry::ListOptions,
    options: &crate::registry::DeleteOptions,
) -> Result<Response> {
    let info = rest.info();
    let listed = rest.list(namespace, list_options).await?;
    let mut items = Vec::with_capacity(listed.items.len());
    for object in &listed.items {
        let value: serde_json::Value =
            serde_json::from_slice(&object.json).map_err(ApiError::internal)?;
        let name = value["metadata"]["name"].as_str().unwrap_or_default();
        let ns = value["metadata"]["namespace"].as_str();
        match rest.delete(ns.or(namespace), name, options).await {
            Ok(deleted) => items.push(deleted.object),
            Err(error) if error.code == 404 => {}
            Err(error) => return Err(error),
        }
    }
    let metadata = serde_json::json!({"resourceVersion": listed.revision.to_string()});
    let body = list_json(info, &items, &metadata);
    Ok(json_response(StatusCode::OK, body))
}

/// The `metadata` of a LIST: its revision and where the next page starts.
fn list_metadata(info: &ResourceInfo, result: &ListResult) -> serde_json::Value {
    let mut metadata = serde_json::json!({"resourceVersion": result.revision.to_string()});
    if let Some(key) = &result.continue_after {
        let prefix = info.key_prefix();
        let token = encode_continue(key.strip_prefix(&prefix).unwrap_or(key), result.revision);
        metadata["continue"] = token.into();
    }
    if let Some(remaining) = result.remaining {
        metadata["remainingItemCount"] = remaining.into();
    }
    metadata
}

/// The `<Kind>List` of `items`, assembled from their encodings.
pub(super) fn list_json(
    info: &ResourceInfo,
    items: &[Bytes],
    metadata: &serde_json::Value,
) -> Bytes {
    let size: usize = items.iter().map(|i| i.len() + 1).sum();
    let mut out = BytesMut::with_capacity(size + 256);
    out.put_slice(
        format!(
            "{{\"kind\":\"{}List\",\"apiVersion\":\"{}\",\"metadata\":{},\"items\":[",
            info.kind,
            info.api_version(),
            metadata
        )
        .as_bytes(),
    );
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.put_u8(b',');
        }
        out.put_slice(item);
    }
    out.put_slice(b"]}");
    out.freeze()
}
