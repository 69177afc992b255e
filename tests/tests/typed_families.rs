//! Families keyed by derived label sets: enum-only sets index an array and allocate nothing
//! on the hot path; sets with text or integer fields fall back to created-on-use children.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use meterbox::{
    metric, render, snapshot, Counter, Family, Format, Histogram, LabelSet, LabelValue, TypedFamily,
};
use meterbox_tests::{openmetrics_parse, promtool_check};

/// Counts allocations made by the thread that enabled counting.
struct CountingAlloc;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static COUNTING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

// SAFETY: forwards to the system allocator; the count is a side effect.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.try_with(std::cell::Cell::get).unwrap_or(false) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: the caller's contract is passed on unchanged.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: CountingAlloc = CountingAlloc;

/// Allocations `f` makes on this thread.
fn allocations(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    COUNTING.with(|c| c.set(true));
    f();
    COUNTING.with(|c| c.set(false));
    ALLOCATIONS.load(Ordering::Relaxed) - before
}

#[derive(LabelValue, Clone, Copy)]
enum Method {
    Get,
    #[label(rename = "POST")]
    Post,
}

#[derive(LabelValue, Clone, Copy)]
enum Class {
    Success,
    ClientError,
    HTTPServerError,
}

#[derive(LabelSet)]
struct Request {
    method: Method,
    class: Class,
    cached: bool,
}

#[derive(LabelSet)]
struct Tenant<'a> {
    #[label(rename = "tenant")]
    name: &'a str,
    shard: u16,
    method: Method,
}

/// Requests by method, status class and cache hit.
#[metric]
static TYPED_REQUESTS_TOTAL: TypedFamily<Counter, Request> = TypedFamily::new();

/// Request latency by method, status class and cache hit.
#[metric(unit = "seconds")]
static TYPED_LATENCY_SECONDS: TypedFamily<Histogram, Request> =
    TypedFamily::with_prototype(Histogram::new(&[0.1, 1.0]));

/// Work by tenant and shard.
#[metric]
static TENANT_WORK_TOTAL: TypedFamily<Counter, Tenant<'static>> = TypedFamily::new().with_limit(2);

/// Lookups by key, for the allocation count of the text-keyed path.
#[metric]
static KEYED_TOTAL: Family<Counter, 2> = Family::new(["key", "zone"]);

const GET_OK: Request = Request {
    method: Method::Get,
    class: Class::Success,
    cached: false,
};

