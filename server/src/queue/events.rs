//! Signals to the live streams of the batches being watched here: "this batch changed" (each
//! stream then reads from the database what changed after the revision it last sent, so every
//! process serves the same changes) and the progress a running task reports (sent as it comes,
//! and written to the database at most once a second for the other processes).
//!
//! Each batch being watched has a channel of its own, so a signal wakes only the streams of that
//! batch; the channel goes when its last stream does. Streams are counted per account and in all,
//! and refused past the limits, since each holds a connection and a task.

use std::{
    collections::HashMap,
    pin::Pin,
    sync::{Arc, Mutex, MutexGuard},
    task::{Context, Poll},
};

use app::{Problem, types::ProgressUpdate};
use futures::{Stream, StreamExt, future, stream::BoxStream};
use tokio::sync::{broadcast, watch};
use tokio_stream::wrappers::{BroadcastStream, WatchStream};

/// Progress reports a slow stream may fall behind by before it skips some.
const BACKLOG: usize = 64;

/// What a live stream is told.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Signal {
    /// The batch or some of its tasks changed (possibly already seen: signals are coalesced and
    /// may repeat).
    Changed,
    /// A task running here reported how far it is.
    Progress(ProgressUpdate),
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

struct Channel {
    /// Counts changes; a stream waits for it to move.
    changes: watch::Sender<u64>,
    progress: broadcast::Sender<ProgressUpdate>,
}

#[derive(Default)]
struct Open {
    channels: HashMap<i64, Channel>,
    per_user: HashMap<i64, usize>,
    total: usize,
}

struct Inner {
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

    /// A batch changed (here or, as told by the database, in another process).
    pub fn changed(&self, queue_id: i64) {
        if let Some(channel) = self.open().channels.get(&queue_id) {
            channel
                .changes
                .send_modify(|count| *count = count.wrapping_add(1));
        }
    }

    /// A task of a batch running here reported its progress.
    pub fn progress(&self, queue_id: i64, update: ProgressUpdate) {
        if let Some(channel) = self.open().channels.get(&queue_id) {
            // A stream that ended meanwhile is fine.
            let _ = channel.progress.send(update);
        }
    }

    /// The batches that have live streams here now.
    pub fn watched(&self) -> Vec<i64> {
        self.open().channels.keys().copied().collect()
    }

    /// The signals of one batch for a stream of `user_id`, unless the limits are reached.
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
        let channel = open.channels.entry(queue_id).or_insert_with(|| Channel {
            changes: watch::Sender::new(0),
            progress: broadcast::channel(BACKLOG).0,
        });
        let changes =
            WatchStream::from_changes(channel.changes.subscribe()).map(|_| Signal::Changed);
        // A stream that fell behind skips the progress it missed; the next report or change
        // brings it up to date.
        let progress = BroadcastStream::new(channel.progress.subscribe())
            .filter_map(|report| future::ready(report.ok().map(Signal::Progress)));
        Ok(Subscription {
            signals: Some(futures::stream::select(changes, progress).boxed()),
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

/// One open stream's signals, counted against the limits until dropped.
pub struct Subscription {
    signals: Option<BoxStream<'static, Signal>>,
    events: Events,
    queue_id: i64,
    user_id: i64,
}

impl Stream for Subscription {
    type Item = Signal;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        match self.signals.as_mut() {
            Some(signals) => signals.poll_next_unpin(cx),
            None => Poll::Ready(None),
        }
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        // The receivers go first, so that the batch's channel is seen unused if it is.
        self.signals = None;
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
            .is_some_and(|channel| channel.changes.receiver_count() == 0)
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
        events.changed(1);
        assert_eq!(one.next().now_or_never().flatten(), Some(Signal::Changed));
        assert!(two.next().now_or_never().is_none());
        let update = ProgressUpdate {
            task_id: 5,
            progress: 0.5,
        };
        events.progress(2, update);
        assert_eq!(
            two.next().now_or_never().flatten(),
            Some(Signal::Progress(update))
        );
        assert!(one.next().now_or_never().is_none());
    }

    #[test]
    fn changes_not_yet_read_are_told_once() {
        let events = events(8, 100);
        let mut one = events.subscribe(1, 10).unwrap();
        events.changed(1);
        events.changed(1);
        assert_eq!(one.next().now_or_never().flatten(), Some(Signal::Changed));
        assert!(one.next().now_or_never().is_none());
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
