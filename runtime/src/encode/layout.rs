//! The exposition layout, computed once: families sorted by name, series sorted by labels,
//! series with identical name and labels merged, and every line prefix pre-rendered.
//!
//! The set of static series is fixed once the program is linked, so all string work happens
//! here, on first use, and encoding is left with appending numbers.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use super::text::{escape_label_value, push_f64};
use crate::dynamic;
use crate::intern::intern;
use crate::label_clash;
use crate::registry::{registry, Cell, Conflict, Descriptor, Kind};
use crate::sanitize::{exposition_key, exposition_name};
use crate::self_metrics::DEFINITION_CONFLICTS;

pub(crate) struct Layout {
    pub families: Vec<FamilyLayout>,
    pub conflicts: Vec<Conflict>,
}

pub(crate) struct FamilyLayout {
    /// The name as registered; counters end in `_total`.
    pub name: &'static str,
    /// The name in the text formats: the same, except for a family registered at run time
    /// under `Sanitize::Permissive`, which shows its Prometheus form there.
    pub exposed: Cow<'static, str>,
    pub help: &'static str,
    pub unit: &'static str,
    pub kind: Kind,
    /// Series fixed at link time, laid out once; empty when the family also has run-time
    /// definitions, whose series are laid out with these in [`FamilyLayout::dynamic_series`].
    pub series: Vec<SeriesLayout>,
    /// The static series of a family that also has run-time definitions.
    fixed: Vec<SeriesLayout>,
    /// Definitions whose series appear at run time (families).
    pub dynamic: Vec<&'static Descriptor>,
    /// Their series as last laid out, with how many there were. Families only ever gain
    /// series, so the same count means the same series and the layout is reused.
    dynamic_cache: Mutex<(usize, Arc<Vec<SeriesLayout>>)>,
}

impl FamilyLayout {
    /// The series of the run-time definitions as they are now, with the static series of
    /// the same family, sorted by labels; series with the same labels are one, summed.
    pub fn dynamic_series(&self) -> Arc<Vec<SeriesLayout>> {
        if self.dynamic.is_empty() {
            return Arc::new(Vec::new());
        }
        let mut count = 0;
        for d in &self.dynamic {
            d.source.cells(&mut |_, _| count += 1);
        }
        let mut cache = self
            .dynamic_cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if cache.0 != count {
            *cache = (count, Arc::new(self.lay_out_dynamic()));
        }
        Arc::clone(&cache.1)
    }

    fn lay_out_dynamic(&self) -> Vec<SeriesLayout> {
        let mut merged: BTreeMap<String, SeriesLayout> = self
            .fixed
            .iter()
            .map(|s| (label_text(&s.labels), s.clone()))
            .collect();
        for d in &self.dynamic {
            d.source.cells(&mut |extra, cell| {
                let mut labels = all_labels(d, extra);
                // Summing needs one shape: a child whose buckets differ from those of a series
                // with the same labels in another definition is kept as a series of its own,
                // told apart by a `meterbox_layout` label (series of one family may carry
                // different labels and buckets), never left out.
                let mut layout = 1;
                loop {
                    let same_shape = merged.get(&label_text(&labels)).is_none_or(|s| {
                        s.cells
                            .first()
                            .is_none_or(|c| cell_shape(*c) == cell_shape(cell))
                    });
                    if same_shape {
                        break;
                    }
                    layout += 1;
                    labels = all_labels(d, extra);
                    labels.push(("meterbox_layout", intern(&layout.to_string())));
                }
                merged
                    .entry(label_text(&labels))
                    .or_insert_with_key(|text| SeriesLayout {
                        prefixes: prefixes(&self.exposed, self.kind, text, cell),
                        labels,
                        cells: Vec::new(),
                    })
                    .cells
                    .push(cell);
            });
        }
        merged.into_values().collect()
    }

    /// The OpenMetrics family name: a counter's name without its `_total` suffix.
    pub fn base_name(&self) -> &str {
        match self.kind {
            Kind::Counter => self.exposed.strip_suffix("_total").unwrap_or(&self.exposed),
            _ => &self.exposed,
        }
    }
}

