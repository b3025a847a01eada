//! `/api/auth/*`: register, log in, log out, who am I.

use app::session::ServedOverHttps;
use axum::{
    Extension,
    extract::State,
    http::{HeaderMap, StatusCode, header},
    response::{AppendHeaders, IntoResponse},
};
use serde::Deserialize;
use utoipa::ToSchema;

use super::CurrentUser;
use super::{
    ApiJson,
    answers::{Data, Message, SessionAnswer, SignedOutEverywhere},
    data, message,
};
use crate::{Result, accounts::Session, state::AppState};

#[derive(Deserialize, ToSchema)]
pub struct Credentials {
    /// 3–32 letters, digits, `_`, `-` or `.` (surrounding spaces are dropped).
    #[schema(
        pattern = r"^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*[A-Za-z0-9_.\-]{3,32}[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$"
    )]
    username: String,
    /// 8–128 characters.
    #[schema(min_length = 8, max_length = 128)]
    password: String,
}

/// The token for scripts in the body, the same token as an HttpOnly cookie for browsers.
fn session_response(status: StatusCode, session: Session, secure: bool) -> impl IntoResponse {
    let cookie = app::session::set_cookie(&session.token, session.ttl.as_secs() as i64, secure);
    let body = SessionAnswer {
        success: true,
        token: session.token,
        expires_in: session.ttl.as_secs(),
        user: app::types::UserView::from(session.user),
    };
    (
        status,
        AppendHeaders(cookie.map(|c| (header::SET_COOKIE, c))),
        body,
    )
}

/// Creates an account with the starting credits and signs it in.
#[utoipa::path(
    post,
    path = "/auth/register",
    tag = "auth",
    security(()),
    request_body = Credentials,
    responses(
        (status = 201, description = "Registered and signed in; the token is also set as a cookie", body = SessionAnswer),
        (status = 403, description = "Registration is closed on this server", body = super::answers::ErrorBody),
        (status = 409, description = "The username is taken", body = super::answers::ErrorBody),
        (status = 429, description = "Too many sign-in attempts from this address", body = super::answers::ErrorBody),
    )
)]
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

/// Signs in; the token is for scripts, the same token is set as an HttpOnly cookie for browsers.
#[utoipa::path(
    post,
    path = "/auth/login",
    tag = "auth",
    security(()),
    request_body = Credentials,
    responses(
        (status = 200, description = "Signed in", body = SessionAnswer),
        (status = 401, description = "Wrong username or password", body = super::answers::ErrorBody),
        (status = 429, description = "Too many attempts from this address or for this account", body = super::answers::ErrorBody),
    )
)]
pub async fn login(
    State(state): State<AppState>,
    Extension(ServedOverHttps(https)): Extension<ServedOverHttps>,
    ApiJson(body): ApiJson<Credentials>,
) -> Result<impl IntoResponse> {
    let session = state.accounts.login(&body.username, &body.password).await?;
    Ok(session_response(StatusCode::OK, session, https))
}

/// Ends this session (the token, or the cookie's session); without one it only clears the cookie.
#[utoipa::path(
    post,
    path = "/auth/logout",
    tag = "auth",
    security((), ("bearer" = []), ("session" = [])),
    responses((status = 200, description = "Signed out", body = Message))
)]
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
#[utoipa::path(
    post,
    path = "/auth/logout-everywhere",
    tag = "auth",
    responses((status = 200, description = "Every session ended", body = SignedOutEverywhere))
)]
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
        SignedOutEverywhere {
            success: true,
            message: format!("signed out everywhere: {ended} sessions and tokens ended"),
            ended,
        },
    ))
}

/// The caller's account and credits.
#[utoipa::path(
    get,
    path = "/auth/me",
    tag = "auth",
    responses((status = 200, description = "The signed-in user", body = Data<app::types::UserView>))
)]
pub async fn me(CurrentUser(user): CurrentUser) -> impl IntoResponse {
    data(app::types::UserView::from(user))
}
