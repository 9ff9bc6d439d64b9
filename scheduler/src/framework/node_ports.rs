//! Filter: the host ports a pod asks for must be free on the node; a
//! wildcard host IP conflicts with every address.
//!
//! Counterpart of `pkg/scheduler/framework/plugins/nodeports`.

use std::sync::Arc;

use k8s_openapi::api::core::v1::PodSpec;

use super::{Code, NodeInfo, Plugin, PodInfo, Rejection};

/// One `hostPort` in use: protocol, host IP and port.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostPort {
    pub protocol: String,
    pub ip: String,
    pub port: i32,
}

impl HostPort {
    // k8s: pkg/scheduler/framework/types.go (HostPortInfo.CheckConflict)
    fn conflicts(&self, other: &HostPort) -> bool {
        const ANY: &str = "0.0.0.0";
        self.port == other.port
            && self.protocol == other.protocol
            && (self.ip == other.ip || self.ip == ANY || other.ip == ANY)
    }
}

/// The host ports of every container of a pod (init containers included,
/// as sidecars can bind ports).
pub fn host_ports(spec: &PodSpec) -> Vec<HostPort> {
    spec.containers
        .iter()
        .chain(spec.init_containers.iter().flatten())
        .flat_map(|c| c.ports.iter().flatten())
        .filter(|p| p.host_port.is_some_and(|h| h > 0))
        .map(|p| HostPort {
            protocol: p.protocol.clone().unwrap_or_else(|| "TCP".into()),
            ip: p
                .host_ip
                .clone()
                .filter(|ip| !ip.is_empty())
                .unwrap_or_else(|| "0.0.0.0".into()),
            port: p.host_port.unwrap_or_default(),
        })
        .collect()
}

// k8s: pkg/scheduler/framework/plugins/nodeports/node_ports.go (Filter, fitsPorts)
pub fn filter(pod: &PodInfo, node: &NodeInfo, nominated: &[Arc<PodInfo>]) -> Result<(), Rejection> {
    if pod.host_ports.is_empty() {
        return Ok(());
    }
    let conflict = node
        .used_ports
        .iter()
        .chain(nominated.iter().flat_map(|p| p.host_ports.iter()))
        .any(|used| pod.host_ports.iter().any(|p| p.conflicts(used)));
    if conflict {
        Err(Rejection::new(
            Plugin::NodePorts,
            Code::Unschedulable,
            "node(s) didn't have free ports for the requested pod ports",
        ))
    } else {
        Ok(())
    }
}
