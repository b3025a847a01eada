//! Keeping storage to what is used: finished batches older than the retention period go (when
//! one is configured), and stored files that no batch refers to (left by a crash between storing
//! and recording) are removed once they are old enough not to belong to an upload in progress.

use std::time::{Duration, SystemTime};

use super::Batches;
use crate::{Result, db};

/// Files younger than this are left alone: an upload or a run may be about to record them.
pub const ORPHAN_MIN_AGE: Duration = Duration::from_secs(3600);

impl Batches {
    /// Deletes finished batches created more than `days` days ago; answers how many.
    pub async fn delete_older_than(&self, days: u64) -> Result<usize> {
        let ids: Vec<(i64,)> = db::query(
            "SELECT id FROM batch_queues
             WHERE status IN ('completed', 'failed', 'cancelled')
               AND created_at < $1",
        )
        .bind(db::iso_days_ago(days))
        .fetch_all(&self.db)
        .await?;
        for (id,) in &ids {
            self.remove(*id).await?;
        }
        Ok(ids.len())
    }

    /// Removes stored files older than `min_age` that no task or version refers to; answers how
    /// many.
    pub async fn sweep_orphans(&self, min_age: Duration) -> Result<usize> {
        let cutoff = SystemTime::now()
            .checked_sub(min_age)
            .unwrap_or(SystemTime::UNIX_EPOCH);
        // Listed before the references are read: a file recorded meanwhile is then known.
        let stored = self.storage.keys_written_before(cutoff).await?;
        let referenced: std::collections::HashSet<String> = db::query(
            "SELECT original_image_url FROM batch_tasks
             UNION SELECT generated_image_url FROM batch_tasks WHERE generated_image_url IS NOT NULL
             UNION SELECT image_key FROM task_versions",
        )
        .fetch_all(&self.db)
        .await?
        .into_iter()
        .map(|(key,)| key)
        .collect();
        let orphans: Vec<String> = stored
            .into_iter()
            .filter(|key| !referenced.contains(key))
            .collect();
        self.storage.delete_all(&orphans).await;
        Ok(orphans.len())
    }
}
