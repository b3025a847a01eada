//! Changes that other processes sharing the database make to the batches this process's live
//! streams watch: each batch's revision is compared every half second, and what changed in a
//! batch whose revision moved is announced from the database.

use std::{
    collections::HashMap,
    hash::{Hash, Hasher},
    time::Duration,
};

use app::types::EventKind;
use serde_json::json;

use tokio_util::sync::CancellationToken;

use super::{Events, QueueState, store};
use crate::{batch::read, db::Db};

pub(super) struct Relay {
    db: Db,
    state: QueueState,
    events: Events,
    seen: HashMap<i64, Seen>,
}

/// What the relay last announced of one watched batch.
#[derive(Default)]
struct Seen {
    revision: Option<i64>,
    queue: u64,
    tasks: HashMap<i64, u64>,
}

impl Relay {
    pub(super) fn new(db: Db, state: QueueState, events: Events) -> Self {
        Self {
            db,
            state,
            events,
            seen: HashMap::new(),
        }
    }

    pub(super) async fn run(mut self, shutdown: CancellationToken) {
        let mut tick = tokio::time::interval(Duration::from_millis(500));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = shutdown.cancelled() => return,
                _ = tick.tick() => self.relay().await,
            }
        }
    }

    /// Looks at every watched batch whose revision moved since the last look (and each newly
    /// watched one, since a change made elsewhere between its stream's snapshot and this look
    /// would otherwise be missed), and announces its tasks and itself where they differ from
    /// what the relay announced before. A change made here may so be announced twice; clients
    /// apply each task's latest view, so the repeat changes nothing they show.
    async fn relay(&mut self) {
        let watched = self.events.watched();
        self.seen.retain(|queue_id, _| watched.contains(queue_id));
        let revisions = match store::revisions(&self.db, &watched).await {
            Ok(revisions) => revisions,
            Err(error) => {
                tracing::warn!(%error, "reading batch revisions failed");
                return;
            }
        };
        for (queue_id, revision) in revisions {
            let seen = self.seen.entry(queue_id).or_default();
            if seen.revision == Some(revision) {
                continue;
            }
            seen.revision = Some(revision);
            let (tasks, queue) = match (
                read::tasks(&self.db, &self.state, queue_id).await,
                read::queue(&self.db, queue_id).await,
            ) {
                (Ok(tasks), Ok(queue)) => (tasks, queue),
                (Err(error), _) | (_, Err(error)) => {
                    tracing::warn!(%error, queue_id, "cannot relay a batch's changes");
                    continue;
                }
            };
            for task in tasks {
                let view = json!(task);
                let print = fingerprint(&view);
                if seen.tasks.insert(task.id, print) != Some(print) {
                    self.events.publish(queue_id, EventKind::Task, view);
                }
            }
            let view = json!(queue);
            let print = fingerprint(&view);
            if seen.queue != print {
                seen.queue = print;
                self.events.publish(queue_id, EventKind::Queue, view);
            }
        }
    }
}

fn fingerprint(view: &serde_json::Value) -> u64 {
    let mut hasher = std::hash::DefaultHasher::new();
    view.to_string().hash(&mut hasher);
    hasher.finish()
}
