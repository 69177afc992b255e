//! Label values and typed label sets: what `#[derive(LabelValue)]` and `#[derive(LabelSet)]`
//! implement, and the values computed by `labels(key = expr)` in the function attributes.

use std::borrow::Cow;

/// A label value as text: borrowed, or an integer's digits kept inline so that integers
/// become label values without allocating.
#[derive(Debug, Clone, Copy)]
pub struct Label<'a>(Repr<'a>);

#[derive(Debug, Clone, Copy)]
enum Repr<'a> {
    Text(&'a str),
    Digits { buf: [u8; 20], start: u8 },
}

impl<'a> Label<'a> {
    /// A label of this text.
    #[must_use]
    pub const fn text(text: &'a str) -> Self {
        Label(Repr::Text(text))
    }

    /// The text of the label.
    #[must_use]
    pub fn as_str(&self) -> &str {
        match &self.0 {
            Repr::Text(text) => text,
            // Only ASCII digits and `-` are ever written to the buffer.
            Repr::Digits { buf, start } => {
                core::str::from_utf8(&buf[usize::from(*start)..]).unwrap_or_default()
            }
        }
    }

    #[allow(clippy::cast_possible_truncation)] // digits below 10, positions below 20
    fn digits(negative: bool, mut n: u64) -> Label<'static> {
        let mut buf = [0u8; 20];
        let mut at = buf.len();
        loop {
            at -= 1;
            // `n % 10` is below 10, so the cast keeps it.
            buf[at] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        if negative {
            at -= 1;
            buf[at] = b'-';
        }
        // `at` is below 20.
        let start = at as u8;
        Label(Repr::Digits { buf, start })
    }
}

/// A type whose values can be label values.
///
/// Implemented for text (`str`, `String`, `Cow<str>`), integers, `bool`, references to these,
/// and by `#[derive(LabelValue)]` for enums without fields, whose closed set of values lets a
/// [`TypedFamily`](crate::TypedFamily) keep its children in an array:
///
/// ```
/// use meterbox::LabelValue;
///
/// #[derive(LabelValue)]
/// enum Method {
///     Get,                      // "get": variant names in snake_case
///     #[label(rename = "POST")] // or any text
///     Post,
/// }
///
/// assert_eq!(Method::Get.as_label().as_str(), "get");
/// assert_eq!(<Method as LabelValue>::CARDINALITY, Some(2));
/// ```
pub trait LabelValue {
    /// How many values the type has, when that is a small closed set (an enum, `bool`);
    /// `None` for open sets such as text.
    const CARDINALITY: Option<usize> = None;

    /// The position of this value in the closed set, below [`LabelValue::CARDINALITY`].
    fn index(&self) -> usize {
        0
    }

    /// The text of the value at `index` of the closed set; empty past its end or for open
    /// sets.
    #[must_use]
    fn value_at(index: usize) -> &'static str {
        let _ = index;
        ""
    }

    /// The value as label text.
    fn as_label(&self) -> Label<'_>;
}

impl LabelValue for str {
    fn as_label(&self) -> Label<'_> {
        Label::text(self)
    }
}

impl LabelValue for String {
    fn as_label(&self) -> Label<'_> {
        Label::text(self)
    }
}

impl LabelValue for Cow<'_, str> {
    fn as_label(&self) -> Label<'_> {
        Label::text(self)
    }
}

impl LabelValue for bool {
    const CARDINALITY: Option<usize> = Some(2);
    fn index(&self) -> usize {
        usize::from(*self)
    }
    fn value_at(index: usize) -> &'static str {
        ["false", "true"].get(index).copied().unwrap_or_default()
    }
    fn as_label(&self) -> Label<'_> {
        Label::text(Self::value_at(self.index()))
    }
}

impl<T: LabelValue + ?Sized> LabelValue for &T {
    const CARDINALITY: Option<usize> = T::CARDINALITY;
    fn index(&self) -> usize {
        T::index(self)
    }
    fn value_at(index: usize) -> &'static str {
        T::value_at(index)
    }
    fn as_label(&self) -> Label<'_> {
        T::as_label(self)
    }
}

macro_rules! unsigned_label {
    ($($t:ty)*) => {$(
        impl LabelValue for $t {
            #[allow(clippy::cast_lossless, trivial_numeric_casts)] // u64 holds every one
            fn as_label(&self) -> Label<'_> {
                Label::digits(false, *self as u64)
            }
        }
    )*};
}

