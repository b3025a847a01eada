//! `/api/batch/*`: create, read, cancel, retry, edit, images, live events and models.

use app::types::EditSource;
use axum::{
    body::Body,
    extract::State,
    http::{HeaderMap, header},
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::{
    ApiJson, ApiPath, ApiQuery, CurrentUser,
    answers::{BatchAccepted, Data, EditQueued, ErrorBody, Refunded, Retried},
    data,
};
use crate::{
    Error, Result,
    batch::{ImageKind, upload::UPLOAD_BODY_LIMIT},
    state::AppState,
};

/// The multipart form of a new batch; other fields are refused.
#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BatchUpload {
    /// 1 to 50 images (JPEG, PNG, WebP, GIF, BMP or TIFF), each at most 10 MB; the file name
    /// may carry the folder path.
    #[schema(value_type = Vec<String>, format = Binary, min_items = 1, max_items = 50)]
    images: Vec<Vec<u8>>,
    /// What to do with every image, at most 4,000 characters, not only spaces.
    #[schema(max_length = 4000)]
    prompt: String,
    /// A model id from `/api/batch/models`; the first one when not given.
    model: Option<String>,
    /// A name for the batch, at most 200 characters; "N images" when empty.
    #[schema(max_length = 200)]
    batch_name: Option<String>,
}

/// Uploads a batch: stores the images, charges the credits and queues one task per image.
#[utoipa::path(
    post,
    path = "/batch/create",
    tag = "batches",
    request_body(content = BatchUpload, content_type = "multipart/form-data"),
    responses(
        (status = 200, description = "Accepted and queued", body = BatchAccepted),
        (status = 402, description = "Not enough credits for these images", body = ErrorBody),
        (status = 413, description = "More than 50 images, an image over 10 MB, or the storage quota would be exceeded", body = ErrorBody),
        (status = 422, description = "A file that is not a readable image, an empty prompt, or an unknown model", body = ErrorBody),
        (status = 429, description = "Too many of the caller's uploads at once", body = ErrorBody),
    )
)]
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
    Ok(BatchAccepted {
        success: true,
        queue_id: created.queue_id,
        total_images: created.total_images,
        used_user_key: created.used_user_key,
        credits_charged: created.credits_charged,
    })
}

/// One of the caller's batches with all its tasks.
#[utoipa::path(
    get,
    path = "/batch/queue/{id}",
    tag = "batches",
    params(("id" = i64, Path, description = "The batch id")),
    responses((status = 200, description = "The batch and its tasks", body = Data<app::types::BatchDetail>))
)]
pub async fn queue(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<impl IntoResponse> {
    Ok(data(state.batches.detail(&user, id).await?))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// How many, 1–100 (default 20).
    limit: Option<i64>,
    /// How many of the newest to skip (default 0).
    offset: Option<i64>,
}

/// The caller's batches, newest first.
#[utoipa::path(
    get,
    path = "/batch/queues",
    tag = "batches",
    params(ListQuery),
    responses((status = 200, description = "The caller's batches", body = Data<Vec<app::types::BatchView>>))
)]
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

