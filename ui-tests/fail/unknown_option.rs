#[meterbox::counted(nmae = "jobs_total")]
fn job() {}

fn main() {
    job();
}
