//! The REST API for scripts (the seed's endpoints plus accounts): thin adapters over the
//! service layer that parse, call and shape `{"success":…}` answers.

mod admin;
mod answers;
mod auth;
mod batch;
mod caller;
mod docs_page;
mod extract;
mod keys;
mod live;
pub mod openapi;
mod presets;
pub mod throttle;

use axum::{Router, http::header, response::IntoResponse};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{Error, state::AppState};

pub use answers::{data, message};
pub use caller::{AdminUser, CurrentUser};
pub use extract::{ApiJson, ApiPath, ApiQuery};

/// Every operation under `/api`, each routed from its own OpenAPI description.
fn operations() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(auth::register))
        .routes(routes!(auth::login))
        .routes(routes!(auth::logout))
        .routes(routes!(auth::logout_everywhere))
        .routes(routes!(auth::me))
        .routes(routes!(presets::active))
        .routes(routes!(batch::models))
        .routes(routes!(batch::create))
        .routes(routes!(batch::queues))
        .routes(routes!(batch::queue, batch::delete))
        .routes(routes!(batch::cancel))
        .routes(routes!(live::events))
        .routes(routes!(batch::download))
        .routes(routes!(batch::retry))
        .routes(routes!(batch::edit))
        .routes(routes!(batch::original))
        .routes(routes!(batch::result))
        .routes(routes!(batch::version))
        .routes(routes!(keys::list))
        .routes(routes!(keys::set, keys::delete))
        .routes(routes!(admin::panel))
        .routes(routes!(admin::users))
        .routes(routes!(admin::grant_credits))
        .routes(routes!(admin::set_admin))
        .routes(routes!(admin::batch_queues))
        .routes(routes!(admin::batch_stats))
        .routes(routes!(admin::get_concurrency, admin::set_concurrency))
        .routes(routes!(admin::list_presets, admin::create_preset))
        .routes(routes!(admin::update_preset, admin::delete_preset))
        .routes(routes!(openapi_json))
        .routes(routes!(docs_page::page))
}

/// The OpenAPI document of everything under `/api`.
pub fn document() -> utoipa::openapi::OpenApi {
    openapi::document(operations().into_openapi())
}

/// Every route under `/api`.
pub fn router() -> Router<AppState> {
    let (router, _) = operations().split_for_parts();
    router
        .fallback(|| async { Error::NotFound("API endpoint") })
        .method_not_allowed_fallback(|| async { Error::MethodNotAllowed })
}

/// This API's OpenAPI 3.1 document.
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "reference",
    security(()),
    responses((status = 200, description = "The OpenAPI 3.1 document", content_type = "application/json"))
)]
async fn openapi_json() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        openapi::json(),
    )
}
