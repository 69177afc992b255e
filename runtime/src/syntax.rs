//! How the text formats spell things: escaped label values and help, numbers, the start of
//! a sample line.
//!
//! Below every other module: the layout keys series by their escaped labels, the encoders
//! write with it, and surfacers format numbers the same way.

use std::sync::Arc;

/// Escapes a label value: backslash, double quote and newline.
pub(crate) fn escape_label_value(out: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

/// Escapes HELP text: backslash and newline, and for OpenMetrics also the double quote.
pub(crate) fn escape_help(out: &mut String, help: &str, quote: bool) {
    for c in help.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '"' if quote => out.push_str("\\\""),
            c => out.push(c),
        }
    }
}

/// Writes a float the way both formats parse it: `NaN`, `+Inf`, `-Inf`, or the shortest
/// form that reads back to the same value (`1.0`, `0.25`, `1e-6`).
pub(crate) fn push_f64(out: &mut String, v: f64) {
    if v.is_nan() {
        out.push_str("NaN");
    } else if v.is_infinite() {
        out.push_str(if v > 0.0 { "+Inf" } else { "-Inf" });
    } else {
        out.push_str(ryu::Buffer::new().format_finite(v));
    }
}

/// Writes an integer.
pub(crate) fn push_u64(out: &mut String, v: u64) {
    out.push_str(itoa::Buffer::new().format(v));
}

