use app::{
    AppError,
    backend::BatchBackend,
    types::{BatchCreated, BatchDetail, BatchSummary, EditSource, ModelView, PresetView, UserView},
};
use async_trait::async_trait;

use super::user;
use crate::state::AppState;

#[async_trait]
impl BatchBackend for AppState {
    async fn models(&self, caller: &UserView) -> Result<Vec<ModelView>, AppError> {
        let own = self.keys.providers(caller.id).await?;
        Ok(self.models.views(&own))
    }

    async fn presets(&self, _caller: &UserView) -> Result<Vec<PresetView>, AppError> {
        Ok(self.presets.active().await?)
    }

    async fn create_batch(
        &self,
        caller: &UserView,
        upload: multer::Multipart<'static>,
    ) -> Result<BatchCreated, AppError> {
        Ok(self
            .batches
            .create_from_upload(&user(caller), upload)
            .await?)
    }

    async fn batch(&self, caller: &UserView, id: i64) -> Result<BatchDetail, AppError> {
        Ok(self.batches.detail(&user(caller), id).await?)
    }

    async fn history(
        &self,
        caller: &UserView,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<BatchSummary>, AppError> {
        Ok(self.batches.history(&user(caller), limit, offset).await?)
    }

    async fn cancel_batch(&self, caller: &UserView, id: i64) -> Result<i64, AppError> {
        Ok(self.batches.cancel(&user(caller), id).await?)
    }

    async fn delete_batch(&self, caller: &UserView, id: i64) -> Result<i64, AppError> {
        Ok(self.batches.delete(&user(caller), id).await?)
    }

    async fn retry_task(&self, caller: &UserView, id: i64) -> Result<i64, AppError> {
        Ok(self.batches.retry(&user(caller), id).await?)
    }

    async fn edit_task(
        &self,
        caller: &UserView,
        id: i64,
        prompt: &str,
        source: EditSource,
    ) -> Result<i64, AppError> {
        Ok(self.batches.edit(&user(caller), id, prompt, source).await?)
    }
}
