//! Metrics declared as `static`s and functions instrumented with `#[counted]` and `#[timed]`,
//! collected at link time into one registry, with no registration code.
//!
//! ```
//! use meterbox::{counted, metric, timed, Counter, Format};
//!
//! /// Orders accepted by the checkout.
//! #[metric]
//! static ORDERS_TOTAL: Counter = Counter::new();
//!
//! #[counted]
//! #[timed]
//! fn checkout(items: u32) -> Result<u32, String> {
//!     if items == 0 {
//!         return Err("empty cart".into());
//!     }
//!     ORDERS_TOTAL.inc();
//!     Ok(items)
//! }
//!
//! let _ = checkout(2);
//! let _ = checkout(0);
//! let text = meterbox::render(Format::Prometheus);
//! assert!(text.contains("orders_total 1"));
//! assert!(text.contains(r#"function="checkout""#) && text.contains(r#"result="error""#));
//! ```
//!
//! Metrics of a library crate are collected when the binary links that crate; a crate the
//! binary never names is not linked, so name it: `use that_crate as _;`.
#![deny(missing_docs)]
#![deny(unsafe_code)]
#![warn(clippy::pedantic)]
// `OpenMetrics` is a name, not code; the hot path is inlined into users' crates on purpose.
#![allow(
    clippy::module_name_repetitions,
    clippy::doc_markdown,
    clippy::inline_always
)]

// Lets the runtime use its own macros, whose expansions name `::meterbox`.
extern crate self as meterbox;

/// `false` under the `disabled` feature: every update is compiled out (a constant branch the
/// optimiser removes), and the macros register nothing.
const ENABLED: bool = !cfg!(feature = "disabled");

// Which module may use which is set out, and checked, in `tests/tests/architecture.rs`.
#[cfg(feature = "allocations")]
pub mod alloc;
mod capture;
pub mod catalog;
mod clock;
#[cfg(feature = "serve")]
mod dashboard;
mod dump;
mod encode;
#[cfg(feature = "metrics-facade")]
pub mod facade;
pub mod grafana;
#[cfg(feature = "tower")]
pub mod http;
mod instrument;
mod intern;
mod label_clash;
mod labels;
mod metrics;
mod model;
mod naming;
#[cfg(feature = "process")]
mod process;
#[cfg(feature = "redis")]
pub mod redis;
mod registry;
mod runtime_family;
mod sanitize;
mod self_metrics;
mod serve;
pub mod slo;
mod snapshot;
mod surface;
mod syntax;
#[cfg(feature = "tokio")]
pub mod tokio;
#[cfg(feature = "tracing")]
pub mod tracing;

