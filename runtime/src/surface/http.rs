//! What the pushing surfacers share: a client with a timeout, and reading an answer.

use std::time::Duration;

use super::SurfaceError;

/// A client that returns every answer as a response (statuses are judged by [`check`])
/// and gives each request at most `timeout`.
pub(crate) fn agent(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .build()
        .into()
}

/// POSTs `body` with the `Content-Type` `content_type`, meterbox's `User-Agent`, the
/// protocol's own `fixed` headers and the user's `headers`, and judges the answer.
pub(crate) fn post(
    agent: &ureq::Agent,
    url: &str,
    fixed: &[(&str, &str)],
    headers: &[(String, String)],
    body: &[u8],
) -> Result<(), SurfaceError> {
    let mut request = agent.post(url).header(
        "User-Agent",
        concat!("meterbox/", env!("CARGO_PKG_VERSION")),
    );
    for (name, value) in fixed {
        request = request.header(*name, *value);
    }
    for (name, value) in headers {
        request = request.header(name, value);
    }
    check(request.send(body))
}

/// Success for a 2xx answer. A failed connection, a 5xx or a 429 is worth retrying; other
/// answers are not. The error carries the start of the answer's body.
pub(crate) fn check(
    response: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
) -> Result<(), SurfaceError> {
    let mut response = response.map_err(|e| SurfaceError::retryable(e.to_string()))?;
    let status = response.status().as_u16();
    if (200..300).contains(&status) {
        return Ok(());
    }
    // Seconds only: the date form is rare from collectors, and a retry with the reporter's
    // own backoff is the safe reading of what cannot be parsed.
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
        .map(Duration::from_secs);
    let body = response.body_mut().read_to_string().unwrap_or_default();
    Err(SurfaceError {
        status: Some(status),
        message: body.trim().chars().take(500).collect(),
        retryable: status >= 500 || status == 429,
        retry_after,
    })
}
