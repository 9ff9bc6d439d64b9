//! Cluster IPs and node ports of services: the ranges they come from and an
//! in-process record of the values taken, filled from the watch cache on
//! first use (the api-server is the only writer of services).
//!
//! Counterpart of k8s `pkg/registry/core/service/ipallocator`,
//! `pkg/registry/core/service/portallocator` and
//! `pkg/registry/core/service/storage/alloc.go` for a single-stack IPv4
//! cluster.

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::net::Ipv4Addr;
use std::str::FromStr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use apimachinery::validation::{BadValue, ErrorList, FieldError, Path};
use async_trait::async_trait;
use k8s_openapi::api::core::v1::{Service, ServiceSpec};
use rand::Rng;
use tokio::sync::OnceCell;

use super::{INFO, is_headless, needs_cluster_ip, needs_health_check_port};
use crate::registry::store::{Finish, WriteHooks};
use crate::status::{ApiError, Result};
use crate::storage::cacher::{Everything, ListAt, ListRequest, WatchCache};

/// A range flag that does not parse.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("invalid service IP range {0:?}: expected an IPv4 CIDR such as 10.96.0.0/12")]
    Cidr(String),
    #[error("service IP range {0} is too large: the mask must be at least /12")]
    CidrTooLarge(String),
    #[error("service IP range {0} is too small: the mask must be at most /30")]
    CidrTooSmall(String),
    #[error("invalid node port range {0:?}: expected first-last such as 30000-32767")]
    PortRange(String),
}

/// The IPv4 network cluster IPs come from (`--service-cluster-ip-range`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IpRange {
    network: u32,
    prefix: u8,
}

impl IpRange {
    /// How many addresses can be handed out: all but the network and
    /// broadcast addresses.
    fn size(self) -> u32 {
        (1u32 << (32 - self.prefix)) - 2
    }

    /// The address at `offset`, counted from the first usable one.
    fn ip(self, offset: u32) -> Ipv4Addr {
        Ipv4Addr::from(self.network + 1 + offset)
    }

    /// The offset of `ip`, when the range can hand it out.
    fn offset(self, ip: Ipv4Addr) -> Option<u32> {
        u32::from(ip)
            .checked_sub(self.network + 1)
            .filter(|&o| o < self.size())
    }

    /// The first usable address, the one of the `kubernetes` service.
    pub fn first(self) -> Ipv4Addr {
        self.ip(0)
    }
}

impl Default for IpRange {
    fn default() -> Self {
        Self {
            network: u32::from(Ipv4Addr::new(10, 96, 0, 0)),
            prefix: 12,
        }
    }
}

impl FromStr for IpRange {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        let bad = || Error::Cidr(s.to_owned());
        let (ip, prefix) = s.split_once('/').ok_or_else(bad)?;
        let ip: Ipv4Addr = ip.parse().map_err(|_| bad())?;
        let prefix: u8 = prefix.parse().map_err(|_| bad())?;
        match prefix {
            0..12 => Err(Error::CidrTooLarge(s.to_owned())),
            31.. => Err(Error::CidrTooSmall(s.to_owned())),
            _ => Ok(Self {
                network: u32::from(ip) & (u32::MAX << (32 - prefix)),
                prefix,
            }),
        }
    }
}

impl fmt::Display for IpRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", Ipv4Addr::from(self.network), self.prefix)
    }
}

/// The ports node ports come from (`--service-node-port-range`), inclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PortRange {
    first: u16,
    last: u16,
}

impl PortRange {
    fn size(self) -> u32 {
        u32::from(self.last - self.first) + 1
    }

    fn offset(self, port: i32) -> Option<u32> {
        u16::try_from(port)
            .ok()
            .filter(|p| (self.first..=self.last).contains(p))
            .map(|p| u32::from(p - self.first))
    }

    fn port(self, offset: u32) -> i32 {
        i32::from(self.first) + offset as i32
    }
}

