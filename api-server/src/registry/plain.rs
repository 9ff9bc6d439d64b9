//! [`Plain`]: the strategy of resources whose rules are all generic so far
//! (metadata validation, status reset on create, generation tracking and
//! field selectors on fixed paths).

use std::marker::PhantomData;

use serde_json::Value;

use super::{ResourceInfo, Strategy};

/// A strategy with no resource-specific defaulting or validation yet.
pub struct Plain<T> {
    info: &'static ResourceInfo,
    tracks_generation: bool,
    /// Extra selectable fields: (field name, JSON path of its value).
    fields: &'static [(&'static str, &'static [&'static str])],
    object: PhantomData<fn() -> T>,
}

impl<T> Plain<T> {
    pub const fn new(info: &'static ResourceInfo) -> Self {
        Self {
            info,
            tracks_generation: false,
            fields: &[],
            object: PhantomData,
        }
    }

    /// Counts spec changes in `metadata.generation`.
    pub const fn with_generation(mut self) -> Self {
        self.tracks_generation = true;
        self
    }

    /// Adds field-selector fields read from fixed JSON paths.
    pub const fn with_fields(
        mut self,
        fields: &'static [(&'static str, &'static [&'static str])],
    ) -> Self {
        self.fields = fields;
        self
    }
}

impl<T> Clone for Plain<T> {
    fn clone(&self) -> Self {
        Self {
            info: self.info,
            tracks_generation: self.tracks_generation,
            fields: self.fields,
            object: PhantomData,
        }
    }
}

impl<T> Strategy for Plain<T>
where
    T: k8s_openapi::Resource
        + k8s_openapi::Metadata<Ty = k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta>
        + serde::Serialize
        + serde::de::DeserializeOwned
        + Clone
        + PartialEq
        + schemars::JsonSchema
        + Send
        + Sync
        + 'static,
{
    type Object = T;

    fn info(&self) -> &'static ResourceInfo {
        self.info
    }

    fn tracks_generation(&self) -> bool {
        self.tracks_generation
    }

    fn selectable_fields(&self, object: &Value) -> Vec<(&'static str, String)> {
        self.fields
            .iter()
            .map(|(name, path)| {
                let value = path.iter().fold(object, |v, key| &v[*key]);
                let text = match value {
                    Value::String(s) => s.clone(),
                    Value::Null => String::new(),
                    other => other.to_string(),
                };
                (*name, text)
            })
            .collect()
    }
}
