//! Service validation on create and update, with upstream's field paths and
//! messages. Counterpart of k8s `pkg/apis/core/validation/validation.go`
//! (`ValidateService`, `ValidateServiceUpdate` and helpers).

use std::collections::{BTreeSet, HashSet};

use apimachinery::validation::{
    BadValue, ErrorList, FieldError, Path, is_dns1123_subdomain, is_valid_ip_for_legacy_field,
    is_valid_port_num, validate_labels,
};
use k8s_openapi::api::core::v1::{Service, ServicePort, ServiceSpec, SessionAffinityConfig};

use super::allocator::ip_list;
use super::{externally_accessible, is_headless, needs_health_check_port};
use crate::registry::core::validation::{
    PORT_PROTOCOLS, dns1123_label, one_of, port_num_or_name, qualified_name,
};

const SERVICE_TYPES: &[&str] = &["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"];
const SESSION_AFFINITIES: &[&str] = &["ClientIP", "None"];
const TRAFFIC_POLICIES: &[&str] = &["Cluster", "Local"];
const IP_FAMILIES: &[&str] = &["IPv4", "IPv6"];
const IP_FAMILY_POLICIES: &[&str] = &["PreferDualStack", "RequireDualStack", "SingleStack"];
/// The longest ClientIP session affinity: one day.
const MAX_AFFINITY_SECONDS: i32 = 86400;

