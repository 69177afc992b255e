//! Reads a namespace's hash back into families, which the encoders write in any format: the
//! exposition side of the shared store.

use std::collections::{BTreeMap, HashSet};

use super::keys::{kind_of, parse, Ext};
use crate::encode::view::{Exposition, FamilyView, Labels, Number, Reading, SeriesView, Visit};
use crate::label_clash;
use crate::metrics::Kind;
use crate::naming::{claims, conflict_candidate, with_total};
use crate::sanitize::{exposition_key, exposition_name};
use crate::Format;

/// One series as stored: the parts its fields hold.
#[derive(Debug, Default, Clone)]
struct Stored {
    labels: Vec<(String, String)>,
    value: Option<f64>,
    buckets: Vec<(f64, f64)>,
    quantiles: Vec<(f64, f64)>,
    sum: Option<f64>,
    count: Option<f64>,
}

#[derive(Debug, Default, Clone)]
struct StoredFamily {
    kind: Option<Kind>,
    help: String,
    /// By label text, `le` and `quantile` left out.
    series: BTreeMap<String, Stored>,
}

/// A namespace read from Redis: its families, and what could not be read.
#[derive(Debug, Default, Clone)]
pub struct Namespace {
    families: BTreeMap<String, StoredFamily>,
    warnings: Vec<String>,
}

fn label_key(labels: &[(String, String)]) -> String {
    let mut text = String::new();
    for (k, v) in labels {
        text.push_str(k);
        text.push('=');
        text.push_str(v);
        text.push('\u{0}');
    }
    text
}

impl Namespace {
    /// Reads fields and their values; fields that cannot be read become warnings.
    pub(crate) fn from_fields(fields: impl IntoIterator<Item = (String, String)>) -> Self {
        let mut ns = Namespace::default();
        let mut typed: Vec<(String, String)> = Vec::new();
        for (field, value) in fields {
            let parsed = match parse(&field) {
                Ok(parsed) => parsed,
                Err(why) => {
                    ns.warnings.push(format!("field `{field}` skipped: {why}"));
                    continue;
                }
            };
            // Shown as the process's own formats show a permissive name.
            let name = exposition_name(&parsed.name).into_owned();
            let family = ns.families.entry(name).or_default();
            match parsed.ext {
                Ext::Description => family.help = value,
                Ext::Type => typed.push((field, value)),
                ext => {
                    let Ok(number) = value.trim().parse::<f64>() else {
                        ns.warnings.push(format!(
                            "field `{field}` skipped: value `{value}` is not a number"
                        ));
                        continue;
                    };
                    let mut labels = parsed.labels;
                    let take = |labels: &mut Vec<(String, String)>, name: &str| {
                        let at = labels.iter().position(|(k, _)| k == name)?;
                        labels.remove(at).1.parse::<f64>().ok()
                    };
                    let bound = if ext == Ext::Bucket {
                        take(&mut labels, "le")
                    } else {
                        None
                    };
                    if ext == Ext::Bucket && bound.is_none() {
                        ns.warnings
                            .push(format!("field `{field}` skipped: a bucket without `le`"));
                        continue;
                    }
                    let quantile = if ext == Ext::Value {
                        take(&mut labels, "quantile")
                    } else {
                        None
                    };
                    // Keys in their emitted form, none twice and none the formats' own.
                    label_clash::resolve_owned(&mut labels, |_| 0);
                    for (key, _) in &mut labels {
                        *key = exposition_key(key).into_owned();
                    }
                    let series = family.series.entry(label_key(&labels)).or_default();
                    series.labels = labels;
                    match (ext, bound, quantile) {
                        (Ext::Bucket, Some(le), _) => series.buckets.push((le, number)),
                        (Ext::Value, _, Some(q)) => series.quantiles.push((q, number)),
                        (Ext::Sum, ..) => series.sum = Some(number),
                        (Ext::Count, ..) => series.count = Some(number),
                        _ => series.value = Some(number),
                    }
                }
            }
        }
        for (field, letter) in typed {
            let stored = field.split(':').next().unwrap_or_default();
            let name = &*exposition_name(stored);
            match kind_of(&letter) {
                Some(kind) => {
                    if let Some(family) = ns.families.get_mut(name) {
                        family.kind = Some(kind);
                    }
                }
                None => ns.warnings.push(format!(
                    "field `{field}`: unknown type `{letter}`; `{name}` skipped"
                )),
            }
        }
        let untyped: Vec<String> = ns
            .families
            .iter()
            .filter(|(_, f)| f.kind.is_none())
            .map(|(name, _)| name.clone())
            .collect();
        for name in untyped {
            if !ns
                .warnings
                .iter()
                .any(|w| w.contains(&format!("`{name}` skipped")))
            {
                ns.warnings.push(format!(
                    "metric `{name}` skipped: no `{name}:t:` field gives its type"
                ));
            }
            ns.families.remove(&name);
        }
        ns.separate_clashing_families();
        ns
    }

