//! Live changes of batches and tasks, fanned out to Server-Sent Events subscribers.
//!
//! Each batch being watched has a channel of its own, so a change wakes only the streams of that
//! batch; the channel goes when its last stream does. Streams are counted per account and in all,
//! and refused past the limits, since each holds a connection and a task.

use std::{
    collections::HashMap,
    pin::Pin,
    sync::{
        Arc, Mutex, MutexGuard,
        atomic::{AtomicU64, Ordering},
    },
    task::{Context, Poll},
};

use app::{Problem, types::EventKind};
use futures::{Stream, StreamExt};
use serde::Serialize;
use serde_json::Value;
use tokio::sync::broadcast;
use tokio_stream::wrappers::{BroadcastStream, errors::BroadcastStreamRecvError};

/// Changes a slow stream may fall behind before it gets a fresh snapshot instead.
const BACKLOG: usize = 256;

/// One change, numbered so that a client can tell what it has seen.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    pub seq: u64,
    pub queue_id: i64,
    pub kind: EventKind,
    pub data: Value,
}

/// How many live streams may be open at once.
#[derive(Debug, Clone, Copy)]
pub struct StreamLimits {
    pub per_user: usize,
    pub total: usize,
}

impl Default for StreamLimits {
    fn default() -> Self {
        Self {
            per_user: 8,
            total: 1_000,
        }
    }
}

#[derive(Default)]
struct Open {
    channels: HashMap<i64, broadcast::Sender<Arc<Event>>>,
    per_user: HashMap<i64, usize>,
    total: usize,
}

struct Inner {
    seq: AtomicU64,
    open: Mutex<Open>,
    limits: StreamLimits,
}

#[derive(Clone)]
pub struct Events {
    inner: Arc<Inner>,
}

impl Default for Events {
    fn default() -> Self {
        Self::new(StreamLimits::default())
    }
}

impl Events {
    pub fn new(limits: StreamLimits) -> Self {
        Self {
            inner: Arc::new(Inner {
                // Start from the clock so that sequence numbers keep growing across restarts.
                seq: AtomicU64::new(crate::db::now_millis() as u64 * 1000),
                open: Mutex::default(),
                limits,
            }),
        }
    }

    fn open(&self) -> MutexGuard<'_, Open> {
        // A poisoned lock only means a panic elsewhere; the counts stay consistent.
        self.inner
            .open
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn publish(&self, queue_id: i64, kind: EventKind, data: Value) {
        let event = Event {
            seq: self.next_seq(),
            queue_id,
            kind,
            data,
        };
        if let Some(channel) = self.open().channels.get(&queue_id) {
            // A stream that ended meanwhile is fine.
            let _ = channel.send(Arc::new(event));
        }
    }

    /// The batches that have live streams here now.
    pub fn watched(&self) -> Vec<i64> {
        self.open().channels.keys().copied().collect()
    }

    /// The next sequence number, for a snapshot sent to a new subscriber.
    pub fn next_seq(&self) -> u64 {
        self.inner.seq.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// A stream of one batch's changes for `user_id`, unless the limits are reached.
    pub fn subscribe(&self, queue_id: i64, user_id: i64) -> Result<Subscription, Problem> {
        let limits = self.inner.limits;
        let mut open = self.open();
        if open.total >= limits.total {
            return Err(Problem::StreamsFull);
        }
        let mine = open.per_user.entry(user_id).or_default();
        if *mine >= limits.per_user {
            return Err(Problem::TooManyStreams {
                max: limits.per_user,
            });
        }
        *mine += 1;
        open.total += 1;
        let receiver = open
            .channels
            .entry(queue_id)
            .or_insert_with(|| broadcast::channel(BACKLOG).0)
            .subscribe();
        Ok(Subscription {
            changes: Some(BroadcastStream::new(receiver)),
            events: self.clone(),
            queue_id,
            user_id,
        })
    }

    /// Streams open now, in all.
    pub fn streams(&self) -> usize {
        self.open().total
    }
}

/// One open stream: its batch's changes (or `Lagged` when it fell behind), counted against the
/// limits until dropped.
pub struct Subscription {
    changes: Option<BroadcastStream<Arc<Event>>>,
    events: Events,
    queue_id: i64,
    user_id: i64,
}

impl Stream for Subscription {
    type Item = Result<Arc<Event>, BroadcastStreamRecvError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        match self.changes.as_mut() {
            Some(changes) => changes.poll_next_unpin(cx),
            None => Poll::Ready(None),
        }
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        // The receiver goes first, so that the batch's channel is seen unused if it is.
        self.changes = None;
        let mut open = self.events.open();
        open.total = open.total.saturating_sub(1);
        if let Some(count) = open.per_user.get_mut(&self.user_id) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                open.per_user.remove(&self.user_id);
            }
        }
        if open
            .channels
            .get(&self.queue_id)
            .is_some_and(|channel| channel.receiver_count() == 0)
        {
            open.channels.remove(&self.queue_id);
        }
    }
}

#[cfg(test)]
mod tests {
    use futures::FutureExt;

    use super::*;

    fn events(per_user: usize, total: usize) -> Events {
        Events::new(StreamLimits { per_user, total })
    }

    #[test]
    fn a_change_reaches_only_its_batch_streams() {
        let events = events(8, 100);
        let mut one = events.subscribe(1, 10).unwrap();
        let mut two = events.subscribe(2, 20).unwrap();
        events.publish(1, EventKind::Queue, Value::Null);
        let first = one.next().now_or_never().flatten().unwrap().unwrap();
        assert_eq!(first.queue_id, 1);
        assert!(two.next().now_or_never().is_none());
    }

    #[test]
    fn streams_are_limited_per_account_and_in_all_and_given_back_when_dropped() {
        let events = events(2, 3);
        let a = events.subscribe(1, 10).unwrap();
        let _b = events.subscribe(2, 10).unwrap();
        assert_eq!(
            events.subscribe(3, 10).err(),
            Some(Problem::TooManyStreams { max: 2 })
        );
        let _c = events.subscribe(1, 20).unwrap();
        assert_eq!(events.subscribe(1, 30).err(), Some(Problem::StreamsFull));
        drop(a);
        assert_eq!(events.streams(), 2);
        assert!(events.subscribe(3, 10).is_ok());
    }

    #[test]
    fn a_batch_channel_goes_with_its_last_stream() {
        let events = events(8, 100);
        let a = events.subscribe(1, 10).unwrap();
        let b = events.subscribe(1, 10).unwrap();
        drop(a);
        assert!(events.open().channels.contains_key(&1));
        drop(b);
        assert!(events.open().channels.is_empty());
        assert!(events.open().per_user.is_empty());
    }
}
