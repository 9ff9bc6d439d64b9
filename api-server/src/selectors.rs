//! The selection of a LIST or WATCH: label and field selectors matched
//! against what the watch cache extracted from each object.
//!
//! Counterpart of k8s.io/apiserver `pkg/storage/selection_predicate.go`.

use apimachinery::selector::{fields, labels};

use crate::status::{ApiError, Result};
use crate::storage::cacher::{CachedObject, Predicate};

/// Label and field selectors of one request.
#[derive(Debug)]
pub struct SelectorPredicate {
    labels: labels::Selector,
    fields: fields::Selector,
}

impl SelectorPredicate {
    /// Parses the selectors, refusing field names the resource does not
    /// support with upstream's `field label not supported` message.
    pub fn parse(
        label_selector: Option<&str>,
        field_selector: Option<&str>,
        supported_fields: &[&str],
    ) -> Result<Self> {
        let labels = labels::Selector::parse(label_selector.unwrap_or_default())
            .map_err(|e| ApiError::bad_request(e.to_string()))?;
        let fields = fields::Selector::parse(field_selector.unwrap_or_default())
            .map_err(|e| ApiError::bad_request(e.to_string()))?;
        fields
            .check_supported(|f| supported_fields.contains(&f))
            .map_err(|e| ApiError::bad_request(e.to_string()))?;
        Ok(Self { labels, fields })
    }
}

impl Predicate for SelectorPredicate {
    fn matches(&self, object: &CachedObject) -> bool {
        self.labels.matches(&object.attrs.labels)
            && self.fields.matches(object.attrs.fields.as_slice())
    }

    fn is_everything(&self) -> bool {
        self.labels.is_everything() && self.fields.is_everything()
    }
}
