//! The OpenMetrics 1.0 text format.
//!
//! It differs from the Prometheus format in its metadata: a counter family is named without
//! its `_total` suffix (the sample keeps it), units get a `# UNIT` line, HELP escapes quotes,
//! and the exposition ends with `# EOF`. Sample lines are the same.

use super::layout::Layout;
use super::text::{escape_help, help_or_name};
use super::values::push_values;

/// Appends the whole registry in the OpenMetrics text format to `out`.
pub(crate) fn encode(layout: &Layout, out: &mut String) {
    for family in &layout.families {
        let name = family.base_name();
        out.push_str("# TYPE ");
        out.push_str(name);
        out.push(' ');
        out.push_str(family.kind.as_str());
        out.push('\n');
        if !family.unit.is_empty() {
            out.push_str("# UNIT ");
            out.push_str(name);
            out.push(' ');
            out.push_str(family.unit);
            out.push('\n');
        }
        out.push_str("# HELP ");
        out.push_str(name);
        out.push(' ');
        escape_help(out, &help_or_name(family.help, name), true);
        out.push('\n');
        for series in &family.series {
            push_values(out, family.kind, series, true);
        }
        for series in family.dynamic_series().iter() {
            push_values(out, family.kind, series, true);
        }
    }
    out.push_str("# EOF\n");
}
