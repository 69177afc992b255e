//! A hundred functions with the same attributes, for the binary size one attribute adds
//! (`footprint.sh` compares `size_plain`, `size_counted` and `size_timed`).

/// One function with the attributes given; kept out of line so that each is its own code.
macro_rules! one {
    ([$(#[$attr:meta])*] $name:ident) => {
        $(#[$attr])*
        #[inline(never)]
        fn $name(x: u64) -> u64 {
            std::hint::black_box(x).wrapping_mul(3)
        }
    };
}

/// A hundred functions and `FNS`, a pointer to each, so that none is dropped.
macro_rules! hundred {
    ($(#[$attr:meta])*) => {
        hundred!(@ [$(#[$attr])*] f00 f01 f02 f03 f04 f05 f06 f07 f08 f09 f10 f11 f12 f13 f14 f15 f16 f17 f18 f19 f20 f21 f22 f23 f24 f25 f26 f27 f28 f29 f30 f31 f32 f33 f34 f35 f36 f37 f38 f39 f40 f41 f42 f43 f44 f45 f46 f47 f48 f49 f50 f51 f52 f53 f54 f55 f56 f57 f58 f59 f60 f61 f62 f63 f64 f65 f66 f67 f68 f69 f70 f71 f72 f73 f74 f75 f76 f77 f78 f79 f80 f81 f82 f83 f84 f85 f86 f87 f88 f89 f90 f91 f92 f93 f94 f95 f96 f97 f98 f99);
    };
    (@ $attrs:tt $($name:ident)*) => {
        $( one!($attrs $name); )*
        const FNS: &[fn(u64) -> u64] = &[$($name),*];
    };
}

/// Calls every function once and renders the registry, so that the runtime is linked the
/// same way whatever the attributes.
pub fn run() {
    let x = std::env::args().count() as u64;
    let sum = crate::FNS
        .iter()
        .fold(0u64, |acc, f| acc.wrapping_add(f(x)));
    println!(
        "{sum} {}",
        meterbox::render(meterbox::Format::Prometheus).len()
    );
}
