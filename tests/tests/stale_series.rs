//! Stale series: `remove`, `clear` and idle expiry take series out of every format, a
//! removed series comes back at zero when used again (through a lookup or a kept handle),
//! and what is left stays valid for the checkers.

use std::thread::sleep;
use std::time::Duration;

use meterbox::{
    metric, render, snapshot, Counter, Family, Format, Gauge, Histogram, LabelCountError, LabelSet,
    LabelValue, Meter, RuntimeFamily, Summary, TypedFamily,
};
use meterbox_tests::{openmetrics_parse, promtool_check};

/// The sample lines of one family in the Prometheus format, in order.
fn lines_of(family: &str) -> Vec<String> {
    render(Format::Prometheus)
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter(|l| {
            l.strip_prefix(family)
                .is_some_and(|rest| rest.starts_with(['{', ' ', '_']))
        })
        .map(str::to_owned)
        .collect()
}

/// Jobs run, by queue.
#[metric]
static STALE_JOBS: Family<Counter, 1> = Family::new(["queue"]);

#[test]
fn a_removed_series_leaves_and_comes_back_at_zero() {
    STALE_JOBS.with(["mail"]).inc_by(3);
    STALE_JOBS.with(["sms"]).inc_by(2);
    let kept = STALE_JOBS.with(["push"]);
    kept.inc_by(7);
    assert_eq!(
        lines_of("stale_jobs_total"),
        [
            "stale_jobs_total{queue=\"mail\"} 3",
            "stale_jobs_total{queue=\"push\"} 7",
            "stale_jobs_total{queue=\"sms\"} 2",
        ]
    );

    assert!(STALE_JOBS.remove(["sms"]));
    assert!(!STALE_JOBS.remove(["sms"]), "already removed");
    assert!(!STALE_JOBS.remove(["never"]), "never made");
    assert!(STALE_JOBS.remove(["push"]));
    assert_eq!(
        lines_of("stale_jobs_total"),
        ["stale_jobs_total{queue=\"mail\"} 3"]
    );
    assert_eq!(
        snapshot().counter("stale_jobs_total", &[("queue", "sms")]),
        None
    );

    // Used again through a lookup, and through the handle kept from before: at zero, then
    // what was recorded since.
    STALE_JOBS.with(["sms"]).inc();
    kept.inc();
    assert_eq!(
        lines_of("stale_jobs_total"),
        [
            "stale_jobs_total{queue=\"mail\"} 3",
            "stale_jobs_total{queue=\"push\"} 1",
            "stale_jobs_total{queue=\"sms\"} 1",
        ]
    );
    assert_eq!(STALE_JOBS.len(), 3, "the label sets are kept");
}

/// Depth, by queue.
#[metric]
static STALE_DEPTH: Family<Gauge, 1> = Family::new(["queue"]);

#[test]
fn a_gauge_looked_up_again_shows_even_at_zero() {
    STALE_DEPTH.with(["a"]).set(4.0);
    STALE_DEPTH.with(["b"]).set(5.0);
    assert!(STALE_DEPTH.remove(["a"]));
    assert_eq!(lines_of("stale_depth"), ["stale_depth{queue=\"b\"} 5.0"]);
    STALE_DEPTH.with(["a"]).set(0.0);
    assert_eq!(
        lines_of("stale_depth"),
        [
            "stale_depth{queue=\"a\"} 0.0",
            "stale_depth{queue=\"b\"} 5.0"
        ]
    );
}

/// Latency, by route.
#[metric]
static STALE_LATENCY: Family<Histogram, 1> =
    Family::with_prototype(["route"], Histogram::new(&[0.1, 1.0]));

#[test]
fn a_histogram_comes_back_with_only_what_came_after() {
    let route = STALE_LATENCY.with(["/a"]);
    for v in [0.05, 0.5, 5.0] {
        route.observe(v);
    }
    assert!(STALE_LATENCY.remove(["/a"]));
    assert_eq!(lines_of("stale_latency"), Vec::<String>::new());
    route.observe(0.5);
    assert_eq!(
        lines_of("stale_latency"),
        [
            "stale_latency_bucket{route=\"/a\",le=\"0.1\"} 0",
            "stale_latency_bucket{route=\"/a\",le=\"1.0\"} 1",
            "stale_latency_bucket{route=\"/a\",le=\"+Inf\"} 1",
            "stale_latency_sum{route=\"/a\"} 0.5",
            "stale_latency_count{route=\"/a\"} 1",
        ]
    );
}

/// Sessions, by user, with few label sets.
#[metric]
static STALE_SESSIONS: Family<Counter, 1> = Family::new(["user"]).with_limit(2);

