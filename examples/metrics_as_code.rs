//! The metrics as code: a service's objectives and metrics written out as the files other
//! tools read. `cargo run --example metrics_as_code -- <dir>` writes into `<dir>`:
//!
//! - `metrics.md`, the catalog for people, and `metrics.catalog.json`, the contract a test
//!   checks (`Catalog::check_contract`);
//! - `slo.rules.yml`, the objectives' recording and alerting rules for Prometheus
//!   (`promtool check rules slo.rules.yml`);
//! - `grafana.json`, a dashboard to import into Grafana.

use std::path::PathBuf;

use meterbox::slo::Objective;
use meterbox::{counted, instrumented, metric, Counter, Family, Histogram};

/// 99.9% of checkouts succeed; 99% take at most 250 ms.
static CHECKOUT: Objective = Objective::new("checkout")
    .success(0.999)
    .latency(0.99, 0.25);

/// 99% of refunds succeed.
static REFUNDS: Objective = Objective::new("refunds").success(0.99);

/// Orders taken, by region.
#[metric]
static SHOP_ORDERS_TOTAL: Family<Counter, 1> = Family::new(["region"]);

/// Time to pack an order.
#[metric(unit = "seconds")]
static SHOP_PACK_SECONDS: Histogram = Histogram::new(&[0.1, 1.0, 10.0]);

#[instrumented(objective = CHECKOUT)]
fn checkout(region: &str) -> Result<(), String> {
    SHOP_ORDERS_TOTAL.with([region]).inc();
    SHOP_PACK_SECONDS.observe(0.4);
    Ok(())
}

#[counted(objective = REFUNDS)]
fn refund(order: u64) -> Result<(), String> {
    if order == 0 {
        Err("no such order".into())
    } else {
        Ok(())
    }
}

fn main() -> std::io::Result<()> {
    let dir = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| ".".into()));
    std::fs::create_dir_all(&dir)?;
    let _ = checkout("eu");
    let _ = refund(7);

    let shop = meterbox::catalog().only(|m| {
        m.name.starts_with("shop_")
            || m.functions
                .iter()
                .any(|f| f.starts_with("metrics_as_code::"))
    });
    std::fs::write(dir.join("metrics.md"), shop.to_markdown())?;
    std::fs::write(
        dir.join("metrics.catalog.json"),
        shop.contract().to_json() + "\n",
    )?;
    std::fs::write(dir.join("slo.rules.yml"), meterbox::slo::prometheus_rules())?;
    std::fs::write(
        dir.join("grafana.json"),
        meterbox::grafana::dashboard("Shop"),
    )?;
    for file in [
        "metrics.md",
        "metrics.catalog.json",
        "slo.rules.yml",
        "grafana.json",
    ] {
        println!("wrote {}", dir.join(file).display());
    }
    Ok(())
}
