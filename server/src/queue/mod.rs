//! The durable queue: a dispatcher that claims due tasks while fewer than the global limit run,
//! and the runs themselves (provider call, storing the result, retry or failure).

mod endings;
mod events;
mod lease;
mod relay;
mod retry;
mod run_keys;
mod state;
mod worker;

pub use events::{Events, Signal, StreamLimits, Subscription};
pub use retry::{MAX_ATTEMPTS, RetryPolicy};
pub use run_keys::RunKeys;
pub use state::QueueState;
pub use worker::{Worker, WorkerConfig};
