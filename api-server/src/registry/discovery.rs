//! discovery.k8s.io: EndpointSlices. Counterpart of k8s
//! `pkg/registry/discovery/endpointslice/strategy.go` with defaulting from
//! `pkg/apis/discovery/v1/defaults.go` and validation from
//! `pkg/apis/discovery/validation/validation.go`.

use std::collections::HashSet;

use apimachinery::validation::{
    BadValue, ErrorList, FieldError, Path, is_fully_qualified_domain_name, is_valid_ipv4_address,
    is_valid_ipv6_address, validate_immutable, validate_labels, validate_non_special_ip,
};
use k8s_openapi::api::discovery::v1::{Endpoint, EndpointPort, EndpointSlice};

use super::core::validation::{PORT_PROTOCOLS, dns1123_label, one_of, qualified_name};
use super::{ResourceInfo, Strategy};

pub static INFO: &ResourceInfo = &ResourceInfo {
    group: "discovery.k8s.io",
    version: "v1",
    resource: "endpointslices",
    singular: "endpointslice",
    kind: "EndpointSlice",
    namespaced: true,
    short_names: &[],
    categories: &[],
    has_status: false,
    has_scale: false,
    printer: &crate::printers::ENDPOINT_SLICES,
};

const ADDRESS_TYPES: &[&str] = &["FQDN", "IPv4", "IPv6"];
const MAX_ENDPOINTS: usize = 1000;
const MAX_ADDRESSES: usize = 100;
const MAX_PORTS: usize = 100;
const MAX_TOPOLOGY_LABELS: usize = 16;

#[derive(Clone, Copy, Default)]
pub struct EndpointSliceStrategy;

impl Strategy for EndpointSliceStrategy {
    type Object = EndpointSlice;

    fn info(&self) -> &'static ResourceInfo {
        INFO
    }

    // k8s: pkg/apis/discovery/v1/defaults.go (SetDefaults_EndpointPort)
    fn apply_defaults(&self, slice: &mut EndpointSlice) {
        for port in slice.ports.iter_mut().flatten() {
            port.name.get_or_insert_with(String::new);
            port.protocol.get_or_insert_with(|| "TCP".into());
        }
    }

    fn tracks_generation(&self) -> bool {
        true
    }

    // k8s: pkg/apis/discovery/validation/validation.go (ValidateEndpointSlice)
    fn validate(&self, slice: &EndpointSlice) -> ErrorList {
        let mut errs = one_of(
            Some(&slice.address_type),
            ADDRESS_TYPES,
            &Path::new("addressType"),
        );
        errs.append(validate_endpoints(&slice.endpoints, &slice.address_type));
        errs.append(validate_ports(slice.ports.as_deref().unwrap_or_default()));
        errs
    }

    // k8s: pkg/apis/discovery/validation/validation.go (ValidateEndpointSliceUpdate)
    fn validate_update(&self, new: &EndpointSlice, old: &EndpointSlice) -> ErrorList {
        let mut errs = self.validate(new);
        errs.append(validate_immutable(
            &new.address_type,
            &old.address_type,
            || BadValue::from(&new.address_type),
            &Path::new("addressType"),
        ));
        errs
    }
}

// k8s: pkg/apis/discovery/validation/validation.go (validateEndpoints)
fn validate_endpoints(endpoints: &[Endpoint], address_type: &str) -> ErrorList {
    let path = Path::new("endpoints");
    if endpoints.len() > MAX_ENDPOINTS {
        return FieldError::too_many(&path, Some(endpoints.len()), Some(MAX_ENDPOINTS)).into();
    }
    let mut errs = ErrorList::new();
    for (i, endpoint) in endpoints.iter().enumerate() {
        let idx = path.index(i);
        let addresses_path = idx.child("addresses");
        if endpoint.addresses.is_empty() {
            errs.push(FieldError::required(
                &addresses_path,
                "must contain at least 1 address",
            ));
        } else if endpoint.addresses.len() > MAX_ADDRESSES {
            errs.push(FieldError::too_many(
                &addresses_path,
                Some(endpoint.addresses.len()),
                Some(MAX_ADDRESSES),
            ));
        }
        for (j, address) in endpoint.addresses.iter().enumerate() {
            let p = addresses_path.index(j);
            match address_type {
                "IPv4" => {
                    errs.append(is_valid_ipv4_address(&p, address));
                    errs.append(validate_non_special_ip(&p, address));
                }
                "IPv6" => {
                    errs.append(is_valid_ipv6_address(&p, address));
                    errs.append(validate_non_special_ip(&p, address));
                }
                "FQDN" => errs.append(is_fully_qualified_domain_name(&p, address)),
                _ => {}
            }
        }
        let topology_path = idx.child("topology");
        if let Some(topology) = endpoint.deprecated_topology.as_ref() {
            if topology.len() > MAX_TOPOLOGY_LABELS {
                errs.push(FieldError::too_many(
                    &topology_path,
                    Some(topology.len()),
                    Some(MAX_TOPOLOGY_LABELS),
                ));
            }
            errs.append(validate_labels(topology, &topology_path));
        }
        if let Some(hostname) = endpoint.hostname.as_deref() {
            errs.append(dns1123_label(hostname, &idx.child("hostname")));
        }
    }
    errs
}

// k8s: pkg/apis/discovery/validation/validation.go (validatePorts)
fn validate_ports(ports: &[EndpointPort]) -> ErrorList {
    let path = Path::new("ports");
    if ports.len() > MAX_PORTS {
        return FieldError::too_many(&path, Some(ports.len()), Some(MAX_PORTS)).into();
    }
    let mut errs = ErrorList::new();
    let mut names = HashSet::new();
    for (i, port) in ports.iter().enumerate() {
        let idx = path.index(i);
        let name = port.name.as_deref().unwrap_or_default();
        if !name.is_empty() {
            errs.append(dns1123_label(name, &idx.child("name")));
        }
        if !names.insert(name) {
            errs.push(FieldError::duplicate(&idx.child("name"), name));
        }
        errs.append(one_of(
            port.protocol.as_deref(),
            PORT_PROTOCOLS,
            &idx.child("protocol"),
        ));
        if let Some(app_protocol) = port.app_protocol.as_deref() {
            errs.append(qualified_name(app_protocol, &idx.child("appProtocol")));
        }
    }
    errs
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn addresses_follow_the_address_type() {
        let mut slice: EndpointSlice = serde_json::from_value(json!({
            "metadata": {"name": "web-abc"},
            "addressType": "IPv4",
            "endpoints": [
                {"addresses": ["10.1.2.3"]},
                {"addresses": ["fd00::1"]},
                {"addresses": []},
            ],
            "ports": [{"name": "http", "port": 80}, {"name": "http", "port": 81}],
        }))
        .expect("slice");
        EndpointSliceStrategy.apply_defaults(&mut slice);
        assert_eq!(
            EndpointSliceStrategy.validate(&slice).to_string(),
            "[endpoints[1].addresses[0]: Invalid value: \"fd00::1\": must be a valid IPv4 address, \
             endpoints[2].addresses: Required value: must contain at least 1 address, \
             ports[1].name: Duplicate value: \"http\"]"
        );
        let mut changed = slice.clone();
        changed.address_type = "IPv6".into();
        assert!(
            EndpointSliceStrategy
                .validate_update(&changed, &slice)
                .to_string()
                .contains("addressType: Invalid value: \"IPv6\": field is immutable")
        );
    }
}
