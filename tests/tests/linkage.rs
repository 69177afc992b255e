//! A library's metrics are collected when the binary links it, even when its instrumented
//! functions sit in a private module and are never called. CI runs this in debug, release
//! and the `fat` profile (fat LTO, one codegen unit).

use meterbox::snapshot;

// Nothing of `registrar` is used: this line alone makes the linker include it.
use registrar as _;

#[test]
#[cfg_attr(miri, ignore)]
fn fixture_metrics_are_linked_and_start_at_zero() {
    let s = snapshot();
    for (result, exported) in [
        ("ok", Some(0)),
        ("error", Some(0)),
        ("panic", Some(0)),
        // A sync function cannot be cancelled.
        ("cancelled", None),
    ] {
        assert_eq!(
            s.counter(
                "function_calls_total",
                &[
                    ("function", "register_account"),
                    ("module", "registrar::hidden"),
                    ("result", result)
                ]
            ),
            exported,
            "result={result}"
        );
    }
    let duration = s
        .histogram(
            "function_duration_seconds",
            &[
                ("function", "register_account"),
                ("module", "registrar::hidden"),
            ],
        )
        .expect("the duration series is exported");
    assert_eq!(duration.count(), 0);
    assert_eq!(s.counter("registrar_accounts_total", &[]), Some(0));
}

#[test]
#[cfg_attr(miri, ignore)]
fn registry_descriptors_carry_their_definition_site() {
    let d = meterbox::registry()
        .iter()
        .find(|d| d.name == "registrar_accounts_total")
        .expect("registered");
    assert!(d.file.ends_with("registrar/src/lib.rs"), "{}", d.file);
    assert!(d.line > 0);
    assert_eq!(d.kind(), meterbox::Kind::Counter);
    assert_eq!(d.help, "Accounts the registrar opened.");
}
