//! `LogSurfacer` writes one line per series through the `log` facade, which a logger
//! installed here captures.

use std::sync::Mutex;

use meterbox::{metric, snapshot, Counter, Family, Histogram, LogSurfacer, Surfacer};

static LINES: Mutex<Vec<(log::Level, String, String)>> = Mutex::new(Vec::new());

struct Capture;

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &log::Record<'_>) {
        LINES.lock().unwrap().push((
            record.level(),
            record.target().to_owned(),
            record.args().to_string(),
        ));
    }
    fn flush(&self) {}
}

static CAPTURE: Capture = Capture;

/// Parcels shipped, by carrier.
#[metric]
static PARCELS_TOTAL: Family<Counter, 1> = Family::new(["carrier"]);

/// Parcel weights.
#[metric(unit = "grams")]
static PARCEL_GRAMS: Histogram = Histogram::new(&[100.0, 1000.0]);

#[test]
fn one_line_per_series_at_the_chosen_level() {
    log::set_logger(&CAPTURE).unwrap();
    log::set_max_level(log::LevelFilter::Trace);
    PARCELS_TOTAL.with(["post \"x\""]).inc_by(4);
    PARCEL_GRAMS.observe(250.0);
    let s = snapshot();
    let series: usize = s.families.iter().map(|f| f.series.len()).sum();
    LogSurfacer::new()
        .level(log::Level::Debug)
        .surface(&s)
        .unwrap();
    let lines = LINES.lock().unwrap();
    assert_eq!(lines.len(), series);
    assert!(lines
        .iter()
        .all(|(level, target, _)| *level == log::Level::Debug && target == "meterbox"));
    let text: Vec<&str> = lines.iter().map(|(_, _, l)| l.as_str()).collect();
    assert!(
        text.contains(&r#"parcels_total{carrier="post \"x\""} 4"#),
        "{text:#?}"
    );
    let weights = text
        .iter()
        .find(|l| l.starts_with("parcel_grams "))
        .unwrap();
    assert!(
        weights.starts_with("parcel_grams count=1 sum=250 p50<=1000 p90<=1000 p99<=1000"),
        "{weights}"
    );
}
