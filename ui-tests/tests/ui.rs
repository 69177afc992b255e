//! Every misuse of the macros is one error on the offending token; every supported shape
//! compiles without a warning. The `.stderr` files are snapshots of rustc's output
//! (`TRYBUILD=overwrite` rewrites them; review the diff).

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("fail/*.rs");
    t.pass("pass/*.rs");
}
