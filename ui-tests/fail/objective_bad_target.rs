use meterbox::slo::Objective;

// A share, not a percentage.
static CHECKOUT: Objective = Objective::new("checkout").success(99.9);

#[meterbox::counted(objective = CHECKOUT)]
fn checkout() {}

#[meterbox::in_flight(objective = CHECKOUT)]
fn held() {}

fn main() {
    checkout();
    held();
}
