//! meterbox and the crates it is measured against, doing the same operations side by side in
//! one process, with hand-written floors: what the operation costs with nothing but atomics.
//!
//! Every operation is an `#[inline(never)]` function without arguments (inputs go through
//! [`std::hint::black_box`] inside), so that each row pays the same call and return and shows
//! up under its own name in a profile. [`OPERATIONS`] lists them for the criterion benchmark
//! (`benches/side_by_side.rs`) and for the instruction counter (`src/bin/instructions.rs`,
//! run under callgrind by `report.py`); [`CONTENDED`] and [`RENDERS`] are criterion only.

pub mod autometrics_ops;
pub mod floor;
pub mod measured_ops;
pub mod meterbox_ops;
pub mod metrics_ops;
pub mod prometheus_client_ops;
pub mod prometheus_ops;

/// The bucket bounds every histogram here uses, so that a record searches the same buckets
/// whichever library does it.
pub const BOUNDS: [f64; 12] = [
    0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

/// The value each histogram row records: the second bucket.
pub const OBSERVED: f64 = 0.000_7;

/// How many series the render rows expose.
pub const SERIES: usize = 10_000;

/// One operation as one library does it.
#[derive(Clone, Copy)]
pub struct Op {
    /// What is done: `count`, `time`, `clock`, `observe`, `label_str`, `label_enum`, `handle`
    /// or `meterbox_only` for shapes that have no counterpart elsewhere.
    pub operation: &'static str,
    /// Who does it: a crate's name, or `floor` for the hand-written lower bound.
    pub library: &'static str,
    /// Does it once.
    pub run: fn(),
    /// The path of the function `run` calls, as a profile names it.
    pub function: &'static str,
}

/// `op!(operation, library, module::function)`.
macro_rules! op {
    ($operation:literal, $library:literal, $module:ident :: $function:ident) => {
        Op {
            operation: $operation,
            library: $library,
            run: $module::$function,
            function: concat!(
                "meterbox_anchors::",
                stringify!($module),
                "::",
                stringify!($function)
            ),
        }
    };
}

/// Every single-threaded operation, grouped by what it does.
pub const OPERATIONS: &[Op] = &[
    op!("count", "floor", floor::count),
    op!("count", "meterbox", meterbox_ops::count),
    op!("count", "prometheus", prometheus_ops::count),
    op!("count", "prometheus-client", prometheus_client_ops::count),
    op!("count", "metrics", metrics_ops::count),
    op!("count", "measured", measured_ops::count),
    op!("count", "autometrics", autometrics_ops::count),
    op!("time", "floor", floor::time),
    op!("time", "meterbox", meterbox_ops::time),
    op!("time", "prometheus", prometheus_ops::time),
    op!("time", "prometheus-client", prometheus_client_ops::time),
    op!("time", "metrics", metrics_ops::time),
    op!("time", "measured", measured_ops::time),
    op!("time", "autometrics", autometrics_ops::time),
    op!("clock", "floor", floor::clock_rdtsc),
    op!("clock", "quanta", floor::clock_quanta),
    op!("clock", "std Instant", floor::clock_std),
    op!("observe", "floor", floor::observe),
    op!("observe", "meterbox", meterbox_ops::observe),
    op!("observe", "prometheus", prometheus_ops::observe),
    op!(
        "observe",
        "prometheus-client",
        prometheus_client_ops::observe
    ),
    op!("observe", "metrics", metrics_ops::observe),
    op!("observe", "measured", measured_ops::observe),
    op!("label_str", "meterbox", meterbox_ops::label_str),
    op!("label_str", "prometheus", prometheus_ops::label_str),
    op!(
        "label_str",
        "prometheus-client",
        prometheus_client_ops::label_str
    ),
    op!("label_str", "metrics", metrics_ops::label_str),
    op!("label_str", "measured", measured_ops::label_str),
    op!("label_enum", "floor", floor::label_enum),
    op!("label_enum", "meterbox", meterbox_ops::label_enum),
    op!("label_enum", "prometheus", prometheus_ops::label_enum),
    op!(
        "label_enum",
        "prometheus-client",
        prometheus_client_ops::label_enum
    ),
    op!("label_enum", "metrics", metrics_ops::label_enum),
    op!("label_enum", "measured", measured_ops::label_enum),
    op!("handle", "floor", floor::count),
    op!("handle", "meterbox", meterbox_ops::handle),
    op!("handle", "prometheus", prometheus_ops::handle),
    op!("handle", "prometheus-client", prometheus_client_ops::handle),
    op!("handle", "metrics", metrics_ops::handle),
    op!("meterbox_only", "empty fn", meterbox_ops::empty),
    op!(
        "meterbox_only",
        "#[counted] -> Result",
        meterbox_ops::count_result
    ),
    op!(
        "meterbox_only",
        "#[counted] #[timed]",
        meterbox_ops::count_and_time
    ),
    op!(
        "meterbox_only",
        "#[instrumented]",
        meterbox_ops::instrumented
    ),
    op!(
        "meterbox_only",
        "Histogram::observe_ns",
        meterbox_ops::observe_ns
    ),
    op!(
        "meterbox_only",
        "ShardedCounter::inc",
        meterbox_ops::sharded
    ),
];

/// A counter incremented by two threads at once (and by one, for the ratio).
#[derive(Clone, Copy)]
pub struct Contended {
    /// Whose counter.
    pub library: &'static str,
    /// One increment of the shared counter.
    pub inc: fn(),
}

/// Every counter of the contention rows.
pub const CONTENDED: &[Contended] = &[
    Contended {
        library: "floor",
        inc: floor::count,
    },
    Contended {
        library: "meterbox",
        inc: meterbox_ops::count,
    },
    Contended {
        library: "meterbox (sharded)",
        inc: meterbox_ops::sharded,
    },
    Contended {
        library: "prometheus",
        inc: prometheus_ops::count,
    },
    Contended {
        library: "prometheus-client",
        inc: prometheus_client_ops::count,
    },
    Contended {
        library: "metrics",
        inc: metrics_ops::handle,
    },
    Contended {
        library: "measured",
        inc: measured_ops::count,
    },
];

/// Rendering [`SERIES`] counters in the Prometheus text format.
#[derive(Clone, Copy)]
pub struct Render {
    /// Whose encoder.
    pub library: &'static str,
    /// Creates the series (idempotent).
    pub fill: fn(),
    /// Renders into the library's reused buffer, returning the number of bytes.
    pub render: fn() -> usize,
    /// The text of the last render.
    pub text: fn() -> String,
}

/// Every encoder of the render rows.
pub const RENDERS: &[Render] = &[
    Render {
        library: "floor",
        fill: floor::fill,
        render: floor::render,
        text: floor::text,
    },
    Render {
        library: "meterbox",
        fill: meterbox_ops::fill,
        render: meterbox_ops::render,
        text: meterbox_ops::text,
    },
    Render {
        library: "meterbox (OpenMetrics)",
        fill: meterbox_ops::fill,
        render: meterbox_ops::render_openmetrics,
        text: meterbox_ops::text,
    },
    Render {
        library: "prometheus",
        fill: prometheus_ops::fill,
        render: prometheus_ops::render,
        text: prometheus_ops::text,
    },
    Render {
        library: "prometheus-client",
        fill: prometheus_client_ops::fill,
        render: prometheus_client_ops::render,
        text: prometheus_client_ops::text,
    },
    Render {
        library: "metrics",
        fill: metrics_ops::fill,
        render: metrics_ops::render,
        text: metrics_ops::text,
    },
    Render {
        library: "measured",
        fill: measured_ops::fill,
        render: measured_ops::render,
        text: measured_ops::text,
    },
];

/// Installs what the operations need before they run: the `metrics` crate's global
/// recorder. Idempotent.
pub fn setup() {
    metrics_ops::install();
    meterbox_ops::measure_the_clock();
}

/// The value of series `i` in the render rows, and its path label.
pub fn series(i: usize) -> (String, u64) {
    (format!("/item/{i}"), i as u64)
}

/// A reused render buffer.
pub(crate) type Buffer = std::sync::Mutex<String>;

/// Runs `f` on a buffer, whatever a panic elsewhere left in its lock.
pub(crate) fn with_buffer<R>(buffer: &Buffer, f: impl FnOnce(&mut String) -> R) -> R {
    let mut guard = buffer
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    f(&mut guard)
}
