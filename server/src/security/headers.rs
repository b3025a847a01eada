//! Security headers: every page may run only its own scripts (a fresh nonce per response for the
//! hydration script, the app's own WebAssembly) and may not be framed; no response leaks its URL
//! to other sites; HTTPS sites ask browsers to stay on HTTPS.

use axum::{
    extract::{Request, State},
    middleware::Next,
    response::Response,
};
use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use http::{HeaderValue, header};
use rand::RngCore as _;

use super::{
    Site,
    client_ip::{self, TrustedProxies},
};
use app::{csp::CspNonce, session::ServedOverHttps};

/// Middleware: decides whether the request came over HTTPS (for the cookie and HSTS), hands the
/// page renderer a nonce and sets the headers on the way out.
pub async fn security_headers(
    State((site, proxies)): State<(Site, TrustedProxies)>,
    mut request: Request,
    next: Next,
) -> Response {
    let peer = client_ip::peer(request.extensions());
    let https = site.is_https()
        || peer.is_some_and(|peer| proxies.forwarded_https(peer, request.headers()));
    request.extensions_mut().insert(ServedOverHttps(https));
    let nonce = new_nonce();
    request.extensions_mut().insert(CspNonce(nonce.clone()));
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let is_html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if is_html {
        if let Ok(policy) = HeaderValue::from_str(&policy(&nonce)) {
            headers.insert(header::CONTENT_SECURITY_POLICY, policy);
        }
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers
        .entry(header::X_CONTENT_TYPE_OPTIONS)
        .or_insert(HeaderValue::from_static("nosniff"));
    if https {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    response
}

/// The page policy. Styles may be inline: components set widths (progress bars) as style
/// attributes, which nonces do not cover, and styles cannot run code. `blob:` URLs are the
/// thumbnails of chosen files, which only this page's scripts can create.
fn policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self' 'unsafe-inline'; img-src 'self' blob: data:; connect-src 'self' blob:; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

fn new_nonce() -> String {
    let mut bytes = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonces_differ_and_only_the_page_scripts_run() {
        let (a, b) = (new_nonce(), new_nonce());
        assert_ne!(a, b);
        let policy = policy(&a);
        assert!(policy.contains(&format!(
            "script-src 'self' 'nonce-{a}' 'wasm-unsafe-eval';"
        )));
        assert!(policy.contains("frame-ancestors 'none'"));
    }
}
