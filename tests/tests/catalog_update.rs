//! The contract file: missing or invalid is an error naming the way out, and
//! `METERBOX_UPDATE_CATALOG=1` writes it. A binary of its own, as it sets the variable.

use meterbox::catalog::{ContractError, UPDATE_VARIABLE};
use meterbox::{metric, Counter};

/// Parcels sent.
#[metric]
static UPD_PARCELS_TOTAL: Counter = Counter::new();

#[test]
fn a_missing_or_invalid_file_is_an_error_and_the_variable_writes_it() {
    let mine = || meterbox::catalog().only(|m| m.name.starts_with("upd_"));
    let dir = std::env::temp_dir().join(format!("meterbox-catalog-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("metrics.catalog.json");
    let _ = std::fs::remove_file(&path);
    let missing = mine().check_contract(&path).unwrap_err();
    assert!(
        matches!(missing, ContractError::Missing { .. }),
        "{missing}"
    );
    assert!(missing.to_string().contains(UPDATE_VARIABLE), "{missing}");
    std::fs::write(&path, "not json").unwrap();
    let invalid = mine().check_contract(&path).unwrap_err();
    assert!(
        matches!(invalid, ContractError::Invalid { .. }),
        "{invalid}"
    );

    std::env::set_var(UPDATE_VARIABLE, "1");
    let written = mine().check_contract(&path);
    std::env::remove_var(UPDATE_VARIABLE);
    written.unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("\"name\": \"upd_parcels_total\""), "{text}");
    assert!(
        !text.contains("defined_at"),
        "sites stay out of the contract: {text}"
    );
    mine().check_contract(&path).unwrap();
    // Gone from the catalog: the written contract catches it.
    let empty = meterbox::catalog().only(|_| false);
    let broken = empty.check_contract(&path).unwrap_err();
    assert!(
        broken
            .to_string()
            .contains("metric `upd_parcels_total` was removed"),
        "{broken}"
    );
    let _ = std::fs::remove_dir_all(&dir);
    let _ = UPD_PARCELS_TOTAL.get();
}
