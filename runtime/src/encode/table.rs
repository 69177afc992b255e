//! A table for people: one row per series, aligned columns, histograms summarised by count,
//! mean, estimated p50/p90/p99 and the highest bucket that holds an observation.

use std::fmt::Write as _;

use crate::snapshot::{Snapshot, Value};

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
        let s = format!("{v:.6}");
        s.trim_end_matches('0').to_owned()
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

/// The rows of the table, header first.
fn rows(snapshot: &Snapshot) -> Vec<[String; 8]> {
    let mut rows = vec![HEADER.map(str::to_owned)];
    for family in &snapshot.families {
        let fmt: fn(f64) -> String = if family.unit == "seconds" {
            seconds
        } else {
            num
        };
        let opt = |v: Option<f64>| v.map_or_else(|| "-".to_owned(), fmt);
        for s in &family.series {
            let labels = s
                .labels
                .iter()
                .map(|(k, v)| format!("{k}={}", v.escape_debug()))
                .collect::<Vec<_>>()
                .join(" ");
            let dash = || "-".to_owned();
            let row = match &s.value {
                Value::Counter(v) => [
                    family.name.to_owned(),
                    labels,
                    v.to_string(),
                    dash(),
                    dash(),
                    dash(),
                    dash(),
                    dash(),
                ],
                Value::Gauge(v) => [
                    family.name.to_owned(),
                    labels,
                    fmt(*v),
                    dash(),
                    dash(),
                    dash(),
                    dash(),
                    dash(),
                ],
                // The quantiles the summary exports; those it does not are left blank.
                Value::Summary(v) => [
                    family.name.to_owned(),
                    labels,
                    v.count.to_string(),
                    opt(v.mean()),
                    opt(v.quantile(0.5).filter(|q| !q.is_nan())),
                    opt(v.quantile(0.9).filter(|q| !q.is_nan())),
                    opt(v.quantile(0.99).filter(|q| !q.is_nan())),
                    dash(),
                ],
                Value::Histogram(h) => [
                    family.name.to_owned(),
                    labels,
                    h.count().to_string(),
                    opt(h.mean()),
                    opt(h.quantile(0.5)),
                    opt(h.quantile(0.9)),
                    opt(h.quantile(0.99)),
                    h.max_bucket().map_or_else(dash, |b| {
                        if b.is_infinite() {
                            format!("> {}", h.bounds.last().map_or_else(dash, |l| fmt(*l)))
                        } else {
                            format!("<= {}", fmt(b))
                        }
                    }),
                ],
            };
            rows.push(row);
        }
    }
    rows
}

/// Appends the table; label values are shown with control characters escaped, so each
/// series stays on one line.
pub(crate) fn encode(snapshot: &Snapshot, out: &mut String) {
    let rows = rows(snapshot);
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

    #[test]
    fn numbers_are_short() {
        assert_eq!(num(3.0), "3");
        assert_eq!(num(0.25), "0.25");
        assert_eq!(num(0.000_002_5), "2.500e-6");
        assert_eq!(num(f64::INFINITY), "+Inf");
        assert_eq!(seconds(0.000_000_85), "850ns");
        assert_eq!(seconds(0.000_012_5), "12.5µs");
        assert_eq!(seconds(0.25), "250ms");
        assert_eq!(seconds(1.5), "1.5s");
    }
}
