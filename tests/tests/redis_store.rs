//! The shared store against a real `redis-server` (the Debian package): processes adding
//! up exactly, also through two crashes of Redis; the seed's key format; gauges of several
//! processes; bad fields skipped with a warning; the reader's output through promtool.

use std::collections::HashMap;
use std::process::{Child, Command};
use std::time::Duration;

use meterbox::redis::{read, render, render_many};
use meterbox::Format;
use meterbox_tests::{openmetrics_parse, promtool_check, RedisServer};

const WORKER: &str = env!("CARGO_BIN_EXE_redis_worker");

fn workers(
    url: &str,
    namespace: &str,
    n: usize,
    increments: u64,
    pause_ms: u64,
    mode: &str,
) -> Vec<Child> {
    (0..n)
        .map(|i| {
            Command::new(WORKER)
                .args([
                    url,
                    namespace,
                    &increments.to_string(),
                    &pause_ms.to_string(),
                    mode,
                ])
                .arg(i.to_string())
                .spawn()
                .expect("start a worker")
        })
        .collect()
}

fn wait_all(children: Vec<Child>) {
    for mut child in children {
        let status = child.wait().unwrap();
        assert!(status.success(), "a worker failed: {status}");
    }
}

fn connection(server: &RedisServer) -> redis::Connection {
    redis::Client::open(server.url())
        .unwrap()
        .get_connection()
        .unwrap()
}

/// Checks the totals of `processes` workers of `increments` each.
fn assert_exact(server: &RedisServer, namespace: &str, processes: u64, increments: u64) {
    let mut con = connection(server);
    let text = render(&mut con, namespace, Format::Prometheus).unwrap();
    let total = processes * increments;
    let quarter = total / 4;
    let expect = |line: &str| {
        assert!(text.lines().any(|l| l == line), "no `{line}` in:\n{text}");
    };
    expect(&format!("worker_jobs_total {total}"));
    for kind in ["email", "sms", "push", r#"fax \"legacy\""#] {
        expect(&format!(
            r#"worker_jobs_by_kind_total{{kind="{kind}"}} {quarter}"#
        ));
    }
    expect(&format!(
        r#"worker_job_seconds_bucket{{le="0.25"}} {quarter}"#
    ));
    expect(&format!(
        r#"worker_job_seconds_bucket{{le="0.5"}} {}"#,
        2 * quarter
    ));
    expect(&format!(
        r#"worker_job_seconds_bucket{{le="1.0"}} {}"#,
        3 * quarter
    ));
    expect(&format!(
        r#"worker_job_seconds_bucket{{le="+Inf"}} {total}"#
    ));
    expect(&format!("worker_job_seconds_count {total}"));
    let sum: f64 = text
        .lines()
        .find_map(|l| l.strip_prefix("worker_job_seconds_sum "))
        .unwrap()
        .parse()
        .unwrap();
    let exact = f64::from(u32::try_from(quarter).unwrap()) * 3.1;
    assert!((sum - exact).abs() / exact < 1e-9, "{sum} vs {exact}");
    if let Some(complaints) = promtool_check(&text) {
        assert_eq!(complaints, "", "promtool on:\n{text}");
    }
}

