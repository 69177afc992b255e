//! The four process-wide heap families, read from the counting allocator's totals and
//! shown once it is installed.

// Registering puts each descriptor in a link section, which `unsafe_code` counts when the
// registration is written in this crate; nothing else here is unsafe.
#![allow(unsafe_code)]

use super::counting::{installed, totals};
use crate::metrics::{CallbackCounter, CallbackGauge, Conditional};

/// Heap allocations made through the counting allocator.
#[crate::metric(name = "process_heap_allocations_total")]
static ALLOCATIONS: Conditional<CallbackCounter> =
    Conditional::new(CallbackCounter::new(|| totals().allocations), installed);

/// Bytes allocated on the heap through the counting allocator.
#[crate::metric(name = "process_heap_allocated_bytes_total", unit = "bytes")]
static ALLOCATED: Conditional<CallbackCounter> =
    Conditional::new(CallbackCounter::new(|| totals().allocated_bytes), installed);

/// Bytes freed on the heap through the counting allocator.
#[crate::metric(name = "process_heap_freed_bytes_total", unit = "bytes")]
static FREED: Conditional<CallbackCounter> =
    Conditional::new(CallbackCounter::new(|| totals().freed_bytes), installed);

/// Bytes allocated on the heap through the counting allocator and not freed yet.
#[crate::metric(name = "process_heap_live_bytes", unit = "bytes")]
// Live bytes are far below 2^53, where an f64 is exact.
#[allow(clippy::cast_precision_loss)]
static LIVE: Conditional<CallbackGauge> = Conditional::new(
    CallbackGauge::new(|| totals().live_bytes() as f64),
    installed,
);
