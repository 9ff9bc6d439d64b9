//! `conformance --kubeconfig PATH [--suite kubectl|api|python ...]`: runs the chosen
//! suites against the cluster, one report line per check, then the summary line.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::{Parser, ValueEnum};
use conformance::{Check, Cluster, Outcome, Scope, Summary};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Suite {
    Kubectl,
    Api,
    Python,
}

#[derive(Parser)]
#[command(about = "Checks a cluster against documented Kubernetes behaviour")]
struct Args {
    /// Kubeconfig of the cluster under test (its current context is used).
    #[arg(long, env = "KUBECONFIG")]
    kubeconfig: PathBuf,
    /// Suites to run (repeatable); all when omitted.
    #[arg(long = "suite", value_enum)]
    suites: Vec<Suite>,
    /// Only run checks whose name contains this text.
    #[arg(long)]
    filter: Option<String>,
}

/// Longest a single check may take, namespace set-up included.
const CHECK_TIMEOUT: Duration = Duration::from_secs(120);

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let cluster = Arc::new(Cluster::connect(&args.kubeconfig).await?);
    let suites = if args.suites.is_empty() {
        vec![Suite::Kubectl, Suite::Api, Suite::Python]
    } else {
        args.suites
    };
    let mut checks: Vec<Check> = Vec::new();
    for suite in suites {
        checks.extend(match suite {
            Suite::Kubectl => conformance::kubectl::checks(),
            Suite::Api => conformance::api::checks(),
            Suite::Python => conformance::python::checks().await,
        });
    }
    let mut summary = Summary::default();
    for check in checks.iter().filter(|c| {
        args.filter
            .as_ref()
            .is_none_or(|f| c.name.contains(f.as_str()))
    }) {
        let outcome = run_one(&cluster, check).await;
        println!("{}", outcome.line(&check.name));
        summary.record(&outcome);
    }
    println!("{summary}");
    if summary.failed > 0 {
        std::process::exit(1);
    }
    Ok(())
}

/// Runs a check in a namespace of its own, deleting the namespace afterwards.
async fn run_one(cluster: &Arc<Cluster>, check: &Check) -> Outcome {
    let namespace = match cluster.create_namespace(&check.name).await {
        Ok(namespace) => namespace,
        Err(err) => return Outcome::Fail(format!("{err:#}")),
    };
    let scope = Scope {
        cluster: cluster.clone(),
        namespace: namespace.clone(),
    };
    let result = match tokio::time::timeout(CHECK_TIMEOUT, (check.run)(scope)).await {
        Ok(result) => result,
        Err(_) => Err(anyhow::anyhow!("timed out after {CHECK_TIMEOUT:?}")),
    };
    let outcome = Outcome::from_result(result);
    match cluster.delete_namespace(&namespace).await {
        Err(err) if matches!(outcome, Outcome::Pass) => Outcome::Fail(format!("{err:#}")),
        _ => outcome,
    }
}
