//! Events, in both groups that serve them: core `v1` (what `kubectl get
//! events` and `kubectl describe` read) and `events.k8s.io/v1` (what newer
//! components write). Both are one set of stored objects, kept in the core
//! form: [`EventsV1`] serves the core store through a conversion, so an
//! event written through either group is read through both. Counterpart of
//! k8s `pkg/registry/core/event/strategy.go`, `pkg/apis/events/v1/conversion.go`
//! and the validation of `pkg/apis/core/validation/events.go`: core `v1`
//! writes get the legacy checks only, `events.k8s.io/v1` writes the strict
//! ones as well. Upstream validates the internal type for both groups, so
//! error paths use the core field names (`involvedObject`, `message`) in
//! both.

use std::sync::Arc;

use apimachinery::validation::{
    BadValue, ErrorList, FieldError, Path, is_dns1123_subdomain, validate_immutable,
};
use async_trait::async_trait;
use bytes::Bytes;
use futures::StreamExt;
use k8s_openapi::Metadata;
use k8s_openapi::api::{core, events};
use serde::Serialize;
use serde_json::Value;

use super::core::validation::qualified_name;
use super::decode::to_typed;
use super::meta::{NameRule, validate_object_meta};
use super::store::Store;
use super::{
    DeleteOptions, Deleted, Deliveries, Entry, FieldValidation, ListOptions, Part, PatchKind,
    ResourceInfo, Rest, Strategy, WriteOptions, Written,
};
use crate::status::{ApiError, Result};
use crate::storage::cacher::{CachedObject, Delivery, ListResult};

pub static CORE_INFO: &ResourceInfo = &ResourceInfo {
    group: "",
    version: "v1",
    resource: "events",
    singular: "event",
    kind: "Event",
    namespaced: true,
    short_names: &["ev"],
    categories: &[],
    has_status: false,
    has_scale: false,
    printer: &crate::printers::EVENTS,
};

pub static EVENTS_V1_INFO: &ResourceInfo = &ResourceInfo {
    group: "events.k8s.io",
    version: "v1",
    resource: "events",
    singular: "event",
    kind: "Event",
    namespaced: true,
    short_names: &["ev"],
    categories: &[],
    has_status: false,
    has_scale: false,
    printer: &crate::printers::EVENTS_V1,
};

const REPORTING_INSTANCE_LIMIT: usize = 128;
const ACTION_LIMIT: usize = 128;
const REASON_LIMIT: usize = 128;
const NOTE_LIMIT: usize = 1024;

/// What the validation of an event looks at, from either group's type.
struct Fields<'a> {
    namespace: &'a str,
    involved_namespace: &'a str,
    has_event_time: bool,
    reporting_controller: &'a str,
    reporting_instance: &'a str,
    action: &'a str,
    reason: &'a str,
    message: &'a str,
    type_: &'a str,
    has_first_timestamp: bool,
    has_last_timestamp: bool,
    count: i32,
    has_source: bool,
    /// (count, whether lastObservedTime is set)
    series: Option<(i32, bool)>,
}

/// Whether an event source names a component or a host.
fn names_a_source(source: Option<&core::v1::EventSource>) -> bool {
    source.is_some_and(|s| !text(&s.component).is_empty() || !text(&s.host).is_empty())
}

fn text(value: &Option<String>) -> &str {
    value.as_deref().unwrap_or_default()
}

impl<'a> Fields<'a> {
    fn of_core(e: &'a core::v1::Event) -> Self {
        Fields {
            namespace: text(&e.metadata.namespace),
            involved_namespace: text(&e.involved_object.namespace),
            has_event_time: e.event_time.is_some(),
            reporting_controller: text(&e.reporting_component),
            reporting_instance: text(&e.reporting_instance),
            action: text(&e.action),
            reason: text(&e.reason),
            message: text(&e.message),
            type_: text(&e.type_),
            has_first_timestamp: e.first_timestamp.is_some(),
            has_last_timestamp: e.last_timestamp.is_some(),
            count: e.count.unwrap_or(0),
            has_source: names_a_source(e.source.as_ref()),
            series: e
                .series
                .as_ref()
                .map(|s| (s.count.unwrap_or(0), s.last_observed_time.is_some())),
        }
    }

