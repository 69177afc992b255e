//! The link-time registry: one distributed slice of read-only descriptors.
//!
//! Every `#[metric]` static and every instrumented function adds a [`Descriptor`] to the
//! slice through `linkme`; the linker gathers them into one section, so nothing runs before
//! `main` and the set of metrics is fixed once the program is linked.
//!
//! WebAssembly has no link sections that linkme can gather. There each descriptor is
//! submitted through `inventory`, whose constructors run as the module starts, and the
//! registry is the descriptors collected, copied once into a slice on first use.

use core::fmt;

use crate::metrics::{Collect, Kind};

/// A registered metric: its metadata, where it was defined, and its storage.
///
/// Descriptors are written by the macros; users read them through [`registry`].
pub struct Descriptor {
    /// Full name, validated at compile time; counters end in `_total`.
    pub name: &'static str,
    /// HELP text.
    pub help: &'static str,
    /// Unit, such as `seconds` or `bytes`; empty when none. The name ends with it.
    pub unit: &'static str,
    /// Constant labels, in declaration order.
    pub labels: &'static [(&'static str, &'static str)],
    /// Source file of the definition.
    pub file: &'static str,
    /// Line of the definition.
    pub line: u32,
    /// The storage.
    pub source: &'static dyn Collect,
}

impl Descriptor {
    /// Whether `other` describes the same metric: the same definition of the same storage.
    /// Not by address, which a copy of the registry (on WebAssembly) does not keep.
    #[must_use]
    pub(crate) fn same(&self, other: &Descriptor) -> bool {
        core::ptr::addr_eq(self.source, other.source)
            && self.name == other.name
            && self.file == other.file
            && self.line == other.line
    }

    /// The metric's type.
    #[must_use]
    pub fn kind(&self) -> Kind {
        self.source.kind()
    }

    /// Every label name of the metric's series: the constant ones, then the storage's own.
    #[must_use]
    pub fn label_names(&self) -> Vec<&'static str> {
        self.labels
            .iter()
            .map(|(k, _)| *k)
            .chain(self.source.extra_label_names().iter().copied())
            .collect()
    }

    /// The module and function of an instrumented function's definition, which the function
    /// attributes write as its constant labels `module` and `function`.
    #[must_use]
    pub fn function(&self) -> Option<(&'static str, &'static str)> {
        let label = |name: &str| {
            self.labels
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| *v)
        };
        Some((label("module")?, label("function")?))
    }

    /// `file:line` of the definition.
    #[must_use]
    pub fn site(&self) -> String {
        format!("{}:{}", self.file, self.line)
    }
}

impl fmt::Debug for Descriptor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Descriptor")
            .field("name", &self.name)
            .field("kind", &self.kind())
            .field("help", &self.help)
            .field("unit", &self.unit)
            .field("labels", &self.labels)
            .field("file", &self.file)
            .field("line", &self.line)
            .finish_non_exhaustive()
    }
}

/// The slice itself. The major version is in its name: two major versions of meterbox in one
/// binary keep separate registries instead of colliding in one link section.
#[cfg(not(target_family = "wasm"))]
#[linkme::distributed_slice]
pub static METERBOX_METRICS_V0: [Descriptor] = [..];

/// Every metric linked into the program, in link order.
#[cfg(not(target_family = "wasm"))]
#[must_use]
pub fn registry() -> &'static [Descriptor] {
    &METERBOX_METRICS_V0
}

/// Descriptors submitted to `inventory`, on WebAssembly: one static's, one or several.
#[cfg(target_family = "wasm")]
#[doc(hidden)]
pub struct Registered(pub &'static [Descriptor]);

#[cfg(target_family = "wasm")]
inventory::collect!(Registered);

/// Every metric linked into the program.
#[cfg(target_family = "wasm")]
#[must_use]
pub fn registry() -> &'static [Descriptor] {
    static ALL: std::sync::OnceLock<&'static [Descriptor]> = std::sync::OnceLock::new();
    ALL.get_or_init(|| {
        // Constructors submit in reverse order of the modules; the first submitted is
        // listed first, as the link section would.
        let mut statics: Vec<&'static [Descriptor]> = inventory::iter::<Registered>
            .into_iter()
            .map(|r| r.0)
            .collect();
        statics.reverse();
        let all: Vec<Descriptor> = statics
            .into_iter()
            .flatten()
            .map(|d| Descriptor { ..*d })
            .collect();
        all.leak()
    })
}
