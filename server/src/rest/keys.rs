//! `/api/user/keys`: the caller's own provider API keys (stored encrypted, never shown again).

use axum::{extract::State, response::IntoResponse};
use serde::Deserialize;
use serde_json::json;

use super::{ApiJson, ApiPath, data, message};
use crate::{Error, Result, auth::CurrentUser, state::AppState};

pub async fn list(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> Result<impl IntoResponse> {
    let stored = state.keys.providers(user.id).await?;
    let providers: Vec<_> = state
        .models
        .key_providers()
        .into_iter()
        .map(|p| json!({ "provider": p, "hasKey": stored.iter().any(|s| s == p) }))
        .collect();
    Ok(data(providers))
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
    let accepted = state.models.key_providers();
    if !accepted.contains(&provider.as_str()) {
        return Err(Error::Invalid(if accepted.is_empty() {
            format!("'{provider}' does not take your own API key: no provider on this server does")
        } else {
            format!(
                "'{provider}' does not take your own API key; these do: {}",
                accepted.join(", ")
            )
        }));
    }
    state.keys.set(user.id, &provider, &body.api_key).await?;
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
