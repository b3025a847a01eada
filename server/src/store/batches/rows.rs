//! Batch and task rows as read from the database, and their conversion into the wire types
//! shared with the UI (`app::types`), which carry the app's own image URLs.

use app::types::{BatchView, EditSource, Status, TaskView, VersionView};

use crate::{Error, Result};

/// A batch row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct QueueRow {
    pub id: i64,
    pub user_id: i64,
    pub batch_name: String,
    pub prompt: String,
    pub model: String,
    pub total_images: i64,
    pub completed_images: i64,
    pub failed_images: i64,
    pub status: String,
    pub used_user_key: bool,
    pub created_at: String,
    pub updated_at: String,
    /// Grows with every change of the batch or its tasks (not part of the wire view).
    pub revision: i64,
}

pub const QUEUE_COLUMNS: &str = "id, user_id, batch_name, prompt, model, total_images, \
    completed_images, failed_images, status, used_user_key, created_at, updated_at, revision";

impl TryFrom<QueueRow> for BatchView {
    type Error = Error;

    fn try_from(row: QueueRow) -> Result<Self> {
        Ok(Self {
            status: status(&row.status)?,
            id: row.id,
            user_id: row.user_id,
            batch_name: row.batch_name,
            prompt: row.prompt,
            model: row.model,
            total_images: row.total_images,
            completed_images: row.completed_images,
            failed_images: row.failed_images,
            used_user_key: row.used_user_key,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

/// A task row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TaskRow {
    pub id: i64,
    pub queue_id: i64,
    pub user_id: i64,
    pub original_filename: String,
    pub prompt: String,
    pub model: String,
    pub status: String,
    pub error_message: Option<String>,
    pub retry_count: i64,
    pub attempts: i64,
    pub version: i64,
    pub source: String,
    pub generated_image_url: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    /// The provider's last reported progress, as written by the process running the task.
    pub progress: Option<f64>,
}

pub const TASK_COLUMNS: &str = "id, queue_id, user_id, original_filename, prompt, model, status, \
    error_message, retry_count, attempts, version, source, generated_image_url, created_at, \
    updated_at, progress";

/// A row of `task_versions`.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct VersionRow {
    pub task_id: i64,
    pub version: i64,
    pub prompt: String,
    pub source: String,
    pub duration_ms: i64,
    pub created_at: String,
}

impl From<VersionRow> for VersionView {
    fn from(row: VersionRow) -> Self {
        Self {
            image_url: version_url(row.task_id, row.version),
            version: row.version,
            prompt: row.prompt,
            source: edit_source(&row.source),
            duration_ms: row.duration_ms,
            created_at: row.created_at,
        }
    }
}

/// A task with its versions.
pub fn task_view(row: TaskRow, versions: Vec<VersionView>) -> Result<TaskView> {
    let status = status(&row.status)?;
    Ok(TaskView {
        original_image_url: format!("/api/batch/task/{}/original", row.id),
        generated_image_url: row
            .generated_image_url
            .as_ref()
            .map(|_| format!("/api/batch/task/{}/result", row.id)),
        progress: (status == Status::Processing)
            .then_some(row.progress)
            .flatten(),
        status,
        id: row.id,
        queue_id: row.queue_id,
        user_id: row.user_id,
        original_filename: row.original_filename,
        prompt: row.prompt,
        model: row.model,
        error_message: row.error_message,
        retry_count: row.retry_count,
        attempt: row.attempts,
        version: row.version,
        versions,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

fn status(word: &str) -> Result<Status> {
    word.parse()
        .map_err(|e| Error::Internal(format!("stored status: {e}")))
}

fn edit_source(word: &str) -> EditSource {
    if word == "result" {
        EditSource::Result
    } else {
        EditSource::Original
    }
}

/// The URL of version `version` of a task's result.
pub fn version_url(task_id: i64, version: i64) -> String {
    format!("/api/batch/task/{task_id}/versions/{version}")
}
