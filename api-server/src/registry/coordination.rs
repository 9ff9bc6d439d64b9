//! coordination.k8s.io: Leases, the heartbeats and leader-election locks of
//! the other components. Counterpart of k8s
//! `pkg/registry/coordination/lease/strategy.go` with validation from
//! `pkg/apis/coordination/validation/validation.go` (`ValidateLeaseSpec`).

use apimachinery::validation::{ErrorList, FieldError, Path, validate_nonnegative_field};
use k8s_openapi::api::coordination::v1::Lease;

use super::{ResourceInfo, Strategy};

pub static INFO: &ResourceInfo = &ResourceInfo {
    group: "coordination.k8s.io",
    version: "v1",
    resource: "leases",
    singular: "lease",
    kind: "Lease",
    namespaced: true,
    short_names: &[],
    categories: &[],
    has_status: false,
    has_scale: false,
    printer: &crate::printers::LEASES,
};

#[derive(Clone, Copy, Default)]
pub struct LeaseStrategy;

impl Strategy for LeaseStrategy {
    type Object = Lease;

    fn info(&self) -> &'static ResourceInfo {
        INFO
    }

    // k8s: pkg/apis/coordination/validation/validation.go (ValidateLeaseSpec)
    fn validate(&self, lease: &Lease) -> ErrorList {
        let mut errs = ErrorList::new();
        let Some(spec) = lease.spec.as_ref() else {
            return errs;
        };
        let path = Path::new("spec");
        if let Some(seconds) = spec.lease_duration_seconds.filter(|s| *s <= 0) {
            errs.push(FieldError::invalid(
                &path.child("leaseDurationSeconds"),
                seconds,
                "must be greater than 0",
            ));
        }
        if let Some(transitions) = spec.lease_transitions {
            errs.append(validate_nonnegative_field(
                i64::from(transitions),
                &path.child("leaseTransitions"),
            ));
        }
        errs
    }
}

#[cfg(test)]
mod tests {
    use k8s_openapi::api::coordination::v1::LeaseSpec;

    use super::*;

    #[test]
    fn durations_must_be_positive() {
        let lease = Lease {
            spec: Some(LeaseSpec {
                lease_duration_seconds: Some(0),
                lease_transitions: Some(-1),
                ..LeaseSpec::default()
            }),
            ..Lease::default()
        };
        assert_eq!(
            LeaseStrategy.validate(&lease).to_string(),
            "[spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0, spec.leaseTransitions: Invalid value: -1: must be greater than or equal to 0]"
        );
    }
}
