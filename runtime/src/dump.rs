//! Writing every metric once when the program ends: when a guard is dropped at the end of
//! `main`, and (with the default `signals` feature, on Unix) on SIGINT or SIGTERM.

use std::fs::File;
use std::io::{self, Write as _};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

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
    done: AtomicBool,
}

impl Dump {
    /// Writes the dump unless it was written already; reports failure on stderr, since at
    /// exit there is nobody left to return an error to.
    fn run(&self) {
        if self.done.swap(true, Ordering::AcqRel) {
            return;
        }
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
            Target::File(path) => {
                let mut file = File::create(path)?;
                file.write_all(text.as_bytes())?;
                file.sync_all()
            }
        }
    }
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
mod signals {
    use std::sync::{Arc, Mutex, OnceLock, PoisonError, Weak};

    use signal_hook::consts::{SIGINT, SIGTERM};
    use signal_hook::iterator::Signals;

    use super::Dump;

    static WATCHED: Mutex<Vec<Weak<Dump>>> = Mutex::new(Vec::new());

    /// Registers `dump` to be written at SIGINT/SIGTERM, starting the watcher thread once.
    pub(super) fn watch(dump: &Arc<Dump>) {
        static STARTED: OnceLock<()> = OnceLock::new();
        {
            let mut watched = WATCHED.lock().unwrap_or_else(PoisonError::into_inner);
            watched.retain(|w| w.strong_count() > 0);
            watched.push(Arc::downgrade(dump));
        }
        STARTED.get_or_init(|| match Signals::new([SIGINT, SIGTERM]) {
            Ok(mut signals) => {
                let spawned = std::thread::Builder::new()
                    .name("meterbox-dump-signals".into())
                    .spawn(move || {
                        if let Some(signal) = signals.forever().next() {
                            let watched: Vec<_> = WATCHED
                                .lock()
                                .unwrap_or_else(PoisonError::into_inner)
                                .iter()
                                .filter_map(Weak::upgrade)
                                .collect();
                            for dump in watched {
                                dump.run();
                            }
                            // Then end the process as the signal would have.
                            let _ = signal_hook::low_level::emulate_default_handler(signal);
                            std::process::exit(128 + signal);
                        }
                    });
                if let Err(err) = spawned {
                    eprintln!("meterbox: no dump at SIGINT/SIGTERM: {err}");
                }
            }
            Err(err) => eprintln!("meterbox: no dump at SIGINT/SIGTERM: {err}"),
        });
    }
}

#[cfg(not(all(feature = "signals", unix)))]
mod signals {
    use std::sync::Arc;

    use super::Dump;

    pub(super) fn watch(_: &Arc<Dump>) {}
}
