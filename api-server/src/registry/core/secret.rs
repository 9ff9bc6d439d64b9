//! Secrets. Counterpart of k8s `pkg/registry/core/secret/strategy.go`, with
//! defaulting from `pkg/apis/core/v1/defaults.go` (`SetDefaults_Secret`),
//! the `stringData` merge of `pkg/apis/core/v1/conversion.go` and
//! validation from `pkg/apis/core/validation/validation.go`
//! (`ValidateSecret`, `ValidateSecretUpdate`).

use apimachinery::validation::{ErrorList, FieldError, Path, validate_immutable};
use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::Secret;
use serde_json::Value;

use super::validation::{MAX_DATA_SIZE, data_keys, immutable_data};
use crate::registry::{ResourceInfo, Strategy};

pub static INFO: &ResourceInfo = &ResourceInfo {
    group: "",
    version: "v1",
    resource: "secrets",
    singular: "secret",
    kind: "Secret",
    namespaced: true,
    short_names: &[],
    categories: &[],
    has_status: false,
    has_scale: false,
    printer: &crate::printers::SECRETS,
};

#[derive(Clone, Copy, Default)]
pub struct SecretStrategy;

impl Strategy for SecretStrategy {
    type Object = Secret;

    fn info(&self) -> &'static ResourceInfo {
        INFO
    }

    // k8s: pkg/apis/core/v1/defaults.go (SetDefaults_Secret) and
    // pkg/apis/core/v1/conversion.go (Convert_v1_Secret_To_core_Secret):
    // `stringData` is write-only, merged over `data`.
    fn apply_defaults(&self, secret: &mut Secret) {
        if secret.type_.as_deref().is_none_or(str::is_empty) {
            secret.type_ = Some("Opaque".into());
        }
        if let Some(strings) = secret.string_data.take() {
            let data = secret.data.get_or_insert_with(Default::default);
            for (key, value) in strings {
                data.insert(key, ByteString(value.into_bytes()));
            }
        }
    }

    // k8s: pkg/apis/core/validation/validation.go (ValidateSecret)
    fn validate(&self, secret: &Secret) -> ErrorList {
        let data_path = Path::new("data");
        let data = secret.data.as_ref();
        let mut errs = data_keys(data.into_iter().flat_map(|d| d.keys()), &data_path);
        let size: usize = data.into_iter().flatten().map(|(_, v)| v.0.len()).sum();
        if size > MAX_DATA_SIZE {
            errs.push(FieldError::too_long(&data_path, Some(MAX_DATA_SIZE)));
        }
        let has = |key: &str| data.is_some_and(|d| d.contains_key(key));
        let required = |key: &str| FieldError::required(&data_path.key(key), "");
        match secret.type_.as_deref().unwrap_or_default() {
            "kubernetes.io/service-account-token" => {
                let named = secret
                    .metadata
                    .annotations
                    .as_ref()
                    .and_then(|a| a.get("kubernetes.io/service-account.name"))
                    .is_some_and(|name| !name.is_empty());
                if !named {
                    errs.push(FieldError::required(
                        &Path::new("metadata")
                            .child("annotations")
                            .key("kubernetes.io/service-account.name"),
                        "",
                    ));
                }
            }
            kind @ ("kubernetes.io/dockercfg" | "kubernetes.io/dockerconfigjson") => {
                let key = if kind.ends_with("json") {
                    ".dockerconfigjson"
                } else {
                    ".dockercfg"
                };
                match data.and_then(|d| d.get(key)) {
                    None => errs.push(required(key)),
                    Some(bytes) => {
                        if let Err(error) =
                            serde_json::from_slice::<serde_json::Map<String, Value>>(&bytes.0)
                        {
                            errs.push(FieldError::invalid(
                                &data_path.key(key),
                                "<secret contents redacted>",
                                error.to_string(),
                            ));
                        }
                    }
                }
            }
            "kubernetes.io/basic-auth" if !has("username") && !has("password") => {
                errs.push(required("username"));
                errs.push(required("password"));
            }
            "kubernetes.io/ssh-auth"
                if data
                    .and_then(|d| d.get("ssh-privatekey"))
                    .is_none_or(|v| v.0.is_empty()) =>
            {
                errs.push(required("ssh-privatekey"));
            }
            "kubernetes.io/tls" => {
                for key in ["tls.crt", "tls.key"] {
                    if !has(key) {
                        errs.push(required(key));
                    }
                }
            }
            _ => {}
        }
        errs
    }

    // k8s: pkg/apis/core/validation/validation.go (ValidateSecretUpdate)
    fn validate_update(&self, new: &Secret, old: &Secret) -> ErrorList {
        let mut errs = validate_immutable(
            &new.type_,
            &old.type_,
            || new.type_.clone().unwrap_or_default().into(),
            &Path::new("type"),
        );
        errs.append(immutable_data(
            new.immutable,
            old.immutable,
            &[("data", new.data != old.data)],
        ));
        errs.append(self.validate(new));
        errs
    }

    fn selectable_fields(&self, object: &Value) -> Vec<(&'static str, String)> {
        vec![(
            "type",
            object["type"].as_str().unwrap_or_default().to_owned(),
        )]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_data_merges_into_data_and_type_defaults_to_opaque() {
        let mut secret = Secret {
            data: Some([("a".to_owned(), ByteString(b"old".to_vec()))].into()),
            string_data: Some([("a".to_owned(), "new".to_owned())].into()),
            ..Secret::default()
        };
        SecretStrategy.apply_defaults(&mut secret);
        assert_eq!(secret.type_.as_deref(), Some("Opaque"));
        assert_eq!(secret.string_data, None);
        assert_eq!(
            secret.data.as_ref().and_then(|d| d.get("a")),
            Some(&ByteString(b"new".to_vec()))
        );
    }

    #[test]
    fn typed_secrets_need_their_keys() {
        let tls = Secret {
            type_: Some("kubernetes.io/tls".into()),
            data: Some([("tls.crt".to_owned(), ByteString(Vec::new()))].into()),
            ..Secret::default()
        };
        assert_eq!(
            SecretStrategy.validate(&tls).to_string(),
            "data[tls.key]: Required value"
        );
        let mut retyped = tls.clone();
        retyped.type_ = Some("Opaque".into());
        assert_eq!(
            SecretStrategy.validate_update(&retyped, &tls).to_string(),
            "type: Invalid value: \"Opaque\": field is immutable"
        );
    }
}
