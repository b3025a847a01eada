//! Changes that other processes sharing the database make to the batches this process's live
//! streams watch: each watched batch's revision is compared every half second, and the streams of
//! a batch whose revision moved are told to read what changed. On PostgreSQL a notification
//! usually tells them sooner; this poll is what a missed one costs.

use std::{collections::HashMap, time::Duration};

use tokio_util::sync::CancellationToken;

use super::Events;
use crate::{db::Db, store::tasks as store};

pub(super) struct Relay {
    db: Db,
    events: Events,
    /// The revision of each watched batch at the last look.
    seen: HashMap<i64, i64>,
}

impl Relay {
    pub(super) fn new(db: Db, events: Events) -> Self {
        Self {
            db,
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

    /// Signals every watched batch whose revision moved since the last look, each one gone, and
    /// each newly watched one (a change made elsewhere between its stream's snapshot and this look would
    /// otherwise wait for the next). A stream reads only what is newer than what it sent, so a
    /// repeated signal costs it one read and sends nothing.
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
        for (queue_id, revision) in &revisions {
            if self.seen.insert(*queue_id, *revision) != Some(*revision) {
                self.events.changed(*queue_id);
            }
        }
        // A batch deleted (elsewhere): its streams read that it is gone and end.
        for queue_id in watched {
            if !revisions.iter().any(|(id, _)| *id == queue_id) {
                self.events.changed(queue_id);
            }
        }
    }
}
