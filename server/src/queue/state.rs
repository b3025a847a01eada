//! What this process knows about the tasks it is running right now.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, MutexGuard},
};

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

struct Running {
    queue_id: i64,
    fence: i64,
    cancel: CancellationToken,
    progress: Option<f64>,
}

#[derive(Default)]
struct Inner {
    running: Mutex<HashMap<i64, Running>>,
    wake: Notify,
}

/// Shared between the dispatcher, its task runs and the services that cancel or watch them.
#[derive(Clone, Default)]
pub struct QueueState {
    inner: Arc<Inner>,
}

impl QueueState {
    fn running(&self) -> MutexGuard<'_, HashMap<i64, Running>> {
        // A poisoned lock only means a panic elsewhere; the map itself stays consistent.
        self.inner
            .running
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// New work may be there (a batch, a retry, a free slot): look now, not at the next tick.
    pub fn wake(&self) {
        self.inner.wake.notify_one();
    }

    pub(crate) async fn woken(&self) {
        self.inner.wake.notified().await;
    }

    /// Aborts this process's in-flight calls of a batch.
    pub fn cancel_queue(&self, queue_id: i64) {
        for running in self.running().values().filter(|r| r.queue_id == queue_id) {
            running.cancel.cancel();
        }
    }

    /// The reported progress of a running task.
    pub fn progress(&self, task_id: i64) -> Option<f64> {
        self.running().get(&task_id).and_then(|r| r.progress)
    }

    /// The claims (task id, fence) this process runs now.
    pub(crate) fn running_claims(&self) -> Vec<(i64, i64)> {
        self.running()
            .iter()
            .map(|(task_id, run)| (*task_id, run.fence))
            .collect()
    }

    /// Aborts the run of claim `fence` of a task, if it still runs here.
    pub(crate) fn abort(&self, task_id: i64, fence: i64) {
        if let Some(run) = self.running().get(&task_id).filter(|r| r.fence == fence) {
            run.cancel.cancel();
        }
    }

    /// Runs of this process now.
    pub fn running_count(&self) -> usize {
        self.running().len()
    }

    /// Records the run of a task's claim `fence`. A run of an older claim of the same task (one
    /// whose lease lapsed before this process claimed the task again) is told to stop.
    pub(crate) fn register(
        &self,
        task_id: i64,
        queue_id: i64,
        fence: i64,
        parent: &CancellationToken,
    ) -> CancellationToken {
        let cancel = parent.child_token();
        let stale = self.running().insert(
            task_id,
            Running {
                queue_id,
                fence,
                cancel: cancel.clone(),
                progress: None,
            },
        );
        if let Some(stale) = stale {
            stale.cancel.cancel();
        }
        cancel
    }

    /// Forgets the run of claim `fence`, unless a newer claim's run has replaced it.
    pub(crate) fn unregister(&self, task_id: i64, fence: i64) {
        let mut running = self.running();
        if running.get(&task_id).is_some_and(|r| r.fence == fence) {
            running.remove(&task_id);
        }
    }

    /// Records the progress of claim `fence` of a task, rounded to whole percent, and returns
    /// what was recorded; `None` when that claim's run is no longer the task's.
    pub(crate) fn set_progress(&self, task_id: i64, fence: i64, progress: f32) -> Option<f64> {
        let rounded = (f64::from(progress.clamp(0.0, 1.0)) * 100.0).round() / 100.0;
        let mut running = self.running();
        let run = running.get_mut(&task_id).filter(|r| r.fence == fence)?;
        run.progress = Some(rounded);
        Some(rounded)
    }
}
