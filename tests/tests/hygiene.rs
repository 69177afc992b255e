//! The expansions use absolute paths only: user items named like the standard library, the
//! prelude or the runtime do not change what they mean, and a facade can re-export the
//! runtime under another path with `crate = …`.
#![allow(dead_code, non_camel_case_types)]

mod core {}
mod std {}
mod linkme {}
mod meterbox {}

struct Result;
struct Option;
struct Ok;
struct Err;
struct Some;
struct None;
struct Box;
struct Drop;

mod facade {
    pub use ::meterbox as rt;
}

#[::meterbox::counted]
#[::meterbox::timed]
fn shadowed() -> ::core::result::Result<u8, ()> {
    ::core::result::Result::Ok(1)
}

#[::meterbox::counted]
async fn shadowed_async() -> ::core::option::Option<u8> {
    ::core::option::Option::Some(2)
}

/// Metrics counted through a facade.
#[::meterbox::metric(crate = facade::rt)]
static FACADE_EVENTS_TOTAL: ::meterbox::Counter = ::meterbox::Counter::new();

#[::meterbox::counted(crate = facade::rt)]
#[::meterbox::timed(crate = facade::rt)]
fn through_facade() -> ::core::result::Result<(), u8> {
    ::core::result::Result::Err(3)
}

#[test]
fn expansions_ignore_shadowing_items() {
    assert_eq!(shadowed(), ::core::result::Result::Ok(1));
    assert_eq!(
        meterbox_tests::block_on(shadowed_async()),
        ::core::option::Option::Some(2)
    );
    assert!(through_facade().is_err());
    FACADE_EVENTS_TOTAL.inc();
    let s = ::meterbox::snapshot();
    let calls =
        |f: &str, r: &str| s.counter("function_calls_total", &[("function", f), ("result", r)]);
    assert_eq!(calls("shadowed", "ok"), ::core::option::Option::Some(1));
    assert_eq!(
        calls("shadowed_async", "ok"),
        ::core::option::Option::Some(1)
    );
    assert_eq!(
        calls("through_facade", "error"),
        ::core::option::Option::Some(1)
    );
    assert_eq!(
        s.counter("facade_events_total", &[]),
        ::core::option::Option::Some(1)
    );
}
