//! Random registries through every format: families of every type whose series carry
//! hostile label names and values (`job`, `instance`, `le`, `quantile`, `window`, names the
//! text formats show alike, empty ones, quotes, backslashes, line breaks, any script), with
//! scope, tag and grouping labels over them. Every output must pass `promtool check metrics`
//! without a word, both parsers of the Python `prometheus_client` (text and `OpenMetrics`) and
//! a JSON parser, and give back every value and label value.
//!
//! `METERBOX_RANDOM_CASES` sets the number of cases (10,000 by default).

use std::fmt::Write as _;
use std::time::SystemTime;

use meterbox::{
    FamilySnapshot, Format, HistogramValue, Kind, Series, Snapshot, SummaryValue, Value,
};
use meterbox_tests::run_tool;

/// xorshift64*: deterministic, so a failing case can be run again.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n as u64).unwrap_or(0)
    }

    fn pick<'a>(&mut self, pool: &[&'a str]) -> &'a str {
        pool[self.below(pool.len())]
    }
}

/// Family names as a person would choose them (promtool's lints on word choice, such as
/// single letters read as abbreviated units, are the author's to heed), written in every
/// way a run-time name may be.
const NAMES: &[&str] = &[
    "jobs",
    "tâche",
    "alpha.beta",
    "ex-why",
    "le",
    "job",
    "日本",
    "_x",
    "queue:rate",
    "window",
];
const KEYS: &[&str] = &[
    "job",
    "instance",
    "le",
    "quantile",
    "window",
    "route",
    "a.b",
    "a-b",
    "a_b",
    "__x",
    "..x",
    "exported_job",
    "tâche",
    "日本",
    "9lives",
    "",
    "x y",
    "namespace",
    "method",
];
const VALUES: &[&str] = &[
    "",
    "\"",
    "\\",
    "\n",
    "a\nb",
    "é",
    "日本語",
    "__overflow__",
    "+Inf",
    "NaN",
    "} 1\nevil_total 2",
    "x\"y\\z",
    "\t",
    "# EOF",
    "🙂",
];

fn leak(text: String) -> &'static str {
    Box::leak(text.into_boxed_str())
}

fn value_text(rng: &mut Rng) -> &'static str {
    if rng.below(3) == 0 {
        // Random characters, any script, controls included.
        let len = rng.below(6);
        let text: String = (0..len)
            .map(|_| char::from_u32(u32::try_from(rng.below(0x3000)).unwrap_or(0)).unwrap_or('?'))
            .collect();
        leak(text)
    } else {
        rng.pick(VALUES)
    }
}

fn labels(rng: &mut Rng, most: usize) -> Vec<(&'static str, &'static str)> {
    (0..rng.below(most + 1))
        .map(|_| (rng.pick(KEYS), value_text(rng)))
        .collect()
}

#[allow(clippy::cast_precision_loss)]
fn float(rng: &mut Rng) -> f64 {
    match rng.below(8) {
        0 => f64::NAN,
        1 => f64::INFINITY,
        2 => f64::NEG_INFINITY,
        3 => -(rng.below(1000) as f64) / 7.0,
        4 => 1e-9 * rng.below(1000) as f64,
        5 => 1e300,
        _ => rng.below(1_000_000) as f64 / 16.0,
    }
}

fn value(rng: &mut Rng, kind: Kind) -> Value {
    match kind {
        // Whole numbers up to 2^53, which every parser reads back exactly.
        Kind::Counter => Value::Counter(rng.next() >> 11),
        Kind::Gauge => Value::Gauge(float(rng)),
        Kind::Histogram => {
            let n = 1 + rng.below(4);
            let mut bound = -2.0;
            let bounds: Vec<f64> = (0..n)
                .map(|_| {
                    bound += 0.25 + f64::from(u32::try_from(rng.below(100)).unwrap_or(0));
                    bound
                })
                .collect();
            let buckets = (0..=n).map(|_| rng.next() >> 40).collect();
            // Any sum: histograms observe negative values and NaN too.
            Value::Histogram(HistogramValue {
                bounds,
                buckets,
                sum: float(rng),
                // Native ones too, whose buckets the text formats leave out.
                native: rng.next() % 2 == 0,
            })
        }
        // Quantiles as a summary computes them: NaN for an empty window, never negative.
        Kind::Summary => Value::Summary(SummaryValue {
            quantiles: vec![(0.5, float(rng).abs()), (0.99, float(rng).abs())],
            count: rng.next() >> 40,
            sum: float(rng),
        }),
        other => panic!("a type this test does not generate: {other}"),
    }
}

