#![deny(warnings)]

#[meterbox::timed]
fn literal() -> u32 {
    1
}

#[meterbox::counted]
fn unit() {}

#[meterbox::counted]
#[meterbox::timed]
fn inner_attribute() -> u32 {
    #![allow(unused_variables)]
    let unused = 2;
    3
}

#[meterbox::counted]
#[meterbox::timed]
async fn async_inner_attribute() -> u32 {
    #![allow(unused_variables)]
    let unused = 4;
    5
}

fn main() {
    let _ = async_inner_attribute();
    assert_eq!(literal(), 1);
    unit();
    assert_eq!(inner_attribute(), 3);
}
