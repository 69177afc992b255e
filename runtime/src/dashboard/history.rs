//! The ring of past values the dashboard draws: every series' numbers at each tick, packed
//! into one vector per tick beside a description of the series shared by the ticks that
//! have the same ones.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use crate::snapshot::{Snapshot, Value};

/// The most numbers one tick keeps; series past it have no history, only their value now.
pub(crate) const MAX_NUMBERS: usize = 16_384;

/// A series by family and labels.
type Name = (&'static str, Vec<(&'static str, &'static str)>);

/// Which series a tick holds, and where each one's numbers are.
pub(crate) struct Schema {
    pub series: Vec<SeriesKey>,
    /// Each series' position in `series`.
    index: HashMap<Name, usize>,
}

/// One series' place in a tick.
pub(crate) struct SeriesKey {
    pub family: &'static str,
    pub labels: Vec<(&'static str, &'static str)>,
    /// Where its numbers start, and how many: 1 for a counter or gauge; a histogram's
    /// bucket counts (not cumulative, `+Inf` last) then its sum; a summary's count and sum.
    pub offset: usize,
    pub width: usize,
}

/// The numbers of every series at one tick.
pub(crate) struct Tick {
    pub time: SystemTime,
    pub schema: Arc<Schema>,
    pub numbers: Box<[f64]>,
}

/// The last ticks, oldest first, at most `capacity` of them.
pub(crate) struct History {
    pub interval: Duration,
    capacity: usize,
    ticks: Mutex<VecDeque<Arc<Tick>>>,
}

impl History {
    pub fn new(interval: Duration, capacity: usize) -> Self {
        Self {
            interval,
            capacity: capacity.max(2),
            ticks: Mutex::new(VecDeque::new()),
        }
    }

    /// Keeps the values of `snapshot` as the newest tick, the oldest one going if full.
    pub fn record(&self, snapshot: &Snapshot) {
        let previous = self.newest_schema();
        let tick = Arc::new(pack(snapshot, previous));
        let mut ticks = self.ticks.lock().unwrap_or_else(PoisonError::into_inner);
        while ticks.len() >= self.capacity {
            ticks.pop_front();
        }
        ticks.push_back(tick);
    }

    /// The series of the newest tick, which the next one most likely shares.
    fn newest_schema(&self) -> Option<Arc<Schema>> {
        let ticks = self.ticks.lock().unwrap_or_else(PoisonError::into_inner);
        ticks.back().map(|t| Arc::clone(&t.schema))
    }

    /// The ticks kept, oldest first.
    pub fn ticks(&self) -> Vec<Arc<Tick>> {
        let ticks = self.ticks.lock().unwrap_or_else(PoisonError::into_inner);
        ticks.iter().cloned().collect()
    }
}

/// `snapshot` as a tick, describing its series with `previous` when they are the same.
pub(crate) fn pack(snapshot: &Snapshot, previous: Option<Arc<Schema>>) -> Tick {
    let mut numbers = Vec::new();
    let mut keys = Vec::new();
    for family in &snapshot.families {
        for series in &family.series {
            let start = numbers.len();
            push_numbers(&mut numbers, &series.value);
            if numbers.len() > MAX_NUMBERS {
                numbers.truncate(start);
                continue;
            }
            keys.push(SeriesKey {
                family: family.name,
                labels: series.labels.clone(),
                offset: start,
                width: numbers.len() - start,
            });
        }
    }
    let same = previous.filter(|p| {
        p.series.len() == keys.len()
            && p.series.iter().zip(&keys).all(|(a, b)| {
                a.family == b.family
                    && a.offset == b.offset
                    && a.width == b.width
                    && a.labels == b.labels
            })
    });
    Tick {
        time: snapshot.time,
        schema: same.unwrap_or_else(|| {
            let index = keys
                .iter()
                .enumerate()
                .map(|(i, k)| ((k.family, k.labels.clone()), i))
                .collect();
            Arc::new(Schema {
                series: keys,
                index,
            })
        }),
        numbers: numbers.into_boxed_slice(),
    }
}

// Counts are far below 2^53, where an f64 is exact.
#[allow(clippy::cast_precision_loss)]
fn push_numbers(out: &mut Vec<f64>, value: &Value) {
    match value {
        Value::Counter(n) => out.push(*n as f64),
        Value::Total(v) | Value::Gauge(v) => out.push(*v),
        Value::Histogram(h) => {
            out.extend(h.buckets.iter().map(|&n| n as f64));
            out.push(h.sum);
        }
        Value::Summary(s) => {
            out.push(s.count as f64);
            out.push(s.sum);
        }
    }
}

impl Tick {
    /// The numbers of the series of `family` with `labels`, if this tick has it.
    pub fn numbers_of(
        &self,
        family: &'static str,
        labels: &[(&'static str, &'static str)],
    ) -> Option<&[f64]> {
        let &i = self.schema.index.get(&(family, labels.to_vec()))?;
        let key = &self.schema.series[i];
        self.numbers.get(key.offset..key.offset + key.width)
    }
}