impl Default for PortRange {
    fn default() -> Self {
        Self {
            first: 30000,
            last: 32767,
        }
    }
}

impl FromStr for PortRange {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        let bad = || Error::PortRange(s.to_owned());
        let (first, last) = s.split_once('-').ok_or_else(bad)?;
        let first: u16 = first.trim().parse().map_err(|_| bad())?;
        let last: u16 = last.trim().parse().map_err(|_| bad())?;
        if first == 0 || last < first {
            return Err(bad());
        }
        Ok(Self { first, last })
    }
}

impl fmt::Display for PortRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.first, self.last)
    }
}

/// The ranges services take their cluster IPs and node ports from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ServiceNetwork {
    pub cluster_ip_range: IpRange,
    pub node_port_range: PortRange,
}

/// Which offsets of a range are taken. Values picked for the client come
/// from the upper band first, leaving the lower band to values clients ask
/// for by number.
// k8s: pkg/registry/core/service/allocator/bitmap.go (randomScanStrategyWithOffset)
#[derive(Debug)]
struct Pool {
    size: u32,
    lower_band: u32,
    used: HashSet<u32>,
}

impl Pool {
    /// `step`, `min` and `max` size the lower band as upstream does:
    /// `size / step` clamped to `min..=max`, none for tiny ranges.
    // k8s: pkg/registry/core/service/ipallocator/bitmap.go (calculateRangeOffset)
    fn new(size: u32, step: u32, min: u32, max: u32) -> Self {
        let lower_band = if size < min {
            0
        } else {
            (size / step).clamp(min, max)
        };
        Self {
            size,
            lower_band,
            used: HashSet::new(),
        }
    }

    /// Takes `offset`; false when it is taken already.
    fn take(&mut self, offset: u32) -> bool {
        self.used.insert(offset)
    }

    /// Takes a free offset; none when the range is full.
    fn take_any(&mut self) -> Option<u32> {
        let found = self
            .scan(self.lower_band, self.size)
            .or_else(|| self.scan(0, self.lower_band))?;
        self.used.insert(found);
        Some(found)
    }

    /// A free offset in `from..to`, scanning from a random start.
    fn scan(&self, from: u32, to: u32) -> Option<u32> {
        let len = to.checked_sub(from).filter(|&l| l > 0)?;
        let start = rand::rng().random_range(0..len);
        (0..len)
            .map(|i| from + (start + i) % len)
            .find(|o| !self.used.contains(o))
    }

    fn release(&mut self, offset: u32) {
        self.used.remove(&offset);
    }
}

/// What one service holds, as offsets into the ranges.
#[derive(Debug, Default, PartialEq, Eq)]
struct Held {
    ips: Vec<u32>,
    ports: Vec<u32>,
}

#[derive(Debug)]
struct State {
    ips: Pool,
    ports: Pool,
}

impl State {
    fn release(&mut self, held: &Held) {
        held.ips.iter().for_each(|&o| self.ips.release(o));
        held.ports.iter().for_each(|&o| self.ports.release(o));
    }
}

/// The cluster IP and node port allocators of the services resource.
pub struct Allocators {
    network: ServiceNetwork,
    cache: Arc<WatchCache>,
    loaded: OnceCell<()>,
    state: Arc<Mutex<State>>,
}

impl Allocators {
    pub fn new(network: ServiceNetwork, cache: Arc<WatchCache>) -> Self {
        let state = State {
            ips: Pool::new(network.cluster_ip_range.size(), 16, 16, 256),
            ports: Pool::new(network.node_port_range.size(), 32, 16, 128),
        };
        Self {
            network,
            cache,
            loaded: OnceCell::new(),
            state: Arc::new(Mutex::new(state)),
        }
    }