#[test]
fn clear_removes_every_series_and_the_overflow_one() {
    for user in ["ann", "bob", "cid", "dan"] {
        STALE_SESSIONS.with([user]).inc();
    }
    assert_eq!(
        lines_of("stale_sessions_total"),
        [
            "stale_sessions_total{user=\"__overflow__\"} 2",
            "stale_sessions_total{user=\"ann\"} 1",
            "stale_sessions_total{user=\"bob\"} 1",
        ]
    );
    STALE_SESSIONS.clear();
    assert_eq!(lines_of("stale_sessions_total"), Vec::<String>::new());
    // The family is still described, and a scrape with no series of it is valid.
    let text = render(Format::Prometheus);
    assert!(
        text.contains("# TYPE stale_sessions_total counter\n"),
        "{text}"
    );
    if let Some(out) = promtool_check(&text) {
        assert_eq!(out, "", "promtool: {out}");
    }
    if let Some(parsed) = openmetrics_parse(&render(Format::OpenMetrics)) {
        parsed.expect("the OpenMetrics parser accepts it");
    }
    STALE_SESSIONS.with(["eve"]).inc();
    assert_eq!(
        lines_of("stale_sessions_total"),
        ["stale_sessions_total{user=\"__overflow__\"} 1"],
        "the limit still counts the label sets seen"
    );
}

#[test]
fn meters_and_summaries_start_again_from_nothing() {
    let meters = RuntimeFamily::<Meter>::register("stale_marks", "Marks.", &["k"]).unwrap();
    meters.with(&["x"]).unwrap().mark_n(40);
    assert_eq!(meters.remove(&["x"]), Ok(true));
    let s = snapshot();
    assert_eq!(s.counter("stale_marks_total", &[("k", "x")]), None);
    meters.with(&["x"]).unwrap().mark();
    let m = meters.with(&["x"]).unwrap();
    assert_eq!(m.count(), 1);
    assert_eq!(
        lines_of("stale_marks_total"),
        ["stale_marks_total{k=\"x\"} 1"]
    );

    let summaries = RuntimeFamily::<Summary>::register("stale_sizes", "Sizes.", &["k"]).unwrap();
    let summary = summaries.with(&["y"]).unwrap();
    for _ in 0..10 {
        summary.observe(100.0);
    }
    assert_eq!(summaries.remove(&["y"]), Ok(true));
    assert_eq!(lines_of("stale_sizes"), Vec::<String>::new());
    summary.observe(1.0);
    assert_eq!(summary.count(), 1);
    let median = summary.quantile(0.5).unwrap();
    assert!((median - 1.0).abs() <= 0.01, "{median}");
}

#[test]
fn run_time_families_check_the_number_of_values() {
    let f = RuntimeFamily::<Counter>::register("stale_checked", "Checked.", &["a", "b"]).unwrap();
    assert_eq!(
        f.remove(&["x"]),
        Err(LabelCountError {
            expected: 2,
            given: 1
        })
    );
    assert_eq!(f.remove(&["x", "y"]), Ok(false));
}

#[test]
fn idle_series_expire_at_the_next_read_and_come_back_when_used() {
    let f = RuntimeFamily::<Counter>::register("stale_idle", "Idle ones go.", &["peer"]).unwrap();
    f.expire_after(Duration::from_millis(500));
    f.with(&["quiet"]).unwrap().inc();
    let busy = f.with(&["busy"]).unwrap();
    busy.inc();
    // The first read sees both as they are.
    assert_eq!(
        lines_of("stale_idle_total"),
        [
            "stale_idle_total{peer=\"busy\"} 1",
            "stale_idle_total{peer=\"quiet\"} 1",
        ]
    );
    sleep(Duration::from_millis(100));
    busy.inc();
    assert_eq!(
        lines_of("stale_idle_total").len(),
        2,
        "none idle long enough yet"
    );
    sleep(Duration::from_millis(500));
    // `quiet` has not changed for 600 ms; `busy` changes just before each read.
    busy.inc();
    assert_eq!(
        lines_of("stale_idle_total"),
        ["stale_idle_total{peer=\"busy\"} 3"]
    );
    f.with(&["quiet"]).unwrap().inc();
    assert_eq!(
        lines_of("stale_idle_total"),
        [
            "stale_idle_total{peer=\"busy\"} 3",
            "stale_idle_total{peer=\"quiet\"} 1",
        ]
    );
    // Off again: nothing expires.
    f.expire_after(Duration::ZERO);
    sleep(Duration::from_millis(600));
    assert_eq!(lines_of("stale_idle_total").len(), 2);
}

#[test]
fn a_series_removed_and_another_made_is_laid_out_anew() {
    // The same number of series before and after: the layout must still change.
    let f = RuntimeFamily::<Gauge>::register("stale_swap", "Swapped.", &["k"]).unwrap();
    f.with(&["old"]).unwrap().set(1.0);
    assert_eq!(lines_of("stale_swap"), ["stale_swap{k=\"old\"} 1.0"]);
    f.remove(&["old"]).unwrap();
    f.with(&["new"]).unwrap().set(2.0);
    assert_eq!(lines_of("stale_swap"), ["stale_swap{k=\"new\"} 2.0"]);
}

/// Lags, by peer.
#[metric]
static STALE_LAG: Family<Gauge, 1> = Family::new(["peer"]);

