//! `batch_queues` and `batch_tasks` as the owner changes them: a new batch with its tasks, a
//! cancel, a retry or an edit of one task, a removal; and the lookups the batch rules need.
//!
//! On PostgreSQL rows are locked in one order everywhere (a batch's tasks, then the batch, then
//! the owner's balance), as the queue's own transitions do, so no two of them wait on each other.

pub mod read;
pub mod rows;

use std::collections::HashSet;

use app::types::BatchView;

use super::tasks::recompute_batch;
use crate::{
    Result,
    db::{self, Backend, Db, Tx},
};

/// A batch about to be queued.
pub struct NewBatch<'a> {
    pub user_id: i64,
    pub name: &'a str,
    pub prompt: &'a str,
    pub model: &'a str,
    pub used_user_key: bool,
    /// Credits each image costs (0 on the user's own key).
    pub per_image: i64,
}

/// One stored upload of a new batch.
pub struct NewTask<'a> {
    pub key: &'a str,
    pub mime: &'a str,
    pub filename: &'a str,
    pub bytes: i64,
}

/// Inserts a batch and one waiting task per image, in order; answers the batch's id.
pub async fn insert(tx: &mut Tx, batch: &NewBatch<'_>, tasks: &[NewTask<'_>]) -> Result<i64> {
    let (queue_id,): (i64,) = db::query(
        // Revision 1, above its tasks' 0: a live stream's first event id is never 0.
        "INSERT INTO batch_queues (user_id, batch_name, prompt, model, total_images, used_user_key, revision)
         VALUES ($1, $2, $3, $4, $5, $6, 1) RETURNING id",
    )
    .bind(batch.user_id)
    .bind(batch.name)
    .bind(batch.prompt)
    .bind(batch.model)
    .bind(tasks.len() as i64)
    .bind(batch.used_user_key)
    .fetch_one(&mut *tx)
    .await?;
    for (position, task) in tasks.iter().enumerate() {
        db::query(
            "INSERT INTO batch_tasks (queue_id, user_id, original_image_url, original_mime,
               original_filename, prompt, model, position, charge, use_user_key, original_bytes)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(queue_id)
        .bind(batch.user_id)
        .bind(task.key)
        .bind(task.mime)
        .bind(task.filename)
        .bind(batch.prompt)
        .bind(batch.model)
        .bind(position as i64)
        .bind(batch.per_image)
        .bind(batch.used_user_key)
        .bind(task.bytes)
        .execute(&mut *tx)
        .await?;
    }
    Ok(queue_id)
}

/// Cancels a batch: its waiting and running tasks become `cancelled`, and so does the batch.
/// Answers the credits its waiting tasks were charged, for the caller to refund in `tx`.
pub async fn cancel(tx: &mut Tx, queue_id: i64) -> Result<i64> {
    lock_unfinished_tasks(tx, queue_id).await?;
    let (refund,): (i64,) = db::query(
        "SELECT CAST(COALESCE(SUM(charge), 0) AS BIGINT) FROM batch_tasks WHERE queue_id = $1 AND status = 'pending'",
    )
    .bind(queue_id)
    .fetch_one(&mut *tx)
    .await?;
    db::query(
        "UPDATE batch_tasks SET status = 'cancelled', charge = 0, lease_owner = NULL, lease_until = NULL,
           finished_at = $1, revision = NULL, progress = NULL, updated_at = $3
         WHERE queue_id = $2 AND status IN ('pending', 'processing')",
    )
    .bind(db::now_millis())
    .bind(queue_id)
    .bind(db::now_iso())
    .execute(&mut *tx)
    .await?;
    db::query("UPDATE batch_queues SET status = 'cancelled' WHERE id = $1")
        .bind(queue_id)
        .execute(&mut *tx)
        .await?;
    recompute_batch(tx, queue_id).await?;
    Ok(refund)
}

