/// Not a metric type.
#[meterbox::metric]
static COUNT: u64 = 0;

fn main() {
    let _ = COUNT;
}
