//! The browser session cookie: one format for the REST login and the server functions.

use http::{HeaderMap, HeaderValue, header};

/// Name of the HttpOnly cookie that carries the session token.
pub const COOKIE_NAME: &str = "imgbatch_session";

/// A `Set-Cookie` value that stores `token` for `max_age_secs` seconds.
pub fn set_cookie(token: &str, max_age_secs: i64) -> Option<HeaderValue> {
    HeaderValue::from_str(&format!(
        "{COOKIE_NAME}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}"
    ))
    .ok()
}

/// A `Set-Cookie` value that removes the session cookie.
pub fn clear_cookie() -> HeaderValue {
    HeaderValue::from_static("imgbatch_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0")
}

/// The session token of a request: the bearer token if present, else the cookie.
pub fn token_from_headers(headers: &HeaderMap) -> Option<String> {
    if let Some(value) = headers.get(header::AUTHORIZATION) {
        let value = value.to_str().ok()?;
        let (scheme, token) = value.split_once(' ')?;
        return scheme
            .eq_ignore_ascii_case("bearer")
            .then(|| token.trim().to_owned())
            .filter(|t| !t.is_empty());
    }
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE_NAME)
        .map(|(_, value)| value.to_owned())
        .filter(|t| !t.is_empty())
}
