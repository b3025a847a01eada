//! Batches: creation (files, credits, tasks in one go), reading, cancel, retry and edit. Every
//! rule lives here; the REST handlers and server functions only adapt.

pub mod admin;
pub mod archive;
pub mod draft;
pub mod gate;
mod housekeeping;

pub use housekeeping::ORPHAN_MIN_AGE;
pub mod read;
pub mod upload;
pub mod views;

use app::Problem;
use app::types::{BatchCreated, BatchDetail, BatchView, EditSource, Status, TaskView};

pub use draft::Draft;

use crate::{
    Error, Result,
    accounts::{User, credits},
    db::{self, Db},
    keys::UserKeys,
    providers::Models,
    queue::{Events, QueueState},
    storage::Storage,
    store::tasks as store,
    wakeups::{self, Wakeup},
};

/// Longest accepted prompt, in characters.
pub const MAX_PROMPT_CHARS: usize = 4_000;
const MAX_NAME_CHARS: usize = 200;

#[derive(Clone)]
pub struct Batches {
    db: Db,
    storage: Storage,
    models: Models,
    keys: UserKeys,
    events: Events,
    state: QueueState,
    /// Free re-runs a failed task gets from its owner.
    manual_retries: i64,
    /// Uploads in flight, per account.
    uploads: gate::UploadSlots,
    /// Bytes one user's batches may keep.
    storage_quota: Option<u64>,
}

/// Free re-runs of a failed task unless configured otherwise.
pub const DEFAULT_MANUAL_RETRIES: i64 = 3;

impl Batches {
    pub fn new(
        db: Db,
        storage: Storage,
        models: Models,
        keys: UserKeys,
        events: Events,
        state: QueueState,
    ) -> Self {
        Self {
            db,
            storage,
            models,
            keys,
            events,
            state,
            manual_retries: DEFAULT_MANUAL_RETRIES,
            uploads: gate::UploadSlots::default(),
            storage_quota: None,
        }
    }

    /// Sets how many times an owner may re-run one failed task.
    pub fn with_manual_retries(mut self, limit: i64) -> Self {
        self.manual_retries = limit.max(0);
        self
    }

    /// Sets how many uploads one account may send at once.
    pub fn with_uploads_per_user(mut self, limit: usize) -> Self {
        self.uploads = gate::UploadSlots::new(limit);
        self
    }

    /// Sets how many megabytes of images one user's batches may keep.
    pub fn with_storage_quota_mb(mut self, megabytes: u64) -> Self {
        self.storage_quota = Some(megabytes.saturating_mul(1024 * 1024));
        self
    }

