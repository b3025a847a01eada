//! `/api/batch/presets`: the active presets users pick from.

use app::types::PresetView;
use axum::{extract::State, response::IntoResponse};
use serde::Serialize;

use super::data;
use crate::{Result, auth::CurrentUser, state::AppState};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PublicPreset {
    id: i64,
    title: String,
    content: String,
    category: String,
    sort_order: i64,
}

impl From<PresetView> for PublicPreset {
    fn from(p: PresetView) -> Self {
        Self {
            id: p.id,
            title: p.title,
            content: p.content,
            category: p.category,
            sort_order: p.sort_order,
        }
    }
}

pub async fn active(
    State(state): State<AppState>,
    _user: CurrentUser,
) -> Result<impl IntoResponse> {
    let presets = state.presets.active().await?;
    Ok(data(
        presets
            .into_iter()
            .map(PublicPreset::from)
            .collect::<Vec<_>>(),
    ))
}
