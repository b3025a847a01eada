//! Reads over every user's batches for the admin: the monitoring list, the queue now and the
//! statistics behind the dashboard.

use app::types::{AdminBatch, BatchView, DayStats, QueueFilter, QueueNow, Stats};

use super::batches::rows::{QUEUE_COLUMNS, QueueRow};
use crate::{
    Result,
    db::{self, Db},
};

/// A batch row with its owner's name.
#[derive(sqlx::FromRow)]
struct AdminRow {
    #[sqlx(flatten)]
    queue: QueueRow,
    username: String,
}

/// Every user's batches, newest first; `user` matches an id exactly or any part of a username.
pub async fn queues(db: &Db, filter: &QueueFilter) -> Result<Vec<AdminBatch>> {
    let user = filter
        .user
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty());
    let user_id = user.and_then(|u| u.parse::<i64>().ok());
    let pattern = user.map(|u| format!("%{}%", escape_like(u)));
    let sql = format!(
        "SELECT {QUEUE_COLUMNS},
           COALESCE((SELECT username FROM users WHERE users.id = batch_queues.user_id), '') AS username
         FROM batch_queues
         WHERE ($1 IS NULL OR status = $1)
           AND ($2 IS NULL OR user_id = $3
                OR user_id IN (SELECT id FROM users WHERE lower(username) LIKE lower($2) ESCAPE '\\'))
         ORDER BY id DESC LIMIT $4 OFFSET $5"
    );
    let rows: Vec<AdminRow> = db::query(sqlx::AssertSqlSafe(sql))
        .bind(filter.status.map(|s| s.as_str()))
        .bind(pattern)
        .bind(user_id)
        .bind(filter.limit.unwrap_or(50).clamp(1, 500))
        .bind(filter.offset.unwrap_or(0).max(0))
        .fetch_all(db)
        .await?;
    rows.into_iter()
        .map(|row| {
            Ok(AdminBatch {
                batch: BatchView::try_from(row.queue)?,
                username: row.username,
            })
        })
        .collect()
}

/// `text` as a literal inside a `LIKE … ESCAPE '\'` pattern.
fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// The last 30 days by day, and the totals; `concurrency` is the limit the queue runs under.
pub async fn stats(db: &Db, concurrency: u32) -> Result<Stats> {
    let since = db::iso_days_ago(30);
    let days: Vec<(String, i64, i64, i64)> = db::query(
        "SELECT substr(created_at, 1, 10) AS day, COUNT(*) AS images,
                COUNT(*) FILTER (WHERE status = 'completed') AS completed,
                COUNT(*) FILTER (WHERE status = 'failed') AS failed
         FROM batch_tasks WHERE created_at >= $1
         GROUP BY day ORDER BY day",
    )
    .bind(&since)
    .fetch_all(db)
    .await?;
    let credits_per_day: Vec<(String, i64)> = db::query(
        "SELECT substr(created_at, 1, 10) AS day, CAST(COALESCE(-SUM(delta), 0) AS BIGINT) FROM credit_ledger
         WHERE reason IN ('batch', 'edit', 'refund')
           AND created_at >= $1
         GROUP BY day",
    )
    .bind(&since)
    .fetch_all(db)
    .await?;
    let duration_per_day: Vec<(String, Option<f64>)> = db::query(
        "SELECT substr(created_at, 1, 10) AS day, CAST(ROUND(AVG(duration_ms)) AS DOUBLE PRECISION) FROM task_versions
         WHERE created_at >= $1
         GROUP BY day",
    )
    .bind(&since)
    .fetch_all(db)
    .await?;
    let images_per_day = days
        .into_iter()
        .map(|(day, images, completed, failed)| DayStats {
            credits: credits_per_day
                .iter()
                .find(|(d, _)| *d == day)
                .map_or(0, |(_, c)| *c),
            mean_processing_ms: duration_per_day
                .iter()
                .find(|(d, _)| *d == day)
                .and_then(|(_, ms)| *ms),
            day,
            images,
            completed,
            failed,
        })
        .collect();
    let (total, completed, failed): (i64, i64, i64) = db::query(
        "SELECT COUNT(*), COUNT(*) FILTER (WHERE status = 'completed'),
                COUNT(*) FILTER (WHERE status = 'failed')
         FROM batch_tasks",
    )
    .fetch_one(db)
    .await?;
    let (mean_processing_ms,): (Option<f64>,) =
        db::query("SELECT CAST(ROUND(AVG(duration_ms)) AS DOUBLE PRECISION) FROM task_versions")
            .fetch_one(db)
            .await?;
    let (credits_spent,): (i64,) = db::query(
        "SELECT CAST(COALESCE(-SUM(delta), 0) AS BIGINT) FROM credit_ledger WHERE reason IN ('batch', 'edit', 'refund')",
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
        queue: queue_now(db, concurrency).await?,
    })
}

/// Tasks waiting, running and failed in the last hour, and the limit they run under.
pub async fn queue_now(db: &Db, concurrency: u32) -> Result<QueueNow> {
    let (waiting, running): (i64, i64) = db::query(
        "SELECT COUNT(*) FILTER (WHERE status = 'pending'),
                COUNT(*) FILTER (WHERE status = 'processing')
         FROM batch_tasks WHERE status IN ('pending', 'processing')",
    )
    .fetch_one(db)
    .await?;
    let (failed_last_hour,): (i64,) =
        db::query("SELECT COUNT(*) FROM batch_tasks WHERE status = 'failed' AND finished_at >= $1")
            .bind(db::now_millis() - 3_600_000)
            .fetch_one(db)
            .await?;
    Ok(QueueNow {
        waiting,
        running,
        failed_last_hour,
        concurrency,
    })
}