    fn of_events_v1(e: &'a events::v1::Event) -> Self {
        Fields {
            namespace: text(&e.metadata.namespace),
            involved_namespace: e.regarding.as_ref().map_or("", |r| text(&r.namespace)),
            has_event_time: e.event_time.is_some(),
            reporting_controller: text(&e.reporting_controller),
            reporting_instance: text(&e.reporting_instance),
            action: text(&e.action),
            reason: text(&e.reason),
            message: text(&e.note),
            type_: text(&e.type_),
            has_first_timestamp: e.deprecated_first_timestamp.is_some(),
            has_last_timestamp: e.deprecated_last_timestamp.is_some(),
            count: e.deprecated_count.unwrap_or(0),
            has_source: names_a_source(e.deprecated_source.as_ref()),
            series: e
                .series
                .as_ref()
                .map(|s| (s.count, s.last_observed_time.0 != Default::default())),
        }
    }

    /// The checks every event passes, whichever group it is written through.
    // k8s: pkg/apis/core/validation/events.go (legacyValidateEvent)
    fn validate_legacy(&self) -> ErrorList {
        let mut errs = ErrorList::new();
        let involved_ns = Path::new("involvedObject").child("namespace");
        let mismatch = || {
            FieldError::invalid(
                &involved_ns,
                self.involved_namespace,
                "does not match event.namespace",
            )
        };
        if !self.has_event_time {
            let matches = if self.involved_namespace.is_empty() {
                matches!(self.namespace, "" | "default")
            } else {
                self.namespace == self.involved_namespace
            };
            if !matches {
                errs.push(mismatch());
            }
        } else {
            if self.involved_namespace.is_empty()
                && !matches!(self.namespace, "default" | "kube-system")
            {
                errs.push(mismatch());
            }
            let controller = Path::new("reportingController");
            if self.reporting_controller.is_empty() {
                errs.push(FieldError::required(&controller, ""));
            }
            errs.append(qualified_name(self.reporting_controller, &controller));
            for (field, value, limit) in [
                (
                    "reportingInstance",
                    self.reporting_instance,
                    REPORTING_INSTANCE_LIMIT,
                ),
                ("action", self.action, ACTION_LIMIT),
                ("reason", self.reason, REASON_LIMIT),
            ] {
                if value.is_empty() {
                    errs.push(FieldError::required(&Path::new(field), ""));
                }
                if value.len() > limit {
                    errs.push(too_many_characters(field, limit));
                }
            }
            if self.message.len() > NOTE_LIMIT {
                errs.push(too_many_characters("message", NOTE_LIMIT));
            }
        }
        for msg in is_dns1123_subdomain(self.namespace) {
            errs.push(FieldError::invalid(
                &Path::new("namespace"),
                self.namespace,
                msg,
            ));
        }
        errs
    }

    /// The checks of an event created through `events.k8s.io/v1`.
    // k8s: pkg/apis/core/validation/events.go (ValidateEventCreate)
    fn validate_strict(&self) -> ErrorList {
        let mut errs = self.validate_series();
        if !self.has_event_time {
            errs.push(FieldError::required(&Path::new("eventTime"), ""));
        }
        if !matches!(self.type_, "Normal" | "Warning") {
            errs.push(FieldError::invalid(
                &Path::new("type"),
                "",
                format!("has invalid value: {}", self.type_),
            ));
        }
        for (field, set) in [
            ("firstTimestamp", self.has_first_timestamp),
            ("lastTimestamp", self.has_last_timestamp),
            ("count", self.count != 0),
            ("source", self.has_source),
        ] {
            if set {
                errs.push(FieldError::invalid(
                    &Path::new(field),
                    "",
                    "needs to be unset",
                ));
            }
        }
        errs
    }

    // k8s: pkg/apis/core/validation/events.go (validateV1EventSeries)
    fn validate_series(&self) -> ErrorList {
        let mut errs = ErrorList::new();
        if let Some((count, has_last_observed)) = self.series {
            if count < 2 {
                errs.push(FieldError::invalid(
                    &Path::new("series.count"),
                    "",
                    "should be at least 2",
                ));
            }
            if !has_last_observed {
                errs.push(FieldError::required(
                    &Path::new("series.lastObservedTime"),
                    "",
                ));
            }
        }
        errs
    }
}

fn too_many_characters(field: &str, limit: usize) -> FieldError {
    FieldError::invalid(
        &Path::new(field),
        "",
        format!("can have at most {limit} characters"),
    )
}

