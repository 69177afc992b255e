//! HTTP content negotiation: which format a scraper's `Accept` header asks for, and whether
//! its `Accept-Encoding` takes gzip.

use crate::encode::render;
use crate::Format;

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

/// Whether an `Accept-Encoding` header takes gzip (and does not refuse it with `q=0`).
#[cfg(feature = "serve")]
pub(crate) fn accepts_gzip(accept_encoding: &str) -> bool {
    accept_encoding.split(',').any(|coding| {
        let mut parts = coding.split(';').map(str::trim);
        let name = parts.next().unwrap_or_default();
        let refused =
            parts.any(|p| p.strip_prefix("q=").and_then(|q| q.parse::<f64>().ok()) == Some(0.0));
        (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(feature = "serve")]
    fn gzip_negotiation() {
        assert!(accepts_gzip("gzip"));
        assert!(accepts_gzip("deflate, gzip;q=0.8"));
        assert!(accepts_gzip("*"));
        assert!(!accepts_gzip("gzip;q=0"));
        assert!(!accepts_gzip("identity"));
    }

    #[test]
    fn accept_headers_pick_the_format() {
        let preferred = "text/plain;q=0.9, application/openmetrics-text;q=0.8";
        assert_eq!(Format::negotiate(Some(preferred)), Format::Prometheus);
        let openmetrics = Some("application/openmetrics-text");
        assert_eq!(Format::negotiate(openmetrics), Format::OpenMetrics);
        assert_eq!(
            Format::negotiate(Some("application/json")),
            Format::Prometheus
        );
    }
}
