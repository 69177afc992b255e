//! A metrics store that many processes and hosts share, in Redis: each process's
//! [`RedisSurfacer`] adds its changes to one hash per application (the namespace), and
//! [`render`] (or the `meterbox-expose` binary) serves the totals.
//!
//! The hash's fields follow `{metric_name}:{extension}:{labels}`; see the README.

mod keys;
mod reader;
mod surfacer;

pub use reader::Namespace;
pub use surfacer::{GaugeMode, RedisSurfacer};

use crate::Format;

/// Reads namespace `namespace`, skipping fields that cannot be read (see
/// [`Namespace::warnings`]).
///
/// # Errors
///
/// Redis's.
pub fn read(connection: &mut redis::Connection, namespace: &str) -> redis::RedisResult<Namespace> {
    let fields: Vec<(String, String)> = redis::cmd("HGETALL").arg(namespace).query(connection)?;
    Ok(Namespace::from_fields(fields))
}

/// Namespace `namespace` in `format` (Prometheus or OpenMetrics text); unreadable fields
/// are skipped, each with a `log` warning naming it.
///
/// # Errors
///
/// Redis's.
pub fn render(
    connection: &mut redis::Connection,
    namespace: &str,
    format: Format,
) -> redis::RedisResult<String> {
    render_many(connection, &[namespace], format)
}

/// Several namespaces in one exposition: with more than one, every series gets a
/// `namespace` label saying where it is from.
///
/// # Errors
///
/// Redis's.
pub fn render_many(
    connection: &mut redis::Connection,
    namespaces: &[&str],
    format: Format,
) -> redis::RedisResult<String> {
    let mut all = Namespace::default();
    for namespace in namespaces {
        let read = read(connection, namespace)?;
        if namespaces.len() == 1 {
            all = read;
        } else {
            all.merge(read, namespace);
        }
    }
    for warning in all.warnings() {
        log::warn!(target: "meterbox", "{warning}");
    }
    Ok(all.render(format))
}

/// Serves `/metrics` for `namespaces` of the Redis at `url` on `listen` (see
/// [`serve`](crate::serve) for the address rules): what the `meterbox-expose` binary runs.
/// Each scrape reads the namespaces afresh; with several, every series gets a `namespace`
/// label. Only the Prometheus and OpenMetrics formats are served (`/metrics.json` is 503).
///
/// # Errors
///
/// When `url` is not a Redis URL or `listen` cannot be bound.
#[cfg(feature = "serve")]
pub fn serve(
    url: impl AsRef<str>,
    namespaces: &[&str],
    listen: impl AsRef<str>,
) -> std::io::Result<crate::ServerHandle> {
    let url = url.as_ref();
    let listen = listen.as_ref();
    serve_with(url, namespaces, crate::Server::new(listen))
}

/// As [`serve`], on a [`Server`](crate::Server) configured as the caller likes (a bearer
/// token, the limits and timeouts).
///
/// # Errors
///
/// When `url` is not a Redis URL or the server's address cannot be bound.
#[cfg(feature = "serve")]
pub fn serve_with(
    url: &str,
    namespaces: &[&str],
    server: crate::Server,
) -> std::io::Result<crate::ServerHandle> {
    use std::time::Duration;
    let client = redis::Client::open(url).map_err(|e| {
        std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("`{url}`: {e}"))
    })?;
    let namespaces: Vec<String> = namespaces.iter().map(|n| (*n).to_owned()).collect();
    server
        .source(move |format| {
            if !matches!(format, Format::Prometheus | Format::OpenMetrics) {
                return Err("only the Prometheus and OpenMetrics formats are served here".into());
            }
            let unreachable = |e: redis::RedisError| format!("redis: {e}");
            let mut connection = client
                .get_connection_with_timeout(Duration::from_secs(2))
                .map_err(unreachable)?;
            connection
                .set_read_timeout(Some(Duration::from_secs(5)))
                .map_err(unreachable)?;
            let names: Vec<&str> = namespaces.iter().map(String::as_str).collect();
            render_many(&mut connection, &names, format).map_err(unreachable)
        })
        .start()
}
