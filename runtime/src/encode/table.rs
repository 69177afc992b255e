//! A table for people: one row per series, aligned columns, histograms summarised by count,
//! mean, p50/p90/p99 and the highest bucket that holds an observation. Figures claim no
//! precision they lack: a histogram's quantile is shown as the bucket that holds it
//! (`≤ 100µs`), and other numbers with four significant digits.

use std::fmt::Write as _;

use super::view::{Exposition, FamilyView, Number, Reading, SeriesView, Visit};
use crate::snapshot::HistogramValue;

const HEADER: [&str; 8] = [
    "metric",
    "labels",
    "count/value",
    "mean",
    "p50",
    "p90",
    "p99",
    "max bucket",
];

fn num(v: f64) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    let a = v.abs();
    if a != 0.0 && !(1e-3..1e9).contains(&a) {
        format!("{v:.3e}")
    } else if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        // Four significant digits: the decimals that leaves after the integer part.
        // `a` is within [1e-3, 1e9), so the logarithm is a small integer.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let decimals = (3 - a.log10().floor() as i32).max(0) as usize;
        let s = format!("{v:.decimals$}");
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_owned()
        } else {
            s
        }
    }
}

/// Seconds in the unit that keeps the figure readable: `850ns`, `12.5µs`, `3.2ms`, `1.5s`.
fn seconds(v: f64) -> String {
    let a = v.abs();
    let (scaled, unit) = if a == 0.0 || !a.is_finite() {
        return num(v);
    } else if a < 1e-6 {
        (v * 1e9, "ns")
    } else if a < 1e-3 {
        (v * 1e6, "µs")
    } else if a < 1.0 {
        (v * 1e3, "ms")
    } else {
        (v, "s")
    };
    let s = format!("{scaled:.1}");
    format!("{}{unit}", s.strip_suffix(".0").unwrap_or(&s))
}

/// A histogram reading as the table's statistics need it: non-cumulative counts.
fn histogram_value(
    bounds: &[f64],
    cumulative: &[Number],
    sum: Number,
    native: bool,
) -> HistogramValue {
    let mut below = 0u64;
    let buckets = cumulative
        .iter()
        .map(|n| {
            // Stored counts are whole in practice; a person's table rounds them.
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let total = n.as_f64().max(0.0).round() as u64;
            let here = total.saturating_sub(below);
            below = below.max(total);
            here
        })
        .collect();
    HistogramValue {
        bounds: bounds.to_vec(),
        buckets,
        sum: sum.as_f64(),
        native,
    }
}

/// A number as the table shows it: counts as integers, the rest through `fmt`.
fn shown(n: Number, fmt: fn(f64) -> String) -> String {
    match (n, n.whole()) {
        (Number::Count(c), _) => c.to_string(),
        (_, Some(whole)) => whole.to_string(),
        (n, None) => fmt(n.as_f64()),
    }
}

/// The rows of the table, header first.
struct Rows(Vec<[String; 8]>);

