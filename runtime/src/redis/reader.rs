//! Reads a namespace's hash back into families and writes them in a text format: the
//! exposition side of the shared store.

use std::collections::{BTreeMap, HashSet};

use super::keys::{kind_of, parse, Ext};
use crate::encode::{
    claims, conflict_candidate, escape_help, escape_label_value, help_or_name,
    openmetrics_shows_sum, push_f64,
};
use crate::label_clash;
use crate::registry::Kind;
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

    /// The namespace in the Prometheus or OpenMetrics text format (other formats are
    /// written as Prometheus text).
    #[must_use]
    pub fn render(&self, format: Format) -> String {
        let openmetrics = format == Format::OpenMetrics;
        let mut out = String::new();
        for (name, family) in &self.families {
            let Some(kind) = family.kind else { continue };
            let base = match kind {
                Kind::Counter if openmetrics => name.strip_suffix("_total").unwrap_or(name),
                _ => name.as_str(),
            };
            let meta = |out: &mut String, what: &str| {
                out.push_str(what);
                out.push_str(base);
                out.push(' ');
            };
            if openmetrics {
                meta(&mut out, "# TYPE ");
                out.push_str(kind.as_str());
                out.push('\n');
            }
            meta(&mut out, "# HELP ");
            escape_help(&mut out, &help_or_name(&family.help, name), openmetrics);
            out.push('\n');
            if !openmetrics {
                meta(&mut out, "# TYPE ");
                out.push_str(kind.as_str());
                out.push('\n');
            }
            let sample_name = match kind {
                Kind::Counter if openmetrics => format!("{base}_total"),
                _ => name.clone(),
            };
            for series in family.series.values() {
                write_series(&mut out, &sample_name, name, kind, series, openmetrics);
            }
        }
        if openmetrics {
            out.push_str("# EOF\n");
        }
        out
    }
}

fn sample(
    out: &mut String,
    name: &str,
    labels: &[(String, String)],
    extra: Option<(&str, f64)>,
    value: f64,
) {
    out.push_str(name);
    if !labels.is_empty() || extra.is_some() {
        out.push('{');
        let mut first = true;
        for (k, v) in labels {
            if !first {
                out.push(',');
            }
            first = false;
            out.push_str(k);
            out.push_str("=\"");
            escape_label_value(out, v);
            out.push('"');
        }
        if let Some((k, v)) = extra {
            if !first {
                out.push(',');
            }
            out.push_str(k);
            out.push_str("=\"");
            push_f64(out, v);
            out.push('"');
        }
        out.push('}');
    }
    out.push(' ');
    push_value(out, value);
    out.push('\n');
}

/// A sample's value: whole numbers as integers, as the store counts them, and others as the
/// shortest decimal that reads back the same.
fn push_value(out: &mut String, value: f64) {
    // Every integer up to 2^53 is exact in an f64; NaN and the infinities fail `fract`.
    const EXACT: f64 = 9_007_199_254_740_992.0;
    if value.fract() == 0.0 && value.abs() <= EXACT {
        // Whole and within ±2^53: the cast is exact.
        #[allow(clippy::cast_possible_truncation)]
        let whole = value as i64;
        out.push_str(itoa::Buffer::new().format(whole));
    } else {
        push_f64(out, value);
    }
}

/// Writes one stored series. The store is written by many processes and anyone with access
/// to Redis, so what OpenMetrics cannot carry (a negative or NaN counter, a sum it forbids) is
/// left out of that format rather than making the whole page unreadable.
fn write_series(
    out: &mut String,
    sample_name: &str,
    name: &str,
    kind: Kind,
    series: &Stored,
    openmetrics: bool,
) {
    let labels = &series.labels;
    let counter_like = |v: f64| !openmetrics || v >= 0.0;
    match kind {
        Kind::Counter => {
            if let Some(value) = series.value.filter(|v| counter_like(*v)) {
                sample(out, sample_name, labels, None, value);
            }
        }
        Kind::Gauge => {
            if let Some(value) = series.value {
                sample(out, sample_name, labels, None, value);
            }
        }
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
            let count = match buckets.last() {
                Some(&(le, n)) if le.is_infinite() => n,
                _ => {
                    let count = series.count.unwrap_or(floor).max(floor);
                    buckets.push((f64::INFINITY, count));
                    count
                }
            };
            let bucket = format!("{name}_bucket");
            for (le, n) in &buckets {
                sample(out, &bucket, labels, Some(("le", *le)), *n);
            }
            let sum = series.sum.unwrap_or(0.0);
            let lowest = buckets.first().map_or(0.0, |b| b.0);
            if !openmetrics || openmetrics_shows_sum(Some(lowest), sum) {
                sample(out, &format!("{name}_sum"), labels, None, sum);
                sample(out, &format!("{name}_count"), labels, None, count);
            }
        }
        Kind::Summary => {
            let mut quantiles = series.quantiles.clone();
            quantiles.sort_by(|a, b| a.0.total_cmp(&b.0));
            for (q, v) in quantiles {
                if counter_like(v) || v.is_nan() {
                    sample(out, name, labels, Some(("quantile", q)), v);
                }
            }
            let sum = series.sum.unwrap_or(0.0);
            if !openmetrics || openmetrics_shows_sum(None, sum) {
                sample(out, &format!("{name}_sum"), labels, None, sum);
            }
            let count = series.count.unwrap_or(0.0);
            if counter_like(count) {
                sample(out, &format!("{name}_count"), labels, None, count);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::push_value;

    #[test]
    fn whole_values_are_written_as_integers() {
        for (value, text) in [
            (2700.0, "2700"),
            (-3.0, "-3"),
            (0.0, "0"),
            (9_007_199_254_740_992.0, "9007199254740992"),
            (0.5, "0.5"),
            (1e300, "1e300"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "+Inf"),
        ] {
            let mut out = String::new();
            push_value(&mut out, value);
            assert_eq!(out, text);
        }
    }
}
