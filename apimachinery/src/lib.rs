//! Kubernetes API machinery shared by the api-server and its clients.
//!
//! Counterpart of k8s.io/apimachinery: label and field selectors, patch
//! application and field-level validation errors.

pub mod patch;
