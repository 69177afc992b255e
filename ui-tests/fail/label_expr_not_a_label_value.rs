use meterbox::timed;

#[timed(name = "batch_work", labels(items = items.to_vec()))]
fn work(items: &[u8]) -> usize {
    items.len()
}

fn main() {
    work(&[1, 2]);
}