#[derive(Clone)]
pub(crate) struct SeriesLayout {
    pub labels: Vec<(&'static str, &'static str)>,
    /// The cells summed into this series (more than one when definitions coincide).
    pub cells: Vec<Cell>,
    /// Pre-rendered sample prefixes, each ending in a space, ready for the value:
    /// one for a counter or gauge; for a histogram one per bucket (`+Inf` last), then
    /// `_sum` and `_count`.
    pub prefixes: Vec<String>,
}

/// The layout, built on first use and again only when a family is registered at run time.
pub(crate) fn layout() -> Arc<Layout> {
    static LAYOUT: RwLock<Option<(usize, Arc<Layout>)>> = RwLock::new(None);
    let generation = dynamic::generation();
    if let Some((built, layout)) = &*LAYOUT.read().unwrap_or_else(PoisonError::into_inner) {
        if *built == generation {
            return Arc::clone(layout);
        }
    }
    let mut slot = LAYOUT.write().unwrap_or_else(PoisonError::into_inner);
    if let Some((built, layout)) = &*slot {
        if *built == generation {
            return Arc::clone(layout);
        }
    }
    let descriptors: Vec<&'static Descriptor> =
        registry().iter().chain(dynamic::descriptors()).collect();
    let layout = Arc::new(build(&descriptors));
    // Each conflict is reported once, however often the layout is rebuilt, and counted.
    let previous = slot.as_ref().map_or(&[][..], |(_, l)| &l.conflicts[..]);
    let mut counts: BTreeMap<(&str, &str), f64> = BTreeMap::new();
    for conflict in &layout.conflicts {
        if !previous.contains(conflict) {
            eprintln!("meterbox: {conflict}");
        }
        *counts.entry((conflict.name, conflict.what)).or_default() += 1.0;
    }
    for ((metric, what), n) in counts {
        DEFINITION_CONFLICTS.with([metric, what]).set(n);
    }
    *slot = Some((generation, Arc::clone(&layout)));
    layout
}

/// A family while it is built: its first definition, its static series, its run-time
/// definitions.
struct Entry {
    first: &'static Descriptor,
    series: BTreeMap<String, SeriesLayout>,
    dynamic: Vec<&'static Descriptor>,
}

pub(crate) fn build(descriptors: &[&'static Descriptor]) -> Layout {
    // Definitions sorted by site so that which one keeps a name does not depend on the
    // order the linker happened to lay them out in.
    let mut sorted = with_companions(descriptors);
    sorted.sort_by(|a, b| (a.file, a.line).cmp(&(b.file, b.line)));
    let defined: HashSet<&'static str> = sorted.iter().map(|d| family_name(d)).collect();

    let mut families: BTreeMap<&'static str, Entry> = BTreeMap::new();
    // Sample and family names each family takes, to find families that would read as one.
    let mut claimed: HashMap<String, &'static str> = HashMap::new();
    let mut conflicts = Vec::new();
    for d in sorted {
        let name = family_name(d);
        let mut target = name;
        let mut renamed = 0;
        loop {
            let clash = match families.get(target) {
                None => claims(target, d.kind())
                    .into_iter()
                    .find_map(|c| claimed.get(&c).copied())
                    .map(|other| ("name", families[other].first)),
                Some(entry) if entry.first.kind() != d.kind() => Some(("type", entry.first)),
                Some(entry) => layout_clash(entry, d).map(|what| (what, entry.first)),
            };
            let Some((what, first)) = clash else { break };
            // What cannot share a name goes under a name of its own: nothing is left out.
            renamed += 1;
            target = conflict_name(name, d, renamed, &defined, &families);
            conflicts.push(Conflict {
                name,
                what,
                kept: first.site(),
                other: d.site(),
                exposed_as: Some(target.to_owned()),
            });
        }
        let entry = families.entry(target).or_insert_with(|| {
            for c in claims(target, d.kind()) {
                claimed.insert(c, target);
            }
            Entry {
                first: d,
                series: BTreeMap::new(),
                dynamic: Vec::new(),
            }
        });
        // Help and unit are the first definition's; a difference is reported, never a loss.
        if let Some(what) = metadata_difference(entry.first, d) {
            conflicts.push(Conflict {
                name: target,
                what,
                kept: entry.first.site(),
                other: d.site(),
                exposed_as: None,
            });
        }
        if d.source.is_dynamic() {
            entry.dynamic.push(d);
            continue;
        }
        let exposed_name = exposition_name(target);
        d.source.cells(&mut |extra, cell| {
            let labels = all_labels(d, extra);
            let text = label_text(&labels);
            entry
                .series
                .entry(text)
                .or_insert_with_key(|text| SeriesLayout {
                    prefixes: prefixes(&exposed_name, d.kind(), text, cell),
                    labels,
                    cells: Vec::new(),
                })
                .cells
                .push(cell);
        });
    }
    Layout {
        families: families
            .into_iter()
            .map(|(name, entry)| {
                let series: Vec<SeriesLayout> = entry.series.into_values().collect();
                let (series, fixed) = if entry.dynamic.is_empty() {
                    (series, Vec::new())
                } else {
                    (Vec::new(), series)
                };
                FamilyLayout {
                    name,
                    exposed: exposed(name),
                    help: entry.first.help,
                    unit: entry.first.unit,
                    kind: entry.first.kind(),
                    series,
                    fixed,
                    dynamic: entry.dynamic,
                    // No count yet: laid out at the first render.
                    dynamic_cache: Mutex::new((usize::MAX, Arc::new(Vec::new()))),
                }
            })
            .collect(),
        conflicts,
    }
}

/// Help or unit, when `d` differs from the family's first definition in one of them.
fn metadata_difference(first: &Descriptor, d: &Descriptor) -> Option<&'static str> {
    if first.help != d.help {
        Some("help")
    } else if first.unit != d.unit {
        Some("unit")
    } else {
        None
    }
}

