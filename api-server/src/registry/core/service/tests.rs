//! Service strategy tests: defaults, validation messages, update rules and
//! allocation of cluster IPs and node ports.

use k8s_openapi::api::core::v1::Service;
use serde_json::{Value, json};

use super::allocator::tests_support::{allocators, held_ports};
use super::*;
use crate::registry::store::WriteHooks;

fn decode(value: Value) -> Service {
    let mut service: Service = serde_json::from_value(value).expect("service decodes");
    ServiceStrategy.apply_defaults(&mut service);
    service
}

fn service(name: &str, spec: Value) -> Service {
    decode(json!({"metadata": {"name": name, "namespace": "default"}, "spec": spec}))
}

/// The rendered create errors of a service with `spec`, as the store sees
/// it after defaulting (allocation does not run).
fn create_errors(spec: Value) -> String {
    let mut service = service("s", spec);
    let spec = service.spec.as_mut().expect("spec");
    if spec.cluster_ips.is_none() {
        spec.cluster_ips = spec.cluster_ip.clone().map(|ip| vec![ip]);
    }
    ServiceStrategy.validate(&service).to_string()
}

#[test]
fn defaults_match_kubectl_get_yaml() {
    let got = service(
        "web",
        json!({"type": "NodePort", "selector": {"app": "web"}, "ports": [{"port": 80}]}),
    );
    assert_eq!(
        serde_json::to_value(got.spec).expect("encodes"),
        json!({
            "externalTrafficPolicy": "Cluster",
            "internalTrafficPolicy": "Cluster",
            "ports": [{"port": 80, "protocol": "TCP", "targetPort": 80}],
            "selector": {"app": "web"},
            "sessionAffinity": "None",
            "type": "NodePort"
        })
    );
    let lb = service(
        "lb",
        json!({"type": "LoadBalancer", "ports": [{"port": 80}]}),
    );
    let spec = lb.spec.expect("spec");
    assert_eq!(spec.allocate_load_balancer_node_ports, Some(true));
    let external = service(
        "ext",
        json!({"type": "ExternalName", "externalName": "a.b"}),
    );
    let spec = external.spec.expect("spec");
    assert_eq!(spec.internal_traffic_policy, None);
    assert_eq!(spec.external_traffic_policy, None);
    let sticky = service(
        "s",
        json!({"sessionAffinity": "ClientIP", "ports": [{"port": 80, "targetPort": "http"}]}),
    );
    let spec = sticky.spec.expect("spec");
    assert_eq!(
        serde_json::to_value(spec.session_affinity_config).expect("encodes"),
        json!({"clientIP": {"timeoutSeconds": 10800}})
    );
    assert_eq!(
        serde_json::to_value(&spec.ports).expect("encodes")[0]["targetPort"],
        "http"
    );
}