/// On PostgreSQL, locks a batch's waiting and running tasks in id order before they change
/// together, so two writers of several of them (a cancel, the reaper) take them in one order.
async fn lock_unfinished_tasks(tx: &mut Tx, queue_id: i64) -> Result<()> {
    if tx.backend() == Backend::Postgres {
        db::query(
            "SELECT id FROM batch_tasks WHERE queue_id = $1 AND status IN ('pending', 'processing')
             ORDER BY id FOR UPDATE",
        )
        .bind(queue_id)
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

/// Which batches [`remove`] takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Removal {
    /// Whatever its tasks are doing (they were just cancelled).
    Any,
    /// Only if none of its tasks waits or runs (an edit may have put one back meanwhile).
    Finished,
}

/// Deletes a batch with its tasks and their versions (credit entries keep their amounts);
/// answers the keys of the stored images they referred to, `None` if it was gone already or is
/// not finished when `Removal::Finished` asks.
pub async fn remove(db: &Db, queue_id: i64, which: Removal) -> Result<Option<Vec<String>>> {
    let mut tx = db::begin_write(db).await?;
    if tx.backend() == Backend::Postgres {
        // The tasks first, as every other writer takes them; held, none can be put back.
        db::query("SELECT id FROM batch_tasks WHERE queue_id = $1 ORDER BY id FOR UPDATE")
            .bind(queue_id)
            .execute(&mut tx)
            .await?;
    }
    if which == Removal::Finished {
        let unfinished: Option<(i64,)> = db::query(
            "SELECT id FROM batch_tasks WHERE queue_id = $1 AND status IN ('pending', 'processing') LIMIT 1",
        )
        .bind(queue_id)
        .fetch_optional(&mut tx)
        .await?;
        if unfinished.is_some() {
            return Ok(None);
        }
    }
    let keys: Vec<(String,)> = db::query(
        "SELECT original_image_url FROM batch_tasks WHERE queue_id = $1
         UNION SELECT generated_image_url FROM batch_tasks
           WHERE queue_id = $1 AND generated_image_url IS NOT NULL
         UNION SELECT v.image_key FROM task_versions v JOIN batch_tasks t ON t.id = v.task_id
           WHERE t.queue_id = $1",
    )
    .bind(queue_id)
    .fetch_all(&mut tx)
    .await?;
    db::query("DELETE FROM batch_tasks WHERE queue_id = $1")
        .bind(queue_id)
        .execute(&mut tx)
        .await?;
    let gone = db::query("DELETE FROM batch_queues WHERE id = $1")
        .bind(queue_id)
        .execute(&mut tx)
        .await?;
    tx.commit().await?;
    Ok((gone > 0).then(|| keys.into_iter().map(|(key,)| key).collect()))
}

/// Why a failed task was not put back in the queue.
pub enum RetryRefused {
    /// It has used its manual retries.
    UsedUp,
    /// It is no longer failed.
    NotFailed,
}

/// Puts a failed task back in the queue with a fresh attempt budget if it has used fewer than
/// `max` manual retries; answers how many it has used now.
pub async fn retry(
    tx: &mut Tx,
    task_id: i64,
    max: i64,
) -> Result<std::result::Result<i64, RetryRefused>> {
    let used: Option<(i64,)> = db::query(
        "UPDATE batch_tasks SET status = 'pending', attempts = 0, retry_count = 0, error_message = NULL,
           next_run_at = 0, finished_at = NULL, manual_retries = manual_retries + 1,
           revision = NULL, progress = NULL, updated_at = $3
         WHERE id = $1 AND status = 'failed' AND manual_retries < $2
         RETURNING manual_retries",
    )
    .bind(task_id)
    .bind(max)
    .bind(db::now_iso())
    .fetch_optional(&mut *tx)
    .await?;
    if let Some((used,)) = used {
        return Ok(Ok(used));
    }
    let now: Option<(String, i64)> =
        db::query("SELECT status, manual_retries FROM batch_tasks WHERE id = $1")
            .bind(task_id)
            .fetch_optional(&mut *tx)
            .await?;
    Ok(Err(match now {
        Some((status, used)) if status == "failed" && used >= max => RetryRefused::UsedUp,
        _ => RetryRefused::NotFailed,
    }))
}

/// A new prompt for a finished task.
pub struct Edit<'a> {
    pub task_id: i64,
    pub prompt: &'a str,
    /// `original` or `result`: what the next run starts from.
    pub source: &'a str,
    pub charge: i64,
    pub use_user_key: bool,
}

/// Puts a finished task back in the queue with a new prompt; false when it is waiting or
/// running meanwhile.
pub async fn edit(tx: &mut Tx, edit: &Edit<'_>) -> Result<bool> {
    let done = db::query(
        "UPDATE batch_tasks SET status = 'pending', prompt = $1, source = $2, attempts = 0, retry_count = 0,
           charge = $3, use_user_key = $4, manual_retries = 0, error_message = NULL, next_run_at = 0,
           finished_at = NULL,
           revision = NULL, progress = NULL, updated_at = $6
         WHERE id = $5 AND status NOT IN ('pending', 'processing')",
    )
    .bind(edit.prompt)
    .bind(edit.source)
    .bind(edit.charge)
    .bind(edit.use_user_key)
    .bind(edit.task_id)
    .bind(db::now_iso())
    .execute(&mut *tx)
    .await?;
    Ok(done > 0)
}

/// A batch one of whose tasks went back in the queue is processing again.
pub async fn requeue(tx: &mut Tx, queue_id: i64) -> Result<()> {
    db::query("UPDATE batch_queues SET status = 'processing' WHERE id = $1")
        .bind(queue_id)
        .execute(&mut *tx)
        .await?;
    recompute_batch(tx, queue_id).await
}

