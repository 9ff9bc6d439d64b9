//! The `apps` API group. Counterpart of upstream's `pkg/registry/apps/`;
//! the rules shared with other pod-template controllers live in
//! [`crate::registry::workload`].

pub mod controllerrevision;
pub mod daemonset;
pub mod deployment;
pub mod replicaset;
pub mod rolling;
pub mod statefulset;
#[cfg(test)]
mod tests;
