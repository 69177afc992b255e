//! What every encoder reads: families with their metadata, and series with labels and a
//! value. The registry's layout, a [`Snapshot`] and a Redis namespace each show themselves
//! this way, so each format has one writer whatever the data comes from.

use crate::metrics::{exemplars_of, kept_exemplars, KeptExemplar, Kind, Table, Total};
use crate::model::{values, FamilyLayout, Layout, SeriesLayout};
use crate::snapshot::{Snapshot, Value};
use crate::syntax::Lines;

/// A family's metadata.
pub(crate) struct FamilyView<'a> {
    /// The name as defined, which JSON and the table show.
    pub name: &'a str,
    /// The name in the text formats (the Prometheus form of a permissive name); counters
    /// end in `_total`.
    pub exposed: &'a str,
    pub help: &'a str,
    pub unit: &'a str,
    pub kind: Kind,
}

/// A sample's number as its source holds it.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Number {
    /// A count, always an integer.
    Count(u64),
    /// A measured value.
    Float(f64),
    /// A value read from a shared store, where counts are kept as floats: whole numbers
    /// are written as integers.
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    Stored(f64),
}

impl Number {
    /// The number as a float.
    #[allow(clippy::cast_precision_loss)]
    pub fn as_f64(self) -> f64 {
        match self {
            Number::Count(n) => n as f64,
            Number::Float(v) | Number::Stored(v) => v,
        }
    }

    /// The number as a count: a whole number at least 0. Counts read from a shared store
    /// are floats, whole in practice; they are rounded.
    #[cfg_attr(
        not(any(feature = "protobuf", feature = "otlp", feature = "remote-write")),
        allow(dead_code)
    )]
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    pub fn count(self) -> u64 {
        match self {
            Number::Count(n) => n,
            Number::Float(v) | Number::Stored(v) => v.max(0.0).round() as u64,
        }
    }

    /// Whether a counter-like sample may show it in OpenMetrics: never negative or NaN.
    pub fn is_count_like(self) -> bool {
        match self {
            Number::Count(_) => true,
            Number::Float(v) | Number::Stored(v) => v >= 0.0,
        }
    }

    /// The whole value of a stored number that has one exactly, for writing as an integer.
    pub fn whole(self) -> Option<i64> {
        // Every integer up to 2^53 is exact in an f64; NaN and the infinities fail `fract`.
        const EXACT: f64 = 9_007_199_254_740_992.0;
        match self {
            // Whole and within ±2^53: the cast is exact.
            #[allow(clippy::cast_possible_truncation)]
            Number::Stored(v) if v.fract() == 0.0 && v.abs() <= EXACT => Some(v as i64),
            _ => None,
        }
    }
}

/// A series' value as the encoders write it.
pub(crate) enum Reading<'a> {
    Counter(Number),
    Gauge(Number),
    Histogram {
        /// Finite upper bounds.
        bounds: &'a [f64],
        /// Cumulative counts, one per bound and the `+Inf` bucket last: the total count.
        cumulative: Vec<Number>,
        sum: Number,
        /// A native histogram, whose buckets the text formats do not list.
        native: bool,
    },
    Summary {
        /// `(quantile, value)` pairs; the value is NaN over an empty window.
        quantiles: Vec<(f64, Number)>,
        count: Number,
        sum: Number,
    },
}

impl Reading<'_> {
    /// A snapshot's value.
    pub fn of(value: &Value) -> Reading<'_> {
        match value {
            Value::Counter(n) => Reading::Counter(Number::Count(*n)),
            Value::Total(v) => Reading::Counter(Number::Float(*v)),
            Value::Gauge(v) => Reading::Gauge(Number::Float(*v)),
            Value::Histogram(h) => Reading::Histogram {
                bounds: &h.bounds,
                cumulative: cumulative(&h.buckets),
                sum: Number::Float(h.sum),
                native: h.native,
            },
            Value::Summary(s) => Reading::Summary {
                quantiles: s
                    .quantiles
                    .iter()
                    .map(|&(q, v)| (q, Number::Float(v)))
                    .collect(),
                count: Number::Count(s.count),
                sum: Number::Float(s.sum),
            },
        }
    }
}

/// A histogram's count in each bucket, from its cumulative counts; the total is the sum.
#[cfg_attr(
    not(any(feature = "protobuf", feature = "otlp", feature = "remote-write")),
    allow(dead_code)
)]
pub(crate) fn per_bucket(cumulative: &[Number]) -> Vec<u64> {
    let mut below = 0;
    cumulative
        .iter()
        .map(|&c| {
            let c = c.count();
            let here = c.saturating_sub(below);
            below = c;
            here
        })
        .collect()
}

fn cumulative(buckets: &[u64]) -> Vec<Number> {
    let mut total = 0u64;
    buckets
        .iter()
        .map(|n| {
            total += n;
            Number::Count(total)
        })
        .collect()
}

