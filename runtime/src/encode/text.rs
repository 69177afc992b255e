//! What the two text formats show for a family's help.

use std::borrow::Cow;

/// The HELP text to show: `help`, or when it is blank the family name in words, as the
/// macros default to (linters warn of a family without help).
pub(crate) fn help_or_name<'a>(help: &'a str, name: &str) -> Cow<'a, str> {
    if help.trim().is_empty() {
        Cow::Owned(name.replace('_', " "))
    } else {
        Cow::Borrowed(help)
    }
}
