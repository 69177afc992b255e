//! The process's own metrics, under the names and meanings of the Prometheus client
//! libraries' process collector, read when metrics are read.
//!
//! | metric | type | what |
//! |---|---|---|
//! | `process_cpu_seconds_total` | counter | user and system CPU time |
//! | `process_resident_memory_bytes` | gauge | resident set size |
//! | `process_virtual_memory_bytes` | gauge | virtual memory size |
//! | `process_virtual_memory_max_bytes` | gauge | the address-space limit (`RLIMIT_AS`); 2^64 − 1 when unlimited |
//! | `process_open_fds` | gauge | open file descriptors |
//! | `process_max_fds` | gauge | the file-descriptor limit (`RLIMIT_NOFILE`) |
//! | `process_start_time_seconds` | gauge | start time, in seconds since the Unix epoch |
//! | `process_threads` | gauge | threads |
//!
//! Linux reads `/proc/self`; elsewhere the metrics are not shown. One reading serves every
//! metric of a render: it is kept for a tenth of a second.

// Registering puts each descriptor in a link section, which `unsafe_code` counts when the
// registration is written in this crate; the two libc calls say why they are sound.
#![allow(unsafe_code)]

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::metrics::{CallbackCounter, CallbackGauge, Conditional};

/// What one reading of the process gives.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Reading {
    pub cpu_seconds: f64,
    pub resident_bytes: f64,
    pub virtual_bytes: f64,
    pub virtual_max_bytes: f64,
    pub open_fds: f64,
    pub max_fds: f64,
    pub start_time_seconds: f64,
    pub threads: f64,
}

/// How long one reading serves: the families of one render are read within it.
const FRESH: Duration = Duration::from_millis(100);

/// The reading now, or the one taken within the last [`FRESH`]; `None` where the process
/// cannot be read.
fn reading() -> Option<Reading> {
    static LAST: Mutex<Option<(Instant, Reading)>> = Mutex::new(None);
    let mut last = LAST.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some((at, reading)) = *last {
        if at.elapsed() < FRESH {
            return Some(reading);
        }
    }
    let reading = read()?;
    *last = Some((Instant::now(), reading));
    Some(reading)
}

#[cfg(target_os = "linux")]
pub(crate) fn read() -> Option<Reading> {
    linux::read()
}

#[cfg(not(target_os = "linux"))]
pub(crate) fn read() -> Option<Reading> {
    None
}

#[cfg(target_os = "linux")]
mod linux {
    use super::Reading;

    /// The fields of `/proc/self/stat` after the command name, which may hold spaces and
    /// parentheses: everything after its last `)`.
    fn stat_fields(stat: &str) -> Option<Vec<&str>> {
        let rest = &stat[stat.rfind(')')? + 1..];
        Some(rest.split_whitespace().collect())
    }

    /// A field of `/proc/self/stat` by its number in proc(5) (`utime` is 14).
    fn field(fields: &[&str], number: usize) -> Option<f64> {
        // The fields after the name start with number 3 (`state`).
        fields.get(number.checked_sub(3)?)?.parse().ok()
    }

    /// The soft limit of a resource, as a float; `u64::MAX` when unlimited.
    fn soft_limit(resource: libc::__rlimit_resource_t) -> Option<f64> {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: `getrlimit` writes only the struct it is given, which lives here.
        let result = unsafe { libc::getrlimit(resource, &raw mut limit) };
        // Limits are far below 2^53 or unlimited (2^64 − 1, which rounds to 2^64).
        #[allow(clippy::cast_precision_loss)]
        (result == 0).then_some(limit.rlim_cur as f64)
    }

    fn sysconf(name: libc::c_int) -> Option<f64> {
        // SAFETY: `sysconf` reads a configuration value and has no preconditions.
        let value = unsafe { libc::sysconf(name) };
        // Clock ticks and page sizes are small positive numbers.
        #[allow(clippy::cast_precision_loss)]
        (value > 0).then_some(value as f64)
    }

