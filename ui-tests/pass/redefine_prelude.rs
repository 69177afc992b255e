#![deny(warnings)]
#![allow(dead_code, non_camel_case_types)]

mod core {}
mod std {}
mod meterbox {}

struct Result;
struct Option;
struct Some;
struct None;
struct Ok;
struct Err;
struct Vec;
struct String;
struct Box;
trait Drop {}
trait Sized {}
trait Sync {}

#[::meterbox::counted]
#[::meterbox::timed]
fn checked(x: u32) -> ::core::result::Result<u32, ()> {
    ::core::result::Result::Ok(x)
}

/// Events.
#[::meterbox::metric]
static EVENTS_TOTAL: ::meterbox::Counter = ::meterbox::Counter::new();

fn main() {
    let _ = checked(1);
    EVENTS_TOTAL.inc();
}
