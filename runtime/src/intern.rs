//! Text made at run time that must live as long as the program (metric and label names,
//! label values of scopes, tags and groupings), kept once per distinct string: leaking it
//! again for every report or layout would grow without bound.

use std::collections::HashSet;
use std::sync::{Mutex, PoisonError};

/// `text`, for the program's life; the same `&'static str` every time for equal text.
pub(crate) fn intern(text: &str) -> &'static str {
    static MADE: Mutex<Option<HashSet<&'static str>>> = Mutex::new(None);
    let mut made = MADE.lock().unwrap_or_else(PoisonError::into_inner);
    let made = made.get_or_insert_with(HashSet::new);
    if let Some(kept) = made.get(text) {
        return kept;
    }
    let kept: &'static str = Box::leak(Box::from(text));
    made.insert(kept);
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_text_is_kept_once() {
        let a = intern(&String::from("route"));
        let b = intern("route");
        assert_eq!(a, "route");
        assert!(core::ptr::eq(a, b));
    }
}
