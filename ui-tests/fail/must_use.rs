#![deny(unused_must_use)]

#[meterbox::counted]
fn fallible() -> Result<(), String> {
    Ok(())
}

#[meterbox::timed]
#[must_use]
fn important() -> u32 {
    1
}

fn main() {
    fallible();
    important();
}
