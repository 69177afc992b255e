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

fn main() {
    assert_eq!(literal(), 1);
    unit();
    assert_eq!(inner_attribute(), 3);
}