/// A series' labels, names as defined.
#[derive(Clone, Copy)]
pub(crate) enum Labels<'a> {
    Static(&'a [(&'static str, &'static str)]),
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    Owned(&'a [(String, String)]),
}

impl<'a> Labels<'a> {
    pub fn iter(self) -> impl Iterator<Item = (&'a str, &'a str)> {
        let (fixed, owned) = match self {
            Labels::Static(l) => (l, &[][..]),
            Labels::Owned(l) => (&[][..], l),
        };
        fixed
            .iter()
            .map(|&(k, v)| (k, v))
            .chain(owned.iter().map(|(k, v)| (k.as_str(), v.as_str())))
    }

    /// The labels as Prometheus reads them, for the binary formats: names in their exposed
    /// form, and a label with no value left out, as it is no label there.
    #[cfg_attr(
        not(any(feature = "protobuf", feature = "remote-write")),
        allow(dead_code)
    )]
    pub fn present(self) -> impl Iterator<Item = (String, String)> + 'a {
        self.iter()
            .filter(|(_, value)| !value.is_empty())
            .map(|(name, value)| {
                (
                    crate::sanitize::exposition_key(name).into_owned(),
                    value.to_owned(),
                )
            })
    }

    pub fn is_empty(self) -> bool {
        match self {
            Labels::Static(l) => l.is_empty(),
            Labels::Owned(l) => l.is_empty(),
        }
    }
}

/// One series.
pub(crate) struct SeriesView<'a> {
    pub labels: Labels<'a>,
    /// Borrowed, not moved in: a value built just before would otherwise be copied again.
    pub reading: &'a Reading<'a>,
    /// Where the text formats' line prefixes of this series are kept, when its source
    /// keeps them.
    pub lines: Option<&'a Lines>,
    /// The exemplars kept for it, one slot per bucket of a histogram, one for a counter:
    /// shown to the encoders that ask for them.
    pub exemplars: Option<&'a [Option<KeptExemplar>]>,
}

/// What an encoder does with what it is shown: each family in order, then each of its
/// series, then the family's end. Encoders implement it; being generic, the calls inline into
/// the loop over the series.
pub(crate) trait Visit {
    /// Whether this encoder writes exemplars, which the registry then reads for it.
    const EXEMPLARS: bool = false;
    fn family(&mut self, family: &FamilyView<'_>);
    fn series(&mut self, family: &FamilyView<'_>, series: &SeriesView<'_>);
    fn end_family(&mut self, _family: &FamilyView<'_>) {}
}

/// Data the encoders can write.
pub(crate) trait Exposition {
    /// Shows every family and series to `visit`, in the order they are written.
    fn expose<V: Visit>(&self, visit: &mut V);
}

impl Exposition for Layout {
    fn expose<V: Visit>(&self, visit: &mut V) {
        let exemplars = if V::EXEMPLARS { kept_exemplars() } else { None };
        for family in &self.families {
            let view = FamilyView {
                name: family.name,
                exposed: &family.exposed,
                help: family.help,
                unit: family.unit,
                kind: family.kind,
            };
            visit.family(&view);
            layout_series(family, &view, exemplars.as_ref(), visit);
            visit.end_family(&view);
        }
    }
}

/// Every series of a laid-out family, each read as it is visited.
fn layout_series<V: Visit>(
    family: &FamilyLayout,
    view: &FamilyView<'_>,
    exemplars: Option<&Table>,
    visit: &mut V,
) {
    let current = family.current_series();
    for series in family.series.iter().chain(current.iter()) {
        let reading = read(family.kind, series);
        let series = SeriesView {
            labels: Labels::Static(&series.labels),
            reading: &reading,
            lines: Some(&series.lines),
            exemplars: exemplars.and_then(|table| exemplars_of(table, *series.cells.first()?)),
        };
        visit.series(view, &series);
    }
}

/// A laid-out series' value now.
#[inline(always)]
fn read(kind: Kind, series: &SeriesLayout) -> Reading<'static> {
    match kind {
        Kind::Counter => Reading::Counter(match values::counter(series) {
            Total::Count(n) => Number::Count(n),
            Total::Measured(v) => Number::Float(v),
        }),
        Kind::Gauge => Reading::Gauge(Number::Float(values::gauge(series))),
        _ => read_distribution(kind, series),
    }
}

/// A laid-out histogram's or summary's value now.
#[inline(never)]
fn read_distribution(kind: Kind, series: &SeriesLayout) -> Reading<'static> {
    match kind {
        Kind::Counter | Kind::Gauge => read(kind, series),
        Kind::Histogram => {
            let (buckets, sum) = values::histogram(series);
            Reading::Histogram {
                bounds: series.bounds(),
                cumulative: cumulative(&buckets),
                sum: Number::Float(sum),
                native: series.native(),
            }
        }
        Kind::Summary => {
            let (window, count, sum) = values::summary(series);
            Reading::Summary {
                quantiles: values::summary_quantiles(series)
                    .iter()
                    .map(|&q| (q, Number::Float(window.quantile(q).unwrap_or(f64::NAN))))
                    .collect(),
                count: Number::Count(count),
                sum: Number::Float(sum),
            }
        }
    }
}

impl Exposition for Snapshot {
    fn expose<V: Visit>(&self, visit: &mut V) {
        for family in &self.families {
            let exposed = crate::sanitize::exposition_name(family.name);
            let view = FamilyView {
                name: family.name,
                exposed: &exposed,
                help: family.help,
                unit: family.unit,
                kind: family.kind,
            };
            visit.family(&view);
            for series in &family.series {
                let reading = Reading::of(&series.value);
                let series = SeriesView {
                    labels: Labels::Static(&series.labels),
                    reading: &reading,
                    lines: None,
                    exemplars: (!series.exemplars.is_empty()).then_some(&series.exemplars[..]),
                };
                visit.series(&view, &series);
            }
            visit.end_family(&view);
        }
    }
}
