//! Two definitions of one name that disagree are reported with both sites, and exposition
//! keeps one of them instead of emitting an invalid family.

use meterbox::{counted, metric, render, Counter, Format, Histogram};

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

#[counted]
#[allow(clippy::cast_precision_loss)]
fn unused_gauge_user() -> f64 {
    b::WIDGETS.get() + c::SPROCKETS_AGAIN.get() as f64 + d::LATENCY_AGAIN.count() as f64
}

#[test]
fn conflicts_name_both_sites() {
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
    assert!(widgets.dropped.contains("conflicts.rs:"), "{widgets}");
    assert_ne!(widgets.kept, widgets.dropped);
    assert_eq!(find("sprockets_total").what, "help");
    assert_eq!(find("latency").what, "buckets");
    let message = widgets.to_string();
    assert!(message.contains(&widgets.kept) && message.contains(&widgets.dropped));
    assert_eq!(conflicts.len(), 3, "{conflicts:?}");
}

#[test]
fn exposition_keeps_one_definition_per_name() {
    let _ = unused_gauge_user();
    let text = render(Format::Prometheus);
    assert_eq!(text.matches("# TYPE widgets_total ").count(), 1);
    assert_eq!(text.matches("# TYPE sprockets_total ").count(), 1);
    assert_eq!(
        text.matches("latency_bucket{shard=\"1\",le=\"+Inf\"}")
            .count(),
        1
    );
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
    let _ = (
        SPROCKETS_TOTAL.get(),
        LATENCY.count(),
        a::WIDGETS_TOTAL.get(),
    );
}
