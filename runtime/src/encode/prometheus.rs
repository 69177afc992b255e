//! The Prometheus text exposition format, version 0.0.4.

use super::layout::Layout;
use super::text::{escape_help, help_or_name};
use super::values::push_values;

/// Appends the whole registry in the Prometheus text format to `out`.
pub(crate) fn encode(layout: &Layout, out: &mut String) {
    for family in &layout.families {
        out.push_str("# HELP ");
        out.push_str(&family.exposed);
        out.push(' ');
        escape_help(out, &help_or_name(family.help, &family.exposed), false);
        out.push_str("\n# TYPE ");
        out.push_str(&family.exposed);
        out.push(' ');
        out.push_str(family.kind.as_str());
        out.push('\n');
        for series in &family.series {
            push_values(out, family.kind, series, false);
        }
        for series in family.dynamic_series().iter() {
            push_values(out, family.kind, series, false);
        }
    }
}