    /// Marks what the stored services hold, once, before the first change.
    async fn load(&self) -> Result<()> {
        self.loaded
            .get_or_try_init(|| async {
                let request = ListRequest {
                    scope: INFO.key_prefix(),
                    at: ListAt::Consistent,
                    predicate: Arc::new(Everything),
                    limit: None,
                    start_after: None,
                };
                let listed = self.cache.list(request).await.map_err(ApiError::internal)?;
                let mut state = lock(&self.state);
                for item in listed.items {
                    let Ok(service) = serde_json::from_slice::<Service>(&item.json) else {
                        tracing::warn!(key = item.key, "stored service does not decode");
                        continue;
                    };
                    let held = self.held(&service);
                    state.ips.used.extend(held.ips);
                    state.ports.used.extend(held.ports);
                }
                Ok(())
            })
            .await
            .copied()
    }

    /// The values of `service` inside the ranges.
    fn held(&self, service: &Service) -> Held {
        let Some(spec) = service.spec.as_ref() else {
            return Held::default();
        };
        let range = self.network.cluster_ip_range;
        let ports = self.network.node_port_range;
        let ips = spec
            .cluster_ips
            .iter()
            .flatten()
            .chain(spec.cluster_ip.iter())
            .filter_map(|ip| ip.parse().ok().and_then(|ip| range.offset(ip)))
            .collect::<HashSet<_>>();
        let node_ports = spec
            .ports
            .iter()
            .flatten()
            .filter_map(|p| p.node_port)
            .chain(spec.health_check_node_port)
            .filter_map(|p| ports.offset(p))
            .collect::<HashSet<_>>();
        Held {
            ips: ips.into_iter().collect(),
            ports: node_ports.into_iter().collect(),
        }
    }

    /// Fills the IPs and ports `service` needs, treating what `ours` lists
    /// as already its own; returns what was newly taken. Everything taken
    /// is given back when it fails.
    fn allocate(&self, service: &mut Service, ours: &Held) -> Result<Held> {
        let name = service.metadata.name.clone().unwrap_or_default();
        let spec = service.spec.get_or_insert_with(ServiceSpec::default);
        let mut state = lock(&self.state);
        let mut taken = Held::default();
        let result = self.allocate_ips(spec, ours, &mut state, &mut taken);
        let result = result.and_then(|()| self.allocate_ports(spec, ours, &mut state, &mut taken));
        match result {
            Ok(()) => Ok(taken),
            Err(Failure::Field(error)) => {
                state.release(&taken);
                Err(ApiError::invalid(
                    INFO.kind,
                    INFO.group,
                    &name,
                    &ErrorList::from(error),
                ))
            }
            Err(Failure::Internal(message)) => {
                state.release(&taken);
                Err(ApiError::internal(message))
            }
        }
    }

    // k8s: pkg/registry/core/service/storage/alloc.go (allocClusterIPs, allocIPs)
    fn allocate_ips(
        &self,
        spec: &mut ServiceSpec,
        ours: &Held,
        state: &mut State,
        taken: &mut Held,
    ) -> Result<(), Failure> {
        if !needs_cluster_ip(spec) || is_headless(spec) {
            return Ok(());
        }
        let range = self.network.cluster_ip_range;
        let requested = spec
            .cluster_ips
            .as_ref()
            .and_then(|ips| ips.first())
            .filter(|ip| !ip.is_empty());
        let Some(requested) = requested else {
            let offset = state.ips.take_any().ok_or_else(|| {
                Failure::Internal("failed to allocate a serviceIP: range is full".into())
            })?;
            taken.ips.push(offset);
            let ip = range.ip(offset).to_string();
            spec.cluster_ip = Some(ip.clone());
            spec.cluster_ips = Some(vec![ip]);
            return Ok(());
        };
        // Malformed addresses are left to validation.
        let Ok(ip) = requested.parse::<Ipv4Addr>() else {
            return Ok(());
        };
        let refusal = match range.offset(ip) {
            Some(offset) if ours.ips.contains(&offset) => return Ok(()),
            Some(offset) if state.ips.take(offset) => {
                taken.ips.push(offset);
                return Ok(());
            }
            Some(_) => "provided IP is already allocated".to_owned(),
            None => format!(
                "the provided IP ({ip}) is not in the valid range. The range of valid IPs is {range}"
            ),
        };
        Err(Failure::Field(FieldError::invalid(
            &Path::new("spec").child("clusterIPs"),
            ip_list(spec.cluster_ips.as_deref().unwrap_or_default()),
            format!("failed to allocate IP {requested}: {refusal}"),
        )))
    }

