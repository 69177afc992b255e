//! The exposition layout, computed once: families sorted by name, series sorted by labels,
//! series with identical name and labels merged, conflicts found and resolved.
//!
//! The set of static series is fixed once the program is linked, so all string work happens
//! once, and encoding is left with appending numbers.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use super::companions::with_companions;
use super::conflict::Conflict;
use super::series::{all_labels, cell_shape, SeriesLayout, SeriesMap};
use crate::intern::intern;
use crate::metrics::{shown_changes, Kind, MetricRef};
use crate::naming::{claims, conflict_candidate, with_total};
use crate::registry::{registry, Descriptor};
use crate::runtime_family;
use crate::sanitize::exposition_name;
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
    /// definitions, whose series are laid out with these in [`FamilyLayout::current_series`].
    pub series: Vec<SeriesLayout>,
    /// The static series of a family that also has run-time definitions.
    fixed: Vec<SeriesLayout>,
    /// Every definition exposed under this name, in the order of their sites.
    pub definitions: Vec<&'static Descriptor>,
    /// Definitions whose series appear at run time (families).
    pub growing: Vec<&'static Descriptor>,
    /// Their series as last laid out, with the families' growth (or their cell count) and
    /// how many times a family's series were removed or shown again, anywhere: with neither
    /// changed, the series are the same and the layout is reused.
    growing_cache: Mutex<(Growth, Arc<Vec<SeriesLayout>>)>,
}

/// What a family's run-time series were laid out at: its definitions' growth summed, and
/// the count of series removed or shown again anywhere.
type Growth = (u64, u64);

impl FamilyLayout {
    /// The series of the run-time definitions as they are now, with the static series of
    /// the same family, sorted by labels; series with the same labels are one, summed.
    pub fn current_series(&self) -> Arc<Vec<SeriesLayout>> {
        if self.growing.is_empty() {
            return Arc::new(Vec::new());
        }
        // What the families say of their growth, or else how many cells they have.
        let mut count = 0u64;
        for d in &self.growing {
            match d.source.growth() {
                Some(growth) => count = count.wrapping_add(growth),
                None => d.source.visit(&mut |_, _| count += 1),
            }
        }
        // Read after them, as they may show a removed series again.
        let cells = (count, shown_changes());
        let mut cache = self
            .growing_cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if cache.0 != cells {
            *cache = (cells, Arc::new(self.lay_out_current()));
        }
        Arc::clone(&cache.1)
    }

    fn lay_out_current(&self) -> Vec<SeriesLayout> {
        let mut merged = SeriesMap::default();
        for s in &self.fixed {
            if let Some(&first) = s.cells.first() {
                merged
                    .series(&self.exposed, s.labels.to_vec(), first)
                    .cells
                    .clone_from(&s.cells);
            }
        }
        for d in &self.growing {
            d.source.visit(&mut |extra, cell| {
                let mut labels = all_labels(d, extra);
                // Summing needs one shape: a child whose buckets differ from those of a series
                // with the same labels in another definition is kept as a series of its own,
                // told apart by a `meterbox_layout` label (series of one family may carry
                // different labels and buckets), never left out.
                let mut layout = 1;
                loop {
                    let same_shape = merged.get(&labels).is_none_or(|s| {
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
                merged.series(&self.exposed, labels, cell).cells.push(cell);
            });
        }
        merged.into_values()
    }
}

/// The layout, built on first use and again only when a family is registered at run time.
pub(crate) fn layout() -> Arc<Layout> {
    static LAYOUT: RwLock<Option<(usize, Arc<Layout>)>> = RwLock::new(None);
    let generation = runtime_family::generation();
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
    let descriptors: Vec<&'static Descriptor> = registry()
        .iter()
        .chain(runtime_family::descriptors())
        .collect();
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
    definitions: Vec<&'static Descriptor>,
    series: SeriesMap,
    growing: Vec<&'static Descriptor>,
}

pub(crate) fn build(descriptors: &[&'static Descriptor]) -> Layout {
    // Definitions sorted by site so that which one keeps a name does not depend on the
    // order the linker happened to lay them out in.
    let mut sorted = with_companions(descriptors);
    sorted.retain(|d| d.source.is_exposed());
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
                definitions: Vec::new(),
                series: SeriesMap::default(),
                growing: Vec::new(),
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
        entry.definitions.push(d);
        if d.source.grows_at_run_time() {
            entry.growing.push(d);
            continue;
        }
        let exposed_name = exposition_name(target);
        d.source.visit(&mut |extra, cell| {
            let labels = all_labels(d, extra);
            entry
                .series
                .series(&exposed_name, labels, cell)
                .cells
                .push(cell);
        });
    }
    Layout {
        families: families
            .into_iter()
            .map(|(name, entry)| {
                let series = entry.series.into_values();
                let (series, fixed) = if entry.growing.is_empty() {
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
                    growing: entry.growing,
                    definitions: entry.definitions,
                    // Matches no growth: laid out at the first render.
                    growing_cache: Mutex::new(((u64::MAX, 0), Arc::new(Vec::new()))),
                }
            })
            .collect(),
        conflicts,
    }
}

/// The family name: a counter's always ends in `_total`.
fn family_name(d: &Descriptor) -> &'static str {
    match with_total(d.name, d.kind()) {
        Cow::Borrowed(name) => name,
        Cow::Owned(name) => intern(&name),
    }
}

/// The Prometheus form of a family name, borrowed when it already is one.
fn exposed(name: &'static str) -> Cow<'static, str> {
    match exposition_name(name) {
        Cow::Borrowed(_) => Cow::Borrowed(name),
        Cow::Owned(owned) => Cow::Owned(owned),
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

/// `buckets` (or `quantiles`) when a series of `d` is already in `entry` with other ones.
fn layout_clash(entry: &Entry, d: &'static Descriptor) -> Option<&'static str> {
    if d.source.grows_at_run_time() {
        return None;
    }
    let mut clash = None;
    d.source.visit(&mut |extra, cell| {
        let labels = all_labels(d, extra);
        let Some(existing) = entry.series.get(&labels).and_then(|s| s.cells.first()) else {
            return;
        };
        if cell_shape(cell) != cell_shape(*existing) {
            clash = Some(match cell {
                MetricRef::Summary(_) => "quantiles",
                _ => "buckets",
            });
        }
    });
    clash
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
