#[meterbox::counted]
fn half_typed(x: u32) -> u32 {
    let y = x +;
    y
}

fn main() {
    let _ = half_typed(1);
}
