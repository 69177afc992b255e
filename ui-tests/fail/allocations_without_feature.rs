// `#[allocations]` in a build without meterbox's `allocations` feature: one error, at the
// attribute, naming the feature and the allocator.

#[meterbox::allocations]
fn work() -> Vec<u8> {
    vec![1, 2, 3]
}

#[meterbox::allocations]
async fn later() -> usize {
    1
}

fn main() {
    let _ = work();
    let _ = later();
}