#[test]
fn validation_messages() {
    let cases = [
        (json!({}), "spec.ports: Required value"),
        (
            json!({"ports": [{"port": 80}, {"port": 81}]}),
            "[spec.ports[0].name: Required value, spec.ports[1].name: Required value]",
        ),
        (
            json!({"ports": [{"name": "a", "port": 80}, {"name": "a", "port": 81}]}),
            "spec.ports[1].name: Duplicate value: \"a\"",
        ),
        (
            json!({"ports": [{"port": 70000, "targetPort": 8080}]}),
            "spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive",
        ),
        (
            json!({"ports": [{"port": 80, "protocol": "HTTP"}]}),
            "spec.ports[0].protocol: Unsupported value: \"HTTP\": supported values: \"SCTP\", \"TCP\", \"UDP\"",
        ),
        (
            json!({"ports": [{"port": 80, "targetPort": "no_such"}]}),
            "spec.ports[0].targetPort: Invalid value: \"no_such\": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)",
        ),
        (
            json!({"ports": [{"port": 80, "nodePort": 30080}]}),
            "spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'",
        ),
        (
            json!({"type": "Magic", "ports": [{"port": 80}]}),
            "spec.type: Unsupported value: \"Magic\": supported values: \"ClusterIP\", \"ExternalName\", \"LoadBalancer\", \"NodePort\"",
        ),
        (
            json!({"sessionAffinity": "Sticky", "ports": [{"port": 80}]}),
            "spec.sessionAffinity: Unsupported value: \"Sticky\": supported values: \"ClientIP\", \"None\"",
        ),
        (
            json!({"selector": {"app": "a b"}, "ports": [{"port": 80}]}),
            "spec.selector: Invalid value: \"a b\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
        ),
        (
            json!({"type": "ExternalName"}),
            "spec.externalName: Required value",
        ),
        (
            json!({"type": "NodePort", "clusterIP": "None", "ports": [{"port": 80}]}),
            "spec.clusterIPs[0]: Invalid value: \"None\": may not be set to 'None' for NodePort services",
        ),
        (
            json!({"clusterIP": "10.96.0.300", "ports": [{"port": 80}]}),
            "spec.clusterIPs[0]: Invalid value: \"10.96.0.300\": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)",
        ),
        (
            json!({"ports": [{"port": 80}, {"name": "b", "port": 80}]}),
            "[spec.ports[0].name: Required value, spec.ports[1]: Duplicate value: {\"Name\":\"\",\"Protocol\":\"TCP\",\"AppProtocol\":null,\"Port\":80,\"TargetPort\":0,\"NodePort\":0}]",
        ),
        (json!({"clusterIP": "None"}), ""),
    ];
    for (spec, expected) in cases {
        assert_eq!(create_errors(spec.clone()), expected, "spec {spec}");
    }
}

#[test]
fn service_names_are_dns1035_labels() {
    assert_eq!(ServiceStrategy.name_rule(), NameRule::Dns1035Label);
}

#[test]
fn cluster_ip_may_not_change() {
    let old = service(
        "s",
        json!({"clusterIP": "10.96.0.5", "clusterIPs": ["10.96.0.5"], "ports": [{"port": 80}]}),
    );
    let mut new = service(
        "s",
        json!({"clusterIP": "10.96.0.6", "clusterIPs": ["10.96.0.6"], "ports": [{"port": 80}]}),
    );
    ServiceStrategy.prepare_for_update(&mut new, &old);
    let errors = ServiceStrategy.validate_update(&new, &old).to_string();
    assert!(
        errors.starts_with(
            "spec.clusterIPs[0]: Invalid value: [\"10.96.0.6\"]: may not change once set"
        ),
        "{errors}"
    );
}

#[test]
fn updates_keep_allocated_values_the_client_left_out() {
    let old = service(
        "s",
        json!({"type": "NodePort", "clusterIP": "10.96.0.5", "clusterIPs": ["10.96.0.5"],
            "ports": [{"name": "http", "port": 80, "nodePort": 30080}]}),
    );
    let mut new = service(
        "s",
        json!({"type": "NodePort", "ports": [{"name": "http", "port": 80}]}),
    );
    ServiceStrategy.prepare_for_update(&mut new, &old);
    let spec = new.spec.as_ref().expect("spec");
    assert_eq!(spec.cluster_ip.as_deref(), Some("10.96.0.5"));
    assert_eq!(spec.cluster_ips, Some(vec!["10.96.0.5".to_owned()]));
    assert_eq!(
        spec.ports.as_ref().expect("ports")[0].node_port,
        Some(30080)
    );

    // Turning into a ClusterIP service drops the node ports it no longer needs.
    let mut cluster_ip = old.clone();
    cluster_ip.spec.as_mut().expect("spec").type_ = Some("ClusterIP".into());
    ServiceStrategy.prepare_for_update(&mut cluster_ip, &old);
    let spec = cluster_ip.spec.as_ref().expect("spec");
    assert_eq!(spec.ports.as_ref().expect("ports")[0].node_port, None);
    assert_eq!(spec.external_traffic_policy, None);
    assert_eq!(
        ServiceStrategy
            .validate_update(&cluster_ip, &old)
            .to_string(),
        ""
    );
}

