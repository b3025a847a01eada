//! `GET /api/batch/queue/:id/events`: live progress of one batch as Server-Sent Events.

use std::{collections::VecDeque, convert::Infallible, time::Duration};

use app::types::{BatchDetail, EventKind};
use axum::{
    extract::State,
    http::HeaderMap,
    response::sse::{Event as SseEvent, KeepAlive, Sse},
};
use futures::{Stream, StreamExt, stream};
use tokio::sync::broadcast;

use super::{ApiPath, CurrentUser};
use crate::{
    Error, Result,
    accounts::{Accounts, User},
    batch::Batches,
    queue::{Signal, Subscription},
    state::AppState,
};

/// Live progress of one batch.
///
/// A `snapshot` first (the whole batch), or, for a client resuming with the `Last-Event-ID` of
/// an earlier stream (from any process serving the same database), the `task`s changed since and
/// the `queue`; then `queue`, `task` and `progress` changes, and, once the batch has finished, a
/// last `snapshot` with its final state and `end`. Event ids are the batch's revisions and grow
/// strictly.
#[utoipa::path(
    get,
    path = "/batch/queue/{id}/events",
    tag = "batches",
    params(
        ("id" = i64, Path, description = "The batch id"),
        ("Last-Event-ID" = Option<String>, Header, description = "The last event id seen, when reconnecting: the stream starts with what changed after it instead of a snapshot"),
    ),
    responses(
        (status = 200, description = "Server-Sent Events: `snapshot` (the batch and its tasks) or, when resuming, the changes since `Last-Event-ID`; then `queue`, `task` and `progress`; once the batch has finished, a last `snapshot` with its final state and `end`", content_type = "text/event-stream", body = LiveEvent),
        (status = 429, description = "Too many live streams for this account or on the server", body = super::answers::ErrorBody),
    )
)]
pub async fn events(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(id): ApiPath<i64>,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = std::result::Result<SseEvent, Infallible>>>> {
    let resume = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok());
    let token = app::session::token_from_headers(&headers).ok_or(Error::Unauthorized)?;
    let signed_out = signed_out(state.accounts.clone(), token, user.id);
    // Subscribe before the first read so that no change between the two is lost.
    let signals = state
        .batches
        .events()
        .subscribe(id, user.id)
        .map_err(Error::Limited)?;
    let mut live = Live {
        batches: state.batches.clone(),
        user,
        queue_id: id,
        sent: None,
        ended: false,
        pending: VecDeque::new(),
    };
    live.catch_up(resume).await?;
    if resume.is_some() {
        tracing::debug!(queue_id = id, ?resume, "live progress resumed");
    }
    let stream = stream::unfold((live, signals), |(mut live, mut signals)| async move {
        let event = live.next(&mut signals).await?;
        Some((event, (live, signals)))
    })
    .take_until(state.shutdown.clone().cancelled_owned())
    .take_until(signed_out)
    .map(Ok);
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

/// One stream's position: what it has sent and what waits to be sent.
struct Live {
    batches: Batches,
    user: User,
    queue_id: i64,
    /// The revision of the batch as last sent.
    sent: Option<i64>,
    /// `end` is queued: nothing follows.
    ended: bool,
    pending: VecDeque<SseEvent>,
}

impl Live {
    /// The next event to send, waiting for a change if none is queued; `None` ends the stream.
    async fn next(&mut self, signals: &mut Subscription) -> Option<SseEvent> {
        loop {
            if let Some(event) = self.pending.pop_front() {
                return Some(event);
            }
            if self.ended {
                return None;
            }
            match signals.next().await? {
                Signal::Changed => {
                    if let Err(error) = self.catch_up(self.sent).await {
                        // The batch is gone (deleted) or the database failed: the client may
                        // reconnect and be told.
                        tracing::debug!(%error, queue_id = self.queue_id, "live stream ends");
                        return None;
                    }
                }
                Signal::Progress(update) => {
                    let event = SseEvent::default().event(EventKind::Progress.as_str());
                    self.pending
                        .push_back(event.json_data(update).unwrap_or_default());
                }
            }
        }
    }

    /// Queues what changed after revision `since`: everything as a snapshot when `None` (or when
    /// `since` is not a revision this batch has reached), the changed tasks and the batch
    /// otherwise, and a final snapshot and `end` once the batch has finished.
    async fn catch_up(&mut self, since: Option<i64>) -> Result<()> {
        let mut changes = self
            .batches
            .changes(&self.user, self.queue_id, since)
            .await?;
        let finished = changes.queue.status.is_finished();
        // Revisions start at 1; anything else is not an id this stream could have sent.
        let known = since.filter(|&since| (1..=changes.revision).contains(&since));
        if known.is_none() || finished && since.is_some() {
            if since.is_some() {
                changes = self
                    .batches
                    .changes(&self.user, self.queue_id, None)
                    .await?;
            }
            let detail = BatchDetail {
                queue: changes.queue,
                tasks: changes.tasks,
            };
            self.push(EventKind::Snapshot, &detail, Some(changes.revision));
        } else if known < Some(changes.revision) {
            for task in &changes.tasks {
                self.push(EventKind::Task, task, None);
            }
            self.push(EventKind::Queue, &changes.queue, Some(changes.revision));
        }
        self.sent = Some(changes.revision);
        if finished {
            // An edit or retry reopens the batch; subscribe again then.
            self.pending.push_back(
                SseEvent::default()
                    .event(EventKind::End.as_str())
                    .data("finished"),
            );
            self.ended = true;
        }
        Ok(())
    }

    fn push(&mut self, kind: EventKind, data: &impl serde::Serialize, id: Option<i64>) {
        let mut event = SseEvent::default()
            .event(kind.as_str())
            .json_data(data)
            .unwrap_or_default();
        if let Some(id) = id {
            event = event.id(id.to_string());
        }
        self.pending.push_back(event);
    }
}

/// One Server-Sent Event of a batch's live progress.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct LiveEvent {
    event: EventKind,
    /// The batch's revision, on `snapshot` and `queue` (a `queue` follows the `task`s of one
    /// change); grows strictly. Send the last one seen as `Last-Event-ID` when reconnecting.
    id: Option<String>,
    /// JSON: `snapshot` the batch and its tasks (as `GET /api/batch/queue/{id}`), `queue` the
    /// batch, `task` one task, `progress` `{"taskId","progress"}`; `end` the word `finished`.
    data: String,
}

/// Resolves when the session of `token` ends (sign out, or sign out everywhere).
async fn signed_out(accounts: Accounts, token: String, user_id: i64) {
    let mut sign_outs = accounts.sign_outs();
    loop {
        match sign_outs.recv().await {
            Ok(ended) if ended.ends(&token, user_id) => return,
            Ok(_) => {}
            // Missed some: whether this session is among them, the database tells.
            Err(broadcast::error::RecvError::Lagged(_)) => {
                if accounts.user_for_token(&token).await.is_err() {
                    return;
                }
            }
            Err(broadcast::error::RecvError::Closed) => std::future::pending().await,
        }
    }
}
