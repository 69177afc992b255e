//! The OpenMetrics 1.0 text format.
//!
//! It differs from the Prometheus format in its metadata: a counter family is named without
//! its `_total` suffix (the sample keeps it), units get a `# UNIT` line, HELP escapes quotes,
//! and the exposition ends with `# EOF`. Sample lines are the same, less what the format
//! forbids (see `samples`).

use super::samples::write_series;
use super::text::help_or_name;
use super::view::{Exposition, FamilyView, SeriesView, Visit};
use crate::naming::base_name;
use crate::syntax::escape_help;

/// Appends `exposition` in the OpenMetrics text format to `out`.
pub(crate) fn encode<E: Exposition + ?Sized>(exposition: &E, out: &mut String) {
    exposition.expose(&mut OpenMetrics { out: &mut *out });
    out.push_str("# EOF\n");
}

struct OpenMetrics<'o> {
    out: &'o mut String,
}

impl Visit for OpenMetrics<'_> {
    const EXEMPLARS: bool = true;

    fn family(&mut self, family: &FamilyView<'_>) {
        let out = &mut *self.out;
        let name = base_name(family.exposed, family.kind);
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
    }

    // Always, into the loop over a family's series: left to the inliner, whether it is
    // inlined changed with unrelated code, and the render with it by a tenth.
    #[inline(always)]
    fn series(&mut self, family: &FamilyView<'_>, series: &SeriesView<'_>) {
        write_series(self.out, family, series, true);
    }
}
