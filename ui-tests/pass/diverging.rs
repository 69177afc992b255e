#![deny(warnings)]

#[meterbox::counted]
#[meterbox::timed]
#[allow(dead_code)]
fn a() -> u32 {
    unimplemented!()
}

#[meterbox::counted]
#[meterbox::timed]
#[allow(dead_code)]
fn b() -> ! {
    loop {}
}

#[meterbox::counted]
#[allow(dead_code)]
fn c() -> Result<u32, String> {
    panic!("never")
}

#[meterbox::counted]
#[allow(dead_code)]
async fn d() -> Result<u32, String> {
    todo!()
}

#[meterbox::counted]
#[meterbox::timed]
#[allow(dead_code)]
fn e() -> Result<u32, String> {
    std::process::exit(1)
}

fn main() {}
