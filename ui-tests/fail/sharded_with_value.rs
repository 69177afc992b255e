#[meterbox::counted(sharded = true)]
fn hot() {}

#[meterbox::timed(sharded)]
fn timed_hot() {}

fn main() {
    hot();
    timed_hot();
}
