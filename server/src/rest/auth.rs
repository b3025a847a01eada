//! `/api/auth/*`: register, log in, log out, who am I.

use app::session::ServedOverHttps;
use axum::{
    Extension, Json,
    extract::State,
    http::{HeaderMap, StatusCode, header},
    response::{AppendHeaders, IntoResponse},
};
use serde::Deserialize;
use serde_json::json;

use super::{ApiJson, data, message};
use crate::{Result, accounts::Session, auth::CurrentUser, state::AppState};

#[derive(Deserialize)]
pub struct Credentials {
    username: String,
    password: String,
}

/// The token for scripts in the body, the same token as an HttpOnly cookie for browsers.
fn session_response(status: StatusCode, session: Session, secure: bool) -> impl IntoResponse {
    let cookie = app::session::set_cookie(&session.token, session.ttl.as_secs() as i64, secure);
    let body = Json(json!({
        "success": true,
        "token": session.token,
        "expiresIn": session.ttl.as_secs(),
        "user": app::types::UserView::from(session.user),
    }));
    (
        status,
        AppendHeaders(cookie.map(|c| (header::SET_COOKIE, c))),
        body,
    )
}

pub async fn register(
    State(state): State<AppState>,
    Extension(ServedOverHttps(https)): Extension<ServedOverHttps>,
    ApiJson(body): ApiJson<Credentials>,
) -> Result<impl IntoResponse> {
    let session = state
        .accounts
        .register(&body.username, &body.password)
        .await?;
    Ok(session_response(StatusCode::CREATED, session, https))
}

pub async fn login(
    State(state): State<AppState>,
    Extension(ServedOverHttps(https)): Extension<ServedOverHttps>,
    ApiJson(body): ApiJson<Credentials>,
) -> Result<impl IntoResponse> {
    let session = state.accounts.login(&body.username, &body.password).await?;
    Ok(session_response(StatusCode::OK, session, https))
}

pub async fn logout(
    State(state): State<AppState>,
    Extension(ServedOverHttps(https)): Extension<ServedOverHttps>,
    headers: HeaderMap,
) -> Result<impl IntoResponse> {
    if let Some(token) = app::session::token_from_headers(&headers) {
        state.accounts.logout(&token).await?;
    }
    let cookie = app::session::clear_cookie(https);
    Ok((
        AppendHeaders(cookie.map(|c| (header::SET_COOKIE, c))),
        message("signed out"),
    ))
}

/// Revokes every session and API token of the caller, this one included.
pub async fn logout_everywhere(
    State(state): State<AppState>,
    Extension(ServedOverHttps(https)): Extension<ServedOverHttps>,
    headers: HeaderMap,
) -> Result<impl IntoResponse> {
    let token = app::session::token_from_headers(&headers).ok_or(crate::Error::Unauthorized)?;
    let ended = state.accounts.logout_everywhere(&token).await?;
    let cookie = app::session::clear_cookie(https);
    Ok((
        AppendHeaders(cookie.map(|c| (header::SET_COOKIE, c))),
        Json(json!({
            "success": true,
            "message": format!("signed out everywhere: {ended} sessions and tokens ended"),
            "ended": ended,
        })),
    ))
}

pub async fn me(CurrentUser(user): CurrentUser) -> impl IntoResponse {
    data(app::types::UserView::from(user))
}
