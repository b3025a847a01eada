//! Keeping storage to what is used: finished batches older than the retention period go (when
//! one is configured), and stored files that no batch refers to (left by a crash between storing
//! and recording) are removed once they are old enough not to belong to an upload in progress.

use std::time::{Duration, SystemTime};

use super::Batches;
use crate::{
    Result, db,
    store::batches::{self as store, Removal},
};

/// Files younger than this are left alone: an upload or a run may be about to record them.
pub const ORPHAN_MIN_AGE: Duration = Duration::from_secs(3600);

impl Batches {
    /// Deletes finished batches created more than `days` days ago; answers how many.
    pub async fn delete_older_than(&self, days: u64) -> Result<usize> {
        let mut removed = 0;
        for id in store::finished_before(&self.db, &db::iso_days_ago(days)).await? {
            if self.remove(id, Removal::Finished).await? {
                removed += 1;
            }
        }
        Ok(removed)
    }

    /// Removes stored files older than `min_age` that no task or version refers to; answers how
    /// many.
    pub async fn sweep_orphans(&self, min_age: Duration) -> Result<usize> {
        let cutoff = SystemTime::now()
            .checked_sub(min_age)
            .unwrap_or(SystemTime::UNIX_EPOCH);
        // Listed before the references are read: a file recorded meanwhile is then known.
        let stored = self.storage.keys_written_before(cutoff).await?;
        let referenced = store::referenced_keys(&self.db).await?;
        let orphans: Vec<String> = stored
            .into_iter()
            .filter(|key| !referenced.contains(key))
            .collect();
        self.storage.delete_all(&orphans).await;
        Ok(orphans.len())
    }
}
