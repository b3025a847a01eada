//! The REST API for scripts (the seed's endpoints plus accounts): thin adapters over the
//! service layer that parse, call and shape `{"success":…}` answers.

mod admin;
mod auth;
mod extract;
mod presets;

use axum::{
    Json, Router,
    routing::{get, post, put},
};
use serde::Serialize;
use serde_json::{Value, json};

use crate::{Error, state::AppState};

pub use extract::{ApiJson, ApiPath};

/// Every route under `/api`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/register", post(auth::register))
        .route("/auth/login", post(auth::login))
        .route("/auth/logout", post(auth::logout))
        .route("/auth/me", get(auth::me))
        .route("/batch/presets", get(presets::active))
        .route(
            "/admin/config/concurrency",
            get(admin::get_concurrency).post(admin::set_concurrency),
        )
        .route(
            "/admin/presets",
            get(admin::list_presets).post(admin::create_preset),
        )
        .route(
            "/admin/presets/{id}",
            put(admin::update_preset).delete(admin::delete_preset),
        )
        .fallback(|| async { Error::NotFound("API endpoint") })
}

/// `{"success":true,"data":…}`
pub fn data<T: Serialize>(data: T) -> Json<Value> {
    Json(json!({ "success": true, "data": data }))
}

/// `{"success":true,"message":…}`
pub fn message(message: &str) -> Json<Value> {
    Json(json!({ "success": true, "message": message }))
}