/// A user's batches, newest first.
pub async fn list(db: &Db, user_id: i64, limit: i64, offset: i64) -> Result<Vec<BatchView>> {
    let sql = format!(
        "SELECT {} FROM batch_queues WHERE user_id = $1 ORDER BY id DESC LIMIT $2 OFFSET $3",
        rows::QUEUE_COLUMNS
    );
    let found: Vec<rows::QueueRow> = db::query(sqlx::AssertSqlSafe(sql))
        .bind(user_id)
        .bind(limit)
        .bind(offset)
        .fetch_all(db)
        .await?;
    found.into_iter().map(BatchView::try_from).collect()
}

/// One of the first `per_batch` images of a user's batch with an id in `ids`.
pub struct Thumbnail {
    pub queue_id: i64,
    pub task_id: i64,
    pub has_result: bool,
}

/// The first `per_batch` images of each of a user's batches with ids from `first` to `last`.
pub async fn thumbnails(
    db: &Db,
    user_id: i64,
    (first, last): (i64, i64),
    per_batch: i64,
) -> Result<Vec<Thumbnail>> {
    let found: Vec<(i64, i64, bool)> = db::query(
        "SELECT queue_id, id, generated_image_url IS NOT NULL FROM batch_tasks
         WHERE user_id = $1 AND queue_id BETWEEN $2 AND $3 AND position < $4
         ORDER BY queue_id, position",
    )
    .bind(user_id)
    .bind(first)
    .bind(last)
    .bind(per_batch)
    .fetch_all(db)
    .await?;
    Ok(found
        .into_iter()
        .map(|(queue_id, task_id, has_result)| Thumbnail {
            queue_id,
            task_id,
            has_result,
        })
        .collect())
}

/// Bytes of images a user's batches keep (originals and every result version).
pub async fn stored_bytes(db: &Db, user_id: i64) -> Result<u64> {
    let (bytes,): (i64,) = db::query(
        "SELECT CAST(COALESCE((SELECT SUM(original_bytes) FROM batch_tasks WHERE user_id = $1), 0)
              + COALESCE((SELECT SUM(v.image_bytes) FROM task_versions v
                          JOIN batch_tasks t ON t.id = v.task_id WHERE t.user_id = $1), 0) AS BIGINT)",
    )
    .bind(user_id)
    .fetch_one(db)
    .await?;
    Ok(bytes.max(0) as u64)
}

/// Which stored image of a task.
#[derive(Debug, Clone, Copy)]
pub enum ImageKind {
    Original,
    Result,
    Version(i64),
}

/// The storage key of one of a task's images, if it has it.
pub async fn image_key(db: &Db, task_id: i64, which: ImageKind) -> Result<Option<String>> {
    let key: Option<(Option<String>,)> = match which {
        ImageKind::Original => {
            db::query("SELECT original_image_url FROM batch_tasks WHERE id = $1")
                .bind(task_id)
                .fetch_optional(db)
                .await?
        }
        ImageKind::Result => {
            db::query("SELECT generated_image_url FROM batch_tasks WHERE id = $1")
                .bind(task_id)
                .fetch_optional(db)
                .await?
        }
        ImageKind::Version(version) => {
            db::query("SELECT image_key FROM task_versions WHERE task_id = $1 AND version = $2")
                .bind(task_id)
                .bind(version)
                .fetch_optional(db)
                .await?
        }
    };
    Ok(key.and_then(|(key,)| key))
}

/// A task as its batch's zip lists it.
#[derive(Debug, sqlx::FromRow)]
pub struct TaskFiles {
    pub id: i64,
    pub original_filename: String,
    pub prompt: String,
    pub model: String,
    pub status: String,
    pub attempts: i64,
    pub error_message: Option<String>,
    pub version: i64,
    pub generated_image_url: Option<String>,
}

/// A batch's tasks in upload order, with what its zip needs.
pub async fn task_files(db: &Db, queue_id: i64) -> Result<Vec<TaskFiles>> {
    Ok(db::query(
        "SELECT id, original_filename, prompt, model, status, attempts, error_message, version,
           generated_image_url
         FROM batch_tasks WHERE queue_id = $1 ORDER BY position, id",
    )
    .bind(queue_id)
    .fetch_all(db)
    .await?)
}

/// Finished batches created before `cutoff` (an ISO timestamp).
pub async fn finished_before(db: &Db, cutoff: &str) -> Result<Vec<i64>> {
    let ids: Vec<(i64,)> = db::query(
        "SELECT id FROM batch_queues
         WHERE status IN ('completed', 'failed', 'cancelled') AND created_at < $1",
    )
    .bind(cutoff)
    .fetch_all(db)
    .await?;
    Ok(ids.into_iter().map(|(id,)| id).collect())
}

/// Every storage key a task or a version refers to.
pub async fn referenced_keys(db: &Db) -> Result<HashSet<String>> {
    let keys: Vec<(String,)> = db::query(
        "SELECT original_image_url FROM batch_tasks
         UNION SELECT generated_image_url FROM batch_tasks WHERE generated_image_url IS NOT NULL
         UNION SELECT image_key FROM task_versions",
    )
    .fetch_all(db)
    .await?;
    Ok(keys.into_iter().map(|(key,)| key).collect())
}