macro_rules! signed_label {
    ($($t:ty)*) => {$(
        impl LabelValue for $t {
            #[allow(clippy::cast_lossless, trivial_numeric_casts)] // u64 holds every one
            fn as_label(&self) -> Label<'_> {
                Label::digits(*self < 0, self.unsigned_abs() as u64)
            }
        }
    )*};
}

unsigned_label!(u8 u16 u32 u64 usize);
signed_label!(i8 i16 i32 i64 isize);

/// A struct of label values that keys a [`TypedFamily`](crate::TypedFamily), written with
/// `#[derive(LabelSet)]`: field names are the label names (or `#[label(rename = "…")]`),
/// field types implement [`LabelValue`].
///
/// ```
/// use meterbox::{metric, Counter, LabelSet, LabelValue, TypedFamily};
///
/// #[derive(LabelValue)]
/// enum Method { Get, Post }
///
/// #[derive(LabelValue)]
/// enum Class { Success, ClientError, ServerError }
///
/// #[derive(LabelSet)]
/// struct Request { method: Method, class: Class }
///
/// /// Requests by method and status class.
/// #[metric]
/// static REQUESTS_TOTAL: TypedFamily<Counter, Request> = TypedFamily::new();
///
/// REQUESTS_TOTAL.with(&Request { method: Method::Get, class: Class::Success }).inc();
/// assert_eq!(<Request as LabelSet>::CARDINALITY, Some(6)); // an array of 6 counters
/// ```
pub trait LabelSet {
    /// The label names, in field order.
    const NAMES: &'static [&'static str];

    /// How many label sets there are when every field has a closed set of values: the
    /// product of their cardinalities. `None` when a field is open (text, integers).
    const CARDINALITY: Option<usize>;

    /// The position of this label set among all of them, below [`LabelSet::CARDINALITY`].
    fn index(&self) -> usize;

    /// Appends the values of the label set at `index` to `out`, in field order.
    fn values_at(index: usize, out: &mut Vec<&'static str>);

    /// Calls `f` with the label values, in field order.
    fn with_values<R>(&self, f: impl FnOnce(&[&str]) -> R) -> R;
}

/// The product of the fields' cardinalities, `None` if any is open or it overflows.
#[doc(hidden)]
#[must_use]
pub const fn cardinality_product(fields: &[Option<usize>]) -> Option<usize> {
    let mut product: usize = 1;
    let mut i = 0;
    while i < fields.len() {
        match fields[i] {
            Some(n) => match product.checked_mul(n) {
                Some(p) => product = p,
                None => return None,
            },
            None => return None,
        }
        i += 1;
    }
    Some(product)
}

/// A field's digit in the mixed-radix index of a label set: its cardinality, or 1 for an
/// open field (which then adds nothing to the index).
#[doc(hidden)]
#[must_use]
pub const fn radix(cardinality: Option<usize>) -> usize {
    match cardinality {
        Some(n) if n > 0 => n,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_print_in_full() {
        assert_eq!(0u8.as_label().as_str(), "0");
        assert_eq!(u64::MAX.as_label().as_str(), "18446744073709551615");
        assert_eq!(i64::MIN.as_label().as_str(), "-9223372036854775808");
        assert_eq!((-42i32).as_label().as_str(), "-42");
        assert_eq!(1234usize.as_label().as_str(), "1234");
    }

    #[test]
    fn text_and_bools() {
        assert_eq!("eu".as_label().as_str(), "eu");
        assert_eq!(String::from("us").as_label().as_str(), "us");
        assert_eq!(true.as_label().as_str(), "true");
        assert_eq!(<bool as LabelValue>::value_at(0), "false");
        assert_eq!(<bool as LabelValue>::value_at(2), "");
        assert_eq!((&&false).as_label().as_str(), "false");
    }

    #[test]
    fn cardinality_of_closed_and_open_fields() {
        assert_eq!(cardinality_product(&[Some(2), Some(3)]), Some(6));
        assert_eq!(cardinality_product(&[Some(2), None]), None);
        assert_eq!(cardinality_product(&[Some(usize::MAX), Some(2)]), None);
        assert_eq!(cardinality_product(&[]), Some(1));
    }
}
