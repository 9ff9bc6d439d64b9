//! Endpoints. Counterpart of k8s `pkg/registry/core/endpoint/strategy.go`
//! with defaulting from `pkg/apis/core/v1/defaults.go`
//! (`SetDefaults_EndpointPort`) and validation from
//! `pkg/apis/core/validation/validation.go` (`ValidateEndpoints`).

use apimachinery::validation::{
    ErrorList, FieldError, Path, is_dns1123_subdomain, is_valid_ip, is_valid_port_num,
    validate_non_special_ip,
};
use k8s_openapi::api::core::v1::{EndpointAddress, EndpointPort, Endpoints};

use super::validation::{PORT_PROTOCOLS, dns1123_label, one_of, qualified_name};
use crate::registry::{ResourceInfo, Strategy};

pub static INFO: &ResourceInfo = &ResourceInfo {
    group: "",
    version: "v1",
    resource: "endpoints",
    singular: "endpoints",
    kind: "Endpoints",
    namespaced: true,
    short_names: &["ep"],
    categories: &[],
    has_status: false,
    has_scale: false,
    printer: &crate::printers::ENDPOINTS,
};

#[derive(Clone, Copy, Default)]
pub struct EndpointsStrategy;

impl Strategy for EndpointsStrategy {
    type Object = Endpoints;

    fn info(&self) -> &'static ResourceInfo {
        INFO
    }

    // k8s: pkg/apis/core/v1/defaults.go (SetDefaults_EndpointPort)
    fn apply_defaults(&self, endpoints: &mut Endpoints) {
        let ports = endpoints
            .subsets
            .iter_mut()
            .flatten()
            .flat_map(|subset| subset.ports.iter_mut().flatten());
        for port in ports {
            port.protocol.get_or_insert_with(|| "TCP".into());
        }
    }

    // k8s: pkg/apis/core/validation/validation.go (validateEndpointSubsets)
    fn validate(&self, endpoints: &Endpoints) -> ErrorList {
        let mut errs = ErrorList::new();
        let path = Path::new("subsets");
        for (i, subset) in endpoints.subsets.iter().flatten().enumerate() {
            let idx = path.index(i);
            let ready = subset.addresses.as_deref().unwrap_or_default();
            let not_ready = subset.not_ready_addresses.as_deref().unwrap_or_default();
            if ready.is_empty() && not_ready.is_empty() {
                errs.push(FieldError::required(
                    &idx,
                    "must specify `addresses` or `notReadyAddresses`",
                ));
            }
            for (field, addresses) in [("addresses", ready), ("notReadyAddresses", not_ready)] {
                for (j, address) in addresses.iter().enumerate() {
                    errs.append(validate_address(address, &idx.child(field).index(j)));
                }
            }
            let ports = subset.ports.as_deref().unwrap_or_default();
            for (j, port) in ports.iter().enumerate() {
                errs.append(validate_port(
                    port,
                    ports.len() > 1,
                    &idx.child("ports").index(j),
                ));
            }
        }
        errs
    }
}

// k8s: pkg/apis/core/validation/validation.go (validateEndpointAddress)
fn validate_address(address: &EndpointAddress, path: &Path) -> ErrorList {
    let ip_path = path.child("ip");
    let mut errs = is_valid_ip(&ip_path, &address.ip);
    if let Some(hostname) = address.hostname.as_deref().filter(|h| !h.is_empty()) {
        errs.append(dns1123_label(hostname, &path.child("hostname")));
    }
    if let Some(node) = address.node_name.as_deref() {
        for msg in is_dns1123_subdomain(node) {
            errs.push(FieldError::invalid(&path.child("nodeName"), node, msg));
        }
    }
    errs.append(validate_non_special_ip(&ip_path, &address.ip));
    errs
}

// k8s: pkg/apis/core/validation/validation.go (validateEndpointPort)
fn validate_port(port: &EndpointPort, name_required: bool, path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    let name = port.name.as_deref().unwrap_or_default();
    if name_required && name.is_empty() {
        errs.push(FieldError::required(&path.child("name"), ""));
    } else if !name.is_empty() {
        errs.append(dns1123_label(name, &path.child("name")));
    }
    for msg in is_valid_port_num(i64::from(port.port)) {
        errs.push(FieldError::invalid(&path.child("port"), port.port, msg));
    }
    errs.append(one_of(
        port.protocol.as_deref(),
        PORT_PROTOCOLS,
        &path.child("protocol"),
    ));
    if let Some(app_protocol) = port.app_protocol.as_deref() {
        errs.append(qualified_name(app_protocol, &path.child("appProtocol")));
    }
    errs
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn subsets_need_addresses_and_named_ports() {
        let mut endpoints: Endpoints = serde_json::from_value(json!({
            "metadata": {"name": "web"},
            "subsets": [
                {"ports": [{"port": 80}]},
                {
                    "addresses": [{"ip": "127.0.0.1"}, {"ip": "10.1.2.3", "hostname": "Web"}],
                    "ports": [{"name": "http", "port": 80}, {"port": 70000, "protocol": "ICMP"}],
                },
            ],
        }))
        .expect("endpoints");
        EndpointsStrategy.apply_defaults(&mut endpoints);
        assert_eq!(
            EndpointsStrategy.validate(&endpoints).to_string(),
            "[subsets[0]: Required value: must specify `addresses` or `notReadyAddresses`, \
             subsets[1].addresses[0].ip: Invalid value: \"127.0.0.1\": may not be in the loopback range (127.0.0.0/8, ::1/128), \
             subsets[1].addresses[1].hostname: Invalid value: \"Web\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?'), \
             subsets[1].ports[1].name: Required value, \
             subsets[1].ports[1].port: Invalid value: 70000: must be between 1 and 65535, inclusive, \
             subsets[1].ports[1].protocol: Unsupported value: \"ICMP\": supported values: \"SCTP\", \"TCP\", \"UDP\"]"
        );
    }
}
