//! The Prometheus text exposition format, version 0.0.4.

use super::samples::write_series;
use super::text::help_or_name;
use super::view::{Exposition, FamilyView, SeriesView, Visit};
use crate::syntax::escape_help;

/// Appends `exposition` in the Prometheus text format to `out`.
pub(crate) fn encode<E: Exposition + ?Sized>(exposition: &E, out: &mut String) {
    exposition.expose(&mut Prometheus { out });
}

struct Prometheus<'o> {
    out: &'o mut String,
}

impl Visit for Prometheus<'_> {
    fn family(&mut self, family: &FamilyView<'_>) {
        let out = &mut *self.out;
        out.push_str("# HELP ");
        out.push_str(family.exposed);
        out.push(' ');
        escape_help(out, &help_or_name(family.help, family.exposed), false);
        out.push_str("\n# TYPE ");
        out.push_str(family.exposed);
        out.push(' ');
        out.push_str(family.kind.as_str());
        out.push('\n');
    }

    // Always, into the loop over a family's series: left to the inliner, whether it is
    // inlined changed with unrelated code, and the render with it by a tenth.
    #[inline(always)]
    fn series(&mut self, family: &FamilyView<'_>, series: &SeriesView<'_>) {
        write_series(self.out, family, series, false);
    }
}