    /// Seconds since the epoch at which the machine booted (`btime` in `/proc/stat`).
    fn boot_time() -> Option<f64> {
        let stat = std::fs::read_to_string("/proc/stat").ok()?;
        stat.lines()
            .find_map(|l| l.strip_prefix("btime "))
            .and_then(|v| v.trim().parse().ok())
    }

    pub(super) fn read() -> Option<Reading> {
        let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
        let fields = stat_fields(&stat)?;
        let ticks = sysconf(libc::_SC_CLK_TCK)?;
        let page = sysconf(libc::_SC_PAGESIZE)?;
        let open_fds = std::fs::read_dir("/proc/self/fd").ok()?.count();
        // Counts of descriptors are small.
        #[allow(clippy::cast_precision_loss)]
        let open_fds = open_fds as f64;
        Some(Reading {
            cpu_seconds: (field(&fields, 14)? + field(&fields, 15)?) / ticks,
            resident_bytes: field(&fields, 24)? * page,
            virtual_bytes: field(&fields, 23)?,
            virtual_max_bytes: soft_limit(libc::RLIMIT_AS)?,
            open_fds,
            max_fds: soft_limit(libc::RLIMIT_NOFILE)?,
            start_time_seconds: boot_time()? + field(&fields, 22)? / ticks,
            threads: field(&fields, 20)?,
        })
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn a_command_name_with_spaces_and_parentheses_is_skipped() {
            let stat = "42 (a (b) c) S 1 42 42 0 -1 4194304 100 0 0 0 250 50";
            let fields = stat_fields(stat).unwrap();
            assert_eq!(fields[0], "S");
            assert_eq!(field(&fields, 14), Some(250.0));
            assert_eq!(field(&fields, 15), Some(50.0));
            assert_eq!(field(&fields, 60), None);
        }
    }
}

/// Whether the process can be read here.
fn readable() -> bool {
    reading().is_some()
}

/// A value of the reading now; NaN where there is none.
fn now(value: fn(&Reading) -> f64) -> f64 {
    reading().as_ref().map_or(f64::NAN, value)
}

/// Total user and system CPU time spent in seconds.
#[crate::metric(name = "process_cpu_seconds_total")]
static CPU: Conditional<CallbackCounter> = Conditional::new(
    CallbackCounter::measured(|| now(|r| r.cpu_seconds)),
    readable,
);

/// Resident memory size in bytes.
#[crate::metric(name = "process_resident_memory_bytes", unit = "bytes")]
static RESIDENT: Conditional<CallbackGauge> =
    Conditional::new(CallbackGauge::new(|| now(|r| r.resident_bytes)), readable);

/// Virtual memory size in bytes.
#[crate::metric(name = "process_virtual_memory_bytes", unit = "bytes")]
static VIRTUAL: Conditional<CallbackGauge> =
    Conditional::new(CallbackGauge::new(|| now(|r| r.virtual_bytes)), readable);

/// Maximum amount of virtual memory available in bytes.
#[crate::metric(name = "process_virtual_memory_max_bytes", unit = "bytes")]
static VIRTUAL_MAX: Conditional<CallbackGauge> = Conditional::new(
    CallbackGauge::new(|| now(|r| r.virtual_max_bytes)),
    readable,
);

/// Number of open file descriptors.
#[crate::metric(name = "process_open_fds")]
static OPEN_FDS: Conditional<CallbackGauge> =
    Conditional::new(CallbackGauge::new(|| now(|r| r.open_fds)), readable);

/// Maximum number of open file descriptors.
#[crate::metric(name = "process_max_fds")]
static MAX_FDS: Conditional<CallbackGauge> =
    Conditional::new(CallbackGauge::new(|| now(|r| r.max_fds)), readable);

/// Start time of the process since unix epoch in seconds.
#[crate::metric(name = "process_start_time_seconds", unit = "seconds")]
static START_TIME: Conditional<CallbackGauge> = Conditional::new(
    CallbackGauge::new(|| now(|r| r.start_time_seconds)),
    readable,
);

/// Number of OS threads in the process.
#[crate::metric(name = "process_threads")]
static THREADS: Conditional<CallbackGauge> =
    Conditional::new(CallbackGauge::new(|| now(|r| r.threads)), readable);
