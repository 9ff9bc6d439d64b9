//! Label and field selectors, parsed once and matched cheaply.
//!
//! Counterparts: k8s.io/apimachinery/pkg/labels and
//! k8s.io/apimachinery/pkg/fields.

pub mod fields;
pub mod labels;
