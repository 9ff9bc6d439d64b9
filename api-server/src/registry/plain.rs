//! [`Plain`]: the strategy of resources whose rules are all generic
//! (metadata validation, status reset on create, generation tracking).

use std::marker::PhantomData;

use super::{ResourceInfo, Strategy};

/// A strategy with no resource-specific defaulting or validation yet.
pub struct Plain<T> {
    info: &'static ResourceInfo,
    tracks_generation: bool,
    object: PhantomData<fn() -> T>,
}

impl<T> Plain<T> {
    pub const fn new(info: &'static ResourceInfo) -> Self {
        Self {
            info,
            tracks_generation: false,
            object: PhantomData,
        }
    }

    /// Counts spec changes in `metadata.generation`.
    pub const fn with_generation(mut self) -> Self {
        self.tracks_generation = true;
        self
    }
}

impl<T> Clone for Plain<T> {
    fn clone(&self) -> Self {
        Self {
            info: self.info,
            tracks_generation: self.tracks_generation,
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
}
