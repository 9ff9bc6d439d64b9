//! Bring-up of a cluster: certificates, kubeconfigs, processes.

pub mod kubeconfig;
pub mod pki;
