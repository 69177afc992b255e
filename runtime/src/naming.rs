//! The names a family takes in the text formats: `_total` on a counter, the sample names
//! it writes, and the name a definition that cannot share its name is shown under.

use std::borrow::Cow;

use crate::metrics::Kind;
use crate::sanitize::exposition_name;

/// The family name the text formats show: a counter's always ends in `_total`.
pub(crate) fn with_total(name: &str, kind: Kind) -> Cow<'_, str> {
    if kind == Kind::Counter && !name.ends_with("_total") {
        Cow::Owned(format!("{name}_total"))
    } else {
        Cow::Borrowed(name)
    }
}

/// The OpenMetrics family name: a counter's name without its `_total` suffix.
pub(crate) fn base_name(name: &str, kind: Kind) -> &str {
    match kind {
        Kind::Counter => name.strip_suffix("_total").unwrap_or(name),
        _ => name,
    }
}

/// The names a family of `kind` called `name` takes in the text formats: its OpenMetrics
/// family name and the names of its samples. Two families that take one name would read
/// as one (a gauge `lat_count` beside a histogram `lat`; a counter `foo_total` beside a
/// gauge `foo`).
pub(crate) fn claims(name: &str, kind: Kind) -> Vec<String> {
    let name = exposition_name(name);
    let base = base_name(&name, kind);
    let suffixes: &[&str] = match kind {
        Kind::Counter => &["", "_total", "_created"],
        Kind::Gauge => &[""],
        Kind::Histogram => &["", "_bucket", "_sum", "_count", "_created"],
        Kind::Summary => &["", "_sum", "_count", "_created"],
    };
    suffixes.iter().map(|s| format!("{base}{s}")).collect()
}

/// `<stem>_conflict<n>`, then `_<unit>` and, for a counter, `_total`: the `n`th name for a
/// definition of `name` that cannot share it, still following the conventions.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_take_total_once() {
        assert_eq!(with_total("jobs", Kind::Counter), "jobs_total");
        assert_eq!(with_total("jobs_total", Kind::Counter), "jobs_total");
        assert_eq!(with_total("jobs", Kind::Gauge), "jobs");
        assert_eq!(base_name("jobs_total", Kind::Counter), "jobs");
        assert_eq!(base_name("jobs_total", Kind::Gauge), "jobs_total");
    }

    #[test]
    fn conflict_names_keep_unit_and_total() {
        let name = conflict_candidate("read_bytes_total", "bytes", Kind::Counter, 2);
        assert_eq!(name, "read_conflict2_bytes_total");
        assert_eq!(
            conflict_candidate("lat", "", Kind::Gauge, 1),
            "lat_conflict1"
        );
    }

    #[test]
    fn histograms_claim_their_sample_names() {
        let claimed = claims("lat", Kind::Histogram);
        assert!(claimed.contains(&"lat_count".to_owned()));
        assert!(claims("foo_total", Kind::Counter).contains(&"foo".to_owned()));
    }
}
