//! Batches: creation (files, credits, tasks in one go), reading, cancel, retry and edit. Every
//! rule lives here; the REST handlers and server functions only adapt.

pub mod admin;
pub mod archive;
mod create;
pub mod draft;
pub mod gate;
mod housekeeping;
mod lifecycle;

pub use housekeeping::ORPHAN_MIN_AGE;
pub mod upload;

use app::types::{BatchDetail, BatchView, Status, TaskView};

pub use crate::store::batches::ImageKind;
pub use draft::Draft;

use crate::{
    Error, Result,
    accounts::User,
    db::Db,
    keys::UserKeys,
    providers::Models,
    queue::{Events, QueueState},
    storage::Storage,
    store::batches::{self as store, read},
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
        store::stored_bytes(&self.db, user_id).await
    }

    pub fn events(&self) -> &Events {
        &self.events
    }

    /// A batch of the caller (or any batch for an admin) with its tasks.
    pub async fn detail(&self, user: &User, queue_id: i64) -> Result<BatchDetail> {
        let (queue, tasks) = read::detail(&self.db, queue_id).await?;
        Access::Read.check_queue(user, &queue)?;
        Ok(BatchDetail {
            queue,
            tasks: self.with_live_progress(tasks),
        })
    }

    /// The caller's batches, newest first.
    pub async fn list(&self, user: &User, limit: i64, offset: i64) -> Result<Vec<BatchView>> {
        store::list(&self.db, user.id, limit.clamp(1, 100), offset.max(0)).await
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
        let thumbs = store::thumbnails(&self.db, user.id, (first.id, last.id), THUMBNAILS).await?;
        Ok(batches
            .into_iter()
            .map(|batch| {
                let thumbnails = thumbs
                    .iter()
                    .filter(|thumb| thumb.queue_id == batch.id)
                    .map(|thumb| {
                        let which = if thumb.has_result {
                            "result"
                        } else {
                            "original"
                        };
                        format!("/api/batch/task/{}/{which}", thumb.task_id)
                    })
                    .collect();
                app::types::BatchSummary { batch, thumbnails }
            })
            .collect())
    }

    /// A batch, if `user` has `access` to it (see [`Access::check_queue`]).
    pub async fn owned_queue(
        &self,
        user: &User,
        queue_id: i64,
        access: Access,
    ) -> Result<BatchView> {
        let queue = read::queue(&self.db, queue_id).await?;
        access.check_queue(user, &queue)?;
        Ok(queue)
    }

    async fn owned_task(&self, user: &User, task_id: i64, access: Access) -> Result<TaskView> {
        let mut task = read::task(&self.db, task_id).await?;
        if !access.allows(user, task.user_id) {
            return Err(Error::NotFound("task"));
        }
        self.add_live_progress(&mut task);
        Ok(task)
    }

    /// Tasks with the progress this process has heard of runs it holds, which is fresher than
    /// what it last wrote to their rows.
    fn with_live_progress(&self, mut tasks: Vec<TaskView>) -> Vec<TaskView> {
        tasks
            .iter_mut()
            .for_each(|task| self.add_live_progress(task));
        tasks
    }

    fn add_live_progress(&self, task: &mut TaskView) {
        if task.status == Status::Processing
            && let Some(progress) = self.state.progress(task.id)
        {
            task.progress = Some(progress);
        }
    }

    /// The stored bytes and type of a task's original, latest result or a given version.
    pub async fn image(&self, user: &User, task_id: i64, which: ImageKind) -> Result<ImageFile> {
        let task = self.owned_task(user, task_id, Access::Read).await?;
        let key = store::image_key(&self.db, task.id, which)
            .await?
            .ok_or(Error::NotFound("image"))?;
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

    /// Tells the live streams of a batch and every dispatcher that its tasks are due: this
    /// process's at once, the others' (on PostgreSQL) through the database.
    async fn queued(&self, queue_id: i64) {
        self.events.changed(queue_id);
        self.state.wake();
        wakeups::send(&self.db, Wakeup::Work).await;
    }

    /// What changed in a batch after revision `since` (all of it when `None`), for a live
    /// stream: the batch as it is now, at `revision`, and its tasks changed since.
    pub async fn changes(&self, user: &User, queue_id: i64, since: Option<i64>) -> Result<Changes> {
        let (queue, revision) = read::queue_at(&self.db, queue_id).await?;
        Access::Read.check_queue(user, &queue)?;
        let tasks = read::tasks_since(&self.db, queue_id, since).await?;
        Ok(Changes {
            queue,
            tasks: self.with_live_progress(tasks),
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

    /// Owner check (admins may also read): someone else's batch looks exactly like a missing one.
    fn check_queue(self, user: &User, queue: &BatchView) -> Result<()> {
        if self.allows(user, queue.user_id) {
            Ok(())
        } else {
            Err(Error::NotFound("batch"))
        }
    }
}

/// A stored image as it is served: its bytes, type and a download name after the original.
pub struct ImageFile {
    pub bytes: bytes::Bytes,
    pub mime: &'static str,
    /// `Content-Disposition`, naming the file after the uploaded one ("beach-result.png").
    pub disposition: String,
}