#[test]
fn ranges_parse_and_print() {
    let range: IpRange = "10.96.0.0/12".parse().expect("range");
    assert_eq!(range, IpRange::default());
    assert_eq!(range.to_string(), "10.96.0.0/12");
    assert_eq!(range.first().to_string(), "10.96.0.1");
    assert!("10.96.0.0/8".parse::<IpRange>().is_err());
    assert!("10.96.0.0".parse::<IpRange>().is_err());
    let ports: PortRange = "30000-32767".parse().expect("ports");
    assert_eq!(ports, PortRange::default());
    assert_eq!(ports.to_string(), "30000-32767");
    assert!("32767-30000".parse::<PortRange>().is_err());
}

/// Runs a create's allocation and commits it.
async fn create(allocators: &Allocators, service: &mut Service) -> Result<(), String> {
    let finish = allocators
        .begin_create(service)
        .await
        .map_err(|e| e.message)?;
    finish(true);
    Ok(())
}

#[tokio::test]
async fn allocation_picks_free_values_in_range() {
    let allocators = allocators("10.0.0.0/29", "30000-30003", &[]).await;
    let mut svc = service(
        "a",
        json!({"type": "NodePort", "ports": [{"name": "a", "port": 80}, {"name": "b", "port": 80, "protocol": "UDP"}]}),
    );
    create(&allocators, &mut svc).await.expect("allocates");
    let spec = svc.spec.as_ref().expect("spec");
    let ip: std::net::Ipv4Addr = spec.cluster_ip.as_deref().expect("ip").parse().expect("ip");
    assert!((1..=6).contains(&ip.octets()[3]), "{ip}");
    assert_eq!(spec.cluster_ips, Some(vec![ip.to_string()]));
    assert_eq!(spec.ip_families, Some(vec!["IPv4".to_owned()]));
    assert_eq!(spec.ip_family_policy.as_deref(), Some("SingleStack"));
    let ports = spec.ports.as_ref().expect("ports");
    let node_port = ports[0].node_port.expect("node port");
    assert!((30000..=30003).contains(&node_port));
    // The same port number under another protocol shares the node port.
    assert_eq!(ports[1].node_port, Some(node_port));
    assert_eq!(ServiceStrategy.validate(&svc).to_string(), "");
}

#[tokio::test]
async fn allocation_refuses_taken_and_out_of_range_values() {
    let allocators = allocators("10.96.0.0/12", "30000-32767", &[]).await;
    let spec = json!({"type": "NodePort", "clusterIP": "10.96.0.5",
        "ports": [{"port": 80, "nodePort": 30080}]});
    create(&allocators, &mut service("a", spec.clone()))
        .await
        .expect("allocates");
    let taken_ip = json!({"clusterIP": "10.96.0.5", "ports": [{"port": 80}]});
    assert_eq!(
        create(&allocators, &mut service("b", taken_ip)).await,
        Err("Service \"b\" is invalid: spec.clusterIPs: Invalid value: [\"10.96.0.5\"]: failed to allocate IP 10.96.0.5: provided IP is already allocated".into())
    );
    let outside = json!({"clusterIP": "10.0.0.1", "ports": [{"port": 80}]});
    assert_eq!(
        create(&allocators, &mut service("c", outside)).await,
        Err("Service \"c\" is invalid: spec.clusterIPs: Invalid value: [\"10.0.0.1\"]: failed to allocate IP 10.0.0.1: the provided IP (10.0.0.1) is not in the valid range. The range of valid IPs is 10.96.0.0/12".into())
    );
    let taken_port = json!({"type": "NodePort", "ports": [{"port": 80, "nodePort": 30080}]});
    assert_eq!(
        create(&allocators, &mut service("d", taken_port)).await,
        Err("Service \"d\" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated".into())
    );
    let low_port = json!({"type": "NodePort", "ports": [{"port": 80, "nodePort": 80}]});
    assert_eq!(
        create(&allocators, &mut service("e", low_port)).await,
        Err("Service \"e\" is invalid: spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767".into())
    );
    let ipv6 = json!({"ipFamilies": ["IPv6"], "ports": [{"port": 80}]});
    assert_eq!(
        create(&allocators, &mut service("f", ipv6)).await,
        Err("Service \"f\" is invalid: spec.ipFamilies[0]: Invalid value: \"IPv6\": not configured on this cluster".into())
    );
}

