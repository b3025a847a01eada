//! The queue's state changes in the database. Every change of a task's status happens in a
//! transaction that also brings its batch's counters and status up to date.

use sqlx::FromRow;

use crate::{
    Result,
    db::{self, Db, Tx},
};

/// A claimed task: everything a run needs.
#[derive(Debug, Clone, FromRow)]
pub struct Claimed {
    pub id: i64,
    pub queue_id: i64,
    pub user_id: i64,
    pub prompt: String,
    pub model: String,
    pub source: String,
    pub original_image_url: String,
    pub original_mime: String,
    pub generated_image_url: Option<String>,
    pub attempts: i64,
    pub version: i64,
    pub used_user_key: bool,
}

/// Sets a batch's counters from its tasks and derives its status: once nothing waits or runs, a
/// batch with cancelled tasks stays `cancelled` (also after an edit of one of its images),
/// otherwise it is `completed` if anything succeeded and `failed` if nothing did.
pub async fn recompute_batch(tx: &mut Tx, queue_id: i64) -> Result<()> {
    sqlx::query(
        "UPDATE batch_queues SET
           completed_images = (SELECT COUNT(*) FROM batch_tasks WHERE queue_id = ?1 AND status = 'completed'),
           failed_images = (SELECT COUNT(*) FROM batch_tasks WHERE queue_id = ?1 AND status = 'failed'),
           status = CASE
             WHEN status = 'cancelled' THEN 'cancelled'
             WHEN NOT EXISTS (SELECT 1 FROM batch_tasks WHERE queue_id = ?1 AND status IN ('pending', 'processing')) THEN
               CASE
                 WHEN EXISTS (SELECT 1 FROM batch_tasks WHERE queue_id = ?1 AND status = 'cancelled') THEN 'cancelled'
                 WHEN EXISTS (SELECT 1 FROM batch_tasks WHERE queue_id = ?1 AND status = 'completed') THEN 'completed'
                 ELSE 'failed'
               END
             WHEN EXISTS (SELECT 1 FROM batch_tasks WHERE queue_id = ?1
                          AND (status <> 'pending' OR attempts > 0)) THEN 'processing'
             ELSE 'pending'
           END,
           updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
         WHERE id = ?1",
    )
    .bind(queue_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Takes the next due task (oldest batch first, upload order within it) and leases it.
pub async fn claim(db: &Db, owner: &str, lease_ms: i64) -> Result<Option<Claimed>> {
    let now = db::now_millis();
    let mut tx = db::begin_write(db).await?;
    let claimed: Option<(i64, i64)> = sqlx::query_as(
        "UPDATE batch_tasks SET status = 'processing', attempts = attempts + 1, charge = 0,
           lease_owner = ?1, lease_until = ?2, started_at = COALESCE(started_at, ?3),
           updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
         WHERE id = (SELECT id FROM batch_tasks WHERE status = 'pending' AND next_run_at <= ?3
                     ORDER BY queue_id, position, id LIMIT 1)
         RETURNING id, queue_id",
    )
    .bind(owner)
    .bind(now + lease_ms)
    .bind(now)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((task_id, queue_id)) = claimed else {
        return Ok(None);
    };
    recompute_batch(&mut tx, queue_id).await?;
    let task: Claimed = sqlx::query_as(
        "SELECT t.id, t.queue_id, t.user_id, t.prompt, t.model, t.source, t.original_image_url,
                t.original_mime, t.generated_image_url, t.attempts, t.version,
                t.use_user_key AS used_user_key
         FROM batch_tasks t WHERE t.id = ?",
    )
    .bind(task_id)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Some(task))
}

/// Extends a lease; false when the task is no longer this worker's (cancelled or taken over).
pub async fn heartbeat(db: &Db, task_id: i64, owner: &str, lease_ms: i64) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE batch_tasks SET lease_until = ? WHERE id = ? AND lease_owner = ? AND status = 'processing'",
    )
    .bind(db::now_millis() + lease_ms)
    .bind(task_id)
    .bind(owner)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A finished generation.
pub struct Outcome<'a> {
    pub image_key: &'a str,
    pub image_mime: &'a str,
    pub image_bytes: i64,
    pub duration_ms: i64,
}

