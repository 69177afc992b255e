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
        let weights = Weights::of(accept);
        if weights.openmetrics > 0.0 && weights.openmetrics >= weights.text {
            Format::OpenMetrics
        } else {
            Format::Prometheus
        }
    }
}

/// How much an `Accept` header wants each scrape format, by its `q` values.
#[derive(Default)]
struct Weights {
    openmetrics: f64,
    text: f64,
    protobuf: f64,
}

impl Weights {
    fn of(accept: Option<&str>) -> Self {
        let mut weights = Self::default();
        for range in accept.unwrap_or_default().split(',') {
            let mut parts = range.split(';').map(str::trim);
            let media = parts.next().unwrap_or_default().to_ascii_lowercase();
            let (mut q, mut families) = (1.0, false);
            for parameter in parts {
                if let Some(value) = parameter.strip_prefix("q=") {
                    q = value.parse::<f64>().unwrap_or(q);
                } else if let Some(proto) = parameter.strip_prefix("proto=") {
                    families = proto == "io.prometheus.client.MetricFamily";
                }
            }
            let weight = match media.as_str() {
                "application/openmetrics-text" => &mut weights.openmetrics,
                "text/plain" => &mut weights.text,
                "application/vnd.google.protobuf" if families => &mut weights.protobuf,
                _ => continue,
            };
            *weight = weight.max(q);
        }
        weights
    }
}

/// What the endpoint answers a scrape with: a text format, or the protobuf format when the
/// scraper prefers it (a Prometheus with native histograms on asks for it first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Answer {
    Text(Format),
    #[cfg(feature = "protobuf")]
    Protobuf,
}

impl Answer {
    /// The answer to `accept`; the protobuf format only when `protobuf` can be rendered.
    pub(crate) fn negotiate(accept: Option<&str>, protobuf: bool) -> Answer {
        let weights = Weights::of(accept);
        #[cfg(feature = "protobuf")]
        if protobuf
            && weights.protobuf > 0.0
            && weights.protobuf >= weights.text.max(weights.openmetrics)
        {
            return Answer::Protobuf;
        }
        let _ = protobuf;
        if weights.openmetrics > 0.0 && weights.openmetrics >= weights.text {
            Answer::Text(Format::OpenMetrics)
        } else {
            Answer::Text(Format::Prometheus)
        }
    }

    pub(crate) fn content_type(self) -> &'static str {
        match self {
            Answer::Text(format) => format.content_type(),
            #[cfg(feature = "protobuf")]
            Answer::Protobuf => crate::PROTOBUF_CONTENT_TYPE,
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

/// As [`scrape`], and in the protobuf format when the scraper prefers it (feature
/// `protobuf`; a Prometheus with native histograms on does), which is bytes rather than
/// text: what a `/metrics` handler answers when the program has native histograms.
///
/// ```
/// let (content_type, body) = meterbox::scrape_bytes(Some("text/plain"));
/// assert!(content_type.starts_with("text/plain"));
/// assert!(body.starts_with(b"# HELP"));
/// ```
#[must_use]
pub fn scrape_bytes(accept: Option<&str>) -> (&'static str, Vec<u8>) {
    let answer = Answer::negotiate(accept, true);
    let body = match answer {
        Answer::Text(format) => render(format).into_bytes(),
        #[cfg(feature = "protobuf")]
        Answer::Protobuf => crate::render_protobuf(),
    };
    (answer.content_type(), body)
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

    #[test]
    #[cfg(all(feature = "serve", feature = "protobuf"))]
    fn a_native_histogram_scraper_gets_protobuf() {
        let native = "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;\
            encoding=delimited;q=0.7,text/plain;version=0.0.4;q=0.3,*/*;q=0.2";
        assert_eq!(Answer::negotiate(Some(native), true), Answer::Protobuf);
        // Not when the server's own source renders text only.
        assert_eq!(
            Answer::negotiate(Some(native), false),
            Answer::Text(Format::Prometheus)
        );
        // Another message type, or a lower preference, is not a request for it.
        let other = "application/vnd.google.protobuf;proto=other.Message,text/plain;q=0.5";
        assert_eq!(
            Answer::negotiate(Some(other), true),
            Answer::Text(Format::Prometheus)
        );
        let later = "text/plain,application/vnd.google.protobuf;\
            proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.5";
        assert_eq!(
            Answer::negotiate(Some(later), true),
            Answer::Text(Format::Prometheus)
        );
    }
}
