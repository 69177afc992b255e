#[meterbox::counted]
#[meterbox::timed]
fn total(items: &[u32]) -> Result<u32, String> {
    let sum: u32 = items.iter().sum();
    let label: u32 = "not a number";
    Ok(sum + label)
}

fn main() {
    let _ = total(&[1, 2]);
}
