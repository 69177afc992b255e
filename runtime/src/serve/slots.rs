//! Connection slots: at most so many connections at once, and a new one always gets in.
//!
//! Connections are accepted as fast as they come, so the listen backlog never fills. When every
//! slot is taken, one connection is closed to make room: the oldest that has not yet sent a
//! whole request head, else the oldest that is not waiting for a response to be rendered. A
//! client that sends its head at once (a scraper) is served, while peers that trickle their
//! heads (slowloris) or never read their responses push each other out. Memory stays bounded
//! by the number of slots.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::oneshot;

/// A connection that has not yet sent a whole request head.
pub(super) const NEW: u8 = 0;
/// Waiting for a response to be rendered: never closed to make room.
pub(super) const RENDERING: u8 = 1;
/// Served at least once: writing a response, or idle between requests.
pub(super) const SERVED: u8 = 2;

struct Entry {
    state: Arc<AtomicU8>,
    close: oneshot::Sender<()>,
}

/// The open connections, by the order they were accepted in.
pub(super) struct Slots {
    max: usize,
    open: Mutex<(u64, BTreeMap<u64, Entry>)>,
}

/// One connection's slot: frees itself when dropped.
pub(super) struct Slot {
    slots: Arc<Slots>,
    id: u64,
    /// [`NEW`], [`RENDERING`] or [`SERVED`].
    pub state: Arc<AtomicU8>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self
            .slots
            .open
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        open.1.remove(&self.id);
    }
}

impl Slots {
    pub(super) fn new(max: usize) -> Arc<Self> {
        Arc::new(Self {
            max,
            open: Mutex::new((0, BTreeMap::new())),
        })
    }

    /// A slot for a new connection, and what closes it when another needs the room; `None`
    /// when every slot waits for a render, and the new connection is to be closed.
    pub(super) fn take(self: &Arc<Self>) -> Option<(Slot, oneshot::Receiver<()>)> {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        if open.1.len() >= self.max {
            let oldest_in = |wanted: u8| {
                open.1
                    .iter()
                    .find(|(_, e)| e.state.load(Ordering::Acquire) == wanted)
                    .map(|(id, _)| *id)
            };
            let room = oldest_in(NEW).or_else(|| oldest_in(SERVED))?;
            if let Some(entry) = open.1.remove(&room) {
                let _ = entry.close.send(());
            }
        }
        open.0 += 1;
        let id = open.0;
        let state = Arc::new(AtomicU8::new(NEW));
        let (close, closed) = oneshot::channel();
        open.1.insert(
            id,
            Entry {
                state: Arc::clone(&state),
                close,
            },
        );
        Some((
            Slot {
                slots: Arc::clone(self),
                id,
                state,
            },
            closed,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_connection_without_a_request_makes_room_first() {
        let slots = Slots::new(3);
        let (served, mut served_closed) = slots.take().unwrap();
        let (rendering, mut rendering_closed) = slots.take().unwrap();
        let (new, mut new_closed) = slots.take().unwrap();
        served.state.store(SERVED, Ordering::Release);
        rendering.state.store(RENDERING, Ordering::Release);
        let (fourth, _) = slots.take().unwrap();
        assert!(new_closed.try_recv().is_ok());
        drop(new);
        // With none left without a request: the oldest served one; one that waits for a
        // render never.
        fourth.state.store(RENDERING, Ordering::Release);
        let (_fifth, _) = slots.take().unwrap();
        assert!(served_closed.try_recv().is_ok());
        assert!(rendering_closed.try_recv().is_err());
        drop(served);
        assert_eq!(slots.open.lock().unwrap().1.len(), 3);
    }

    #[test]
    fn every_slot_rendering_turns_the_newcomer_away() {
        let slots = Slots::new(1);
        let (only, _) = slots.take().unwrap();
        only.state.store(RENDERING, Ordering::Release);
        assert!(slots.take().is_none());
        drop(only);
        assert!(slots.take().is_some());
    }
}
