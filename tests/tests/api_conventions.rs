//! The public API takes what Rust code has at hand: an address or URL built with `format!`
//! is passed as it is, as std's `TcpListener::bind` and tokio take one.

use meterbox::{GraphiteSurfacer, HttpJsonSurfacer, PushgatewaySurfacer, StatsdSurfacer, Surfacer};

#[test]
fn addresses_built_at_run_time_are_taken_as_strings() {
    let port = 0;
    let server = meterbox::serve(format!("127.0.0.1:{port}")).unwrap();
    assert_ne!(server.local_addr().port(), 0);

    let host = String::from("127.0.0.1");
    let graphite = GraphiteSurfacer::new(format!("{host}:2003")).prefix(String::from("app"));
    assert_eq!(graphite.name(), "graphite");
    let pushgateway = PushgatewaySurfacer::new(format!("http://{host}:9091"), String::from("job"))
        .instance(String::from("a"))
        .group(String::from("region"), String::from("eu"));
    assert_eq!(pushgateway.name(), "pushgateway");
    let collector = HttpJsonSurfacer::new(format!("http://{host}:8080/metrics")).header(
        String::from("Authorization"),
        format!("Bearer {}", "s3cret"),
    );
    assert_eq!(collector.name(), "http_json");
    let statsd = StatsdSurfacer::new(format!("{host}:8125"))
        .and_then(|s| s.prefix(String::from("app")))
        .unwrap();
    assert_eq!(statsd.name(), "statsd");
}