    /// Bytes of images the user's batches keep (originals and every result version).
    pub async fn stored_bytes(&self, user_id: i64) -> Result<u64> {
        let (bytes,): (i64,) = db::query(
            "SELECT CAST(COALESCE((SELECT SUM(original_bytes) FROM batch_tasks WHERE user_id = $1), 0)
                  + COALESCE((SELECT SUM(v.image_bytes) FROM task_versions v
                              JOIN batch_tasks t ON t.id = v.task_id WHERE t.user_id = $1), 0) AS BIGINT)",
        )
        .bind(user_id)
        .fetch_one(&self.db)
        .await?;
        Ok(bytes.max(0) as u64)
    }

    pub fn events(&self) -> &Events {
        &self.events
    }

    /// A new, empty draft for uploads.
    pub fn draft(&self) -> Draft {
        Draft::new(self.storage.clone())
    }

    /// Checks a prompt: trimmed, not empty, bounded.
    pub fn check_prompt(prompt: &str) -> Result<String> {
        // The length counts what was sent, spaces included, as the OpenAPI document says.
        let too_long = prompt.chars().count() > MAX_PROMPT_CHARS;
        let prompt = prompt.trim();
        if prompt.is_empty() {
            return Err(Error::Invalid(Problem::PromptEmpty));
        }
        if too_long {
            return Err(Error::Invalid(Problem::PromptTooLong {
                max: MAX_PROMPT_CHARS,
            }));
        }
        Ok(prompt.to_owned())
    }

    /// Checks that a model is offered; the empty id means the default (first) model.
    pub fn check_model(&self, model: &str) -> Result<crate::providers::Model> {
        let model = model.trim();
        let found = if model.is_empty() {
            self.models.list().first()
        } else {
            self.models.get(model)
        };
        found.cloned().ok_or_else(|| {
            Error::Invalid(Problem::UnknownModel {
                model: model.to_owned(),
                offered: self.models.list().iter().map(|m| m.id.clone()).collect(),
            })
        })
    }

    /// Whether the user pays with their own key for this model's provider (then it costs nothing).
    async fn uses_own_key(&self, user_id: i64, provider: &str) -> Result<bool> {
        let accepts = self
            .models
            .provider(provider)
            .is_some_and(|p| p.accepts_user_keys());
        Ok(accepts && self.keys.has(user_id, provider).await?)
    }

    /// Creates the batch from a finished draft: rows, tasks and the charge in one transaction.
    /// On any error the draft's files are removed and nothing else changed.
    #[tracing::instrument(skip_all, fields(user_id = user.id, images = draft.len()), err(level = "info", Display))]
    pub async fn create(
        &self,
        user: &User,
        draft: Draft,
        prompt: &str,
        model: &str,
        name: Option<&str>,
    ) -> Result<BatchCreated> {
        match self.try_create(user, &draft, prompt, model, name).await {
            Ok(created) => {
                draft.commit();
                self.events.changed(created.queue_id);
                self.state.wake();
                wakeups::send(&self.db, Wakeup::Work).await;
                Ok(created)
            }
            Err(error) => {
                draft.discard().await;
                Err(error)
            }
        }
    }

    async fn try_create(
        &self,
        user: &User,
        draft: &Draft,
        prompt: &str,
        model: &str,
        name: Option<&str>,
    ) -> Result<BatchCreated> {
        let prompt = Self::check_prompt(prompt)?;
        let model = self.check_model(model)?;
        if draft.is_empty() {
            return Err(Error::Invalid(Problem::NoImages));
        }
        let name = match name.map(str::trim).filter(|n| !n.is_empty()) {
            Some(name) if name.chars().count() > MAX_NAME_CHARS => {
                return Err(Error::Invalid(Problem::NameTooLong {
                    max: MAX_NAME_CHARS,
                }));
            }
            Some(name) => name.to_owned(),
            None => BatchView::default_name(draft.len() as i64),
        };
        let used_user_key = self.uses_own_key(user.id, &model.provider).await?;
        let per_image = if used_user_key { 0 } else { 1 };
        let total = draft.len() as i64;

        let mut tx = db::begin_write(&self.db).await?;
        let (queue_id,): (i64,) = db::query(
            // Revision 1, above its tasks' 0: a live stream's first event id is never 0.
            "INSERT INTO batch_queues (user_id, batch_name, prompt, model, total_images, used_user_key, revision)
             VALUES ($1, $2, $3, $4, $5, $6, 1) RETURNING id",
        )
        .bind(user.id)
        .bind(&name)
        .bind(&prompt)
        .bind(&model.id)
        .bind(total)
        .bind(used_user_key)
        .fetch_one(&mut tx)
        .await?;
        for (position, image) in draft.images().iter().enumerate() {
            db::query(
                "INSERT INTO batch_tasks (queue_id, user_id, original_image_url, original_mime,
                   original_filename, prompt, model, position, charge, use_user_key, original_bytes)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(queue_id)
            .bind(user.id)
            .bind(&image.key)
            .bind(image.mime)
            .bind(&image.filename)
            .bind(&prompt)
            .bind(&model.id)
            .bind(position as i64)
            .bind(per_image)
            .bind(used_user_key)
            .bind(image.bytes as i64)
            .execute(&mut tx)
            .await?;
        }
        let cost = per_image * total;
        if cost > 0 {
            let entry = credits::Entry {
                queue_id: Some(queue_id),
                ..credits::Entry::new(user.id, -cost, "batch")
            };
            credits::apply(&mut tx, entry).await?;
        }
        tx.commit().await?;
        tracing::info!(queue_id, cost, "batch created");
        Ok(BatchCreated {
            queue_id,
            total_images: total,
            used_user_key,
            credits_charged: cost,
        })
    }

    /// A batch of the caller (or any batch for an admin) with its tasks.
    pub async fn detail(&self, user: &User, queue_id: i64) -> Result<BatchDetail> {
        let queue = self.owned_queue(user, queue_id, Access::Read).await?;
        let tasks = read::tasks(&self.db, &self.state, queue_id).await?;
        Ok(BatchDetail { queue, tasks })
    }

    /// The caller's batches, newest first.
    pub async fn list(&self, user: &User, limit: i64, offset: i64) -> Result<Vec<BatchView>> {
        let sql = format!(
            "SELECT {} FROM batch_queues WHERE user_id = $1 ORDER BY id DESC LIMIT $2 OFFSET $3",
            views::QUEUE_COLUMNS
        );
        let rows: Vec<views::QueueRow> = db::query(sqlx::AssertSqlSafe(sql))
            .bind(user.id)
            .bind(limit.clamp(1, 100))
            .bind(offset.max(0))
            .fetch_all(&self.db)
            .await?;
        rows.into_iter().map(BatchView::try_from).collect()
    }

    /// The caller's batches, newest first, each with thumbnails of its first images.
    pub async fn history(
        &self,
        user: &User,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<app::types::BatchSummary>> {
        const THUMBNAILS: i64 = 6;
        let batches = self.list(user, limit, offset).await?;
        let (Some(first), Some(last)) = (batches.last(), batches.first()) else {
            return Ok(Vec::new());
        };
        let thumbs: Vec<(i64, i64, bool)> = db::query(
            "SELECT queue_id, id, generated_image_url IS NOT NULL FROM batch_tasks
             WHERE user_id = $1 AND queue_id BETWEEN $2 AND $3 AND position < $4
             ORDER BY queue_id, position",
        )
        .bind(user.id)
        .bind(first.id)
        .bind(last.id)
        .bind(THUMBNAILS)
        .fetch_all(&self.db)
        .await?;
        Ok(batches
            .into_iter()
            .map(|batch| {
                let thumbnails = thumbs
                    .iter()
                    .filter(|(queue_id, _, _)| *queue_id == batch.id)
                    .map(|(_, task_id, has_result)| {
                        let which = if *has_result { "result" } else { "original" };
                        format!("/api/batch/task/{task_id}/{which}")
                    })
                    .collect();
                app::types::BatchSummary { batch, thumbnails }
            })
            .collect())
    }

    /// Owner check (admins may also read): someone else's batch looks exactly like a missing one.
    pub async fn owned_queue(
        &self,
        user: &User,
        queue_id: i64,
        access: Access,
    ) -> Result<BatchView> {
        let queue = read::queue(&self.db, queue_id).await?;
        if !access.allows(user, queue.user_id) {
            return Err(Error::NotFound("batch"));
        }
        Ok(queue)
    }

    async fn owned_task(&self, user: &User, task_id: i64, access: Access) -> Result<TaskView> {
        let task = read::task(&self.db, &self.state, task_id).await?;
        if !access.allows(user, task.user_id) {
            return Err(Error::NotFound("task"));
        }
        Ok(task)
    }

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
    async fn remove(&self, queue_id: i64) -> Result<()> {
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
        self.events.changed(queue_id);
        self.state.wake();
        wakeups::send(&self.db, Wakeup::Work).await;
        Ok(())
    }

    /// The stored bytes and type of a task's original, latest result or a given version.
    pub async fn image(&self, user: &User, task_id: i64, which: ImageKind) -> Result<ImageFile> {
        let task = self.owned_task(user, task_id, Access::Read).await?;
        let key: Option<String> = match which {
            ImageKind::Original => {
                db::query("SELECT original_image_url FROM batch_tasks WHERE id = $1")
                    .bind(task.id)
                    .fetch_optional(&self.db)
                    .await?
                    .map(|(k,)| k)
            }
            ImageKind::Result => {
                db::query("SELECT generated_image_url FROM batch_tasks WHERE id = $1")
                    .bind(task.id)
                    .fetch_optional(&self.db)
                    .await?
                    .and_then(|(k,): (Option<String>,)| k)
            }
            ImageKind::Version(version) => {
                db::query("SELECT image_key FROM task_versions WHERE task_id = $1 AND version = $2")
                    .bind(task.id)
                    .bind(version)
                    .fetch_optional(&self.db)
                    .await?
                    .map(|(k,)| k)
            }
        };
        let key = key.ok_or(Error::NotFound("image"))?;
        let bytes = self.storage.get(&key).await?;
        let mime = crate::images::sniff_mime(&bytes).ok_or(Error::NotFound("image"))?;
        let stem = archive::file_stem(&task.original_filename);
        let stem = match which {
            ImageKind::Original => stem,
            ImageKind::Result => format!("{stem}-result"),
            ImageKind::Version(version) => format!("{stem}-v{version}"),
        };
        Ok(ImageFile {
            bytes,
            mime,
            disposition: archive::content_disposition(
                "inline",
                &stem,
                archive::extension_for(mime),
            ),
        })
    }

    /// What changed in a batch after revision `since` (all of it when `None`), for a live
    /// stream: the batch as it is now, at `revision`, and its tasks changed since.
    pub async fn changes(&self, user: &User, queue_id: i64, since: Option<i64>) -> Result<Changes> {
        let (queue, revision) = read::queue_at(&self.db, queue_id).await?;
        if !Access::Read.allows(user, queue.user_id) {
            return Err(Error::NotFound("batch"));
        }
        let tasks = read::tasks_since(&self.db, &self.state, queue_id, since).await?;
        Ok(Changes {
            queue,
            tasks,
            revision,
        })
    }
}

/// A batch at one revision and its tasks changed since an earlier one.
pub struct Changes {
    pub queue: BatchView,
    pub tasks: Vec<TaskView>,
    pub revision: i64,
}

/// What a caller wants to do with a batch or task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// See it: the owner and admins.
    Read,
    /// Cancel, retry or edit it (which may spend credits): the owner only.
    Change,
}

impl Access {
    fn allows(self, user: &User, owner_id: i64) -> bool {
        user.id == owner_id || (self == Access::Read && user.is_admin)
    }
}

/// Which stored image of a task.
/// A stored image as it is served: its bytes, type and a download name after the original.
pub struct ImageFile {
    pub bytes: bytes::Bytes,
    pub mime: &'static str,
    /// `Content-Disposition`, naming the file after the uploaded one ("beach-result.png").
    pub disposition: String,
}

#[derive(Debug, Clone, Copy)]
pub enum ImageKind {
    Original,
    Result,
    Version(i64),
}

fn changed_meanwhile() -> Error {
    Error::Conflict(Problem::ChangedMeanwhile)
}
