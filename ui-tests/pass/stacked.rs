#![deny(warnings)]

#[meterbox::counted]
#[meterbox::timed]
fn both() -> Result<u8, String> {
    Ok(1)
}

mod other {
    #[meterbox::timed]
    #[meterbox::counted]
    pub fn both() -> Option<u8> {
        Some(2)
    }
}

fn main() {
    assert_eq!(use_them(), 3);
    assert_eq!(both(), Ok(1));
    assert_eq!(other::both(), Some(2));
    let s = meterbox::snapshot();
    assert_eq!(s.counter("function_calls_total", &[("function", "both"), ("result", "ok")]), Some(2));
}

struct Pool;

#[meterbox::in_flight]
impl Pool {
    fn get(&self) -> u8 {
        3
    }
}

#[meterbox::instrumented(labels(tier = "gold"))]
async fn all_three() -> Result<(), ()> {
    Ok(())
}

pub fn use_them() -> u8 {
    drop(all_three());
    Pool.get()
}
