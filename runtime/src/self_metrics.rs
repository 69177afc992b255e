//! The runtime's own metrics: its version, which also keeps the registry from ever being
//! empty (an empty link section has broken some linkers), and what families dropped.

use crate::metrics::Gauge;
use crate::registry::{registry, Cell, Collect, Descriptor, Kind};

static BUILD_INFO: Gauge = Gauge::with_value(1.0);

crate::__register! {
    static BUILD_INFO_DESCRIPTOR: Descriptor = Descriptor {
        name: "meterbox_build_info",
        help: "Version of the meterbox runtime; always 1.",
        unit: "",
        labels: &[("version", env!("CARGO_PKG_VERSION"))],
        file: file!(),
        line: line!(),
        source: &BUILD_INFO,
    };
}

/// One series per family in the program, read from the families themselves.
struct DroppedLabelSets;

impl Collect for DroppedLabelSets {
    fn kind(&self) -> Kind {
        Kind::Counter
    }

    fn extra_label_names(&'static self) -> &'static [&'static str] {
        &["metric"]
    }

    fn is_dynamic(&self) -> bool {
        true
    }

    fn cells(&'static self, visit: &mut dyn FnMut(&[&'static str], Cell)) {
        for d in registry() {
            if let Some(dropped) = d.source.dropped_label_sets() {
                visit(&[d.name], Cell::Counter(dropped));
            }
        }
    }
}

static DROPPED: DroppedLabelSets = DroppedLabelSets;

crate::__register! {
    static DROPPED_DESCRIPTOR: Descriptor = Descriptor {
        name: "meterbox_dropped_label_sets_total",
        help: "Calls of Family::with sent to the overflow series because the family was full.",
        unit: "",
        labels: &[],
        file: file!(),
        line: line!(),
        source: &DROPPED,
    };
}
