//! The queue's state changes in the database. Every change of a task's status happens in a
//! transaction that also brings its batch's counters and status up to date.

use sqlx::FromRow;

#[cfg(test)]
mod tests;

use crate::{
    Result,
    db::{self, Backend, Db, Tx},
    store,
    wakeups::{self, Wakeup},
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
    /// The claim's fence: every write of the run is conditional on it.
    pub fence: i64,
}

/// Sets a batch's counters from its tasks and derives its status: once nothing waits or runs, a
/// batch with cancelled tasks stays `cancelled` (also after an edit of one of its images),
/// otherwise it is `completed` if anything succeeded and `failed` if nothing did. Moves the
/// batch to its next revision and stamps the tasks the transaction changed with it.
pub async fn recompute_batch(tx: &mut Tx, queue_id: i64) -> Result<()> {
    lock_batch(tx, queue_id).await?;
    db::query(
        "UPDATE batch_queues SET
           completed_images = (SELECT COUNT(*) FROM batch_tasks WHERE queue_id = $1 AND status = 'completed'),
           failed_images = (SELECT COUNT(*) FROM batch_tasks WHERE queue_id = $1 AND status = 'failed'),
           status = CASE
             WHEN status = 'cancelled' THEN 'cancelled'
             WHEN NOT EXISTS (SELECT 1 FROM batch_tasks WHERE queue_id = $1 AND status IN ('pending', 'processing')) THEN
               CASE
                 WHEN EXISTS (SELECT 1 FROM batch_tasks WHERE queue_id = $1 AND status = 'cancelled') THEN 'cancelled'
                 WHEN EXISTS (SELECT 1 FROM batch_tasks WHERE queue_id = $1 AND status = 'completed') THEN 'completed'
                 ELSE 'failed'
               END
             WHEN EXISTS (SELECT 1 FROM batch_tasks WHERE queue_id = $1
                          AND (status <> 'pending' OR attempts > 0)) THEN 'processing'
             ELSE 'pending'
           END,
           revision = revision + 1,
           updated_at = $2
         WHERE id = $1",
    )
    .bind(queue_id)
    .bind(db::now_iso())
    .execute(&mut *tx)
    .await?;
    stamp_changed_tasks(tx, queue_id).await
}

/// Moves a batch to its next revision without recounting it, for a change that leaves its
/// counters as they are (a task's progress), and stamps the changed tasks.
async fn touch_batch(tx: &mut Tx, queue_id: i64) -> Result<()> {
    lock_batch(tx, queue_id).await?;
    db::query("UPDATE batch_queues SET revision = revision + 1 WHERE id = $1")
        .bind(queue_id)
        .execute(&mut *tx)
        .await?;
    stamp_changed_tasks(tx, queue_id).await
}

