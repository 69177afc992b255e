//! Global tags: labels a reporter adds to every series it sends, from code and from the
//! environment, with the host's name by default.

use crate::intern::intern;
use crate::sanitize::{sanitize_mode, InvalidName};
use crate::snapshot::Snapshot;

/// `METERBOX_TAGS="k1: v1, k2: v2"`: pairs separated by commas, key and value by a colon.
/// Pairs without a colon or with an empty key are skipped.
pub(crate) fn parse(text: &str) -> Vec<(String, String)> {
    text.split(',')
        .filter_map(|pair| {
            let (k, v) = pair.split_once(':')?;
            let (k, v) = (k.trim(), v.trim());
            (!k.is_empty()).then(|| (k.to_owned(), v.to_owned()))
        })
        .collect()
}

/// The machine's name, from the kernel or the environment.
pub(crate) fn host_name() -> Option<String> {
    ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .find_map(|path| std::fs::read_to_string(path).ok())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty())
}

/// The tags to add: those from code, then those from `env` (the value of `METERBOX_TAGS`)
/// whose keys code did not set, then `host` unless turned off or already set. Keys go
/// through the process's `Sanitize` setting; each string is interned when the reporter
/// starts, so snapshots can carry them as `'static` labels.
pub(crate) fn resolve(
    code: &[(String, String)],
    env: Option<&str>,
    host: Option<String>,
) -> Result<Vec<(&'static str, &'static str)>, InvalidName> {
    let mode = sanitize_mode();
    let mut tags: Vec<(String, String)> = Vec::new();
    let env_tags = env.map(parse).unwrap_or_default();
    let host_tag = host.map(|h| ("host".to_owned(), h));
    for (k, v) in code.iter().cloned().chain(env_tags).chain(host_tag) {
        let key = mode.label_key(&k)?.into_owned();
        if !tags.iter().any(|(existing, _)| *existing == key) {
            tags.push((key, v));
        }
    }
    Ok(tags
        .into_iter()
        .map(|(k, v)| (intern(&k), intern(&v)))
        .collect())
}

/// `snapshot` with `tags` added to every series; a series label that a tag also names is
/// renamed `exported_<name>` (see `label_clash`).
pub(crate) fn apply(snapshot: &Snapshot, tags: &[(&'static str, &'static str)]) -> Snapshot {
    let mut tagged = snapshot.with_labels(tags);
    tagged.tags = tags.to_vec();
    tagged
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_tags_parse_leniently() {
        assert_eq!(
            parse("k1: v1, k2:v2 ,bad, :x, k3: a:b"),
            vec![
                ("k1".into(), "v1".into()),
                ("k2".into(), "v2".into()),
                ("k3".into(), "a:b".into())
            ]
        );
        assert!(parse("").is_empty());
    }

    #[test]
    fn code_wins_over_the_environment_and_host_comes_last() {
        let code = vec![("service".to_owned(), "orders".to_owned())];
        let tags = resolve(
            &code,
            Some("service: other, zone: eu-1, host: envhost"),
            Some("box1".into()),
        )
        .unwrap();
        assert_eq!(
            tags,
            vec![("service", "orders"), ("zone", "eu-1"), ("host", "envhost")]
        );
        let tags = resolve(&[], None, Some("box1".into())).unwrap();
        assert_eq!(tags, vec![("host", "box1")]);
    }

    #[test]
    fn tag_keys_are_sanitized_and_reserved_ones_refused() {
        let tags = resolve(&[("data.center".into(), "x".into())], None, None).unwrap();
        assert_eq!(tags, vec![("data_center", "x")]);
        assert!(resolve(&[("le".into(), "x".into())], None, None).is_err());
    }
}