/// Validation of a service's spec, beyond the generic metadata checks.
// k8s: pkg/apis/core/validation/validation.go (ValidateService)
pub fn validate_service(service: &Service) -> ErrorList {
    let spec_path = Path::new("spec");
    let default_spec = ServiceSpec::default();
    let spec = service.spec.as_ref().unwrap_or(&default_spec);
    let type_ = spec.type_.as_deref().unwrap_or_default();
    let ports = spec.ports.as_deref().unwrap_or_default();
    let cluster_ips = spec.cluster_ips.as_deref().unwrap_or_default();
    let headless = is_headless(spec);
    let mut errs = ErrorList::new();
    if ports.is_empty() && !headless && type_ != "ExternalName" {
        errs.push(FieldError::required(&spec_path.child("ports"), ""));
    }
    match type_ {
        "LoadBalancer" | "NodePort" if headless => errs.push(FieldError::invalid(
            &spec_path.child("clusterIPs").index(0),
            "None",
            format!("may not be set to 'None' for {type_} services"),
        )),
        "ExternalName" => {
            let forbidden = "may not be set for ExternalName services";
            if !cluster_ips.is_empty() {
                errs.push(FieldError::forbidden(
                    &spec_path.child("clusterIPs"),
                    forbidden,
                ));
            }
            if spec.ip_families.as_ref().is_some_and(|f| !f.is_empty()) {
                errs.push(FieldError::forbidden(
                    &spec_path.child("ipFamilies"),
                    forbidden,
                ));
            }
            if spec.ip_family_policy.is_some() {
                errs.push(FieldError::forbidden(
                    &spec_path.child("ipFamilyPolicy"),
                    forbidden,
                ));
            }
            let path = spec_path.child("externalName");
            let name = spec.external_name.as_deref().unwrap_or_default();
            let cname = name.strip_suffix('.').unwrap_or(name);
            if cname.is_empty() {
                errs.push(FieldError::required(&path, ""));
            } else {
                errs.extend(
                    is_dns1123_subdomain(cname)
                        .into_iter()
                        .map(|msg| FieldError::invalid(&path, cname, msg)),
                );
            }
        }
        _ => {}
    }
    let mut names = HashSet::new();
    for (i, port) in ports.iter().enumerate() {
        let path = spec_path.child("ports").index(i);
        errs.append(validate_port(port, ports.len() > 1, &mut names, &path));
    }
    if let Some(selector) = spec.selector.as_ref() {
        errs.append(validate_labels(selector, &spec_path.child("selector")));
    }
    let affinity = spec.session_affinity.as_deref();
    errs.append(one_of(
        affinity,
        SESSION_AFFINITIES,
        &spec_path.child("sessionAffinity"),
    ));
    let affinity_path = spec_path.child("sessionAffinityConfig");
    match affinity {
        Some("ClientIP") => errs.append(validate_client_ip_affinity(
            spec.session_affinity_config.as_ref(),
            &affinity_path,
        )),
        Some("None") if spec.session_affinity_config.is_some() => {
            errs.push(FieldError::forbidden(
                &affinity_path,
                "must not be set when session affinity is None",
            ));
        }
        _ => {}
    }
    errs.append(validate_cluster_ips_related(spec));
    for (i, ip) in spec.external_ips.iter().flatten().enumerate() {
        let path = spec_path.child("externalIPs").index(i);
        errs.append(is_valid_ip_for_legacy_field(&path, ip, false, &[]));
    }
    errs.append(one_of(
        spec.type_.as_deref(),
        SERVICE_TYPES,
        &spec_path.child("type"),
    ));
    if type_ == "ClusterIP" {
        for (i, port) in ports.iter().enumerate() {
            if port.node_port.unwrap_or(0) != 0 {
                errs.push(FieldError::forbidden(
                    &spec_path.child("ports").index(i).child("nodePort"),
                    "may not be used when `type` is 'ClusterIP'",
                ));
            }
        }
    }
    let mut node_ports = HashSet::new();
    for (i, port) in ports.iter().enumerate() {
        let node_port = port.node_port.unwrap_or(0);
        if node_port != 0 && !node_ports.insert((port.protocol.as_deref(), node_port)) {
            errs.push(FieldError::duplicate(
                &spec_path.child("ports").index(i).child("nodePort"),
                node_port,
            ));
        }
    }
    let mut numbers = HashSet::new();
    for (i, port) in ports.iter().enumerate() {
        let protocol = port.protocol.as_deref().unwrap_or_default();
        if !numbers.insert((protocol, port.port)) {
            errs.push(FieldError::duplicate(
                &spec_path.child("ports").index(i),
                port_key(protocol, port.port),
            ));
        }
    }
    let allocate = spec_path.child("allocateLoadBalancerNodePorts");
    if spec.allocate_load_balancer_node_ports.is_some() && type_ != "LoadBalancer" {
        errs.push(FieldError::forbidden(
            &allocate,
            "may only be used when `type` is 'LoadBalancer'",
        ));
    }
    if type_ == "LoadBalancer" && spec.allocate_load_balancer_node_ports.is_none() {
        // Upstream reports this one without the `spec.` prefix.
        errs.push(FieldError::required(
            &Path::new("allocateLoadBalancerNodePorts"),
            "",
        ));
    }
    errs.append(validate_traffic_policies(spec));
    errs
}

// k8s: pkg/apis/core/validation/validation.go (validateServicePort)
fn validate_port(
    port: &ServicePort,
    require_name: bool,
    names: &mut HashSet<String>,
    path: &Path,
) -> ErrorList {
    let mut errs = ErrorList::new();
    let name = port.name.as_deref().unwrap_or_default();
    let name_path = path.child("name");
    if name.is_empty() {
        if require_name {
            errs.push(FieldError::required(&name_path, ""));
        }
    } else {
        errs.append(dns1123_label(name, &name_path));
        if !names.insert(name.to_owned()) {
            errs.push(FieldError::duplicate(&name_path, name));
        }
    }
    errs.extend(
        is_valid_port_num(i64::from(port.port))
            .into_iter()
            .map(|msg| FieldError::invalid(&path.child("port"), port.port, msg)),
    );
    errs.append(one_of(
        port.protocol.as_deref(),
        PORT_PROTOCOLS,
        &path.child("protocol"),
    ));
    if let Some(target) = port.target_port.as_ref() {
        errs.append(port_num_or_name(target, &path.child("targetPort")));
    }
    if let Some(app_protocol) = port.app_protocol.as_deref() {
        errs.append(qualified_name(app_protocol, &path.child("appProtocol")));
    }
    errs
}

