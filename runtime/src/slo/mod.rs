//! Service level objectives: declared as statics, attached to instrumented functions, and
//! written out as the Prometheus rules that record how much of each error budget is left
//! and alert when it burns too fast.
//!
//! ```
//! use meterbox::slo::Objective;
//!
//! /// 99.9% of checkouts succeed, and 99% of them take at most 250 ms.
//! static CHECKOUT: Objective = Objective::new("checkout").success(0.999).latency(0.99, 0.25);
//!
//! #[meterbox::instrumented(objective = CHECKOUT)]
//! fn checkout() -> Result<(), String> {
//!     Ok(())
//! }
//!
//! let rules = meterbox::slo::prometheus_rules();
//! assert!(rules.contains("objective: 'checkout'"));
//! # let _ = checkout();
//! ```

mod rules;

pub use rules::prometheus_rules;

use std::sync::{Mutex, PoisonError};

use crate::registry::Descriptor;

/// What an objective promises: that a share of calls succeed, that a share of calls are
/// faster than a threshold, or both.
///
/// Built in a `static` by `const` calls, which check their arguments while the program
/// compiles; attached with `objective = NAME` on `#[counted]` (success), `#[timed]`
/// (latency) or `#[instrumented]` (both).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Objective {
    name: &'static str,
    success: Option<f64>,
    latency: Option<(f64, f64)>,
}

impl Objective {
    /// An objective called `name`, the `objective` label of its rules and alerts, with no
    /// target yet.
    ///
    /// # Panics
    ///
    /// When `name` is empty: at compile time in a `static`.
    #[must_use]
    pub const fn new(name: &'static str) -> Self {
        assert!(!name.is_empty(), "an objective needs a name");
        Self {
            name,
            success: None,
            latency: None,
        }
    }

    /// The share of calls that must succeed (end neither in an error nor a panic): `0.999`
    /// for 99.9%.
    ///
    /// # Panics
    ///
    /// When `target` is not strictly between 0 and 1: at compile time in a `static`.
    #[must_use]
    pub const fn success(mut self, target: f64) -> Self {
        assert!(
            target > 0.0 && target < 1.0,
            "a success target is a share strictly between 0 and 1, such as 0.999"
        );
        self.success = Some(target);
        self
    }

    /// The share of calls that must take at most `threshold_seconds`: `latency(0.99, 0.25)`
    /// for 99% within 250 ms. The threshold must be one of the bounds of the `#[timed]`
    /// histogram it is attached to, which the attribute checks when the program compiles.
    ///
    /// # Panics
    ///
    /// When `target` is not strictly between 0 and 1 or the threshold is not a positive
    /// number: at compile time in a `static`.
    #[must_use]
    pub const fn latency(mut self, target: f64, threshold_seconds: f64) -> Self {
        assert!(
            target > 0.0 && target < 1.0,
            "a latency target is a share strictly between 0 and 1, such as 0.99"
        );
        assert!(
            threshold_seconds > 0.0 && threshold_seconds < f64::INFINITY,
            "a latency threshold is a positive number of seconds, such as 0.25"
        );
        self.latency = Some((target, threshold_seconds));
        self
    }

    /// The name.
    #[must_use]
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// The success target, if any.
    #[must_use]
    pub const fn success_target(&self) -> Option<f64> {
        self.success
    }

    /// The latency target and threshold in seconds, if any.
    #[must_use]
    pub const fn latency_target(&self) -> Option<(f64, f64)> {
        self.latency
    }
}

/// What a use feeds an objective with.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Indicator {
    /// Calls by result, from `#[counted]`: an error or a panic fails.
    Success,
    /// Durations, from `#[timed]` or the HTTP layer's histogram.
    Latency,
    /// HTTP requests by status, from the HTTP layer's duration histogram: a 5xx fails.
    Responses,
}

impl Indicator {
    /// The indicator of the objective it feeds, as the rules' `sli` label names it.
    pub(crate) fn sli(self) -> &'static str {
        match self {
            Indicator::Success | Indicator::Responses => "success",
            Indicator::Latency => "latency",
        }
    }
}

/// An objective attached to an instrumented function's family. Written by the attributes.
#[doc(hidden)]
#[derive(Clone, Copy)]
pub struct ObjectiveUse {
    pub objective: &'static Objective,
    pub descriptor: &'static Descriptor,
    pub indicator: Indicator,
}

/// Uses made at run time: the HTTP layer's.
static RUNTIME_USES: Mutex<Vec<ObjectiveUse>> = Mutex::new(Vec::new());