/// Bucket bounds or quantiles of a cell: what series summed into one must share.
fn cell_shape(cell: Cell) -> Option<&'static [f64]> {
    match cell {
        Cell::Histogram(h) => Some(h.bounds()),
        Cell::Summary(s) => Some(s.quantiles()),
        _ => None,
    }
}

/// `buckets` (or `quantiles`) when a series of `d` is already in `entry` with other ones.
fn layout_clash(entry: &Entry, d: &'static Descriptor) -> Option<&'static str> {
    if d.source.is_dynamic() {
        return None;
    }
    let mut clash = None;
    d.source.cells(&mut |extra, cell| {
        let text = label_text(&all_labels(d, extra));
        let Some(existing) = entry.series.get(&text).and_then(|s| s.cells.first()) else {
            return;
        };
        if cell_shape(cell) != cell_shape(*existing) {
            clash = Some(match cell {
                Cell::Summary(_) => "quantiles",
                _ => "buckets",
            });
        }
    });
    clash
}

/// The names a family of `kind` called `name` takes in the text formats: its OpenMetrics
/// family name and the names of its samples. Two families that take one name would read
/// as one (a gauge `lat_count` beside a histogram `lat`; a counter `foo_total` beside a
/// gauge `foo`).
pub(crate) fn claims(name: &str, kind: Kind) -> Vec<String> {
    let name = exposition_name(name);
    let base = match kind {
        Kind::Counter => name.strip_suffix("_total").unwrap_or(&name),
        _ => &name,
    };
    let suffixes: &[&str] = match kind {
        Kind::Counter => &["", "_total", "_created"],
        Kind::Gauge => &[""],
        Kind::Histogram => &["", "_bucket", "_sum", "_count", "_created"],
        Kind::Summary => &["", "_sum", "_count", "_created"],
    };
    suffixes.iter().map(|s| format!("{base}{s}")).collect()
}

/// The name the `n`th clashing definition of `name` is exposed under:
/// `<stem>_conflict<n>`, then the unit and, for a counter, `_total`, so the name still
/// follows the conventions; never a name that is otherwise defined.
fn conflict_name(
    name: &'static str,
    d: &Descriptor,
    mut n: usize,
    defined: &HashSet<&'static str>,
    families: &BTreeMap<&'static str, Entry>,
) -> &'static str {
    loop {
        let candidate = conflict_candidate(name, d.unit, d.kind(), n);
        if !defined.contains(candidate.as_str()) && !families.contains_key(candidate.as_str()) {
            return intern(&candidate);
        }
        n += 1;
    }
}

