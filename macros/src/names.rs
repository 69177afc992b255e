//! Compile-time checks of names against the Prometheus data model, and the naming
//! conventions applied to them (unit suffix, `_total` on counters).

use proc_macro2::Span;
use syn::{Error, LitStr, Result};

/// `[a-zA-Z_][a-zA-Z0-9_]*`: the data model also allows `:`, but keeps it for recording
/// rules, and promtool warns of one in an exposition.
pub fn check_metric_name(name: &str, span: Span) -> Result<()> {
    let mut chars = name.chars();
    let valid = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        return Err(Error::new(
            span,
            format!(
                "invalid metric name `{name}`: use ASCII letters, digits and `_`, \
                 not starting with a digit (`:` is kept for recording rules)"
            ),
        ));
    }
    for suffix in ["_bucket", "_sum", "_count", "_created"] {
        if name.ends_with(suffix) {
            return Err(Error::new(
                span,
                format!("invalid metric name `{name}`: the suffix `{suffix}` is reserved for histogram series"),
            ));
        }
    }
    Ok(())
}

/// `[a-zA-Z_][a-zA-Z0-9_]*`, not starting with `__`, and none of the names the formats or
/// the function families use themselves.
pub fn check_label_name(name: &str, span: Span, reserved: &[&str]) -> Result<()> {
    let mut chars = name.chars();
    let valid = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        return Err(Error::new(
            span,
            format!(
                "invalid label name `{name}`: use ASCII letters, digits and `_`, \
                 not starting with a digit"
            ),
        ));
    }
    if name.starts_with("__") {
        return Err(Error::new(
            span,
            format!("invalid label name `{name}`: names starting with `__` are reserved"),
        ));
    }
    if name == "le" || name == "quantile" || reserved.contains(&name) {
        return Err(Error::new(
            span,
            format!("label name `{name}` is reserved here"),
        ));
    }
    Ok(())
}

/// Units are base units, lower case, as Prometheus recommends; a scaled unit gets a message
/// naming the base unit.
pub fn check_unit(unit: &LitStr) -> Result<String> {
    let value = unit.value();
    let scaled = [
        ("nanoseconds", "seconds"),
        ("microseconds", "seconds"),
        ("milliseconds", "seconds"),
        ("minutes", "seconds"),
        ("hours", "seconds"),
        ("days", "seconds"),
        ("ms", "seconds"),
        ("kilobytes", "bytes"),
        ("megabytes", "bytes"),
        ("gigabytes", "bytes"),
        ("kibibytes", "bytes"),
        ("mebibytes", "bytes"),
        ("bits", "bytes"),
        ("percent", "ratio"),
        ("celsius", "celsius"),
    ];
    if let Some((_, base)) = scaled.iter().find(|(u, b)| *u == value && u != b) {
        return Err(Error::new(
            unit.span(),
            format!("use the base unit `{base}` instead of `{value}`, and scale the values"),
        ));
    }
    let valid = !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !value.starts_with('_')
        && !value.ends_with('_');
    if !valid {
        return Err(Error::new(
            unit.span(),
            format!("invalid unit `{value}`: use lower-case ASCII letters, digits and `_`, such as `seconds` or `bytes`"),
        ));
    }
    Ok(value)
}

/// Puts `_unit` at the end of the name (before a `_total`) when it is not there already.
pub fn with_unit(name: &str, unit: &str) -> String {
    if unit.is_empty() {
        return name.to_owned();
    }
    let (base, total) = match name.strip_suffix("_total") {
        Some(base) => (base, "_total"),
        None => (name, ""),
    };
    if base.ends_with(&format!("_{unit}")) || base == unit {
        name.to_owned()
    } else {
        format!("{base}_{unit}{total}")
    }
}

/// Counter names end in `_total`.
pub fn counter_name(name: &str) -> String {
    if name.ends_with("_total") {
        name.to_owned()
    } else {
        format!("{name}_total")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span() -> Span {
        Span::call_site()
    }

    #[test]
    fn metric_names_follow_the_data_model_without_colons() {
        assert!(check_metric_name("orders_total", span()).is_ok());
        assert!(check_metric_name("_private", span()).is_ok());
        for bad in ["9lives", "orders-total", "job:rate5m", "", "tâche"] {
            assert!(check_metric_name(bad, span()).is_err(), "{bad}");
        }
        let err = check_metric_name("latency_count", span()).unwrap_err();
        assert!(err.to_string().contains("`_count` is reserved"), "{err}");
    }

    #[test]
    fn label_names_refuse_reserved_ones() {
        assert!(check_label_name("route", span(), &[]).is_ok());
        for bad in ["le", "quantile", "__x", "9x", "a-b", ""] {
            assert!(check_label_name(bad, span(), &[]).is_err(), "{bad}");
        }
        assert!(check_label_name("function", span(), &["function"]).is_err());
    }

    #[test]
    fn units_are_base_units_appended_before_total() {
        let unit = |text: &str| check_unit(&LitStr::new(text, span()));
        assert_eq!(unit("seconds").unwrap(), "seconds");
        let scaled = unit("milliseconds").unwrap_err().to_string();
        assert!(scaled.contains("`seconds`"), "{scaled}");
        assert!(unit("Bytes").is_err());
        assert!(unit("_x").is_err());
        assert_eq!(with_unit("payload", "bytes"), "payload_bytes");
        assert_eq!(with_unit("payload_bytes", "bytes"), "payload_bytes");
        assert_eq!(with_unit("sent_total", "bytes"), "sent_bytes_total");
        assert_eq!(with_unit("sent_bytes_total", "bytes"), "sent_bytes_total");
        assert_eq!(with_unit("plain", ""), "plain");
        assert_eq!(counter_name("jobs"), "jobs_total");
        assert_eq!(counter_name("jobs_total"), "jobs_total");
    }
}
