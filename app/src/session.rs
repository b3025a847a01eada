//! The browser session cookie: one format for the REST login and the server functions.

use http::{HeaderMap, HeaderValue, header};

/// Name of the HttpOnly cookie that carries the session token over plain HTTP.
pub const COOKIE_NAME: &str = "imgbatch_session";
/// Its name over HTTPS: the prefix makes browsers insist on `Secure`, `Path=/` and no `Domain`,
/// so no subdomain or plain-HTTP page can plant or overwrite it.
pub const SECURE_COOKIE_NAME: &str = "__Host-imgbatch_session";

/// Whether the browser reached this request over HTTPS (the configured public URL says so, or a
/// trusted proxy's `X-Forwarded-Proto`); the server puts it in the request's extensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServedOverHttps(pub bool);

fn cookie(secure: bool, value: &str, max_age_secs: i64) -> Option<HeaderValue> {
    let (name, flag) = if secure {
        (SECURE_COOKIE_NAME, "; Secure")
    } else {
        (COOKIE_NAME, "")
    };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{flag}"
    ))
    .ok()
}

/// A `Set-Cookie` value that stores `token` for `max_age_secs` seconds (`Secure` over HTTPS).
pub fn set_cookie(token: &str, max_age_secs: i64, secure: bool) -> Option<HeaderValue> {
    cookie(secure, token, max_age_secs)
}

/// A `Set-Cookie` value that removes the session cookie.
pub fn clear_cookie(secure: bool) -> Option<HeaderValue> {
    cookie(secure, "", 0)
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
        .find(|(name, _)| *name == SECURE_COOKIE_NAME || *name == COOKIE_NAME)
        .map(|(_, value)| value.to_owned())
        .filter(|t| !t.is_empty())
}
