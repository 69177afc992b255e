//! The one rule for a label name that reaches a series twice.
//!
//! Labels come to a series in layers: the family's own label names, then the definition's
//! constant labels, then a scope's labels, a reporter's global tags, a Pushgateway's grouping
//! labels. Whatever can be refused when a static compiles is refused there; what meets only at
//! run time is resolved here, and every format and surfacer goes through this function.
//!
//! The rule is Prometheus's own for a scraped label that a target label takes: the outer
//! layer keeps the name, the inner label is renamed `exported_<name>` (again, if that is taken
//! too). Names are compared in the form the text formats emit, so `a.b` and `a-b` (both
//! `a_b` there) are one name.

use crate::intern::intern;
use crate::sanitize::{exposition_key, reserved_key};

/// One label: name and value.
pub(crate) type Label = (&'static str, &'static str);

/// Renames the labels of `labels` whose emitted name is also taken by a label of an outer
/// layer (or, within one layer, by an earlier label), so that no two emitted names are the
/// same. `layer(i)` is the layer of `labels[i]`, higher meaning outer. The order of the
/// labels is kept. Returns whether anything was renamed.
pub(crate) fn resolve(labels: &mut [Label], layer: impl Fn(usize) -> u8) -> bool {
    if clash_free(labels) {
        return false;
    }
    let mut keys: Vec<String> = labels.iter().map(|(k, _)| (*k).to_owned()).collect();
    let renamed = resolve_names(&mut keys, layer);
    for ((key, _), new) in labels.iter_mut().zip(&keys) {
        if key != new {
            *key = intern(new);
        }
    }
    renamed
}

/// [`resolve`] for labels that are not kept for the program's life (read from a store).
#[cfg(feature = "redis")]
pub(crate) fn resolve_owned(labels: &mut [(String, String)], layer: impl Fn(usize) -> u8) -> bool {
    let mut keys: Vec<String> = labels.iter().map(|(k, _)| k.clone()).collect();
    let renamed = resolve_names(&mut keys, layer);
    for ((key, _), new) in labels.iter_mut().zip(keys) {
        *key = new;
    }
    renamed
}

/// The rule itself, on names alone; a renamed name is its emitted form behind `exported_`.
fn resolve_names(keys: &mut [String], layer: impl Fn(usize) -> u8) -> bool {
    let mut renamed = false;
    // Each pass renames at least one label to a longer name, and there are few labels.
    loop {
        let emitted: Vec<String> = keys
            .iter()
            .map(|k| exposition_key(k).into_owned())
            .collect();
        let loser = (0..keys.len()).find(|&i| {
            // Names the formats write themselves are the outermost layer of all.
            reserved_key(&emitted[i])
                || (0..keys.len()).any(|j| {
                    j != i
                        && emitted[i] == emitted[j]
                        && (layer(i) < layer(j) || (layer(i) == layer(j) && i > j))
                })
        });
        let Some(i) = loser else {
            return renamed;
        };
        keys[i] = format!("exported_{}", emitted[i]);
        renamed = true;
    }
}

/// Whether no emitted name of `labels` is reserved or taken twice: the common case, checked
/// without allocating for names that are already valid.
pub(crate) fn clash_free(labels: &[Label]) -> bool {
    let emitted: Vec<_> = labels.iter().map(|(k, _)| exposition_key(k)).collect();
    emitted
        .iter()
        .enumerate()
        .all(|(i, k)| !reserved_key(k) && !emitted[..i].contains(k))
}

/// `inner`, then `outer`, resolved: the outer labels keep their names.
pub(crate) fn with_outer(inner: &[Label], outer: &[Label]) -> Vec<Label> {
    let mut labels: Vec<Label> = inner.iter().chain(outer).copied().collect();
    let split = inner.len();
    resolve(&mut labels, |i| u8::from(i >= split));
    labels
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_outer_label_keeps_its_name() {
        let labels = with_outer(&[("job", "mine"), ("route", "/")], &[("job", "importer")]);
        assert_eq!(
            labels,
            vec![
                ("exported_job", "mine"),
                ("route", "/"),
                ("job", "importer")
            ]
        );
    }

    #[test]
    fn renaming_again_when_the_exported_name_is_taken() {
        let labels = with_outer(
            &[("job", "a"), ("exported_job", "b")],
            &[("job", "c"), ("exported_job", "d")],
        );
        let names: Vec<&str> = labels.iter().map(|(k, _)| *k).collect();
        assert_eq!(
            names,
            [
                "exported_exported_job",
                "exported_exported_exported_job",
                "job",
                "exported_job"
            ]
        );
    }

    #[test]
    fn names_are_compared_as_emitted() {
        let mut labels = [("a.b", "1"), ("a-b", "2")];
        assert!(resolve(&mut labels, |_| 0));
        assert_eq!(labels, [("a.b", "1"), ("exported_a_b", "2")]);
        let mut reserved = [("le", "1"), ("quantile", "2"), ("__x", "3")];
        assert!(resolve(&mut reserved, |_| 0));
        assert_eq!(
            reserved,
            [
                ("exported_le", "1"),
                ("exported_quantile", "2"),
                ("exported___x", "3")
            ]
        );
        let mut fine = [("a", "1"), ("b", "2")];
        assert!(!resolve(&mut fine, |_| 0));
    }
}
