//! The claim: leases due tasks up to the global limit, counted over every process sharing the
//! database, after taking back the tasks whose lease expired.

use super::Claimed;
use crate::{
    Result,
    db::{self, Backend, Tx},
    store,
};

/// What one claim did: the tasks it leased (at most the free room under the global limit) and
/// the batches whose expired leases it took back.
#[derive(Debug, Default)]
pub struct Claims {
    pub tasks: Vec<Claimed>,
    pub reaped: Vec<i64>,
    /// The global limit as the claim read it.
    pub limit: u32,
}

/// Who claims, and on what terms.
#[derive(Debug, Clone, Copy)]
pub struct Claimer<'a> {
    /// Written on every lease the claim takes, to tell whose it is.
    pub owner: &'a str,
    pub lease_ms: i64,
    /// A task whose lease expired after this many attempts fails instead of going back.
    pub max_attempts: i64,
}

/// The PostgreSQL advisory lock the claim holds for its transaction ("imgbatch" in ASCII).
const CLAIM_LOCK: i64 = 0x0069_6d67_6261_7463;

/// Leases due tasks up to the global limit, counted over every process sharing the database.
///
/// Inside a write transaction that holds the claim lock (SQLite's `BEGIN IMMEDIATE`,
/// PostgreSQL's [`CLAIM_LOCK`] through [`lock_claims`]): first takes back tasks whose lease
/// expired, then counts what runs, then claims at most `limit − running` tasks: as if each were
/// the oldest waiting task of the user with the fewest tasks running, so one user's many batches
/// cannot starve another's. Every claim takes the task's next fence; the tasks come in id order.
///
/// The batches a caller must recount afterwards are those of the tasks claimed and of
/// [`Claims::reaped`].
pub(super) async fn claim_in(tx: &mut Tx, claimer: &Claimer<'_>) -> Result<Claims> {
    let now = db::now_millis();
    let (limit, mut running, expired): (Option<String>, i64, i64) = db::query(
        "SELECT (SELECT config_value FROM system_config WHERE config_key = $2),
           COUNT(*),
           COALESCE(SUM(CASE WHEN lease_until IS NULL OR lease_until < $1 THEN 1 ELSE 0 END), 0)
         FROM batch_tasks WHERE status = 'processing'",
    )
    .bind(now)
    .bind(store::settings::CONCURRENCY_KEY)
    .fetch_one(&mut *tx)
    .await?;
    let limit = store::settings::concurrency_from(limit);
    // Expired leases are rare (a process stopped or stalled): looked for, and counted again,
    // only when there are some.
    let reaped = if expired > 0 {
        let reaped = reap_expired(&mut *tx, now, claimer.max_attempts).await?;
        (running,) = db::query("SELECT COUNT(*) FROM batch_tasks WHERE status = 'processing'")
            .fetch_one(&mut *tx)
            .await?;
        reaped
    } else {
        Vec::new()
    };
    let room = i64::from(limit) - running;
    let tasks = if room > 0 {
        claim_up_to(&mut *tx, claimer, now, room).await?
    } else {
        Vec::new()
    };
    Ok(Claims {
        tasks,
        reaped,
        limit,
    })
}

/// Takes the claim lock of PostgreSQL for the rest of `tx` (SQLite's write transaction is
/// already the only one). A statement of its own inside the transaction, not sent together with
/// its `BEGIN`: a lock that fails or is given up then rolls the transaction back, instead of
/// leaving a pooled connection inside a transaction that no one ends.
pub(super) async fn lock_claims(tx: &mut Tx) -> Result<()> {
    if tx.backend() == Backend::Postgres {
        // One claimer at a time across every instance: without it two claimers could both see
        // the same free room under the limit and together overshoot it.
        db::query("SELECT pg_advisory_xact_lock($1)")
            .bind(CLAIM_LOCK)
            .execute(tx)
            .await?;
    }
    Ok(())
}