/// An immutability check of a field shown as JSON.
fn immutable<T: PartialEq + Serialize>(new: &T, old: &T, field: &str) -> ErrorList {
    validate_immutable(
        new,
        old,
        || BadValue::Raw(serde_json::to_string(new).unwrap_or_default()),
        &Path::new(field),
    )
}

#[derive(Clone, Copy, Default)]
pub struct CoreEventStrategy;

impl Strategy for CoreEventStrategy {
    type Object = core::v1::Event;

    fn info(&self) -> &'static ResourceInfo {
        CORE_INFO
    }

    // k8s: pkg/apis/core/validation/events.go (ValidateEventCreate)
    fn validate(&self, event: &core::v1::Event) -> ErrorList {
        Fields::of_core(event).validate_legacy()
    }

    // k8s: pkg/apis/core/validation/events.go (ValidateEventUpdate)
    fn validate_update(&self, new: &core::v1::Event, _old: &core::v1::Event) -> ErrorList {
        Fields::of_core(new).validate_legacy()
    }

    /// Core events keep the loose names of old clients (`pod.16f0a…`).
    fn name_rule(&self) -> NameRule {
        NameRule::PathSegment
    }

    // k8s: pkg/registry/core/event/strategy.go (ToSelectableFields)
    fn selectable_fields(&self, object: &Value) -> Vec<(&'static str, String)> {
        let involved = &object["involvedObject"];
        let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
        vec![
            ("involvedObject.kind", text(&involved["kind"])),
            ("involvedObject.namespace", text(&involved["namespace"])),
            ("involvedObject.name", text(&involved["name"])),
            ("involvedObject.uid", text(&involved["uid"])),
            ("involvedObject.apiVersion", text(&involved["apiVersion"])),
            (
                "involvedObject.resourceVersion",
                text(&involved["resourceVersion"]),
            ),
            ("involvedObject.fieldPath", text(&involved["fieldPath"])),
            ("reason", text(&object["reason"])),
            ("reportingComponent", text(&object["reportingComponent"])),
            ("source", text(&object["source"]["component"])),
            ("type", text(&object["type"])),
        ]
    }
}

/// The checks of an event written through events.k8s.io/v1.
// k8s: pkg/apis/core/validation/events.go (ValidateEventCreate)
fn validate_events_v1(event: &events::v1::Event) -> ErrorList {
    let fields = Fields::of_events_v1(event);
    let mut errs = fields.validate_legacy();
    errs.append(fields.validate_strict());
    errs
}

/// The checks of an event updated through events.k8s.io/v1.
// k8s: pkg/apis/core/validation/events.go (ValidateEventUpdate)
fn validate_events_v1_update(new: &events::v1::Event, old: &events::v1::Event) -> ErrorList {
    let fields = Fields::of_events_v1(new);
    let mut errs = fields.validate_legacy();
    if new.series != old.series {
        errs.append(fields.validate_series());
    }
    errs.append(immutable(&new.regarding, &old.regarding, "involvedObject"));
    errs.append(immutable(&new.reason, &old.reason, "reason"));
    errs.append(immutable(&new.note, &old.note, "message"));
    errs.append(immutable(
        &new.deprecated_source,
        &old.deprecated_source,
        "source",
    ));
    errs.append(immutable(
        &new.deprecated_first_timestamp,
        &old.deprecated_first_timestamp,
        "firstTimestamp",
    ));
    errs.append(immutable(
        &new.deprecated_last_timestamp,
        &old.deprecated_last_timestamp,
        "lastTimestamp",
    ));
    errs.append(immutable(
        &new.deprecated_count,
        &old.deprecated_count,
        "count",
    ));
    errs.append(immutable(&new.type_, &old.type_, "type"));
    errs.append(immutable(&new.event_time, &old.event_time, "eventTime"));
    errs.append(immutable(&new.action, &old.action, "action"));
    errs.append(immutable(&new.related, &old.related, "related"));
    errs.append(immutable(
        &new.reporting_controller,
        &old.reporting_controller,
        "reportingController",
    ));
    errs.append(immutable(
        &new.reporting_instance,
        &old.reporting_instance,
        "reportingInstance",
    ));
    errs
}

/// The fields `events.k8s.io/v1` names differently from core `v1`:
/// (events.k8s.io name, core name).
// k8s: pkg/apis/events/v1/conversion.go (Convert_v1_Event_To_core_Event)
const RENAMED: &[(&str, &str)] = &[
    ("regarding", "involvedObject"),
    ("note", "message"),
    ("reportingController", "reportingComponent"),
    ("deprecatedSource", "source"),
    ("deprecatedFirstTimestamp", "firstTimestamp"),
    ("deprecatedLastTimestamp", "lastTimestamp"),
    ("deprecatedCount", "count"),
];

