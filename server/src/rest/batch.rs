//! `/api/batch/*`: create, read, cancel, retry, edit, images, live events and models.

use app::types::EditSource;
use axum::{
    Json,
    body::Body,
    extract::State,
    http::{HeaderMap, header},
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use serde_json::json;

use super::{ApiJson, ApiPath, ApiQuery, data};
use crate::{
    Error, Result,
    auth::CurrentUser,
    batch::{ImageKind, upload::UPLOAD_BODY_LIMIT},
    state::AppState,
};

pub async fn create(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    headers: HeaderMap,
    body: Body,
) -> Result<impl IntoResponse> {
    let boundary = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| multer::parse_boundary(v).ok())
        .ok_or_else(|| {
            Error::BadRequest(
                "send the batch as multipart/form-data with the fields images, prompt, model and batchName"
                    .into(),
            )
        })?;
    let limit = multer::SizeLimit::new().whole_stream(UPLOAD_BODY_LIMIT as u64);
    let multipart = multer::Multipart::with_constraints(
        body.into_data_stream(),
        boundary,
        multer::Constraints::new().size_limit(limit),
    );
    let created = state.batches.create_from_upload(&user, multipart).await?;
    // 200, as the seed's API answers, not 201.
    Ok(Json(json!({
            "success": true,
            "queueId": created.queue_id,
            "totalImages": created.total_images,
            "usedUserKey": created.used_user_key,
            "creditsCharged": created.credits_charged,
    })))
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
    offset: Option<i64>,
}

pub async fn queues(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<impl IntoResponse> {
    Ok(data(
        state
            .batches
            .list(&user, query.limit.unwrap_or(20), query.offset.unwrap_or(0))
            .await?,
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

pub async fn delete(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<impl IntoResponse> {
    let refunded = state.batches.delete(&user, id).await?;
    Ok(Json(json!({
        "success": true,
        "message": format!("batch deleted with its images; {refunded} credits refunded"),
        "refunded": refunded,
    })))
}

pub async fn retry(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<impl IntoResponse> {
    let left = state.batches.retry(&user, id).await?;
    Ok(Json(json!({
        "success": true,
        "message": format!("task queued again; {left} manual retries left"),
        "retriesLeft": left,
    })))
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
            return Err(Error::Invalid(
                format!("source must be 'result' or 'original', not '{other}'").into(),
            ));
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
    let image = state.batches.image(user, task_id, kind).await?;
    Ok((
        [
            (header::CONTENT_DISPOSITION, image.disposition.as_str()),
            (header::CONTENT_TYPE, image.mime),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::CACHE_CONTROL, "private, max-age=3600"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; sandbox",
            ),
        ],
        Body::from(image.bytes),
    )
        .into_response())
}

/// The batch's results and `manifest.json` as a zip, streamed as it is written.
pub async fn download(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Response> {
    let archive = state.batches.archive(&user, id).await?;
    let disposition =
        crate::batch::archive::content_disposition("attachment", &archive.batch_name, "zip");
    let body = Body::from_stream(tokio_stream::wrappers::ReceiverStream::new(archive.chunks));
    Ok((
        [
            (header::CONTENT_TYPE, "application/zip"),
            (header::CONTENT_DISPOSITION, disposition.as_str()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::CACHE_CONTROL, "private, no-store"),
        ],
        body,
    )
        .into_response())
}

pub async fn models(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> Result<impl IntoResponse> {
    let own = state.keys.providers(user.id).await?;
    Ok(data(state.models.views(&own)))
}