/// The claim of up to `$5` tasks, as if one were taken at a time, each the oldest due task of the
/// user then running the fewest: each user's oldest due tasks are ranked by the tasks that user
/// would have running by taking them, and the lowest ranks win (ties by age). The users with
/// waiting work are found by one index seek each (a loose index scan), then each one's first
/// `$5` due tasks, so the cost grows with the users waiting and the room, not the tasks.
macro_rules! claim_sql {
    ($candidates:literal, $chosen:literal) => {
        concat!(
            "WITH RECURSIVE waiting(user_id) AS (
           SELECT MIN(user_id) FROM batch_tasks WHERE status = 'pending'
           UNION ALL
           SELECT (SELECT MIN(user_id) FROM batch_tasks WHERE status = 'pending' AND user_id > w.user_id)
           FROM waiting w WHERE w.user_id IS NOT NULL
         ), ",
            $candidates,
            ", running AS (
           SELECT user_id, COUNT(*) AS n FROM batch_tasks WHERE status = 'processing' GROUP BY user_id
         ), ranked AS (
           SELECT c.id, c.queue_id, c.position, COALESCE(r.n, 0) + ROW_NUMBER() OVER (
               PARTITION BY c.user_id ORDER BY c.queue_id, c.position, c.id) AS turn
           FROM candidates c LEFT JOIN running r ON r.user_id = c.user_id
         )
         UPDATE batch_tasks SET status = 'processing', attempts = attempts + 1, charge = 0,
           fence = fence + 1, lease_owner = $1, lease_until = $2,
           started_at = COALESCE(started_at, $3),
           revision = NULL, progress = NULL, updated_at = $4
         WHERE ",
            $chosen,
            "
         RETURNING id, queue_id, user_id, prompt, model, source, original_image_url,
           original_mime, generated_image_url, attempts, version, fence,
           use_user_key AS used_user_key"
        )
    };
}

async fn claim_up_to(
    tx: &mut Tx,
    claimer: &Claimer<'_>,
    now: i64,
    room: i64,
) -> Result<Vec<Claimed>> {
    let sql = match tx.backend() {
        // Each user's tasks one after another, by one index seek each.
        Backend::Sqlite => claim_sql!(
            "candidates(id, user_id, queue_id, position, k) AS (
               SELECT t.id, t.user_id, t.queue_id, t.position, 1 FROM waiting w
               JOIN batch_tasks t ON t.id = (
                 SELECT x.id FROM batch_tasks x
                 WHERE x.status = 'pending' AND x.user_id = w.user_id AND x.next_run_at <= $3
                 ORDER BY x.queue_id, x.position, x.id LIMIT 1)
               WHERE w.user_id IS NOT NULL
               UNION ALL
               SELECT t.id, t.user_id, t.queue_id, t.position, c.k + 1 FROM candidates c
               JOIN batch_tasks t ON t.id = (
                 SELECT x.id FROM batch_tasks x
                 WHERE x.status = 'pending' AND x.user_id = c.user_id AND x.next_run_at <= $3
                   AND (x.queue_id, x.position, x.id) > (c.queue_id, c.position, c.id)
                 ORDER BY x.queue_id, x.position, x.id LIMIT 1)
               WHERE c.k < $5
             )",
            "status = 'pending'
               AND id IN (SELECT id FROM ranked ORDER BY turn, queue_id, position, id LIMIT $5)"
        ),
        // The chosen rows are looked up by their ids: joined or semi-joined to the candidates,
        // PostgreSQL's planner (which cannot know how few there are) may scan every waiting
        // task instead, and the index it scans holds an entry for every status a task had
        // until it is vacuumed. Each user's tasks come in the order of `batch_tasks_user_queue`,
        // so the scan for them stops after the room's worth. A row is claimed only if it still
        // waits once locked (the lock reads its latest version; `OFFSET 0` keeps that test out
        // of the lookup, where it would bring the status index back), and stays locked for the
        // update. The claim runs under the claim lock, so nothing else claims; other writers (a
        // cancel, a retry) may hold a task's row, which is then left for the next claim.
        Backend::Postgres => claim_sql!(
            "candidates AS (
               SELECT x.id, x.user_id, x.queue_id, x.position FROM waiting w
               CROSS JOIN LATERAL (
                 SELECT t.id, t.user_id, t.queue_id, t.position FROM batch_tasks t
                 WHERE t.status = 'pending' AND t.user_id = w.user_id AND t.next_run_at <= $3
                 ORDER BY t.queue_id, t.position, t.id LIMIT $5) x
               WHERE w.user_id IS NOT NULL
             )",
            "id = ANY(ARRAY(SELECT l.id FROM (
               SELECT t.id, t.status FROM batch_tasks t
               WHERE t.id = ANY(ARRAY(SELECT id FROM ranked ORDER BY turn, queue_id, position, id LIMIT $5))
               OFFSET 0 FOR UPDATE SKIP LOCKED) l
             WHERE l.status = 'pending'))"
        ),
    };
    let mut tasks: Vec<Claimed> = db::query(sql)
        .bind(claimer.owner)
        .bind(now + claimer.lease_ms)
        .bind(now)
        .bind(db::now_iso())
        .bind(room)
        .fetch_all(tx)
        .await?;
    // All of them start at once; the order is only made repeatable.
    tasks.sort_unstable_by_key(|task| task.id);
    Ok(tasks)
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
