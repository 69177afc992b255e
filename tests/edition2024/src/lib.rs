//! Edition 2024 with `#![forbid(unsafe_code)]`: the expansions (and linkme's registration
//! inside them) compile in such a crate.
#![forbid(unsafe_code)]
#![deny(warnings)]

use meterbox::{Counter, counted, metric, timed};

/// Jobs started.
#[metric]
pub static JOBS_STARTED_TOTAL: Counter = Counter::new();

/// Runs a job.
///
/// # Errors
///
/// When `id` is zero.
#[counted]
#[timed]
pub fn run(id: u32) -> Result<u32, String> {
    JOBS_STARTED_TOTAL.inc();
    if id == 0 {
        return Err("no job zero".into());
    }
    Ok(id)
}

/// Runs a job asynchronously.
#[counted]
#[timed]
pub async fn run_async(id: u32) -> Option<u32> {
    Some(id)
}

#[cfg(test)]
mod tests {
    #[test]
    fn edition_2024_crate_is_instrumented() {
        assert!(super::run(0).is_err());
        assert_eq!(super::run(2), Ok(2));
        let s = meterbox::snapshot();
        let calls = |r: &str| {
            s.counter(
                "function_calls_total",
                &[("function", "run"), ("result", r)],
            )
        };
        assert_eq!(calls("ok"), Some(1));
        assert_eq!(calls("error"), Some(1));
        assert_eq!(s.counter("jobs_started_total", &[]), Some(2));
        drop(super::run_async(1));
    }
}