    /// A family whose samples would read as another's (a gauge `lat_count` beside a
    /// histogram `lat`) is shown under `<name>_conflict<n>`, with a warning.
    fn separate_clashing_families(&mut self) {
        let mut claimed: HashSet<String> = HashSet::new();
        let names: Vec<String> = self.families.keys().cloned().collect();
        for name in names {
            let Some(kind) = self.families[&name].kind else {
                continue;
            };
            let clashes = |name: &str, claimed: &HashSet<String>| {
                claims(name, kind).iter().any(|c| claimed.contains(c))
            };
            let mut target = name.clone();
            let mut n = 0;
            while clashes(&target, &claimed)
                || (target != name && self.families.contains_key(&target))
            {
                n += 1;
                target = conflict_candidate(&name, "", kind, n);
            }
            if target != name {
                self.warnings.push(format!(
                    "metric `{name}` would read as part of another family; shown as `{target}`"
                ));
                if let Some(family) = self.families.remove(&name) {
                    self.families.insert(target.clone(), family);
                }
            }
            claimed.extend(claims(&target, kind));
        }
    }

    /// What could not be read, one line per field or metric.
    #[must_use]
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Adds `namespace="<name>"` to every series and takes in `other`'s families, for one
    /// exposition of several namespaces.
    pub(crate) fn merge(&mut self, mut other: Namespace, label: &str) {
        for (name, mut family) in std::mem::take(&mut other.families) {
            let series = std::mem::take(&mut family.series);
            // One name with another type in another namespace is shown beside it.
            let mut target = name.clone();
            let mut n = 0;
            while self
                .families
                .get(&target)
                .is_some_and(|f| f.kind != family.kind)
            {
                n += 1;
                // Stored families all have a type: the untyped are left out when read.
                let kind = family.kind.unwrap_or(Kind::Gauge);
                target = conflict_candidate(&name, "", kind, n);
            }
            if target != name {
                self.warnings.push(format!(
                    "metric `{name}` has another type in namespace `{label}`; shown as `{target}`"
                ));
            }
            let target = self.families.entry(target).or_insert_with(|| StoredFamily {
                kind: family.kind,
                help: family.help.clone(),
                series: BTreeMap::new(),
            });
            for (_, mut stored) in series {
                stored
                    .labels
                    .push(("namespace".to_owned(), label.to_owned()));
                let own = stored.labels.len() - 1;
                label_clash::resolve_owned(&mut stored.labels, |i| u8::from(i == own));
                target.series.insert(label_key(&stored.labels), stored);
            }
        }
        self.warnings.append(&mut other.warnings);
        self.separate_clashing_families();
    }

    /// The namespace in `format`.
    #[must_use]
    pub fn render(&self, format: Format) -> String {
        let mut out = String::new();
        crate::encode::write(self, format, &mut out);
        out
    }
}

