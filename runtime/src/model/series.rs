//! One series of the layout: its labels, the metrics summed into it, and the start of each
//! of its sample lines, written once.

use std::collections::{BTreeMap, HashMap};

use crate::label_clash;
use crate::metrics::MetricRef;
use crate::registry::Descriptor;
use crate::sanitize::exposition_key;
use crate::syntax::{escape_label_value, sample_prefixes, Lines, Shape};

#[derive(Clone)]
pub(crate) struct SeriesLayout {
    pub labels: Box<[(&'static str, &'static str)]>,
    /// The cells summed into this series (more than one when definitions coincide).
    pub cells: Cells,
    /// The text formats' sample line prefixes, rendered once as the labels never change
    /// (see `syntax::sample_prefixes`): what is left to a render is the numbers.
    pub lines: Lines,
}

/// The metrics summed into a series. Almost always one, which is kept in the series itself:
/// a render reads every series in turn, and a list of its own would cost each read a load
/// from another place in memory first (a third of a render of 10,000 series was that load).
#[derive(Clone, Default)]
pub(crate) struct Cells {
    first: Option<MetricRef>,
    /// Boxed, not a vector: a render streams through every series, so each byte of one
    /// counts ten thousand times.
    rest: Box<[MetricRef]>,
}

impl Cells {
    pub fn push(&mut self, cell: MetricRef) {
        if self.first.is_none() {
            self.first = Some(cell);
        } else {
            // Rare (definitions that coincide), and only while laying out.
            let mut rest = std::mem::take(&mut self.rest).into_vec();
            rest.push(cell);
            self.rest = rest.into_boxed_slice();
        }
    }

    pub fn first(&self) -> Option<&MetricRef> {
        self.first.as_ref()
    }

    pub fn iter(&self) -> impl Iterator<Item = &MetricRef> {
        self.into_iter()
    }

    /// Each cell, the first one without a look at the rest first: a render's reads go
    /// through here, and a chained iterator's state is in their way.
    #[inline(always)]
    pub fn each(&self, mut f: impl FnMut(&MetricRef)) {
        if let Some(first) = &self.first {
            f(first);
            for cell in &self.rest {
                f(cell);
            }
        }
    }
}

impl<'a> IntoIterator for &'a Cells {
    type Item = &'a MetricRef;
    type IntoIter =
        std::iter::Chain<std::option::Iter<'a, MetricRef>, std::slice::Iter<'a, MetricRef>>;

    fn into_iter(self) -> Self::IntoIter {
        self.first.iter().chain(&self.rest)
    }
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

/// What a Prometheus reads as a series' identity: the labels that have a value, in name
/// order. `x{a=""}` and `x` are one series to it, as are `x{a="1",b="2"}` and
/// `x{b="2",a="1"}`; written as two, a scrape would carry a duplicate sample and a remote
/// write push would be refused.
fn identity(labels: &[(&str, &str)]) -> String {
    let mut present: Vec<(&str, &str)> = labels
        .iter()
        .copied()
        .filter(|(_, v)| !v.is_empty())
        .collect();
    present.sort_unstable_by(|a, b| exposition_key(a.0).cmp(&exposition_key(b.0)));
    label_text(&present)
}

/// A family's series in the order of their label text; definitions whose labels a
/// Prometheus reads as one series share one, summed.
#[derive(Default)]
pub(super) struct SeriesMap {
    by_text: BTreeMap<String, SeriesLayout>,
    /// The label text each identity is kept under.
    text_of: HashMap<String, String>,
}

impl SeriesMap {
    /// The series that `labels` are, if there is one.
    pub fn get(&self, labels: &[(&str, &str)]) -> Option<&SeriesLayout> {
        self.by_text.get(self.text_of.get(&identity(labels))?)
    }

    /// The series that `labels` are, made for a first metric `first` when there is none.
    pub fn series(
        &mut self,
        exposed: &str,
        labels: Vec<(&'static str, &'static str)>,
        first: MetricRef,
    ) -> &mut SeriesLayout {
        let text = self
            .text_of
            .entry(identity(&labels))
            .or_insert_with(|| label_text(&labels));
        self.by_text
            .entry(text.clone())
            .or_insert_with_key(|text| SeriesLayout::new(exposed, text, labels, first))
    }

    pub fn into_values(self) -> Vec<SeriesLayout> {
        let mut series: Vec<SeriesLayout> = self.by_text.into_values().collect();
        Lines::pack(series.iter_mut().map(|s| &mut s.lines));
        series
    }
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
            // The text formats list no bucket of a native histogram but `+Inf`.
            MetricRef::Histogram(h) if h.is_native() => Shape::Buckets(&[]),
            MetricRef::Histogram(h) => Shape::Buckets(h.bounds()),
            MetricRef::Summary(s) => Shape::Quantiles(s.quantiles()),
            _ => Shape::Single,
        };
        Self {
            lines: sample_prefixes(exposed, text, shape),
            labels: labels.into_boxed_slice(),
            cells: Cells::default(),
        }
    }

    /// Whether this is a native histogram series, whose buckets the text formats do not list.
    pub fn native(&self) -> bool {
        matches!(self.cells.first(), Some(MetricRef::Histogram(h)) if h.is_native())
    }

    /// The finite bucket bounds of a histogram series; empty for other kinds.
    pub fn bounds(&self) -> &'static [f64] {
        match self.cells.first() {
            Some(MetricRef::Histogram(h)) => h.bounds(),
            _ => &[],
        }
    }
}
