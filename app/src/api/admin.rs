use leptos::prelude::*;

use crate::{
    AppError,
    types::{AdminBatch, AdminUser, PresetChanges, PresetView, QueueFilter, QueueNow, Stats},
};

/// The queue now, with the concurrency limit.
#[server(prefix = "/rpc", endpoint = "admin/queue_now", output = super::codec::Json)]
pub async fn admin_queue() -> Result<QueueNow, AppError> {
    super::context::as_caller(|b, me| async move { b.queue_now(&me).await }).await
}

/// Changes the global concurrency (1–10).
#[server(prefix = "/rpc", endpoint = "admin/set_concurrency", output = super::codec::Json)]
pub async fn set_concurrency(concurrency: u32) -> Result<u32, AppError> {
    super::context::as_caller(|b, me| async move { b.set_concurrency(&me, concurrency).await })
        .await
}

/// Every preset, active or not.
#[server(prefix = "/rpc", endpoint = "admin/presets", output = super::codec::Json)]
pub async fn all_presets() -> Result<Vec<PresetView>, AppError> {
    super::context::as_caller(|b, me| async move { b.all_presets(&me).await }).await
}

#[server(prefix = "/rpc", endpoint = "admin/create_preset", output = super::codec::Json)]
pub async fn create_preset(preset: PresetChanges) -> Result<PresetView, AppError> {
    super::context::as_caller(|b, me| async move { b.create_preset(&me, preset).await }).await
}

#[server(prefix = "/rpc", endpoint = "admin/update_preset", output = super::codec::Json)]
pub async fn update_preset(id: i64, changes: PresetChanges) -> Result<PresetView, AppError> {
    super::context::as_caller(|b, me| async move { b.update_preset(&me, id, changes).await }).await
}

#[server(prefix = "/rpc", endpoint = "admin/delete_preset", output = super::codec::Json)]
pub async fn delete_preset(id: i64) -> Result<(), AppError> {
    super::context::as_caller(|b, me| async move { b.delete_preset(&me, id).await }).await
}

/// Every user's batches, filtered.
#[server(prefix = "/rpc", endpoint = "admin/monitor", output = super::codec::Json)]
pub async fn monitor(filter: QueueFilter) -> Result<Vec<AdminBatch>, AppError> {
    super::context::as_caller(|b, me| async move { b.monitor(&me, filter).await }).await
}

#[server(prefix = "/rpc", endpoint = "admin/stats", output = super::codec::Json)]
pub async fn admin_stats() -> Result<Stats, AppError> {
    super::context::as_caller(|b, me| async move { b.stats(&me).await }).await
}

/// The statistics drawn as charts in `lang`, as markup: the charts are rendered on the server,
/// so their code is not part of the browser's WebAssembly.
#[server(prefix = "/rpc", endpoint = "admin/charts", output = super::codec::Json)]
pub async fn admin_charts(lang: crate::i18n::Lang) -> Result<String, AppError> {
    let stats = super::context::as_caller(|b, me| async move { b.stats(&me).await }).await?;
    Ok(crate::pages::charts_html(stats, lang))
}

#[server(prefix = "/rpc", endpoint = "admin/users", output = super::codec::Json)]
pub async fn users() -> Result<Vec<AdminUser>, AppError> {
    super::context::as_caller(|b, me| async move { b.users(&me).await }).await
}

/// Adds (or takes away) credits, written to the ledger.
#[server(prefix = "/rpc", endpoint = "admin/grant_credits", output = super::codec::Json)]
pub async fn grant_credits(user_id: i64, amount: i64) -> Result<AdminUser, AppError> {
    super::context::as_caller(|b, me| async move { b.grant_credits(&me, user_id, amount).await })
        .await
}

/// Makes a user an administrator or revokes it.
#[server(prefix = "/rpc", endpoint = "admin/set_admin", output = super::codec::Json)]
pub async fn set_admin(user_id: i64, is_admin: bool) -> Result<AdminUser, AppError> {
    super::context::as_caller(|b, me| async move { b.set_admin(&me, user_id, is_admin).await })
        .await
}
