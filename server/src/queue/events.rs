//! Live changes of batches and tasks, fanned out to Server-Sent Events subscribers.

use std::sync::{
    Arc,
    atomic::{AtomicU64, Ordering},
};

use app::types::EventKind;
use serde::Serialize;
use serde_json::Value;
use tokio::sync::broadcast;

/// One change, numbered so that a client can tell what it has seen.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    pub seq: u64,
    pub queue_id: i64,
    pub kind: EventKind,
    pub data: Value,
}

#[derive(Clone)]
pub struct Events {
    tx: broadcast::Sender<Arc<Event>>,
    seq: Arc<AtomicU64>,
}

impl Default for Events {
    fn default() -> Self {
        Self::new()
    }
}

impl Events {
    pub fn new() -> Self {
        let (tx, _) = broadcast::channel(1024);
        Self {
            tx,
            // Start from the clock so that sequence numbers keep growing across restarts.
            seq: Arc::new(AtomicU64::new(crate::db::now_millis() as u64 * 1000)),
        }
    }

    pub fn publish(&self, queue_id: i64, kind: EventKind, data: Value) {
        let event = Event {
            seq: self.seq.fetch_add(1, Ordering::Relaxed) + 1,
            queue_id,
            kind,
            data,
        };
        // No subscribers is fine.
        let _ = self.tx.send(Arc::new(event));
    }

    /// The next sequence number, for a snapshot sent to a new subscriber.
    pub fn next_seq(&self) -> u64 {
        self.seq.fetch_add(1, Ordering::Relaxed) + 1
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Event>> {
        self.tx.subscribe()
    }
}
