//! Writing every metric once when the program ends: when a guard is dropped at the end of
//! `main`, and (with the default `signals` feature, on Unix) on SIGINT or SIGTERM.
//!
//! A signal never takes shutdown over from an application that handles it: see `signals`.

use std::fs::File;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use crate::encode::{render, Format};

#[derive(Debug)]
enum Target {
    Stderr,
    File(PathBuf),
}

#[derive(Debug)]
struct Dump {
    target: Target,
    format: Format,
    /// The final dump was written (or the guard disarmed): nothing more to write.
    done: AtomicBool,
    /// One write at a time: a signal's dump and the guard's may overlap.
    writing: Mutex<()>,
}

impl Dump {
    /// The final dump, when the guard drops or a signal ends a program that has no handler
    /// of its own; written once.
    fn run(&self) {
        if self.done.load(Ordering::Acquire) {
            return;
        }
        let _writing = self.writing.lock().unwrap_or_else(PoisonError::into_inner);
        if self.done.swap(true, Ordering::AcqRel) {
            return;
        }
        self.write_reporting();
    }

    /// At a signal the application handles itself: a file gets the values so far (replaced
    /// by the final dump when the guard drops, after the application's own shutdown), in
    /// case the process never gets there; stderr waits for the final dump, to show one table.
    #[cfg_attr(not(all(feature = "signals", unix)), allow(dead_code))]
    fn provisional(&self) {
        if matches!(self.target, Target::Stderr) || self.done.load(Ordering::Acquire) {
            return;
        }
        let _writing = self.writing.lock().unwrap_or_else(PoisonError::into_inner);
        if !self.done.load(Ordering::Acquire) {
            self.write_reporting();
        }
    }

    /// Writes the dump; reports failure on stderr, since at exit there is nobody left to
    /// return an error to.
    fn write_reporting(&self) {
        if let Err(err) = self.write() {
            match &self.target {
                Target::File(path) => eprintln!(
                    "meterbox: cannot write the metrics dump to {}: {err}",
                    path.display()
                ),
                Target::Stderr => eprintln!("meterbox: cannot write the metrics dump: {err}"),
            }
        }
    }

    fn write(&self) -> io::Result<()> {
        let text = render(self.format);
        match &self.target {
            Target::Stderr => io::stderr().lock().write_all(text.as_bytes()),
            Target::File(path) => replace(path, text.as_bytes()),
        }
    }
}

/// Replaces the file at `path` with `bytes` all at once: written to a temporary file beside
/// it, synced, then renamed over it, so that a process ending mid-write leaves the previous
/// file whole rather than a truncated one.
fn replace(path: &Path, bytes: &[u8]) -> io::Result<()> {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(format!(
        ".{}.{}.tmp",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let temporary = PathBuf::from(temporary);
    let written = (|| {
        let mut file = File::create(&temporary)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&temporary, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written
}

/// Writes the dump when dropped, or at SIGINT/SIGTERM, whichever comes first, exactly once.
///
/// Keep it alive for the whole program by binding it in `main`: `let _dump = …;`
/// (not `let _ = …;`, which drops it at once).
#[derive(Debug)]
#[must_use = "the dump is written when this guard is dropped; bind it with `let _dump = …`"]
pub struct DumpGuard {
    dump: Arc<Dump>,
}

impl DumpGuard {
    fn new(target: Target, format: Format) -> Self {
        let dump = Arc::new(Dump {
            target,
            format,
            done: AtomicBool::new(false),
            writing: Mutex::new(()),
        });
        signals::watch(&dump);
        Self { dump }
    }

    /// Drops the guard without writing anything.
    pub fn disarm(self) {
        self.dump.done.store(true, Ordering::Release);
    }
}

impl Drop for DumpGuard {
    fn drop(&mut self) {
        self.dump.run();
    }
}

/// Dumps every metric to stderr in `format` when the returned guard is dropped (normally
/// at the end of `main`) or when the process gets SIGINT or SIGTERM.
///
/// ```no_run
/// let _dump = meterbox::dump_at_exit(meterbox::Format::Table);
/// // … the program; the table is written when `_dump` goes out of scope …
/// ```
pub fn dump_at_exit(format: Format) -> DumpGuard {
    DumpGuard::new(Target::Stderr, format)
}

/// Like [`dump_at_exit`], but writes the dump to the file at `path`, replacing it. If the
/// file cannot be written, the reason goes to stderr and the program ends as it would have.
pub fn dump_at_exit_to(path: impl Into<PathBuf>, format: Format) -> DumpGuard {
    DumpGuard::new(Target::File(path.into()), format)
}

#[cfg(all(feature = "signals", unix))]
mod signals;

#[cfg(not(all(feature = "signals", unix)))]
mod signals {
    use std::sync::Arc;

    use super::Dump;

    pub(super) fn watch(_: &Arc<Dump>) {}
}