impl Exposition for Namespace {
    fn expose<V: Visit>(&self, visit: &mut V) {
        for (name, family) in &self.families {
            let Some(kind) = family.kind else { continue };
            // A counter is shown with `_total`, as the process's own formats show one.
            let exposed = with_total(name, kind);
            let view = FamilyView {
                name: &exposed,
                exposed: &exposed,
                help: &family.help,
                unit: "",
                kind,
            };
            visit.family(&view);
            for series in family.series.values() {
                let mut bounds = Vec::new();
                // A counter or gauge series with no value field has nothing to show.
                let Some(reading) = reading(kind, series, &mut bounds) else {
                    continue;
                };
                let series = SeriesView {
                    labels: Labels::Owned(&series.labels),
                    reading: &reading,
                    lines: None,
                    exemplars: None,
                };
                visit.series(&view, &series);
            }
            visit.end_family(&view);
        }
    }
}

/// A stored series as the encoders read it. The store is written by many processes and
/// anyone with access to Redis, so bucket counts are made cumulative and monotonic here; what
/// a format cannot carry (a negative counter in OpenMetrics) its writer leaves out.
fn reading<'a>(kind: Kind, series: &Stored, bounds: &'a mut Vec<f64>) -> Option<Reading<'a>> {
    Some(match kind {
        Kind::Counter => Reading::Counter(Number::Stored(series.value?)),
        Kind::Gauge => Reading::Gauge(Number::Stored(series.value?)),
        Kind::Histogram => {
            let mut buckets = series.buckets.clone();
            buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
            // One bound stored twice (as `1` and `1.0`) is one bucket.
            buckets.dedup_by(|a, b| a.0.total_cmp(&b.0).is_eq());
            // Counts are cumulative: a bucket never holds fewer than the one below it.
            let mut floor = 0.0f64;
            for bucket in &mut buckets {
                bucket.1 = bucket.1.max(floor);
                floor = bucket.1;
            }
            if buckets.last().is_none_or(|b| b.0.is_finite()) {
                let count = series.count.unwrap_or(floor).max(floor);
                buckets.push((f64::INFINITY, count));
            }
            bounds.extend(buckets.iter().map(|b| b.0).filter(|b| b.is_finite()));
            Reading::Histogram {
                bounds,
                cumulative: buckets.iter().map(|b| Number::Stored(b.1)).collect(),
                sum: Number::Stored(series.sum.unwrap_or(0.0)),
                native: false,
            }
        }
        Kind::Summary => {
            let mut quantiles = series.quantiles.clone();
            quantiles.sort_by(|a, b| a.0.total_cmp(&b.0));
            Reading::Summary {
                quantiles: quantiles
                    .into_iter()
                    .map(|(q, v)| (q, Number::Stored(v)))
                    .collect(),
                count: Number::Stored(series.count.unwrap_or(0.0)),
                sum: Number::Stored(series.sum.unwrap_or(0.0)),
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::super::keys::{field, type_letter, Ext};
    use super::Namespace;
    use crate::metrics::Kind;
    use crate::Format;

    #[test]
    fn whole_values_are_written_as_integers() {
        let mut fields = vec![(
            field("depth", Ext::Type, &[]),
            type_letter(Kind::Gauge).to_owned(),
        )];
        for (q, value) in [
            ("a", "2700"),
            ("b", "-3"),
            ("c", "0.5"),
            ("d", "1e300"),
            ("e", "9007199254740992"),
        ] {
            fields.push((field("depth", Ext::Value, &[("q", q)]), value.to_owned()));
        }
        let ns = Namespace::from_fields(fields);
        let text = ns.render(Format::Prometheus);
        for line in [
            "depth{q=\"a\"} 2700\n",
            "depth{q=\"b\"} -3\n",
            "depth{q=\"c\"} 0.5\n",
            "depth{q=\"d\"} 1e300\n",
            "depth{q=\"e\"} 9007199254740992\n",
        ] {
            assert!(text.contains(line), "{line} in {text}");
        }
    }
}
