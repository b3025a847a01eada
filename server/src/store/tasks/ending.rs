//! The end of a run, written only while its claim holds: a result, another attempt later, a
//! failure, or the task handed back. Several runs' ends can share one transaction.

use super::Claimed;
use crate::{
    Result,
    db::{self, Backend, Tx},
};

/// A finished generation.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub image_key: String,
    pub image_mime: &'static str,
    pub image_bytes: i64,
    pub duration_ms: i64,
}

/// How a run ended.
#[derive(Debug, Clone)]
pub enum Ending {
    /// A result, recorded as the task's next version.
    Completed(Outcome),
    /// Another attempt at `run_at` (Unix ms), the error kept for display meanwhile.
    RetryAt { message: String, run_at: i64 },
    /// No further attempt: the provider's message is the task's error.
    Failed(String),
    /// Handed back unfinished (shutdown): the interrupted attempt does not count.
    Released,
}

/// Writes how several runs ended; for each, in the order given, whether its claim still held
/// (false, and nothing written for it, when the task was cancelled or taken over meanwhile). The
/// batches of the runs that held must be recounted afterwards.
///
/// Tasks are written in id order: the order a cancel locks them in, so on PostgreSQL the two
/// never wait for each other in a cycle.
pub(super) async fn write_ends(tx: &mut Tx, runs: &[(&Claimed, &Ending)]) -> Result<Vec<bool>> {
    let mut order: Vec<usize> = (0..runs.len()).collect();
    order.sort_unstable_by_key(|&i| runs[i].0.id);
    let mut held = vec![false; runs.len()];
    for i in order {
        let (task, ending) = runs[i];
        held[i] = write_end(tx, task, ending).await?;
    }
    Ok(held)
}

/// The fenced update that records a result as task `$1`'s next version, under fence `$2`: the
/// result's key `$3`, the time `$4` and `$5`.
macro_rules! complete_sql {
    () => {
        "UPDATE batch_tasks SET status = 'completed', generated_image_url = $3,
           version = version + 1, error_message = NULL, lease_owner = NULL, lease_until = NULL,
           finished_at = $4, revision = NULL, progress = NULL, updated_at = $5
         WHERE id = $1 AND fence = $2 AND status = 'processing'"
    };
}

/// The columns of a result's version row, in the order both databases' statements give them.
macro_rules! version_insert {
    () => {
        "INSERT INTO task_versions (task_id, version, prompt, source, image_key, image_mime,
           duration_ms, used_user_key, image_bytes)"
    };
}

/// The fenced update that ends one run (and its version row for a result).
async fn write_end(tx: &mut Tx, task: &Claimed, ending: &Ending) -> Result<bool> {
    if let (Ending::Completed(outcome), Backend::Postgres) = (ending, tx.backend()) {
        return complete_in_one(tx, task, outcome).await;
    }
    let now_iso = db::now_iso();
    let query = match ending {
        Ending::Completed(outcome) => db::query(complete_sql!())
            .bind(task.id)
            .bind(task.fence)
            .bind(&outcome.image_key)
            .bind(db::now_millis())
            .bind(now_iso),
        Ending::RetryAt { message, run_at } => db::query(
            "UPDATE batch_tasks SET status = 'pending', retry_count = retry_count + 1,
               next_run_at = $3, error_message = $4, lease_owner = NULL, lease_until = NULL,
               revision = NULL, progress = NULL, updated_at = $5
             WHERE id = $1 AND fence = $2 AND status = 'processing'",
        )
        .bind(task.id)
        .bind(task.fence)
        .bind(*run_at)
        .bind(message)
        .bind(now_iso),
        Ending::Failed(message) => db::query(
            "UPDATE batch_tasks SET status = 'failed', error_message = $3, lease_owner = NULL,
               lease_until = NULL, finished_at = $4, revision = NULL, progress = NULL,
               updated_at = $5
             WHERE id = $1 AND fence = $2 AND status = 'processing'",
        )
        .bind(task.id)
        .bind(task.fence)
        .bind(message)
        .bind(db::now_millis())
        .bind(now_iso),
        Ending::Released => db::query(
            "UPDATE batch_tasks SET status = 'pending',
               attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END,
               lease_owner = NULL, lease_until = NULL, next_run_at = 0,
               revision = NULL, progress = NULL, updated_at = $3
             WHERE id = $1 AND fence = $2 AND status = 'processing'",
        )
        .bind(task.id)
        .bind(task.fence)
        .bind(now_iso),
    };
    if query.execute(&mut *tx).await? == 0 {
        return Ok(false);
    }
    if let Ending::Completed(outcome) = ending {
        db::query(concat!(
            version_insert!(),
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        ))
        .bind(task.id)
        .bind(task.version + 1)
        .bind(&task.prompt)
        .bind(&task.source)
        .bind(&outcome.image_key)
        .bind(outcome.image_mime)
        .bind(outcome.duration_ms)
        .bind(task.used_user_key)
        .bind(outcome.image_bytes)
        .execute(&mut *tx)
        .await?;
    }
    Ok(true)
}

/// A result and its version row in one statement, on PostgreSQL: one round trip instead of two.
async fn complete_in_one(tx: &mut Tx, task: &Claimed, outcome: &Outcome) -> Result<bool> {
    let written = db::query(concat!(
        "WITH done AS (",
        complete_sql!(),
        " RETURNING id, version) ",
        version_insert!(),
        " SELECT id, version, $6, $7, $3, $8, $9, $10, $11 FROM done"
    ))
    .bind(task.id)
    .bind(task.fence)
    .bind(&outcome.image_key)
    .bind(db::now_millis())
    .bind(db::now_iso())
    .bind(&task.prompt)
    .bind(&task.source)
    .bind(outcome.image_mime)
    .bind(outcome.duration_ms)
    .bind(task.used_user_key)
    .bind(outcome.image_bytes)
    .execute(&mut *tx)
    .await?;
    Ok(written == 1)
}
