trait Store {
    #[meterbox::counted]
    fn load(&self) -> u32;
}

fn main() {}
