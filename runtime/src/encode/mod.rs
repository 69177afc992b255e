//! Exposition formats, one writer each. Encoders read an [`view::Exposition`] (the registry's
//! layout, a snapshot, a Redis namespace) and write text; they know nothing of where the
//! text goes.

#[cfg(feature = "protobuf")]
mod client_model;
mod json;
#[cfg(any(feature = "protobuf", feature = "otlp", feature = "remote-write"))]
mod native;
mod openmetrics;
#[cfg(feature = "otlp")]
pub(crate) mod otlp;
mod prometheus;
#[cfg(feature = "remote-write")]
mod prompb;
#[cfg(feature = "protobuf")]
mod protobuf;
#[cfg(feature = "remote-write")]
pub(crate) mod remote_write;
mod samples;
mod table;
mod text;
pub(crate) mod view;

use std::io;

#[cfg(feature = "push")]
pub(crate) use json::batch;

use crate::model::layout;
#[cfg(feature = "protobuf")]
pub use protobuf::PROTOBUF_CONTENT_TYPE;
use view::Exposition;

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
    render_into(&mut out, format);
    out
}

/// Every linked metric, rendered in `format` into `out`, which is cleared first: a caller
/// that keeps its buffer between scrapes allocates nothing once it has grown.
///
/// ```
/// let mut buffer = String::new();
/// meterbox::render_into(&mut buffer, meterbox::Format::Prometheus);
/// assert!(buffer.contains("meterbox_build_info"));
/// ```
pub fn render_into(out: &mut String, format: Format) {
    out.clear();
    write(&*layout(), format, out);
}

/// Every linked metric in Prometheus' protobuf exposition format
/// ([`PROTOBUF_CONTENT_TYPE`]), the scrape format of native histograms: a histogram whose
/// bounds are consecutive powers of `2^(2^-n)` for an `n` from -4 to 8 (such as
/// `Histogram::exponential(2f64.powi(-20), 2.0, 30)`) carries its native form beside its
/// classic buckets, and a Prometheus started with `--enable-feature=native-histograms`
/// stores it as one series.
///
/// ```
/// let body = meterbox::render_protobuf();
/// // Length-delimited messages: the first byte is the first family's length.
/// assert!(!body.is_empty());
/// ```
#[cfg(feature = "protobuf")]
#[must_use]
pub fn render_protobuf() -> Vec<u8> {
    let mut out = Vec::new();
    protobuf::encode(&*layout(), &mut out);
    out
}

/// Appends `exposition` in `format` to `out`.
pub(crate) fn write<E: Exposition + ?Sized>(exposition: &E, format: Format, out: &mut String) {
    match format {
        Format::Prometheus => prometheus::encode(exposition, out),
        Format::OpenMetrics => openmetrics::encode(exposition, out),
        Format::Json => json::encode(exposition, None, out),
        Format::Table => table::encode(exposition, out),
    }
}

impl crate::Snapshot {
    /// This snapshot in `format`: what surfacers send, global tags included when the
    /// snapshot has them.
    #[must_use]
    pub fn render(&self, format: Format) -> String {
        let mut out = String::new();
        // No series ever shows a label name twice, however the snapshot was made.
        write(&*self.resolved(), format, &mut out);
        out
    }
}

/// Writes every linked metric in `format` to `writer`.
///
/// # Errors
///
/// Whatever `writer` returns.
pub fn encode<W: io::Write + ?Sized>(writer: &mut W, format: Format) -> io::Result<()> {
    writer.write_all(render(format).as_bytes())
}
