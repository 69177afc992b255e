//! Sample lines, which both text formats write alike: `name{labels} value`, a histogram's
//! buckets, sum and count, a summary's quantiles. What OpenMetrics forbids is left out of
//! that format here, in one place.

use std::borrow::Cow;

use super::view::{FamilyView, Number, Reading, SeriesView};
use crate::metrics::Kind;
use crate::model::label_text;
use crate::syntax::{push_f64, push_u64};

/// Writes the sample lines of one series.
pub(crate) fn write_series(
    out: &mut String,
    family: &FamilyView<'_>,
    series: &SeriesView<'_>,
    openmetrics: bool,
) {
    let built;
    let lines: &[String] = if let Some(cache) = series.lines {
        cache.get_or_init(|| prefixes(family, series))
    } else {
        built = prefixes(family, series);
        &built
    };
    let n = lines.len();
    match &series.reading {
        Reading::Counter(v) => {
            if !openmetrics || v.is_count_like() {
                line(out, &lines[0], *v);
            }
        }
        Reading::Gauge(v) => line(out, &lines[0], *v),
        Reading::Histogram {
            bounds,
            cumulative,
            sum,
        } => {
            for (prefix, count) in lines.iter().zip(cumulative) {
                line(out, prefix, *count);
            }
            let lowest = bounds.first().copied().unwrap_or(0.0);
            if !openmetrics || shows_sum(Some(lowest), *sum) {
                line(out, &lines[n - 2], *sum);
                let count = cumulative.last().copied().unwrap_or(Number::Count(0));
                line(out, &lines[n - 1], count);
            }
        }
        Reading::Summary {
            quantiles,
            count,
            sum,
        } => {
            for (prefix, (_, v)) in lines.iter().zip(quantiles) {
                if !openmetrics || v.is_count_like() || v.as_f64().is_nan() {
                    line(out, prefix, *v);
                }
            }
            if !openmetrics || shows_sum(None, *sum) {
                line(out, &lines[n - 2], *sum);
            }
            if !openmetrics || count.is_count_like() {
                line(out, &lines[n - 1], *count);
            }
        }
    }
}

/// Whether OpenMetrics may show a histogram's or summary's `_sum` (and a histogram's
/// `_count`, which goes with it): the sum is a counter there, so never NaN or negative, and a
/// histogram with a negative bucket bound has none. `lowest_bound` is `None` for a summary.
/// The Prometheus format shows them always.
fn shows_sum(lowest_bound: Option<f64>, sum: Number) -> bool {
    sum.as_f64() >= 0.0 && lowest_bound.is_none_or(|b| b >= 0.0)
}

fn line(out: &mut String, prefix: &str, value: Number) {
    out.push_str(prefix);
    match value {
        Number::Count(n) => push_u64(out, n),
        Number::Float(v) => push_f64(out, v),
        Number::Stored(v) => match value.whole() {
            Some(whole) => out.push_str(itoa::Buffer::new().format(whole)),
            None => push_f64(out, v),
        },
    }
    out.push('\n');
}

/// The line prefixes of a series, each ending in a space, ready for the value: one for a
/// counter or gauge; for a histogram one per bucket (`+Inf` last), then `_sum` and `_count`;
/// for a summary one per quantile, then `_sum` and `_count`.
fn prefixes(family: &FamilyView<'_>, series: &SeriesView<'_>) -> Box<[String]> {
    let name = family.exposed;
    let labels: Cow<'_, str> = if series.labels.is_empty() {
        Cow::Borrowed("")
    } else {
        let pairs: Vec<(&str, &str)> = series.labels.iter().collect();
        Cow::Owned(label_text(&pairs))
    };
    let extra = |key: &str, v: f64| {
        let mut text = String::from(key);
        text.push_str("=\"");
        push_f64(&mut text, v);
        text.push('"');
        text
    };
    let mut out = Vec::new();
    match (&series.reading, family.kind) {
        (Reading::Histogram { bounds, .. }, Kind::Histogram) => {
            for &b in *bounds {
                out.push(with_labels(name, "_bucket", &labels, &extra("le", b)));
            }
            out.push(with_labels(name, "_bucket", &labels, "le=\"+Inf\""));
            out.push(with_labels(name, "_sum", &labels, ""));
            out.push(with_labels(name, "_count", &labels, ""));
        }
        (Reading::Summary { quantiles, .. }, Kind::Summary) => {
            for &(q, _) in quantiles {
                out.push(with_labels(name, "", &labels, &extra("quantile", q)));
            }
            out.push(with_labels(name, "_sum", &labels, ""));
            out.push(with_labels(name, "_count", &labels, ""));
        }
        _ => out.push(with_labels(name, "", &labels, "")),
    }
    out.into_boxed_slice()
}

/// `name` and `suffix`, then `{labels,extra}` when there are any, then a space.
fn with_labels(name: &str, suffix: &str, labels: &str, extra: &str) -> String {
    let mut s = String::with_capacity(name.len() + suffix.len() + labels.len() + extra.len() + 4);
    s.push_str(name);
    s.push_str(suffix);
    if !labels.is_empty() || !extra.is_empty() {
        s.push('{');
        s.push_str(labels);
        if !labels.is_empty() && !extra.is_empty() {
            s.push(',');
        }
        s.push_str(extra);
        s.push('}');
    }
    s.push(' ');
    s
}
