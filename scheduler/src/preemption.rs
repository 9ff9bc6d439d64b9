//! Preemption: when no node fits a pod, find the node where evicting the
//! fewest and least important lower-priority pods makes it fit, preferring
//! victims whose eviction breaks no PodDisruptionBudget.
//!
//! Counterpart of `pkg/scheduler/framework/plugins/defaultpreemption`
//! (SelectVictimsOnNode, PodEligibleToPreemptOthers) and
//! `pkg/scheduler/framework/preemption/preemption.go` (findCandidates,
//! pickOneNodeForPreemption, prepareCandidate).

use std::sync::Arc;

use crate::cache::Cache;
use crate::framework::{self, Code, CycleState, NodeInfo, PodInfo, Rejection};
use crate::scheduler::reasons_histogram;

/// A node and the pods to evict from it.
#[derive(Debug)]
pub struct Candidate {
    pub node: String,
    pub victims: Vec<Arc<PodInfo>>,
    /// Victims whose eviction exceeds a disruption budget.
    pub budget_violations: usize,
}

const NOT_HELPFUL: &str = "Preemption is not helpful for scheduling";
const NO_VICTIMS: &str = "No preemption victims found for incoming pod";

/// Finds where `pod` can preempt, given why each node rejected it; the
/// error is the message explaining why it cannot.
// k8s: pkg/scheduler/framework/preemption/preemption.go (Preempt)
pub fn find(
    cache: &Cache,
    pod: &PodInfo,
    rejections: &[(usize, Rejection)],
) -> Result<Candidate, String> {
    if pod.never_preempts {
        return Err("not eligible due to preemptionPolicy=Never.".into());
    }
    // A pod that already preempted waits for its victims to go.
    // k8s: pkg/scheduler/framework/plugins/defaultpreemption/default_preemption.go (PodEligibleToPreemptOthers)
    let nominated = cache
        .nominated_node(&pod.uid)
        .or_else(|| {
            let status = pod.pod.status.as_ref()?;
            status.nominated_node_name.as_deref()
        })
        .and_then(|n| cache.node(n));
    if let Some(node) = nominated
        && node
            .pods
            .iter()
            .any(|p| p.terminating && p.priority < pod.priority)
    {
        return Err("not eligible due to a terminating pod on the nominated node.".into());
    }
    let cluster = cache.cluster();
    let mut reasons = Vec::new();
    let mut candidates = Vec::new();
    for (index, rejection) in rejections {
        let node = &cluster.nodes[*index];
        if rejection.code == Code::UnschedulableAndUnresolvable {
            reasons.push(NOT_HELPFUL);
            continue;
        }
        match select_victims(cache, pod, node) {
            Some(candidate) => candidates.push(candidate),
            None => reasons.push(NO_VICTIMS),
        }
    }
    pick(candidates).ok_or_else(|| {
        format!(
            "0/{} nodes are available: {}.",
            cluster.nodes.len(),
            reasons_histogram(reasons.into_iter())
        )
    })
}

/// The lower-priority pods of `node` whose eviction lets `pod` fit, or
/// `None`. All lower-priority pods are removed, then put back one by one,
/// most important first (those protected by a budget before the others),
/// as long as the pod still fits.
// k8s: pkg/scheduler/framework/plugins/defaultpreemption/default_preemption.go (SelectVictimsOnNode)
fn select_victims(cache: &Cache, pod: &PodInfo, node: &NodeInfo) -> Option<Candidate> {
    let mut lower: Vec<Arc<PodInfo>> = node
        .pods
        .iter()
        .filter(|p| p.priority < pod.priority)
        .cloned()
        .collect();
    if lower.is_empty() {
        return None;
    }
    // More important first: higher priority, then longer running.
    lower.sort_by(|a, b| {
        b.priority
            .cmp(&a.priority)
            .then_with(|| a.start_time.cmp(&b.start_time))
    });
    let cluster = cache.cluster();
    let nominated = cache.nominated_for(&node.name, pod);
    let mut trial = node.clone();
    for victim in &lower {
        trial.remove_pod(&victim.uid);
    }
    let mut removed: Vec<&str> = lower.iter().map(|p| p.uid.as_str()).collect();
    let fits = |trial: &NodeInfo, removed: &[&str]| {
        let state = CycleState::new(pod, &cluster, removed);
        framework::filter(&state, pod, trial, &nominated).is_ok()
    };
    if !fits(&trial, &removed) {
        return None;
    }
    let (violating, safe) = split_by_budgets(cache, &lower);
    let mut victims = Vec::new();
    let mut budget_violations = 0;
    for (pods, violates) in [(violating, true), (safe, false)] {
        for candidate in pods {
            trial.add_pod(candidate.clone());
            removed.retain(|uid| *uid != candidate.uid);
            if fits(&trial, &removed) {
                continue;
            }
            trial.remove_pod(&candidate.uid);
            removed.push(&candidate.uid);
            budget_violations += usize::from(violates);
            victims.push(candidate.clone());
        }
    }
    Some(Candidate {
        node: node.name.clone(),
        victims,
        budget_violations,
    })
}

/// Splits pods into those whose eviction would exceed a budget's
/// `disruptionsAllowed` (counting the evictions before them) and the rest.
// k8s: pkg/scheduler/framework/plugins/defaultpreemption/default_preemption.go (filterPodsWithPDBViolation)
fn split_by_budgets<'a>(
    cache: &Cache,
    pods: &'a [Arc<PodInfo>],
) -> (Vec<&'a Arc<PodInfo>>, Vec<&'a Arc<PodInfo>>) {
    let mut allowed: Vec<(&crate::cache::Budget, i64)> = cache
        .budgets
        .values()
        .map(|b| (b, b.disruptions_allowed))
        .collect();
    let (mut violating, mut safe) = (Vec::new(), Vec::new());
    for pod in pods {
        let mut violates = false;
        for (budget, left) in &mut allowed {
            if budget.namespace == pod.namespace
                && !budget.selector.is_everything()
                && budget.selector.matches(&pod.labels)
            {
                *left -= 1;
                violates |= *left < 0;
            }
        }
        if violates {
            violating.push(pod);
        } else {
            safe.push(pod);
        }
    }
    (violating, safe)
}

/// The best candidate: fewest budget violations, then the lowest highest
/// victim priority, the lowest sum of priorities, the fewest victims, and
/// the most recently started highest-priority victims.
// k8s: pkg/scheduler/framework/preemption/preemption.go (pickOneNodeForPreemption)
fn pick(candidates: Vec<Candidate>) -> Option<Candidate> {
    let key = |c: &Candidate| {
        let highest = c
            .victims
            .iter()
            .map(|v| v.priority)
            .max()
            .unwrap_or(i32::MIN);
        // Offset so negative priorities still add up in order.
        let sum: i64 = c
            .victims
            .iter()
            .map(|v| i64::from(v.priority) + i64::from(i32::MAX) + 1)
            .sum();
        let earliest_start_of_highest = c
            .victims
            .iter()
            .filter(|v| v.priority == highest)
            .filter_map(|v| v.start_time.or(v.creation))
            .min();
        (
            c.budget_violations,
            highest,
            sum,
            c.victims.len(),
            std::cmp::Reverse(earliest_start_of_highest),
        )
    };
    candidates.into_iter().min_by_key(key)
}