/// One case: a snapshot of a few families, with outer labels added over every series.
fn case(rng: &mut Rng, index: usize) -> Snapshot {
    let kinds = [Kind::Counter, Kind::Gauge, Kind::Histogram, Kind::Summary];
    let families = (0..=rng.below(3))
        .map(|j| {
            let kind = kinds[rng.below(kinds.len())];
            let total = if kind == Kind::Counter { "_total" } else { "" };
            let name = leak(format!("c{index}_f{j}_{}{total}", rng.pick(NAMES)));
            let mut series: Vec<Series> = Vec::new();
            for _ in 0..=rng.below(3) {
                let s = Series {
                    labels: labels(rng, 3),
                    value: value(rng, kind),
                    exemplars: Vec::new(),
                };
                series.push(s);
            }
            FamilySnapshot {
                name,
                help: value_text(rng),
                unit: "",
                kind,
                series,
            }
        })
        .collect();
    let snapshot = Snapshot {
        time: SystemTime::now(),
        families,
        tags: Vec::new(),
    };
    // Scope labels, then tags, then grouping labels: each layer over the ones before.
    let mut layered = snapshot;
    for _ in 0..rng.below(3) {
        layered = layered.with_labels(&labels(rng, 2));
    }
    // A family holds each series once, as the registry's do: label sets that the text
    // formats show alike (names that differ in punctuation, a label with no value and none)
    // are one series there.
    for family in &mut layered.families {
        let mut seen: Vec<Vec<(String, &str)>> = Vec::new();
        family.series.retain(|s| {
            let identity = identity(&s.labels);
            let fresh = !seen.contains(&identity);
            seen.push(identity);
            fresh
        });
    }
    layered
}

/// What a series is known by, or more: names with anything but ASCII letters and digits
/// blanked out and their ends trimmed of blanks, labels with no value left out, in order.
/// Coarser than the text formats' own naming, so that no two series kept can show alike.
fn identity<'a>(labels: &[(&str, &'a str)]) -> Vec<(String, &'a str)> {
    let mut identity: Vec<(String, &str)> = labels
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| {
            let name: String = k
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                .collect();
            (name.trim_matches('_').to_owned(), *v)
        })
        .collect();
    identity.sort_unstable();
    identity
}

/// One plain sample as the Python script below reports it: the series' label values as a
/// sorted JSON list (`le` and `quantile` left out), what the sample is, its value.
type Sample = (String, &'static str, f64);

/// The samples of `snapshot` that the script reports, sorted. `OpenMetrics` has no sum that
/// is NaN or negative, nor one for a histogram with a negative bound (nor its count then).
fn expected(snapshot: &Snapshot, openmetrics: bool) -> Vec<Sample> {
    let mut samples = Vec::new();
    for family in &snapshot.families {
        for s in &family.series {
            let mut values: Vec<&str> = s.labels.iter().map(|(_, v)| *v).collect();
            values.sort_unstable();
            let values = serde_json::to_string(&values).unwrap_or_default();
            let mut push = |what, value| samples.push((values.clone(), what, value));
            #[allow(clippy::cast_precision_loss)]
            match &s.value {
                Value::Counter(n) => push("value", *n as f64),
                Value::Gauge(v) => push("value", *v),
                Value::Histogram(h) => {
                    let negative_bound = h.bounds.first().is_some_and(|b| *b < 0.0);
                    if !openmetrics || (h.sum >= 0.0 && !negative_bound) {
                        push("count", h.count() as f64);
                        push("sum", h.sum);
                    }
                }
                Value::Summary(v) => {
                    push("count", v.count as f64);
                    if !openmetrics || v.sum >= 0.0 {
                        push("sum", v.sum);
                    }
                }
                other => panic!("a value this test does not generate: {other:?}"),
            }
        }
    }
    samples.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)).then(a.2.total_cmp(&b.2)));
    samples
}

