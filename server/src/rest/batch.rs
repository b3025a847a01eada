//! `/api/batch/*`: create, read, cancel, retry, edit, images, live events and models.

use std::{convert::Infallible, time::Duration};

use axum::{
    Json,
    body::Body,
    extract::{Multipart, Query, State},
    http::{HeaderMap, header},
    response::{
        IntoResponse, Response,
        sse::{Event as SseEvent, KeepAlive, Sse},
    },
};
use futures::{Stream, StreamExt, stream};
use serde::Deserialize;
use serde_json::json;
use tokio_stream::wrappers::{BroadcastStream, errors::BroadcastStreamRecvError};

use super::{ApiJson, ApiPath, data, message, upload};
use crate::{
    Error, Result,
    auth::CurrentUser,
    batch::{EditSource, ImageKind},
    state::AppState,
};

pub async fn create(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    multipart: Multipart,
) -> Result<impl IntoResponse> {
    let upload = upload::read(multipart, state.batches.draft()).await?;
    let created = state
        .batches
        .create(
            &user,
            upload.draft,
            upload.prompt.as_deref().unwrap_or_default(),
            upload.model.as_deref().unwrap_or_default(),
            upload.batch_name.as_deref(),
        )
        .await?;
    Ok((
        axum::http::StatusCode::CREATED,
        Json(json!({
            "success": true,
            "queueId": created.queue_id,
            "totalImages": created.total_images,
            "usedUserKey": created.used_user_key,
            "creditsCharged": created.credits_charged,
        })),
    ))
}

pub async fn queue(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<impl IntoResponse> {
    Ok(data(state.batches.detail(&user, id).await?))
}

#[derive(Deserialize)]
pub struct ListQuery {
    limit: Option<i64>,
}

pub async fn queues(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Query(query): Query<ListQuery>,
) -> Result<impl IntoResponse> {
    Ok(data(
        state.batches.list(&user, query.limit.unwrap_or(20)).await?,
    ))
}

pub async fn cancel(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<impl IntoResponse> {
    let refunded = state.batches.cancel(&user, id).await?;
    Ok(Json(json!({
        "success": true,
        "message": format!("batch cancelled; {refunded} credits refunded for images that had not started"),
        "refunded": refunded,
    })))
}

pub async fn retry(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<impl IntoResponse> {
    state.batches.retry(&user, id).await?;
    Ok(message("task queued again"))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EditBody {
    prompt: String,
    /// `result` (default) or `original`.
    #[serde(default)]
    source: Option<String>,
}

pub async fn edit(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<EditBody>,
) -> Result<impl IntoResponse> {
    let source = match body.source.as_deref() {
        None | Some("result") => EditSource::Result,
        Some("original") => EditSource::Original,
        Some(other) => {
            return Err(Error::Invalid(format!(
                "source must be 'result' or 'original', not '{other}'"
            )));
        }
    };
    let charged = state.batches.edit(&user, id, &body.prompt, source).await?;
    Ok(Json(
        json!({ "success": true, "message": "edit queued", "creditsCharged": charged }),
    ))
}

pub async fn original(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Response> {
    image(&state, &user, id, ImageKind::Original).await
}

pub async fn result(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Response> {
    image(&state, &user, id, ImageKind::Result).await
}

pub async fn version(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath((id, version)): ApiPath<(i64, i64)>,
) -> Result<Response> {
    image(&state, &user, id, ImageKind::Version(version)).await
}

async fn image(
    state: &AppState,
    user: &crate::accounts::User,
    task_id: i64,
    kind: ImageKind,
) -> Result<Response> {
    let (bytes, mime) = state.batches.image(user, task_id, kind).await?;
    Ok((
        [
            (header::CONTENT_TYPE, mime),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::CACHE_CONTROL, "private, max-age=3600"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; sandbox",
            ),
        ],
        Body::from(bytes),
    )
        .into_response())
}

/// Server-Sent Events of one batch: a `snapshot` first (also after a reconnect, so a client
/// resuming with `Last-Event-ID` is whole again), then `queue`, `task` and `progress` changes.
pub async fn events(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(id): ApiPath<i64>,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = std::result::Result<SseEvent, Infallible>>>> {
    // Subscribe before the snapshot so that nothing between the two is missed.
    let receiver = state.batches.events().subscribe();
    let snapshot = state.batches.snapshot(&user, id).await?;
    let resumed_from = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    if let Some(seq) = &resumed_from {
        tracing::debug!(queue_id = id, last_event_id = %seq, "live progress resumed");
    }
    let first = SseEvent::default()
        .event("snapshot")
        .id(state.batches.events().next_seq().to_string())
        .json_data(&snapshot)
        .unwrap_or_default();
    let batches = state.batches.clone();
    let live = BroadcastStream::new(receiver).filter_map(move |item| {
        let batches = batches.clone();
        let user = user.clone();
        async move {
            match item {
                Ok(event) if event.queue_id == id => Some(
                    SseEvent::default()
                        .event(event.kind)
                        .id(event.seq.to_string())
                        .json_data(&event.data)
                        .unwrap_or_default(),
                ),
                Ok(_) => None,
                // Fell behind: send the whole state again instead of the missed changes.
                Err(BroadcastStreamRecvError::Lagged(_)) => {
                    batches.snapshot(&user, id).await.ok().map(|snapshot| {
                        SseEvent::default()
                            .event("snapshot")
                            .id(batches.events().next_seq().to_string())
                            .json_data(&snapshot)
                            .unwrap_or_default()
                    })
                }
            }
        }
    });
    let stream = stream::once(async move { first })
        .chain(live)
        .take_until(state.shutdown.clone().cancelled_owned())
        .map(Ok);
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

pub async fn models(State(state): State<AppState>, _user: CurrentUser) -> impl IntoResponse {
    data(state.models.list())
}
