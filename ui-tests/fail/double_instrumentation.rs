use meterbox::{counted, instrumented, timed};

#[counted]
#[counted]
fn twice() {}

#[instrumented]
#[timed]
fn under_instrumented() {}

#[counted]
#[instrumented]
fn above_instrumented() {}

struct Repo;

#[counted]
impl Repo {
    #[counted]
    fn get(&self) {}
}

fn main() {
    twice();
    under_instrumented();
    above_instrumented();
    Repo.get();
}