#[test]
fn derived_values_and_names() {
    assert_eq!(Method::Get.as_label().as_str(), "get");
    assert_eq!(Method::Post.as_label().as_str(), "POST");
    assert_eq!(Class::ClientError.as_label().as_str(), "client_error");
    assert_eq!(
        Class::HTTPServerError.as_label().as_str(),
        "http_server_error"
    );
    assert_eq!(<Class as LabelValue>::value_at(1), "client_error");
    assert_eq!(<Class as LabelValue>::value_at(3), "");
    assert_eq!(<Request as LabelSet>::NAMES, ["method", "class", "cached"]);
    assert_eq!(<Request as LabelSet>::CARDINALITY, Some(12));
    assert_eq!(
        <Tenant<'_> as LabelSet>::NAMES,
        ["tenant", "shard", "method"]
    );
    assert_eq!(<Tenant<'_> as LabelSet>::CARDINALITY, None);
}

#[test]
fn index_and_values_at_agree_for_every_label_set() {
    let mut seen = [false; 12];
    for method in [Method::Get, Method::Post] {
        for class in [Class::Success, Class::ClientError, Class::HTTPServerError] {
            for cached in [false, true] {
                let set = Request {
                    method,
                    class,
                    cached,
                };
                let index = set.index();
                assert!(!seen[index], "index {index} used twice");
                seen[index] = true;
                let mut values = Vec::new();
                Request::values_at(index, &mut values);
                let expected = [
                    method.as_label().as_str().to_owned(),
                    class.as_label().as_str().to_owned(),
                    cached.to_string(),
                ];
                assert_eq!(values, expected);
            }
        }
    }
}

#[test]
fn enum_keyed_family_is_an_array_of_every_series() {
    TYPED_REQUESTS_TOTAL.with(&GET_OK).inc();
    TYPED_REQUESTS_TOTAL.with(&GET_OK).inc();
    let post = Request {
        method: Method::Post,
        class: Class::ClientError,
        cached: true,
    };
    TYPED_REQUESTS_TOTAL.with(&post).inc_by(5);
    let s = snapshot();
    let family = s.family("typed_requests_total").expect("registered");
    assert_eq!(family.series.len(), 12, "every label set is a series");
    let get = |m, c, cached| {
        s.counter(
            "typed_requests_total",
            &[("method", m), ("class", c), ("cached", cached)],
        )
    };
    assert!(get("get", "success", "false") >= Some(2));
    assert_eq!(get("POST", "client_error", "true"), Some(5));
    assert_eq!(get("get", "http_server_error", "true"), Some(0));
}

#[test]
fn typed_histogram_children_keep_the_buckets() {
    TYPED_LATENCY_SECONDS.with(&GET_OK).observe(0.5);
    assert_eq!(TYPED_LATENCY_SECONDS.with(&GET_OK).bounds(), &[0.1, 1.0]);
    assert_eq!(
        TYPED_LATENCY_SECONDS.with(&GET_OK).bucket_counts(),
        vec![0, 1, 0]
    );
}

#[test]
fn open_label_sets_create_children_on_use_under_the_limit() {
    let work = |name: &'static str, shard| Tenant {
        name,
        shard,
        method: Method::Get,
    };
    TENANT_WORK_TOTAL.with(&work("acme", 7)).inc();
    TENANT_WORK_TOTAL.with(&work("acme", 7)).inc();
    TENANT_WORK_TOTAL.with(&work("globex", 65535)).inc();
    TENANT_WORK_TOTAL.with(&work("initech", 1)).inc();
    let s = snapshot();
    let get = |t, shard, method| {
        s.counter(
            "tenant_work_total",
            &[("tenant", t), ("shard", shard), ("method", method)],
        )
    };
    assert_eq!(get("acme", "7", "get"), Some(2));
    assert_eq!(get("globex", "65535", "get"), Some(1));
    let overflow = "__overflow__";
    assert_eq!(get(overflow, overflow, overflow), Some(1));
    assert_eq!(TENANT_WORK_TOTAL.dropped(), 1);
}

#[test]
fn the_hot_path_allocates_nothing() {
    // The first calls create the array and the text-keyed child.
    TYPED_REQUESTS_TOTAL.with(&GET_OK).inc();
    KEYED_TOTAL.with(["k-1", "eu-west-1"]).inc();
    let key = String::from("k-1");
    let n = allocations(|| {
        for i in 0..10_000u32 {
            let set = Request {
                method: if i % 2 == 0 {
                    Method::Get
                } else {
                    Method::Post
                },
                class: Class::Success,
                cached: i % 3 == 0,
            };
            TYPED_REQUESTS_TOTAL.with(&set).inc();
            KEYED_TOTAL.with([&key, "eu-west-1"]).inc();
        }
    });
    assert_eq!(n, 0, "allocations on the hot path");
    // The counter works: the allocator is live, so a new child does allocate.
    assert!(allocations(|| KEYED_TOTAL.with(["k-2", "eu-west-1"]).inc()) > 0);
}

#[test]
fn typed_families_pass_the_checkers() {
    TYPED_REQUESTS_TOTAL.with(&GET_OK).inc();
    // Another label set than the bucket test's, which counts its observations.
    let post = Request {
        method: Method::Post,
        class: Class::Success,
        cached: true,
    };
    TYPED_LATENCY_SECONDS.with(&post).observe(0.05);
    let text = render(Format::Prometheus);
    assert!(text.contains(r#"typed_requests_total{method="get",class="success",cached="false"}"#));
    if let Some(complaints) = promtool_check(&text) {
        assert_eq!(complaints, "", "promtool on:\n{text}");
    }
    if let Some(parsed) = openmetrics_parse(&render(Format::OpenMetrics)) {
        parsed.expect("strict OpenMetrics parser");
    }
}
