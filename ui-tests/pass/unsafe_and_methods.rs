#![deny(warnings)]

struct Buf {
    data: ::std::vec::Vec<u8>,
}

impl Buf {
    #[meterbox::counted]
    unsafe fn get_unchecked(&self, i: usize) -> u8 {
        // SAFETY: the caller checks `i`.
        unsafe { *self.data.get_unchecked(i) }
    }

    #[meterbox::counted]
    fn first_mut(&mut self) -> ::std::option::Option<&mut u8> {
        self.data.first_mut()
    }

    #[meterbox::counted]
    fn slot(&mut self, i: usize) -> ::std::result::Result<&mut u8, ()> {
        self.data.get_mut(i).ok_or(())
    }

    #[meterbox::timed]
    fn boxed(self: ::std::boxed::Box<Self>) -> usize {
        self.data.len()
    }
}

fn main() {
    let mut b = Buf { data: vec![1, 2] };
    // SAFETY: index 0 exists.
    assert_eq!(unsafe { b.get_unchecked(0) }, 1);
    *b.first_mut().unwrap() = 5;
    *b.slot(1).unwrap() = 6;
    assert_eq!(b.data, vec![5, 6]);
    assert_eq!(Box::new(b).boxed(), 2);
}
