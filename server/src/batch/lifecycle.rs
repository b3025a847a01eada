//! What happens to a batch after it is queued: cancel, delete, a retry or an edit of one image.

use app::Problem;
use app::types::{EditSource, Status};

use super::{Access, Batches};
use crate::{
    Error, Result,
    accounts::User,
    db,
    store::{
        batches::{self as store, Removal, RetryRefused},
        credits,
    },
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
        let refund = store::cancel(&mut tx, queue_id).await?;
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
        self.remove(queue_id, Removal::Any).await?;
        Ok(refund)
    }

    /// Removes a batch's rows and stored images (no owner check, nothing cancelled); false
    /// when it was gone, or not finished and `which` asks for a finished one.
    pub(super) async fn remove(&self, queue_id: i64, which: Removal) -> Result<bool> {
        let Some(keys) = store::remove(&self.db, queue_id, which).await? else {
            return Ok(false);
        };
        // Its live streams here read that it is gone and end (elsewhere, the relay tells them).
        self.events.changed(queue_id);
        self.storage.delete_all(&keys).await;
        tracing::info!(queue_id, files = keys.len(), "batch deleted");
        Ok(true)
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
        let used = match store::retry(&mut tx, task_id, self.manual_retries).await? {
            Ok(used) => used,
            Err(RetryRefused::UsedUp) => {
                return Err(Error::Conflict(Problem::RetriesUsedUp {
                    max: self.manual_retries,
                }));
            }
            Err(RetryRefused::NotFailed) => return Err(changed_meanwhile()),
        };
        store::requeue(&mut tx, task.queue_id).await?;
        self.commit_requeued(tx, task.queue_id).await?;
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
        let edit = store::Edit {
            task_id,
            prompt: &prompt,
            source: source.as_str(),
            charge: cost,
            use_user_key: own_key,
        };
        let mut tx = db::begin_write(&self.db).await?;
        if !store::edit(&mut tx, &edit).await? {
            return Err(changed_meanwhile());
        }
        // The batch before the balance, the order every writer locks them in.
        store::requeue(&mut tx, task.queue_id).await?;
        if cost > 0 {
            let entry = credits::Entry {
                queue_id: Some(task.queue_id),
                task_id: Some(task_id),
                ..credits::Entry::new(task.user_id, -cost, "edit")
            };
            credits::apply(&mut tx, entry).await?;
        }
        self.commit_requeued(tx, task.queue_id).await?;
        Ok(cost)
    }

    /// Commits putting a task back in the queue, and tells its streams and the dispatchers.
    async fn commit_requeued(&self, tx: db::Tx, queue_id: i64) -> Result<()> {
        tx.commit().await?;
        self.queued(queue_id).await;
        Ok(())
    }
}

fn changed_meanwhile() -> Error {
    Error::Conflict(Problem::ChangedMeanwhile)
}
