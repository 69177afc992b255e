//! Every misuse of the macros is one error on the offending token; every supported shape
//! compiles without a warning. The `.stderr` files are snapshots of rustc's output
//! (`TRYBUILD=overwrite` rewrites them; review the diff).

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("fail/*.rs");
    t.pass("pass/*.rs");
}

/// The runtime's internal traits never reach a user's error message.
#[test]
fn messages_name_no_internal_trait() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fail");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).expect("the fail cases") {
        let path = entry.expect("an entry").path();
        if path.extension().is_some_and(|e| e == "stderr") {
            let text = std::fs::read_to_string(&path).expect("a snapshot");
            for internal in ["LabelledChildren", "ChildCompanions"] {
                assert!(!text.contains(internal), "{internal} in {}", path.display());
            }
            checked += 1;
        }
    }
    assert!(checked > 30, "{checked} snapshots");
}
