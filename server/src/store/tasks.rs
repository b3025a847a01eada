//! The queue's state changes in the database. Every change of a task's status happens in a
//! transaction that also brings its batch's counters and status up to date.

use sqlx::FromRow;

mod claim;
mod ending;
#[cfg(test)]
mod tests;

pub use claim::{Claimer, Claims};
pub use ending::{Ending, Outcome};

use crate::{
    Result,
    db::{self, Backend, Db, Tx},
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
    lock_batches(tx, &[queue_id]).await?;
    recount_locked(tx, queue_id).await
}

/// The update that recounts batch `$1` and moves it to its next revision, `$2` its time.
macro_rules! recount_sql {
    () => {
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
         WHERE id = $1"
    };
}

/// [`recompute_batch`] of a batch whose row this transaction holds (see [`lock_batches`]).
async fn recount_locked(tx: &mut Tx, queue_id: i64) -> Result<()> {
    match tx.backend() {
        Backend::Sqlite => {
            db::query(recount_sql!())
                .bind(queue_id)
                .bind(db::now_iso())
                .execute(&mut *tx)
                .await?;
            stamp_changed_tasks(tx, queue_id).await
        }
        // One round trip: the recount, the stamp with the revision it returns, and the
        // notification (sent at commit).
        Backend::Postgres => {
            db::query(concat!(
                "WITH counted AS (",
                recount_sql!(),
                " RETURNING revision),
                 stamped AS (
                   UPDATE batch_tasks SET revision = counted.revision FROM counted
                   WHERE batch_tasks.queue_id = $1 AND batch_tasks.revision IS NULL)
                 SELECT pg_notify($3, $4)"
            ))
            .bind(queue_id)
            .bind(db::now_iso())
            .bind(wakeups::CHANNEL)
            .bind(Wakeup::Changed(queue_id).payload())
            .execute(&mut *tx)
            .await?;
            Ok(())
        }
    }
}

/// Moves a batch to its next revision without recounting it, for a change that leaves its
/// counters as they are (a task's progress), and stamps the changed tasks.
async fn touch_batch(tx: &mut Tx, queue_id: i64) -> Result<()> {
    lock_batches(tx, &[queue_id]).await?;
    db::query("UPDATE batch_queues SET revision = revision + 1 WHERE id = $1")
        .bind(queue_id)
        .execute(&mut *tx)
        .await?;
    stamp_changed_tasks(tx, queue_id).await
}

/// On PostgreSQL, waits for the batches' rows, in id order: READ COMMITTED counts with the
/// snapshot its statement started with, so a recount must start after any transaction that
/// changed one of its tasks meanwhile has committed; and revisions must be handed out in the
/// order their transactions commit, or a stream that has read revision n could later miss a
/// change stamped n.
async fn lock_batches(tx: &mut Tx, queue_ids: &[i64]) -> Result<()> {
    if tx.backend() == Backend::Postgres && !queue_ids.is_empty() {
        let sql = format!(
            "SELECT id FROM batch_queues WHERE id IN ({}) ORDER BY id FOR UPDATE",
            placeholders(queue_ids.len())
        );
        with_ids(sql, queue_ids).execute(&mut *tx).await?;
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

/// What one turn of a dispatcher wrote.
#[derive(Debug, Default)]
pub struct Turn {
    /// For each run ended, in the order given, whether its claim still held.
    pub held: Vec<bool>,
    pub claims: Claims,
}

/// One turn of a dispatcher, in one transaction: records how `runs` ended, then (for a
/// `claimer`) claims what the global limit leaves room for; each batch touched is recounted
/// once, and all of it is one commit. Under load the runs that ended meanwhile and the claims
/// that replace them share a turn, instead of a transaction and a lock of their batch each.
///
/// On PostgreSQL the claim lock comes first, then the ended tasks in id order, then the
/// batches in id order: no other writer waits for the claim lock while holding a task or a
/// batch, and every writer takes tasks before their batch.
pub async fn turn(
    db: &Db,
    runs: &[(&Claimed, &Ending)],
    claimer: Option<&Claimer<'_>>,
) -> Result<Turn> {
    let mut tx = db::begin_write(db).await?;
    if claimer.is_some() {
        claim::lock_claims(&mut tx).await?;
    }
    let held = ending::write_ends(&mut tx, runs).await?;
    let claims = match claimer {
        Some(claimer) => claim::claim_in(&mut tx, claimer).await?,
        None => Claims::default(),
    };
    let mut touched: Vec<i64> = runs
        .iter()
        .zip(&held)
        .filter(|(_, held)| **held)
        .map(|((task, _), _)| task.queue_id)
        .chain(claims.tasks.iter().map(|task| task.queue_id))
        .chain(claims.reaped.iter().copied())
        .collect();
    if touched.is_empty() {
        return Ok(Turn { held, claims });
    }
    touched.sort_unstable();
    touched.dedup();
    lock_batches(&mut tx, &touched).await?;
    for queue_id in touched {
        recount_locked(&mut tx, queue_id).await?;
    }
    tx.commit().await?;
    Ok(Turn { held, claims })
}

/// Leases due tasks up to the global limit (a [`turn`] that ends no run).
pub async fn claim(db: &Db, claimer: &Claimer<'_>) -> Result<Claims> {
    Ok(turn(db, &[], Some(claimer)).await?.claims)
}

/// Records how one run ended (a [`turn`] that claims nothing); false, and nothing written, when
/// its claim was over.
pub async fn end_run(db: &Db, task: &Claimed, ending: &Ending) -> Result<bool> {
    let turn = turn(db, &[(task, ending)], None).await?;
    Ok(turn.held.first().copied().unwrap_or(false))
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
    let sql = format!("{select}{})", placeholders(ids.len()));
    Ok(with_ids(sql, ids).fetch_all(db).await?)
}

/// `$1, $2, …, $count`.
fn placeholders(count: usize) -> String {
    let params: Vec<String> = (1..=count).map(|n| format!("${n}")).collect();
    params.join(", ")
}

/// `sql`, built from trusted parts only, with `ids` bound to its parameters in order.
fn with_ids(sql: String, ids: &[i64]) -> db::Query {
    ids.iter()
        .fold(db::query(sqlx::AssertSqlSafe(sql)), |query, id| {
            query.bind(*id)
        })
}
