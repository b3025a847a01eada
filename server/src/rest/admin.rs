//! `/api/admin/*`: settings and presets, for administrators only.

use axum::{
    Json,
    extract::State,
    response::{IntoResponse, Redirect},
};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{ApiJson, ApiPath, data, message};
use crate::{
    Error, Result,
    accounts::Accounts,
    auth::AdminUser,
    presets::{NewPreset, PresetChanges},
    state::AppState,
};

#[derive(Deserialize)]
pub struct ConcurrencyBody {
    concurrency: Option<Value>,
}

pub async fn get_concurrency(
    State(state): State<AppState>,
    _admin: AdminUser,
) -> Result<impl IntoResponse> {
    let concurrency = state.settings.concurrency().await?;
    Ok(data(json!({ "concurrency": concurrency })))
}

pub async fn set_concurrency(
    State(state): State<AppState>,
    _admin: AdminUser,
    ApiJson(body): ApiJson<ConcurrencyBody>,
) -> Result<impl IntoResponse> {
    // A missing field gets the same answer as a wrong value: what is accepted.
    let value = body.concurrency.unwrap_or(Value::Null);
    let concurrency = state.settings.set_concurrency(&value).await?;
    Ok(Json(
        json!({ "success": true, "data": { "concurrency": concurrency } }),
    ))
}

pub async fn list_presets(
    State(state): State<AppState>,
    _admin: AdminUser,
) -> Result<impl IntoResponse> {
    Ok(data(state.presets.all().await?))
}

pub async fn create_preset(
    State(state): State<AppState>,
    _admin: AdminUser,
    ApiJson(body): ApiJson<NewPreset>,
) -> Result<impl IntoResponse> {
    Ok(data(state.presets.create(body).await?))
}

pub async fn update_preset(
    State(state): State<AppState>,
    _admin: AdminUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<PresetChanges>,
) -> Result<impl IntoResponse> {
    Ok(data(state.presets.update(id, body).await?))
}

pub async fn delete_preset(
    State(state): State<AppState>,
    _admin: AdminUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<impl IntoResponse> {
    state.presets.delete(id).await?;
    Ok(message("preset deleted"))
}

pub async fn batch_queues(
    State(state): State<AppState>,
    _admin: AdminUser,
    super::ApiQuery(filter): super::ApiQuery<app::types::QueueFilter>,
) -> Result<impl IntoResponse> {
    Ok(data(crate::batch::admin::queues(&state.db, &filter).await?))
}

pub async fn batch_stats(
    State(state): State<AppState>,
    _admin: AdminUser,
) -> Result<impl IntoResponse> {
    Ok(data(
        crate::batch::admin::stats(&state.db, &state.settings).await?,
    ))
}

pub async fn users(State(state): State<AppState>, _admin: AdminUser) -> Result<impl IntoResponse> {
    Ok(data(state.accounts.list_users().await?))
}

#[derive(Deserialize)]
pub struct GrantBody {
    amount: Option<Value>,
}

pub async fn grant_credits(
    State(state): State<AppState>,
    _admin: AdminUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<GrantBody>,
) -> Result<impl IntoResponse> {
    let amount = Accounts::grant_amount(&body.amount.unwrap_or(Value::Null))?;
    Ok(data(state.accounts.grant_credits_to(id, amount).await?))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleBody {
    is_admin: Option<Value>,
}

pub async fn set_admin(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<RoleBody>,
) -> Result<impl IntoResponse> {
    let is_admin = body
        .is_admin
        .as_ref()
        .and_then(Value::as_bool)
        .ok_or_else(|| Error::Invalid("isAdmin must be true or false".into()))?;
    Ok(data(state.accounts.set_admin(&admin, id, is_admin).await?))
}

/// The seed's admin entry point: the admin pages (which check the role themselves).
pub async fn panel() -> Redirect {
    Redirect::to("/admin")
}
