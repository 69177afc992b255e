//! Objectives on functions, methods and an `#[instrumented]` with labels.

use meterbox::slo::Objective;

static API: Objective = Objective::new("api").success(0.999).latency(0.99, 0.25);

mod inner {
    pub static LATENCY: meterbox::slo::Objective =
        meterbox::slo::Objective::new("inner").latency(0.9, 1.0);
}

#[meterbox::instrumented(objective = API, labels(tier = "gold"))]
fn handle() -> Result<(), String> {
    Ok(())
}

#[meterbox::timed(buckets = [0.5, 1.0], objective = inner::LATENCY)]
async fn slow() {}

struct Service;

impl Service {
    #[meterbox::counted(objective = crate::API)]
    fn call(&self) -> Result<u8, String> {
        Ok(1)
    }
}

fn main() {
    let _ = handle();
    let _ = Service.call();
    drop(slow());
    assert!(meterbox::slo::prometheus_rules().contains("objective: 'inner'"));
}
