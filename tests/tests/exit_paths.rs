//! Every way out of an instrumented function is recorded with the right outcome.

use std::future::Future;
use std::panic::catch_unwind;
use std::pin::Pin;
use std::task::Poll;
use std::time::Duration;

use meterbox::{counted, snapshot, timed};
use meterbox_tests::{block_on, poll_once, Yield};

fn calls(function: &str, result: &str) -> u64 {
    snapshot()
        .counter(
            "function_calls_total",
            &[("function", function), ("result", result)],
        )
        .unwrap_or_else(|| panic!("no series for {function}/{result}"))
}

fn durations(function: &str) -> meterbox::HistogramValue {
    snapshot()
        .histogram("function_duration_seconds", &[("function", function)])
        .unwrap_or_else(|| panic!("no duration series for {function}"))
        .clone()
}

#[derive(Debug)]
struct Oops;

#[counted]
#[timed]
fn early_return(n: u32) -> Result<u32, Oops> {
    if n == 0 {
        return Err(Oops);
    }
    Ok(n)
}

#[test]
fn counted_on_early_return() {
    assert!(early_return(0).is_err());
    assert!(early_return(0).is_err());
    assert_eq!(early_return(3).unwrap(), 3);
    assert_eq!(calls("early_return", "error"), 2);
    assert_eq!(calls("early_return", "ok"), 1);
    assert_eq!(durations("early_return").count(), 3);
}

fn parse(s: &str) -> std::io::Result<u32> {
    s.parse()
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "not a number"))
}

#[counted]
#[timed]
fn question_mark(s: &str) -> std::io::Result<u32> {
    let n = parse(s)?;
    Ok(n + 1)
}

#[test]
fn counted_on_question_mark_through_an_alias() {
    assert!(question_mark("x").is_err());
    assert_eq!(question_mark("4").unwrap(), 5);
    assert_eq!(calls("question_mark", "error"), 1);
    assert_eq!(calls("question_mark", "ok"), 1);
    assert_eq!(durations("question_mark").count(), 2);
}

#[counted]
#[timed]
fn explode(really: bool) -> u32 {
    assert!(!really, "boom");
    1
}

#[test]
fn panic_outcome_labelled() {
    let prev = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let caught = catch_unwind(|| explode(true));
    std::panic::set_hook(prev);
    assert!(caught.is_err());
    assert_eq!(explode(false), 1);
    assert_eq!(calls("explode", "panic"), 1);
    assert_eq!(calls("explode", "ok"), 1);
    assert_eq!(durations("explode").count(), 2);
}

#[counted]
#[timed]
async fn slow_job(rounds: u32) -> Result<(), String> {
    Yield(rounds).await;
    if rounds == 7 {
        return Err("seven".into());
    }
    Ok(())
}

#[test]
fn async_outcomes_and_cancellation() {
    // Created but never polled: nothing has run, nothing is recorded.
    let never_polled = slow_job(1);
    drop(never_polled);
    assert_eq!(durations("slow_job").count(), 0);

    let mut pending = Box::pin(slow_job(3));
    assert!(poll_once(&mut pending).is_pending());
    drop(pending);
    assert_eq!(calls("slow_job", "cancelled"), 1);
    assert_eq!(durations("slow_job").count(), 1);

    assert_eq!(block_on(slow_job(2)), Ok(()));
    assert!(block_on(slow_job(7)).is_err());
    assert_eq!(calls("slow_job", "ok"), 1);
    assert_eq!(calls("slow_job", "error"), 1);
    assert_eq!(durations("slow_job").count(), 3);
}

#[counted]
async fn async_panic() -> u8 {
    Yield(1).await;
    panic!("async boom");
}

#[test]
fn async_panic_is_a_panic_not_a_cancellation() {
    let prev = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let caught = catch_unwind(|| block_on(async_panic()));
    std::panic::set_hook(prev);
    assert!(caught.is_err());
    assert_eq!(calls("async_panic", "panic"), 1);
    assert_eq!(calls("async_panic", "cancelled"), 0);
}

/// A future that completes after real time has passed, without an executor's timer.
struct Sleep(std::time::Instant);