/// Renames the fields of `event` and sets its apiVersion: to the core form
/// when `to_core`, to the events.k8s.io form otherwise.
fn convert(mut event: Value, to_core: bool) -> Value {
    if let Some(fields) = event.as_object_mut() {
        for (v1, core) in RENAMED {
            let (from, to) = if to_core { (v1, core) } else { (core, v1) };
            match fields.remove(*from) {
                Some(value) => fields.insert((*to).to_owned(), value),
                None => fields.remove(*to),
            };
        }
        let api_version = if to_core { CORE_INFO } else { EVENTS_V1_INFO }.api_version();
        fields.insert("apiVersion".into(), api_version.into());
    }
    event
}

/// A stored (core) event as events.k8s.io/v1 serves it.
fn served(stored: &[u8]) -> Result<Bytes> {
    let event: Value = serde_json::from_slice(stored).map_err(ApiError::internal)?;
    serde_json::to_vec(&convert(event, false))
        .map(Bytes::from)
        .map_err(ApiError::internal)
}

fn served_object(object: &CachedObject) -> Arc<CachedObject> {
    Arc::new(CachedObject {
        key: object.key.clone(),
        revision: object.revision,
        json: served(&object.json).unwrap_or_else(|_| object.json.clone()),
        attrs: object.attrs.clone(),
    })
}

/// Field selectors name core fields in the stored form: the field of each
/// term (never its value) is renamed.
fn core_field_selector(options: &ListOptions) -> ListOptions {
    let mut options = options.clone();
    if let Some(selector) = options.field_selector.as_mut() {
        *selector = split_terms(selector)
            .into_iter()
            .map(core_term)
            .collect::<Vec<_>>()
            .join(",");
    }
    options
}

/// The terms of a selector: split at the commas no backslash escapes.
fn split_terms(selector: &str) -> Vec<&str> {
    let mut terms = Vec::new();
    let (mut start, mut escaped) = (0, false);
    for (i, c) in selector.char_indices() {
        if c == ',' && !escaped {
            terms.push(&selector[start..i]);
            start = i + 1;
        }
        escaped = c == '\\' && !escaped;
    }
    terms.push(&selector[start..]);
    terms
}

/// A selector term with its field in the core name (`regarding.name=web`
/// becomes `involvedObject.name=web`).
fn core_term(term: &str) -> String {
    let field = &term[..term.find(['=', '!']).unwrap_or(term.len())];
    let head = field.split('.').next().unwrap_or_default();
    match RENAMED.iter().find(|(v1, _)| *v1 == head.trim()) {
        Some((_, core)) => format!("{core}{}", &term[head.len()..]),
        None => term.to_owned(),
    }
}

/// The entry of events.k8s.io/v1: a view over the core events, which the
/// core entry caches.
pub fn events_v1_entry() -> Entry {
    Entry {
        info: EVENTS_V1_INFO,
        attrs: None,
        build: Box::new(|storage, cache| {
            Arc::new(EventsV1 {
                core: Arc::new(Store::new(CoreEventStrategy, storage, cache)),
            })
        }),
    }
}

/// events.k8s.io/v1, served from the core events' storage.
pub struct EventsV1 {
    core: Arc<dyn Rest>,
}

impl EventsV1 {
    /// Decodes a request body for `namespace` and runs the strict checks of
    /// the group.
    fn admit(
        &self,
        namespace: Option<&str>,
        body: Value,
        options: &WriteOptions,
    ) -> Result<(events::v1::Event, Vec<String>)> {
        let (mut event, warnings) =
            to_typed::<events::v1::Event>(body, EVENTS_V1_INFO, options.field_validation)?;
        match (event.metadata.namespace.as_deref(), namespace) {
            (Some(body_ns), Some(url_ns)) if !body_ns.is_empty() && body_ns != url_ns => {
                return Err(ApiError::bad_request(
                    "the namespace of the provided object does not match the namespace sent on the request",
                ));
            }
            _ => event.metadata.namespace = namespace.map(str::to_owned),
        }
        let mut errs = validate_object_meta(event.metadata(), true, NameRule::Subdomain);
        errs.append(validate_events_v1(&event));
        self.check(&event, &errs)?;
        Ok((event, warnings))
    }

