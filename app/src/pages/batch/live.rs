//! A batch kept up to date: the batch row and one signal per task, so that a change redraws only
//! its own card. Fed by the batch's event stream, or by polling when the stream cannot open.

use leptos::prelude::*;

use crate::{
    api,
    browser::live::{Connection, LiveStream},
    types::{BatchDetail, BatchView, EventKind, ProgressUpdate, Status, TaskView},
};

/// How the page hears about changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feed {
    Connecting,
    Live,
    Polling,
    Finished,
}

#[derive(Clone, Copy)]
pub struct LiveBatch {
    pub batch: RwSignal<BatchView>,
    /// Task ids in upload order: the grid's keys.
    pub order: RwSignal<Vec<i64>>,
    /// At most a batch's 50 images: looked up by a scan, which is less WebAssembly than a map.
    tasks: StoredValue<Vec<(i64, RwSignal<TaskView>)>>,
    pub feed: RwSignal<Feed>,
}

impl LiveBatch {
    pub fn new(detail: BatchDetail) -> Self {
        let live = Self {
            batch: RwSignal::new(detail.queue.clone()),
            order: RwSignal::new(Vec::new()),
            tasks: StoredValue::new(Vec::new()),
            feed: RwSignal::new(Feed::Connecting),
        };
        live.apply_snapshot(detail);
        live
    }

    /// The signal of one task.
    pub fn task(self, id: i64) -> Option<RwSignal<TaskView>> {
        self.tasks.with_value(|tasks| {
            tasks
                .iter()
                .find_map(|(task, signal)| (*task == id).then_some(*signal))
        })
    }

    /// Milliseconds until the unfinished tasks are done, from how long this batch's finished
    /// images took and how many run at once; `None` before any image has finished. Durations,
    /// not the batch's age, so an image re-run days later is not estimated by that gap.
    pub fn estimate_ms(self) -> Option<f64> {
        let ids = self.order.get();
        let (mut waiting, mut running, mut spent, mut measured) = (0u32, 0u32, 0.0, 0u32);
        for id in ids {
            let Some(task) = self.task(id) else { continue };
            task.with(|task| {
                match task.status {
                    Status::Pending => waiting += 1,
                    Status::Processing => running += 1,
                    _ => {}
                }
                for version in &task.versions {
                    spent += version.duration_ms as f64;
                    measured += 1;
                }
            });
        }
        if measured == 0 || waiting + running == 0 {
            return None;
        }
        let mean = spent / f64::from(measured);
        // Tasks run side by side; the ones running now show how many at least.
        Some(mean * f64::from(waiting + running) / f64::from(running.max(1)))
    }

    fn apply_snapshot(self, detail: BatchDetail) {
        let ids: Vec<i64> = detail.tasks.iter().map(|t| t.id).collect();
        for task in detail.tasks {
            self.apply_task(task);
        }
        self.batch.set(detail.queue);
        if self.order.with_untracked(|order| *order != ids) {
            self.order.set(ids);
        }
    }

    fn apply_task(self, task: TaskView) {
        match self.task(task.id) {
            Some(signal) => {
                if signal.with_untracked(|current| *current != task) {
                    signal.set(task);
                }
            }
            None => {
                let id = task.id;
                let signal = RwSignal::new(task);
                self.tasks.update_value(|tasks| {
                    tasks.push((id, signal));
                });
                self.order.update(|order| {
                    if !order.contains(&id) {
                        order.push(id);
                    }
                });
            }
        }
    }

    /// Applies one event of the stream.
    pub fn apply(self, kind: EventKind, data: &str) {
        match kind {
            EventKind::Snapshot => {
                if let Ok(detail) = serde_json::from_str::<BatchDetail>(data) {
                    self.apply_snapshot(detail);
                }
            }
            EventKind::Queue => {
                if let Ok(batch) = serde_json::from_str::<BatchView>(data) {
                    self.batch.set(batch);
                }
            }
            EventKind::Task => {
                if let Ok(task) = serde_json::from_str::<TaskView>(data) {
                    self.apply_task(task);
                }
            }
            EventKind::Progress => {
                if let Ok(update) = serde_json::from_str::<ProgressUpdate>(data)
                    && let Some(signal) = self.task(update.task_id)
                {
                    signal.update(|task| task.progress = Some(update.progress));
                }
            }
            EventKind::End => self.feed.set(Feed::Finished),
        }
    }

    /// Reads the whole batch again.
    pub fn refresh(self) {
        let id = self.batch.with_untracked(|b| b.id);
        leptos::task::spawn_local(async move {
            if let Ok(detail) = api::batch(id).await {
                self.apply_snapshot(detail);
            }
        });
    }

    /// Follows the batch while it runs: the event stream, or polling every 2 s if the stream
    /// cannot be opened. Browser only; stops when the page goes away.
    pub fn follow(self) {
        // Browser objects are never created while rendering on the server.
        if cfg!(feature = "ssr") {
            return;
        }
        let stream = StoredValue::new_local(None::<LiveStream>);
        let polling = StoredValue::new(false);
        let start = move || {
            if stream.with_value(Option::is_some) {
                return;
            }
            let id = self.batch.with_untracked(|b| b.id);
            let opened = LiveStream::open(
                &format!("/api/batch/queue/{id}/events"),
                move |kind, data| {
                    self.apply(kind, &data);
                    if kind == EventKind::End {
                        stream.set_value(None);
                    }
                },
                move |connection| match connection {
                    Connection::Open => self.feed.set(Feed::Live),
                    Connection::Retrying => self.feed.set(Feed::Connecting),
                    Connection::Closed => {
                        stream.set_value(None);
                        self.feed.set(Feed::Polling);
                    }
                },
            );
            match opened {
                Ok(opened) => stream.set_value(Some(opened)),
                Err(_) => self.feed.set(Feed::Polling),
            }
        };
        // A finished batch needs no stream until a retry or an edit reopens it.
        Effect::new(move |_| {
            let finished = self.batch.with(|b| b.status.is_finished());
            if finished {
                if self.feed.get_untracked() != Feed::Polling {
                    stream.set_value(None);
                    self.feed.set(Feed::Finished);
                }
            } else if self.feed.get_untracked() != Feed::Polling {
                start();
            }
        });
        Effect::new(move |_| {
            if self.feed.get() == Feed::Polling && !polling.get_value() {
                polling.set_value(true);
                poll(self, polling);
            }
        });
        on_cleanup(move || stream.set_value(None));
    }
}

fn poll(live: LiveBatch, running: StoredValue<bool>) {
    leptos::task::spawn_local(async move {
        loop {
            sleep_ms(2_000).await;
            if running.is_disposed() {
                return;
            }
            let id = live.batch.with_untracked(|b| b.id);
            if let Ok(detail) = api::batch(id).await {
                let finished = detail.queue.status.is_finished();
                live.apply_snapshot(detail);
                if finished {
                    running.set_value(false);
                    return;
                }
            }
        }
    });
}

/// Waits in the browser without a timer crate.
async fn sleep_ms(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}
