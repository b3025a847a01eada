//! Data shapes shared by the REST API, the server functions, the live-progress events and the
//! browser. Serde only: the server converts its database rows into these.

mod account;
mod admin;
mod batch;
mod events;
mod status;

pub use account::{KeyStatus, LedgerEntry, LedgerReason, UserView};
pub use admin::{AdminBatch, AdminUser, DayStats, QueueFilter, QueueNow, Stats};
pub use batch::{
    BatchCreated, BatchDetail, BatchSummary, BatchView, EditSource, ModelView, PresetChanges,
    PresetView, TaskView, VersionView,
};
pub use events::{EventKind, ProgressUpdate};
pub use status::{Status, UnknownStatus};
