#![deny(warnings)]
use std::fmt::Display;

#[meterbox::counted]
#[meterbox::timed]
fn show<T: Display>(value: T, extra: impl Display) -> String {
    format!("{value}{extra}")
}

struct Wrapper<T>(T);

#[meterbox::counted]
impl<T: Clone> Wrapper<T> {
    fn get(&self) -> T {
        self.0.clone()
    }

    fn take(self) -> T {
        self.0
    }

    fn set(&mut self, value: T) -> Result<(), T> {
        self.0 = value;
        Ok(())
    }
}

#[meterbox::timed]
fn returns_impl(n: u32) -> impl Iterator<Item = u32> {
    0..n
}

fn main() {
    assert_eq!(show(1, 'a'), "1a");
    assert_eq!(show("x", 2), "x2");
    let mut w = Wrapper(3);
    assert_eq!(w.set(4), Ok(()));
    assert_eq!(w.get(), 4);
    assert_eq!(w.take(), 4);
    assert_eq!(returns_impl(3).count(), 3);
}
