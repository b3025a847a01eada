//! Reading batches and tasks into their wire types, and announcing their changes.

use std::collections::HashMap;

use app::types::{BatchView, EventKind, TaskView, VersionView};
use serde_json::json;

use super::views::{QUEUE_COLUMNS, QueueRow, TASK_COLUMNS, TaskRow, VersionRow, task_view};
use crate::{
    Error, Result,
    db::{self, Db},
    queue::{Events, QueueState},
};

pub async fn queue(db: &Db, queue_id: i64) -> Result<BatchView> {
    let sql = format!("SELECT {QUEUE_COLUMNS} FROM batch_queues WHERE id = $1");
    let row: QueueRow = db::query(sqlx::AssertSqlSafe(sql))
        .bind(queue_id)
        .fetch_optional(db)
        .await?
        .ok_or(Error::NotFound("batch"))?;
    row.try_into()
}

pub async fn task(db: &Db, state: &QueueState, task_id: i64) -> Result<TaskView> {
    let sql = format!("SELECT {TASK_COLUMNS} FROM batch_tasks WHERE id = $1");
    let row: TaskRow = db::query(sqlx::AssertSqlSafe(sql))
        .bind(task_id)
        .fetch_optional(db)
        .await?
        .ok_or(Error::NotFound("task"))?;
    let versions = versions(db, "task_id = $1", row.id)
        .await?
        .into_iter()
        .map(VersionView::from)
        .collect();
    task_view(row, state.progress(task_id), versions)
}

pub async fn tasks(db: &Db, state: &QueueState, queue_id: i64) -> Result<Vec<TaskView>> {
    let sql =
        format!("SELECT {TASK_COLUMNS} FROM batch_tasks WHERE queue_id = $1 ORDER BY position, id");
    let rows: Vec<TaskRow> = db::query(sqlx::AssertSqlSafe(sql))
        .bind(queue_id)
        .fetch_all(db)
        .await?;
    let mut by_task: HashMap<i64, Vec<VersionView>> = HashMap::new();
    for version in versions(
        db,
        "task_id IN (SELECT id FROM batch_tasks WHERE queue_id = $1)",
        queue_id,
    )
    .await?
    {
        by_task
            .entry(version.task_id)
            .or_default()
            .push(version.into());
    }
    rows.into_iter()
        .map(|row| {
            let versions = by_task.remove(&row.id).unwrap_or_default();
            let progress = state.progress(row.id);
            task_view(row, progress, versions)
        })
        .collect()
}

async fn versions(db: &Db, filter: &'static str, id: i64) -> Result<Vec<VersionRow>> {
    let sql = format!(
        "SELECT task_id, version, prompt, source, duration_ms, created_at FROM task_versions \
         WHERE {filter} ORDER BY task_id, version"
    );
    Ok(db::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_all(db)
        .await?)
}

/// Announces the current state of a task and of its batch.
pub async fn announce(
    db: &Db,
    state: &QueueState,
    events: &Events,
    queue_id: i64,
    task_id: Option<i64>,
) {
    if let Some(task_id) = task_id {
        match task(db, state, task_id).await {
            Ok(view) => events.publish(queue_id, EventKind::Task, json!(view)),
            Err(error) => tracing::warn!(%error, task_id, "cannot announce a task change"),
        }
    }
    match queue(db, queue_id).await {
        Ok(view) => events.publish(queue_id, EventKind::Queue, json!(view)),
        Err(error) => tracing::warn!(%error, queue_id, "cannot announce a batch change"),
    }
}

/// Announces every task of a batch (after a change that touched many at once).
pub async fn announce_all(db: &Db, state: &QueueState, events: &Events, queue_id: i64) {
    match tasks(db, state, queue_id).await {
        Ok(views) => {
            for view in views {
                events.publish(queue_id, EventKind::Task, json!(view));
            }
        }
        Err(error) => tracing::warn!(%error, queue_id, "cannot announce task changes"),
    }
    announce(db, state, events, queue_id, None).await;
}
