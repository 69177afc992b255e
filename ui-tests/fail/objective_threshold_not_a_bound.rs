use meterbox::slo::Objective;

// 300 ms is no bound of the default duration buckets (0.25, 0.5).
static CHECKOUT: Objective = Objective::new("checkout").latency(0.99, 0.3);

static SEARCH: Objective = Objective::new("search").latency(0.99, 0.1);

#[meterbox::instrumented(objective = CHECKOUT)]
fn checkout() {}

// Nor is 100 ms one of these.
#[meterbox::timed(buckets = [0.05, 0.2], objective = SEARCH)]
fn search() {}

fn main() {
    checkout();
    search();
}
