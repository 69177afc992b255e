//! Names and label keys that arrive at run time (families registered from strings users
//! pass in), made valid according to one process-wide setting.
//!
//! Names written in the source are checked by the macros at compile time and never pass
//! through here.

use std::borrow::Cow;
use std::fmt;
use std::sync::atomic::{AtomicU8, Ordering};

/// How names and label keys built at run time are made valid: one setting for the process,
/// [`set_sanitize`], `Sanitize::Prometheus` unless changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Sanitize {
    /// Every character outside ASCII letters, digits and `_` becomes `_` (`:` too, which
    /// Prometheus keeps for recording rules), and a leading digit gets a `_` in front:
    /// `http.requests-2xx` → `http_requests_2xx`.
    #[default]
    Prometheus,
    /// Letters of any script, digits, `.`, `-`, `_` and `/` are kept, anything else becomes
    /// `_`: `tâche/queue.size` stays as it is. The JSON and table formats show these names;
    /// the Prometheus and OpenMetrics formats, whose names are narrower, show each one's
    /// `Prometheus` form.
    Permissive,
    /// Nothing is changed: a name or key that is not already a valid Prometheus one is
    /// rejected with an error.
    None,
}

/// A name or label key that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidName {
    /// The text as given.
    pub text: String,
    /// Why it cannot be used.
    pub reason: &'static str,
}

impl fmt::Display for InvalidName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid name {:?}: {}", self.text, self.reason)
    }
}

impl std::error::Error for InvalidName {}

static MODE: AtomicU8 = AtomicU8::new(0);

/// Sets how names and label keys built at run time are made valid, for the whole process.
/// Families registered before the change keep their names.
pub fn set_sanitize(mode: Sanitize) {
    let code = match mode {
        Sanitize::Prometheus => 0,
        Sanitize::Permissive => 1,
        Sanitize::None => 2,
    };
    MODE.store(code, Ordering::Relaxed);
}

/// The current setting.
#[must_use]
pub fn sanitize_mode() -> Sanitize {
    match MODE.load(Ordering::Relaxed) {
        1 => Sanitize::Permissive,
        2 => Sanitize::None,
        _ => Sanitize::Prometheus,
    }
}

/// Which text is being made valid: metric names may hold `:`, label keys may not.
#[derive(Clone, Copy, PartialEq, Eq)]
enum What {
    Name,
    LabelKey,
}

/// Colons are valid in names but reserved for recording rules (promtool warns of one in an
/// exposition), so they are replaced too.
fn prometheus_char(c: char, first: bool, _what: What) -> bool {
    c.is_ascii_alphabetic() || c == '_' || (!first && c.is_ascii_digit())
}

fn permissive_char(c: char) -> bool {
    c.is_alphabetic() || c.is_ascii_digit() || matches!(c, '.' | '-' | '_' | '/')
}

impl Sanitize {
    /// `text` made valid as a metric name under this mode.
    ///
    /// # Errors
    ///
    /// When `text` is empty, or under [`Sanitize::None`] when it is not a valid name.
    pub fn name(self, text: &str) -> Result<Cow<'_, str>, InvalidName> {
        self.apply(text, What::Name)
    }

    /// `text` made valid as a label key under this mode. Keys the formats use themselves
    /// (`le`, `quantile`, and any starting with `__`) are rejected in every mode.
    ///
    /// # Errors
    ///
    /// As [`Sanitize::name`], and for the reserved keys.
    pub fn label_key(self, text: &str) -> Result<Cow<'_, str>, InvalidName> {
        let key = self.apply(text, What::LabelKey)?;
        // Checked as the text formats will show it too: `..x` is a permissive key, `__x` there.
        if reserved_key(&key) || reserved_key(&exposition_key(&key)) {
            return Err(InvalidName {
                text: text.to_owned(),
                reason: "the label keys `le`, `quantile` and `__…` are reserved",
            });
        }
        Ok(key)
    }

    fn apply(self, text: &str, what: What) -> Result<Cow<'_, str>, InvalidName> {
        let invalid = |reason| InvalidName {
            text: text.to_owned(),
            reason,
        };
        if text.is_empty() {
            return Err(invalid("it is empty"));
        }
        let valid = |c: char, first: bool| match self {
            Sanitize::Prometheus | Sanitize::None => prometheus_char(c, first, what),
            Sanitize::Permissive => permissive_char(c),
        };
        if text.chars().enumerate().all(|(i, c)| valid(c, i == 0)) {
            return Ok(Cow::Borrowed(text));
        }
        if self == Sanitize::None {
            return Err(invalid(
                "use ASCII letters, digits and `_`, not starting with a digit; or choose \
                 another `Sanitize` mode",
            ));
        }
        let mut out = String::with_capacity(text.len() + 1);
        if text.starts_with(|c: char| c.is_ascii_digit()) && self == Sanitize::Prometheus {
            out.push('_');
        }
        for c in text.chars() {
            out.push(if valid(c, false) { c } else { '_' });
        }
        Ok(Cow::Owned(out))
    }
}

