//! Conformance checks that drive a running cluster with real clients.
