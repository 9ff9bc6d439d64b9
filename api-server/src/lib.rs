//! Kubernetes-compatible API server.
