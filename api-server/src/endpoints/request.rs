//! What a resource request addresses, parsed from its path and query.
//!
//! Counterpart of k8s.io/apiserver `pkg/endpoints/request/requestinfo.go`.

use std::collections::HashMap;

use crate::registry::decode::parse_body;
use crate::registry::{
    DeleteOptions, FieldValidation, ListOptions, PatchKind, Propagation, WriteOptions,
};
use crate::status::{ApiError, Result};

/// A parsed resource path: `/api/v1/namespaces/ns/pods/name/status`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Target {
    pub group: String,
    pub version: String,
    pub namespace: Option<String>,
    pub resource: String,
    pub name: Option<String>,
    pub subresource: Option<String>,
}

/// Subresources of namespaces, which would otherwise read as resources.
const NAMESPACE_SUBRESOURCES: [&str; 2] = ["status", "finalize"];

impl Target {
    /// Parses the part of the path after `/api/v1/` or `/apis/g/v/`.
    // k8s: staging/src/k8s.io/apiserver/pkg/endpoints/request/requestinfo.go (NewRequestInfo)
    pub fn parse(group: &str, version: &str, rest: &str) -> Option<Self> {
        let mut parts: Vec<&str> = rest.split('/').filter(|p| !p.is_empty()).collect();
        let mut target = Target {
            group: group.into(),
            version: version.into(),
            ..Target::default()
        };
        if parts.first() == Some(&"namespaces") && parts.len() > 1 {
            target.namespace = Some(parts[1].to_owned());
            if parts.len() > 2 && !NAMESPACE_SUBRESOURCES.contains(&parts[2]) {
                parts.drain(..2);
            } else {
                // The namespace object itself, or one of its subresources.
                target.namespace = None;
            }
        }
        let mut parts = parts.into_iter();
        target.resource = parts.next()?.to_owned();
        target.name = parts.next().map(str::to_owned);
        target.subresource = parts.next().map(str::to_owned);
        if parts.next().is_some() {
            return None;
        }
        Some(target)
    }
}

/// The query parameters of a request.
#[derive(Debug, Default)]
pub struct Query(HashMap<String, String>);

impl Query {
    pub fn parse(query: Option<&str>) -> Result<Self> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query.unwrap_or_default())
            .map_err(|_| ApiError::bad_request("malformed query string"))?;
        // The last value of a repeated key wins.
        Ok(Self(pairs.into_iter().collect()))
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    fn flag(&self, key: &str) -> Result<bool> {
        match self.get(key) {
            None | Some("false") | Some("0") => Ok(false),
            Some("true") | Some("1") | Some("") => Ok(true),
            Some(other) => Err(ApiError::bad_request(format!(
                "invalid boolean value for {key}: {other:?}"
            ))),
        }
    }

    fn number<T: std::str::FromStr>(&self, key: &str) -> Result<Option<T>> {
        self.get(key)
            .filter(|v| !v.is_empty())
            .map(|v| {
                v.parse()
                    .map_err(|_| ApiError::bad_request(format!("invalid value for {key}: {v:?}")))
            })
            .transpose()
    }

    pub fn is_watch(&self) -> Result<bool> {
        self.flag("watch")
    }

    pub fn timeout_seconds(&self) -> Result<Option<u64>> {
        self.number("timeoutSeconds")
    }

    /// `dryRun=All`: the write is checked and answered, not stored.
    pub fn dry_run(&self) -> Result<bool> {
        match self.get("dryRun") {
            None | Some("") => Ok(false),
            Some("All") => Ok(true),
            Some(other) => Err(ApiError::bad_request(format!(
                "dryRun: Unsupported value: \"{other}\": supported values: \"All\""
            ))),
        }
    }

    pub fn list_options(&self) -> Result<ListOptions> {
        let text = |key| self.get(key).filter(|v| !v.is_empty()).map(str::to_owned);
        Ok(ListOptions {
            label_selector: text("labelSelector"),
            field_selector: text("fieldSelector"),
            resource_version: text("resourceVersion"),
            resource_version_match: text("resourceVersionMatch"),
            limit: self.number("limit")?,
            continue_token: text("continue"),
            allow_watch_bookmarks: self.flag("allowWatchBookmarks")?,
            send_initial_events: self
                .get("sendInitialEvents")
                .map(|_| self.flag("sendInitialEvents"))
                .transpose()?,
        })
    }

    /// Write options from the query; `user_agent` names the field manager
    /// when the query does not (k8s: handlers/rest.go, `prefixFromUserAgent`).
    pub fn write_options(&self, user_agent: &str) -> Result<WriteOptions> {
        let field_validation = match self.get("fieldValidation") {
            None | Some("") => FieldValidation::default(),
            Some("Ignore") => FieldValidation::Ignore,
            Some("Warn") => FieldValidation::Warn,
            Some("Strict") => FieldValidation::Strict,
            Some(other) => {
                return Err(ApiError::bad_request(format!(
                    "fieldValidation: Unsupported value: \"{other}\": supported values: \"Ignore\", \"Strict\", \"Warn\""
                )));
            }
        };
        Ok(WriteOptions {
            dry_run: self.dry_run()?,
            field_manager: match self.get("fieldManager") {
                Some(manager) => manager.to_owned(),
                None => user_agent.split('/').next().unwrap_or_default().to_owned(),
            },
            field_validation,
            force: self.get("force") == Some("true"),
            via: "",
        })
    }

    /// Write options of a PATCH: an apply names its manager; only an apply
    /// may force (k8s: apiserver pkg/apis/meta/v1/validation, `ValidatePatchOptions`).
    pub fn patch_options(&self, kind: PatchKind, user_agent: &str) -> Result<WriteOptions> {
        let invalid = |message: &str| {
            ApiError::from_status(
                422,
                "Invalid",
                format!("PatchOptions.meta.k8s.io \"\" is invalid: {message}"),
            )
        };
        if kind == PatchKind::Apply {
            if self.get("fieldManager").is_none_or(str::is_empty) {
                return Err(invalid(
                    "fieldManager: Required value: is required for apply patch",
                ));
            }
        } else if self.get("force").is_some() {
            return Err(invalid(
                "force: Forbidden: may not be specified for non-apply patch",
            ));
        }
        self.write_options(user_agent)
    }

    /// DeleteOptions from the query, overridden by a body when one is sent.
    pub fn delete_options(&self, body: &[u8], content_type: &str) -> Result<DeleteOptions> {
        let mut options = DeleteOptions {
            grace_period_seconds: self.number("gracePeriodSeconds")?,
            propagation: self
                .get("propagationPolicy")
                .map(parse_propagation)
                .transpose()?,
            dry_run: self.dry_run()?,
            ..DeleteOptions::default()
        };
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(options);
        }
        options.merge(&parse_body(body, content_type)?)?;
        Ok(options)
    }
}