pub use capture::Capture;
pub use catalog::catalog;
pub use clock::{monotonic, Clock};
pub use dump::{dump_at_exit, dump_at_exit_to, DumpGuard};
pub use encode::{encode, render, render_into, Format};
#[cfg(feature = "protobuf")]
pub use encode::{render_protobuf, PROTOBUF_CONTENT_TYPE};
pub use instrument::Outcome;
pub use labels::{Label, LabelSet, LabelValue};
#[doc = include_str!("docs/allocations.md")]
pub use meterbox_macros::allocations;
#[doc = include_str!("docs/counted.md")]
pub use meterbox_macros::counted;
#[doc = include_str!("docs/in_flight.md")]
pub use meterbox_macros::in_flight;
#[doc = include_str!("docs/instrumented.md")]
pub use meterbox_macros::instrumented;
#[doc = include_str!("docs/metered.md")]
pub use meterbox_macros::metered;
#[doc = include_str!("docs/metric.md")]
pub use meterbox_macros::metric;
#[doc = include_str!("docs/timed.md")]
pub use meterbox_macros::timed;
pub use meterbox_macros::{LabelSet, LabelValue};
pub use metrics::{
    CallbackCounter, CallbackGauge, ChildMetric, Collect, Counter, Exemplar, ExemplarError, Family,
    Gauge, Histogram, HistogramTimer, KeptExemplar, Kind, MeasuredCounter, Meter, MeterRates,
    MetricRef, ShardedCounter, Summary, TypedFamily, DEFAULT_BYTE_BUCKETS,
    DEFAULT_DURATION_BUCKETS, DEFAULT_LABEL_SET_LIMIT, DEFAULT_QUANTILES, EXEMPLAR_MAX_CHARS,
    METER_TICK_SECONDS, METER_WINDOWS, OVERFLOW_LABEL_VALUE, SUMMARY_MAX_VALUE, SUMMARY_MIN_VALUE,
    SUMMARY_RELATIVE_ERROR,
};
pub use model::{check, Conflict};
pub use registry::{registry, Descriptor};
pub use runtime_family::{LabelCountError, RegisterError, RuntimeFamily};
pub use sanitize::{sanitize_mode, set_sanitize, InvalidName, Sanitize};
pub use serve::{scrape, scrape_bytes};
#[cfg(feature = "serve")]
pub use serve::{serve, Server, ServerHandle, DEFAULT_PORT};
pub use snapshot::{
    snapshot, FamilySnapshot, HistogramValue, Series, Snapshot, SummaryValue, Value,
};
#[cfg(feature = "otlp")]
pub use surface::OtlpSurfacer;
#[cfg(feature = "remote-write")]
pub use surface::RemoteWriteSurfacer;
pub use surface::{
    ErrorHandler, GraphiteLabels, GraphiteSurfacer, LogSurfacer, MemorySurfacer, Reporter,
    ReporterBuilder, Scope, SendReport, SurfaceError, Surfacer,
};
#[cfg(feature = "push")]
pub use surface::{HttpJsonSurfacer, PushgatewaySurfacer};
#[cfg(feature = "statsd")]
pub use surface::{StatsdLabels, StatsdSurfacer};

/// One reading of the process collector's figures, uncached: for the benchmark that states
/// what a scrape pays for them. Not public API.
#[cfg(feature = "process")]
#[doc(hidden)]
#[must_use]
pub fn __process_reading() -> bool {
    process::read().is_some()
}

