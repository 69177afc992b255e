//! Companion families: a second family a definition brings with it (a meter's rates,
//! `<base name>_rate`), added to the layout beside it.

use std::sync::{Mutex, PoisonError};

use crate::naming::base_name;
use crate::registry::Descriptor;

/// The definitions, each followed by the definition of its companion family if it has one
/// (a meter's rates): `<base name>_rate`, a gauge with the same constant labels and site.
/// Made once per layout, which is built once.
pub(super) fn with_companions(descriptors: &[&'static Descriptor]) -> Vec<&'static Descriptor> {
    // Made once per definition, however often the layout is rebuilt.
    static MADE: Mutex<Vec<(usize, &'static Descriptor)>> = Mutex::new(Vec::new());
    let mut made = MADE.lock().unwrap_or_else(PoisonError::into_inner);
    let mut out = Vec::with_capacity(descriptors.len());
    for &d in descriptors {
        out.push(d);
        let Some(source) = d.source.companion() else {
            continue;
        };
        let key = core::ptr::from_ref(d) as usize;
        if let Some((_, companion)) = made.iter().find(|(k, _)| *k == key) {
            out.push(companion);
            continue;
        }
        let base = base_name(d.name, d.kind());
        let companion: &'static Descriptor = Box::leak(Box::new(Descriptor {
            name: Box::leak(format!("{base}_rate").into_boxed_str()),
            help: Box::leak(format!("{} (events per second)", d.help).into_boxed_str()),
            unit: "",
            labels: d.labels,
            file: d.file,
            line: d.line,
            source,
        }));
        made.push((key, companion));
        out.push(companion);
    }
    out
}
