use serde::{Deserialize, Serialize};

use super::{BatchView, Status};

/// A batch with its owner's name, for monitoring.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AdminBatch {
    #[serde(flatten)]
    pub batch: BatchView,
    pub username: String,
}

/// Filters for the admin's batch list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "ssr",
    derive(utoipa::IntoParams),
    into_params(parameter_in = Query)
)]
#[serde(rename_all = "camelCase")]
pub struct QueueFilter {
    pub status: Option<Status>,
    /// A user id or username.
    pub user: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// A user in the admin's list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AdminUser {
    pub id: i64,
    pub username: String,
    pub is_admin: bool,
    pub credits: i64,
    pub batches: i64,
    pub created_at: String,
}

/// One day of the images-per-day chart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct DayStats {
    /// `YYYY-MM-DD` (UTC).
    pub day: String,
    pub images: i64,
    pub completed: i64,
    pub failed: i64,
    /// Credits charged that day (batches and edits, less refunds).
    #[serde(default)]
    pub credits: i64,
    /// Mean provider time of the images finished that day.
    #[serde(default)]
    pub mean_processing_ms: Option<f64>,
}

/// The dashboard numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Stats {
    pub images_per_day: Vec<DayStats>,
    pub total_images: i64,
    pub completed_images: i64,
    pub failed_images: i64,
    /// Completed ÷ (completed + failed), or null before anything finished.
    pub success_rate: Option<f64>,
    pub mean_processing_ms: Option<f64>,
    pub credits_spent: i64,
    pub queue: QueueNow,
}

/// The queue right now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct QueueNow {
    pub waiting: i64,
    pub running: i64,
    pub failed_last_hour: i64,
    pub concurrency: u32,
}