impl DeleteOptions {
    /// Overrides these options with those of a `DeleteOptions` object.
    pub fn merge(&mut self, value: &serde_json::Value) -> Result<()> {
        if let Some(seconds) = value.get("gracePeriodSeconds").and_then(|v| v.as_i64()) {
            self.grace_period_seconds = Some(seconds);
        }
        if let Some(policy) = value.get("propagationPolicy").and_then(|v| v.as_str()) {
            self.propagation = Some(parse_propagation(policy)?);
        }
        if let Some(orphan) = value.get("orphanDependents").and_then(|v| v.as_bool()) {
            self.propagation.get_or_insert(if orphan {
                Propagation::Orphan
            } else {
                Propagation::Background
            });
        }
        if let Some(pre) = value.get("preconditions") {
            self.precondition_uid = pre.get("uid").and_then(|v| v.as_str()).map(str::to_owned);
            self.precondition_resource_version = pre
                .get("resourceVersion")
                .and_then(|v| v.as_str())
                .map(str::to_owned);
        }
        if let Some(dry_run) = value.get("dryRun").and_then(|v| v.as_array()) {
            self.dry_run |= dry_run.iter().any(|v| v == "All");
        }
        Ok(())
    }
}

fn parse_propagation(policy: &str) -> Result<Propagation> {
    match policy {
        "Orphan" => Ok(Propagation::Orphan),
        "Background" => Ok(Propagation::Background),
        "Foreground" => Ok(Propagation::Foreground),
        other => Err(ApiError::bad_request(format!(
            "propagationPolicy: Unsupported value: \"{other}\": supported values: \"Background\", \"Foreground\", \"Orphan\""
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_parse_like_upstream() {
        let t = Target::parse("", "v1", "namespaces/default/pods/web/status").expect("parses");
        assert_eq!(t.namespace.as_deref(), Some("default"));
        assert_eq!(t.resource, "pods");
        assert_eq!(t.name.as_deref(), Some("web"));
        assert_eq!(t.subresource.as_deref(), Some("status"));
        let ns = Target::parse("", "v1", "namespaces/kube-system").expect("parses");
        assert_eq!(
            (ns.resource.as_str(), ns.name.as_deref()),
            ("namespaces", Some("kube-system"))
        );
        assert_eq!(ns.namespace, None);
        let fin = Target::parse("", "v1", "namespaces/x/finalize").expect("parses");
        assert_eq!(fin.subresource.as_deref(), Some("finalize"));
        let all = Target::parse("apps", "v1", "deployments").expect("parses");
        assert_eq!((all.resource.as_str(), all.name), ("deployments", None));
        assert!(Target::parse("", "v1", "").is_none());
    }

    #[test]
    fn queries_decode() {
        let q = Query::parse(Some(
            "labelSelector=app%3Dweb%2Ctier+in+(a)&limit=5&watch=1",
        ))
        .expect("parses");
        let list = q.list_options().expect("valid");
        assert_eq!(list.label_selector.as_deref(), Some("app=web,tier in (a)"));
        assert_eq!(list.limit, Some(5));
        assert!(q.is_watch().expect("flag"));
        assert!(
            Query::parse(Some("limit=x"))
                .expect("parses")
                .list_options()
                .is_err()
        );
    }
}
