//! The Prometheus text exposition format, version 0.0.4.

use super::samples::write_series;
use super::text::help_or_name;
use super::view::Exposition;
use crate::syntax::escape_help;

/// Appends `exposition` in the Prometheus text format to `out`.
pub(crate) fn encode(exposition: &dyn Exposition, out: &mut String) {
    exposition.each_family(&mut |family, series| {
        out.push_str("# HELP ");
        out.push_str(family.exposed);
        out.push(' ');
        escape_help(out, &help_or_name(family.help, family.exposed), false);
        out.push_str("\n# TYPE ");
        out.push_str(family.exposed);
        out.push(' ');
        out.push_str(family.kind.as_str());
        out.push('\n');
        series(&mut |s| write_series(out, family, s, false));
    });
}
