//! What each attribute is, described once: the options it takes, the labels its family
//! uses, what it records, and for a function attribute the family it feeds. Parsing,
//! expansion and the checks read these descriptions; nothing else matches on an attribute's
//! name.

/// An attribute of this crate.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Attr {
    Metric,
    Function(FnAttr),
    Instrumented,
}

/// An attribute that instruments a function with a family of its own.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum FnAttr {
    Counted,
    Timed,
    InFlight,
    Metered,
    Allocations,
}

/// One attribute's description.
pub struct Spec {
    /// As written: `#[counted]`.
    pub name: &'static str,
    /// The options it accepts.
    pub options: &'static [&'static str],
    /// What it records, to find an attribute that repeats another on one function.
    pub records: &'static [&'static str],
}

/// The family a function attribute records into.
pub struct FamilySpec {
    /// Default name; a counter's ends in `_total`.
    pub name: &'static str,
    pub help: &'static str,
    pub unit: &'static str,
    /// The type, as the text formats name it.
    pub kind: &'static str,
    /// The labels of its series, which `labels(…)` may not redefine.
    pub labels: &'static [&'static str],
    /// A second family it brings (a meter's rates), with its kind.
    pub companion: Option<(&'static str, &'static str)>,
    /// The storage static in the function body.
    pub storage: &'static str,
    /// A name to suggest when a chosen one does not fit the kind.
    pub example: &'static str,
}

const FUNCTION_OPTIONS: &[&str] = &["name", "help", "labels", "crate"];

impl Attr {
    /// Every attribute.
    pub const ALL: [Attr; 7] = [
        Attr::Metric,
        Attr::Function(FnAttr::Counted),
        Attr::Function(FnAttr::Timed),
        Attr::Function(FnAttr::InFlight),
        Attr::Function(FnAttr::Metered),
        Attr::Function(FnAttr::Allocations),
        Attr::Instrumented,
    ];

    pub const fn spec(self) -> &'static Spec {
        match self {
            Attr::Metric => &Spec {
                name: "metric",
                options: &["name", "help", "unit", "labels", "crate"],
                records: &[],
            },
            Attr::Function(FnAttr::Counted) => &Spec {
                name: "counted",
                options: &["name", "help", "labels", "sharded", "objective", "crate"],
                records: &["calls"],
            },
            Attr::Function(FnAttr::Timed) => &Spec {
                name: "timed",
                options: &["name", "help", "labels", "buckets", "objective", "crate"],
                records: &["durations"],
            },
            Attr::Function(FnAttr::InFlight) => &Spec {
                name: "in_flight",
                options: FUNCTION_OPTIONS,
                records: &["calls in flight"],
            },
            Attr::Function(FnAttr::Metered) => &Spec {
                name: "metered",
                options: FUNCTION_OPTIONS,
                records: &["throughput"],
            },
            Attr::Function(FnAttr::Allocations) => &Spec {
                name: "allocations",
                options: &["name", "help", "labels", "buckets", "crate"],
                records: &["allocated bytes"],
            },
            Attr::Instrumented => &Spec {
                name: "instrumented",
                options: &["labels", "objective", "crate"],
                records: &["calls", "durations", "calls in flight"],
            },
        }
    }

    /// The attribute written as `name`, if it is one of this crate's.
    pub fn named(name: &str) -> Option<Attr> {
        Attr::ALL.into_iter().find(|a| a.spec().name == name)
    }

    /// Labels the attribute's series carry already, which `labels(…)` may not redefine:
    /// those of every family it feeds.
    pub fn reserved_labels(self) -> &'static [&'static str] {
        match self {
            Attr::Metric => &[],
            Attr::Function(f) => f.family().labels,
            // The widest of the three it stands for.
            Attr::Instrumented => FnAttr::Counted.family().labels,
        }
    }
}

impl FnAttr {
    /// Every function attribute.
    pub const ALL: [FnAttr; 5] = [
        FnAttr::Counted,
        FnAttr::Timed,
        FnAttr::InFlight,
        FnAttr::Metered,
        FnAttr::Allocations,
    ];

    pub const fn spec(self) -> &'static Spec {
        Attr::Function(self).spec()
    }

    pub const fn family(self) -> &'static FamilySpec {
        match self {
            FnAttr::Counted => &FamilySpec {
                name: "function_calls_total",
                help: "Calls of instrumented functions, by function, module and result.",
                unit: "",
                kind: "counter",
                labels: &["function", "module", "result"],
                companion: None,
                storage: "__METERBOX_CALLS",
                example: "work_calls_total",
            },
            FnAttr::Timed => &FamilySpec {
                name: "function_duration_seconds",
                help: "Wall time of instrumented functions in seconds, awaits included.",
                unit: "seconds",
                kind: "histogram",
                labels: &["function", "module"],
                companion: None,
                storage: "__METERBOX_DURATION",
                example: "work_duration_seconds",
            },
            FnAttr::InFlight => &FamilySpec {
                name: "function_calls_in_flight",
                help: "Calls of instrumented functions in progress.",
                unit: "",
                kind: "gauge",
                labels: &["function", "module"],
                companion: None,
                storage: "__METERBOX_IN_FLIGHT",
                example: "work_in_flight",
            },
            FnAttr::Metered => &FamilySpec {
                name: "function_throughput_total",
                help: "Calls of instrumented functions, with their rates per second.",
                unit: "",
                kind: "counter",
                // The rates add `window`.
                labels: &["function", "module", "window"],
                companion: Some(("function_throughput_rate", "gauge")),
                storage: "__METERBOX_METER",
                example: "work_throughput_total",
            },
            FnAttr::Allocations => &FamilySpec {
                name: "function_allocated_bytes",
                help: "Bytes each call of instrumented functions allocated on the heap, on \
                       the threads that ran it.",
                unit: "bytes",
                kind: "histogram",
                labels: &["function", "module"],
                companion: None,
                storage: "__METERBOX_ALLOCATED",
                example: "work_allocated_bytes",
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_attribute_is_found_by_its_name() {
        for attr in Attr::ALL {
            assert_eq!(Attr::named(attr.spec().name), Some(attr));
        }
        assert_eq!(Attr::named("derive"), None);
    }

    #[test]
    fn families_are_named_by_the_conventions() {
        for f in FnAttr::ALL {
            let family = f.family();
            assert_eq!(family.kind == "counter", family.name.ends_with("_total"));
            assert!(family.name.ends_with(family.unit));
            assert!(family.labels.starts_with(&["function", "module"]));
            assert!(f.spec().options.contains(&"crate"));
        }
    }

    #[test]
    fn instrumented_records_what_its_three_attributes_record() {
        let mut three: Vec<&str> = [FnAttr::Counted, FnAttr::Timed, FnAttr::InFlight]
            .iter()
            .flat_map(|f| f.spec().records.iter().copied())
            .collect();
        three.sort_unstable();
        let mut own = Attr::Instrumented.spec().records.to_vec();
        own.sort_unstable();
        assert_eq!(three, own);
    }
}
