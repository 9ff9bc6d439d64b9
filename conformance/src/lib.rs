//! Conformance checks that drive a running cluster with real clients: the stock
//! `kubectl`, kube-rs and the official Python client. Every check asserts documented
//! Kubernetes behaviour, so the same run must pass against a real cluster.

pub mod api;
pub mod cluster;
pub mod kubectl;
pub mod python;
pub mod report;

pub use cluster::{Cluster, Feature, Scope};
pub use report::{Check, Outcome, Skip, Summary, check};
