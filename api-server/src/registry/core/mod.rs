//! The core (`v1`) API group. Counterpart of upstream's `pkg/registry/core/`.

pub mod configmap;
pub mod endpoints;
pub mod limitrange;
pub mod namespace;
pub mod node;
pub mod persistentvolume;
pub mod pod;
pub mod replicationcontroller;
pub mod resourcequota;
pub(crate) mod resources;
pub mod secret;
pub mod service;
pub mod serviceaccount;
pub(crate) mod validation;