impl Future for Sleep {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> Poll<()> {
        if std::time::Instant::now() >= self.0 {
            Poll::Ready(())
        } else {
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

fn sleep(d: Duration) -> Sleep {
    Sleep(std::time::Instant::now() + d)
}

#[counted]
#[timed]
#[allow(clippy::manual_async_fn)]
fn impl_future(ms: u64) -> impl Future<Output = Result<u64, String>> {
    async move {
        sleep(Duration::from_millis(ms)).await;
        Ok(ms)
    }
}

#[counted]
#[timed]
fn boxed_future(ms: u64) -> Pin<Box<dyn Future<Output = u64> + Send>> {
    Box::pin(async move {
        sleep(Duration::from_millis(ms)).await;
        ms
    })
}

#[test]
fn impl_future_is_timed_across_await() {
    let future = impl_future(30);
    // Constructing the future records nothing: the guard lives inside it.
    assert_eq!(durations("impl_future").count(), 0);
    assert_eq!(block_on(future), Ok(30));
    let d = durations("impl_future");
    assert_eq!(d.count(), 1);
    // The timer's clock agrees with the OS clock within 1%: a sleep may read a hair short.
    assert!(d.sum >= 0.030 * 0.99, "timed {}s, slept 30ms", d.sum);
    assert_eq!(calls("impl_future", "ok"), 1);

    assert_eq!(block_on(boxed_future(20)), 20);
    let d = durations("boxed_future");
    assert_eq!(d.count(), 1);
    assert!(d.sum >= 0.020 * 0.99, "timed {}s, slept 20ms", d.sum);
}

#[async_trait::async_trait]
trait Store {
    async fn load(&self, ms: u64) -> Result<u64, String>;
}

struct Disk;

#[async_trait::async_trait]
impl Store for Disk {
    #[counted]
    #[timed]
    async fn load(&self, ms: u64) -> Result<u64, String> {
        sleep(Duration::from_millis(ms)).await;
        if ms == 0 {
            return Err("empty".into());
        }
        Ok(ms)
    }
}

#[test]
fn async_trait_method_is_timed() {
    assert_eq!(block_on(Disk.load(25)), Ok(25));
    assert!(block_on(Disk.load(0)).is_err());
    let d = durations("load");
    assert_eq!(d.count(), 2);
    assert!(d.sum >= 0.025 * 0.99, "timed {}s", d.sum);
    assert_eq!(calls("load", "ok"), 1);
    assert_eq!(calls("load", "error"), 1);
}

#[counted]
fn generic<T: ToString + ?Sized>(value: &T) -> String {
    value.to_string()
}

#[test]
fn generic_fn_shares_one_series() {
    assert_eq!(generic(&1u8), "1");
    assert_eq!(generic("a"), "a");
    assert_eq!(calls("generic", "ok"), 2);
    let s = snapshot();
    let series = s.series(
        "function_calls_total",
        &[("function", "generic"), ("result", "ok")],
    );
    assert_eq!(series.len(), 1);
}

mod first {
    #[meterbox::counted]
    pub fn same_name() {}
}

mod second {
    #[meterbox::counted]
    pub fn same_name() {}
}

#[test]
fn same_name_in_two_modules_is_two_series() {
    first::same_name();
    second::same_name();
    second::same_name();
    let s = snapshot();
    let get = |module: &str| {
        s.counter(
            "function_calls_total",
            &[
                ("function", "same_name"),
                ("module", module),
                ("result", "ok"),
            ],
        )
    };
    assert_eq!(get("exit_paths::first"), Some(1));
    assert_eq!(get("exit_paths::second"), Some(2));
}

#[counted]
#[track_caller]
fn location() -> &'static std::panic::Location<'static> {
    std::panic::Location::caller()
}

#[test]
fn track_caller_preserved() {
    let here = line!();
    let loc = location();
    assert_eq!(loc.line(), here + 1);
    assert!(loc.file().ends_with("exit_paths.rs"));
    assert_eq!(calls("location", "ok"), 1);
    // Its guard sees no value and no cancellation: only `ok` and `panic` are exported.
    let results: Vec<String> = meterbox::render(meterbox::Format::Prometheus)
        .lines()
        .filter(|l| l.starts_with("function_calls_total{function=\"location\""))
        .map(|l| l.split("result=\"").nth(1).unwrap_or("").to_owned())
        .collect();
    assert_eq!(results, ["ok\"} 1", "panic\"} 0"]);
}

#[counted]
#[timed]
#[allow(dead_code)]
fn never_called() -> Result<(), ()> {
    Ok(())
}

#[test]
fn never_called_is_exported_at_zero() {
    for result in ["ok", "error", "panic"] {
        assert_eq!(calls("never_called", result), 0);
    }
    // A sync function cannot be cancelled: no series that would stay at zero for ever.
    assert_eq!(
        snapshot().counter(
            "function_calls_total",
            &[("function", "never_called"), ("result", "cancelled")]
        ),
        None
    );
    assert_eq!(durations("never_called").count(), 0);
    let text = meterbox::render(meterbox::Format::Prometheus);
    assert!(text.contains(
        r#"function_calls_total{function="never_called",module="exit_paths",result="ok"} 0"#
    ));
}

struct Repo {
    rows: Vec<u64>,
}

#[counted]
#[timed]
impl Repo {
    fn get(&self, i: usize) -> Option<u64> {
        self.rows.get(i).copied()
    }

    fn first_mut(&mut self) -> Option<&mut u64> {
        self.rows.first_mut()
    }

    fn push(&mut self, v: u64) -> Result<(), String> {
        if v == 0 {
            return Err("zero".into());
        }
        self.rows.push(v);
        Ok(())
    }

    const fn limit() -> usize {
        8
    }
}

#[test]
fn impl_block_labels_methods_with_their_type() {
    let mut repo = Repo { rows: vec![] };
    repo.push(4).unwrap();
    assert!(repo.push(0).is_err());
    assert_eq!(repo.get(0), Some(4));
    *repo.first_mut().unwrap() += 1;
    assert_eq!(repo.get(0), Some(5));
    assert_eq!(Repo::limit(), 8);
    assert_eq!(calls("Repo::push", "ok"), 1);
    assert_eq!(calls("Repo::push", "error"), 1);
    assert_eq!(calls("Repo::get", "ok"), 2);
    assert_eq!(calls("Repo::first_mut", "ok"), 1);
    assert_eq!(durations("Repo::get").count(), 2);
}

trait Greeter {
    #[counted]
    fn greet(&self) -> String {
        "hello".into()
    }
}

struct English;
impl Greeter for English {}

#[test]
fn trait_default_body_is_counted() {
    assert_eq!(English.greet(), "hello");
    assert_eq!(calls("greet", "ok"), 1);
}

#[counted]
unsafe fn raw_read(p: *const u32) -> u32 {
    *p
}

#[test]
fn unsafe_fn_is_counted() {
    let x = 9u32;
    // SAFETY: `x` is alive and aligned.
    assert_eq!(unsafe { raw_read(&raw const x) }, 9);
    assert_eq!(calls("raw_read", "ok"), 1);
}

#[counted(name = "jobs_total", help = "Jobs run.")]
#[timed(name = "job_duration", buckets = [0.001, 0.01, 0.1, 1.0])]
fn custom_job() {}

#[test]
fn custom_names_and_buckets() {
    custom_job();
    let s = snapshot();
    assert_eq!(
        s.counter(
            "jobs_total",
            &[("function", "custom_job"), ("result", "ok")]
        ),
        Some(1)
    );
    let h = s
        .histogram("job_duration_seconds", &[("function", "custom_job")])
        .expect("custom histogram");
    assert_eq!(h.bounds, vec![0.001, 0.01, 0.1, 1.0]);
    assert_eq!(h.count(), 1);
    assert_eq!(s.family("jobs_total").map(|f| f.help), Some("Jobs run."));
}

#[test]
fn default_duration_buckets_start_at_one_microsecond() {
    assert_eq!(durations("early_return").bounds.first(), Some(&0.000_001));
}

#[test]
fn no_conflicts_in_this_program() {
    assert_eq!(meterbox::check(), Ok(()));
}

/// Leaves through a macro of its own: the body cannot be read as a plain block.
macro_rules! bail {
    () => {
        return Err(Oops)
    };
}

#[counted]
#[timed]
fn through_a_macro(n: u32) -> Result<u32, Oops> {
    if n == 0 {
        bail!();
    }
    Ok(n)
}

#[counted]
#[timed]
fn question_mark_in_a_format(s: &str) -> std::io::Result<String> {
    Ok(format!("<{}>", parse(s)?))
}

/// No way out but the end: a plain block, its value classified all the same.
#[counted]
#[timed]
fn plain_block(values: &mut Vec<u32>, n: u32) -> Result<usize, Oops> {
    #![allow(clippy::ptr_arg)]
    values.push(n);
    let check = |v: u32| if v == 0 { Err(Oops) } else { Ok(v) };
    println!("{}", values.len());
    if n % 2 == 0 {
        Err(Oops)
    } else {
        check(n).map(|_| values.len())
    }
}

#[test]
fn every_body_shape_classifies_its_value() {
    assert!(through_a_macro(0).is_err());
    assert_eq!(through_a_macro(2).unwrap(), 2);
    assert!(question_mark_in_a_format("x").is_err());
    assert_eq!(question_mark_in_a_format("7").unwrap(), "<7>");
    let mut values = Vec::new();
    assert!(plain_block(&mut values, 2).is_err());
    assert_eq!(plain_block(&mut values, 3).unwrap(), 2);
    assert_eq!(plain_block(&mut values, 5).unwrap(), 3);
    for function in ["through_a_macro", "question_mark_in_a_format"] {
        assert_eq!(calls(function, "error"), 1, "{function}");
        assert_eq!(calls(function, "ok"), 1, "{function}");
        assert_eq!(durations(function).count(), 2, "{function}");
    }
    assert_eq!(calls("plain_block", "error"), 1);
    assert_eq!(calls("plain_block", "ok"), 2);
    assert_eq!(durations("plain_block").count(), 3);
}
