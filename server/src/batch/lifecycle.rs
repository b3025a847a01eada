//! What happens to a batch after it is queued: cancel, delete, a retry or an edit of one image.

use app::Problem;
use app::types::{EditSource, Status};

use super::{Access, Batches};
use crate::{
    Error, Result,
    accounts::User,
    db,
    store::{credits, tasks as store},
    wakeups::{self, Wakeup},
};

impl Batches {
    /// Cancels a batch: waiting tasks become `cancelled` and are refunded, running calls are
    /// aborted.
    #[tracing::instrument(skip_all, fields(user_id = user.id, queue_id), err(level = "info", Display))]
    pub async fn cancel(&self, user: &User, queue_id: i64) -> Result<i64> {
        let queue = self.owned_queue(user, queue_id, Access::Change).await?;
        if queue.status.is_finished() {
            return Err(Error::Conflict(Problem::BatchFinished {
                status: queue.status,
            }));
        }
        let mut tx = db::begin_write(&self.db).await?;
        let (refund,): (i64,) = db::query(
            "SELECT CAST(COALESCE(SUM(charge), 0) AS BIGINT) FROM batch_tasks WHERE queue_id = $1 AND status = 'pending'",
        )
        .bind(queue_id)
        .fetch_one(&mut tx)
        .await?;
        db::query(
            "UPDATE batch_tasks SET status = 'cancelled', charge = 0, lease_owner = NULL, lease_until = NULL,
               finished_at = $1, revision = NULL, progress = NULL, updated_at = $3
             WHERE queue_id = $2 AND status IN ('pending', 'processing')",
        )
        .bind(db::now_millis())
        .bind(queue_id)
        .bind(db::now_iso())
        .execute(&mut tx)
        .await?;
        db::query("UPDATE batch_queues SET status = 'cancelled' WHERE id = $1")
            .bind(queue_id)
            .execute(&mut tx)
            .await?;
        store::recompute_batch(&mut tx, queue_id).await?;
        if refund > 0 {
            let entry = credits::Entry {
                queue_id: Some(queue_id),
                ..credits::Entry::new(queue.user_id, refund, "refund")
            };
            credits::apply(&mut tx, entry).await?;
        }
        tx.commit().await?;
        self.state.cancel_queue(queue_id);
        wakeups::send(&self.db, Wakeup::Ended).await;
        self.events.changed(queue_id);
        Ok(refund)
    }

    /// Deletes a batch of the caller's with its images (originals, results, earlier versions);
    /// a batch still running is cancelled first, so images not started are refunded. The credit
    /// history keeps its entries. Answers the refund.
    #[tracing::instrument(skip_all, fields(user_id = user.id, queue_id), err(level = "info", Display))]
    pub async fn delete(&self, user: &User, queue_id: i64) -> Result<i64> {
        let queue = self.owned_queue(user, queue_id, Access::Change).await?;
        let refund = if queue.status.is_finished() {
            0
        } else {
            match self.cancel(user, queue_id).await {
                Ok(refund) => refund,
                // It finished meanwhile: nothing to cancel.
                Err(Error::Conflict(Problem::BatchFinished { .. })) => 0,
                Err(other) => return Err(other),
            }
        };
        self.remove(queue_id).await?;
        Ok(refund)
    }

    /// Removes a batch's rows and stored images (no owner check, nothing cancelled).
    pub(super) async fn remove(&self, queue_id: i64) -> Result<()> {
        let mut tx = db::begin_write(&self.db).await?;
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
        // The tasks and their versions go with it; credit entries keep their amounts.
        db::query("DELETE FROM batch_queues WHERE id = $1")
            .bind(queue_id)
            .execute(&mut tx)
            .await?;
        tx.commit().await?;
        // Its live streams here read that it is gone and end (elsewhere, the relay tells them).
        self.events.changed(queue_id);
        let keys: Vec<String> = keys.into_iter().map(|(key,)| key).collect();
        self.storage.delete_all(&keys).await;
        tracing::info!(queue_id, files = keys.len(), "batch deleted");
        Ok(())
    }

