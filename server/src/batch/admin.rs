//! The admin's view over every user's batches, and the statistics behind the dashboard.

use serde::{Deserialize, Serialize};

use super::views::{QUEUE_COLUMNS, QueueView};
use crate::{Error, Result, db::Db, settings::Settings};

/// Filters for the admin's batch list.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueFilter {
    pub status: Option<String>,
    /// A user id or username.
    pub user: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// A batch with its owner's name.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AdminQueue {
    #[serde(flatten)]
    pub queue: QueueView,
    pub username: String,
}

const STATUSES: [&str; 5] = ["pending", "processing", "completed", "failed", "cancelled"];

pub async fn queues(db: &Db, filter: &QueueFilter) -> Result<Vec<AdminQueue>> {
    if let Some(status) = &filter.status
        && !STATUSES.contains(&status.as_str())
    {
        return Err(Error::BadRequest(format!(
            "unknown status '{status}'; use one of: {}",
            STATUSES.join(", ")
        )));
    }
    let user_id = filter.user.as_deref().and_then(|u| u.parse::<i64>().ok());
    let sql = format!(
        "SELECT {QUEUE_COLUMNS} FROM batch_queues
         WHERE (?1 IS NULL OR status = ?1)
           AND (?2 IS NULL OR user_id = ?3 OR user_id = (SELECT id FROM users WHERE username = ?2))
         ORDER BY id DESC LIMIT ?4 OFFSET ?5"
    );
    let queues: Vec<QueueView> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(&filter.status)
        .bind(&filter.user)
        .bind(user_id)
        .bind(filter.limit.unwrap_or(50).clamp(1, 500))
        .bind(filter.offset.unwrap_or(0).max(0))
        .fetch_all(db)
        .await?;
    let names: Vec<(i64, String)> = sqlx::query_as("SELECT id, username FROM users")
        .fetch_all(db)
        .await?;
    Ok(queues
        .into_iter()
        .map(|queue| {
            let username = names
                .iter()
                .find(|(id, _)| *id == queue.user_id)
                .map(|(_, name)| name.clone())
                .unwrap_or_default();
            AdminQueue { queue, username }
        })
        .collect())
}

/// One day of the images-per-day chart.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
pub struct Day {
    pub day: String,
    pub images: i64,
    pub completed: i64,
    pub failed: i64,
}

/// The dashboard numbers.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Stats {
    pub images_per_day: Vec<Day>,
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
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueNow {
    pub waiting: i64,
    pub running: i64,
    pub failed_last_hour: i64,
    pub concurrency: u32,
}

pub async fn stats(db: &Db, settings: &Settings) -> Result<Stats> {
    let images_per_day: Vec<Day> = sqlx::query_as(
        "SELECT substr(created_at, 1, 10) AS day, COUNT(*) AS images,
                SUM(status = 'completed') AS completed, SUM(status = 'failed') AS failed
         FROM batch_tasks WHERE created_at >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-30 days')
         GROUP BY day ORDER BY day",
    )
    .fetch_all(db)
    .await?;
    let (total, completed, failed, waiting, running): (i64, i64, i64, i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), COALESCE(SUM(status = 'completed'), 0), COALESCE(SUM(status = 'failed'), 0),
                COALESCE(SUM(status = 'pending'), 0), COALESCE(SUM(status = 'processing'), 0)
         FROM batch_tasks",
    )
    .fetch_one(db)
    .await?;
    let (failed_last_hour,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM batch_tasks WHERE status = 'failed' AND finished_at >= ?",
    )
    .bind(crate::db::now_millis() - 3_600_000)
    .fetch_one(db)
    .await?;
    let (mean_processing_ms,): (Option<f64>,) =
        sqlx::query_as("SELECT ROUND(AVG(duration_ms)) FROM task_versions")
            .fetch_one(db)
            .await?;
    let (credits_spent,): (i64,) = sqlx::query_as(
        "SELECT COALESCE(-SUM(delta), 0) FROM credit_ledger WHERE reason IN ('batch', 'edit', 'refund')",
    )
    .fetch_one(db)
    .await?;
    let finished = completed + failed;
    Ok(Stats {
        images_per_day,
        total_images: total,
        completed_images: completed,
        failed_images: failed,
        success_rate: (finished > 0).then(|| completed as f64 / finished as f64),
        mean_processing_ms,
        credits_spent,
        queue: QueueNow {
            waiting,
            running,
            failed_last_hour,
            concurrency: settings.concurrency().await?,
        },
    })
}