/// Records a result as the task's next version; false (and nothing written) when the task was
/// cancelled or taken over meanwhile.
pub async fn complete(db: &Db, task: &Claimed, owner: &str, outcome: Outcome<'_>) -> Result<bool> {
    let mut tx = db::begin_write(db).await?;
    let done = sqlx::query(
        "UPDATE batch_tasks SET status = 'completed', generated_image_url = ?, version = version + 1,
           error_message = NULL, lease_owner = NULL, lease_until = NULL, finished_at = ?,
           updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
         WHERE id = ? AND lease_owner = ? AND status = 'processing'",
    )
    .bind(outcome.image_key)
    .bind(db::now_millis())
    .bind(task.id)
    .bind(owner)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO task_versions (task_id, version, prompt, source, image_key, image_mime, duration_ms,
           used_user_key, image_bytes)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(task.id)
    .bind(task.version + 1)
    .bind(&task.prompt)
    .bind(&task.source)
    .bind(outcome.image_key)
    .bind(outcome.image_mime)
    .bind(outcome.duration_ms)
    .bind(task.used_user_key)
    .bind(outcome.image_bytes)
    .execute(&mut *tx)
    .await?;
    recompute_batch(&mut tx, task.queue_id).await?;
    tx.commit().await?;
    Ok(true)
}

/// Puts a task back for another attempt at `run_at` (Unix ms), keeping the error for display.
pub async fn retry_later(
    db: &Db,
    task: &Claimed,
    owner: &str,
    message: &str,
    run_at: i64,
) -> Result<bool> {
    let query = sqlx::query(
        "UPDATE batch_tasks SET status = 'pending', retry_count = retry_count + 1, next_run_at = ?,
           error_message = ?, lease_owner = NULL, lease_until = NULL,
           updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
         WHERE id = ? AND lease_owner = ? AND status = 'processing'",
    )
    .bind(run_at)
    .bind(message)
    .bind(task.id)
    .bind(owner);
    end_run(db, task.queue_id, query).await
}

/// Marks a task failed with the provider's message.
pub async fn fail(db: &Db, task: &Claimed, owner: &str, message: &str) -> Result<bool> {
    let query = sqlx::query(
        "UPDATE batch_tasks SET status = 'failed', error_message = ?, lease_owner = NULL,
           lease_until = NULL, finished_at = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
         WHERE id = ? AND lease_owner = ? AND status = 'processing'",
    )
    .bind(message)
    .bind(db::now_millis())
    .bind(task.id)
    .bind(owner);
    end_run(db, task.queue_id, query).await
}

/// Hands a task back unfinished (shutdown): the interrupted attempt does not count.
pub async fn release(db: &Db, task: &Claimed, owner: &str) -> Result<bool> {
    let query = sqlx::query(
        "UPDATE batch_tasks SET status = 'pending', attempts = MAX(attempts - 1, 0),
           lease_owner = NULL, lease_until = NULL, next_run_at = 0,
           updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
         WHERE id = ? AND lease_owner = ? AND status = 'processing'",
    )
    .bind(task.id)
    .bind(owner);
    end_run(db, task.queue_id, query).await
}

/// Applies the update that ends a run (guarded by the lease) together with its batch's
/// counters; false when the task was no longer this worker's.
async fn end_run<'q, A>(
    db: &Db,
    queue_id: i64,
    query: sqlx::query::Query<'q, sqlx::Sqlite, A>,
) -> Result<bool>
where
    A: sqlx::IntoArguments<sqlx::Sqlite> + 'q,
{
    let mut tx = db::begin_write(db).await?;
    let done = query.execute(&mut *tx).await?;
    recompute_batch(&mut tx, queue_id).await?;
    tx.commit().await?;
    Ok(done.rows_affected() == 1)
}

/// Returns tasks whose lease ran out (their worker died) to the queue, or fails those whose
/// attempts are used up. `everything` takes back every leased task: right at start-up with
/// SQLite, where no other process can hold a lease. Returns the batches touched.
pub async fn recover(db: &Db, max_attempts: i64, everything: bool) -> Result<Vec<i64>> {
    let now = db::now_millis();
    let mut tx = db::begin_write(db).await?;
    let expired: Vec<(i64, i64, i64)> = sqlx::query_as(
        "SELECT id, queue_id, attempts FROM batch_tasks
         WHERE status = 'processing' AND (?1 OR lease_until IS NULL OR lease_until < ?2)",
    )
    .bind(everything)
    .bind(now)
    .fetch_all(&mut *tx)
    .await?;
    let mut queues = Vec::new();
    for (task_id, queue_id, attempts) in expired {
        if attempts >= max_attempts {
            sqlx::query(
                "UPDATE batch_tasks SET status = 'failed', lease_owner = NULL, lease_until = NULL,
                   error_message = 'the server stopped while this image was being processed',
                   finished_at = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?",
            )
            .bind(now)
            .bind(task_id)
            .execute(&mut *tx)
            .await?;
        } else {
            sqlx::query(
                "UPDATE batch_tasks SET status = 'pending', lease_owner = NULL, lease_until = NULL,
                   next_run_at = 0, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?",
            )
            .bind(task_id)
            .execute(&mut *tx)
            .await?;
        }
        if !queues.contains(&queue_id) {
            queues.push(queue_id);
        }
    }
    for queue_id in &queues {
        recompute_batch(&mut tx, *queue_id).await?;
    }
    tx.commit().await?;
    Ok(queues)
}
