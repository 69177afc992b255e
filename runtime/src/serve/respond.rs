//! One request's answer: authentication, refusals, the format asked for, the rendered body.

use std::sync::Arc;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{self, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};

use super::negotiate::{accepts_gzip, Answer};
use super::renders::{Failure, Renders};
use crate::dashboard::{History, PAGE as PAGE_HTML};
use crate::Format;

fn plain(status: StatusCode, text: impl Into<Bytes>) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(text.into()));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

/// Equal without leaking where they differ through timing.
fn same_secret(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn header(request: &Request<Incoming>, name: header::HeaderName) -> Option<&str> {
    request.headers().get(name).and_then(|v| v.to_str().ok())
}

/// The credentials of `Authorization: Bearer <token>`, the scheme in any case (RFC 7235).
fn bearer(authorization: &str) -> Option<&str> {
    let (scheme, token) = authorization.trim_start().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim_matches(' '))
}

/// Whether the request carries a body: a `Content-Length` that is not zero (`00` is zero;
/// one that is not a number is taken as a body), or any `Transfer-Encoding`.
fn has_body(request: &Request<Incoming>) -> bool {
    let length = header(request, header::CONTENT_LENGTH)
        .is_some_and(|n| n.trim().parse::<u64>().map_or(true, |n| n > 0));
    length || request.headers().contains_key(header::TRANSFER_ENCODING)
}

/// The dashboard's routes: the page, and the data its script reads.
const PAGE: &str = "/";
const DATA: &str = "/api/dashboard";

/// The value of `name` in a query string, percent-decoded.
fn query_value(query: &str, name: &str) -> Option<String> {
    let raw = query
        .split('&')
        .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))?;
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                    // Two hex digits make at most 255.
                    #[allow(clippy::cast_possible_truncation)]
                    (Some(a), Some(b)) => out.push((a * 16 + b) as u8),
                    _ => return None,
                }
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

pub(super) async fn respond(
    request: &Request<Incoming>,
    token: Option<&str>,
    renders: &Arc<Renders>,
    dashboard: Option<&Arc<History>>,
) -> Response<Full<Bytes>> {
    let path = request.uri().path();
    let dashboard = dashboard.filter(|_| path == PAGE || path == DATA);
    if let Some(token) = token {
        // A browser cannot send a header when it opens a page: the dashboard also takes
        // the token as `?token=`, which its script passes on as the header.
        let in_query = dashboard
            .and_then(|_| query_value(request.uri().query()?, "token"))
            .unwrap_or_default();
        let given = header(request, header::AUTHORIZATION)
            .and_then(bearer)
            .unwrap_or(&in_query);
        if !same_secret(given.as_bytes(), token.as_bytes()) {
            let mut response = plain(StatusCode::UNAUTHORIZED, "a bearer token is required\n");
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            return response;
        }
    }
    if request.method() != Method::GET && request.method() != Method::HEAD {
        let mut response = plain(StatusCode::METHOD_NOT_ALLOWED, "only GET is served\n");
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return response;
    }
    if has_body(request) {
        return plain(
            StatusCode::PAYLOAD_TOO_LARGE,
            "requests to this endpoint have no body\n",
        );
    }
    if let Some(history) = dashboard {
        return dashboard_response(path, history, renders.timeout()).await;
    }
    let answer = match path {
        "/metrics" => {
            Answer::negotiate(header(request, header::ACCEPT), renders.renders_protobuf())
        }
        "/metrics.json" => Answer::Text(Format::Json),
        _ => return plain(StatusCode::NOT_FOUND, "try /metrics or /metrics.json\n"),
    };
    let gzip = header(request, header::ACCEPT_ENCODING).is_some_and(accepts_gzip);
    let body = match renders.body(answer, gzip).await {
        Ok(body) => body,
        Err(Failure::Source(message)) => {
            return plain(StatusCode::SERVICE_UNAVAILABLE, message + "\n");
        }
        Err(Failure::TimedOut) => {
            return plain(
                StatusCode::SERVICE_UNAVAILABLE,
                "the metrics took longer than the render timeout\n",
            );
        }
        Err(Failure::Failed) => {
            return plain(StatusCode::INTERNAL_SERVER_ERROR, "rendering failed\n");
        }
    };
    let mut response = Response::new(Full::new(body.bytes));
    let headers = response.headers_mut();
    if body.gzip {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(answer.content_type()),
    );
    headers.insert(
        header::VARY,
        HeaderValue::from_static("Accept, Accept-Encoding"),
    );
    response
}

/// The dashboard's page, or its data, worked out on the blocking pool.
async fn dashboard_response(
    path: &str,
    history: &Arc<History>,
    timeout: std::time::Duration,
) -> Response<Full<Bytes>> {
    let (body, content_type) = if path == PAGE {
        (
            Bytes::from_static(PAGE_HTML.as_bytes()),
            "text/html; charset=utf-8",
        )
    } else {
        let history = Arc::clone(history);
        let work = tokio::task::spawn_blocking(move || crate::dashboard::data(&history));
        match tokio::time::timeout(timeout, work).await {
            Ok(Ok(json)) => (Bytes::from(json), "application/json"),
            Ok(Err(_)) => return plain(StatusCode::INTERNAL_SERVER_ERROR, "rendering failed\n"),
            Err(_) => {
                return plain(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "the metrics took longer than the render timeout\n",
                )
            }
        }
    };
    let mut response = Response::new(Full::new(body));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_compare_in_full() {
        assert!(same_secret(b"abc", b"abc"));
        assert!(!same_secret(b"abc", b"abd"));
        assert!(!same_secret(b"abc", b"ab"));
    }

    #[test]
    fn the_bearer_scheme_is_matched_in_any_case() {
        assert_eq!(bearer("Bearer s3cret"), Some("s3cret"));
        assert_eq!(bearer("bearer s3cret"), Some("s3cret"));
        assert_eq!(bearer("BEARER  s3cret"), Some("s3cret"));
        assert_eq!(bearer("Basic s3cret"), None);
        assert_eq!(bearer("Bearers3cret"), None);
    }

    #[test]
    fn the_dashboard_token_is_read_from_the_query() {
        assert_eq!(
            query_value("token=s3cret", "token").as_deref(),
            Some("s3cret")
        );
        assert_eq!(
            query_value("x=1&xtoken=no&token=a%2Fb+c%3d", "token").as_deref(),
            Some("a/b c=")
        );
        assert_eq!(query_value("tokens=no", "token"), None);
        assert_eq!(query_value("token=%zz", "token"), None);
        assert_eq!(query_value("token=50%", "token").as_deref(), Some("50%"));
        assert_eq!(
            query_value("token=%e2%9c%93", "token").as_deref(),
            Some("✓")
        );
    }
}
