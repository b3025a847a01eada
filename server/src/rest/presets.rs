//! `/api/batch/presets`: the active presets users pick from.

use app::types::PresetView;
use axum::{extract::State, response::IntoResponse};
use serde::Serialize;
use utoipa::ToSchema;

use super::CurrentUser;
use super::{answers::Data, data};
use crate::{Result, state::AppState};

/// A prompt an administrator prepared.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PublicPreset {
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

/// The active presets, in their order.
#[utoipa::path(
    get,
    path = "/batch/presets",
    tag = "batches",
    responses((status = 200, description = "The presets", body = Data<Vec<PublicPreset>>))
)]
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
