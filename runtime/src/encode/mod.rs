//! Exposition formats. Encoders read the registry and write text; they know nothing of
//! where the text goes.

mod json;
mod layout;
mod openmetrics;
mod prometheus;
mod table;
mod text;
pub(crate) mod values;

use std::io;

pub(crate) use layout::layout;

use crate::snapshot::snapshot;

/// An exposition format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    /// Prometheus text format 0.0.4 (`text/plain; version=0.0.4`).
    Prometheus,
    /// OpenMetrics 1.0 text format, ending in `# EOF`.
    OpenMetrics,
    /// JSON, one object per family.
    Json,
    /// An aligned table for people, with histogram summaries.
    Table,
}

impl Format {
    /// The HTTP `Content-Type` of the format.
    #[must_use]
    pub const fn content_type(self) -> &'static str {
        match self {
            Format::Prometheus => "text/plain; version=0.0.4; charset=utf-8",
            Format::OpenMetrics => "application/openmetrics-text; version=1.0.0; charset=utf-8",
            Format::Json => "application/json",
            Format::Table => "text/plain; charset=utf-8",
        }
    }
}

/// Every linked metric, rendered in `format`.
///
/// ```
/// let text = meterbox::render(meterbox::Format::Prometheus);
/// assert!(text.contains("# TYPE meterbox_build_info gauge"));
/// ```
#[must_use]
pub fn render(format: Format) -> String {
    let mut out = String::new();
    match format {
        Format::Prometheus => prometheus::encode(&layout(), &mut out),
        Format::OpenMetrics => openmetrics::encode(&layout(), &mut out),
        Format::Json => json::encode(&snapshot(), &mut out),
        Format::Table => table::encode(&snapshot(), &mut out),
    }
    out
}

/// Writes every linked metric in `format` to `writer`.
///
/// # Errors
///
/// Whatever `writer` returns.
pub fn encode<W: io::Write + ?Sized>(writer: &mut W, format: Format) -> io::Result<()> {
    writer.write_all(render(format).as_bytes())
}
