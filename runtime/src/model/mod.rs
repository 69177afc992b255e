//! The collection model: every definition, linked or registered at run time, laid out as
//! the exposition shows it. Families are sorted and named, series merged, conflicts found
//! and resolved, so that the snapshot and every encoder read one agreed picture.

mod companions;
mod conflict;
mod layout;
pub(crate) mod values;

pub use conflict::{check, Conflict};
pub(crate) use layout::{label_text, layout, FamilyLayout, Layout, SeriesLayout};
