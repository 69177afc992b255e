//! A hundred functions with `#[meterbox::counted]`: see `size/hundred.rs`.

#[macro_use]
#[path = "size/hundred.rs"]
mod hundred;

hundred!(#[meterbox::counted]);

fn main() {
    hundred::run();
}
