//! `autometrics` on its `prometheus-client` backend: one attribute counts and times a call,
//! with labels for the function, module and result.

use std::hint::black_box;

use autometrics::autometrics;

/// `#[autometrics]` on a function that does nothing, for the count rows.
#[inline(never)]
#[autometrics]
pub fn count() {
    black_box(());
}

/// `#[autometrics]` on a function that does nothing, for the time rows: the same work.
#[inline(never)]
#[autometrics]
pub fn time() {
    black_box(());
}