/// Parses each document with both Python parsers; prints, per case and parser, the samples
/// as `[values, what, repr(value)]`, or the parser's error.
const PARSE: &str = r#"
import json, sys
from prometheus_client.parser import text_string_to_metric_families as prom
from prometheus_client.openmetrics.parser import text_string_to_metric_families as om

def samples(families):
    out = []
    for f in families:
        for s in f.samples:
            values = sorted(v for k, v in s.labels.items() if k not in ("le", "quantile"))
            suffix = s.name[len(f.name):]
            if f.type in ("histogram", "summary"):
                what = {"_count": "count", "_sum": "sum"}.get(suffix)
            else:
                what = "value" if suffix in ("", "_total") else None
            if what:
                out.append([json.dumps(values), what, repr(float(s.value))])
    return out

cases = json.load(sys.stdin)
result = []
for text, openmetrics in cases:
    one = {}
    for name, parse, doc in (("prometheus", prom, text), ("openmetrics", om, openmetrics)):
        try:
            one[name] = samples(parse(doc))
        except Exception as e:
            one[name] = "ERROR %s" % e
    result.append(one)
json.dump(result, sys.stdout)
"#;

/// The samples a parser reported, sorted as [`expected`] sorts them.
fn reported(lines: &[serde_json::Value]) -> Vec<Sample> {
    let mut samples: Vec<Sample> = lines
        .iter()
        .map(|l| {
            let what = match l[1].as_str() {
                Some("count") => "count",
                Some("sum") => "sum",
                _ => "value",
            };
            let value = l[2]
                .as_str()
                .and_then(|v| v.parse().ok())
                .unwrap_or(f64::NAN);
            // The list as this side writes it, whatever escapes Python chose.
            let values: Vec<String> =
                serde_json::from_str(l[0].as_str().unwrap_or_default()).unwrap_or_default();
            (
                serde_json::to_string(&values).unwrap_or_default(),
                what,
                value,
            )
        })
        .collect();
    samples.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)).then(a.2.total_cmp(&b.2)));
    samples
}

fn same(want: &[Sample], got: &[Sample]) -> bool {
    want.len() == got.len()
        && want.iter().zip(got).all(|(w, g)| {
            // Exactly the same number: every value printed reads back to itself.
            w.0 == g.0
                && w.1 == g.1
                && (w.2.to_bits() == g.2.to_bits() || (w.2.is_nan() && g.2.is_nan()))
        })
}

