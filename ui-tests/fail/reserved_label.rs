#[meterbox::counted(labels(result = "fine"))]
fn job() {}

fn main() {
    job();
}
