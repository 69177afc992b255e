//! `/metrics` mounted in an axum application's own router with the HTTP layer (two lines),
//! instrumented handlers, and a `Scope` per request that logs what the request recorded.
//!
//! ```sh
//! cargo run --example axum --features axum              # serves on 127.0.0.1:3000
//! cargo run --example axum --features axum -- --self-test
//! ```

use axum::extract::Request;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use meterbox::{instrumented, metric, Counter, Family, Scope, Surfacer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Items added to carts, by kind.
#[metric]
static CART_ITEMS_TOTAL: Family<Counter, 1> = Family::new(["kind"]);

#[instrumented]
async fn add_to_cart() -> &'static str {
    CART_ITEMS_TOTAL.with(["book"]).inc();
    "added\n"
}

/// Surfaces what each request recorded, labelled with its route: the routes are fixed,
/// so the label's values are few.
async fn scoped(request: Request, next: Next) -> Response {
    let route = match request.uri().path() {
        "/cart" => "/cart",
        "/metrics" => "/metrics",
        _ => "other",
    };
    let scope = Scope::begin().label("route", route);
    let response = next.run(request).await;
    let recorded = scope.end();
    let lines: usize = recorded.families.iter().map(|f| f.series.len()).sum();
    println!("{route}: {lines} series changed");
    if let Err(err) = meterbox::LogSurfacer::new().surface(&recorded) {
        eprintln!("{err}");
    }
    response
}

fn app() -> Router {
    Router::new()
        .route("/metrics", meterbox::http::metrics_handler())
        .route("/cart", get(add_to_cart))
        .layer(middleware::from_fn(scoped))
        .layer(meterbox::http::layer())
}

/// One plain HTTP/1.1 request to the running example.
async fn fetch(addr: std::net::SocketAddr, path: &str) -> std::io::Result<String> {
    let mut stream = tokio::net::TcpStream::connect(addr).await?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await?;
    Ok(answer)
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let self_test = std::env::args().any(|a| a == "--self-test");
    let addr = if self_test {
        "127.0.0.1:0"
    } else {
        "127.0.0.1:3000"
    };
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    println!("serving http://{addr}/cart and http://{addr}/metrics");
    let server = tokio::spawn(async move { axum::serve(listener, app()).await });
    if !self_test {
        return server.await.map_err(std::io::Error::other)?;
    }
    fetch(addr, "/cart").await?;
    fetch(addr, "/cart").await?;
    let scrape = fetch(addr, "/metrics").await?;
    let line = scrape
        .lines()
        .find(|l| l.starts_with("cart_items_total{"))
        .unwrap_or("cart_items_total missing");
    println!("{line}");
    if line != r#"cart_items_total{kind="book"} 2"# {
        return Err(std::io::Error::other("the scrape did not show both items"));
    }
    let requests = r#"http_server_request_duration_seconds_count{http_request_method="GET",http_route="/cart",http_response_status_code="200"} 2"#;
    if !scrape.lines().any(|l| l == requests) {
        return Err(std::io::Error::other(
            "the scrape did not show both requests",
        ));
    }
    println!("{requests}");
    Ok(())
}
