//! Bring-up of a cluster: certificates, kubeconfigs, processes.
