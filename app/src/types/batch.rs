use serde::{Deserialize, Serialize};

use super::Status;

/// A batch: one prompt and model over many images.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct BatchView {
    pub id: i64,
    pub user_id: i64,
    pub batch_name: String,
    pub prompt: String,
    pub model: String,
    pub total_images: i64,
    pub completed_images: i64,
    pub failed_images: i64,
    pub status: Status,
    pub used_user_key: bool,
    pub created_at: String,
    pub updated_at: String,
}

impl BatchView {
    /// The name a batch gets when its creator gives none, e.g. "12 images".
    pub fn default_name(total_images: i64) -> String {
        if total_images == 1 {
            "1 image".to_owned()
        } else {
            format!("{total_images} images")
        }
    }

    /// Whether the batch carries the default name, which pages say in the reader's language.
    pub fn has_default_name(&self) -> bool {
        self.batch_name == Self::default_name(self.total_images)
    }
}

/// One generated image of a task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct VersionView {
    pub version: i64,
    pub prompt: String,
    pub source: EditSource,
    pub image_url: String,
    pub duration_ms: i64,
    pub created_at: String,
}

/// One image of a batch, with its URLs, progress and versions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct TaskView {
    pub id: i64,
    pub queue_id: i64,
    pub user_id: i64,
    /// The uploaded file's name with its folder path, for display.
    pub original_filename: String,
    pub prompt: String,
    pub model: String,
    pub status: Status,
    pub error_message: Option<String>,
    pub retry_count: i64,
    /// Attempts made in the current run (1 while the first attempt runs).
    pub attempt: i64,
    /// 0.0–1.0 while processing, for providers that report it.
    pub progress: Option<f64>,
    /// The latest version (0 before the first result).
    pub version: i64,
    pub original_image_url: String,
    pub generated_image_url: Option<String>,
    pub versions: Vec<VersionView>,
    pub created_at: String,
    pub updated_at: String,
}

/// A batch with its tasks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct BatchDetail {
    pub queue: BatchView,
    pub tasks: Vec<TaskView>,
}

/// A batch in the history list, with a few thumbnails.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct BatchSummary {
    #[serde(flatten)]
    pub batch: BatchView,
    /// Image URLs of the first few images (the result where there is one).
    pub thumbnails: Vec<String>,
}

/// What creating a batch answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct BatchCreated {
    pub queue_id: i64,
    pub total_images: i64,
    pub used_user_key: bool,
    pub credits_charged: i64,
}

/// Which image an edit starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum EditSource {
    /// The latest result.
    #[default]
    Result,
    /// The uploaded image.
    Original,
}

impl EditSource {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Result => "result",
            Self::Original => "original",
        }
    }
}

/// A model users can pick.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ModelView {
    pub id: String,
    pub name: String,
    pub provider: String,
    /// Whether the caller has an own key for its provider, so that images cost nothing.
    #[serde(default)]
    pub free_with_own_key: bool,
}

impl ModelView {
    /// The id of the model built into every server, which pages name in the reader's language.
    pub const DEMO: &str = "demo";
}

/// A preset prompt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PresetView {
    pub id: i64,
    pub title: String,
    pub content: String,
    pub category: String,
    pub sort_order: i64,
    pub is_active: bool,
    pub created_at: String,
    pub updated_at: String,
}

/// Fields of a preset to create or change; absent ones keep their value (or their default).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PresetChanges {
    #[cfg_attr(
        feature = "ssr",
        schema(
            pattern = r"[^\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]",
            max_length = 100
        )
    )]
    pub title: Option<String>,
    #[cfg_attr(
        feature = "ssr",
        schema(
            pattern = r"[^\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]",
            max_length = 4000
        )
    )]
    pub content: Option<String>,
    #[cfg_attr(
        feature = "ssr",
        schema(
            pattern = r"[^\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]",
            max_length = 50
        )
    )]
    pub category: Option<String>,
    #[cfg_attr(feature = "ssr", schema(minimum = -1_000_000_000, maximum = 1_000_000_000))]
    pub sort_order: Option<i64>,
    pub is_active: Option<bool>,
}