/// On PostgreSQL, waits for the batch's row: READ COMMITTED counts with the snapshot its statement
/// started with, so the recount must start after any transaction that changed one of its tasks
/// meanwhile has committed; and revisions must be handed out in the order their transactions
/// commit, or a stream that has read revision n could later miss a change stamped n.
async fn lock_batch(tx: &mut Tx, queue_id: i64) -> Result<()> {
    if tx.backend() == Backend::Postgres {
        db::query("SELECT id FROM batch_queues WHERE id = $1 FOR UPDATE")
            .bind(queue_id)
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}

/// Gives the tasks this transaction marked changed (`revision` NULL) the batch's new revision,
/// and tells the other processes' live streams on commit.
async fn stamp_changed_tasks(tx: &mut Tx, queue_id: i64) -> Result<()> {
    db::query(
        "UPDATE batch_tasks SET revision = (SELECT revision FROM batch_queues WHERE id = $1)
         WHERE queue_id = $1 AND revision IS NULL",
    )
    .bind(queue_id)
    .execute(&mut *tx)
    .await?;
    wakeups::send_on_commit(tx, Wakeup::Changed(queue_id)).await
}

/// Records the progress a provider reported for a running task; false when the claim is over.
pub async fn record_progress(db: &Db, task: &Claimed, progress: f64) -> Result<bool> {
    let mut tx = db::begin_write(db).await?;
    let done = db::query(
        "UPDATE batch_tasks SET progress = $1, revision = NULL
         WHERE id = $2 AND fence = $3 AND status = 'processing'",
    )
    .bind(progress)
    .bind(task.id)
    .bind(task.fence)
    .execute(&mut tx)
    .await?;
    if done == 0 {
        return Ok(false);
    }
    touch_batch(&mut tx, task.queue_id).await?;
    tx.commit().await?;
    Ok(true)
}

/// What one claim did: the tasks it leased (at most the free room under the global limit) and
/// the batches whose expired leases it took back.
#[derive(Debug, Default)]
pub struct Claims {
    pub tasks: Vec<Claimed>,
    pub reaped: Vec<i64>,
    /// The global limit as the claim read it.
    pub limit: u32,
}

/// The PostgreSQL advisory lock the claim holds for its transaction ("imgbatch" in ASCII).
const CLAIM_LOCK: i64 = 0x0069_6d67_6261_7463;

/// Leases due tasks up to the global limit, counted over every process sharing the database.
///
/// One write transaction under one lock (SQLite's `BEGIN IMMEDIATE`, PostgreSQL's
/// [`CLAIM_LOCK`]) first takes back tasks whose lease expired, then counts what runs, then claims
/// at most `limit − running` tasks: each time the oldest waiting task of the user with the fewest
/// tasks running, so one user's many batches cannot starve another's. Every claim takes the task's next fence.
pub async fn claim(db: &Db, owner: &str, lease_ms: i64, max_attempts: i64) -> Result<Claims> {
    let now = db::now_millis();
    let mut tx = db::begin_write(db).await?;
    if tx.backend() == Backend::Postgres {
        // One claimer at a time across every instance: without it two claimers could both see
        // the same free room under the limit and together overshoot it.
        db::query("SELECT pg_advisory_xact_lock($1)")
            .bind(CLAIM_LOCK)
            .execute(&mut tx)
            .await?;
    }
    let reaped = reap_expired(&mut tx, now, max_attempts).await?;
    let limit = store::settings::concurrency(&mut tx).await?;
    let (running,): (i64,) =
        db::query("SELECT COUNT(*) FROM batch_tasks WHERE status = 'processing'")
            .fetch_one(&mut tx)
            .await?;
    let mut tasks = Vec::new();
    for _ in running..i64::from(limit) {
        let Some(task) = claim_next(&mut tx, owner, now, lease_ms).await? else {
            break;
        };
        tasks.push(task);
    }
    let mut touched: Vec<i64> = tasks
        .iter()
        .map(|t| t.queue_id)
        .chain(reaped.iter().copied())
        .collect();
    touched.sort_unstable();
    touched.dedup();
    for queue_id in touched {
        recompute_batch(&mut tx, queue_id).await?;
    }
    tx.commit().await?;
    Ok(Claims {
        tasks,
        reaped,
        limit,
    })
}

/// The claim of one task: the oldest due task of the user with the fewest running. The users with
/// waiting work are found by one index seek each (a loose index scan), then each one's oldest due
/// task, so the cost grows with the users waiting, not the tasks.
macro_rules! claim_next_sql {
    ($lock:literal) => {
        concat!(
            "WITH RECURSIVE waiting(user_id) AS (
           SELECT MIN(user_id) FROM batch_tasks WHERE status = 'pending'
           UNION ALL
           SELECT (SELECT MIN(user_id) FROM batch_tasks WHERE status = 'pending' AND user_id > w.user_id)
           FROM waiting w WHERE w.user_id IS NOT NULL
         ), heads AS (
           SELECT (SELECT t.id FROM batch_tasks t
                   WHERE t.status = 'pending' AND t.user_id = w.user_id AND t.next_run_at <= $3
                   ORDER BY t.queue_id, t.position, t.id LIMIT 1) AS id
           FROM waiting w WHERE w.user_id IS NOT NULL
         ), running AS (
           SELECT user_id, COUNT(*) AS n FROM batch_tasks WHERE status = 'processing' GROUP BY user_id
         )
         UPDATE batch_tasks SET status = 'processing', attempts = attempts + 1, charge = 0,
           fence = fence + 1, lease_owner = $1, lease_until = $2,
           started_at = COALESCE(started_at, $3),
           revision = NULL, progress = NULL, updated_at = $4
         WHERE status = 'pending' AND id = (SELECT t.id FROM heads h JOIN batch_tasks t ON t.id = h.id
                     LEFT JOIN running r ON r.user_id = t.user_id
                     ORDER BY COALESCE(r.n, 0), t.queue_id, t.position, t.id LIMIT 1",
            $lock,
            ")
         RETURNING id, queue_id, user_id, prompt, model, source, original_image_url,
           original_mime, generated_image_url, attempts, version, fence,
           use_user_key AS used_user_key"
        )
    };
}

async fn claim_next(tx: &mut Tx, owner: &str, now: i64, lease_ms: i64) -> Result<Option<Claimed>> {
    let sql = match tx.backend() {
        Backend::Sqlite => claim_next_sql!(""),
        // The claim runs under the claim lock, so nothing else claims; other writers (a cancel,
        // a retry) may hold a task's row, which is then left for the next claim.
        Backend::Postgres => claim_next_sql!(" FOR UPDATE OF t SKIP LOCKED"),
    };
    let task = db::query(sql)
        .bind(owner)
        .bind(now + lease_ms)
        .bind(now)
        .bind(db::now_iso())
        .fetch_optional(tx)
        .await?;
    Ok(task)
}

/// Extends a lease; false when the claim that holds `task.fence` is over (the task was
/// cancelled, finished, or claimed again after the lease lapsed).
pub async fn heartbeat(db: &Db, task: &Claimed, lease_ms: i64) -> Result<bool> {
    let done = db::query(
        "UPDATE batch_tasks SET lease_until = $1 WHERE id = $2 AND fence = $3 AND status = 'processing'",
    )
    .bind(db::now_millis() + lease_ms)
    .bind(task.id)
    .bind(task.fence)
    .execute(db)
    .await?;
    Ok(done == 1)
}

/// Of the claims `(task id, fence)` given, those still held: the task is `processing` under that
/// fence. The others were cancelled or taken over, possibly through another process.
pub async fn still_held(db: &Db, claims: &[(i64, i64)]) -> Result<Vec<(i64, i64)>> {
    let ids: Vec<i64> = claims.iter().map(|(task_id, _)| *task_id).collect();
    let rows = pairs_by_id(
        db,
        "SELECT id, fence FROM batch_tasks WHERE status = 'processing' AND id IN (",
        &ids,
    )
    .await?;
    Ok(claims
        .iter()
        .copied()
        .filter(|claim| rows.contains(claim))
        .collect())
}

/// The revisions of the batches `queue_ids` (those that still exist).
pub async fn revisions(db: &Db, queue_ids: &[i64]) -> Result<Vec<(i64, i64)>> {
    pairs_by_id(
        db,
        "SELECT id, revision FROM batch_queues WHERE id IN (",
        queue_ids,
    )
    .await
}

/// Rows of two integers from `select`, a query ending in `id IN (`, completed with `ids`.
async fn pairs_by_id(db: &Db, select: &'static str, ids: &[i64]) -> Result<Vec<(i64, i64)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let params: Vec<String> = (1..=ids.len()).map(|n| format!("${n}")).collect();
    let sql = format!("{select}{})", params.join(", "));
    let query = ids
        .iter()
        .fold(db::query(sqlx::AssertSqlSafe(sql)), |query, id| {
            query.bind(*id)
        });
    Ok(query.fetch_all(db).await?)
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
pub async fn complete(db: &Db, task: &Claimed, outcome: Outcome<'_>) -> Result<bool> {
    let mut tx = db::begin_write(db).await?;
    let done = db::query(
        "UPDATE batch_tasks SET status = 'completed', generated_image_url = $1, version = version + 1,
           error_message = NULL, lease_owner = NULL, lease_until = NULL, finished_at = $2,
           revision = NULL, progress = NULL, updated_at = $5
         WHERE id = $3 AND fence = $4 AND status = 'processing'",
    )
    .bind(outcome.image_key)
    .bind(db::now_millis())
    .bind(task.id)
    .bind(task.fence)
    .bind(db::now_iso())
    .execute(&mut tx)
    .await?;
    if done == 0 {
        return Ok(false);
    }
    db::query(
        "INSERT INTO task_versions (task_id, version, prompt, source, image_key, image_mime, duration_ms,
           used_user_key, image_bytes)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
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
    .execute(&mut tx)
    .await?;
    recompute_batch(&mut tx, task.queue_id).await?;
    tx.commit().await?;
    Ok(true)
}

/// Puts a task back for another attempt at `run_at` (Unix ms), keeping the error for display.
pub async fn retry_later(db: &Db, task: &Claimed, message: &str, run_at: i64) -> Result<bool> {
    let query = db::query(
        "UPDATE batch_tasks SET status = 'pending', retry_count = retry_count + 1, next_run_at = $1,
           error_message = $2, lease_owner = NULL, lease_until = NULL,
           revision = NULL, progress = NULL, updated_at = $5
         WHERE id = $3 AND fence = $4 AND status = 'processing'",
    )
    .bind(run_at)
    .bind(message)
    .bind(task.id)
    .bind(task.fence)
    .bind(db::now_iso());
    end_run(db, task.queue_id, query).await
}

/// Marks a task failed with the provider's message.
pub async fn fail(db: &Db, task: &Claimed, message: &str) -> Result<bool> {
    let query = db::query(
        "UPDATE batch_tasks SET status = 'failed', error_message = $1, lease_owner = NULL,
           lease_until = NULL, finished_at = $2, revision = NULL, progress = NULL, updated_at = $5
         WHERE id = $3 AND fence = $4 AND status = 'processing'",
    )
    .bind(message)
    .bind(db::now_millis())
    .bind(task.id)
    .bind(task.fence)
    .bind(db::now_iso());
    end_run(db, task.queue_id, query).await
}

/// Hands a task back unfinished (shutdown): the interrupted attempt does not count.
pub async fn release(db: &Db, task: &Claimed) -> Result<bool> {
    let query = db::query(
        "UPDATE batch_tasks SET status = 'pending', attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END,
           lease_owner = NULL, lease_until = NULL, next_run_at = 0,
           revision = NULL, progress = NULL, updated_at = $3
         WHERE id = $1 AND fence = $2 AND status = 'processing'",
    )
    .bind(task.id)
    .bind(task.fence)
    .bind(db::now_iso());
    end_run(db, task.queue_id, query).await
}

/// Applies the update that ends a run (guarded by its fence) together with its batch's
/// counters; false, and nothing written, when the claim was over.
async fn end_run(db: &Db, queue_id: i64, query: db::Query) -> Result<bool> {
    let mut tx = db::begin_write(db).await?;
    let done = query.execute(&mut tx).await?;
    if done == 0 {
        return Ok(false);
    }
    recompute_batch(&mut tx, queue_id).await?;
    tx.commit().await?;
    Ok(true)
}

/// Returns tasks whose lease ran out (their process died or stalled) to the queue, or fails those
/// whose attempts are used up; only expired leases, so a live process's runs are never taken.
/// Returns the batches touched.
async fn reap_expired(tx: &mut Tx, now: i64, max_attempts: i64) -> Result<Vec<i64>> {
    let expired: Vec<(i64, i64, i64)> = db::query(match tx.backend() {
        Backend::Sqlite => {
            "SELECT id, queue_id, attempts FROM batch_tasks
             WHERE status = 'processing' AND (lease_until IS NULL OR lease_until < $1)"
        }
        // A row another writer holds is being cancelled, finished or renewed: not this
        // reaper's, and waiting for it could deadlock with a writer of several tasks.
        Backend::Postgres => {
            "SELECT id, queue_id, attempts FROM batch_tasks
             WHERE status = 'processing' AND (lease_until IS NULL OR lease_until < $1)
             ORDER BY id FOR UPDATE SKIP LOCKED"
        }
    })
    .bind(now)
    .fetch_all(&mut *tx)
    .await?;
    let mut queues = Vec::new();
    for (task_id, queue_id, attempts) in expired {
        if attempts >= max_attempts {
            db::query(
                "UPDATE batch_tasks SET status = 'failed', lease_owner = NULL, lease_until = NULL,
                   error_message = 'the server stopped while this image was being processed',
                   finished_at = $1, revision = NULL, progress = NULL, updated_at = $3 WHERE id = $2",
            )
            .bind(now)
            .bind(task_id)
            .bind(db::now_iso())
            .execute(&mut *tx)
            .await?;
        } else {
            db::query(
                "UPDATE batch_tasks SET status = 'pending', lease_owner = NULL, lease_until = NULL,
                   next_run_at = 0, revision = NULL, progress = NULL, updated_at = $2 WHERE id = $1",
            )
            .bind(task_id)
            .bind(db::now_iso())
            .execute(&mut *tx)
            .await?;
        }
        if !queues.contains(&queue_id) {
            queues.push(queue_id);
        }
    }
    Ok(queues)
}
