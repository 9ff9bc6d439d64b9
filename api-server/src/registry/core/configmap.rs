//! ConfigMaps. Counterpart of k8s `pkg/registry/core/configmap/strategy.go`
//! with validation from `pkg/apis/core/validation/validation.go`
//! (`ValidateConfigMap`, `ValidateConfigMapUpdate`).

use apimachinery::validation::{ErrorList, FieldError, Path};
use k8s_openapi::api::core::v1::ConfigMap;

use super::validation::{MAX_DATA_SIZE, data_keys, immutable_data};
use crate::registry::{ResourceInfo, Strategy};

pub static INFO: &ResourceInfo = &ResourceInfo {
    group: "",
    version: "v1",
    resource: "configmaps",
    singular: "configmap",
    kind: "ConfigMap",
    namespaced: true,
    short_names: &["cm"],
    categories: &[],
    has_status: false,
    has_scale: false,
    printer: &crate::printers::CONFIG_MAPS,
};

#[derive(Clone, Copy, Default)]
pub struct ConfigMapStrategy;

impl Strategy for ConfigMapStrategy {
    type Object = ConfigMap;

    fn info(&self) -> &'static ResourceInfo {
        INFO
    }

    // k8s: pkg/apis/core/validation/validation.go (ValidateConfigMap)
    fn validate(&self, config: &ConfigMap) -> ErrorList {
        let data = config.data.as_ref();
        let binary = config.binary_data.as_ref();
        let data_path = Path::new("data");
        let mut errs = data_keys(data.into_iter().flat_map(|d| d.keys()), &data_path);
        for key in data.into_iter().flat_map(|d| d.keys()) {
            if binary.is_some_and(|b| b.contains_key(key)) {
                errs.push(FieldError::invalid(
                    &data_path.key(key),
                    key.as_str(),
                    "duplicate of key present in binaryData",
                ));
            }
        }
        errs.append(data_keys(
            binary.into_iter().flat_map(|b| b.keys()),
            &Path::new("binaryData"),
        ));
        let size: usize = data
            .into_iter()
            .flatten()
            .map(|(_, v)| v.len())
            .sum::<usize>()
            + binary
                .into_iter()
                .flatten()
                .map(|(_, v)| v.0.len())
                .sum::<usize>();
        if size > MAX_DATA_SIZE {
            errs.push(FieldError::too_long(&Path::new(""), Some(MAX_DATA_SIZE)));
        }
        errs
    }

    // k8s: pkg/apis/core/validation/validation.go (ValidateConfigMapUpdate)
    fn validate_update(&self, new: &ConfigMap, old: &ConfigMap) -> ErrorList {
        let mut errs = immutable_data(
            new.immutable,
            old.immutable,
            &[
                ("data", new.data != old.data),
                ("binaryData", new.binary_data != old.binary_data),
            ],
        );
        errs.append(self.validate(new));
        errs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config_map(data: &[(&str, &str)], immutable: Option<bool>) -> ConfigMap {
        ConfigMap {
            data: Some(
                data.iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                    .collect(),
            ),
            immutable,
            ..ConfigMap::default()
        }
    }

    #[test]
    fn keys_and_immutability_are_checked() {
        let bad = ConfigMapStrategy.validate(&config_map(&[("a b", "x")], None));
        assert_eq!(
            bad.to_string(),
            "data[a b]: Invalid value: \"a b\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"
        );
        let frozen = config_map(&[("a", "1")], Some(true));
        let changed = config_map(&[("a", "2")], None);
        assert_eq!(
            ConfigMapStrategy
                .validate_update(&changed, &frozen)
                .to_string(),
            "[immutable: Forbidden: field is immutable when `immutable` is set, data: Forbidden: field is immutable when `immutable` is set]"
        );
        assert!(
            ConfigMapStrategy
                .validate_update(&config_map(&[("a", "1")], Some(true)), &frozen)
                .is_empty()
        );
    }
}