/// Registers a descriptor static in the link-time slice. Used by generated code only.
///
/// Through the declarative macro that linkme's slice declaration defines under the slice's
/// name, which puts the static in the slice's link section on each platform: the same place
/// as linkme's `#[distributed_slice]` attribute, without running that attribute's parser and
/// type check for every instrumented function (each cost about 1 ms of build per metric).
/// The static's type is written here, so nothing but descriptors reach the slice: one, or
/// an array of them (`[_; N]`), which lies in the section as N descriptors would.
#[cfg(not(target_family = "wasm"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __register {
    ($(#[$attr:meta])* static $name:ident : [_; $n:literal] = $init:expr;) => {
        $crate::__private::METERBOX_METRICS_V0! {
            #![linkme_macro = $crate::__private::METERBOX_METRICS_V0]
            $(#[$attr])*
            static $name: [$crate::__private::Descriptor; $n] = $init;
        }
    };
    ($(#[$attr:meta])* static $name:ident : $ty:ty = $init:expr;) => {
        $crate::__private::METERBOX_METRICS_V0! {
            #![linkme_macro = $crate::__private::METERBOX_METRICS_V0]
            $(#[$attr])*
            static $name: $crate::__private::Descriptor = $init;
        }
    };
}

/// Registers a descriptor static through `inventory`, where there is no link-time slice
/// (WebAssembly). Used by generated code only.
#[cfg(target_family = "wasm")]
#[doc(hidden)]
#[macro_export]
macro_rules! __register {
    ($(#[$attr:meta])* static $name:ident : [_; $n:literal] = $init:expr;) => {
        $(#[$attr])*
        static $name: [$crate::__private::Descriptor; $n] = $init;
        $crate::__private::inventory::submit! { $crate::__private::Registered(&$name) }
    };
    ($(#[$attr:meta])* static $name:ident : $ty:ty = $init:expr;) => {
        $(#[$attr])*
        static $name: $crate::__private::Descriptor = $init;
        $crate::__private::inventory::submit! {
            $crate::__private::Registered(::core::slice::from_ref(&$name))
        }
    };
}

/// What `#[allocations]` measures a call with: `guard` for a sync call, `future` for an
/// async one. Without the `allocations` feature, the one error the attribute gets. Used by
/// generated code only.
#[cfg(feature = "allocations")]
#[doc(hidden)]
#[macro_export]
macro_rules! __allocations {
    (guard $histogram:expr) => {
        $crate::alloc::AllocationGuard::enter($histogram)
    };
    (future $histogram:expr, $future:expr) => {
        $crate::alloc::CountAllocations::new($histogram, $future)
    };
}

/// What `#[allocations]` measures a call with. Without the `allocations` feature, the one
/// error the attribute gets. Used by generated code only.
#[cfg(not(feature = "allocations"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __allocations {
    ($($any:tt)*) => {
        ::core::compile_error!(
            "#[allocations] needs meterbox's `allocations` feature, and \
             `meterbox::alloc::CountingAllocator` as the #[global_allocator]"
        )
    };
}

/// What generated code refers to. Not public API: it changes with the macros, which the
/// runtime pins to its own exact version.
#[doc(hidden)]
pub mod __private {
    pub use crate::__allocations as allocations;
    pub use crate::__objective as objective;
    pub use crate::__register as register;
    pub use crate::instrument::{
        CallGuard, Calls, Classify, ClassifyAny, ClassifyResult, InFlightGuard, InstrumentedGuard,
        Outcome,
    };
    pub use crate::labels::LabelValue;
    pub use crate::labels::{cardinality_product, radix};
    pub use crate::metrics::Collect;
    pub use crate::metrics::Conditional;
    pub use crate::metrics::DEFAULT_DURATION_BUCKETS;
    pub use crate::metrics::{Counter, Family, Gauge, Histogram, Meter, ShardedCounter};
    pub use crate::registry::Descriptor;
    #[cfg(target_family = "wasm")]
    pub use crate::registry::Registered;
    #[cfg(not(target_family = "wasm"))]
    pub use crate::registry::METERBOX_METRICS_V0;
    #[cfg(not(target_family = "wasm"))]
    pub use crate::slo::METERBOX_OBJECTIVES_V0;
    pub use crate::slo::{threshold_is_a_bound, Indicator, ObjectiveUse};
    #[cfg(target_family = "wasm")]
    pub use inventory;
    #[cfg(not(target_family = "wasm"))]
    pub use linkme;

    /// Whether the counting allocator is installed: `#[allocations]` shows its family
    /// from then on.
    #[must_use]
    pub fn allocator_installed() -> bool {
        #[cfg(feature = "allocations")]
        return crate::alloc::installed();
        #[cfg(not(feature = "allocations"))]
        false
    }
}

#[cfg(test)]
mod tests {
    /// Checks the name of the static that `registry()` reads: the macro takes the path
    /// generated code uses, so a rename without this test's update does not compile.
    macro_rules! slice_name_check {
        ($slice:ident) => {{
            let slice: &'static [crate::Descriptor] = &crate::__private::$slice;
            assert!(core::ptr::eq(slice, crate::registry()));
            stringify!($slice)
        }};
    }

    #[test]
    #[cfg_attr(miri, ignore)]
    fn slice_name_carries_the_major_version() {
        let major = env!("CARGO_PKG_VERSION_MAJOR");
        let name = slice_name_check!(METERBOX_METRICS_V0);
        assert!(name.ends_with(&format!("_V{major}")), "{name}");
    }

    #[test]
    #[cfg_attr(miri, ignore)]
    fn registry_holds_build_info() {
        assert!(crate::registry()
            .iter()
            .any(|d| d.name == "meterbox_build_info"));
    }
}
