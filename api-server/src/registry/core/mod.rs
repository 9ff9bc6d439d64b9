//! The core (`v1`) API group. Counterpart of upstream's `pkg/registry/core/`.

pub mod configmap;
pub mod namespace;
pub mod pod;
pub mod replicationcontroller;
pub mod secret;
pub mod service;
pub(crate) mod validation;