impl Visit for Rows {
    fn family(&mut self, _family: &FamilyView<'_>) {}

    fn series(&mut self, family: &FamilyView<'_>, s: &SeriesView<'_>) {
        let fmt: fn(f64) -> String = if family.unit == "seconds" {
            seconds
        } else {
            num
        };
        let opt = |v: Option<f64>| v.map_or_else(|| "-".to_owned(), fmt);
        {
            let labels = s
                .labels
                .iter()
                .map(|(k, v)| format!("{k}={}", v.escape_debug()))
                .collect::<Vec<_>>()
                .join(" ");
            let dash = || "-".to_owned();
            let name = family.name.to_owned();
            let row = match s.reading {
                Reading::Counter(v) => [
                    name,
                    labels,
                    shown(*v, num),
                    dash(),
                    dash(),
                    dash(),
                    dash(),
                    dash(),
                ],
                Reading::Gauge(v) => [
                    name,
                    labels,
                    fmt(v.as_f64()),
                    dash(),
                    dash(),
                    dash(),
                    dash(),
                    dash(),
                ],
                // The quantiles the summary exports; those it does not are left blank.
                Reading::Summary {
                    quantiles,
                    count,
                    sum,
                } => {
                    let at = |q: f64| {
                        quantiles
                            .iter()
                            .find(|(k, _)| (*k - q).abs() < 1e-12)
                            .map(|(_, v)| v.as_f64())
                            .filter(|v| !v.is_nan())
                    };
                    let total = count.as_f64();
                    let mean = (total > 0.0).then(|| sum.as_f64() / total);
                    [
                        name,
                        labels,
                        shown(*count, num),
                        opt(mean),
                        opt(at(0.5)),
                        opt(at(0.9)),
                        opt(at(0.99)),
                        dash(),
                    ]
                }
                Reading::Histogram {
                    bounds,
                    cumulative,
                    sum,
                    native,
                } => {
                    let h = histogram_value(bounds, cumulative, *sum, *native);
                    let bucket = |b: f64| {
                        if b.is_infinite() {
                            format!("> {}", h.bounds.last().map_or_else(dash, |l| fmt(*l)))
                        } else {
                            format!("≤ {}", fmt(b))
                        }
                    };
                    let at = |q: f64| h.quantile_bound(q).map_or_else(dash, bucket);
                    [
                        name,
                        labels,
                        h.count().to_string(),
                        opt(h.mean()),
                        at(0.5),
                        at(0.9),
                        at(0.99),
                        h.max_bucket().map_or_else(dash, bucket),
                    ]
                }
            };
            self.0.push(row);
        }
    }
}

/// Appends the table; label values are shown with control characters escaped, so each
/// series stays on one line.
pub(crate) fn encode<E: Exposition + ?Sized>(exposition: &E, out: &mut String) {
    let mut rows = Rows(vec![HEADER.map(str::to_owned)]);
    exposition.expose(&mut rows);
    let rows = rows.0;
    let mut widths = [0usize; 8];
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    for row in &rows {
        let mut line = String::new();
        for (i, (cell, w)) in row.iter().zip(widths).enumerate() {
            // Names and labels read left to right; numbers line up on the right.
            if i < 2 {
                let _ = write!(line, "{cell:<w$}  ");
            } else {
                let _ = write!(line, "{cell:>w$}  ");
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::{num, seconds};
    use crate::snapshot::{FamilySnapshot, HistogramValue, Series, Snapshot, Value};
    use crate::{Format, Kind};

    #[test]
    fn a_quantile_is_shown_as_its_bucket() {
        // Ten calls of about 1.7µs and one of 3s: interpolating would claim a p50 of 1.3µs.
        let calls = HistogramValue {
            bounds: vec![0.000_002_5, 0.000_1, 1.0],
            buckets: vec![10, 0, 0, 1],
            sum: 3.000_017,
            native: false,
        };
        let snapshot = Snapshot {
            time: std::time::SystemTime::now(),
            tags: Vec::new(),
            families: vec![FamilySnapshot {
                name: "work_seconds",
                help: "Work.",
                unit: "seconds",
                kind: Kind::Histogram,
                series: vec![Series {
                    labels: vec![],
                    value: Value::Histogram(calls),
                    exemplars: vec![],
                }],
            }],
        };
        let table = snapshot.render(Format::Table);
        let row = table.lines().nth(1).unwrap();
        let shown: Vec<&str> = row
            .split("  ")
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .collect();
        assert_eq!(
            shown,
            [
                "work_seconds",
                "11",
                "272.7ms",
                "≤ 2.5µs",
                "≤ 2.5µs",
                "> 1s",
                "> 1s"
            ],
            "{table}"
        );
    }

    #[test]
    fn numbers_are_short() {
        assert_eq!(num(3.0), "3");
        assert_eq!(num(0.25), "0.25");
        assert_eq!(num(523.636_364), "523.6");
        assert_eq!(num(1.5), "1.5");
        assert_eq!(num(0.001_234_56), "0.001235");
        assert_eq!(num(12_345.678), "12346");
        assert_eq!(num(0.000_002_5), "2.500e-6");
        assert_eq!(num(f64::INFINITY), "+Inf");
        assert_eq!(seconds(0.000_000_85), "850ns");
        assert_eq!(seconds(0.000_012_5), "12.5µs");
        assert_eq!(seconds(0.25), "250ms");
        assert_eq!(seconds(1.5), "1.5s");
    }
}
