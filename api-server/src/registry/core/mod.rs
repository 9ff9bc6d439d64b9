//! The core (`v1`) API group. Counterpart of upstream's `pkg/registry/core/`.

pub mod namespace;
pub mod pod;
pub mod replicationcontroller;
pub mod service;
mod validation;
