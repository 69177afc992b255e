//! Sample lines, which both text formats write alike: `name{labels} value`, a histogram's
//! buckets, sum and count, a summary's quantiles. What OpenMetrics forbids is left out of
//! that format here, in one place.

use std::borrow::Cow;

use super::view::{FamilyView, Number, Reading, SeriesView};
use crate::metrics::KeptExemplar;
use crate::metrics::Kind;
use crate::model::label_text;
use crate::syntax::{escape_label_value, push_f64, push_u64, sample_prefixes, Lines, Shape};

/// Writes the sample lines of one series. Inlined into each format's loop: a counter or
/// gauge is most series, and its line is a copy and a number.
///
/// OpenMetrics shows the series' kept exemplars; the Prometheus format has no place for them.
#[inline(always)]
pub(crate) fn write_series(
    out: &mut String,
    family: &FamilyView<'_>,
    series: &SeriesView<'_>,
    openmetrics: bool,
) {
    let exemplars = if openmetrics { series.exemplars } else { None };
    let built;
    let lines: &Lines = if let Some(kept) = series.lines {
        kept
    } else {
        built = prefixes(family, series);
        &built
    };
    match series.reading {
        Reading::Counter(v) => {
            if !openmetrics || v.is_count_like() {
                line(out, lines.get(0), v);
                with_exemplar(out, exemplars, 0);
            }
        }
        Reading::Gauge(v) => line(out, lines.get(0), v),
        distribution => write_distribution(out, lines, distribution, openmetrics, exemplars),
    }
}

/// Puts the exemplar kept in `slot`, if any, at the end of the line just written:
/// ` # {labels} value timestamp`.
#[inline]
fn with_exemplar(out: &mut String, exemplars: Option<&[Option<KeptExemplar>]>, slot: usize) {
    if let Some(Some(kept)) = exemplars.and_then(|e| e.get(slot)) {
        write_exemplar(out, kept);
    }
}

#[cold]
fn write_exemplar(out: &mut String, kept: &KeptExemplar) {
    out.pop();
    out.push_str(" # {");
    for (i, (name, value)) in kept.exemplar.labels().iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(name);
        out.push_str("=\"");
        escape_label_value(out, value);
        out.push('"');
    }
    out.push_str("} ");
    push_f64(out, kept.value);
    out.push(' ');
    push_f64(out, kept.timestamp);
    out.push('\n');
}

/// The lines of a histogram or summary series.
#[inline(never)]
fn write_distribution(
    out: &mut String,
    lines: &Lines,
    reading: &Reading<'_>,
    openmetrics: bool,
    exemplars: Option<&[Option<KeptExemplar>]>,
) {
    let n = lines.len();
    match reading {
        Reading::Counter(_) | Reading::Gauge(_) => {}
        Reading::Histogram {
            bounds,
            cumulative,
            sum,
            native,
        } => {
            // A native histogram's lines start at `+Inf`: its buckets are not listed.
            let skip = if *native { bounds.len() } else { 0 };
            for (slot, (prefix, count)) in
                lines.iter().zip(cumulative.iter().skip(skip)).enumerate()
            {
                line(out, prefix, count);
                with_exemplar(out, exemplars, slot + skip);
            }
            let lowest = bounds.first().copied().unwrap_or(0.0);
            if !openmetrics || shows_sum(Some(lowest), *sum) {
                line(out, lines.get(n - 2), sum);
                let count = cumulative.last().copied().unwrap_or(Number::Count(0));
                line(out, lines.get(n - 1), &count);
            }
        }
        Reading::Summary {
            quantiles,
            count,
            sum,
        } => {
            for (prefix, (_, v)) in lines.iter().zip(quantiles) {
                if !openmetrics || v.is_count_like() || v.as_f64().is_nan() {
                    line(out, prefix, v);
                }
            }
            if !openmetrics || shows_sum(None, *sum) {
                line(out, lines.get(n - 2), sum);
            }
            if !openmetrics || count.is_count_like() {
                line(out, lines.get(n - 1), count);
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

/// By reference: a number copied whole right after its parts were written would wait for
/// the two stores to land (a store-forwarding stall, a fifth of a render's time).
#[inline(always)]
fn line(out: &mut String, prefix: &str, value: &Number) {
    out.push_str(prefix);
    match *value {
        Number::Count(n) => push_u64(out, n),
        Number::Float(v) => push_f64(out, v),
        Number::Stored(v) => match value.whole() {
            Some(whole) => out.push_str(itoa::Buffer::new().format(whole)),
            None => push_f64(out, v),
        },
    }
    out.push('\n');
}

/// The line prefixes of a series whose source keeps none.
fn prefixes(family: &FamilyView<'_>, series: &SeriesView<'_>) -> Lines {
    let labels: Cow<'_, str> = if series.labels.is_empty() {
        Cow::Borrowed("")
    } else {
        let pairs: Vec<(&str, &str)> = series.labels.iter().collect();
        Cow::Owned(label_text(&pairs))
    };
    let quantiles: Vec<f64>;
    let shape = match (series.reading, family.kind) {
        (Reading::Histogram { native: true, .. }, Kind::Histogram) => Shape::Buckets(&[]),
        (Reading::Histogram { bounds, .. }, Kind::Histogram) => Shape::Buckets(bounds),
        (Reading::Summary { quantiles: q, .. }, Kind::Summary) => {
            quantiles = q.iter().map(|(q, _)| *q).collect();
            Shape::Quantiles(&quantiles)
        }
        _ => Shape::Single,
    };
    sample_prefixes(family.exposed, &labels, shape)
}
