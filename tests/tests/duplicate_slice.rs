//! Why the registry's slice name carries the runtime's major version: linkme names the link
//! section after the identifier alone, and two slices of one name in one binary fail on
//! first access. This documents that failure mode; different major versions avoid it.

use duplicate_slice::METERBOX_METRICS_V0 as OTHER;

#[test]
#[cfg_attr(miri, ignore)]
#[should_panic(expected = "duplicate #[distributed_slice]")]
fn same_slice_name_twice_in_one_binary_panics() {
    let _ = OTHER.len();
    let _ = meterbox::registry().len();
}