#[test]
fn a_kept_handle_alone_brings_a_removed_series_back() {
    let peer = STALE_LAG.with(["a"]);
    peer.set(2.0);
    assert_eq!(lines_of("stale_lag"), ["stale_lag{peer=\"a\"} 2.0"]);
    assert!(STALE_LAG.remove(["a"]));
    assert_eq!(lines_of("stale_lag"), Vec::<String>::new());
    // No lookup: only the handle records, and the next render shows it.
    peer.set(3.0);
    assert_eq!(lines_of("stale_lag"), ["stale_lag{peer=\"a\"} 3.0"]);
}

#[test]
fn the_facade_expires_idle_series_when_asked() {
    // Other tests here render meanwhile, and every render is a read that may expire a
    // series: only what holds whoever reads is asserted.
    let expiring = meterbox::facade::builder()
        .idle_timeout(Duration::from_millis(300))
        .recorder();
    let keeping = meterbox::facade::builder().recorder();
    let record = |recorder: &meterbox::facade::MeterboxRecorder, name: &'static str| {
        metrics::with_local_recorder(recorder, || {
            metrics::counter!(name, "peer" => "quiet").increment(1);
        });
    };
    record(&expiring, "stale_facade_sends");
    record(&keeping, "stale_facade_kept");
    assert_eq!(
        lines_of("stale_facade_sends_total"),
        ["stale_facade_sends_total{peer=\"quiet\"} 1"]
    );
    sleep(Duration::from_millis(400));
    assert_eq!(
        lines_of("stale_facade_sends_total"),
        Vec::<String>::new(),
        "gone after 300 ms unchanged"
    );
    assert_eq!(
        lines_of("stale_facade_kept_total"),
        ["stale_facade_kept_total{peer=\"quiet\"} 1"],
        "kept without an idle timeout"
    );
    // Back at zero, then counted, through the handle the recorder kept.
    record(&expiring, "stale_facade_sends");
    assert_eq!(
        lines_of("stale_facade_sends_total"),
        ["stale_facade_sends_total{peer=\"quiet\"} 1"]
    );
}

#[derive(LabelSet)]
struct Tenant<'a> {
    tenant: &'a str,
    shard: u16,
}

/// Work done, by tenant and shard.
#[metric]
static STALE_TENANT_WORK: TypedFamily<Counter, Tenant<'static>> = TypedFamily::new();

#[test]
fn a_typed_family_removes_and_clears_as_a_family_does() {
    let acme = |shard| Tenant {
        tenant: "acme",
        shard,
    };
    STALE_TENANT_WORK.with(&acme(1)).inc_by(4);
    let kept = STALE_TENANT_WORK.with(&acme(2));
    kept.inc_by(5);
    STALE_TENANT_WORK
        .with(&Tenant {
            tenant: "initech",
            shard: 1,
        })
        .inc();
    assert_eq!(STALE_TENANT_WORK.len(), 3);

    assert!(STALE_TENANT_WORK.remove(&acme(2)));
    assert!(!STALE_TENANT_WORK.remove(&acme(2)), "already removed");
    assert!(!STALE_TENANT_WORK.remove(&acme(9)), "never made");
    assert_eq!(
        lines_of("stale_tenant_work_total"),
        [
            "stale_tenant_work_total{tenant=\"acme\",shard=\"1\"} 4",
            "stale_tenant_work_total{tenant=\"initech\",shard=\"1\"} 1",
        ]
    );

    kept.inc();
    STALE_TENANT_WORK.clear();
    assert_eq!(lines_of("stale_tenant_work_total"), Vec::<String>::new());
    STALE_TENANT_WORK.with(&acme(1)).inc_by(2);
    assert_eq!(
        lines_of("stale_tenant_work_total"),
        ["stale_tenant_work_total{tenant=\"acme\",shard=\"1\"} 2"]
    );
    assert_eq!(STALE_TENANT_WORK.len(), 3, "the label sets are kept");
    let text = render(Format::Prometheus);
    if let Some(out) = promtool_check(&text) {
        assert_eq!(out, "", "promtool:\n{text}");
    }
}

#[derive(LabelValue, Clone, Copy)]
enum Lane {
    Fast,
    Slow,
}

#[derive(LabelSet)]
struct ByLane {
    lane: Lane,
}

/// Items queued, by lane.
#[metric]
static STALE_LANE_ITEMS: TypedFamily<Gauge, ByLane> = TypedFamily::new();

#[test]
fn a_closed_typed_family_keeps_every_series_and_sets_a_removed_one_to_zero() {
    STALE_LANE_ITEMS.with(&ByLane { lane: Lane::Fast }).set(3.0);
    STALE_LANE_ITEMS.with(&ByLane { lane: Lane::Slow }).set(8.0);
    assert_eq!(STALE_LANE_ITEMS.len(), 2);
    assert!(STALE_LANE_ITEMS.remove(&ByLane { lane: Lane::Slow }));
    assert_eq!(
        lines_of("stale_lane_items"),
        [
            "stale_lane_items{lane=\"fast\"} 3.0",
            "stale_lane_items{lane=\"slow\"} 0.0",
        ]
    );
    STALE_LANE_ITEMS.clear();
    assert_eq!(
        lines_of("stale_lane_items"),
        [
            "stale_lane_items{lane=\"fast\"} 0.0",
            "stale_lane_items{lane=\"slow\"} 0.0",
        ]
    );
}
