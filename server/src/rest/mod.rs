//! The REST API for scripts (the seed's endpoints plus accounts): thin adapters over the
//! service layer that parse, call and shape `{"success":…}` answers.

mod admin;
mod auth;
mod batch;
mod extract;
mod keys;
mod live;
mod presets;
pub mod throttle;

use axum::{
    Json, Router,
    routing::{get, post, put},
};
use serde::Serialize;
use serde_json::{Value, json};

use crate::{Error, state::AppState};

pub use extract::{ApiJson, ApiPath, ApiQuery};

/// Every route under `/api`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/register", post(auth::register))
        .route("/auth/login", post(auth::login))
        .route("/auth/logout", post(auth::logout))
        .route("/auth/logout-everywhere", post(auth::logout_everywhere))
        .route("/auth/me", get(auth::me))
        .route("/batch/presets", get(presets::active))
        .route("/batch/models", get(batch::models))
        .route("/batch/create", post(batch::create))
        .route("/batch/queues", get(batch::queues))
        .route("/batch/queue/{id}", get(batch::queue).delete(batch::delete))
        .route("/batch/queue/{id}/cancel", post(batch::cancel))
        .route("/batch/queue/{id}/events", get(live::events))
        .route("/batch/queue/{id}/download", get(batch::download))
        .route("/batch/task/{id}/retry", post(batch::retry))
        .route("/batch/task/{id}/edit", post(batch::edit))
        .route("/batch/task/{id}/original", get(batch::original))
        .route("/batch/task/{id}/result", get(batch::result))
        .route("/batch/task/{id}/versions/{version}", get(batch::version))
        .route("/user/keys", get(keys::list))
        .route("/user/keys/{provider}", put(keys::set).delete(keys::delete))
        .route("/admin/panel", get(admin::panel))
        .route("/admin/users", get(admin::users))
        .route("/admin/users/{id}/credits", post(admin::grant_credits))
        .route("/admin/users/{id}/admin", post(admin::set_admin))
        .route("/admin/batch/queues", get(admin::batch_queues))
        .route("/admin/batch/stats", get(admin::batch_stats))
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
        .method_not_allowed_fallback(|| async { Error::MethodNotAllowed })
}

/// `{"success":true,"data":…}`
pub fn data<T: Serialize>(data: T) -> Json<Value> {
    Json(json!({ "success": true, "data": data }))
}

/// `{"success":true,"message":…}`
pub fn message(message: &str) -> Json<Value> {
    Json(json!({ "success": true, "message": message }))
}
