//! A hundred functions, not instrumented: see `size/hundred.rs`.

#[macro_use]
#[path = "size/hundred.rs"]
mod hundred;

hundred!();

fn main() {
    hundred::run();
}
