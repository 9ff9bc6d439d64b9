//! Kubernetes API machinery shared by the api-server and its clients.
//!
//! Counterpart of k8s.io/apimachinery: label and field selectors
//! ([`selector`]), patch application ([`patch`]), field-level validation
//! with upstream's messages ([`validation`]), quantities ([`quantity`]) and
//! protobuf request bodies ([`protobuf`]) and field ownership for
//! server-side apply ([`fieldpath`]).

pub mod fieldpath;
mod goformat;
pub mod patch;
pub mod protobuf;
pub mod quantity;
pub mod selector;
pub mod validation;
