//! A table for people: one row per series, aligned columns, histograms summarised by count,
//! mean, estimated p50/p90/p99 and the highest bucket that holds an observation.

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

/// A histogram reading as the table's statistics need it: non-cumulative counts.
fn histogram_value(bounds: &[f64], cumulative: &[Number], sum: Number) -> HistogramValue {
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
                } => {
                    let h = histogram_value(bounds, cumulative, *sum);
                    [
                        name,
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
