//! The `python` suite: `python/checks.py` drives the official Python client; the
//! harness runs it once per check, in that check's namespace.

use std::path::PathBuf;

use anyhow::Context as _;

use crate::cluster::Scope;
use crate::report::{Check, Skip, check};

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("python/checks.py")
}

/// The interpreter of the venv `deploy/prerequisites` fills (`KUBE_CONFORMANCE_VENV`).
fn python() -> PathBuf {
    let venv = std::env::var("KUBE_CONFORMANCE_VENV")
        .unwrap_or_else(|_| "/var/tmp/kube-conformance-venv".into());
    PathBuf::from(venv).join("bin/python")
}

/// The script's checks, or one failing check saying why they could not be listed.
pub async fn checks() -> Vec<Check> {
    match list().await {
        Ok(names) => names
            .into_iter()
            .map(|name| {
                check(format!("python-{name}"), move |scope| {
                    run(scope, name.clone())
                })
            })
            .collect(),
        Err(err) => {
            let why = format!("{err:#}");
            vec![check("python-suite", move |_| {
                let why = why.clone();
                async move { Err(anyhow::anyhow!(why)) }
            })]
        }
    }
}

async fn list() -> anyhow::Result<Vec<String>> {
    let python = python();
    let output = tokio::process::Command::new(&python)
        .arg(script())
        .arg("--list")
        .output()
        .await
        .with_context(|| {
            format!(
                "running {} (deploy/prerequisites creates it)",
                python.display()
            )
        })?;
    if !output.status.success() {
        anyhow::bail!(
            "listing python checks failed: {}",
            String::from_utf8_lossy(&output.stderr).trim_end()
        );
    }
    Ok(String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_owned)
        .collect())
}

/// Runs one script check; its last stdout line is `PASS`, `FAIL why` or `SKIP reason`.
async fn run(scope: Scope, name: String) -> anyhow::Result<()> {
    let output = tokio::process::Command::new(python())
        .arg(script())
        .arg("--kubeconfig")
        .arg(&scope.cluster.kubeconfig)
        .arg("--namespace")
        .arg(&scope.namespace)
        .arg("--check")
        .arg(&name)
        .kill_on_drop(true)
        .output()
        .await?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let last = stdout.lines().last().unwrap_or_default();
    match last.split_once(' ').unwrap_or((last, "")) {
        ("PASS", _) if output.status.success() => Ok(()),
        ("SKIP", reason) => Err(Skip(reason.to_owned()).into()),
        ("FAIL", why) => anyhow::bail!("{why}"),
        _ => {
            let stderr = String::from_utf8_lossy(&output.stderr);
            anyhow::bail!(
                "script exited {}: {}",
                output.status,
                stderr.trim_end().lines().last().unwrap_or_default()
            )
        }
    }
}