/// Cancels the batch: waiting images are refunded, running ones are stopped.
#[utoipa::path(
    post,
    path = "/batch/queue/{id}/cancel",
    tag = "batches",
    params(("id" = i64, Path, description = "The batch id")),
    responses(
        (status = 200, description = "Cancelled", body = Refunded),
        (status = 409, description = "The batch has already finished", body = ErrorBody),
    )
)]
pub async fn cancel(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<impl IntoResponse> {
    let refunded = state.batches.cancel(&user, id).await?;
    Ok(Refunded {
        success: true,
        message: format!(
            "batch cancelled; {refunded} credits refunded for images that had not started"
        ),
        refunded,
    })
}

/// Deletes the batch with all its images; a running batch is cancelled first.
#[utoipa::path(
    delete,
    path = "/batch/queue/{id}",
    tag = "batches",
    params(("id" = i64, Path, description = "The batch id")),
    responses((status = 200, description = "Deleted", body = Refunded))
)]
pub async fn delete(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<impl IntoResponse> {
    let refunded = state.batches.delete(&user, id).await?;
    Ok(Refunded {
        success: true,
        message: format!("batch deleted with its images; {refunded} credits refunded"),
        refunded,
    })
}

/// Queues a failed task again with a fresh attempt budget, free of charge.
#[utoipa::path(
    post,
    path = "/batch/task/{id}/retry",
    tag = "batches",
    params(("id" = i64, Path, description = "The task id")),
    responses(
        (status = 200, description = "Queued again", body = Retried),
        (status = 409, description = "The task has not failed, or its manual retries are used up", body = ErrorBody),
    )
)]
pub async fn retry(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<impl IntoResponse> {
    let left = state.batches.retry(&user, id).await?;
    Ok(Retried {
        success: true,
        message: format!("task queued again; {left} manual retries left"),
        retries_left: left,
    })
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EditBody {
    /// The new prompt, at most 4,000 characters.
    #[schema(
        pattern = r"[^\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]",
        max_length = 4000
    )]
    prompt: String,
    /// `result` (default): edit the latest result; `original`: start again from the upload.
    #[serde(default)]
    #[schema(value_type = Option<EditSource>)]
    source: Option<String>,
}

/// Runs the task again with a new prompt as its next version.
#[utoipa::path(
    post,
    path = "/batch/task/{id}/edit",
    tag = "batches",
    params(("id" = i64, Path, description = "The task id")),
    request_body = EditBody,
    responses(
        (status = 200, description = "Queued: 1 credit on the server's key, free on the caller's own key", body = EditQueued),
        (status = 402, description = "Not enough credits", body = ErrorBody),
        (status = 409, description = "The task is still running or its batch was cancelled", body = ErrorBody),
    )
)]
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
    Ok(EditQueued {
        success: true,
        message: "edit queued".to_owned(),
        credits_charged: charged,
    })
}

/// The uploaded image.
#[utoipa::path(
    get,
    path = "/batch/task/{id}/original",
    tag = "images",
    params(("id" = i64, Path, description = "The task id")),
    responses(
        (status = 200, description = "The image, with its real type", content_type = "image/*", body = Vec<u8>),
    )
)]
pub async fn original(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Response> {
    image(&state, &user, id, ImageKind::Original).await
}

/// The task's latest result.
#[utoipa::path(
    get,
    path = "/batch/task/{id}/result",
    tag = "images",
    params(("id" = i64, Path, description = "The task id")),
    responses(
        (status = 200, description = "The image, with its real type", content_type = "image/*", body = Vec<u8>),
    )
)]
pub async fn result(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Response> {
    image(&state, &user, id, ImageKind::Result).await
}

/// One version of the task's result (1 is the first run, each edit adds one).
#[utoipa::path(
    get,
    path = "/batch/task/{id}/versions/{version}",
    tag = "images",
    params(
        ("id" = i64, Path, description = "The task id"),
        ("version" = i64, Path, description = "The version number"),
    ),
    responses(
        (status = 200, description = "The image, with its real type", content_type = "image/*", body = Vec<u8>),
    )
)]
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
#[utoipa::path(
    get,
    path = "/batch/queue/{id}/download",
    tag = "batches",
    params(("id" = i64, Path, description = "The batch id")),
    responses(
        (status = 200, description = "A zip: each result at its uploaded path, and manifest.json", content_type = "application/zip", body = Vec<u8>),
    )
)]
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

/// The models a batch can use; `freeWithOwnKey` when the caller has a key for its provider.
#[utoipa::path(
    get,
    path = "/batch/models",
    tag = "batches",
    responses((status = 200, description = "The models", body = Data<Vec<app::types::ModelView>>))
)]
pub async fn models(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> Result<impl IntoResponse> {
    let own = state.keys.providers(user.id).await?;
    Ok(data(state.models.views(&own)))
}
