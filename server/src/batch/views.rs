//! Batches and tasks as the API shows them (camelCase, with the app's own image URLs).

use serde::Serialize;

/// A batch row.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
pub struct QueueView {
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
}

pub const QUEUE_COLUMNS: &str = "id, user_id, batch_name, prompt, model, total_images, \
    completed_images, failed_images, status, used_user_key, created_at, updated_at";

/// A task row as read from the database.
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
}

pub const TASK_COLUMNS: &str = "id, queue_id, user_id, original_filename, prompt, model, status, \
    error_message, retry_count, attempts, version, source, generated_image_url, created_at, \
    updated_at";

/// One generated image of a task.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
pub struct VersionView {
    pub version: i64,
    pub prompt: String,
    pub source: String,
    #[sqlx(skip)]
    pub image_url: String,
    pub duration_ms: i64,
    pub created_at: String,
    #[serde(skip)]
    pub task_id: i64,
}

/// A task with its URLs, progress and versions.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskView {
    pub id: i64,
    pub queue_id: i64,
    pub user_id: i64,
    pub original_filename: String,
    pub prompt: String,
    pub model: String,
    pub status: String,
    pub error_message: Option<String>,
    pub retry_count: i64,
    /// Attempts made in the current run (1 while the first attempt runs).
    pub attempt: i64,
    /// 0.0–1.0 while processing, for providers that report it.
    pub progress: Option<f64>,
    pub version: i64,
    pub original_image_url: String,
    pub generated_image_url: Option<String>,
    pub versions: Vec<VersionView>,
    pub created_at: String,
    pub updated_at: String,
}

impl TaskView {
    pub fn new(row: TaskRow, progress: Option<f64>, versions: Vec<VersionView>) -> Self {
        Self {
            original_image_url: format!("/api/batch/task/{}/original", row.id),
            generated_image_url: row
                .generated_image_url
                .as_ref()
                .map(|_| format!("/api/batch/task/{}/result", row.id)),
            id: row.id,
            queue_id: row.queue_id,
            user_id: row.user_id,
            original_filename: row.original_filename,
            prompt: row.prompt,
            model: row.model,
            progress: (row.status == "processing").then_some(progress).flatten(),
            status: row.status,
            error_message: row.error_message,
            retry_count: row.retry_count,
            attempt: row.attempts,
            version: row.version,
            versions,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// The URL of version `version` of a task's result.
pub fn version_url(task_id: i64, version: i64) -> String {
    format!("/api/batch/task/{task_id}/versions/{version}")
}
