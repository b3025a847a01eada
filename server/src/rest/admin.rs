//! `/api/admin/*`: settings and presets, for administrators only.

use app::types::{AdminUser as UserRow, PresetView};
use axum::{
    extract::State,
    response::{IntoResponse, Redirect},
};
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::{
    AdminUser, ApiJson, ApiPath,
    answers::{Concurrency, Data, ErrorBody, Message},
    data, message,
};
use crate::{
    Error, Result,
    accounts::Accounts,
    presets::{NewPreset, PresetChanges},
    state::AppState,
};

#[derive(Deserialize, ToSchema)]
pub struct ConcurrencyBody {
    /// A whole number from 1 to 10.
    #[schema(value_type = u32, minimum = 1, maximum = 10, required = true)]
    concurrency: Option<Value>,
}

/// How many provider calls run at once, on the whole server.
#[utoipa::path(
    get,
    path = "/admin/config/concurrency",
    tag = "admin",
    responses((status = 200, description = "The limit", body = Data<Concurrency>))
)]
pub async fn get_concurrency(
    State(state): State<AppState>,
    _admin: AdminUser,
) -> Result<impl IntoResponse> {
    let concurrency = state.settings.concurrency().await?;
    Ok(data(Concurrency { concurrency }))
}

/// Changes the limit; running work adapts at once.
#[utoipa::path(
    post,
    path = "/admin/config/concurrency",
    tag = "admin",
    request_body = ConcurrencyBody,
    responses(
        (status = 200, description = "The new limit", body = Data<Concurrency>),
        (status = 400, description = "Not a whole number from 1 to 10, or malformed JSON", body = ErrorBody),
    )
)]
pub async fn set_concurrency(
    State(state): State<AppState>,
    _admin: AdminUser,
    ApiJson(body): ApiJson<ConcurrencyBody>,
) -> Result<impl IntoResponse> {
    // A missing field gets the same answer as a wrong value: what is accepted.
    let value = body.concurrency.unwrap_or(Value::Null);
    let concurrency = state.settings.set_concurrency(&value).await?;
    Ok(data(Concurrency { concurrency }))
}

/// Every preset, active or not.
#[utoipa::path(
    get,
    path = "/admin/presets",
    tag = "admin",
    responses((status = 200, description = "The presets", body = Data<Vec<PresetView>>))
)]
pub async fn list_presets(
    State(state): State<AppState>,
    _admin: AdminUser,
) -> Result<impl IntoResponse> {
    Ok(data(state.presets.all().await?))
}

/// Adds a preset.
#[utoipa::path(
    post,
    path = "/admin/presets",
    tag = "admin",
    request_body = NewPreset,
    responses((status = 200, description = "The new preset", body = Data<PresetView>))
)]
pub async fn create_preset(
    State(state): State<AppState>,
    _admin: AdminUser,
    ApiJson(body): ApiJson<NewPreset>,
) -> Result<impl IntoResponse> {
    Ok(data(state.presets.create(body).await?))
}

/// Changes the fields given.
#[utoipa::path(
    put,
    path = "/admin/presets/{id}",
    tag = "admin",
    params(("id" = i64, Path, description = "The preset id")),
    request_body = PresetChanges,
    responses((status = 200, description = "The preset as changed", body = Data<PresetView>))
)]
pub async fn update_preset(
    State(state): State<AppState>,
    _admin: AdminUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<PresetChanges>,
) -> Result<impl IntoResponse> {
    Ok(data(state.presets.update(id, body).await?))
}

/// Deletes a preset.
#[utoipa::path(
    delete,
    path = "/admin/presets/{id}",
    tag = "admin",
    params(("id" = i64, Path, description = "The preset id")),
    responses((status = 200, description = "Deleted", body = Message))
)]
pub async fn delete_preset(
    State(state): State<AppState>,
    _admin: AdminUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<impl IntoResponse> {
    state.presets.delete(id).await?;
    Ok(message("preset deleted"))
}

/// Every user's batches, newest first.
#[utoipa::path(
    get,
    path = "/admin/batch/queues",
    tag = "admin",
    params(app::types::QueueFilter),
    responses((status = 200, description = "The batches with their owners", body = Data<Vec<app::types::AdminBatch>>))
)]
pub async fn batch_queues(
    State(state): State<AppState>,
    _admin: AdminUser,
    super::ApiQuery(filter): super::ApiQuery<app::types::QueueFilter>,
) -> Result<impl IntoResponse> {
    Ok(data(crate::batch::admin::queues(&state.db, &filter).await?))
}

/// Images per day, success rate, mean processing time, credits spent and the queue now.
#[utoipa::path(
    get,
    path = "/admin/batch/stats",
    tag = "admin",
    responses((status = 200, description = "The statistics", body = Data<app::types::Stats>))
)]
pub async fn batch_stats(
    State(state): State<AppState>,
    _admin: AdminUser,
) -> Result<impl IntoResponse> {
    Ok(data(
        crate::batch::admin::stats(&state.db, &state.settings).await?,
    ))
}

/// Every user.
#[utoipa::path(
    get,
    path = "/admin/users",
    tag = "admin",
    responses((status = 200, description = "The users", body = Data<Vec<UserRow>>))
)]
pub async fn users(State(state): State<AppState>, _admin: AdminUser) -> Result<impl IntoResponse> {
    Ok(data(state.accounts.list_users().await?))
}

#[derive(Deserialize, ToSchema)]
pub struct GrantBody {
    /// A whole number from -1,000,000 to 1,000,000, not 0; taking away stops at zero.
    #[schema(schema_with = grant_amount, required = true)]
    amount: Option<Value>,
}

/// -1,000,000 to -1, or 1 to 1,000,000.
fn grant_amount() -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Type};
    let range = |min: i64, max: i64| {
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .minimum(Some(min))
            .maximum(Some(max))
    };
    OneOfBuilder::new()
        .item(range(-crate::accounts::MAX_GRANT, -1))
        .item(range(1, crate::accounts::MAX_GRANT))
        .build()
        .into()
}

/// Adds (or takes away) credits, written to the user's ledger.
#[utoipa::path(
    post,
    path = "/admin/users/{id}/credits",
    tag = "admin",
    params(("id" = i64, Path, description = "The user id")),
    request_body = GrantBody,
    responses((status = 200, description = "The user after the grant", body = Data<UserRow>))
)]
pub async fn grant_credits(
    State(state): State<AppState>,
    _admin: AdminUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<GrantBody>,
) -> Result<impl IntoResponse> {
    let amount = Accounts::grant_amount(&body.amount.unwrap_or(Value::Null))?;
    Ok(data(state.accounts.grant_credits_to(id, amount).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RoleBody {
    #[schema(value_type = bool, required = true)]
    is_admin: Option<Value>,
}

/// Grants or revokes the administrator role (not one's own).
#[utoipa::path(
    post,
    path = "/admin/users/{id}/admin",
    tag = "admin",
    params(("id" = i64, Path, description = "The user id")),
    request_body = RoleBody,
    responses(
        (status = 200, description = "The user with the new role", body = Data<UserRow>),
        (status = 409, description = "An administrator cannot revoke their own role", body = ErrorBody),
    )
)]
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
#[utoipa::path(
    get,
    path = "/admin/panel",
    tag = "admin",
    security(()),
    responses((status = 303, description = "To the admin pages at `/admin`"))
)]
pub async fn panel() -> Redirect {
    Redirect::to("/admin")
}
