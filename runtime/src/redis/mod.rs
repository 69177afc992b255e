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
