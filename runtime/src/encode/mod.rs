//! Exposition formats. Encoders read the registry and write text; they know nothing of
//! where the text goes.

mod json;
pub(crate) mod layout;
mod openmetrics;
mod prometheus;
mod snapshot_text;
mod table;
mod text;
pub(crate) mod values;

use std::io;

#[cfg(feature = "push")]
pub(crate) use json::batch;
#[cfg(feature = "redis")]
pub(crate) use layout::conflict_candidate;
pub(crate) use layout::{claims, layout};
#[cfg(feature = "redis")]
pub(crate) use text::{
    escape_help, escape_label_value, help_or_name, openmetrics_shows_sum, push_f64,
};

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

impl Format {
    /// The text format a scraper asks for in its `Accept` header: OpenMetrics when it
    /// accepts `application/openmetrics-text` at least as much as `text/plain`, the
    /// Prometheus format otherwise (and when there is no header).
    ///
    /// ```
    /// use meterbox::Format;
    ///
    /// let prometheus_2 = "application/openmetrics-text;version=1.0.0;q=0.5,\
    ///     application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2";
    /// assert_eq!(Format::negotiate(Some(prometheus_2)), Format::OpenMetrics);
    /// assert_eq!(Format::negotiate(Some("text/plain")), Format::Prometheus);
    /// assert_eq!(Format::negotiate(None), Format::Prometheus);
    /// ```
    #[must_use]
    pub fn negotiate(accept: Option<&str>) -> Format {
        let Some(accept) = accept else {
            return Format::Prometheus;
        };
        let (mut openmetrics, mut text) = (0.0f64, 0.0f64);
        for range in accept.split(',') {
            let mut parts = range.split(';').map(str::trim);
            let media = parts.next().unwrap_or_default().to_ascii_lowercase();
            let q = parts
                .filter_map(|p| p.strip_prefix("q="))
                .find_map(|q| q.parse::<f64>().ok())
                .unwrap_or(1.0);
            match media.as_str() {
                "application/openmetrics-text" => openmetrics = openmetrics.max(q),
                "text/plain" => text = text.max(q),
                _ => {}
            }
        }
        if openmetrics > 0.0 && openmetrics >= text {
            Format::OpenMetrics
        } else {
            Format::Prometheus
        }
    }
}

/// What a `/metrics` handler answers, for mounting the endpoint in an application's own
/// server: the format asked for in the `Accept` header, rendered, and its content type.
///
/// ```
/// let (content_type, body) = meterbox::scrape(Some("application/openmetrics-text"));
/// assert!(content_type.starts_with("application/openmetrics-text"));
/// assert!(body.ends_with("# EOF\n"));
/// ```
#[must_use]
pub fn scrape(accept: Option<&str>) -> (&'static str, String) {
    let format = Format::negotiate(accept);
    (format.content_type(), render(format))
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
    match format {
        Format::Prometheus => prometheus::encode(&layout(), out),
        Format::OpenMetrics => openmetrics::encode(&layout(), out),
        Format::Json => json::encode_layout(&layout(), out),
        Format::Table => table::encode(&snapshot(), out),
    }
}

impl crate::Snapshot {
    /// This snapshot in `format`: what surfacers send, global tags included when the
    /// snapshot has them.
    #[must_use]
    pub fn render(&self, format: Format) -> String {
        let mut out = String::new();
        // No series ever shows a label name twice, however the snapshot was made.
        let snapshot = crate::label_clash::resolved(self);
        match format {
            Format::Prometheus | Format::OpenMetrics => {
                snapshot_text::encode(&snapshot, format, &mut out);
            }
            Format::Json => json::encode(&snapshot, &mut out),
            Format::Table => table::encode(&snapshot, &mut out),
        }
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
