//! Request context helpers for server functions.

use leptos::prelude::*;

use crate::{
    AppError,
    backend::SharedBackend,
    session::{self, token_from_headers},
    types::UserView,
};

/// The service layer the server provided.
pub fn backend() -> Result<SharedBackend, AppError> {
    use_context::<SharedBackend>().ok_or(AppError::Internal)
}

/// The session token sent with the current request, if any.
pub fn request_token() -> Option<String> {
    use_context::<http::request::Parts>().and_then(|parts| token_from_headers(&parts.headers))
}

/// Adds a `Set-Cookie` header to the current response.
pub fn set_session_cookie(value: Option<http::HeaderValue>) {
    if let (Some(value), Some(response)) = (value, use_context::<leptos_axum::ResponseOptions>()) {
        response.append_header(http::header::SET_COOKIE, value);
    }
}

/// Stores a new session in the browser.
pub fn remember(token: &str, max_age_secs: i64) {
    set_session_cookie(session::set_cookie(token, max_age_secs, secure_cookies()));
}

/// Removes the session from the browser.
pub fn forget() {
    set_session_cookie(session::clear_cookie(secure_cookies()));
}

fn secure_cookies() -> bool {
    use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<session::ServedOverHttps>().copied())
        .map_or_else(
            || backend().is_ok_and(|b| b.secure_cookies()),
            |https| https.0,
        )
}

/// Gives a failed server function a fitting HTTP status (the default is 500). Plain form posts
/// without JavaScript keep leptos' redirect back to the page instead.
pub fn with_status<T>(result: Result<T, AppError>) -> Result<T, AppError> {
    if let Err(error) = &result {
        let accepts_html = use_context::<http::request::Parts>()
            .and_then(|parts| parts.headers.get(http::header::ACCEPT).cloned())
            .and_then(|v| v.to_str().map(|v| v.contains("text/html")).ok())
            .unwrap_or(false);
        if let (false, Some(response)) =
            (accepts_html, use_context::<leptos_axum::ResponseOptions>())
        {
            response.set_status(error.status());
        }
    }
    result
}

/// Runs `call` for the signed-in caller and gives a failure its HTTP status: the one place a
/// server function resolves who is asking.
pub async fn as_caller<T, F, Fut>(call: F) -> Result<T, AppError>
where
    F: FnOnce(SharedBackend, UserView) -> Fut,
    Fut: std::future::Future<Output = Result<T, AppError>>,
{
    let backend = backend();
    let token = request_token();
    let result = async move {
        let backend = backend?;
        let token = token.ok_or_else(|| AppError::Unauthorized("please sign in".into()))?;
        let caller = backend.caller(&token).await?;
        call(backend, caller).await
    }
    .await;
    with_status(result)
}
