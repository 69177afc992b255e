//! The field names of a namespace's hash: `{metric_name}:{extension}:{labels}`.
//!
//! Extensions are one letter: `b` (a histogram bucket, its bound in the `le` label), `s`
//! (sum), `c` (count), `d` (description), `t` (type: `c`, `g`, `h` or `s`); a plain value
//! (a counter, a gauge, a summary quantile) has none. Labels are `name="value"` pairs in
//! name order, separated by commas, so one set of labels is always one field; values are
//! escaped as in the Prometheus text format.

use crate::metrics::Kind;
use crate::syntax::escape_label_value;

/// The part of a field after the name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ext {
    Value,
    Bucket,
    Sum,
    Count,
    Description,
    Type,
}

impl Ext {
    fn letter(self) -> &'static str {
        match self {
            Ext::Value => "",
            Ext::Bucket => "b",
            Ext::Sum => "s",
            Ext::Count => "c",
            Ext::Description => "d",
            Ext::Type => "t",
        }
    }

    fn from_letter(letter: &str) -> Option<Self> {
        Some(match letter {
            "" => Ext::Value,
            "b" => Ext::Bucket,
            "s" => Ext::Sum,
            "c" => Ext::Count,
            "d" => Ext::Description,
            "t" => Ext::Type,
            _ => return None,
        })
    }
}

/// The type letter stored under `name:t:`.
pub(crate) fn type_letter(kind: Kind) -> &'static str {
    match kind {
        Kind::Counter => "c",
        Kind::Gauge => "g",
        Kind::Histogram => "h",
        Kind::Summary => "s",
    }
}

/// The kind a type letter stands for.
pub(crate) fn kind_of(letter: &str) -> Option<Kind> {
    Some(match letter {
        "c" => Kind::Counter,
        "g" => Kind::Gauge,
        "h" => Kind::Histogram,
        "s" => Kind::Summary,
        _ => return None,
    })
}

/// `name:ext:labels`, labels sorted by name. A `:` in the name, which would make the
/// field ambiguous, is written as `_`.
pub(crate) fn field(name: &str, ext: Ext, labels: &[(&str, &str)]) -> String {
    let mut sorted: Vec<&(&str, &str)> = labels.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(b.0));
    let mut out = name.replace(':', "_");
    out.push(':');
    out.push_str(ext.letter());
    out.push(':');
    for (i, (k, v)) in sorted.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(k);
        out.push_str("=\"");
        escape_label_value(&mut out, v);
        out.push('"');
    }
    out
}

/// A field, read back.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Field {
    pub name: String,
    pub ext: Ext,
    pub labels: Vec<(String, String)>,
}

/// Reads a field name back; the error says what is wrong with it.
pub(crate) fn parse(field: &str) -> Result<Field, &'static str> {
    let (name, rest) = field
        .split_once(':')
        .ok_or("no `:` after the metric name")?;
    let (letter, labels) = rest.split_once(':').ok_or("no `:` after the extension")?;
    if name.is_empty() {
        return Err("an empty metric name");
    }
    if !name.chars().all(name_char) {
        return Err("a metric name with characters that no name may hold");
    }
    let ext = Ext::from_letter(letter).ok_or("an unknown extension")?;
    Ok(Field {
        name: name.to_owned(),
        ext,
        labels: parse_labels(labels)?,
    })
}

/// What a stored name or label key may hold: what some `Sanitize` mode leaves in one
/// (letters of any script, digits, `_`, `.`, `-`, `/`). Readers show each in its Prometheus
/// form; anything else (spaces, quotes, line breaks) is refused.
fn name_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '.' | '-' | '/')
}

fn parse_labels(text: &str) -> Result<Vec<(String, String)>, &'static str> {
    let mut labels = Vec::new();
    let mut chars = text.chars().peekable();
    while chars.peek().is_some() {
        let mut key = String::new();
        loop {
            match chars.next() {
                Some('=') => break,
                Some(c) if name_char(c) => key.push(c),
                _ => return Err("a label name that is not `name=`"),
            }
        }
        if chars.next() != Some('"') {
            return Err("a label value without its opening quote");
        }
        let mut value = String::new();
        loop {
            match chars.next() {
                Some('"') => break,
                Some('\\') => match chars.next() {
                    Some('n') => value.push('\n'),
                    Some(c @ ('\\' | '"')) => value.push(c),
                    _ => return Err("an unknown escape in a label value"),
                },
                Some(c) => value.push(c),
                None => return Err("a label value without its closing quote"),
            }
        }
        if key.is_empty() {
            return Err("an empty label name");
        }
        labels.push((key, value));
        match chars.next() {
            None => break,
            Some(',') => {}
            Some(_) => return Err("labels not separated by `,`"),
        }
    }
    Ok(labels)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_follow_the_seed_encoding() {
        assert_eq!(
            field("api_http_requests_total", Ext::Value, &[]),
            "api_http_requests_total::"
        );
        assert_eq!(
            field(
                "api_http_requests_total",
                Ext::Value,
                &[("method", "POST"), ("handler", "/messages")]
            ),
            r#"api_http_requests_total::handler="/messages",method="POST""#
        );
        assert_eq!(
            field(
                "latency_seconds",
                Ext::Bucket,
                &[("path", "/"), ("le", "0.05")]
            ),
            r#"latency_seconds:b:le="0.05",path="/""#
        );
        assert_eq!(field("x", Ext::Description, &[]), "x:d:");
        assert_eq!(field("x", Ext::Type, &[]), "x:t:");
    }

    #[test]
    fn label_order_does_not_matter() {
        assert_eq!(
            field("m", Ext::Value, &[("b", "1"), ("a", "2")]),
            field("m", Ext::Value, &[("a", "2"), ("b", "1")])
        );
    }

    #[test]
    fn fields_read_back_with_awkward_values() {
        let labels = [("path", "C:\\tmp \"x\",\ny"), ("a", ":,=")];
        let text = field("m", Ext::Sum, &labels);
        let parsed = parse(&text).unwrap();
        assert_eq!(parsed.name, "m");
        assert_eq!(parsed.ext, Ext::Sum);
        assert_eq!(
            parsed.labels,
            vec![
                ("a".to_owned(), ":,=".to_owned()),
                ("path".to_owned(), "C:\\tmp \"x\",\ny".to_owned())
            ]
        );
    }

    #[test]
    fn bad_fields_say_why() {
        assert!(parse("nocolon").is_err());
        assert!(parse("m:x:").is_err());
        assert!(parse("m::a=1").is_err());
        assert!(parse(r#"m::a="1"b="2""#).is_err());
        assert!(parse(r#"m::a="1"#).is_err());
        assert!(parse(":c:").is_err());
        assert!(parse("evil\ninjected_total 666\nx::").is_err());
        assert!(parse("a b::").is_err());
        assert_eq!(
            parse("tâche.x::zone.id=\"1\"").unwrap().labels[0].0,
            "zone.id"
        );
        assert_eq!(kind_of("h"), Some(Kind::Histogram));
        assert_eq!(kind_of("x"), None);
    }
}
