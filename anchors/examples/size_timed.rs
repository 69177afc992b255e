//! A hundred functions with `#[meterbox::timed]`: see `size/hundred.rs`.

#[macro_use]
#[path = "size/hundred.rs"]
mod hundred;

hundred!(#[meterbox::timed]);

fn main() {
    hundred::run();
}