    // k8s: pkg/registry/core/service/storage/alloc.go (initNodePorts, allocHealthCheckNodePort)
    fn allocate_ports(
        &self,
        spec: &mut ServiceSpec,
        ours: &Held,
        state: &mut State,
        taken: &mut Held,
    ) -> Result<(), Failure> {
        let range = self.network.node_port_range;
        let take = |port: i32, state: &mut State, taken: &mut Held| -> Result<(), String> {
            let offset = range.offset(port).ok_or_else(|| {
                format!(
                    "provided port is not in the valid range. The range of valid ports is {range}"
                )
            })?;
            if ours.ports.contains(&offset) || taken.ports.contains(&offset) {
                return Ok(());
            }
            if !state.ports.take(offset) {
                return Err("provided port is already allocated".to_owned());
            }
            taken.ports.push(offset);
            Ok(())
        };
        let node_port_type = matches!(spec.type_.as_deref(), Some("NodePort" | "LoadBalancer"));
        if node_port_type {
            let pick_new = allocates_node_ports(spec);
            let ports = spec.ports.get_or_insert_with(Vec::new);
            // Ports with the same number share one node port.
            let mut by_port: BTreeMap<i32, i32> = BTreeMap::new();
            for i in 0..ports.len() {
                let (number, requested) = (ports[i].port, ports[i].node_port.unwrap_or(0));
                if requested == 0 && !pick_new {
                    continue;
                }
                let wanted = match by_port.get(&number) {
                    Some(&shared) if requested == 0 => shared,
                    Some(_) => requested,
                    None => ports[i..]
                        .iter()
                        .filter(|p| p.port == number)
                        .find_map(|p| p.node_port.filter(|&n| n != 0))
                        .unwrap_or(0),
                };
                let node_port = if wanted == 0 {
                    let offset = state.ports.take_any().ok_or_else(|| {
                        Failure::Internal("failed to allocate a nodePort: range is full".into())
                    })?;
                    taken.ports.push(offset);
                    range.port(offset)
                } else {
                    take(wanted, state, taken).map_err(|refusal| {
                        Failure::Field(FieldError::invalid(
                            &Path::new("spec").child("ports").index(i).child("nodePort"),
                            wanted,
                            refusal,
                        ))
                    })?;
                    wanted
                };
                by_port.entry(number).or_insert(node_port);
                ports[i].node_port = Some(node_port);
            }
        }
        if needs_health_check_port(spec) {
            match spec.health_check_node_port.filter(|&p| p != 0) {
                Some(requested) => take(requested, state, taken).map_err(|refusal| {
                    Failure::Internal(format!(
                        "failed to allocate requested HealthCheck NodePort {requested}: {refusal}"
                    ))
                })?,
                None => {
                    let offset = state.ports.take_any().ok_or_else(|| {
                        Failure::Internal(
                            "failed to allocate a HealthCheck NodePort 0: range is full".into(),
                        )
                    })?;
                    taken.ports.push(offset);
                    spec.health_check_node_port = Some(range.port(offset));
                }
            }
        }
        Ok(())
    }
}

/// Whether ports without a node port get one picked: always for NodePort,
/// for LoadBalancer unless `allocateLoadBalancerNodePorts` is false.
// k8s: pkg/registry/core/service/storage/alloc.go (shouldAllocateNodePorts)
fn allocates_node_ports(spec: &ServiceSpec) -> bool {
    match spec.type_.as_deref() {
        Some("NodePort") => true,
        Some("LoadBalancer") => spec.allocate_load_balancer_node_ports != Some(false),
        _ => false,
    }
}

