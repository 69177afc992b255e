//! The `/metrics` endpoint and HTTP negotiation.
//!
//! With the `serve` feature, an endpoint of its own: hyper on a single-threaded tokio runtime in a thread of its own,
//! so the application needs no async runtime, and the instrumented code never waits on it.
//!
//! A slow or hostile client gets a bounded share, so that a scraper is always answered:
//! connections are accepted at once into a bounded number of slots, the oldest idle one
//! making room for a newcomer (`slots`); each has a deadline for its request head and one for
//! writing each response (`deadline`); heads are capped in size and bodies refused; rendering
//! and compression run on the blocking pool, one render per format shared by the requests
//! that wait for it (`renders`).

//!
//! Without it, [`scrape`] answers for a handler mounted in the application's own server.

#[cfg(feature = "serve")]
mod deadline;
mod negotiate;
#[cfg(feature = "serve")]
mod renders;
#[cfg(feature = "serve")]
mod respond;
#[cfg(feature = "serve")]
mod server;
#[cfg(feature = "serve")]
mod slots;

pub use negotiate::{scrape, scrape_bytes};
#[cfg(feature = "serve")]
pub use server::{serve, Server, ServerHandle, DEFAULT_PORT};
