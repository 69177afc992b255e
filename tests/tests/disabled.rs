//! The `disabled` feature compiles instrumentation out: `tests/fixtures/disabled` is built
//! with it (in a target directory of its own, outside the workspace, so that the feature
//! reaches no other build) and checks its own behaviour when run; this test runs it and looks
//! for the registry's traces in the binary.

use std::path::Path;
use std::process::Command;

#[test]
fn a_disabled_build_runs_its_functions_and_registers_nothing() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let manifest = root.join("fixtures/disabled/Cargo.toml");
    let target = root.join("../target/disabled-fixture");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .args(["run", "--quiet", "--release", "--manifest-path"])
        .arg(&manifest)
        .arg("--target-dir")
        .arg(&target)
        .output()
        .expect("cargo runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the disabled fixture failed:\n{stdout}\n{stderr}"
    );
    assert_eq!(stdout.trim(), "compiled out");
    // Built without warnings: a `#[metric]` static nothing reads is not dead code.
    assert!(!stderr.contains("warning"), "{stderr}");

    // A registered metric's name lives in its descriptor; none was emitted.
    let binary = std::fs::read(target.join("release/disabled")).expect("the fixture was built");
    let needle = b"disabled_fixture_orders_total";
    assert!(
        !binary.windows(needle.len()).any(|w| w == needle),
        "a descriptor was emitted"
    );
}