/// Feeds `objective` from `descriptor`'s series, once however often it is asked.
#[cfg_attr(not(feature = "tower"), allow(dead_code))]
pub(crate) fn attach(
    objective: &'static Objective,
    descriptor: &'static Descriptor,
    indicator: Indicator,
) {
    let mut uses = RUNTIME_USES.lock().unwrap_or_else(PoisonError::into_inner);
    let same = |u: &ObjectiveUse| {
        core::ptr::eq(u.objective, objective)
            && u.descriptor.same(descriptor)
            && u.indicator == indicator
    };
    if !uses.iter().any(same) {
        uses.push(ObjectiveUse {
            objective,
            descriptor,
            indicator,
        });
    }
}

/// Every use: the attributes', then those made at run time.
pub(crate) fn uses() -> Vec<ObjectiveUse> {
    let runtime = RUNTIME_USES.lock().unwrap_or_else(PoisonError::into_inner);
    attached().chain(runtime.iter().copied()).collect()
}

/// The uses the attributes made.
#[cfg(not(target_family = "wasm"))]
fn attached() -> impl Iterator<Item = ObjectiveUse> {
    METERBOX_OBJECTIVES_V0.iter().copied()
}

/// The uses the attributes made, submitted through `inventory` where there is no link-time
/// slice (WebAssembly).
#[cfg(target_family = "wasm")]
fn attached() -> impl Iterator<Item = ObjectiveUse> {
    inventory::iter::<ObjectiveUse>.into_iter().copied()
}

#[cfg(target_family = "wasm")]
inventory::collect!(ObjectiveUse);

/// Why an objective cannot be attached.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ObjectiveError {
    /// Its latency threshold is not one of the histogram's bounds, so the share of requests
    /// under it cannot be read.
    ThresholdNotABound {
        /// The objective.
        objective: &'static str,
        /// Its threshold, in seconds.
        threshold: f64,
        /// The bounds it could be.
        bounds: &'static [f64],
    },
}

impl core::fmt::Display for ObjectiveError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            ObjectiveError::ThresholdNotABound {
                objective,
                threshold,
                bounds,
            } => write!(
                f,
                "the latency threshold {threshold} s of objective `{objective}` is not one of \
                 the histogram's bucket bounds {bounds:?}, so the share of requests under it \
                 cannot be computed"
            ),
        }
    }
}

impl std::error::Error for ObjectiveError {}

/// Every objective attached to a function, from the link-time slice.
#[cfg(not(target_family = "wasm"))]
#[doc(hidden)]
#[linkme::distributed_slice]
pub static METERBOX_OBJECTIVES_V0: [ObjectiveUse] = [..];

/// Whether `objective`'s latency threshold, if it has one, is one of `bounds`: without it
/// the share of calls under the threshold cannot be read from the histogram.
#[doc(hidden)]
#[must_use]
pub const fn threshold_is_a_bound(objective: &Objective, bounds: &[f64]) -> bool {
    let Some((_, threshold)) = objective.latency else {
        return true;
    };
    let mut i = 0;
    while i < bounds.len() {
        // Exact: the threshold and the bound are the same literal or constant.
        #[allow(clippy::float_cmp)]
        if bounds[i] == threshold {
            return true;
        }
        i += 1;
    }
    false
}

/// Registers an objective's use by the function around it: `Success` for its calls,
/// `Latency` for its durations. Used by generated code only.
#[cfg(not(target_family = "wasm"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __objective {
    ($indicator:ident $objective:path, $descriptor:expr) => {
        // In a block of its own, so that a function's calls and durations each have one.
        // Through the slice's declarative macro, as `__register!` does.
        const _: () = {
            $crate::__private::METERBOX_OBJECTIVES_V0! {
                #![linkme_macro = $crate::__private::METERBOX_OBJECTIVES_V0]
                static USE: $crate::__private::ObjectiveUse = $crate::__private::ObjectiveUse {
                    objective: &$objective,
                    descriptor: &$descriptor,
                    indicator: $crate::__private::Indicator::$indicator,
                };
            }
        };
    };
}

/// Registers an objective's use through `inventory`, where there is no link-time slice
/// (WebAssembly). Used by generated code only.
#[cfg(target_family = "wasm")]
#[doc(hidden)]
#[macro_export]
macro_rules! __objective {
    ($indicator:ident $objective:path, $descriptor:expr) => {
        $crate::__private::inventory::submit! {
            $crate::__private::ObjectiveUse {
                objective: &$objective,
                descriptor: &$descriptor,
                indicator: $crate::__private::Indicator::$indicator,
            }
        }
    };
}
