//! The runtime's own metrics: its version, which also keeps the registry from ever being
//! empty (an empty link section has broken some linkers), and what families dropped.
//!
//! Registering puts each descriptor in a link section, which `unsafe_code` counts when the
//! registration is written in this crate; nothing else here is unsafe.
#![allow(unsafe_code)]

use crate::metrics::{Collect, Kind, MetricRef};
use crate::metrics::{Counter, Family, Gauge, Histogram};
use crate::registry::{registry, Descriptor};

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

    fn grows_at_run_time(&self) -> bool {
        true
    }

    fn visit(&'static self, visit: &mut dyn FnMut(&[&'static str], MetricRef)) {
        // The runtime's own families are left out: their label values are surfacer names,
        // a handful per program. So are families not shown (a tokio runtime's, before one
        // is registered).
        let registered = crate::runtime_family::descriptors();
        for d in registry()
            .iter()
            .chain(registered)
            .filter(|d| !d.name.starts_with("meterbox_"))
        {
            if let Some(dropped) = d.source.dropped_label_sets() {
                if d.source.is_exposed() {
                    visit(&[d.name], MetricRef::Counter(dropped));
                }
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

/// Send attempts of reporters' surfacers, by outcome.
pub(crate) static REPORTER_SENDS: Family<Counter, 2> = Family::new(["surfacer", "outcome"]);

crate::__register! {
    static REPORTER_SENDS_DESCRIPTOR: Descriptor = Descriptor {
        name: "meterbox_reporter_sends_total",
        help: "Attempts of reporters to send a snapshot to a surfacer, by outcome.",
        unit: "",
        labels: &[],
        file: file!(),
        line: line!(),
        source: &REPORTER_SENDS,
    };
}

/// Time of each send attempt.
pub(crate) static REPORTER_SEND_SECONDS: Family<Histogram, 1> = Family::new(["surfacer"]);

crate::__register! {
    static REPORTER_SEND_SECONDS_DESCRIPTOR: Descriptor = Descriptor {
        name: "meterbox_reporter_send_seconds",
        help: "Time reporters took for each attempt to send a snapshot to a surfacer.",
        unit: "seconds",
        labels: &[],
        file: file!(),
        line: line!(),
        source: &REPORTER_SEND_SECONDS,
    };
}

/// Snapshots dropped from a full backlog.
pub(crate) static REPORTER_DROPPED: Family<Counter, 1> = Family::new(["surfacer"]);

crate::__register! {
    static REPORTER_DROPPED_DESCRIPTOR: Descriptor = Descriptor {
        name: "meterbox_reporter_dropped_snapshots_total",
        help: "Snapshots a reporter dropped because a surfacer's backlog was full.",
        unit: "",
        labels: &[],
        file: file!(),
        line: line!(),
        source: &REPORTER_DROPPED,
    };
}

/// Conflicts between definitions, by metric and what differs; set each time the exposition
/// layout is built.
pub(crate) static DEFINITION_CONFLICTS: Family<Gauge, 2> = Family::new(["metric", "what"]);

crate::__register! {
    static CONFLICTS_DESCRIPTOR: Descriptor = Descriptor {
        name: "meterbox_definition_conflicts",
        help: "Definitions of one metric name that disagree, by metric and what differs; see meterbox::check().",
        unit: "",
        labels: &[],
        file: file!(),
        line: line!(),
        source: &DEFINITION_CONFLICTS,
    };
}
