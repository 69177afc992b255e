use meterbox::{LabelSet, LabelValue};

#[derive(LabelValue)]
enum WithData {
    Code(u16),
}

#[derive(LabelValue)]
enum Clash {
    ClientError,
    #[label(rename = "client_error")]
    Other,
}

#[derive(LabelValue)]
struct NotAnEnum;

#[derive(LabelSet)]
struct Tuple(u8);

fn main() {}
