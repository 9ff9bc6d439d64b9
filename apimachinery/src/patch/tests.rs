//! End-to-end tests of `apply_patch` with the bodies kubectl sends.