/// The `(protocol, port)` key of a duplicate port, printed as upstream
/// prints its internal `ServicePort`.
fn port_key(protocol: &str, port: i32) -> BadValue {
    BadValue::Raw(format!(
        "{{\"Name\":\"\",\"Protocol\":{},\"AppProtocol\":null,\"Port\":{port},\"TargetPort\":0,\"NodePort\":0}}",
        serde_json::Value::from(protocol)
    ))
}

// k8s: pkg/apis/core/validation/validation.go (validateClientIPAffinityConfig)
fn validate_client_ip_affinity(config: Option<&SessionAffinityConfig>, path: &Path) -> ErrorList {
    let detail = "when session affinity type is ClientIP";
    let Some(config) = config else {
        return FieldError::required(path, detail).into();
    };
    let path = path.child("clientIP");
    let Some(client_ip) = config.client_ip.as_ref() else {
        return FieldError::required(&path, detail).into();
    };
    let path = path.child("timeoutSeconds");
    match client_ip.timeout_seconds {
        None => FieldError::required(&path, detail).into(),
        Some(t) if t <= 0 || t > MAX_AFFINITY_SECONDS => FieldError::invalid(
            &path,
            t,
            format!("must be greater than 0 and less than {MAX_AFFINITY_SECONDS}"),
        )
        .into(),
        Some(_) => ErrorList::new(),
    }
}

// k8s: pkg/apis/core/validation/validation.go (ValidateServiceClusterIPsRelatedFields)
fn validate_cluster_ips_related(spec: &ServiceSpec) -> ErrorList {
    let mut errs = ErrorList::new();
    let spec_path = Path::new("spec");
    let ips_path = spec_path.child("clusterIPs");
    let ips = spec.cluster_ips.as_deref().unwrap_or_default();
    if spec.cluster_ip.as_deref().is_some_and(|ip| !ip.is_empty()) {
        if ips.is_empty() {
            errs.push(FieldError::required(&ips_path, ""));
        } else if Some(ips[0].as_str()) != spec.cluster_ip.as_deref() {
            errs.push(FieldError::invalid(
                &ips_path,
                ip_list(ips),
                "first value must match `clusterIP`",
            ));
        }
    } else if !ips.is_empty() {
        errs.push(FieldError::invalid(
            &ips_path,
            ip_list(ips),
            "must be empty when `clusterIP` is not specified",
        ));
    }
    let mut seen = BTreeSet::new();
    for (i, family) in spec.ip_families.iter().flatten().enumerate() {
        let path = spec_path.child("ipFamilies").index(i);
        if !IP_FAMILIES.contains(&family.as_str()) {
            errs.push(FieldError::not_supported(
                &path,
                family.as_str(),
                IP_FAMILIES,
            ));
        }
        if !seen.insert(family) {
            errs.push(FieldError::duplicate(&path, family.as_str()));
        }
    }
    if let Some(policy) = spec.ip_family_policy.as_deref()
        && !IP_FAMILY_POLICIES.contains(&policy)
    {
        errs.push(FieldError::not_supported(
            &spec_path.child("ipFamilyPolicy"),
            policy,
            IP_FAMILY_POLICIES,
        ));
    }
    for (i, ip) in ips.iter().enumerate() {
        if i == 0 && ip == "None" {
            if ips.len() > 1 {
                errs.push(FieldError::invalid(
                    &ips_path,
                    ip_list(ips),
                    "'None' must be the first and only value",
                ));
            }
            continue;
        }
        errs.append(is_valid_ip_for_legacy_field(
            &ips_path.index(i),
            ip,
            false,
            &[],
        ));
    }
    if ips.len() > 2 {
        errs.push(FieldError::invalid(
            &ips_path,
            ip_list(ips),
            "may only hold up to 2 values",
        ));
    }
    errs
}

