//! Definitions of one name that disagree are reported with both sites, and nothing is left
//! out of the exposition: what cannot share the name is exposed under a name of its own,
//! and the output stays valid for promtool and the strict `OpenMetrics` parser.

use meterbox::{
    counted, metric, render, snapshot, Counter, Family, Format, Gauge, Histogram, RegisterError,
    RuntimeFamily,
};
use meterbox_tests::{openmetrics_parse, promtool_check};

mod a {
    /// Widgets made.
    #[meterbox::metric]
    pub static WIDGETS_TOTAL: meterbox::Counter = meterbox::Counter::new();
}

mod b {
    /// Widgets in stock.
    #[meterbox::metric(name = "widgets_total")]
    pub static WIDGETS: meterbox::Gauge = meterbox::Gauge::new();
}

/// Sprockets made.
#[metric]
static SPROCKETS_TOTAL: Counter = Counter::new();

mod c {
    /// Sprockets made, differently worded.
    #[meterbox::metric(name = "sprockets_total")]
    pub static SPROCKETS_AGAIN: meterbox::Counter = meterbox::Counter::new();
}

/// Latency.
#[metric(labels(shard = "1"))]
static LATENCY: Histogram = Histogram::new(&[0.1, 1.0]);

mod d {
    /// Latency.
    #[meterbox::metric(name = "latency", labels(shard = "1"))]
    pub static LATENCY_AGAIN: meterbox::Histogram = meterbox::Histogram::new(&[0.5]);
}

/// Jobs by queue.
#[metric(name = "jobs_total", help = "Jobs.", labels(queue = "mail"))]
static JOBS_MAIL: Counter = Counter::new();

/// Jobs by tenant: other label names in the same family.
#[metric(name = "jobs_total", help = "Jobs.")]
static JOBS_BY_TENANT: Family<Counter, 1> = Family::new(["tenant"]);

/// Request sizes.
#[metric]
static REQ: Histogram = Histogram::new(&[1.0]);

/// Items handled.
#[metric(name = "items_total")]
static ITEMS: Counter = Counter::new();

/// A gauge whose `OpenMetrics` family name is the counter's.
#[metric(name = "items")]
static ITEMS_GAUGE: Gauge = Gauge::new();

/// Label names a static cannot be checked against when they come from a constant.
const METHOD: [&str; 1] = ["method"];

/// Requests by method, with a constant label of the same name.
#[metric(labels(method = "any"))]
static BY_METHOD_TOTAL: Family<Counter, 1> = Family::new(METHOD);

mod e {
    #[meterbox::counted]
    pub fn get() {}
}

mod f {
    pub mod e {
        #[meterbox::counted]
        pub fn get() {}
    }
}

/// Identical definitions of one series are summed.
#[metric(name = "merged_total", help = "Merged.")]
static MERGED_ONE: Counter = Counter::new();
#[metric(name = "merged_total", help = "Merged.")]
static MERGED_TWO: Counter = Counter::new();

/// Sizes by route, in two families of one name with other buckets.
#[metric(name = "route_sizes", help = "Sizes.")]
static ROUTE_SIZES_A: Family<Histogram, 1> =
    Family::with_prototype(["route"], Histogram::new(&[1.0, 2.0]));
#[metric(name = "route_sizes", help = "Sizes.")]
static ROUTE_SIZES_B: Family<Histogram, 1> =
    Family::with_prototype(["route"], Histogram::new(&[10.0]));

/// Users, to reach the overflow series' own label value.
#[metric]
static USERS_TOTAL: Family<Counter, 1> = Family::new(["user"]);

/// Records once, whichever test comes first: the tests read exact values.
fn touch_everything() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(record);
}

#[counted]
fn record() {
    a::WIDGETS_TOTAL.inc_by(7);
    b::WIDGETS.set(3.0);
    SPROCKETS_TOTAL.inc();
    c::SPROCKETS_AGAIN.inc_by(2);
    LATENCY.observe(0.05);
    d::LATENCY_AGAIN.observe(0.7);
    JOBS_MAIL.inc();
    JOBS_BY_TENANT.with(["acme"]).inc_by(4);
    REQ.observe(0.5);
    ITEMS.inc_by(5);
    ITEMS_GAUGE.set(6.0);
    BY_METHOD_TOTAL.with(["GET"]).inc();
}

#[test]
fn conflicts_name_both_sites_and_where_the_other_went() {
    touch_everything();
    let conflicts = meterbox::check().expect_err("conflicts exist");
    let find = |name: &str| {
        conflicts
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("no conflict for {name}: {conflicts:?}"))
    };
    let widgets = find("widgets_total");
    assert_eq!(widgets.what, "type");
    assert!(widgets.kept.contains("conflicts.rs:"), "{widgets}");
    assert!(widgets.other.contains("conflicts.rs:"), "{widgets}");
    assert_ne!(widgets.kept, widgets.other);
    assert_eq!(widgets.exposed_as.as_deref(), Some("widgets_conflict1"));
    let message = widgets.to_string();
    assert!(message.contains(&widgets.kept) && message.contains(&widgets.other));
    assert!(message.contains("widgets_conflict1"), "{message}");

    let sprockets = find("sprockets_total");
    assert_eq!(sprockets.what, "help");
    assert_eq!(sprockets.exposed_as, None);
    let latency = find("latency");
    assert_eq!(latency.what, "buckets");
    assert_eq!(latency.exposed_as.as_deref(), Some("latency_conflict1"));
    assert_eq!(find("items").what, "name");
    assert!(
        conflicts.iter().all(|c| c.name != "jobs_total"),
        "other label names are no conflict: {conflicts:?}"
    );
    assert_eq!(conflicts.len(), 4, "{conflicts:?}");
}

