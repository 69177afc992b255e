//! The catalog as a Markdown table.

use std::fmt::Write as _;

use super::{Catalog, CatalogLabel};

/// One row a metric: name, type, unit, labels with their values, help, and where defined.
pub(super) fn table(catalog: &Catalog) -> String {
    let mut out = String::from(
        "| Metric | Type | Unit | Labels | Help | Defined at |\n|---|---|---|---|---|---|\n",
    );
    for metric in &catalog.metrics {
        let labels: Vec<String> = metric.labels.iter().map(label).collect();
        let mut sites = metric.defined_at.clone();
        // A family that many functions record into lists its functions instead.
        if !metric.functions.is_empty() {
            sites = metric.functions.iter().map(|f| format!("`{f}`")).collect();
        }
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | {} | {} |",
            metric.name,
            metric.kind.as_str(),
            cell(&metric.unit),
            labels.join(", "),
            cell(&metric.help),
            cell(&sites.join(", ")),
        );
    }
    out
}

fn label(label: &CatalogLabel) -> String {
    match &label.values {
        Some(values) if !values.is_empty() => {
            let values: Vec<String> = values.iter().map(|v| cell(v)).collect();
            format!("`{}` ({})", label.name, values.join(", "))
        }
        _ => format!("`{}`", label.name),
    }
}

/// Text that stays inside its table cell: pipes escaped, lines joined.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}
