//! The two text formats written from a [`Snapshot`] rather than from the registry: what
//! surfacers send, with their global tags among the labels.
//!
//! The registry's own exposition (`render`) uses pre-rendered line prefixes instead; this
//! one builds each line, as a snapshot's labels can be anything.

use super::text::{
    escape_help, escape_label_value, help_or_name, openmetrics_shows_sum, push_f64, push_u64,
};
use super::Format;
use crate::registry::Kind;
use crate::sanitize::{exposition_key, exposition_name};
use crate::snapshot::{Snapshot, Value};

/// A sample's value: counts are integers, the rest floats.
#[derive(Clone, Copy)]
enum Number {
    Count(u64),
    Float(f64),
}

/// One sample line: `name{labels,extra} value`.
fn sample(
    out: &mut String,
    name: &str,
    labels: &[(&str, &str)],
    extra: Option<(&str, f64)>,
    value: Number,
) {
    out.push_str(name);
    if !labels.is_empty() || extra.is_some() {
        out.push('{');
        for (i, (k, v)) in labels.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&exposition_key(k));
            out.push_str("=\"");
            escape_label_value(out, v);
            out.push('"');
        }
        if let Some((k, bound)) = extra {
            if !labels.is_empty() {
                out.push(',');
            }
            out.push_str(k);
            out.push_str("=\"");
            push_f64(out, bound);
            out.push('"');
        }
        out.push('}');
    }
    out.push(' ');
    match value {
        Number::Count(n) => push_u64(out, n),
        Number::Float(v) => push_f64(out, v),
    }
    out.push('\n');
}

fn line(out: &mut String, what: &str, name: &str, text: &str) {
    out.push_str(what);
    out.push_str(name);
    out.push(' ');
    out.push_str(text);
    out.push('\n');
}

/// Appends `snapshot` in the Prometheus or OpenMetrics text format.
pub(crate) fn encode(snapshot: &Snapshot, format: Format, out: &mut String) {
    let openmetrics = format == Format::OpenMetrics;
    for family in &snapshot.families {
        let name = exposition_name(family.name);
        let base = match family.kind {
            Kind::Counter if openmetrics => name.strip_suffix("_total").unwrap_or(&name),
            _ => &name,
        };
        if openmetrics {
            line(out, "# TYPE ", base, family.kind.as_str());
            if !family.unit.is_empty() {
                line(out, "# UNIT ", base, family.unit);
            }
            out.push_str("# HELP ");
            out.push_str(base);
            out.push(' ');
            escape_help(out, &help_or_name(family.help, base), true);
            out.push('\n');
        } else {
            out.push_str("# HELP ");
            out.push_str(base);
            out.push(' ');
            escape_help(out, &help_or_name(family.help, base), false);
            out.push('\n');
            line(out, "# TYPE ", base, family.kind.as_str());
        }
        for series in &family.series {
            let labels = &series.labels;
            match &series.value {
                Value::Counter(v) => sample(out, &name, labels, None, Number::Count(*v)),
                Value::Gauge(v) => sample(out, &name, labels, None, Number::Float(*v)),
                Value::Histogram(h) => {
                    let bucket = format!("{name}_bucket");
                    let mut cumulative = 0;
                    for (i, n) in h.buckets.iter().enumerate() {
                        cumulative += n;
                        let le = h.bounds.get(i).copied().unwrap_or(f64::INFINITY);
                        sample(
                            out,
                            &bucket,
                            labels,
                            Some(("le", le)),
                            Number::Count(cumulative),
                        );
                    }
                    let lowest = h.bounds.first().copied().unwrap_or(0.0);
                    if !openmetrics || openmetrics_shows_sum(Some(lowest), h.sum) {
                        sample(
                            out,
                            &format!("{name}_sum"),
                            labels,
                            None,
                            Number::Float(h.sum),
                        );
                        sample(
                            out,
                            &format!("{name}_count"),
                            labels,
                            None,
                            Number::Count(cumulative),
                        );
                    }
                }
                Value::Summary(s) => {
                    for (q, v) in &s.quantiles {
                        sample(
                            out,
                            &name,
                            labels,
                            Some(("quantile", *q)),
                            Number::Float(*v),
                        );
                    }
                    if !openmetrics || openmetrics_shows_sum(None, s.sum) {
                        sample(
                            out,
                            &format!("{name}_sum"),
                            labels,
                            None,
                            Number::Float(s.sum),
                        );
                    }
                    sample(
                        out,
                        &format!("{name}_count"),
                        labels,
                        None,
                        Number::Count(s.count),
                    );
                }
            }
        }
    }
    if openmetrics {
        out.push_str("# EOF\n");
    }
}