    fn check(&self, event: &events::v1::Event, errs: &ErrorList) -> Result<()> {
        if errs.is_empty() {
            return Ok(());
        }
        let name = event.metadata.name.as_deref().unwrap_or_default();
        Err(ApiError::invalid("Event", EVENTS_V1_INFO.group, name, errs))
    }

    fn to_core(event: &events::v1::Event) -> Result<Value> {
        serde_json::to_value(event)
            .map(|value| convert(value, true))
            .map_err(ApiError::internal)
    }

    fn written(written: Written, warnings: Vec<String>) -> Result<Written> {
        let mut all = warnings;
        all.extend(written.warnings);
        Ok(Written {
            object: served(&written.object)?,
            created: written.created,
            warnings: all,
        })
    }

    /// The write options for the core store: the body was decoded already.
    fn core_options(options: &WriteOptions) -> WriteOptions {
        WriteOptions {
            field_validation: FieldValidation::Ignore,
            ..options.clone()
        }
    }
}

#[async_trait]
impl Rest for EventsV1 {
    fn info(&self) -> &'static ResourceInfo {
        EVENTS_V1_INFO
    }

    fn object_schema(&self, generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        generator.subschema_for::<events::v1::Event>()
    }

    async fn get(&self, namespace: Option<&str>, name: &str) -> Result<Bytes> {
        served(&self.core.get(namespace, name).await?)
    }

    async fn list(&self, namespace: Option<&str>, options: &ListOptions) -> Result<ListResult> {
        let mut result = self
            .core
            .list(namespace, &core_field_selector(options))
            .await?;
        result.items = result.items.iter().map(|o| served_object(o)).collect();
        Ok(result)
    }

    async fn watch(&self, namespace: Option<&str>, options: &ListOptions) -> Result<Deliveries> {
        let deliveries = self
            .core
            .watch(namespace, &core_field_selector(options))
            .await?;
        Ok(deliveries
            .map(|delivery| match delivery {
                Delivery::Event(kind, object) => Delivery::Event(kind, served_object(&object)),
                bookmark => bookmark,
            })
            .boxed())
    }

    async fn create(
        &self,
        namespace: Option<&str>,
        body: Value,
        options: &WriteOptions,
    ) -> Result<Written> {
        let (event, warnings) = self.admit(namespace, body, options)?;
        let written = self
            .core
            .create(
                namespace,
                Self::to_core(&event)?,
                &Self::core_options(options),
            )
            .await?;
        Self::written(written, warnings)
    }

    async fn update(
        &self,
        namespace: Option<&str>,
        name: &str,
        part: Part,
        body: Value,
        options: &WriteOptions,
    ) -> Result<Written> {
        let (event, warnings) = self.admit(namespace, body, options)?;
        let old: events::v1::Event = serde_json::from_slice(&self.get(namespace, name).await?)
            .map_err(ApiError::internal)?;
        self.check(&event, &validate_events_v1_update(&event, &old))?;
        let written = self
            .core
            .update(
                namespace,
                name,
                part,
                Self::to_core(&event)?,
                &Self::core_options(options),
            )
            .await?;
        Self::written(written, warnings)
    }

    async fn patch(
        &self,
        namespace: Option<&str>,
        name: &str,
        part: Part,
        kind: PatchKind,
        patch: &[u8],
        options: &WriteOptions,
    ) -> Result<Written> {
        let mut last_conflict = None;
        for _ in 0..8 {
            let current: Value = serde_json::from_slice(&self.get(namespace, name).await?)
                .map_err(ApiError::internal)?;
            let revision = current["metadata"]["resourceVersion"].clone();
            let mut patched = crate::patch::apply::<events::v1::Event>(kind, &current, patch)?;
            let asked_for_revision = patched["metadata"]["resourceVersion"] != revision;
            patched["metadata"]["resourceVersion"] = patched["metadata"]["resourceVersion"]
                .as_str()
                .map_or(revision, Value::from);
            match self.update(namespace, name, part, patched, options).await {
                Err(error) if error.code == 409 && !asked_for_revision => {
                    last_conflict = Some(error);
                }
                other => return other,
            }
        }
        Err(last_conflict.unwrap_or_else(|| ApiError::internal("patch retries exhausted")))
    }

    async fn delete(
        &self,
        namespace: Option<&str>,
        name: &str,
        options: &DeleteOptions,
    ) -> Result<Deleted> {
        let deleted = self.core.delete(namespace, name, options).await?;
        Ok(Deleted {
            object: served(&deleted.object)?,
            finished: deleted.finished,
        })
    }

    async fn mutate(
        &self,
        namespace: Option<&str>,
        name: &str,
        change: &(dyn for<'v> Fn(&'v mut Value) -> Result<()> + Send + Sync),
        dry_run: bool,
    ) -> Result<Written> {
        let in_served_form = |event: &mut Value| {
            let mut served_form = convert(event.take(), false);
            change(&mut served_form)?;
            *event = convert(served_form, true);
            Ok(())
        };
        let written = self
            .core
            .mutate(namespace, name, &in_served_form, dry_run)
            .await?;
        Self::written(written, Vec::new())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn conversion_renames_fields_both_ways() {
        let v1 = json!({
            "apiVersion": "events.k8s.io/v1",
            "kind": "Event",
            "metadata": {"name": "web.1"},
            "regarding": {"kind": "Pod", "name": "web"},
            "note": "Successfully assigned default/web to node1",
            "reportingController": "default-scheduler",
            "reason": "Scheduled",
        });
        let core = convert(v1.clone(), true);
        assert_eq!(core["apiVersion"], "v1");
        assert_eq!(core["involvedObject"]["name"], "web");
        assert_eq!(
            core["message"],
            "Successfully assigned default/web to node1"
        );
        assert_eq!(core["reportingComponent"], "default-scheduler");
        assert!(core.get("regarding").is_none());
        assert_eq!(convert(core, false), v1);
    }

    #[test]
    fn selectors_rename_fields_not_values() {
        let options = ListOptions {
            field_selector: Some(r"regarding.name=note,note!=a\,regarding,type=Normal".into()),
            ..ListOptions::default()
        };
        assert_eq!(
            core_field_selector(&options).field_selector.as_deref(),
            Some(r"involvedObject.name=note,message!=a\,regarding,type=Normal")
        );
    }

    #[test]
    fn core_events_need_matching_namespaces() {
        let event: core::v1::Event = serde_json::from_value(json!({
            "metadata": {"name": "web.1", "namespace": "default"},
            "involvedObject": {"kind": "Pod", "name": "web", "namespace": "other"},
            "reason": "Started",
        }))
        .expect("event");
        assert_eq!(
            CoreEventStrategy.validate(&event).to_string(),
            "involvedObject.namespace: Invalid value: \"other\": does not match event.namespace"
        );
        let node_event: core::v1::Event = serde_json::from_value(json!({
            "metadata": {"name": "node1.1", "namespace": "default"},
            "involvedObject": {"kind": "Node", "name": "node1"},
        }))
        .expect("event");
        assert!(CoreEventStrategy.validate(&node_event).is_empty());
    }

    #[test]
    fn events_v1_are_checked_strictly() {
        let event: events::v1::Event = serde_json::from_value(json!({
            "metadata": {"name": "web.1", "namespace": "default"},
            "regarding": {"kind": "Pod", "name": "web", "namespace": "default"},
            "eventTime": "2026-01-01T00:00:00.000000Z",
            "type": "Sometimes",
            "deprecatedCount": 3,
        }))
        .expect("event");
        assert_eq!(
            validate_events_v1(&event).to_string(),
            "[reportingController: Required value, \
             reportingController: Invalid value: \"\": name part must be non-empty, \
             reportingController: Invalid value: \"\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]'), \
             reportingInstance: Required value, \
             action: Required value, reason: Required value, \
             type: Invalid value: \"\": has invalid value: Sometimes, \
             count: Invalid value: \"\": needs to be unset]"
        );
        let valid: events::v1::Event = serde_json::from_value(json!({
            "metadata": {"name": "web.1", "namespace": "default"},
            "regarding": {"kind": "Pod", "name": "web", "namespace": "default"},
            "eventTime": "2026-01-01T00:00:00.000000Z",
            "type": "Normal",
            "reason": "Scheduled",
            "action": "Binding",
            "reportingController": "default-scheduler",
            "reportingInstance": "default-scheduler-node1",
            "note": "Successfully assigned default/web to node1",
        }))
        .expect("event");
        assert!(validate_events_v1(&valid).is_empty());
        let mut changed = valid.clone();
        changed.note = Some("other".into());
        assert_eq!(
            validate_events_v1_update(&changed, &valid).to_string(),
            "message: Invalid value: \"other\": field is immutable"
        );
    }
}
