//! The nonce that lets a page's own inline script run under the Content-Security-Policy: the
//! server's middleware picks one per response, sends it in the header and leaves it in the
//! request for the renderer.

use leptos::prelude::*;

/// The nonce of this response's `Content-Security-Policy`, as a request extension.
#[derive(Debug, Clone)]
pub struct CspNonce(pub String);

/// Makes the renderer mark its scripts with the response's nonce (if the middleware set one).
pub fn provide_request_nonce() {
    let nonce = use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<CspNonce>().cloned());
    if let Some(CspNonce(nonce)) = nonce {
        provide_context(leptos::nonce::Nonce::from_value(nonce));
    }
}