#[test]
fn every_output_is_valid_and_reads_back() {
    let cases: usize = std::env::var("METERBOX_RANDOM_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(10_000);
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut documents: Vec<(String, String)> = Vec::with_capacity(cases);
    let mut wanted: Vec<[Vec<Sample>; 2]> = Vec::with_capacity(cases);
    for index in 0..cases {
        let snapshot = case(&mut rng, index);
        let text = snapshot.render(Format::Prometheus);
        let openmetrics = snapshot.render(Format::OpenMetrics);
        // JSON: parses, and keeps every label value.
        let json: serde_json::Value = serde_json::from_str(&snapshot.render(Format::Json))
            .unwrap_or_else(|e| panic!("case {index}: {e}"));
        let rendered = snapshot_labels(&snapshot);
        let mut parsed: Vec<Vec<String>> = json["metrics"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|m| m["series"].as_array().cloned().unwrap_or_default())
            .map(|s| {
                let mut v: Vec<String> = s["labels"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(_, v)| v.as_str().unwrap_or_default().to_owned())
                    .collect();
                v.sort();
                v
            })
            .collect();
        parsed.sort();
        assert_eq!(parsed, rendered, "case {index}: JSON label values");
        wanted.push([expected(&snapshot, false), expected(&snapshot, true)]);
        documents.push((text, openmetrics));
    }

    // promtool, a thousand cases at a time (each case's families have names of their own).
    for (batch, chunk) in documents.chunks(1_000).enumerate() {
        let mut text = String::new();
        for (doc, _) in chunk {
            text.push_str(doc);
        }
        let Some((_, complaints)) = run_tool("promtool", &["check", "metrics"], &text) else {
            break;
        };
        if !complaints.is_empty() {
            let mut report = String::new();
            for line in complaints.lines().take(5) {
                let _ = writeln!(report, "{line}");
            }
            panic!("promtool on batch {batch}:\n{report}");
        }
    }

    // Both Python parsers, every case: no error, and the same values back.
    let input = serde_json::to_string(&documents).expect("documents as JSON");
    let Some((ok, out)) = run_tool("python3", &["-c", PARSE], &input) else {
        return;
    };
    if !ok && out.contains("No module named 'prometheus_client'") {
        meterbox_tests::skip("the Python package prometheus_client");
        return;
    }
    assert!(ok, "{out}");
    let results: Vec<serde_json::Value> = serde_json::from_str(&out).expect("the script's JSON");
    assert_eq!(results.len(), cases);
    for (index, (result, want)) in results.iter().zip(&wanted).enumerate() {
        for (parser, document, want) in [
            ("prometheus", &documents[index].0, &want[0]),
            ("openmetrics", &documents[index].1, &want[1]),
        ] {
            let Some(lines) = result[parser].as_array() else {
                panic!("case {index}, {parser}: {}\n{document}", result[parser]);
            };
            let got = reported(lines);
            assert!(
                same(want, &got),
                "case {index}, {parser}: values differ\nwant {want:?}\ngot  {got:?}\n{document}"
            );
        }
    }
}

/// Every series' sorted label values, sorted.
fn snapshot_labels(snapshot: &Snapshot) -> Vec<Vec<String>> {
    let mut all: Vec<Vec<String>> = snapshot
        .families
        .iter()
        .flat_map(|f| &f.series)
        .map(|s| {
            let mut v: Vec<String> = s.labels.iter().map(|(_, v)| (*v).to_owned()).collect();
            v.sort();
            v
        })
        .collect();
    all.sort();
    all
}

/// Families registered at run time under every `Sanitize` mode, with hostile names, keys and
/// values: the registry's own exposition stays valid.
#[test]
fn run_time_families_under_every_mode_expose_validly() {
    use meterbox::{set_sanitize, Counter, Gauge, Histogram, RuntimeFamily, Sanitize};
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let modes = [Sanitize::Prometheus, Sanitize::Permissive, Sanitize::None];
    let mut registered = 0;
    for i in 0..300 {
        set_sanitize(modes[rng.below(modes.len())]);
        let name = format!("rt{i}_{}", rng.pick(NAMES));
        let keys: Vec<&str> = (0..rng.below(4)).map(|_| rng.pick(KEYS)).collect();
        let help = value_text(&mut rng);
        let values: Vec<&str> = keys.iter().map(|_| value_text(&mut rng)).collect();
        let ok = match rng.below(3) {
            0 => RuntimeFamily::<Counter>::register(&name, help, &keys)
                .map(|f| f.with(&values).map(|c| c.inc_by(3)).is_ok()),
            1 => RuntimeFamily::<Gauge>::register(&name, help, &keys)
                .map(|f| f.with(&values).map(|g| g.set(-1.5)).is_ok()),
            _ => RuntimeFamily::<Histogram>::register(&name, help, &keys)
                .map(|f| f.with(&values).map(|h| h.observe(-2.0)).is_ok()),
        };
        registered += usize::from(ok == Ok(true));
    }
    set_sanitize(Sanitize::Prometheus);
    assert!(registered > 100, "{registered} of 300 registered");
    let text = meterbox::render(Format::Prometheus);
    if let Some((_, complaints)) = run_tool("promtool", &["check", "metrics"], &text) {
        assert_eq!(complaints, "", "{text}");
    }
    if let Some(parsed) = meterbox_tests::openmetrics_parse(&meterbox::render(Format::OpenMetrics))
    {
        parsed.unwrap_or_else(|e| panic!("{e}"));
    }
    let json: serde_json::Value =
        serde_json::from_str(&meterbox::render(Format::Json)).expect("valid JSON");
    assert!(json["metrics"]
        .as_array()
        .is_some_and(|m| m.len() > registered));
}
