//! Reading batches and tasks into their wire types. A task's progress is the one last written
//! to its row; the process running it may know a fresher one.

use std::collections::HashMap;

use app::types::{BatchView, TaskView, VersionView};

use super::rows::{QUEUE_COLUMNS, QueueRow, TASK_COLUMNS, TaskRow, VersionRow, task_view};
use crate::{
    Error, Result,
    db::{self, Db, On, Tx},
};

pub async fn queue(db: &Db, queue_id: i64) -> Result<BatchView> {
    Ok(queue_at(db, queue_id).await?.0)
}

/// A batch and its revision: every change stamped with that revision or an earlier one has
/// committed, so tasks read afterwards show at least those changes.
pub async fn queue_at(db: &Db, queue_id: i64) -> Result<(BatchView, i64)> {
    queue_in(db, queue_id).await
}

async fn queue_in<'a>(on: impl Into<On<'a>>, queue_id: i64) -> Result<(BatchView, i64)> {
    let sql = format!("SELECT {QUEUE_COLUMNS} FROM batch_queues WHERE id = $1");
    let row: QueueRow = db::query(sqlx::AssertSqlSafe(sql))
        .bind(queue_id)
        .fetch_optional(on)
        .await?
        .ok_or(Error::NotFound("batch"))?;
    let revision = row.revision;
    Ok((row.try_into()?, revision))
}

pub async fn task(db: &Db, task_id: i64) -> Result<TaskView> {
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
    task_view(row, versions)
}

/// A batch with its tasks, read from one snapshot: its counters and status agree with them.
pub async fn detail(db: &Db, queue_id: i64) -> Result<(BatchView, Vec<TaskView>)> {
    let mut tx = db::begin_read(db).await?;
    let (queue, _) = queue_in(&mut tx, queue_id).await?;
    let tasks = tasks_in(&mut tx, queue_id, None).await?;
    tx.commit().await?;
    Ok((queue, tasks))
}

/// A batch's tasks, or with `since` only those changed after that revision (in the order they
/// changed); the tasks and their versions from one snapshot.
pub async fn tasks_since(db: &Db, queue_id: i64, since: Option<i64>) -> Result<Vec<TaskView>> {
    let mut tx = db::begin_read(db).await?;
    let tasks = tasks_in(&mut tx, queue_id, since).await?;
    tx.commit().await?;
    Ok(tasks)
}

async fn tasks_in(tx: &mut Tx, queue_id: i64, since: Option<i64>) -> Result<Vec<TaskView>> {
    let sql = format!(
        "SELECT {TASK_COLUMNS} FROM batch_tasks WHERE queue_id = $1 AND ($2 IS NULL OR revision > $2)
         ORDER BY {}",
        if since.is_some() { "revision, position, id" } else { "position, id" }
    );
    let rows: Vec<TaskRow> = db::query(sqlx::AssertSqlSafe(sql))
        .bind(queue_id)
        .bind(since)
        .fetch_all(&mut *tx)
        .await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let mut by_task: HashMap<i64, Vec<VersionView>> = HashMap::new();
    let sql = format!(
        "{SELECT_VERSIONS} WHERE task_id IN (SELECT id FROM batch_tasks WHERE queue_id = $1 \
           AND ($2 IS NULL OR revision > $2)) ORDER BY task_id, version"
    );
    let changed: Vec<VersionRow> = db::query(sqlx::AssertSqlSafe(sql))
        .bind(queue_id)
        .bind(since)
        .fetch_all(&mut *tx)
        .await?;
    for version in changed {
        by_task
            .entry(version.task_id)
            .or_default()
            .push(version.into());
    }
    rows.into_iter()
        .map(|row| {
            let versions = by_task.remove(&row.id).unwrap_or_default();
            task_view(row, versions)
        })
        .collect()
}

const SELECT_VERSIONS: &str =
    "SELECT task_id, version, prompt, source, duration_ms, created_at FROM task_versions";

async fn versions(db: &Db, filter: &'static str, id: i64) -> Result<Vec<VersionRow>> {
    let sql = format!("{SELECT_VERSIONS} WHERE {filter} ORDER BY task_id, version");
    Ok(db::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_all(db)
        .await?)
}
