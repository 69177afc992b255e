//! How the text formats spell things: escaped label values and help, numbers.
//!
//! Below every other module: the layout keys series by their escaped labels, the encoders
//! write with it, and surfacers format numbers the same way.

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