#[test]
fn four_processes_add_up_exactly_in_the_seed_format() {
    let Some(server) = RedisServer::start("exact") else {
        return;
    };
    let url = server.url();
    wait_all(workers(&url, "shop", 4, 250_000, 0, "per-process"));
    assert_exact(&server, "shop", 4, 250_000);

    // The raw hash: fields as the seed encodes them.
    let mut con = connection(&server);
    let fields: HashMap<String, String> =
        redis::cmd("HGETALL").arg("shop").query(&mut con).unwrap();
    assert_eq!(fields["worker_jobs_total::"], "1000000");
    assert_eq!(fields["worker_jobs_total:t:"], "c");
    assert_eq!(fields["worker_jobs_total:d:"], "Jobs done by the workers.");
    assert_eq!(
        fields[r#"worker_jobs_by_kind_total::kind="email""#],
        "250000"
    );
    assert_eq!(
        fields[r#"worker_jobs_by_kind_total::kind="fax \"legacy\"""#],
        "250000"
    );
    assert_eq!(fields[r#"worker_job_seconds:b:le="0.25""#], "250000");
    assert_eq!(fields[r#"worker_job_seconds:b:le="+Inf""#], "1000000");
    assert_eq!(fields["worker_job_seconds:c:"], "1000000");
    assert_eq!(fields["worker_job_seconds:t:"], "h");
    assert!(fields.contains_key("worker_job_seconds:s:"));
    assert_eq!(fields["worker_index:t:"], "g");

    // Per-process gauges: one field per process, told apart by `pid`.
    let gauges: Vec<(&String, &String)> = fields
        .iter()
        .filter(|(k, _)| k.starts_with("worker_index::pid="))
        .collect();
    assert_eq!(gauges.len(), 4, "{gauges:?}");
    let mut values: Vec<f64> = gauges.iter().map(|(_, v)| v.parse().unwrap()).collect();
    values.sort_by(f64::total_cmp);
    assert_eq!(values, [0.0, 1.0, 2.0, 3.0]);
}

#[test]
fn totals_stay_exact_through_two_crashes_of_redis() {
    let Some(mut server) = RedisServer::start("crash") else {
        return;
    };
    let url = server.url();
    let mut running = workers(&url, "jobs", 4, 250_000, 10, "last");
    for _ in 0..2 {
        std::thread::sleep(Duration::from_millis(500));
        // The crash lands in the middle of the run: every worker is still counting.
        for worker in &mut running {
            assert!(
                worker.try_wait().unwrap().is_none(),
                "a worker ended too soon"
            );
        }
        server.kill();
        std::thread::sleep(Duration::from_millis(300));
        server.restart();
    }
    wait_all(running);
    assert_exact(&server, "jobs", 4, 250_000);
}

#[test]
fn last_write_gauges_share_one_field() {
    let Some(server) = RedisServer::start("gauges") else {
        return;
    };
    wait_all(workers(&server.url(), "last", 2, 10, 0, "last"));
    let mut con = connection(&server);
    let fields: HashMap<String, String> =
        redis::cmd("HGETALL").arg("last").query(&mut con).unwrap();
    let gauges: Vec<&String> = fields
        .keys()
        .filter(|k| k.starts_with("worker_index::"))
        .collect();
    assert_eq!(gauges, ["worker_index::"]);
    let last = &fields["worker_index::"];
    assert!(last == "0.0" || last == "1.0", "{last}");
}

#[test]
fn bad_fields_are_skipped_with_a_warning_naming_them() {
    let Some(server) = RedisServer::start("bad") else {
        return;
    };
    let mut con = connection(&server);
    let fields = [
        ("good_total:t:", "c"),
        ("good_total:d:", "Good things."),
        ("good_total::", "5"),
        ("broken", "1"),
        ("weird_total:t:", "z"),
        ("weird_total::", "3"),
        ("nan_total:t:", "c"),
        ("nan_total::", "abc"),
        ("untyped_total::", "9"),
    ];
    for (field, value) in fields {
        let () = redis::cmd("HSET")
            .arg("mixed")
            .arg(field)
            .arg(value)
            .query(&mut con)
            .unwrap();
    }
    let namespace = read(&mut con, "mixed").unwrap();
    let warnings = namespace.warnings().join("\n");
    for named in [
        "`broken`",
        "`weird_total:t:`",
        "`nan_total::`",
        "`untyped_total`",
    ] {
        assert!(warnings.contains(named), "{named} in:\n{warnings}");
    }
    let text = namespace.render(Format::Prometheus);
    assert!(text.contains("good_total 5\n"), "{text}");
    assert!(!text.contains("weird_total"), "{text}");
    if let Some(complaints) = promtool_check(&text) {
        assert_eq!(complaints, "", "promtool on:\n{text}");
    }
    // Several namespaces at once carry a `namespace` label.
    let both = render_many(&mut con, &["mixed", "empty"], Format::OpenMetrics).unwrap();
    assert!(both.contains("# TYPE good counter\n"), "{both}");
    assert!(
        both.contains("good_total{namespace=\"mixed\"} 5\n"),
        "{both}"
    );
    assert!(both.ends_with("# EOF\n"));
}

#[test]
fn data_read_from_redis_is_untrusted_input() {
    let Some(server) = RedisServer::start("hostile") else {
        return;
    };
    let mut con = connection(&server);
    let fields = [
        // A field name that would inject lines into the exposition.
        ("evil\ninjected_total 666\nx:t:", "c"),
        ("evil\ninjected_total 666\nx::", "1"),
        // A family written under `Sanitize::Permissive`.
        ("tâche_total:t:", "c"),
        ("tâche_total:d:", "Tasks,\nper zone."),
        ("tâche_total::zone.id=\"eu\"", "4"),
        // Keys that the text formats show alike, and the formats' own.
        ("pair_total:t:", "c"),
        ("pair_total::a.b=\"1\",a_b=\"2\",le=\"3\"", "2"),
        // A gauge whose name is one of the histogram's samples.
        ("lat:t:", "h"),
        ("lat:b:le=\"1.0\"", "3"),
        ("lat:c:", "3"),
        ("lat:s:", "1.5"),
        ("lat_count:t:", "g"),
        ("lat_count::", "7"),
        // A series label that the multi-namespace reader adds itself.
        ("own_total:t:", "c"),
        ("own_total::namespace=\"mine\"", "6"),
    ];
    for (field, value) in fields {
        let () = redis::cmd("HSET")
            .arg("hostile")
            .arg(field)
            .arg(value)
            .query(&mut con)
            .unwrap();
    }
    let namespace = read(&mut con, "hostile").unwrap();
    assert!(
        namespace.warnings().iter().any(|w| w.contains("evil")),
        "{:?}",
        namespace.warnings()
    );
    let text = namespace.render(Format::Prometheus);
    assert!(!text.contains("injected"), "{text}");
    assert!(text.contains("t_che_total{zone_id=\"eu\"} 4\n"), "{text}");
    assert!(
        text.contains("pair_total{a_b=\"1\",exported_a_b=\"2\",exported_le=\"3\"} 2\n"),
        "{text}"
    );
    assert!(text.contains("lat_count 3\n"), "{text}");
    assert!(text.contains("lat_count_conflict1 7\n"), "{text}");
    if let Some(complaints) = promtool_check(&text) {
        assert_eq!(complaints, "", "promtool on:\n{text}");
    }
    let both = render_many(&mut con, &["hostile", "mixed"], Format::OpenMetrics).unwrap();
    assert!(
        both.contains("own_total{exported_namespace=\"mine\",namespace=\"hostile\"} 6\n"),
        "{both}"
    );
    if let Some(parsed) = openmetrics_parse(&both) {
        parsed.unwrap_or_else(|e| panic!("{e}\n{both}"));
    }
    // The same name with another type in another namespace is shown beside it.
    for (field, value) in [("own_total:t:", "g"), ("own_total::", "2.5")] {
        let () = redis::cmd("HSET")
            .arg("other")
            .arg(field)
            .arg(value)
            .query(&mut con)
            .unwrap();
    }
    let merged = render_many(&mut con, &["hostile", "other"], Format::Prometheus).unwrap();
    assert!(merged.contains("# TYPE own_total counter\n"), "{merged}");
    assert!(
        merged.contains("own_conflict1{namespace=\"other\"} 2.5\n"),
        "{merged}"
    );
    if let Some(complaints) = promtool_check(&merged) {
        assert_eq!(complaints, "", "promtool on:\n{merged}");
    }
    let prometheus = render_many(&mut con, &["hostile"], Format::Prometheus).unwrap();
    if let Some(complaints) = promtool_check(&prometheus) {
        assert_eq!(complaints, "", "promtool on:\n{prometheus}");
    }
}

#[test]
fn transfer_numbers_of_processes_gone_for_long_are_forgotten() {
    use meterbox::redis::RedisSurfacer;
    let Some(server) = RedisServer::start("forget") else {
        return;
    };
    let mut con = connection(&server);
    let count = |con: &mut redis::Connection| -> usize {
        redis::cmd("HLEN")
            .arg("brief:transfers")
            .query(con)
            .unwrap()
    };
    // Three process starts.
    for _ in 0..3 {
        let store = RedisSurfacer::new(server.url(), "brief")
            .unwrap()
            .forget_after(Duration::from_secs(1));
        store.transfer().unwrap();
    }
    assert_eq!(count(&mut con), 3);
    std::thread::sleep(Duration::from_millis(2_200));
    // A fourth, later: the three that stopped writing are forgotten.
    let store = RedisSurfacer::new(server.url(), "brief")
        .unwrap()
        .forget_after(Duration::from_secs(1));
    store.transfer().unwrap();
    assert_eq!(count(&mut con), 1);
    let seen: usize = redis::cmd("ZCARD")
        .arg("brief:seen")
        .query(&mut con)
        .unwrap();
    assert_eq!(seen, 1);
}
