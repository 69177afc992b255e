//! Heap allocations counted by a wrapper of the global allocator: how many, how many bytes
//! allocated and freed, how many are live, and what each call of a function marked
//! `#[allocations]` allocated.
//!
//! ```
//! use meterbox::alloc::CountingAllocator;
//!
//! #[global_allocator]
//! static ALLOCATOR: CountingAllocator = CountingAllocator::system();
//!
//! let before = meterbox::alloc::totals();
//! let boxes: Vec<Box<[u8; 64]>> = (0..10).map(|_| Box::new([0; 64])).collect();
//! let after = meterbox::alloc::totals();
//! // The ten boxes and the vector that holds them.
//! assert_eq!(after.allocations - before.allocations, 11);
//! assert!(after.allocated_bytes - before.allocated_bytes >= 640);
//! # drop(boxes);
//! ```
//!
//! Once the allocator is installed, every format shows `process_heap_allocations_total`,
//! `process_heap_allocated_bytes_total`, `process_heap_freed_bytes_total` and
//! `process_heap_live_bytes`; a program that enables the feature without installing the
//! allocator shows none of them, rather than zeros that would read as a fact.
//!
//! A `realloc` counts as one allocation of the new size and a free of the old.
//!
//! Per call, [`#[allocations]`](crate::allocations) records the bytes each call allocated
//! on its thread into `function_allocated_bytes{function, module}`.

mod counting;
mod heap_metrics;
mod per_call;

pub(crate) use counting::installed;
pub use counting::{totals, CountingAllocator, HeapTotals};
#[cfg(feature = "tower")]
pub(crate) use per_call::PolledBytes;
pub use per_call::{AllocationGuard, CountAllocations};
