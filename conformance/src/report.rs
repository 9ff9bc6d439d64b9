//! Checks, their outcomes and the one-line-per-check report.

use std::fmt;
use std::future::Future;

use futures::future::BoxFuture;

use crate::cluster::Scope;

/// A named check; it runs in a fresh namespace that `Scope` carries.
pub struct Check {
    pub name: String,
    pub run: Box<dyn Fn(Scope) -> BoxFuture<'static, anyhow::Result<()>> + Send + Sync>,
}

/// Wraps an async function into a [`Check`].
pub fn check<F, Fut>(name: impl Into<String>, f: F) -> Check
where
    F: Fn(Scope) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = anyhow::Result<()>> + Send + 'static,
{
    Check {
        name: name.into(),
        run: Box::new(move |scope| Box::pin(f(scope))),
    }
}

/// Returned (through `anyhow`) by a check that cannot run here, with the reason.
#[derive(Debug)]
pub struct Skip(pub String);

impl fmt::Display for Skip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Skip {}

/// Skips a check whose assertions need containers to actually run.
pub fn needs_node_agent() -> anyhow::Error {
    Skip("needs a node agent to run containers".into()).into()
}

pub enum Outcome {
    Pass,
    Fail(String),
    Skip(String),
}

impl Outcome {
    pub fn from_result(result: anyhow::Result<()>) -> Self {
        match result {
            Ok(()) => Outcome::Pass,
            Err(err) => match err.downcast_ref::<Skip>() {
                Some(skip) => Outcome::Skip(one_line(&skip.0)),
                None => Outcome::Fail(one_line(&format!("{err:#}"))),
            },
        }
    }

    /// The report line for a check called `name`.
    pub fn line(&self, name: &str) -> String {
        match self {
            Outcome::Pass => format!("PASS {name}"),
            Outcome::Fail(why) => format!("FAIL {name}: {why}"),
            Outcome::Skip(reason) => format!("SKIP {name}: {reason}"),
        }
    }
}

fn one_line(text: &str) -> String {
    text.trim_end().replace('\n', "\\n")
}

#[derive(Default)]
pub struct Summary {
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
}

impl Summary {
    pub fn record(&mut self, outcome: &Outcome) {
        match outcome {
            Outcome::Pass => self.passed += 1,
            Outcome::Fail(_) => self.failed += 1,
            Outcome::Skip(_) => self.skipped += 1,
        }
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} passed, {} failed, {} skipped",
            self.passed, self.failed, self.skipped
        )
    }
}

/// Fails with "`what`: expected .., got .." unless the two are equal.
pub fn expect_eq<T: PartialEq + fmt::Debug + ?Sized>(
    what: &str,
    expected: &T,
    actual: &T,
) -> anyhow::Result<()> {
    if expected == actual {
        Ok(())
    } else {
        anyhow::bail!("{what}: expected {expected:?}, got {actual:?}")
    }
}

/// Fails unless `haystack` contains `needle`.
pub fn expect_contains(what: &str, haystack: &str, needle: &str) -> anyhow::Result<()> {
    if haystack.contains(needle) {
        Ok(())
    } else {
        anyhow::bail!("{what}: expected to contain {needle:?}, got {haystack:?}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_render_as_single_lines() {
        let fail = Outcome::from_result(Err(anyhow::anyhow!("a\nb")));
        assert_eq!(fail.line("x"), "FAIL x: a\\nb");
        let skip =
            Outcome::from_result(Err(Skip("server does not serve Table output".into()).into()));
        assert_eq!(skip.line("y"), "SKIP y: server does not serve Table output");
        let mut summary = Summary::default();
        for outcome in [&fail, &skip, &Outcome::Pass] {
            summary.record(outcome);
        }
        assert_eq!(summary.to_string(), "1 passed, 1 failed, 1 skipped");
    }

    #[test]
    fn expectations_show_both_sides() {
        let err = expect_eq("status", "Pending", "Running").expect_err("differs");
        assert_eq!(
            err.to_string(),
            "status: expected \"Pending\", got \"Running\""
        );
        assert!(expect_contains("out", "abc", "b").is_ok());
    }
}
