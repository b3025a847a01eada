//! The admin's view over every user's batches, and the statistics behind the dashboard.

use app::types::{AdminBatch, QueueFilter, QueueNow, Stats};

use crate::{Result, db::Db, settings::Settings, store::stats};

/// Every user's batches, newest first; `user` matches an id exactly or any part of a username.
pub async fn queues(db: &Db, filter: &QueueFilter) -> Result<Vec<AdminBatch>> {
    stats::queues(db, filter).await
}

pub async fn stats(db: &Db, settings: &Settings) -> Result<Stats> {
    stats::stats(db, settings.concurrency().await?).await
}

/// Tasks waiting, running and failed in the last hour, and the limit they run under.
pub async fn queue_now(db: &Db, settings: &Settings) -> Result<QueueNow> {
    stats::queue_now(db, settings.concurrency().await?).await
}
