//! What a GET, LIST or WATCH answers, as the `Accept` header asks: the
//! objects as stored, a `meta.k8s.io` Table (what `kubectl get` prints), or
//! their metadata alone (`PartialObjectMetadata`, used by garbage collectors
//! and metadata informers).
//!
//! Counterpart of k8s.io/apiserver `pkg/endpoints/handlers/rest.go`
//! (transformObject, targetEncodingForTransform), `response.go` (asTable,
//! asPartialObjectMetadata, asPartialObjectMetadataList) and
//! `pkg/endpoints/handlers/negotiation/negotiate.go`.

use bytes::Bytes;
use http::{HeaderMap, header};
use jiff::Timestamp;
use serde_json::{Map, Value, json};

use super::request::Query;
use crate::registry::ResourceInfo;
use crate::status::{ApiError, Result};

/// The form of the answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Output {
    /// The objects as stored.
    Json,
    /// A Table in `meta.k8s.io/<version>`.
    Table {
        version: &'static str,
        include: Include,
    },
    /// `PartialObjectMetadata`: one object's metadata.
    Partial { version: &'static str },
    /// `PartialObjectMetadataList`: the metadata of a list's items.
    PartialList { version: &'static str },
}

/// What each Table row carries besides its cells (`includeObject`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Include {
    None,
    Metadata,
    Object,
}

impl Output {
    /// The first form of `Accept` this server can answer. Media types
    /// without `as=` are answered with JSON; a header that asks only for
    /// forms this server lacks is refused with 406.
    // k8s: staging/src/k8s.io/apiserver/pkg/endpoints/handlers/negotiation/negotiate.go (NegotiateOutputMediaType)
    pub(super) fn negotiate(headers: &HeaderMap, query: &Query) -> Result<Self> {
        let Some(accept) = headers.get(header::ACCEPT) else {
            return Ok(Output::Json);
        };
        let accept = accept
            .to_str()
            .map_err(|_| ApiError::bad_request("the Accept header is not ASCII"))?;
        if accept.trim().is_empty() {
            return Ok(Output::Json);
        }
        for range in accept.split(',').map(str::trim) {
            let mut parts = range.split(';').map(str::trim);
            let media = parts.next().unwrap_or_default();
            let params: Vec<(&str, &str)> = parts.filter_map(|p| p.split_once('=')).collect();
            let param = |key: &str| params.iter().find(|(k, _)| *k == key).map(|(_, v)| *v);
            let Some(target) = param("as") else {
                return Ok(Output::Json);
            };
            if !matches!(media, "application/json" | "application/*" | "*/*")
                || param("g") != Some("meta.k8s.io")
            {
                continue;
            }
            let version = match param("v") {
                Some("v1") => "v1",
                Some("v1beta1") => "v1beta1",
                _ => continue,
            };
            match target {
                "Table" => {
                    let include = match query.get("includeObject") {
                        None | Some("") | Some("Metadata") => Include::Metadata,
                        Some("Object") => Include::Object,
                        Some("None") => Include::None,
                        Some(other) => {
                            return Err(ApiError::bad_request(format!(
                                "unrecognized includeObject value: {other:?}"
                            )));
                        }
                    };
                    return Ok(Output::Table { version, include });
                }
                "PartialObjectMetadata" => return Ok(Output::Partial { version }),
                "PartialObjectMetadataList" => return Ok(Output::PartialList { version }),
                _ => continue,
            }
        }
        Err(ApiError::not_acceptable(
            "only the following media types are accepted: application/json",
        ))
    }

    /// The answer for one object: a GET, or the object of one watch event
    /// (`headers` false leaves out a Table's column definitions, as every
    /// event after the first of a watch does).
    pub(super) fn object(
        &self,
        info: &ResourceInfo,
        object: Bytes,
        headers: bool,
    ) -> Result<Bytes> {
        match *self {
            Output::Json => Ok(object),
            Output::Table { version, include } => {
                let object = parse(&object)?;
                let metadata = json!({"resourceVersion": object["metadata"]["resourceVersion"]});
                let table = table(info, version, include, metadata, &[object], headers);
                Ok(table.to_string().into())
            }
            Output::Partial { version } => {
                Ok(partial(version, &parse(&object)?).to_string().into())
            }
            Output::PartialList { .. } => Err(ApiError::not_acceptable(format!(
                "you requested PartialObjectMetadataList, but the requested object is not a list (*v1.{})",
                info.kind
            ))),
        }
    }

