//! A surfacer that keeps what it is given, for users' tests.

use std::sync::{Mutex, PoisonError};

use super::{SurfaceError, Surfacer};
use crate::snapshot::Snapshot;

/// Keeps every snapshot surfaced to it, in order, for tests that check what a reporter
/// sent. It keeps them all until [`MemorySurfacer::take`]: use it in tests, not in
/// long-running programs.
///
/// ```
/// use std::sync::Arc;
/// use std::time::Duration;
/// use meterbox::{MemorySurfacer, Reporter};
///
/// let memory = Arc::new(MemorySurfacer::new());
/// let reporter = Reporter::builder()
///     .interval(Duration::from_secs(3600))
///     .surfacer(Arc::clone(&memory))
///     .start()?;
/// reporter.stop(); // one last report
/// assert_eq!(memory.snapshots().len(), 1);
/// # Ok::<(), meterbox::InvalidName>(())
/// ```
#[derive(Debug, Default)]
pub struct MemorySurfacer {
    snapshots: Mutex<Vec<Snapshot>>,
    flushes: Mutex<usize>,
}

impl MemorySurfacer {
    /// An empty one.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Copies of the snapshots surfaced so far, oldest first.
    #[must_use]
    pub fn snapshots(&self) -> Vec<Snapshot> {
        self.snapshots
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The snapshots surfaced so far, leaving none.
    #[must_use]
    pub fn take(&self) -> Vec<Snapshot> {
        std::mem::take(
            &mut *self
                .snapshots
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
        )
    }

    /// How many times it was flushed.
    #[must_use]
    pub fn flushes(&self) -> usize {
        *self.flushes.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Surfacer for MemorySurfacer {
    fn name(&self) -> &'static str {
        "memory"
    }

    fn surface(&self, snapshot: &Snapshot) -> Result<(), SurfaceError> {
        self.snapshots
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(snapshot.clone());
        Ok(())
    }

    fn flush(&self) -> Result<(), SurfaceError> {
        *self.flushes.lock().unwrap_or_else(PoisonError::into_inner) += 1;
        Ok(())
    }
}