/// `<stem>_conflict<n>`, then `_<unit>` and, for a counter, `_total`: the `n`th name for a
/// definition of `name` that cannot share it.
pub(crate) fn conflict_candidate(name: &str, unit: &str, kind: Kind, n: usize) -> String {
    let stem = name.strip_suffix("_total").unwrap_or(name);
    let unit_suffix = if unit.is_empty() {
        String::new()
    } else {
        format!("_{unit}")
    };
    let stem = stem.strip_suffix(&unit_suffix).unwrap_or(stem);
    let total = if kind == Kind::Counter { "_total" } else { "" };
    format!("{stem}_conflict{n}{unit_suffix}{total}")
}

/// The definitions, each followed by the definition of its companion family if it has one
/// (a meter's rates): `<base name>_rate`, a gauge with the same constant labels and site.
/// Made once per layout, which is built once.
fn with_companions(descriptors: &[&'static Descriptor]) -> Vec<&'static Descriptor> {
    // Made once per definition, however often the layout is rebuilt.
    static MADE: Mutex<Vec<(usize, &'static Descriptor)>> = Mutex::new(Vec::new());
    let mut made = MADE.lock().unwrap_or_else(PoisonError::into_inner);
    let mut out = Vec::with_capacity(descriptors.len());
    for &d in descriptors {
        out.push(d);
        let Some(source) = d.source.companion() else {
            continue;
        };
        let key = core::ptr::from_ref(d) as usize;
        if let Some((_, companion)) = made.iter().find(|(k, _)| *k == key) {
            out.push(companion);
            continue;
        }
        let base = d.name.strip_suffix("_total").unwrap_or(d.name);
        let companion: &'static Descriptor = Box::leak(Box::new(Descriptor {
            name: Box::leak(format!("{base}_rate").into_boxed_str()),
            help: Box::leak(format!("{} (events per second)", d.help).into_boxed_str()),
            unit: "",
            labels: d.labels,
            file: d.file,
            line: d.line,
            source,
        }));
        made.push((key, companion));
        out.push(companion);
    }
    out
}

/// The Prometheus form of a family name, borrowed when it already is one.
fn exposed(name: &'static str) -> Cow<'static, str> {
    match exposition_name(name) {
        Cow::Borrowed(_) => Cow::Borrowed(name),
        Cow::Owned(owned) => Cow::Owned(owned),
    }
}

/// The constant labels of `d`, then its storage's labels with the values in `extra`; a
/// storage label that a constant label also names is exposed as `exported_<name>`.
fn all_labels(d: &'static Descriptor, extra: &[&'static str]) -> Vec<(&'static str, &'static str)> {
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

/// The exposed name: a counter's name always ends in `_total`, as both formats expect.
fn family_name(d: &Descriptor) -> &'static str {
    if d.kind() == Kind::Counter && !d.name.ends_with("_total") {
        intern(&format!("{}_total", d.name))
    } else {
        d.name
    }
}

/// `k1="v1",k2="v2"`, escaped, without braces.
fn label_text(labels: &[(&str, &str)]) -> String {
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

fn prefixes(name: &str, kind: Kind, labels: &str, cell: Cell) -> Vec<String> {
    match (kind, cell) {
        (Kind::Histogram, Cell::Histogram(h)) => {
            let mut out: Vec<String> = h
                .bounds()
                .iter()
                .map(|&b| {
                    let mut le = String::from("le=\"");
                    push_f64(&mut le, b);
                    le.push('"');
                    with_labels(name, "_bucket", labels, &le)
                })
                .collect();
            out.push(with_labels(name, "_bucket", labels, "le=\"+Inf\""));
            out.push(with_labels(name, "_sum", labels, ""));
            out.push(with_labels(name, "_count", labels, ""));
            out
        }
        (Kind::Summary, Cell::Summary(s)) => {
            let mut out: Vec<String> = s
                .quantiles()
                .iter()
                .map(|&q| {
                    let mut quantile = String::from("quantile=\"");
                    push_f64(&mut quantile, q);
                    quantile.push('"');
                    with_labels(name, "", labels, &quantile)
                })
                .collect();
            out.push(with_labels(name, "_sum", labels, ""));
            out.push(with_labels(name, "_count", labels, ""));
            out
        }
        _ => vec![with_labels(name, "", labels, "")],
    }
}

impl SeriesLayout {
    /// The finite bucket bounds of a histogram series; empty for other kinds.
    pub fn bounds(&self) -> Vec<f64> {
        match self.cells.first() {
            Some(Cell::Histogram(h)) => h.bounds().to_vec(),
            _ => Vec::new(),
        }
    }
}
