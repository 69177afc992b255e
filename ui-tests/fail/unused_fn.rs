#![deny(dead_code)]

#[meterbox::counted]
#[meterbox::timed]
fn never_used() -> u32 {
    1
}

pub struct Repo;

#[meterbox::timed]
impl Repo {
    fn never_called(&self) -> u32 {
        2
    }
}

fn main() {}