#[test]
fn nothing_is_left_out() {
    touch_everything();
    let s = snapshot();
    // Both types, each under a name of its own.
    assert_eq!(s.counter("widgets_total", &[]), Some(7));
    assert_eq!(s.gauge("widgets_conflict1", &[]), Some(3.0));
    // Different help: one series, both definitions summed.
    assert_eq!(s.counter("sprockets_total", &[]), Some(3));
    // Different buckets for one series: both kept.
    let first = s.histogram("latency", &[("shard", "1")]).expect("first");
    let second = s
        .histogram("latency_conflict1", &[("shard", "1")])
        .expect("second");
    assert_eq!((first.bounds.clone(), first.count()), (vec![0.1, 1.0], 1));
    assert_eq!((second.bounds.clone(), second.count()), (vec![0.5], 1));
    // Different label names: side by side in one family.
    assert_eq!(s.counter("jobs_total", &[("queue", "mail")]), Some(1));
    assert_eq!(s.counter("jobs_total", &[("tenant", "acme")]), Some(4));
    // A family name another family takes in OpenMetrics.
    assert_eq!(s.counter("items_total", &[]), Some(5));
    assert_eq!(s.gauge("items_conflict1", &[]), Some(6.0));
}

#[test]
fn conflicts_are_a_metric_an_alert_can_catch() {
    let s = snapshot();
    for (metric, what) in [
        ("widgets_total", "type"),
        ("latency", "buckets"),
        ("sprockets_total", "help"),
    ] {
        assert_eq!(
            s.gauge(
                "meterbox_definition_conflicts",
                &[("metric", metric), ("what", what)]
            ),
            Some(1.0),
            "{metric} {what}"
        );
    }
}

#[test]
fn a_constant_label_the_family_also_has_is_exported() {
    BY_METHOD_TOTAL.with(["POST"]).inc();
    let text = render(Format::Prometheus);
    assert!(
        text.contains("by_method_total{method=\"any\",exported_method=\"POST\"} "),
        "{text}"
    );
}

#[test]
fn run_time_families_cannot_take_what_link_time_ones_use() {
    let taken = RuntimeFamily::<Gauge>::register("req_sum", "Looks like the histogram's.", &[]);
    assert!(
        matches!(taken, Err(RegisterError::Taken { .. })),
        "{taken:?}"
    );
    let taken = RuntimeFamily::<Gauge>::register("jobs", "OpenMetrics family of jobs_total.", &[]);
    assert!(
        matches!(taken, Err(RegisterError::Taken { .. })),
        "{taken:?}"
    );
}

#[test]
fn a_real_overflow_value_is_the_overflow_series() {
    USERS_TOTAL.with(["__overflow__"]).inc();
    USERS_TOTAL.with(["__overflow__"]).inc();
    let text = render(Format::Prometheus);
    assert_eq!(
        text.matches("users_total{user=\"__overflow__\"} ").count(),
        1,
        "{text}"
    );
    assert_eq!(
        snapshot().counter("users_total", &[("user", "__overflow__")]),
        Some(2)
    );
}

#[test]
fn the_output_is_valid_whatever_conflicts() {
    touch_everything();
    USERS_TOTAL.with(["__overflow__"]).inc();
    let text = render(Format::Prometheus);
    assert_eq!(text.matches("# TYPE widgets_total ").count(), 1);
    if let Some(complaints) = promtool_check(&text) {
        assert_eq!(complaints, "", "{text}");
    }
    if let Some(parsed) = openmetrics_parse(&render(Format::OpenMetrics)) {
        parsed.unwrap_or_else(|e| panic!("{e}"));
    }
}

#[test]
fn identical_series_are_summed_never_emitted_twice() {
    MERGED_ONE.inc();
    MERGED_TWO.inc_by(2);
    e::get();
    f::e::get();
    let text = render(Format::Prometheus);
    assert_eq!(text.matches("\nmerged_total ").count(), 1);
    let s = meterbox::snapshot();
    assert_eq!(s.counter("merged_total", &[]), Some(3));
}

#[test]
fn children_of_one_labels_with_other_buckets_are_both_kept() {
    ROUTE_SIZES_A.with(["/cart"]).observe(1.5);
    ROUTE_SIZES_B.with(["/cart"]).observe(5.0);
    ROUTE_SIZES_B.with(["/cart"]).observe(50.0);
    let s = snapshot();
    let series = s.series("route_sizes", &[("route", "/cart")]);
    assert_eq!(series.len(), 2, "{series:?}");
    let counts: Vec<(Option<&str>, u64)> = series
        .iter()
        .map(|s| match &s.value {
            meterbox::Value::Histogram(h) => (s.label("meterbox_layout"), h.count()),
            _ => (None, 0),
        })
        .collect();
    assert!(counts.contains(&(None, 1)), "{counts:?}");
    assert!(counts.contains(&(Some("2"), 2)), "{counts:?}");
    let text = render(Format::Prometheus);
    if let Some(complaints) = promtool_check(&text) {
        assert_eq!(complaints, "", "{text}");
    }
}
