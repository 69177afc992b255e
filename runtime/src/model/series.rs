//! One series of the layout: its labels, the metrics summed into it, and the start of each
//! of its sample lines, written once.

use crate::label_clash;
use crate::metrics::MetricRef;
use crate::registry::Descriptor;
use crate::sanitize::exposition_key;
use crate::syntax::{escape_label_value, sample_prefixes, Shape};

#[derive(Clone)]
pub(crate) struct SeriesLayout {
    pub labels: Vec<(&'static str, &'static str)>,
    /// The cells summed into this series (more than one when definitions coincide).
    pub cells: Vec<MetricRef>,
    /// The text formats' sample line prefixes, rendered once as the labels never change
    /// (see `syntax::sample_prefixes`): what is left to a render is the numbers.
    pub lines: Box<[String]>,
}

/// Bucket bounds or quantiles of a cell: what series summed into one must share.
pub(super) fn cell_shape(cell: MetricRef) -> Option<&'static [f64]> {
    match cell {
        MetricRef::Histogram(h) => Some(h.bounds()),
        MetricRef::Summary(s) => Some(s.quantiles()),
        _ => None,
    }
}

/// The constant labels of `d`, then its storage's labels with the values in `extra`; a
/// storage label that a constant label also names is exposed as `exported_<name>`.
pub(super) fn all_labels(
    d: &'static Descriptor,
    extra: &[&'static str],
) -> Vec<(&'static str, &'static str)> {
    let mut labels: Vec<(&'static str, &'static str)> = d
        .labels
        .iter()
        .copied()
        .chain(
            d.source
                .extra_label_names()
                .iter()
                .copied()
                .zip(extra.iter().copied()),
        )
        .collect();
    let constant = d.labels.len();
    label_clash::resolve(&mut labels, |i| u8::from(i < constant));
    labels
}

/// `k1="v1",k2="v2"`, escaped, without braces.
pub(crate) fn label_text(labels: &[(&str, &str)]) -> String {
    let mut text = String::new();
    for (i, (k, v)) in labels.iter().enumerate() {
        if i > 0 {
            text.push(',');
        }
        text.push_str(&exposition_key(k));
        text.push_str("=\"");
        escape_label_value(&mut text, v);
        text.push('"');
    }
    text
}

impl SeriesLayout {
    /// A series with no metric yet, its lines written for `exposed` and the shape of
    /// `first`, its first metric.
    pub(super) fn new(
        exposed: &str,
        text: &str,
        labels: Vec<(&'static str, &'static str)>,
        first: MetricRef,
    ) -> Self {
        let shape = match first {
            MetricRef::Histogram(h) => Shape::Buckets(h.bounds()),
            MetricRef::Summary(s) => Shape::Quantiles(s.quantiles()),
            _ => Shape::Single,
        };
        Self {
            lines: sample_prefixes(exposed, text, shape),
            labels,
            cells: Vec::new(),
        }
    }

    /// The finite bucket bounds of a histogram series; empty for other kinds.
    pub fn bounds(&self) -> &'static [f64] {
        match self.cells.first() {
            Some(MetricRef::Histogram(h)) => h.bounds(),
            _ => &[],
        }
    }
}