#[tokio::test]
async fn exhaustion_and_release() {
    let allocators = allocators("10.0.0.0/30", "30000-30000", &[]).await;
    let spec = json!({"type": "NodePort", "ports": [{"port": 80}]});
    let mut first = service("a", spec.clone());
    create(&allocators, &mut first).await.expect("allocates");
    // A failed (or dry-run) create gives its values back.
    let mut dry = service("b", json!({"ports": [{"port": 80}]}));
    let finish = allocators.begin_create(&mut dry).await.expect("allocates");
    finish(false);
    let mut second = service("b", json!({"ports": [{"port": 80}]}));
    create(&allocators, &mut second).await.expect("allocates");
    assert_eq!(
        create(
            &allocators,
            &mut service("c", json!({"ports": [{"port": 80}]}))
        )
        .await,
        Err("Internal error occurred: failed to allocate a serviceIP: range is full".into())
    );
    allocators.after_delete(&second).await;
    assert_eq!(
        create(&allocators, &mut service("d", spec.clone())).await,
        Err("Internal error occurred: failed to allocate a nodePort: range is full".into())
    );
    allocators.after_delete(&first).await;
    create(&allocators, &mut service("e", spec))
        .await
        .expect("freed values are reused");
}

#[tokio::test]
async fn type_changes_allocate_and_release_node_ports() {
    let allocators = allocators("10.96.0.0/12", "30000-32767", &[]).await;
    let mut old = service("a", json!({"ports": [{"port": 80}]}));
    create(&allocators, &mut old).await.expect("allocates");
    let mut node_port = old.clone();
    node_port.spec.as_mut().expect("spec").type_ = Some("NodePort".into());
    ServiceStrategy.apply_defaults(&mut node_port);
    ServiceStrategy.prepare_for_update(&mut node_port, &old);
    let finish = allocators
        .begin_update(&mut node_port, &old)
        .await
        .expect("allocates");
    finish(true);
    let ports = held_ports(&allocators);
    assert_eq!(ports.len(), 1);
    let spec = node_port.spec.as_ref().expect("spec");
    assert_eq!(
        spec.ports.as_ref().expect("ports")[0].node_port,
        Some(ports[0])
    );
    assert_eq!(spec.cluster_ip, old.spec.as_ref().expect("spec").cluster_ip);

    let mut back = node_port.clone();
    back.spec.as_mut().expect("spec").type_ = Some("ClusterIP".into());
    ServiceStrategy.prepare_for_update(&mut back, &node_port);
    let finish = allocators
        .begin_update(&mut back, &node_port)
        .await
        .expect("allocates");
    finish(true);
    assert_eq!(held_ports(&allocators), Vec::<i32>::new());
}

#[tokio::test]
async fn stored_services_are_loaded_on_first_use() {
    let stored = service(
        "old",
        json!({"type": "NodePort", "clusterIP": "10.96.0.7", "clusterIPs": ["10.96.0.7"],
            "ports": [{"port": 80, "nodePort": 30007}]}),
    );
    let allocators = allocators("10.96.0.0/12", "30000-32767", &[stored]).await;
    let same_ip = json!({"clusterIP": "10.96.0.7", "ports": [{"port": 80}]});
    assert!(
        create(&allocators, &mut service("a", same_ip))
            .await
            .expect_err("taken")
            .ends_with("provided IP is already allocated")
    );
    assert_eq!(held_ports(&allocators), vec![30007]);
}
