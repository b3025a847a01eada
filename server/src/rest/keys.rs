//! `/api/user/keys`: the caller's own provider API keys (stored encrypted, never shown again).

use axum::{extract::State, response::IntoResponse};
use serde::Deserialize;

use super::{ApiJson, ApiPath, data, message};
use crate::{Result, auth::CurrentUser, state::AppState};

pub async fn list(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> Result<impl IntoResponse> {
    Ok(data(state.keys.statuses(&user, &state.models).await?))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyBody {
    api_key: String,
}

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

pub async fn delete(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(provider): ApiPath<String>,
) -> Result<impl IntoResponse> {
    state.keys.delete(user.id, &provider).await?;
    Ok(message("API key removed"))
}
