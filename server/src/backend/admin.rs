use app::{
    AppError,
    backend::AdminBackend,
    types::{
        AdminBatch, AdminUser, PresetChanges, PresetView, QueueFilter, QueueNow, Stats, UserView,
    },
};
use async_trait::async_trait;

use super::admin;
use crate::{batch, presets::NewPreset, state::AppState};

#[async_trait]
impl AdminBackend for AppState {
    async fn queue_now(&self, caller: &UserView) -> Result<QueueNow, AppError> {
        admin(caller)?;
        Ok(batch::admin::queue_now(&self.db, &self.settings).await?)
    }

    async fn set_concurrency(&self, caller: &UserView, value: u32) -> Result<u32, AppError> {
        admin(caller)?;
        Ok(self
            .settings
            .set_concurrency(&serde_json::json!(value))
            .await?)
    }

    async fn all_presets(&self, caller: &UserView) -> Result<Vec<PresetView>, AppError> {
        admin(caller)?;
        Ok(self.presets.all().await?)
    }

    async fn create_preset(
        &self,
        caller: &UserView,
        preset: PresetChanges,
    ) -> Result<PresetView, AppError> {
        admin(caller)?;
        let new = NewPreset {
            title: preset.title.unwrap_or_default(),
            content: preset.content.unwrap_or_default(),
            category: preset.category.filter(|c| !c.trim().is_empty()),
            sort_order: preset.sort_order,
            is_active: preset.is_active,
        };
        Ok(self.presets.create(new).await?)
    }

    async fn update_preset(
        &self,
        caller: &UserView,
        id: i64,
        changes: PresetChanges,
    ) -> Result<PresetView, AppError> {
        admin(caller)?;
        Ok(self.presets.update(id, changes).await?)
    }

    async fn delete_preset(&self, caller: &UserView, id: i64) -> Result<(), AppError> {
        admin(caller)?;
        Ok(self.presets.delete(id).await?)
    }

    async fn monitor(
        &self,
        caller: &UserView,
        filter: QueueFilter,
    ) -> Result<Vec<AdminBatch>, AppError> {
        admin(caller)?;
        Ok(batch::admin::queues(&self.db, &filter).await?)
    }

    async fn stats(&self, caller: &UserView) -> Result<Stats, AppError> {
        admin(caller)?;
        Ok(batch::admin::stats(&self.db, &self.settings).await?)
    }

    async fn users(&self, caller: &UserView) -> Result<Vec<AdminUser>, AppError> {
        admin(caller)?;
        Ok(self.accounts.list_users().await?)
    }

    async fn grant_credits(
        &self,
        caller: &UserView,
        user_id: i64,
        amount: i64,
    ) -> Result<AdminUser, AppError> {
        admin(caller)?;
        Ok(self.accounts.grant_credits_to(user_id, amount).await?)
    }

    async fn set_admin(
        &self,
        caller: &UserView,
        user_id: i64,
        is_admin: bool,
    ) -> Result<AdminUser, AppError> {
        let caller = admin(caller)?;
        Ok(self.accounts.set_admin(&caller, user_id, is_admin).await?)
    }
}
