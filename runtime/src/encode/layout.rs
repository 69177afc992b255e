//! The exposition layout, computed once: families sorted by name, series sorted by labels,
//! series with identical name and labels merged, and every line prefix pre-rendered.
//!
//! The set of static series is fixed once the program is linked, so all string work happens
//! here, on first use, and encoding is left with appending numbers.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use super::text::{escape_label_value, push_f64};
use crate::dynamic;
use crate::registry::{difference, registry, Cell, Conflict, Descriptor, Kind};
use crate::sanitize::{exposition_key, exposition_name};

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
    /// Series fixed at link time, laid out once.
    pub series: Vec<SeriesLayout>,
    /// Definitions whose series appear at run time (families).
    pub dynamic: Vec<&'static Descriptor>,
    /// Their series as last laid out, with how many there were. Families only ever gain
    /// series, so the same count means the same series and the layout is reused.
    dynamic_cache: Mutex<(usize, Arc<Vec<SeriesLayout>>)>,
}

impl FamilyLayout {
    /// The series of the run-time definitions as they are now, sorted by labels.
    pub fn dynamic_series(&self) -> Arc<Vec<SeriesLayout>> {
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
        let mut out = Vec::new();
        for d in &self.dynamic {
            d.source.cells(&mut |extra, cell| {
                let labels = all_labels(d, extra);
                let text = label_text(&labels);
                out.push((text, labels, cell));
            });
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out.into_iter()
            .map(|(text, labels, cell)| SeriesLayout {
                prefixes: prefixes(&self.exposed, self.kind, &text, cell),
                labels,
                cells: vec![cell],
                site: String::new(),
            })
            .collect()
    }

    /// The OpenMetrics family name: a counter's name without its `_total` suffix.
    pub fn base_name(&self) -> &str {
        match self.kind {
            Kind::Counter => self.exposed.strip_suffix("_total").unwrap_or(&self.exposed),
            _ => &self.exposed,
        }
    }
}

pub(crate) struct SeriesLayout {
    pub labels: Vec<(&'static str, &'static str)>,
    /// The cells summed into this series (more than one when definitions coincide).
    pub cells: Vec<Cell>,
    /// Pre-rendered sample prefixes, each ending in a space, ready for the value:
    /// one for a counter or gauge; for a histogram one per bucket (`+Inf` last), then
    /// `_sum` and `_count`.
    pub prefixes: Vec<String>,
    /// `file:line` of the first definition, for conflict reports.
    pub site: String,
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
    // Each conflict is reported once, however often the layout is rebuilt.
    let previous = slot.as_ref().map_or(&[][..], |(_, l)| &l.conflicts[..]);
    for conflict in &layout.conflicts {
        if !previous.contains(conflict) {
            eprintln!("meterbox: {conflict}");
        }
    }
    *slot = Some((generation, Arc::clone(&layout)));
    layout
}

/// While building: the family's first definition, its static series, its run-time ones.
type Entry = (
    &'static Descriptor,
    BTreeMap<String, SeriesLayout>,
    Vec<&'static Descriptor>,
);

pub(crate) fn build(descriptors: &[&'static Descriptor]) -> Layout {
    // Definitions sorted by site so that which one wins a conflict does not depend on the
    // order the linker happened to lay them out in.
    let mut sorted = with_companions(descriptors);
    sorted.sort_by(|a, b| (a.file, a.line).cmp(&(b.file, b.line)));

    let mut families: BTreeMap<&'static str, Entry> = BTreeMap::new();
    let mut conflicts = Vec::new();
    for d in sorted {
        let name = family_name(d);
        let (first, series, dynamic) = families
            .entry(name)
            .or_insert_with(|| (d, BTreeMap::new(), Vec::new()));
        if let Some(what) = difference(first, d) {
            conflicts.push(Conflict {
                name,
                what,
                kept: first.site(),
                dropped: d.site(),
            });
            continue;
        }
        if d.source.is_dynamic() {
            dynamic.push(d);
            continue;
        }
        d.source.cells(&mut |extra, cell| {
            let labels = all_labels(d, extra);
            let text = label_text(&labels);
            let series = series.entry(text).or_insert_with_key(|text| SeriesLayout {
                prefixes: prefixes(&exposition_name(name), d.kind(), text, cell),
                labels,
                cells: Vec::new(),
                site: d.site(),
            });
            // Identical series are summed, which only makes sense for identical buckets.
            if let (Cell::Histogram(new), Some(Cell::Histogram(old))) = (cell, series.cells.first())
            {
                if new.bounds() != old.bounds() {
                    conflicts.push(Conflict {
                        name,
                        what: "buckets",
                        kept: series.site.clone(),
                        dropped: d.site(),
                    });
                    return;
                }
            }
            series.cells.push(cell);
        });
    }
    Layout {
        families: families
            .into_iter()
            .map(|(name, (d, series, dynamic))| FamilyLayout {
                name,
                exposed: exposed(name),
                help: d.help,
                unit: d.unit,
                kind: d.kind(),
                series: series.into_values().collect(),
                dynamic,
                dynamic_cache: Mutex::new((0, Arc::new(Vec::new()))),
            })
            .collect(),
        conflicts,
    }
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

/// The constant labels of `d`, then its storage's labels with the values in `extra`.
fn all_labels(d: &'static Descriptor, extra: &[&'static str]) -> Vec<(&'static str, &'static str)> {
    d.labels
        .iter()
        .copied()
        .chain(
            d.source
                .extra_label_names()
                .iter()
                .copied()
                .zip(extra.iter().copied()),
        )
        .collect()
}

/// The exposed name: a counter's name always ends in `_total`, as both formats expect.
fn family_name(d: &Descriptor) -> &'static str {
    if d.kind() == Kind::Counter && !d.name.ends_with("_total") {
        // Made once per counter name, however often the layout is rebuilt.
        static MADE: Mutex<Option<HashMap<&'static str, &'static str>>> = Mutex::new(None);
        let mut made = MADE.lock().unwrap_or_else(PoisonError::into_inner);
        made.get_or_insert_with(HashMap::new)
            .entry(d.name)
            .or_insert_with(|| Box::leak(format!("{}_total", d.name).into_boxed_str()))
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
