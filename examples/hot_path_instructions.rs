//! Calls each instrumented shape a million times, for instruction counts per call under
//! callgrind (repeatable, unlike wall time on a shared machine):
//!
//! ```text
//! cargo build --release --example hot_path_instructions
//! valgrind --tool=callgrind --callgrind-out-file=cg.out target/release/examples/hot_path_instructions
//! callgrind_annotate --inclusive=yes --threshold=100 cg.out | grep shapes::
//! ```
//!
//! Each function's inclusive count divided by 1,000,000 is its cost per call, call and
//! return included (the same for every row, so differences are the instrumentation).

#[path = "../runtime/benches/shapes/mod.rs"]
mod shapes;

use std::hint::black_box;

const CALLS: u32 = 1_000_000;

fn main() {
    let handle = shapes::request_handle();
    let request = shapes::Request {
        method: shapes::Method::Post,
        status: shapes::Status::NotFound,
    };
    for _ in 0..CALLS {
        shapes::typed_family_with(black_box(&request));
        shapes::sharded_inc();
        shapes::shared_inc();
        shapes::family_with(black_box("GET"), black_box("200"));
        shapes::family_handle(black_box(handle));
        shapes::empty();
        shapes::raw_atomic_add();
        shapes::counted_fn();
        let _ = black_box(shapes::counted_result(black_box(true)));
        shapes::timed_fn();
        shapes::counted_and_timed();
        black_box(shapes::two_clock_reads());
        shapes::histogram_observe_ns(black_box(700));
        shapes::histogram_observe(black_box(0.000_7));
    }
    // The registry holds every shape's series.
    println!(
        "{} series",
        meterbox::render(meterbox::Format::Table).lines().count() - 1
    );
}
