//! `GET /api/batch/queue/:id/events`: live progress of one batch as Server-Sent Events.

use std::{
    convert::Infallible,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use app::types::EventKind;
use axum::{
    extract::State,
    http::HeaderMap,
    response::sse::{Event as SseEvent, KeepAlive, Sse},
};
use futures::{Stream, StreamExt, stream};
use tokio::sync::broadcast;
use tokio_stream::wrappers::errors::BroadcastStreamRecvError;

use super::ApiPath;
use crate::{
    Error, Result,
    accounts::{Accounts, User},
    auth::CurrentUser,
    batch::Batches,
    state::AppState,
};

/// Live progress of one batch.
///
/// A `snapshot` first (the whole batch; also what a client resuming with `Last-Event-ID` or
/// falling behind gets), then `queue`, `task` and `progress` changes, and, once the batch has
/// finished, a last `snapshot` with its final state and `end`. Event ids grow strictly.
#[utoipa::path(
    get,
    path = "/batch/queue/{id}/events",
    tag = "batches",
    params(
        ("id" = i64, Path, description = "The batch id"),
        ("Last-Event-ID" = Option<String>, Header, description = "The last event seen, when reconnecting"),
    ),
    responses(
        (status = 200, description = "Server-Sent Events: `snapshot` (the batch and its tasks), then `queue`, `task` and `progress`; once the batch has finished, a last `snapshot` with its final state and `end`", content_type = "text/event-stream", body = LiveEvent),
        (status = 429, description = "Too many live streams for this account or on the server", body = super::answers::ErrorBody),
    )
)]
pub async fn events(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(id): ApiPath<i64>,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = std::result::Result<SseEvent, Infallible>>>> {
    if let Some(last) = headers.get("last-event-id").and_then(|v| v.to_str().ok()) {
        tracing::debug!(queue_id = id, last_event_id = %last, "live progress resumed");
    }
    let token = app::session::token_from_headers(&headers).ok_or(Error::Unauthorized)?;
    let signed_out = signed_out(state.accounts.clone(), token, user.id);
    // Subscribe before the snapshot so that no change between the two is lost.
    let changes = state
        .batches
        .events()
        .subscribe(id, user.id)
        .map_err(Error::Limited)?;
    let covered = Arc::new(AtomicU64::new(0));
    let first = snapshot(&state.batches, &user, id, &covered).await?;

    let batches = state.batches.clone();
    let live = changes.filter_map(move |item| {
        let (batches, user, covered) = (batches.clone(), user.clone(), covered.clone());
        async move {
            match item {
                // Changes announced before the snapshot was read are already in it.
                Ok(event) if event.seq > covered.load(Ordering::Relaxed) => {
                    let done = event.kind == EventKind::Queue && is_finished(&event.data["status"]);
                    if done {
                        // Runs that finish together announce themselves in any order, so the
                        // change that finished the batch may come before another task's own:
                        // the stream ends with the whole final state instead.
                        return snapshot(&batches, &user, id, &covered).await.ok();
                    }
                    let sse = SseEvent::default()
                        .event(event.kind.as_str())
                        .id(event.seq.to_string())
                        .json_data(&event.data)
                        .unwrap_or_default();
                    Some((sse, false))
                }
                Ok(_) => None,
                // Fell behind: the whole state again instead of the missed changes.
                Err(BroadcastStreamRecvError::Lagged(_)) => {
                    snapshot(&batches, &user, id, &covered).await.ok()
                }
            }
        }
    });
    // Once the batch has finished, an `end` event closes the stream (an edit or retry reopens
    // the batch; subscribe again then).
    let events = Box::pin(stream::once(async move { first }).chain(live));
    let stream = stream::unfold((events, false), |(mut events, ended)| async move {
        // Ends without waiting for another change once `end` has gone out.
        if ended {
            return None;
        }
        let (event, done) = events.next().await?;
        let end = done.then(|| {
            SseEvent::default()
                .event(EventKind::End.as_str())
                .data("finished")
        });
        Some((
            stream::iter(std::iter::once(event).chain(end)),
            (events, done),
        ))
    })
    .flatten()
    .take_until(state.shutdown.clone().cancelled_owned())
    .take_until(signed_out)
    .map(Ok);
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

/// One Server-Sent Event of a batch's live progress.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct LiveEvent {
    event: EventKind,
    /// Grows strictly; send the last one seen as `Last-Event-ID` when reconnecting (`end` has
    /// none).
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

/// The whole batch as one event, and whether the batch has finished. Its id is drawn before
/// reading, so every change announced earlier is in it and every later change has a larger id.
async fn snapshot(
    batches: &Batches,
    user: &User,
    id: i64,
    covered: &AtomicU64,
) -> Result<(SseEvent, bool)> {
    let seq = batches.events().next_seq();
    let detail = batches.snapshot(user, id).await?;
    covered.store(seq, Ordering::Relaxed);
    let done = is_finished(&detail["queue"]["status"]);
    let event = SseEvent::default()
        .event(EventKind::Snapshot.as_str())
        .id(seq.to_string())
        .json_data(&detail)
        .unwrap_or_default();
    Ok((event, done))
}

fn is_finished(status: &serde_json::Value) -> bool {
    matches!(status.as_str(), Some("completed" | "failed" | "cancelled"))
}