// k8s: pkg/apis/core/validation/validation.go (validateServiceExternalTrafficPolicy, validateServiceInternalTrafficFieldsValue)
fn validate_traffic_policies(spec: &ServiceSpec) -> ErrorList {
    let mut errs = ErrorList::new();
    let spec_path = Path::new("spec");
    let external = spec.external_traffic_policy.as_deref().unwrap_or_default();
    let external_path = spec_path.child("externalTrafficPolicy");
    if !externally_accessible(spec) {
        if !external.is_empty() {
            errs.push(FieldError::invalid(
                &external_path,
                external,
                "may only be set for externally-accessible services",
            ));
        }
    } else {
        errs.append(one_of(Some(external), TRAFFIC_POLICIES, &external_path));
    }
    let health_path = spec_path.child("healthCheckNodePort");
    let health = spec.health_check_node_port.unwrap_or(0);
    if !needs_health_check_port(spec) {
        if health != 0 {
            errs.push(FieldError::invalid(
                &health_path,
                health,
                "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'",
            ));
        }
    } else if health == 0 {
        errs.push(FieldError::required(&health_path, ""));
    } else {
        errs.extend(
            is_valid_port_num(i64::from(health))
                .into_iter()
                .map(|msg| FieldError::invalid(&health_path, health, msg)),
        );
    }
    let internal_path = spec_path.child("internalTrafficPolicy");
    match spec.internal_traffic_policy.as_deref() {
        None if matches!(
            spec.type_.as_deref(),
            Some("ClusterIP" | "NodePort" | "LoadBalancer")
        ) =>
        {
            errs.push(FieldError::required(&internal_path, ""));
        }
        Some(policy) if !TRAFFIC_POLICIES.contains(&policy) => {
            errs.push(FieldError::not_supported(
                &internal_path,
                policy,
                TRAFFIC_POLICIES,
            ));
        }
        _ => {}
    }
    errs
}

/// Validation of a service update: the cluster IPs stay as they are unless
/// the service turns into or out of an ExternalName, and the health check
/// node port stays while one is needed.
// k8s: pkg/apis/core/validation/validation.go (ValidateServiceUpdate, validateUpgradeDowngradeClusterIPs, validateServiceExternalTrafficFieldsUpdate)
pub fn validate_service_update(new: &Service, old: &Service) -> ErrorList {
    let default_spec = ServiceSpec::default();
    let new_spec = new.spec.as_ref().unwrap_or(&default_spec);
    let old_spec = old.spec.as_ref().unwrap_or(&default_spec);
    let mut errs = ErrorList::new();
    let external_name = |s: &ServiceSpec| s.type_.as_deref() == Some("ExternalName");
    let both_headless = is_headless(new_spec) && is_headless(old_spec);
    if !external_name(new_spec) && !external_name(old_spec) && !both_headless {
        let path = Path::new("spec").child("clusterIPs");
        let new_ips = new_spec.cluster_ips.as_deref().unwrap_or_default();
        let old_ips = old_spec.cluster_ips.as_deref().unwrap_or_default();
        if new_ips.is_empty() && !old_ips.is_empty() {
            errs.push(FieldError::invalid(
                &path.index(0),
                ip_list(new_ips),
                "primary clusterIP can not be unset",
            ));
        }
        for (i, (new_ip, old_ip)) in new_ips.iter().zip(old_ips).enumerate() {
            if new_ip != old_ip {
                errs.push(FieldError::invalid(
                    &path.index(i),
                    ip_list(new_ips),
                    "may not change once set",
                ));
            }
        }
    }
    if needs_health_check_port(new_spec)
        && needs_health_check_port(old_spec)
        && new_spec.health_check_node_port != old_spec.health_check_node_port
    {
        errs.push(FieldError::forbidden(
            &Path::new("spec").child("healthCheckNodePort"),
            "field is immutable",
        ));
    }
    errs.append(validate_service(new));
    errs
}