/// A list of IPs as a bad value, printed as a JSON array.
pub(super) fn ip_list(ips: &[String]) -> BadValue {
    BadValue::Raw(serde_json::to_string(ips).unwrap_or_default())
}

/// An allocation failure: a field error (422) or an internal one (500).
enum Failure {
    Field(FieldError),
    Internal(String),
}

/// Fills the IP family fields of a single-stack IPv4 cluster and refuses
/// what such a cluster cannot serve.
// k8s: pkg/registry/core/service/storage/alloc.go (initIPFamilyFields)
fn init_ip_families(spec: &mut ServiceSpec, old: Option<&ServiceSpec>) -> ErrorList {
    let mut errs = ErrorList::new();
    if !needs_cluster_ip(spec) {
        return errs;
    }
    let headless_selectorless =
        is_headless(spec) && spec.selector.as_ref().is_none_or(BTreeMap::is_empty);
    let default_policy = match old.and_then(|o| o.ip_family_policy.clone()) {
        Some(policy) => policy,
        None if headless_selectorless => "RequireDualStack".into(),
        None => "SingleStack".into(),
    };
    let policy = spec.ip_family_policy.get_or_insert(default_policy).clone();
    let policy_path = Path::new("spec").child("ipFamilyPolicy");
    let ips = spec.cluster_ips.clone().unwrap_or_default();
    let families = spec.ip_families.get_or_insert_with(Vec::new);
    if policy == "SingleStack" {
        if ips.len() == 2 {
            errs.push(FieldError::invalid(
                &policy_path,
                policy.as_str(),
                "must be 'RequireDualStack' or 'PreferDualStack' when multiple cluster IPs are specified",
            ));
        }
        if families.len() == 2 {
            errs.push(FieldError::invalid(
                &policy_path,
                policy.as_str(),
                "must be 'RequireDualStack' or 'PreferDualStack' when multiple IP families are specified",
            ));
        }
    }
    // Families not given follow the requested IPs.
    for (i, ip) in ips.iter().enumerate().take_while(|(_, ip)| *ip != "None") {
        if i < families.len() {
            continue;
        }
        if ip.contains(':') {
            errs.push(FieldError::invalid(
                &Path::new("spec").child("clusterIPs").index(i),
                ip_list(&ips),
                "IPv6 is not configured on this cluster",
            ));
        } else {
            families.push("IPv4".into());
        }
    }
    if !errs.is_empty() {
        return errs;
    }
    if headless_selectorless {
        // Headless and selectorless services may name any family.
        if families.is_empty() {
            families.push("IPv4".into());
        }
        if families.len() < 2 && policy != "SingleStack" {
            let other = if families[0] == "IPv4" {
                "IPv6"
            } else {
                "IPv4"
            };
            families.push(other.into());
        }
        return errs;
    }
    if policy == "RequireDualStack" {
        errs.push(FieldError::invalid(
            &policy_path,
            policy.as_str(),
            "this cluster is not configured for dual-stack services",
        ));
    }
    for (i, family) in families.iter().enumerate() {
        if family != "IPv4" {
            errs.push(FieldError::invalid(
                &Path::new("spec").child("ipFamilies").index(i),
                family.as_str(),
                "not configured on this cluster",
            ));
        }
    }
    if families.is_empty() {
        families.push("IPv4".into());
    }
    errs
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

fn invalid(service: &Service, errors: &ErrorList) -> ApiError {
    let name = service.metadata.name.as_deref().unwrap_or_default();
    ApiError::invalid(INFO.kind, INFO.group, name, errors)
}

#[async_trait]
impl WriteHooks<Service> for Allocators {
    // k8s: pkg/registry/core/service/storage/storage.go (beginCreate, normalizeClusterIPs)
    async fn begin_create(&self, service: &mut Service) -> Result<Finish> {
        let spec = service.spec.get_or_insert_with(ServiceSpec::default);
        if spec.cluster_ips.as_ref().is_none_or(Vec::is_empty)
            && let Some(ip) = spec.cluster_ip.clone().filter(|ip| !ip.is_empty())
        {
            spec.cluster_ips = Some(vec![ip]);
        }
        let errors = init_ip_families(spec, None);
        if !errors.is_empty() {
            return Err(invalid(service, &errors));
        }
        self.load().await?;
        let taken = self.allocate(service, &Held::default())?;
        let state = self.state.clone();
        Ok(Box::new(move |stored| {
            if !stored {
                lock(&state).release(&taken);
            }
        }))
    }

    // k8s: pkg/registry/core/service/storage/storage.go (beginUpdate)
    async fn begin_update(&self, new: &mut Service, old: &Service) -> Result<Finish> {
        let spec = new.spec.get_or_insert_with(ServiceSpec::default);
        let errors = init_ip_families(spec, old.spec.as_ref());
        if !errors.is_empty() {
            return Err(invalid(new, &errors));
        }
        self.load().await?;
        let ours = self.held(old);
        let taken = self.allocate(new, &ours)?;
        let kept = self.held(new);
        let freed = Held {
            ips: ours
                .ips
                .into_iter()
                .filter(|o| !kept.ips.contains(o))
                .collect(),
            ports: ours
                .ports
                .into_iter()
                .filter(|o| !kept.ports.contains(o))
                .collect(),
        };
        let state = self.state.clone();
        Ok(Box::new(move |stored| {
            lock(&state).release(if stored { &freed } else { &taken });
        }))
    }

    // k8s: pkg/registry/core/service/storage/storage.go (afterDelete)
    async fn after_delete(&self, service: &Service) {
        match self.load().await {
            Ok(()) => lock(&self.state).release(&self.held(service)),
            Err(error) => {
                tracing::warn!(error = %error.message, "service allocations not released")
            }
        }
    }
}

#[cfg(test)]
pub(super) mod tests_support {
    use std::sync::Arc;

    use k8s_openapi::api::core::v1::Service;

    use super::{Allocators, ServiceNetwork, lock};
    use crate::storage::cacher::{CacheOptions, WatchCache};
    use crate::storage::memory::MemoryBackend;
    use crate::storage::{KvStorage, Options, Storage};

    /// Allocators over `cidr` and `ports`, with `stored` services in
    /// storage before they start.
    pub async fn allocators(cidr: &str, ports: &str, stored: &[Service]) -> Allocators {
        let storage: Arc<dyn Storage> = Arc::new(
            KvStorage::new(MemoryBackend::default(), Options::default()).expect("storage"),
        );
        for service in stored {
            let name = service.metadata.name.as_deref().expect("name");
            let value = serde_json::to_value(service).expect("encodes");
            storage
                .create(&super::INFO.key(Some("default"), name), value)
                .await
                .expect("stored");
        }
        let attrs = Arc::new(|_: &serde_json::Value| Default::default());
        let resources = vec![(super::INFO.key_prefix(), attrs as _)];
        let cache = WatchCache::start(storage, resources, CacheOptions::default())
            .await
            .expect("cache");
        let network = ServiceNetwork {
            cluster_ip_range: cidr.parse().expect("cidr"),
            node_port_range: ports.parse().expect("ports"),
        };
        Allocators::new(network, cache)
    }

    /// The node ports taken, in order.
    pub fn held_ports(allocators: &Allocators) -> Vec<i32> {
        let range = allocators.network.node_port_range;
        let mut ports: Vec<i32> = lock(&allocators.state)
            .ports
            .used
            .iter()
            .map(|&o| range.port(o))
            .collect();
        ports.sort_unstable();
        ports
    }
}
