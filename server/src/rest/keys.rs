//! `/api/user/keys`: the caller's own provider API keys (stored encrypted, never shown again).

use axum::{extract::State, response::IntoResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use super::CurrentUser;
use super::{
    ApiJson, ApiPath,
    answers::{Data, Message},
    data, message,
};
use crate::{Result, state::AppState};

/// Which providers the caller has a key for (masked).
#[utoipa::path(
    get,
    path = "/user/keys",
    tag = "keys",
    responses((status = 200, description = "One entry per provider", body = Data<Vec<app::types::KeyStatus>>))
)]
pub async fn list(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> Result<impl IntoResponse> {
    Ok(data(state.keys.statuses(&user, &state.models).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct KeyBody {
    /// The provider's API key; stored encrypted and never shown again.
    #[schema(
        pattern = r"[^\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]",
        max_length = 500
    )]
    api_key: String,
}

/// Stores the caller's key for a provider; that provider's images then cost no credits.
#[utoipa::path(
    put,
    path = "/user/keys/{provider}",
    tag = "keys",
    params(("provider" = String, Path, description = "A provider of `/api/batch/models`, e.g. `openai`")),
    request_body = KeyBody,
    responses((status = 200, description = "Saved", body = Message))
)]
pub async fn set(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(provider): ApiPath<String>,
    ApiJson(body): ApiJson<KeyBody>,
) -> Result<impl IntoResponse> {
    state
        .keys
        .set_checked(&user, &state.models, &provider, &body.api_key)
        .await?;
    Ok(message(
        "API key saved; images for this provider now cost no credits",
    ))
}

/// Removes the caller's key for a provider.
#[utoipa::path(
    delete,
    path = "/user/keys/{provider}",
    tag = "keys",
    params(("provider" = String, Path, description = "The provider")),
    responses((status = 200, description = "Removed", body = Message))
)]
pub async fn delete(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(provider): ApiPath<String>,
) -> Result<impl IntoResponse> {
    state.keys.delete(user.id, &provider).await?;
    Ok(message("API key removed"))
}
