//! The dump at SIGINT and SIGTERM, without taking shutdown over from the application.
//!
//! A handler of our own is installed with `sigaction`, keeping the one it replaces and calling
//! it after ours (so a handler installed earlier still runs), and wakes a watcher thread
//! through a pipe. At a signal, the watcher tells whether the application handles it too:
//! either a handler was installed before ours, or one was installed after it (a later
//! `sigaction`, such as the one tokio's and signal-hook's registry make, replaces ours and
//! calls it in turn).
//!
//! - The application handles it: it keeps control. A file dump gets the values so far, and the
//!   guard writes the final dump when it drops, after the application's shutdown.
//! - It does not: the dump is written, then the signal's default action ends the process,
//!   as it would have without meterbox.
//!
//! A second signal while a dump is being written ends the process at once.
//!
//! Signal handling is calls into libc, so this is the one module where `unsafe` is allowed
//! throughout; each block says why it is sound.
#![allow(unsafe_code)]

use std::fs::File;
use std::io::Read as _;
use std::os::fd::FromRawFd as _;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError, Weak};

use super::Dump;

const SIGNALS: [libc::c_int; 2] = [libc::SIGINT, libc::SIGTERM];

static WATCHED: Mutex<Vec<Weak<Dump>>> = Mutex::new(Vec::new());

/// The pipe's write end, for the handler; -1 until installed.
static WAKE: AtomicI32 = AtomicI32::new(-1);
/// Set while the watcher writes a dump.
static DUMPING: AtomicBool = AtomicBool::new(false);
/// The handlers ours replaced, per signal of `SIGNALS`, and their flags.
static PREVIOUS: [AtomicUsize; 2] = [AtomicUsize::new(0), AtomicUsize::new(0)];
static PREVIOUS_FLAGS: [AtomicI32; 2] = [AtomicI32::new(0), AtomicI32::new(0)];

/// Registers `dump` to be written at SIGINT/SIGTERM, installing the handler once.
pub(super) fn watch(dump: &Arc<Dump>) {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    {
        let mut watched = WATCHED.lock().unwrap_or_else(PoisonError::into_inner);
        watched.retain(|w| w.strong_count() > 0);
        watched.push(Arc::downgrade(dump));
    }
    INSTALLED.get_or_init(|| {
        if let Err(err) = install() {
            eprintln!("meterbox: no dump at SIGINT/SIGTERM: {err}");
        }
    });
}

fn index(signal: libc::c_int) -> Option<usize> {
    SIGNALS.iter().position(|&s| s == signal)
}

/// Only async-signal-safe calls: an atomic load, `write`, `_exit`, and the previous handler.
extern "C" fn on_signal(
    signal: libc::c_int,
    info: *mut libc::siginfo_t,
    context: *mut libc::c_void,
) {
    if DUMPING.load(Ordering::Acquire) {
        // SAFETY: `_exit` is async-signal-safe and ends the process at once.
        unsafe { libc::_exit(128 + signal) };
    }
    let fd = WAKE.load(Ordering::Acquire);
    if fd >= 0 {
        // A signal number fits in a byte.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let byte = signal as u8;
        // SAFETY: writing one byte from a live buffer to our non-blocking pipe; a full pipe
        // is no harm, the watcher is awake already.
        unsafe { libc::write(fd, core::ptr::from_ref(&byte).cast(), 1) };
    }
    let Some(i) = index(signal) else { return };
    let previous = PREVIOUS[i].load(Ordering::Acquire);
    if previous == libc::SIG_DFL || previous == libc::SIG_IGN {
        return;
    }
    // SAFETY: `previous` is the handler `sigaction` reported for this signal, called the way
    // its flags say it expects.
    unsafe {
        if PREVIOUS_FLAGS[i].load(Ordering::Acquire) & libc::SA_SIGINFO != 0 {
            let handler: extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) =
                core::mem::transmute(previous);
            handler(signal, info, context);
        } else {
            let handler: extern "C" fn(libc::c_int) = core::mem::transmute(previous);
            handler(signal);
        }
    }
}

fn our_handler() -> usize {
    on_signal as extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) as usize
}

fn install() -> std::io::Result<()> {
    let mut fds = [0 as libc::c_int; 2];
    // SAFETY: `fds` has room for the two descriptors.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    // The handler must never block: with the pipe full, the watcher is awake anyway.
    // SAFETY: setting a flag on the write end just created.
    if unsafe { libc::fcntl(fds[1], libc::F_SETFL, libc::O_NONBLOCK) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: the read end was just created and is owned by nothing else.
    let wake = unsafe { File::from_raw_fd(fds[0]) };
    WAKE.store(fds[1], Ordering::Release);
    std::thread::Builder::new()
        .name("meterbox-dump-signals".into())
        .spawn(move || watcher(wake))?;
    for (i, &signal) in SIGNALS.iter().enumerate() {
        // SAFETY: a zeroed sigaction is a valid value to fill in.
        let mut action: libc::sigaction = unsafe { core::mem::zeroed() };
        action.sa_sigaction = our_handler();
        action.sa_flags = libc::SA_SIGINFO | libc::SA_RESTART;
        // SAFETY: plain struct initialisation and a sigaction call with valid pointers.
        let mut previous: libc::sigaction = unsafe { core::mem::zeroed() };
        unsafe {
            libc::sigemptyset(&raw mut action.sa_mask);
            if libc::sigaction(signal, &raw const action, &raw mut previous) != 0 {
                return Err(std::io::Error::last_os_error());
            }
        }
        PREVIOUS_FLAGS[i].store(previous.sa_flags, Ordering::Release);
        PREVIOUS[i].store(previous.sa_sigaction, Ordering::Release);
    }
    Ok(())
}

/// Whether something besides meterbox handles `signal`.
fn application_handles(signal: libc::c_int) -> bool {
    let Some(i) = index(signal) else { return true };
    let before = PREVIOUS[i].load(Ordering::Acquire);
    if before != libc::SIG_DFL && before != libc::SIG_IGN {
        return true;
    }
    // SAFETY: reading the current action into a zeroed struct.
    let mut current: libc::sigaction = unsafe { core::mem::zeroed() };
    let read = unsafe { libc::sigaction(signal, core::ptr::null(), &raw mut current) };
    read == 0 && current.sa_sigaction != our_handler()
}

fn watcher(mut wake: File) {
    let mut byte = [0u8; 1];
    while wake.read_exact(&mut byte).is_ok() {
        let signal = libc::c_int::from(byte[0]);
        let handled = application_handles(signal);
        let watched: Vec<Arc<Dump>> = WATCHED
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .filter_map(Weak::upgrade)
            .collect();
        DUMPING.store(true, Ordering::Release);
        for dump in &watched {
            if handled {
                dump.provisional();
            } else {
                dump.run();
            }
        }
        DUMPING.store(false, Ordering::Release);
        if !handled {
            end_as_the_signal_would(signal);
        }
    }
}

/// The signal's default action, as if meterbox had never handled it.
fn end_as_the_signal_would(signal: libc::c_int) -> ! {
    // SAFETY: restoring the default action and sending the signal to our own process.
    unsafe {
        libc::signal(signal, libc::SIG_DFL);
        libc::kill(libc::getpid(), signal);
    }
    // Delivery is asynchronous; should it not end the process, exit as a shell reports it.
    std::thread::sleep(std::time::Duration::from_secs(1));
    std::process::exit(128 + signal)
}