    /// Puts a failed task back in the queue with a fresh attempt budget, at most
    /// `manual_retries` times a task (it costs nothing, so it is bounded); answers how many
    /// remain.
    #[tracing::instrument(skip_all, fields(user_id = user.id, task_id), err(level = "info", Display))]
    pub async fn retry(&self, user: &User, task_id: i64) -> Result<i64> {
        let task = self.owned_task(user, task_id, Access::Change).await?;
        if task.status != Status::Failed {
            return Err(Error::Conflict(Problem::NotFailed {
                status: task.status,
            }));
        }
        let mut tx = db::begin_write(&self.db).await?;
        let used: Option<(i64,)> = db::query(
            "UPDATE batch_tasks SET status = 'pending', attempts = 0, retry_count = 0, error_message = NULL,
               next_run_at = 0, finished_at = NULL, manual_retries = manual_retries + 1,
               revision = NULL, progress = NULL, updated_at = $3
             WHERE id = $1 AND status = 'failed' AND manual_retries < $2
             RETURNING manual_retries",
        )
        .bind(task_id)
        .bind(self.manual_retries)
        .bind(db::now_iso())
        .fetch_optional(&mut tx)
        .await?;
        let Some((used,)) = used else {
            let (status, used): (String, i64) =
                db::query("SELECT status, manual_retries FROM batch_tasks WHERE id = $1")
                    .bind(task_id)
                    .fetch_one(&mut tx)
                    .await?;
            return Err(if status == "failed" && used >= self.manual_retries {
                Error::Conflict(Problem::RetriesUsedUp {
                    max: self.manual_retries,
                })
            } else {
                changed_meanwhile()
            });
        };
        self.requeue(tx, task.queue_id).await?;
        Ok(self.manual_retries - used)
    }

    /// Regenerates a task with a new prompt as its next version, charged like one image.
    #[tracing::instrument(skip_all, fields(user_id = user.id, task_id), err(level = "info", Display))]
    pub async fn edit(
        &self,
        user: &User,
        task_id: i64,
        prompt: &str,
        source: EditSource,
    ) -> Result<i64> {
        let prompt = Self::check_prompt(prompt)?;
        let task = self.owned_task(user, task_id, Access::Change).await?;
        if !task.status.is_finished() {
            return Err(Error::Conflict(Problem::StillProcessing));
        }
        if source == EditSource::Result && task.generated_image_url.is_none() {
            return Err(Error::Conflict(Problem::NoResultYet));
        }
        let model = self.check_model(&task.model)?;
        // The key this run may use is decided with its price, and the worker keeps to it.
        let own_key = self.uses_own_key(task.user_id, &model.provider).await?;
        let cost = if own_key { 0 } else { 1 };
        let source = source.as_str();
        let mut tx = db::begin_write(&self.db).await?;
        let done = db::query(
            "UPDATE batch_tasks SET status = 'pending', prompt = $1, source = $2, attempts = 0, retry_count = 0,
               charge = $3, use_user_key = $4, manual_retries = 0, error_message = NULL, next_run_at = 0,
               finished_at = NULL,
               revision = NULL, progress = NULL, updated_at = $6
             WHERE id = $5 AND status NOT IN ('pending', 'processing')",
        )
        .bind(&prompt)
        .bind(source)
        .bind(cost)
        .bind(own_key)
        .bind(task_id)
        .bind(db::now_iso())
        .execute(&mut tx)
        .await?;
        if done == 0 {
            return Err(changed_meanwhile());
        }
        if cost > 0 {
            let entry = credits::Entry {
                queue_id: Some(task.queue_id),
                task_id: Some(task_id),
                ..credits::Entry::new(task.user_id, -cost, "edit")
            };
            credits::apply(&mut tx, entry).await?;
        }
        self.requeue(tx, task.queue_id).await?;
        Ok(cost)
    }

    /// Finishes putting a task back in the queue: its batch is processing again, the change is
    /// committed and announced, and the dispatcher looks for work.
    async fn requeue(&self, mut tx: db::Tx, queue_id: i64) -> Result<()> {
        db::query("UPDATE batch_queues SET status = 'processing' WHERE id = $1")
            .bind(queue_id)
            .execute(&mut tx)
            .await?;
        store::recompute_batch(&mut tx, queue_id).await?;
        tx.commit().await?;
        self.queued(queue_id).await;
        Ok(())
    }
}

fn changed_meanwhile() -> Error {
    Error::Conflict(Problem::ChangedMeanwhile)
}
