//! [`Plain`]: the strategy of resources whose rules are all generic so far
//! (metadata validation, status reset on create and field selectors on
//! fixed paths).

use std::marker::PhantomData;

use serde_json::Value;

use super::strategy::ApiObject;
use super::{ResourceInfo, Strategy};

/// A strategy with no resource-specific defaulting or validation yet.
pub struct Plain<T> {
    info: &'static ResourceInfo,
    /// Extra selectable fields: (field name, JSON path of its value).
    fields: &'static [(&'static str, &'static [&'static str])],
    object: PhantomData<fn() -> T>,
}

impl<T> Plain<T> {
    pub const fn new(info: &'static ResourceInfo) -> Self {
        Self {
            info,
            fields: &[],
            object: PhantomData,
        }
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
            fields: self.fields,
            object: PhantomData,
        }
    }
}

impl<T: ApiObject> Strategy for Plain<T> {
    type Object = T;

    fn info(&self) -> &'static ResourceInfo {
        self.info
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