    /// The answer for a list of `items` with list metadata `metadata`.
    pub(super) fn list(
        &self,
        info: &ResourceInfo,
        items: &[Bytes],
        metadata: Value,
    ) -> Result<Bytes> {
        let parsed = || items.iter().map(parse).collect::<Result<Vec<_>>>();
        let body = match *self {
            Output::Json => return Ok(super::resource::list_json(info, items, &metadata)),
            Output::Table { version, include } => {
                table(info, version, include, metadata, &parsed()?, true)
            }
            Output::PartialList { version } => {
                let items: Vec<Value> = parsed()?.iter().map(|o| partial(version, o)).collect();
                json!({
                    "kind": "PartialObjectMetadataList",
                    "apiVersion": format!("meta.k8s.io/{version}"),
                    "metadata": metadata,
                    "items": items,
                })
            }
            Output::Partial { .. } => {
                return Err(ApiError::not_acceptable(format!(
                    "you requested PartialObjectMetadata, but the requested object is a list (*v1.{}List)",
                    info.kind
                )));
            }
        };
        Ok(body.to_string().into())
    }
}

fn parse(object: &Bytes) -> Result<Value> {
    serde_json::from_slice(object).map_err(ApiError::internal)
}

/// An object's metadata alone, as `PartialObjectMetadata`.
fn partial(version: &str, object: &Value) -> Value {
    json!({
        "kind": "PartialObjectMetadata",
        "apiVersion": format!("meta.k8s.io/{version}"),
        "metadata": object["metadata"],
    })
}

/// The Table of `objects`, one row each.
// k8s: staging/src/k8s.io/apiserver/pkg/endpoints/handlers/response.go (asTable)
fn table(
    info: &ResourceInfo,
    version: &str,
    include: Include,
    metadata: Value,
    objects: &[Value],
    headers: bool,
) -> Value {
    let now = Timestamp::now();
    let rows: Vec<Value> = objects
        .iter()
        .map(|object| {
            let row = info.printer.row(object, now);
            let mut out = Map::new();
            out.insert("cells".into(), row.cells.into());
            if !row.conditions.is_empty() {
                out.insert("conditions".into(), row.conditions.into());
            }
            let object = match include {
                Include::None => Value::Null,
                Include::Metadata => partial(version, object),
                Include::Object => object.clone(),
            };
            out.insert("object".into(), object);
            Value::Object(out)
        })
        .collect();
    let columns = if headers {
        info.printer.column_definitions().clone()
    } else {
        Value::Null
    };
    json!({
        "kind": "Table",
        "apiVersion": format!("meta.k8s.io/{version}"),
        "metadata": metadata,
        "columnDefinitions": columns,
        "rows": rows,
    })
}

#[cfg(test)]
mod tests {
    use http::HeaderValue;

    use super::*;

    fn negotiate(accept: &str, query: &str) -> Result<Output> {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT,
            HeaderValue::from_str(accept).expect("ascii"),
        );
        Output::negotiate(&headers, &Query::parse(Some(query)).expect("query"))
    }

    #[test]
    fn kubectl_gets_a_table() {
        let kubectl = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";
        assert_eq!(
            negotiate(kubectl, ""),
            Ok(Output::Table {
                version: "v1",
                include: Include::Metadata
            })
        );
        assert_eq!(
            negotiate(
                "application/json;as=Table;v=v1beta1;g=meta.k8s.io",
                "includeObject=None"
            ),
            Ok(Output::Table {
                version: "v1beta1",
                include: Include::None
            })
        );
        assert_eq!(
            negotiate(kubectl, "includeObject=Everything").map_err(|e| e.code),
            Err(400)
        );
    }

    #[test]
    fn unknown_transforms_fall_back_to_json_or_are_refused() {
        assert_eq!(
            negotiate(
                "application/json;as=Table;v=v2;g=meta.k8s.io, application/json",
                ""
            ),
            Ok(Output::Json)
        );
        assert_eq!(
            negotiate(
                "application/json;g=meta.k8s.io;v=v1;as=PartialObjectMetadataList",
                ""
            ),
            Ok(Output::PartialList { version: "v1" })
        );
        let refused = negotiate("application/json;as=Scale;v=v1;g=autoscaling", "");
        assert_eq!(
            refused.map_err(|e| (e.code, e.reason)),
            Err((406, "NotAcceptable"))
        );
    }
}
