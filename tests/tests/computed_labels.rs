//! `labels(key = expr)` on function attributes: evaluated per call with the arguments in
//! scope, recorded into a family child, on every function shape.

use std::future::Future;

use meterbox::{counted, in_flight, instrumented, snapshot, timed, LabelValue};
use meterbox_tests::block_on;

pub struct Tenant {
    name: String,
    shard: u16,
}

impl Tenant {
    fn new(name: &str, shard: u16) -> Self {
        Tenant {
            name: name.to_owned(),
            shard,
        }
    }

    fn id(&self) -> &str {
        &self.name
    }
}

#[derive(LabelValue, Clone, Copy)]
pub enum Plan {
    Free,
    Paid,
}

#[counted(name = "tenant_calls", labels(region = "eu", tenant = tenant.id()))]
fn handle(tenant: &Tenant, fail: bool) -> Result<(), String> {
    if fail {
        Err("no".into())
    } else {
        Ok(())
    }
}

/// Takes the tenant by value: the label borrows it only until the body runs.
#[counted(name = "consumed_calls", labels(tenant = tenant.name.as_str(), plan = plan))]
fn consume(tenant: Tenant, plan: Plan) -> usize {
    let Tenant { name, .. } = tenant;
    name.len()
}

#[timed(name = "shard_work", labels(shard = tenant.shard), buckets = [0.5, 1.0])]
fn shard_work(tenant: &Tenant) -> u16 {
    tenant.shard
}

#[counted(name = "async_tenant_calls", labels(tenant = tenant.id()))]
async fn async_handle(tenant: &Tenant) -> Result<u8, u8> {
    meterbox_tests::Yield(1).await;
    Ok(1)
}

#[counted(name = "future_tenant_calls", labels(tenant = tenant.to_owned()))]
fn returns_future(tenant: &str) -> impl Future<Output = usize> + '_ {
    async { tenant.len() }
}

#[in_flight(name = "tenant_in_flight", labels(tenant = tenant.id()))]
fn in_flight_panics(tenant: &Tenant) {
    panic!("boom for {}", tenant.name);
}

#[instrumented(labels(plan = plan))]
fn everything(plan: Plan) -> bool {
    matches!(plan, Plan::Paid)
}

/// The default family without the extra key: exposed beside `everything`'s series.
#[counted]
fn plain() {}

#[test]
fn computed_labels_pick_a_child_per_value() {
    let acme = Tenant::new("acme", 1);
    let globex = Tenant::new("globex", 2);
    handle(&acme, false).unwrap();
    handle(&acme, false).unwrap();
    handle(&globex, true).unwrap_err();
    let s = snapshot();
    let get = |tenant, result| {
        s.counter(
            "tenant_calls_total",
            &[("region", "eu"), ("tenant", tenant), ("result", result)],
        )
    };
    assert_eq!(get("acme", "ok"), Some(2));
    assert_eq!(get("globex", "error"), Some(1));
    assert_eq!(get("globex", "ok"), Some(0));
    let series = &s.series("tenant_calls_total", &[("tenant", "acme")])[0];
    let names: Vec<&str> = series.labels.iter().map(|(k, _)| *k).collect();
    assert_eq!(names, ["function", "module", "region", "tenant", "result"]);
}

#[test]
fn a_label_may_borrow_an_argument_the_body_moves() {
    assert_eq!(consume(Tenant::new("initech", 3), Plan::Paid), 7);
    let s = snapshot();
    assert_eq!(
        s.counter(
            "consumed_calls_total",
            &[("tenant", "initech"), ("plan", "paid"), ("result", "ok")]
        ),
        Some(1)
    );
}

#[test]
fn integer_labels_and_buckets_on_timed() {
    assert_eq!(shard_work(&Tenant::new("a", 65535)), 65535);
    let s = snapshot();
    let h = s
        .histogram("shard_work_seconds", &[("shard", "65535")])
        .expect("a child for the shard");
    assert_eq!(h.count(), 1);
    assert_eq!(h.bounds, [0.5, 1.0]);
}

#[test]
fn async_fns_and_returned_futures() {
    let t = Tenant::new("hooli", 4);
    assert_eq!(block_on(async_handle(&t)), Ok(1));
    assert_eq!(block_on(returns_future("pied")), 4);
    let s = snapshot();
    assert_eq!(
        s.counter(
            "async_tenant_calls_total",
            &[("tenant", "hooli"), ("result", "ok")]
        ),
        Some(1)
    );
    assert_eq!(
        s.counter(
            "future_tenant_calls_total",
            &[("tenant", "pied"), ("result", "ok")]
        ),
        Some(1)
    );
}

#[test]
fn in_flight_child_returns_to_zero_after_a_panic() {
    let t = Tenant::new("umbrella", 5);
    assert!(std::panic::catch_unwind(|| in_flight_panics(&t)).is_err());
    let s = snapshot();
    assert_eq!(
        s.gauge("tenant_in_flight", &[("tenant", "umbrella")]),
        Some(0.0)
    );
}

#[test]
fn different_extra_keys_in_one_family_are_exposed_side_by_side() {
    assert!(everything(Plan::Paid));
    plain();
    let conflicts = meterbox::check().err().unwrap_or_default();
    assert!(
        conflicts.iter().all(|c| c.name != "function_calls_total"),
        "label names differing is no conflict: {conflicts:?}"
    );
    let s = snapshot();
    assert!(s
        .counter(
            "function_calls_total",
            &[
                ("function", "everything"),
                ("plan", "paid"),
                ("result", "ok")
            ]
        )
        .is_some_and(|n| n >= 1));
    assert!(s
        .counter(
            "function_calls_total",
            &[("function", "plain"), ("result", "ok")]
        )
        .is_some_and(|n| n >= 1));
    let text = meterbox::render(meterbox::Format::Prometheus);
    assert_eq!(text.matches("# TYPE function_calls_total ").count(), 1);
    assert!(text.contains(r#"function="plain""#), "{text}");
    assert!(text.contains(r#"plan="paid""#), "{text}");
}
