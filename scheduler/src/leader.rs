//! Leader election on a coordination.k8s.io/v1 Lease (by default
//! `kube-system/kube-scheduler`): only the holder schedules; it renews the
//! lease every `retry_period` and steps down when it could not renew for
//! `renew_deadline`. Another candidate takes the lease once it has seen the
//! same record unchanged for `lease_duration` (measured on its own clock, so
//! clock skew between candidates does not matter).
//!
//! Counterpart of `staging/src/k8s.io/client-go/tools/leaderelection`
//! (leaderelection.go, resourcelock/leaselock.go).

use std::time::Duration;

use jiff::Timestamp;
use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta};
use kube::api::{Api, PostParams};
use kube::{Client, Error as KubeError};
use tokio::time::Instant;

/// Result alias of this module.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Failures of leader election.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("reading or writing lease {namespace}/{name}")]
    Api {
        namespace: String,
        name: String,
        #[source]
        source: KubeError,
    },
    #[error("lost lease {namespace}/{name}: not renewed for {deadline:?}")]
    Lost {
        namespace: String,
        name: String,
        deadline: Duration,
    },
}

/// Where and how to elect.
#[derive(Clone, Debug)]
pub struct LeaderElection {
    pub namespace: String,
    pub name: String,
    /// This candidate's name in `holderIdentity`.
    pub identity: String,
    pub lease_duration: Duration,
    pub renew_deadline: Duration,
    pub retry_period: Duration,
}

impl LeaderElection {
    /// kube-scheduler's defaults: `kube-system/kube-scheduler`, 15 s lease,
    /// 10 s renew deadline, 2 s retry period.
    pub fn new(identity: String) -> Self {
        LeaderElection {
            namespace: "kube-system".into(),
            name: "kube-scheduler".into(),
            identity,
            lease_duration: Duration::from_secs(15),
            renew_deadline: Duration::from_secs(10),
            retry_period: Duration::from_secs(2),
        }
    }
}

/// A candidate for the lease.
pub struct Elector {
    api: Api<Lease>,
    config: LeaderElection,
    /// The other holder's record last seen and when it was first seen.
    observed: Option<(LeaseSpec, Instant)>,
}

impl Elector {
    pub fn new(client: Client, config: LeaderElection) -> Self {
        Elector {
            api: Api::namespaced(client, &config.namespace),
            config,
            observed: None,
        }
    }

    fn api_error(&self, source: KubeError) -> Error {
        Error::Api {
            namespace: self.config.namespace.clone(),
            name: self.config.name.clone(),
            source,
        }
    }

    /// Waits until this candidate holds the lease.
    pub async fn acquire(&mut self) {
        loop {
            match self.try_acquire_or_renew().await {
                Ok(true) => {
                    tracing::info!(lease = %self.config.name, identity = %self.config.identity, "acquired lease");
                    return;
                }
                Ok(false) => {}
                Err(error) => tracing::warn!(error = %error, "trying to acquire the lease"),
            }
            tokio::time::sleep(self.config.retry_period).await;
        }
    }

    /// Renews the lease until a renewal has failed for `renew_deadline`;
    /// then returns [`Error::Lost`].
    pub async fn keep(&mut self) -> Error {
        let mut renewed = Instant::now();
        loop {
            tokio::time::sleep(self.config.retry_period).await;
            match self.try_acquire_or_renew().await {
                Ok(true) => renewed = Instant::now(),
                Ok(false) => {}
                Err(error) => tracing::warn!(error = %error, "renewing the lease"),
            }
            if renewed.elapsed() >= self.config.renew_deadline {
                return Error::Lost {
                    namespace: self.config.namespace.clone(),
                    name: self.config.name.clone(),
                    deadline: self.config.renew_deadline,
                };
            }
        }
    }

    /// Gives the lease up so another candidate need not wait for it to
    /// expire.
    // k8s: staging/src/k8s.io/client-go/tools/leaderelection/leaderelection.go (release)
    pub async fn release(&mut self) -> Result<()> {
        let Some(mut lease) = self
            .api
            .get_opt(&self.config.name)
            .await
            .map_err(|e| self.api_error(e))?
        else {
            return Ok(());
        };
        let spec = lease.spec.get_or_insert_with(LeaseSpec::default);
        if spec.holder_identity.as_deref() != Some(self.config.identity.as_str()) {
            return Ok(());
        }
        spec.holder_identity = None;
        spec.lease_duration_seconds = Some(1);
        self.api
            .replace(&self.config.name, &PostParams::default(), &lease)
            .await
            .map_err(|e| self.api_error(e))?;
        Ok(())
    }

    /// One round: take a free or expired lease, renew ours; `Ok(false)`
    /// while another holder's lease is live.
    // k8s: staging/src/k8s.io/client-go/tools/leaderelection/leaderelection.go (tryAcquireOrRenew)
    async fn try_acquire_or_renew(&mut self) -> Result<bool> {
        let now = MicroTime(Timestamp::now());
        let duration = i32::try_from(self.config.lease_duration.as_secs()).unwrap_or(i32::MAX);
        let current = self
            .api
            .get_opt(&self.config.name)
            .await
            .map_err(|e| self.api_error(e))?;
        let Some(mut lease) = current else {
            let lease = Lease {
                metadata: ObjectMeta {
                    name: Some(self.config.name.clone()),
                    namespace: Some(self.config.namespace.clone()),
                    ..ObjectMeta::default()
                },
                spec: Some(LeaseSpec {
                    holder_identity: Some(self.config.identity.clone()),
                    lease_duration_seconds: Some(duration),
                    acquire_time: Some(now.clone()),
                    renew_time: Some(now),
                    lease_transitions: Some(0),
                    ..LeaseSpec::default()
                }),
            };
            return match self.api.create(&PostParams::default(), &lease).await {
                Ok(_) => Ok(true),
                Err(KubeError::Api(status)) if status.code == 409 => Ok(false),
                Err(e) => Err(self.api_error(e)),
            };
        };
        let spec = lease.spec.clone().unwrap_or_default();
        let holder = spec.holder_identity.clone().unwrap_or_default();
        let ours = holder == self.config.identity;
        if !ours && !holder.is_empty() {
            let seen_at = match &self.observed {
                Some((seen, at)) if *seen == spec => *at,
                _ => {
                    let at = Instant::now();
                    self.observed = Some((spec.clone(), at));
                    at
                }
            };
            let held_for = Duration::from_secs(
                u64::try_from(spec.lease_duration_seconds.unwrap_or(duration)).unwrap_or(0),
            );
            if seen_at.elapsed() < held_for {
                return Ok(false);
            }
        }
        lease.spec = Some(LeaseSpec {
            holder_identity: Some(self.config.identity.clone()),
            lease_duration_seconds: Some(duration),
            acquire_time: if ours {
                spec.acquire_time
            } else {
                Some(now.clone())
            },
            renew_time: Some(now),
            lease_transitions: Some(
                spec.lease_transitions.unwrap_or(0) + i32::from(!ours && !holder.is_empty()),
            ),
            ..spec
        });
        match self
            .api
            .replace(&self.config.name, &PostParams::default(), &lease)
            .await
        {
            Ok(_) => {
                self.observed = None;
                Ok(true)
            }
            Err(KubeError::Api(status)) if status.code == 409 => Ok(false),
            Err(e) => Err(self.api_error(e)),
        }
    }
}