/// Label keys the text formats write themselves (`le`, `quantile`) or reserve (`__…`).
pub(crate) fn reserved_key(key: &str) -> bool {
    key == "le" || key == "quantile" || key.starts_with("__")
}

/// Checks label names in a const context, so that a bad one in a `static` fails to compile:
/// the rules of [`reserved_key`] and of a Prometheus name, written out for `const`.
pub(crate) const fn check_label_names(names: &[&str]) {
    let mut i = 0;
    while i < names.len() {
        let name = names[i].as_bytes();
        assert!(!name.is_empty(), "meterbox: a label name cannot be empty");
        assert!(
            !(name.len() >= 2 && name[0] == b'_' && name[1] == b'_'),
            "meterbox: label names starting with `__` are reserved"
        );
        assert!(
            !eq(name, b"le"),
            "meterbox: the label name `le` is reserved for histogram buckets"
        );
        assert!(
            !eq(name, b"quantile"),
            "meterbox: the label name `quantile` is reserved for summaries"
        );
        let mut j = 0;
        while j < name.len() {
            let c = name[j];
            let ok = c.is_ascii_alphabetic() || c == b'_' || (j > 0 && c.is_ascii_digit());
            assert!(
                ok,
                "meterbox: label names are ASCII letters, digits and `_`, not starting with a digit"
            );
            j += 1;
        }
        let mut k = 0;
        while k < i {
            assert!(
                !eq(names[k].as_bytes(), name),
                "meterbox: a family's label names must differ"
            );
            k += 1;
        }
        i += 1;
    }
}

const fn eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// The Prometheus form of a name or key already accepted by some mode, for the text formats.
pub(crate) fn exposition_name(text: &str) -> Cow<'_, str> {
    Sanitize::Prometheus
        .name(text)
        .unwrap_or(Cow::Borrowed("_"))
}

/// The Prometheus form of a label key, for the text formats.
pub(crate) fn exposition_key(text: &str) -> Cow<'_, str> {
    Sanitize::Prometheus
        .apply(text, What::LabelKey)
        .unwrap_or(Cow::Borrowed("_"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prometheus_replaces_what_it_cannot_take() {
        let p = Sanitize::Prometheus;
        assert_eq!(p.name("http.requests-2xx").unwrap(), "http_requests_2xx");
        assert_eq!(p.name("2xx").unwrap(), "_2xx");
        assert_eq!(p.name("job:rate5m").unwrap(), "job_rate5m");
        assert_eq!(p.label_key("job:name").unwrap(), "job_name");
        assert_eq!(p.name("tâche").unwrap(), "t_che");
        assert!(matches!(p.name("ok_name").unwrap(), Cow::Borrowed(_)));
    }

    #[test]
    fn permissive_keeps_letters_of_any_script_and_path_punctuation() {
        let p = Sanitize::Permissive;
        assert_eq!(p.name("tâche/queue.size-1").unwrap(), "tâche/queue.size-1");
        assert_eq!(p.name("日本.requests").unwrap(), "日本.requests");
        assert_eq!(p.name("a b{c}").unwrap(), "a_b_c_");
        assert_eq!(p.name("1st").unwrap(), "1st");
    }

    #[test]
    fn none_rejects_instead_of_changing() {
        let n = Sanitize::None;
        assert_eq!(n.name("fine_name").unwrap(), "fine_name");
        let err = n.name("not.fine").unwrap_err();
        assert_eq!(err.text, "not.fine");
        assert!(err.to_string().contains("not.fine"));
        assert!(n.label_key("9lives").is_err());
    }

    #[test]
    fn empty_and_reserved_are_errors_in_every_mode() {
        for mode in [Sanitize::Prometheus, Sanitize::Permissive, Sanitize::None] {
            assert!(mode.name("").is_err());
            assert!(mode.label_key("le").is_err());
            assert!(mode.label_key("quantile").is_err());
            assert!(mode.label_key("__name__").is_err());
        }
        // Sanitizing cannot produce a reserved key either, nor can the emitted form.
        assert!(Sanitize::Prometheus.label_key("__x").is_err());
        assert!(Sanitize::Permissive.label_key("..x").is_err());
        assert!(Sanitize::Permissive.label_key(".x").is_ok());
    }

    #[test]
    fn exposition_forms_are_prometheus_forms() {
        assert_eq!(exposition_name("tâche/queue.size"), "t_che_queue_size");
        assert_eq!(exposition_key("zone.id"), "zone_id");
        assert_eq!(exposition_name("plain"), "plain");
    }
}