/// What a series writes besides its own labels: one sample, or one per bucket bound (and
/// `+Inf`) or per quantile, followed by `_sum` and `_count`.
#[derive(Clone, Copy)]
pub(crate) enum Shape<'a> {
    Single,
    Buckets(&'a [f64]),
    Quantiles(&'a [f64]),
}

/// A series' sample line prefixes in one piece of text. A counter's or gauge's one prefix is
/// the whole text, which a render reads from the series itself: a list of strings would
/// cost every line a load from another place in memory first.
///
/// The text is shared by the series of one list, written in their order ([`Lines::pack`]).
/// A render reads the series one after the other, so their text is then read from memory
/// as a stream; text allocated series by series lands wherever the allocator has room, and
/// waiting for it was half of a render's time.
#[derive(Clone, Debug)]
pub(crate) struct Lines {
    text: Arc<str>,
    /// Where this series' text starts and ends in `text`: exact, as a slice is taken at
    /// them unchecked, however long the shared text grows.
    start: usize,
    end: usize,
    /// Where each prefix ends, counted from `start`; empty when there is one. Read with
    /// checks, so a series' own text is kept short enough for them without a proof.
    ends: Box<[u32]>,
}

/// An offset into one series' text, far below 4 GiB.
fn offset(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl Lines {
    fn new(prefixes: &[String]) -> Self {
        let mut text = String::new();
        let mut ends = Vec::with_capacity(prefixes.len());
        for prefix in prefixes {
            text.push_str(prefix);
            ends.push(offset(text.len()));
        }
        if ends.len() == 1 {
            ends.clear();
        }
        Self {
            end: text.len(),
            text: text.into(),
            start: 0,
            ends: ends.into(),
        }
    }

    /// Puts the text of every one of `lines` into one piece, in their order.
    pub fn pack<'a>(lines: impl IntoIterator<Item = &'a mut Lines>) {
        let mut lines: Vec<&mut Lines> = lines.into_iter().collect();
        let mut text = String::with_capacity(lines.iter().map(|l| l.whole().len()).sum());
        let mut spans = Vec::with_capacity(lines.len());
        for line in &lines {
            let start = text.len();
            text.push_str(line.whole());
            spans.push((start, text.len()));
        }
        let text: Arc<str> = text.into();
        for (line, (start, end)) in lines.iter_mut().zip(spans) {
            line.text = Arc::clone(&text);
            line.start = start;
            line.end = end;
        }
    }

    /// All of this series' prefixes.
    #[inline(always)]
    #[allow(unsafe_code)]
    fn whole(&self) -> &str {
        let (start, end) = (self.start, self.end);
        debug_assert!(start <= end && end <= self.text.len());
        debug_assert!(self.text.is_char_boundary(start) && self.text.is_char_boundary(end));
        // SAFETY: `start` and `end` are set only by `new` and `pack`, each to the length of
        // the text written so far, whole strings at a time: in bounds, and at the ends of
        // characters. Read for every line of a render, where the checks were a tenth of its
        // time.
        unsafe { self.text.get_unchecked(start..end) }
    }

    /// How many prefixes.
    pub fn len(&self) -> usize {
        self.ends.len().max(1)
    }

    /// Prefix `i`, empty past the last.
    #[inline(always)]
    pub fn get(&self, i: usize) -> &str {
        let whole = self.whole();
        if self.ends.is_empty() {
            return if i == 0 { whole } else { "" };
        }
        let at = |i: usize| self.ends.get(i).map(|&e| e as usize);
        let start = if i == 0 { Some(0) } else { at(i - 1) };
        let end = at(i).or(start);
        start
            .zip(end)
            .and_then(|(start, end)| whole.get(start..end))
            .unwrap_or_default()
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        (0..self.len()).map(|i| self.get(i))
    }
}

/// The sample line prefixes of a series, each ending in a space, ready for the value: one
/// for a counter or gauge; for a histogram one per bucket (`+Inf` last), then `_sum` and
/// `_count`; for a summary one per quantile, then `_sum` and `_count`. `labels` is the
/// series' label text (`k="v",…`).
pub(crate) fn sample_prefixes(name: &str, labels: &str, shape: Shape<'_>) -> Lines {
    let extra = |key: &str, v: f64| {
        let mut text = String::from(key);
        text.push_str("=\"");
        push_f64(&mut text, v);
        text.push('"');
        text
    };
    let mut out = Vec::new();
    match shape {
        Shape::Buckets(bounds) => {
            for &b in bounds {
                out.push(with_labels(name, "_bucket", labels, &extra("le", b)));
            }
            out.push(with_labels(name, "_bucket", labels, "le=\"+Inf\""));
            out.push(with_labels(name, "_sum", labels, ""));
            out.push(with_labels(name, "_count", labels, ""));
        }
        Shape::Quantiles(quantiles) => {
            for &q in quantiles {
                out.push(with_labels(name, "", labels, &extra("quantile", q)));
            }
            out.push(with_labels(name, "_sum", labels, ""));
            out.push(with_labels(name, "_count", labels, ""));
        }
        Shape::Single => out.push(with_labels(name, "", labels, "")),
    }
    Lines::new(&out)
}

/// `name` and `suffix`, then `{labels,extra}` when there are any, then a space.
fn with_labels(name: &str, suffix: &str, labels: &str, extra: &str) -> String {
    let mut s = String::with_capacity(name.len() + suffix.len() + labels.len() + extra.len() + 4);
    s.push_str(name);
    s.push_str(suffix);
    if !labels.is_empty() || !extra.is_empty() {
        s.push('{');
        s.push_str(labels);
        if !labels.is_empty() && !extra.is_empty() {
            s.push(',');
        }
        s.push_str(extra);
        s.push('}');
    }
    s.push(' ');
    s
}

/// `text` inside a PromQL double-quoted string, for the rules and dashboards that query the
/// series: escaped as a label value is, which PromQL reads back the same.
pub(crate) fn promql_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    escape_label_value(&mut out, text);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_label_values() {
        let mut s = String::new();
        escape_label_value(&mut s, "a\\b\"c\nd é");
        assert_eq!(s, r#"a\\b\"c\nd é"#);
    }

    #[test]
    fn escapes_help_per_format() {
        let mut prom = String::new();
        escape_help(&mut prom, "a \"b\"\\\n", false);
        assert_eq!(prom, "a \"b\"\\\\\\n");
        let mut om = String::new();
        escape_help(&mut om, "a \"b\"", true);
        assert_eq!(om, "a \\\"b\\\"");
    }

    #[test]
    fn line_prefixes_are_one_text() {
        let one = sample_prefixes("up", "", Shape::Single);
        assert_eq!((one.len(), one.get(0), one.get(1)), (1, "up ", ""));
        let histogram = sample_prefixes("t", "a=\"1\"", Shape::Buckets(&[0.5]));
        let all: Vec<&str> = histogram.iter().collect();
        assert_eq!(
            all,
            [
                "t_bucket{a=\"1\",le=\"0.5\"} ",
                "t_bucket{a=\"1\",le=\"+Inf\"} ",
                "t_sum{a=\"1\"} ",
                "t_count{a=\"1\"} ",
            ]
        );
        assert_eq!(histogram.get(4), "", "past the last");
        assert_eq!(histogram.get(9), "", "far past the last");
    }

    #[test]
    fn formats_floats() {
        let cases = [
            (f64::NAN, "NaN"),
            (f64::INFINITY, "+Inf"),
            (f64::NEG_INFINITY, "-Inf"),
            (1.0, "1.0"),
            (0.25, "0.25"),
            (1e-6, "1e-6"),
            (-3.5, "-3.5"),
            (2.5e-6, "2.5e-6"),
            (1e21, "1e21"),
            (123_456.0, "123456.0"),
        ];
        for (v, want) in cases {
            let mut s = String::new();
            push_f64(&mut s, v);
            assert_eq!(s, want);
        }
    }
}
