use leptos::prelude::*;
use server_fn::codec::{MultipartData, MultipartFormData};

use crate::{
    AppError,
    types::{BatchCreated, BatchDetail, BatchSummary, EditSource, ModelView, PresetView},
};

/// The models on offer to the caller.
#[server(prefix = "/rpc", endpoint = "models", output = super::codec::Json)]
pub async fn models() -> Result<Vec<ModelView>, AppError> {
    super::context::as_caller(|b, me| async move { b.models(&me).await }).await
}

/// Active presets in display order.
#[server(prefix = "/rpc", endpoint = "presets", output = super::codec::Json)]
pub async fn presets() -> Result<Vec<PresetView>, AppError> {
    super::context::as_caller(|b, me| async move { b.presets(&me).await }).await
}

/// Creates a batch from a multipart upload (`images`, `prompt`, `model`, `batchName`). The
/// browser posts it with `XMLHttpRequest` so that upload progress can be shown.
#[server(prefix = "/rpc", endpoint = "create_batch", input = MultipartFormData, output = super::codec::Json)]
pub async fn create_batch(data: MultipartData) -> Result<BatchCreated, AppError> {
    let upload = data
        .into_inner()
        .ok_or_else(|| AppError::BadRequest("send the batch as multipart/form-data".into()));
    super::context::as_caller(|b, me| async move { b.create_batch(&me, upload?).await }).await
}

/// A batch with its tasks.
#[server(prefix = "/rpc", endpoint = "batch", output = super::codec::Json)]
pub async fn batch(id: i64) -> Result<BatchDetail, AppError> {
    super::context::as_caller(|b, me| async move { b.batch(&me, id).await }).await
}

/// The caller's batches, newest first.
#[server(prefix = "/rpc", endpoint = "history", output = super::codec::Json)]
pub async fn history(limit: i64, offset: i64) -> Result<Vec<BatchSummary>, AppError> {
    super::context::as_caller(|b, me| async move { b.history(&me, limit, offset).await }).await
}

/// Cancels a batch; answers the credits refunded.
/// Deletes a batch of the caller's with its images; answers the credits refunded.
#[server(prefix = "/rpc", endpoint = "delete_batch", output = super::codec::Json)]
pub async fn delete_batch(id: i64) -> Result<i64, AppError> {
    super::context::as_caller(|b, me| async move { b.delete_batch(&me, id).await }).await
}

#[server(prefix = "/rpc", endpoint = "cancel_batch", output = super::codec::Json)]
pub async fn cancel_batch(id: i64) -> Result<i64, AppError> {
    super::context::as_caller(|b, me| async move { b.cancel_batch(&me, id).await }).await
}

/// Puts a failed task back in the queue.
#[server(prefix = "/rpc", endpoint = "retry_task", output = super::codec::Json)]
pub async fn retry_task(id: i64) -> Result<i64, AppError> {
    super::context::as_caller(|b, me| async move { b.retry_task(&me, id).await }).await
}

/// Queues the next version of a task with a new prompt; answers the credits charged.
#[server(prefix = "/rpc", endpoint = "edit_task", output = super::codec::Json)]
pub async fn edit_task(id: i64, prompt: String, source: EditSource) -> Result<i64, AppError> {
    super::context::as_caller(|b, me| async move { b.edit_task(&me, id, &prompt, source).await })
        .await
}
