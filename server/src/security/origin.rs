//! Refuses state-changing requests that a browser sends on behalf of another site (CSRF).
//!
//! A browser attaches the session cookie to a form another site submits to us, so a request
//! without a bearer token that changes something must show it comes from our own pages. Modern
//! browsers say where a request comes from in `Sec-Fetch-Site`, older ones in `Origin`; a request
//! with neither did not come from a browser page (a script with its own cookie jar) and passes.
//! This is the check Go's `net/http.CrossOriginProtection` makes.

use axum::{
    extract::{Request, State},
    middleware::Next,
    response::Response,
};
use http::{HeaderMap, Method, header};

use super::Site;
use crate::Error;

/// Middleware: answers 403 to a cross-site, cookie-authenticated (or anonymous) unsafe request.
pub async fn same_origin_only(State(site): State<Site>, request: Request, next: Next) -> Response {
    if allowed(&site, request.method(), request.headers()) {
        next.run(request).await
    } else {
        tracing::warn!(
            path = %request.uri().path(),
            origin = ?request.headers().get(header::ORIGIN),
            fetch_site = ?request.headers().get("sec-fetch-site"),
            "cross-site request refused"
        );
        Error::CrossSite.into_response_for(request.uri().path())
    }
}

fn allowed(site: &Site, method: &Method, headers: &HeaderMap) -> bool {
    if matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    ) {
        return true;
    }
    // A page on another site cannot set this header without our consent (CORS), and a bearer
    // token is never sent by the browser on its own.
    if headers.contains_key(header::AUTHORIZATION) {
        return true;
    }
    if let Some(fetch_site) = headers.get("sec-fetch-site") {
        // `none`: the user started it (address bar, bookmark); `same-site` would trust every
        // sibling subdomain, which may belong to someone else.
        return matches!(fetch_site.as_bytes(), b"same-origin" | b"none");
    }
    match headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()) {
        Some(origin) => site.is_own_origin(origin, headers),
        None => true,
    }
}

#[cfg(test)]
mod tests {
    use http::HeaderValue;

    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn browsers_say_where_a_request_comes_from() {
        let site = Site::default();
        let post = Method::POST;
        assert!(allowed(
            &site,
            &post,
            &headers(&[("sec-fetch-site", "same-origin")])
        ));
        assert!(allowed(
            &site,
            &post,
            &headers(&[("sec-fetch-site", "none")])
        ));
        assert!(!allowed(
            &site,
            &post,
            &headers(&[("sec-fetch-site", "cross-site")])
        ));
        assert!(!allowed(
            &site,
            &post,
            &headers(&[("sec-fetch-site", "same-site")])
        ));
        // Reading is always allowed; a bearer token is proof enough.
        assert!(allowed(
            &site,
            &Method::GET,
            &headers(&[("sec-fetch-site", "cross-site")])
        ));
        assert!(allowed(
            &site,
            &post,
            &headers(&[
                ("sec-fetch-site", "cross-site"),
                ("authorization", "Bearer x")
            ])
        ));
    }

    #[test]
    fn without_fetch_metadata_the_origin_must_be_ours() {
        let site = Site::default();
        let post = Method::DELETE;
        let own = headers(&[
            ("host", "photos.example:8080"),
            ("origin", "http://photos.example:8080"),
        ]);
        assert!(allowed(&site, &post, &own));
        let other = headers(&[
            ("host", "photos.example"),
            ("origin", "https://evil.example"),
        ]);
        assert!(!allowed(&site, &post, &other));
        assert!(!allowed(
            &site,
            &post,
            &headers(&[("host", "photos.example"), ("origin", "null")])
        ));
        // Neither header: not a browser page (curl, a script).
        assert!(allowed(
            &site,
            &post,
            &headers(&[("host", "photos.example")])
        ));
    }

    #[test]
    fn a_public_url_names_the_origin_exactly() {
        let site = Site::new(Some("https://photos.example/".parse().expect("url")));
        let post = Method::POST;
        let proxied = headers(&[
            ("host", "127.0.0.1:3000"),
            ("origin", "https://photos.example"),
        ]);
        assert!(allowed(&site, &post, &proxied));
        let plain = headers(&[
            ("host", "photos.example"),
            ("origin", "http://photos.example"),
        ]);
        assert!(!allowed(&site, &post, &plain));
    }
}
