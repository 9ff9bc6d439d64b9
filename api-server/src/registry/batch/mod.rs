//! The `batch` API group. Counterpart of upstream's `pkg/registry/batch/`.

mod cron;
pub mod cronjob;
pub mod job;
#[cfg(test)]
mod tests;
