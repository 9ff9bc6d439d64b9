//! Kubernetes-compatible API server: REST and watch over the real v1 API,
//! stored in RocksDB. The binary in `main.rs` only parses flags and calls
//! [`server::run`].

pub mod auth;
pub mod endpoints;
pub mod metrics;
pub mod patch;
pub mod printers;
pub mod registry;
pub mod selectors;
pub mod server;
pub mod status;
pub mod storage;
